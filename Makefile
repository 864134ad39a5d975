# Two commands on a fresh clone with only python3 and make: `make demo`, `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test lint typecheck unit clients bench pictures clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/cchc-xlsx demo --out demo-output

test: $(STAMP) clients lint typecheck unit

# ruff (style and bugs; the package is also ruff-formatted) and import-linter
# (the pipeline's layers, pyproject.toml's [tool.importlinter]).
lint: $(STAMP)
	$(BIN)/ruff check cchc_xlsx tests benchmarks scripts
	$(BIN)/ruff format --check --quiet cchc_xlsx
	$(BIN)/lint-imports --no-cache

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

# The real-client tests need LibreOffice (with its Python bridge, to type into
# cells as a person would; Writer, to open the report draft), Gnumeric's
# ssconvert and poppler's pdftotext (the draft's PDF read back); install what
# is missing when we are root.
CLIENT_PACKAGES := libreoffice-calc-nogui libreoffice-writer-nogui gnumeric python3-uno poppler-utils
clients:
	@if [ -n "$$CCHC_SKIP_LIBREOFFICE" ] || { command -v soffice >/dev/null 2>&1 && command -v ssconvert >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && ls /usr/lib/libreoffice/program/libswlo.so >/dev/null 2>&1 && /usr/bin/python3 -c "import uno" >/dev/null 2>&1; }; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		echo "Cài các ứng dụng thật cho kiểm thử: $(CLIENT_PACKAGES)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(CLIENT_PACKAGES) >/dev/null; \
	else \
		echo "Thiếu LibreOffice (Calc, Writer)/Gnumeric/pdftotext: chạy 'make test' với quyền root, hoặc 'sudo apt-get install --no-install-recommends $(CLIENT_PACKAGES)'." >&2; \
	fi

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_generate.py
	$(BIN)/python benchmarks/bench_consolidate.py
	$(BIN)/python benchmarks/bench_cli.py

# README pictures: LibreOffice renders the demo output; the metric-compatible fonts
# (Liberation for Times New Roman, Carlito for Calibri) keep widths as in Excel.
pictures: $(STAMP) clients demo
	@if [ "$$(id -u)" = 0 ] && ! { command -v pdftoppm >/dev/null && fc-list | grep -q "Liberation Serif" && fc-list | grep -q Carlito; }; then \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils fonts-liberation2 fonts-crosextra-carlito >/dev/null; fi
	$(BIN)/python scripts/render_pictures.py demo-output docs/img

clean:
	rm -rf demo-output .pytest_cache .mypy_cache .ruff_cache
