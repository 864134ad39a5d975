"""Type text into a template's cells as a person types it in LibreOffice Calc.

A person's keystrokes go through Calc's input parsing for the locale: in vi-VN
``12,5%`` becomes 0.125 with a percent format, ``1/4`` the 1st of April of the
current year with a date format, ``1.594`` the number 1594 (``.`` groups
thousands), ``3.0000000001`` stays text, ``'123`` is the text ``123``. Writing
values with openpyxl skips all of that; this harness does not.

How: one ``soffice --headless`` for all the jobs of a call, with a throwaway
profile whose locale (``ooSetupSystemLocale`` and the default document
language) is ``locale``; it is driven through UNO by ``tests/_lo_type_worker.py``
run by the SYSTEM python (Debian's ``python3-uno``; the venv cannot import
``uno``; ``$CCHC_UNO_PYTHON`` names another interpreter). LibreOffice works on
private copies of the templates.

The typing call: each text is set as the cell's ``FormulaLocal``. Calc then
runs ``ScDocFunc::SetNormalString`` (through ``SetCellText`` with
``bEnglish=false``), the function that Enter in the input line reaches too
(``ScViewFunc::EnterData``): the text is parsed in the cell's locale, a
recognised date, percentage, scientific number gets its number format, a
leading apostrophe makes text, ``=`` a formula in the locale's syntax
(``=SUM(1;2)``). The dispatch ``.uno:EnterString`` (the view's ``EnterData``
itself) stored the same value and format for every input tried in both
locales, but makes LibreOffice 7.4 headless abort seconds later, so it is
only kept as an option of the worker (``$CCHC_LO_TYPING_METHOD=enter_string``).
``XCell.setFormula`` is not typing (en-US whatever the locale, and no number
format: ``1/4`` is a bare serial of 4 January), nor ``setString`` (always text).

What typing in Calc's input line does and this does not: the data-validation
check (a "stop" rule refuses ``-1`` in a count cell with a dialog), AutoInput
(completion from the column) and AutoCorrect. The harness stores every typed
value, as a paste would, and reports for each cell whether Calc's own "Mark
Invalid Data" flags it (:attr:`TypedCell.invalid`) and so whether the UI
would have refused it (:attr:`TypedCell.rejected_by_validation`). A locked
cell of a protected sheet is refused, as the UI refuses it
(:attr:`TypedCell.refused`); unlocked cells are typed into without
unprotecting. After typing: ``calculateAll()``, then store as "Calc MS Excel
2007 XML" (Excel 2007-365).

Entry points:

- :func:`type_into_all` / :func:`type_into`: cells by A1 reference (``D10``
  on the first sheet, ``Sheet!D10`` or ``'Sheet name'!D10``);
- :func:`type_codes_all` / :func:`type_codes`: cells by catalogue code, placed
  with the form's layout (:func:`cells_for_codes`);
- :func:`require_uno`: soffice and a python with ``uno``, or the calling test
  FAILS saying how to install them (skips with ``CCHC_SKIP_LIBREOFFICE=1``).

Each typed cell comes back as a :class:`TypedCell`: what Calc stored (kind,
value, number format), the row's check text (F) and error/warning counts (G/H)
after recalculation, and the validation verdict. Read the saved file with
openpyxl (``data_only=True`` for F/G/H) or give it to the reader.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.layout.a1 import a1, quote_sheet
from cchc_xlsx.layout.form import COL_VALUE, FormLayout, build_layout

try:  # tests/ as a package (tests/__init__.py) or as a rootdir-less folder
    from tests.libreoffice import SKIP_ENV, LibreOfficeError, _kill_group, soffice_path
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    from libreoffice import SKIP_ENV, LibreOfficeError, _kill_group, soffice_path

WORKER = Path(__file__).resolve().parent / "_lo_type_worker.py"
UNO_PYTHON_ENV = "CCHC_UNO_PYTHON"
DEFAULT_UNO_PYTHON = "/usr/bin/python3"
INSTALL = "apt-get install --no-install-recommends libreoffice-calc-nogui python3-uno"
START_TIMEOUT = 90.0  # a first start with a fresh profile is slower than later ones
PER_JOB_TIMEOUT = 10.0
PER_CELL_TIMEOUT = 0.5
# "enter_string" makes the worker dispatch .uno:EnterString instead (for re-checking
# that both paths agree on a newer LibreOffice; 7.4 headless crashes seconds after it)
METHOD_ENV = "CCHC_LO_TYPING_METHOD"

# NOTE: no recalculation on load (OOXMLRecalcMode 1, "never"): the worker runs
# calculateAll() after typing anyway, and a load is ~0.1 s faster.
_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
           xmlns:xs="http://www.w3.org/2001/XMLSchema"
           xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>{locale}</value></prop></item>
<item oor:path="/org.openoffice.Office.Linguistic/General"><prop oor:name="DefaultLocale" oor:op="fuse"><value>{locale}</value></prop></item>
</oor:items>
"""

_MISSING = (
    "Typing tests need LibreOffice (soffice) and its Python bridge (python3-uno, "
    "importable by {python}); missing: {what}. Run `make test` as root, or: {install}. "
    "To skip these tests on purpose, set {env}=1."
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class TypedCell:
    """One typed cell, as LibreOffice left it after typing and recalculation."""

    key: str  # what the caller named it by: the A1 reference or the catalogue code
    sheet: str
    cell: str  # A1 on ``sheet``
    text: str  # what was typed
    refused: str | None  # "protected": a locked cell of a protected sheet, nothing typed
    kind: str  # "value", "text", "formula" or "empty"
    value: float | str | None  # number (dates are serials), text, or a formula's result
    display: str  # what the cell shows
    formula: str  # the content in Calc's API notation: "5", "'123", "=SUM(1;2)"
    # Calc's format code after typing, in the locale's notation ("General", "0,00%",
    # "DD/MM/YY" in vi-VN; openpyxl reads the saved file's "0.00%", "dd/mm/yy")
    number_format: str
    check: str  # the row's check text (column F) after recalculation
    errors: float | None  # the row's error count (hidden column G)
    warnings: float | None  # the row's warning count (hidden column H)
    validation: str | None  # the cell's data validation type (WHOLE, DECIMAL, LIST, TEXT_LEN…)
    alert: str | None  # its error alert style: STOP, WARNING, INFO
    shows_error: bool  # whether the UI shows the alert at all
    invalid: bool  # Calc's "Mark Invalid Data" circles the cell

    @property
    def rejected_by_validation(self) -> bool:
        """A person typing this in Calc (or Excel) gets a "stop" dialog and cannot keep it;
        the harness stored it anyway, as a paste would."""
        return self.invalid and self.alert == "STOP" and self.shows_error


@dataclass(frozen=True)
class TypingResult:
    """One job: the saved workbook and every typed cell, in the order typed
    (``result[key]`` by A1 reference or, from :func:`type_codes_all`, by code)."""

    template: Path
    output: Path
    status: str  # the status cell D6 of the first sheet after recalculation
    cells: tuple[TypedCell, ...]

    def __getitem__(self, key: str) -> TypedCell:
        for c in self.cells:
            if c.key == key:
                return c
        raise KeyError(key)

    @property
    def by_key(self) -> dict[str, TypedCell]:
        return {c.key: c for c in self.cells}


# --------------------------------------------------------------------------- requirements


@functools.cache
def _python_has_uno(python: str) -> bool:
    try:
        done = subprocess.run(
            [python, "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
            env=_clean_env(),
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def uno_python() -> str:
    """The interpreter that runs the worker: ``$CCHC_UNO_PYTHON`` or /usr/bin/python3."""
    return os.environ.get(UNO_PYTHON_ENV) or DEFAULT_UNO_PYTHON


def require_uno() -> tuple[str, str]:
    """``(soffice, python with uno)``; otherwise fail the calling test (or skip it
    when ``CCHC_SKIP_LIBREOFFICE=1``) saying how to install them."""
    soffice = soffice_path()
    python = uno_python()
    missing = []
    if soffice is None:
        missing.append("soffice")
    if not _python_has_uno(python):
        missing.append(f"`import uno` in {python}")
    if soffice is not None and not missing:
        return soffice, python
    message = _MISSING.format(python=python, what=", ".join(missing), install=INSTALL, env=SKIP_ENV)
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(message)
    pytest.fail(message, pytrace=False)


# --------------------------------------------------------------------------- typing

Job = tuple[Path, Mapping[str, str], Path]


def type_into_all(
    jobs: Sequence[Job], locale: str = "vi-VN", timeout: float | None = None
) -> list[TypingResult]:
    """Type into many templates with ONE soffice: each job is (template .xlsx,
    {A1 reference: typed text}, output .xlsx). Cells are typed in the mapping's
    order; ``""`` deletes a cell's content. Returns one :class:`TypingResult`
    per job, in order. Raises :class:`LibreOfficeError` when soffice or the
    worker fails, or when a job could not be done (the other outputs are written).
    """
    keyed = [(Path(t), [(ref, ref, text) for ref, text in cells.items()], Path(o)) for t, cells, o in jobs]
    return _run_jobs(keyed, locale, timeout)


def type_into(
    template: Path, cells: Mapping[str, str], out: Path, locale: str = "vi-VN"
) -> TypingResult:
    """:func:`type_into_all` for one template."""
    return type_into_all([(template, cells, out)], locale)[0]


def cells_for_codes(layout: FormLayout, values: Mapping[str, str]) -> dict[str, str]:
    """{catalogue code: text} → {``'Sheet'!D10``: text}: each code's value cell (column D)
    on its sheet. Unknown codes raise KeyError. A ratio or sum row's D is a locked
    formula: typing there is refused (:attr:`TypedCell.refused`)."""
    return {code_cell(layout, code): text for code, text in values.items()}


def code_cell(layout: FormLayout, code: str) -> str:
    """The sheet-qualified A1 reference of a code's value cell (``'Phụ lục'!D10``)."""
    if code not in layout:
        raise KeyError(f"code {code!r} is not on the {layout.level} form")
    rl = layout[code]
    return f"{quote_sheet(layout.sheets[rl.sheet].name)}!{a1(rl.r, COL_VALUE)}"


CodeJob = Job  # (template, {catalogue code: text}, output)


def type_codes_all(
    jobs: Sequence[CodeJob],
    catalog: Catalog | str | os.PathLike[str] | None = None,
    level: str = "xa",
    locale: str = "vi-VN",
    timeout: float | None = None,
) -> list[TypingResult]:
    """Like :func:`type_into_all`, with cells named by catalogue code ({code: text});
    ``catalog`` (default: the bundled one) and ``level`` give the layout. Each
    :class:`TypedCell`'s ``key`` is its code: ``result["1.2.1"]``."""
    layout = _layout(catalog, level)
    keyed = [
        (Path(t), [(code, code_cell(layout, code), text) for code, text in values.items()], Path(o))
        for t, values, o in jobs
    ]
    return _run_jobs(keyed, locale, timeout)


def type_codes(
    template: Path,
    values: Mapping[str, str],
    out: Path,
    catalog: Catalog | str | os.PathLike[str] | None = None,
    level: str = "xa",
    locale: str = "vi-VN",
) -> TypingResult:
    """:func:`type_codes_all` for one template."""
    return type_codes_all([(template, values, out)], catalog, level, locale)[0]


@functools.lru_cache(maxsize=8)
def _layout_of(catalog_path: str | None, level: str) -> FormLayout:
    return build_layout(load_catalog(catalog_path) if catalog_path else load_catalog(), level)


def _layout(catalog: Catalog | str | os.PathLike[str] | None, level: str) -> FormLayout:
    if isinstance(catalog, Catalog):
        return build_layout(catalog, level)
    return _layout_of(os.fspath(catalog) if catalog is not None else None, level)


def _run_jobs(
    jobs: Sequence[tuple[Path, list[tuple[str, str, str]], Path]], locale: str, timeout: float | None
) -> list[TypingResult]:
    soffice, python = require_uno()
    if not jobs:
        return []
    outputs: list[Path] = []
    for template, cells, out in jobs:
        if not template.is_file():
            raise FileNotFoundError(template)
        target = out.resolve()
        if target == template.resolve() or target in outputs:
            raise ValueError(f"output {out} is a template or another job's output")
        outputs.append(target)
        for _, _, text in cells:
            if not isinstance(text, str):
                raise TypeError(f"typed text must be str, not {type(text).__name__}: {text!r}")
    n_cells = sum(len(c) for _, c, _ in jobs)
    limit = timeout if timeout is not None else (
        START_TIMEOUT + PER_JOB_TIMEOUT * len(jobs) + PER_CELL_TIMEOUT * n_cells
    )
    with tempfile.TemporaryDirectory(prefix="cchc-lo-typing-") as tmp:
        # NOTE: LibreOffice works on private copies: its lock files (left behind
        # when it crashes, and then blocking the next load) never touch the
        # caller's folders, and an output appears only once it is complete.
        prepared: list[dict[str, Any]] = []
        for i, (template, cells, _) in enumerate(jobs):
            work = Path(tmp) / "jobs" / str(i)
            work.mkdir(parents=True)
            copy = work / template.name
            shutil.copyfile(template, copy)
            prepared.append({
                "template": str(copy),
                "out": str(work / "typed.xlsx"),
                "cells": [[ref, text] for _, ref, text in cells],
            })
        results, office_log = _drive(soffice, python, Path(tmp), prepared, locale, limit)
        problems = [
            f"{template.name}: {r['error']}" for (template, _, _), r in zip(jobs, results) if r.get("error")
        ]
        problems += [
            f"{template.name}: no output written"
            for (template, _, _), j, r in zip(jobs, prepared, results)
            if not r.get("error") and not Path(j["out"]).is_file()
        ]
        if problems:
            raise LibreOfficeError("typing failed:\n" + "\n".join(problems) + f"\nsoffice: {office_log}")
        for j, target in zip(prepared, outputs):
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(j["out"], target)
    return [
        TypingResult(
            template=template,
            output=target,
            status=r["status"],
            cells=tuple(_typed_cell(key, c) for (key, _, _), c in zip(cells, r["cells"])),
        )
        for (template, cells, _), target, r in zip(jobs, outputs, results)
    ]


def _typed_cell(key: str, c: Mapping[str, Any]) -> TypedCell:
    return TypedCell(
        key=key,
        sheet=c["sheet"],
        cell=c["cell"],
        text=c["text"],
        refused=c["refused"],
        kind=c["kind"],
        value=c["value"],
        display=c["display"],
        formula=c["formula"],
        number_format=c["number_format"],
        check=c["check"],
        errors=c["errors"],
        warnings=c["warnings"],
        validation=c["validation"],
        alert=c["alert"],
        shows_error=c["shows_error"],
        invalid=c["invalid"],
    )


def _clean_env() -> dict[str, str]:
    """The environment without the venv's traces, for the system python and soffice."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["SAL_USE_VCLPLUGIN"] = "svp"
    return env


def _drive(
    soffice: str, python: str, tmp: Path, jobs: list[dict[str, Any]], locale: str, limit: float
) -> tuple[list[dict[str, Any]], str]:
    profile = tmp / "profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(
        _PROFILE_XCU.format(locale=locale), encoding="utf-8"
    )
    pipe = f"cchc_typing_{os.getpid()}_{secrets.token_hex(6)}"
    request = tmp / "request.json"
    result = tmp / "result.json"
    request.write_text(
        json.dumps(
            {
                "pipe": pipe,
                "connect_timeout": START_TIMEOUT,
                "method": os.environ.get(METHOD_ENV, "formula_local"),
                "jobs": jobs,
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    env = _clean_env()
    with open(tmp / "soffice.log", "w+", encoding="utf-8", errors="replace") as office_log:
        # NOTE: soffice forks (oosplash → soffice.bin); a new session lets us end the
        # whole group it started, and nothing else.
        office = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--invisible",
                "--nologo",
                "--nodefault",
                "--norestore",
                "--nolockcheck",
                f"--accept=pipe,name={pipe};urp;",
            ],
            cwd=tmp,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=office_log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            try:
                worker = subprocess.run(
                    [python, str(WORKER), str(request), str(result)],
                    cwd=tmp,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    capture_output=True,
                    text=True,
                    timeout=limit,
                )
            except subprocess.TimeoutExpired as exc:
                raise LibreOfficeError(
                    f"typing did not finish within {limit:g} s\n{_tail(exc.stderr)}\n"
                    f"soffice: {_log(office_log)}"
                ) from None
            try:
                office.wait(timeout=20)  # the worker asked the Desktop to terminate
            except subprocess.TimeoutExpired:
                pass
            if worker.returncode != 0 or not result.is_file():
                raise LibreOfficeError(
                    f"the typing worker exited with {worker.returncode}\n"
                    f"stdout: {worker.stdout[-2000:]}\nstderr: {worker.stderr[-4000:]}\n"
                    f"soffice (exit {office.poll()}): {_log(office_log)}"
                )
        finally:
            if office.poll() is None:
                _kill_group(office)  # type: ignore[arg-type]
                office.wait()
        log_text = _log(office_log)
    data = json.loads(result.read_text(encoding="utf-8"))
    jobs_out: list[dict[str, Any]] = data["jobs"]
    return jobs_out, log_text


def _log(handle: Any) -> str:
    handle.flush()
    handle.seek(0)
    return str(handle.read())[-2000:]


def _tail(text: str | bytes | None) -> str:
    if text is None:
        return ""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return text[-4000:]


# --------------------------------------------------------------------------- reading back


def read_cells(path: Path, refs: Iterable[str], *, data_only: bool = True) -> dict[str, tuple[Any, str]]:
    """{reference: (value, number_format)} as openpyxl reads the saved file
    (``data_only``: formulas as their cached values). References as for
    :func:`type_into_all` (``D10``, ``Sheet!D10``, ``'Sheet name'!D10``)."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=data_only)
    try:
        out: dict[str, tuple[Any, str]] = {}
        for ref in refs:
            sheet, cell = _split_ref(ref)
            ws = wb[sheet] if sheet is not None else wb.worksheets[0]
            c = ws[cell]
            out[ref] = (c.value, c.number_format)
        return out
    finally:
        wb.close()


def _split_ref(ref: str) -> tuple[str | None, str]:
    if "!" not in ref:
        return None, ref.replace("$", "")
    sheet, cell = ref.rsplit("!", 1)
    if len(sheet) >= 2 and sheet[0] == sheet[-1] == "'":
        sheet = sheet[1:-1].replace("''", "'")
    return sheet, cell.replace("$", "")
