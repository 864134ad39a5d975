"""Typing into a template as a person types in LibreOffice Calc (tests/lo_typing.py).

Texts are typed through Calc's own input parsing for the locale (vi-VN, and
en-US for contrast) into the value cells of rows of each type of a generated
template, the workbook is recalculated and saved as .xlsx by LibreOffice, and
then, for every input:

- what Calc stored, as the harness reports it and as openpyxl reads the saved
  file back (value and number format: ``1/4`` is a date, ``12,5%`` 0.125 with a
  percent format, ``1.594`` the number 1594 in vi-VN, ``'123`` the text 123);
- the template's verdict after recalculation: the table names the value check
  (``cchc_xlsx.semantics.valuetypes``: number, date, range, integer, percent-fraction,
  choice) that fails first, or none; then the row's check text (F) is that
  check's message (``Cảnh báo: …`` for a warning), its hidden error count (G)
  is 1 for an error and its warning count (H) 1 for a warning; with no failing
  check F is blank and G = H = 0 (only rows without cross-row rules are used,
  so F holds nothing else);
- Calc's data validation verdict ("Mark Invalid Data"): every value row's rule
  is a "stop" rule, so an invalid value is one a person typing it would have
  been refused; the API path stores it anyway (as a paste would). The two
  verdicts differ on purpose or by nature in places: ``1/4`` in a count row is
  a whole number to the validation but a date to the check; `` Có `` and the
  codes ``1``/``2`` are fine for the check, not for the list validation.

Rows: the default catalogue's commune form; count and percent rows without
cross-row rules, the Có/Không row 1.6 and the choice row 1.5.2. Inputs of one
locale go into as few templates as the rows allow (one soffice per locale).

Without LibreOffice or its Python bridge these tests FAIL saying how to install
them; ``CCHC_SKIP_LIBREOFFICE=1`` skips them on purpose.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.styles.numbers import is_date_format

import cchc_xlsx
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import (
    COL_CHECK,
    COL_NERR,
    COL_NWARN,
    COL_VALUE,
    FormLayout,
    build_layout,
)
from cchc_xlsx.semantics.valuetypes import value_type

try:  # tests/ as a package (tests/__init__.py) or as a rootdir-less folder
    from tests import lo_typing
    from tests.lo_typing import TypedCell, TypingResult
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    import lo_typing  # type: ignore[no-redef]
    from lo_typing import TypedCell, TypingResult  # type: ignore[no-redef]

LEVEL = "xa"
PERIOD = "2024-Q1"
ROOT = Path(__file__).resolve().parent.parent
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"


@dataclass(frozen=True)
class Day:
    """A date typed without a year: this year's ``day``/``month`` (Calc completes it)."""

    month: int
    day: int


@dataclass(frozen=True)
class Formula:
    """A typed formula and the number it computes."""

    result: float


Expected = float | str | Day | Formula | None

GENERAL, DATE, PERCENT, SCIENTIFIC, BOOLEAN = "general", "date", "percent", "scientific", "boolean"
VALID, INVALID = False, True  # Calc's data validation ("stop") flags it


@dataclass(frozen=True)
class Case:
    locale: str
    kind: str  # the row's type: count, percent, boolean, choice
    text: str  # what the person types
    value: Expected  # what Calc stores
    fmt: str  # the family of the number format it stores with the value
    fails: str | None  # the template's value check that fails first (None: the value is fine)
    invalid: bool  # Calc's validation flags it (a person would get a stop dialog)

    @property
    def id(self) -> str:
        return f"{self.locale}-{self.kind}-{self.text!r}"


VI, EN = "vi-VN", "en-US"
# fmt: off
CASES: tuple[Case, ...] = (
    # vi-VN: "," is the decimal separator, "." groups thousands, dates are D/M
    Case(VI, "count", "5", 5, GENERAL, None, VALID),
    Case(VI, "count", " 5", 5, GENERAL, None, VALID),
    Case(VI, "count", "1.594", 1594, GENERAL, None, VALID),  # "." groups thousands
    Case(VI, "count", "0.925", 925, GENERAL, None, VALID),  # … even after a 0
    Case(VI, "count", "1e3", 1000, SCIENTIFIC, None, VALID),
    Case(VI, "count", "=2+3", Formula(5), GENERAL, "formula", VALID),  # the reader wants the figure itself
    Case(VI, "count", "", None, GENERAL, None, VALID),
    Case(VI, "count", "1/4", Day(4, 1), DATE, "date", VALID),  # 1 April: a whole number to the validation
    Case(VI, "count", "12,5%", 0.125, PERCENT, "integer", INVALID),
    Case(VI, "count", "47,37", 47.37, GENERAL, "integer", INVALID),
    Case(VI, "count", "3.0000000001", "3.0000000001", GENERAL, "number", INVALID),  # text here
    Case(VI, "count", "-1", -1, GENERAL, "range", INVALID),
    Case(VI, "count", "(5)", -5, GENERAL, "range", INVALID),  # accounting negative
    Case(VI, "count", "mười", "mười", GENERAL, "number", INVALID),
    Case(VI, "count", "'123", "123", GENERAL, "number", INVALID),  # the apostrophe makes it text
    Case(VI, "count", "1 000", "1 000", GENERAL, "number", INVALID),
    Case(VI, "percent", "12,5%", 0.125, PERCENT, None, VALID),  # % format: read as 12.5 points
    Case(VI, "percent", "50%", 0.5, PERCENT, None, VALID),
    Case(VI, "percent", "47,37", 47.37, GENERAL, None, VALID),
    Case(VI, "percent", "100", 100, GENERAL, None, VALID),
    Case(VI, "percent", "0,925", 0.925, GENERAL, "percent-fraction", VALID),  # a warning
    Case(VI, "percent", "0.925", 925, GENERAL, "range", INVALID),
    Case(VI, "percent", "1.594", 1594, GENERAL, "range", INVALID),
    Case(VI, "percent", "100,5", 100.5, GENERAL, "range", INVALID),
    Case(VI, "percent", "-1", -1, GENERAL, "range", INVALID),
    Case(VI, "percent", "1/4", Day(4, 1), DATE, "date", INVALID),
    Case(VI, "percent", "3.0000000001", "3.0000000001", GENERAL, "number", INVALID),
    Case(VI, "percent", "mười", "mười", GENERAL, "number", INVALID),
    Case(VI, "percent", "'123", "123", GENERAL, "number", INVALID),
    # Có/Không and choices: Calc compares text case-insensitively (the check and the
    # validation alike); the check also trims and takes the numeric codes, the validation not
    Case(VI, "boolean", "Có", "Có", GENERAL, None, VALID),
    Case(VI, "boolean", "Không", "Không", GENERAL, None, VALID),
    Case(VI, "boolean", "có", "có", GENERAL, None, VALID),
    Case(VI, "boolean", "KHÔNG", "KHÔNG", GENERAL, None, VALID),
    Case(VI, "boolean", " Có ", " Có ", GENERAL, None, INVALID),
    Case(VI, "boolean", "1", 1, GENERAL, None, INVALID),  # Có's code
    Case(VI, "boolean", "co", "co", GENERAL, "choice", INVALID),
    Case(VI, "boolean", "Co", "Co", GENERAL, "choice", INVALID),
    Case(VI, "boolean", "x", "x", GENERAL, "choice", INVALID),
    Case(VI, "boolean", "2", 2, GENERAL, "choice", INVALID),
    Case(VI, "choice", "Trực tuyến", "Trực tuyến", GENERAL, None, VALID),
    Case(VI, "choice", "kết hợp", "kết hợp", GENERAL, None, VALID),
    Case(VI, "choice", "2", 2, GENERAL, None, INVALID),  # Kết hợp's code
    Case(VI, "choice", "Truc tuyen", "Truc tuyen", GENERAL, "choice", INVALID),
    Case(VI, "choice", "5", 5, GENERAL, "choice", INVALID),
    # en-US, for contrast: "." is the decimal separator, "," groups thousands, dates are M/D
    Case(EN, "count", "5", 5, GENERAL, None, VALID),
    Case(EN, "count", "0,925", 925, GENERAL, None, VALID),
    Case(EN, "count", "TRUE", True, BOOLEAN, "number", VALID),  # a boolean is a number to Calc, but not a count: ISLOGICAL
    Case(EN, "count", "1/4", Day(1, 4), DATE, "date", VALID),  # 4 January
    Case(EN, "count", "1.594", 1.594, GENERAL, "integer", INVALID),
    Case(EN, "count", "3.0000000001", 3.0000000001, GENERAL, "integer", INVALID),
    Case(EN, "count", "12.5%", 0.125, PERCENT, "integer", INVALID),
    Case(EN, "count", "47,37", "47,37", GENERAL, "number", INVALID),
    Case(EN, "percent", "12.5%", 0.125, PERCENT, None, VALID),
    Case(EN, "percent", "47.37", 47.37, GENERAL, None, VALID),
    Case(EN, "percent", "3.0000000001", 3.0000000001, GENERAL, None, VALID),
    Case(EN, "percent", "0.925", 0.925, GENERAL, "percent-fraction", VALID),
    Case(EN, "percent", "12,5%", "12,5%", GENERAL, "number", INVALID),
    Case(EN, "percent", "47,37", "47,37", GENERAL, "number", INVALID),
    Case(EN, "boolean", "Có", "Có", GENERAL, None, VALID),
    Case(EN, "boolean", "co", "co", GENERAL, "choice", INVALID),
)
# fmt: on


# --------------------------------------------------------------------------- one typing run per locale


@dataclass(frozen=True)
class Seen:
    """One case after typing: the harness's report and the saved file read by openpyxl."""

    case: Case
    code: str
    typed: TypedCell
    value: Any  # openpyxl, data_only
    number_format: str
    check: str  # F in the saved file ("" when blank)
    errors: Any  # G in the saved file
    warnings: Any  # H in the saved file


@dataclass(frozen=True)
class Run:
    layout: FormLayout
    seen: dict[Case, Seen]
    extra: dict[str, TypingResult]  # named extra jobs of the vi-VN run
    year: int  # the year Calc gives a date typed without one


def _free_rows(layout: FormLayout) -> dict[str, list[str]]:
    """Codes of input rows without cross-row rules, by row type, in form order."""
    free: dict[str, list[str]] = {}
    for rl in layout.inputs:
        if not rl.rules:
            free.setdefault(rl.row.type, []).append(rl.code)
    return free


def _assign(cases: list[Case], free: dict[str, list[str]]) -> list[dict[str, Case]]:
    """Spread ``cases`` over as few templates as the free rows allow: [{code: case}]."""
    jobs: list[dict[str, Case]] = []
    for case in cases:
        rows = free[case.kind]
        taken = [sum(c.kind == case.kind for c in job.values()) for job in jobs]
        i = next((i for i, n in enumerate(taken) if n < len(rows)), len(jobs))
        if i == len(jobs):
            jobs.append({})
            taken.append(0)
        jobs[i][rows[taken[i]]] = case
    return jobs


def _read(path: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(path, data_only=True)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    lo_typing.require_uno()
    base = tmp_path_factory.mktemp("lo_typing")
    catalog = cchc_xlsx.load_catalog()
    units = cchc_xlsx.load_units(cchc_xlsx.example_path("units_cho_don.csv"), catalog)
    files = cchc_xlsx.generate(catalog, LEVEL, PERIOD, base / "templates", units)
    template = files[0].path
    generic = cchc_xlsx.generate(catalog, LEVEL, PERIOD, base / "generic")[0].path
    so_template = cchc_xlsx.generate(SO_CATALOG, "so", PERIOD, base / "so")[0].path
    so_layout = build_layout(cchc_xlsx.load_catalog(SO_CATALOG), "so")
    layout = build_layout(catalog, LEVEL)
    free = _free_rows(layout)

    seen: dict[Case, Seen] = {}
    extra: dict[str, TypingResult] = {}
    year = dt.date.today().year
    for locale in (VI, EN):
        assignments = _assign([c for c in CASES if c.locale == locale], free)
        outs = [base / locale / f"cases_{i}.xlsx" for i in range(len(assignments))]
        by_code = [{code: c.text for code, c in job.items()} for job in assignments]
        if locale == VI:
            # by A1 reference (type_into_all), with the extra jobs in the same soffice
            extras: dict[str, lo_typing.Job] = {
                "clean": (template, lo_typing.cells_for_codes(layout, {"1.1": "5"}), base / "clean.xlsx"),
                "one_error": (
                    template, lo_typing.cells_for_codes(layout, {"1.1": "mười"}), base / "one_error.xlsx"
                ),
                # 1.2 is a ratio row: a locked formula
                "locked": (
                    template,
                    lo_typing.cells_for_codes(layout, {"1.2": "7", "1.2.1": "8", "1.2.2": "4"}),
                    base / "locked.xlsx",
                ),
                "generic": (generic, {"B1": "Xã Tân Lập", "D10": "3"}, base / "generic.xlsx"),
                "so": (
                    so_template,
                    lo_typing.cells_for_codes(
                        so_layout, {"BM2.1.1": "4", "BM1.6": "có", "BM4.1.1": "12,5%"}
                    ),
                    base / "so.xlsx",
                ),
            }
            jobs: list[lo_typing.Job] = [
                (template, lo_typing.cells_for_codes(layout, values), out)
                for values, out in zip(by_code, outs)
            ]
            results = lo_typing.type_into_all(jobs + list(extras.values()), locale=locale)
            extra.update(zip(extras, results[len(jobs):]))
        else:
            # by catalogue code (type_codes_all): each TypedCell's key is its code
            code_jobs: list[lo_typing.CodeJob] = [
                (template, values, out) for values, out in zip(by_code, outs)
            ]
            results = lo_typing.type_codes_all(code_jobs, catalog, LEVEL, locale=locale)
        for job, out, result in zip(assignments, outs, results):
            assert result.output == out.resolve()
            wb = _read(out)
            try:
                ws = wb.worksheets[0]
                for (code, case), typed in zip(job.items(), result.cells):
                    key = lo_typing.code_cell(layout, code) if locale == VI else code
                    assert typed.key == key and result[key] is typed
                    assert typed.cell == a1(layout[code].r, COL_VALUE)
                    r = layout[code].r + 1
                    cell = ws.cell(row=r, column=COL_VALUE + 1)
                    check = ws.cell(row=r, column=COL_CHECK + 1).value
                    seen[case] = Seen(
                        case=case,
                        code=code,
                        typed=typed,
                        value=cell.value,
                        number_format=cell.number_format,
                        check="" if check is None else str(check),
                        errors=ws.cell(row=r, column=COL_NERR + 1).value,
                        warnings=ws.cell(row=r, column=COL_NWARN + 1).value,
                    )
            finally:
                wb.close()
    yield Run(layout, seen, extra, year)


# --------------------------------------------------------------------------- checks


def _family(fmt: str) -> str:
    if fmt == "General":
        return GENERAL
    if "%" in fmt:
        return PERCENT
    if "E+" in fmt.upper():
        return SCIENTIFIC
    if "TRUE" in fmt.upper():
        return BOOLEAN
    if is_date_format(fmt):
        return DATE
    return fmt


def _serial(day: dt.date) -> float:
    return float((day - dt.date(1899, 12, 30)).days)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_typed_value_is_stored_as_calc_parses_it(run: Run, case: Case) -> None:
    s = run.seen[case]
    typed = s.typed
    assert typed.text == case.text and typed.refused is None
    expected = case.value
    if isinstance(expected, Day):
        day = dt.date(run.year, expected.month, expected.day)
        assert (typed.kind, typed.value) == ("value", _serial(day))
        assert isinstance(s.value, dt.datetime) and s.value.date() == day
    elif isinstance(expected, Formula):
        assert typed.kind == "formula" and typed.formula == "=" + case.text[1:]
        assert typed.value == expected.result and s.value == expected.result
    elif expected is None:
        assert (typed.kind, typed.value, s.value) == ("empty", None, None)
    elif isinstance(expected, bool):
        assert (typed.kind, typed.value) == ("value", float(expected))
        assert s.value is expected
    elif isinstance(expected, str):
        assert (typed.kind, typed.value, s.value) == ("text", expected, expected)
    else:
        assert typed.kind == "value" and math.isclose(float(typed.value or 0), expected, rel_tol=1e-15)
        assert isinstance(s.value, int | float) and not isinstance(s.value, bool)
        assert math.isclose(s.value, expected, rel_tol=1e-15)
    assert _family(s.number_format) == case.fmt, s.number_format


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_template_check_after_recalculation(run: Run, case: Case) -> None:
    s = run.seen[case]
    rl = run.layout[s.code]
    checks = {c.name: c for c in value_type(rl.row).checks(rl.row, a1(rl.r, COL_VALUE))}
    if case.fails is None:
        assert (s.check, s.errors, s.warnings) == ("", 0, 0)
    else:
        failed = checks[case.fails]
        warning = failed.severity == "warning"
        assert s.check == failed.shown.strip() and warning == (failed.severity == "warning")
        assert (s.errors, s.warnings) == ((0, 1) if warning else (1, 0))
    # the harness reports what LibreOffice saved
    assert (s.typed.check, s.typed.errors, s.typed.warnings) == (s.check, s.errors, s.warnings)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_data_validation_is_reported_not_enforced(run: Run, case: Case) -> None:
    """Every value row has a "stop" rule; Calc's API stores what its input line would
    refuse, and the harness says so (``rejected_by_validation``)."""
    typed = run.seen[case].typed
    assert (typed.alert, typed.shows_error) == ("STOP", True)
    expected_kind = {"count": "WHOLE", "percent": "DECIMAL", "boolean": "LIST", "choice": "LIST"}
    assert typed.validation == expected_kind[case.kind]
    assert typed.invalid is case.invalid
    assert typed.rejected_by_validation is case.invalid


def test_status_cell_counts_the_errors(run: Run) -> None:
    assert run.extra["clean"].status == "Không có lỗi"
    assert run.extra["one_error"].status == "Còn 1 lỗi cần sửa"
    wb = _read(run.extra["one_error"].output)
    try:
        assert wb.worksheets[0]["D6"].value == "Còn 1 lỗi cần sửa"
    finally:
        wb.close()


def test_locked_formula_cell_is_refused(run: Run) -> None:
    result = run.extra["locked"]
    ratio = result[lo_typing.code_cell(run.layout, "1.2")]
    assert ratio.refused == "protected" and ratio.kind == "formula"
    assert [c.refused for c in result.cells[1:]] == [None, None]
    wb = _read(result.output)
    try:
        ws = wb.worksheets[0]
        r = run.layout["1.2"].r + 1
        assert ws.cell(row=r, column=4).value == 50  # 4 / 8 * 100, not the 7 typed
        assert ws.protection.sheet
    finally:
        wb.close()
    wb = openpyxl.load_workbook(result.output)
    try:
        assert str(wb.worksheets[0].cell(row=r, column=4).value).startswith("=IF(")
    finally:
        wb.close()


def test_generic_template_unit_cell(run: Run) -> None:
    result = run.extra["generic"]
    unit, value = result["B1"], result["D10"]
    assert unit.refused is None and (unit.kind, unit.value) == ("text", "Xã Tân Lập")
    assert (value.kind, value.value, value.check) == ("value", 3.0, "")


def test_sheet_qualified_cells_on_a_multi_sheet_form(run: Run) -> None:
    result = run.extra["so"]
    by_sheet = {(c.sheet, c.kind, c.value, c.number_format) for c in result.cells}
    assert by_sheet == {
        ("Biểu mẫu 2", "value", 4.0, "General"),
        ("Biểu mẫu 1", "text", "có", "General"),
        ("Biểu mẫu 4", "value", 0.125, "0,00%"),
    }
    assert not any(c.invalid for c in result.cells)
    values = lo_typing.read_cells(result.output, [c.key for c in result.cells])
    assert [v for v, _ in values.values()] == [4, "có", 0.125]


# --------------------------------------------------------------------------- pure helpers


def test_cells_for_codes_uses_the_layout(default_catalog: Any) -> None:
    layout = build_layout(default_catalog, LEVEL)
    cells = lo_typing.cells_for_codes(layout, {"1.2.1": "5", "1.6": "Có"})
    assert cells == {"'Phụ lục'!D12": "5", "'Phụ lục'!D22": "Có"}
    with pytest.raises(KeyError):
        lo_typing.cells_for_codes(layout, {"9.9.9": "1"})


def test_require_uno_says_how_to_install(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(lo_typing.UNO_PYTHON_ENV, str(tmp_path / "no-python"))
    monkeypatch.delenv(lo_typing.SKIP_ENV, raising=False)
    with pytest.raises(pytest.fail.Exception, match="python3-uno"):
        lo_typing.require_uno()
    monkeypatch.setenv(lo_typing.SKIP_ENV, "1")
    with pytest.raises(pytest.skip.Exception, match="apt-get install"):
        lo_typing.require_uno()
