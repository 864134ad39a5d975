"""The template's live formulas, computed by a real client (LibreOffice headless).

A table of filled-in returns is written into generated templates with
openpyxl, recalculated by LibreOffice in ONE soffice call, and every computed
cell is compared with the same thing computed in Python:

- ratio rows (D) = numerator / denominator * 100, blank when a part is not a
  number or the denominator is 0; sum rows (D) = the sum of their terms;
- each row's check cell (F) is non-empty exactly when a value check or a rule
  anchored on that row fails (``Rule.check.holds`` is False), with the same
  text as the Python message; the hidden counts G (errors) and H (warnings);
- the status cell D6.

Without LibreOffice these tests FAIL (``make test`` as root installs it);
``CCHC_SKIP_LIBREOFFICE=1`` skips them on purpose.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import openpyxl
import pytest

import cchc_xlsx
from cchc_xlsx.catalog.expressions import render_message
from cchc_xlsx.catalog.model import Rule
from cchc_xlsx.layout.form import (
    COL_CHECK,
    COL_NERR,
    COL_NWARN,
    COL_VALUE,
    ROW_STATUS,
    FormLayout,
    RowLayout,
    build_layout,
)
from cchc_xlsx.layout.meta import META_SHEET
from cchc_xlsx.resources import default_catalog_path
from cchc_xlsx.semantics.valuetypes import MARKS, ValueCheck, value_type

try:  # tests/ as a package (tests/__init__.py) or as a rootdir-less folder
    from tests.libreoffice import recalculate, require_soffice, resave_all
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    from libreoffice import recalculate, require_soffice, resave_all

LEVEL = "xa"
PERIOD = "2024-Q1"
UNITS_CSV = Path(__file__).resolve().parent.parent / "examples" / "units_cho_don.csv"
# LibreOffice saves cached numbers with 15 significant digits
REL = 1e-13

Value = Any  # what is typed in a cell: int, float, str or None (blank)


# --------------------------------------------------------------------------- the cases
#
# Each case is one filled return. ``outcomes`` says what the case was built to
# show for some rules, as the sign of LEFT - RIGHT: "<" (holds with room),
# "=" (holds at the equality edge; for "==" rules: holds), ">" (broken; for
# "==" rules "<" is broken too) or "blank" (a row is blank or text: not
# checked). "*" is every rule not named. Python checks these claims first
# (test_cases_are_what_they_claim), then LibreOffice is compared with Python
# for EVERY rule of every case.


@dataclass(frozen=True)
class Case:
    name: str
    unit: str  # unit code of the template it is typed into
    values: Mapping[str, Value]
    outcomes: Mapping[str, str] = field(default_factory=dict)


# Seed 000, Phụ lục I, xã Tân Lập, quý I/2024: the figures exactly as printed
# (1.5.2 = 0 and 1.6 = 0 are the codes of "Trực tuyến" and "Không").
# fmt: off
TAN_LAP = {
    "1.1": 3, "1.2.1": 32, "1.2.2": 6,
    "1.4.1": 6, "1.4.2": 1, "1.4.3": 0, "1.4.4": 0,
    "1.5.1": 0, "1.5.2": "Trực tuyến", "1.6": "Không",
    "2.1": 0, "2.2": 0, "2.3.1": 0,
    "3.1.1": 0, "3.1.2": 0, "3.1.3": 0, "3.1.4": 114, "3.1.4.b": 114,
    "3.2.1": 2, "3.2.2": 53, "3.2.3": 0,
    "3.3.1.a": 165, "3.3.1.b": 165, "3.3.2.a": 165, "3.3.2.b": 165,
    "3.4.1": 0, "3.4.2": 0,
    "4.5.1": 9, "4.5.2": 9, "4.5.3": 0, "4.5.4": 0,
    "5.1.1": 100,
    "7.1.a": 95, "7.1.b": 90,
    "7.2.1.a": 13, "7.2.1.b": 13, "7.2.1.c": 33,
    "7.2.2.a": 62, "7.2.2.b": 62, "7.2.2.c": 0,
    "7.2.3.a": 75, "7.2.3.b": 75,
    "7.2.4.a": 165, "7.2.4.b": 36,
    "7.2.5.a": 0, "7.2.5.b": 0,
}

CASES: tuple[Case, ...] = (
    Case("empty", "X0101", {}, {"*": "blank"}),
    Case(
        "strict",
        "X0102",
        {
            "1.1": 3, "1.2.1": 10, "1.2.2": 4,
            "1.4.1": 10, "1.4.2": 3, "1.4.3": 2, "1.4.4": 1,
            "1.5.1": 120, "1.5.2": "Phát phiếu", "1.6": "Có",
            "2.1": 1, "2.2": 10, "2.2.1.a": 5, "2.2.1.b": 3,
            "2.3.1": 10, "2.3.2.a": 4, "2.3.2.b": 1,
            "3.1.1": 5, "3.1.2": 1, "3.1.3": 0, "3.1.4": 100, "3.1.4.b": 90,
            "3.2.1": 2, "3.2.2": 53, "3.2.3": 7,
            "3.3.1.a": 7, "3.3.1.b": 6, "3.3.2.a": 9, "3.3.2.b": 2,
            "3.4.1": 3, "3.4.2": 2,
            "4.1": 0, "4.4": 12.5,
            "4.5.1": 12, "4.5.2": 11, "4.5.3": 2, "4.5.4": 1, "4.5.5": 3.75,
            "4.6.a": 30, "4.6.1": 28, "4.6.2": 2, "4.6.3": 0,
            "5.1.1": 100, "5.1.2": 87.5,
            "5.2.1": 1, "5.2.2": 2,
            "5.3.1": 1, "5.3.2": 0, "5.3.3": 2, "5.3.4": 0, "5.3.5": 0, "5.3.6": 3,
            "5.4.1": 0,
            "6.2.1": 1, "6.2.3.a": 1, "6.2.3.b": 2, "6.2.3.c": 3,
            "7.1.a": 95, "7.1.b": 90,
            "7.2.1.a": 20, "7.2.1.b": 13, "7.2.1.c": 5,
            "7.2.2.a": 70, "7.2.2.b": 62, "7.2.2.c": 0,
            "7.2.3.a": 75, "7.2.3.b": 70,
            "7.2.4.a": 165, "7.2.4.b": 36,
            "7.2.5.a": 11, "7.2.5.b": 3,
        },
        {"*": "<", "dvc-tong-dang-cung-cap": "="},
    ),
    Case(
        "edges",
        "X0103",
        {
            "1.2.1": 6, "1.2.2": 6,
            "1.4.1": 6, "1.4.2": 1, "1.4.3": 2, "1.4.4": 3,
            "2.2": 5, "2.2.1.a": 5, "2.2.1.b": 5,
            "2.3.1": 4, "2.3.2.a": 4, "2.3.2.b": 4,
            "3.1.1": 114, "3.1.4": 114, "3.1.4.b": 114,
            "3.2.1": 114, "3.2.2": 114, "3.2.3": 114,
            "3.3.1.a": 165, "3.3.1.b": 165, "3.3.2.a": 165, "3.3.2.b": 165,
            "3.4.1": 0, "3.4.2": 0,  # 0 / 0: the ratio is blank, the rule holds
            "4.5.1": 9, "4.5.2": 9, "4.5.4": 9,
            "4.6.a": 3, "4.6.1": 3, "4.6.2": 3,
            "5.2.1": 0,  # 5.2.2 blank: 5.2 = 0
            "6.2.3.a": 0, "6.2.3.b": 0, "6.2.3.c": 0,
            "7.2.1.a": 52, "7.2.1.b": 52, "7.2.1.c": 52,
            "7.2.2.a": 62, "7.2.2.b": 62, "7.2.2.c": 62,
            "7.2.3.a": 114, "7.2.3.b": 114,
            "7.2.4.a": 0, "7.2.4.b": 0,
            "7.2.5.a": 114, "7.2.5.b": 114,
            "4.4": 100, "4.5.5": 0, "5.1.1": 0, "7.1.a": 100,  # percent bounds
        },
        {"*": "="},
    ),
    Case(
        "violated",
        "X0104",
        {
            "1.2.1": 32, "1.2.2": 33,
            "1.4.1": 6, "1.4.2": 4, "1.4.3": 2, "1.4.4": 1,
            "2.2": 3, "2.2.1.a": 4, "2.2.1.b": 5,
            "2.3.1": 0, "2.3.2.a": 1, "2.3.2.b": 2,
            "3.1.1": 11, "3.1.4": 10, "3.1.4.b": 11,
            "3.2.1": 11, "3.2.2": 11, "3.2.3": 11,
            "3.3.1.a": 1, "3.3.1.b": 2,
            "3.3.2.a": 0, "3.3.2.b": 1,  # 1 / 0: the ratio is blank, the rule is broken
            "3.4.1": 2, "3.4.2": 3,
            "4.5.1": 9, "4.5.2": 10, "4.5.4": 11,
            "4.6.a": 0, "4.6.1": 1, "4.6.2": 2,
            "7.2.1.a": 5, "7.2.1.b": 6, "7.2.1.c": 7,
            "7.2.2.a": 6, "7.2.2.b": 7, "7.2.2.c": 8,
            "7.2.3.a": 14, "7.2.3.b": 15,
            "7.2.4.a": 1, "7.2.4.b": 2,
            "7.2.5.a": 11, "7.2.5.b": 12,
        },
        {"*": ">"},
    ),
    Case(
        # one row of every rule left blank; the others filled, mostly so that
        # a blank read as 0 would break the rule
        "blanks",
        "X0105",
        {
            "1.2.2": 5,
            "1.4.2": 1, "1.4.3": 1, "1.4.4": 1,
            "2.2": 0, "2.2.1.b": 4,
            "2.3.1": 0, "2.3.2.b": 1,
            "3.1.1": 1, "3.1.4.b": 1, "3.2.1": 1, "3.2.2": 1, "3.2.3": 1,
            "3.3.1.b": 1, "3.3.2.a": 0,
            "3.4.2": 1,
            "4.5.1": 0, "4.5.4": 1,
            "4.6.a": 0, "4.6.2": 1,
            "7.2.1.a": 0, "7.2.1.c": 1,
            "7.2.2.b": 1,
            "7.2.3.a": 5,
            "7.2.4.b": 1,
            "7.2.5.a": 1,
        },
        {"*": "blank"},
    ),
    Case(
        "warnings-only",
        "X0106",
        {
            "3.1.4": 15, "3.1.4.b": 15,
            "4.5.1": 9, "4.5.2": 10, "4.5.4": 0,
            "7.2.1.a": 10, "7.2.1.b": 10, "7.2.1.c": 0,
            "7.2.2.a": 10, "7.2.2.b": 10, "7.2.2.c": 0,
            "7.2.3.a": 19, "7.2.3.b": 19,
        },
        {
            "dvc-tong-dang-cung-cap": "<",  # 19 ≠ 10 + 10 from below
            "dvc-du-dieu-kien": ">",
            "bien-che-co-mat": ">",
            "bien-che-tinh-gian": "<",
            "auto-part-3.1.4.b": "=",
            "auto-ratio-7.2.1": "=",
        },
    ),
    Case(
        "tan-lap-seed-000",
        "X0114",
        TAN_LAP,
        {
            "auto-part-7.2.1.c": ">",  # 33 > 13: the seed's own inconsistency
            "auto-ratio-1.2": "<",
            "auto-ratio-3.3.1": "=",
            "auto-ratio-3.4": "=",  # 0 / 0
            "auto-ratio-2.2.1": "blank",
            "bien-che-co-mat": "=",
            "dvc-tong-dang-cung-cap": "=",  # 75 = 13 + 62
            "dvc-du-dieu-kien": "<",
        },
    ),
    Case(
        # numbers that the value checks refuse (and one each at the bounds)
        "bad-numbers",
        "X0107",
        {
            "2.1": -1,  # negative count
            "3.1.2": 2.5,  # fraction in a count row
            "4.4": 150,  # percent over 100
            "5.1.2": -0.5,  # negative percent
            "4.5.5": 100, "4.6.3": 0, "5.1.1": 99.5,  # percent bounds and a decimal: fine
            "1.5.2": 1,  # a choice typed as its code, not its label: accepted (seed 001's coded answers)
            "7.1.b": 0.925,  # a fraction in a percent row: a warning (92,5 meant?)
            "1.6": "co",  # a boolean without its diacritics
            "2.2.1.a": 2, "2.2.1.b": 2.5,  # a fraction that also breaks the ratio rule
            "3.4.1": -1, "3.4.2": 0,  # a negative denominator: ratio -0.0, rule 0 <= -1 broken
        },
        {"auto-ratio-2.2.1": ">", "auto-ratio-3.4": ">"},
    ),
    Case(
        # text typed (or pasted) into number cells
        "text-in-number-cells",
        "X0108",
        {
            "1.1": "abc",
            "1.2.1": 32, "1.2.2": "abc",  # ratio blank, rule not checked
            "5.2.1": "abc", "5.2.2": 3,  # SUM ignores the text: 5.2 = 3
            "4.4": "12,5%",  # Vietnamese notation typed as text in a percent row
        },
        {"auto-ratio-1.2": "blank"},
    ),
)
# fmt: on


# --------------------------------------------------------------------------- Python's side


def is_number(v: Value) -> TypeGuard[float]:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def outcome(rule: Rule, values: Mapping[str, Value]) -> str:
    """The sign of LEFT - RIGHT ("<", "=", ">", within the rules' tolerance), or "blank"."""
    holds = rule.check.holds(values)
    if holds is None:
        return "blank"
    nums = {c: float(values[c]) for c in rule.refs}
    diff = rule.check.left.evaluate(nums) - rule.check.right.evaluate(nums)
    if abs(diff) <= 1e-9:
        return "="
    return "<" if diff < 0 else ">"


def failing_check(rl: RowLayout, v: Value) -> ValueCheck | None:
    """The template's first value check that a typed ``v`` fails (openpyxl
    writes General-formatted cells: no date or percent format), classified in
    Python independently of the Excel conditions under test."""
    row = rl.row
    checks = {c.name: c for c in value_type(row).checks(row, "D1")}
    if v is None:
        return checks.get("required")
    if row.type in ("count", "decimal", "percent"):
        if not is_number(v):
            return checks["number"]
        lo, hi = row.bounds()
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            return checks["range"]
        if row.type == "count" and not float(v).is_integer():
            return checks["integer"]
        if row.type == "percent" and 0 < v < 1:
            return checks["percent-fraction"]
        return None
    if row.type in ("boolean", "choice"):
        labels = ("Có", "Không") if row.type == "boolean" else tuple(o.label for o in row.options)
        codes = (1, 0) if row.type == "boolean" else tuple(o.value for o in row.options)
        ok = (isinstance(v, str) and excel_trim(v).casefold() in {lab.casefold() for lab in labels}) or (is_number(v) and v in codes)
        return None if ok else checks["choice"]
    if row.type == "text" and isinstance(v, str) and len(v) > 255:
        return checks["length"]
    return None


def expected_formula_value(rl: RowLayout, values: Mapping[str, Value]) -> Value:
    row = rl.row
    if row.type == "ratio":
        num, den = values.get(row.numerator or ""), values.get(row.denominator or "")
        if not (is_number(num) and is_number(den)) or den == 0:
            return None
        return num / den * 100
    if row.type == "sum":
        nums = [values[t] for t in row.terms if is_number(values.get(t))]
        return sum(nums) if nums else None
    raise AssertionError(rl.code)


def excel_trim(text: str) -> str:
    return re.sub(" +", " ", text).strip(" ")


@dataclass(frozen=True)
class ExpectedCheck:
    text: str
    errors: int
    warnings: int


def expected_check(rl: RowLayout, values: Mapping[str, Value]) -> ExpectedCheck:
    parts: list[str] = []
    errors = warnings = 0
    failed = failing_check(rl, values.get(rl.code)) if rl.is_input else None
    if failed is not None:
        parts.append(failed.shown)
        if failed.severity == "error":
            errors += 1
        else:
            warnings += 1
    for rule in rl.rules:
        if rule.check.holds(values) is False:
            parts.append(f"{MARKS[rule.severity]} {render_message(rule.message, values)}. ")
            if rule.severity == "error":
                errors += 1
            else:
                warnings += 1
    return ExpectedCheck(excel_trim("".join(parts)), errors, warnings)


def expected_status(errors: int, warnings: int) -> str:
    if errors + warnings == 0:
        return "Không có lỗi"
    head = f"Còn {errors} lỗi cần sửa" if errors else "Không có lỗi"
    return head + (f", {warnings} cảnh báo cần xem lại" if warnings else "")


def full_values(layout: FormLayout, case: Case) -> dict[str, Value]:
    """Every row's value as typed (None when blank) plus the formulas' values."""
    values: dict[str, Value] = {rl.code: case.values.get(rl.code) for rl in layout.rows}
    # a ratio may divide a sum: two passes settle either order of rows
    for rl in layout.rows:
        if rl.formula:
            values[rl.code] = expected_formula_value(rl, values)
    for rl in layout.rows:
        if rl.formula:
            values[rl.code] = expected_formula_value(rl, values)
    return values


# --------------------------------------------------------------------------- LibreOffice's side


@dataclass(frozen=True)
class Computed:
    """What LibreOffice computed in one return: D, F, G, H of every row, and D6."""

    d: dict[str, Value]
    f: dict[str, Value]
    g: dict[str, Value]
    h: dict[str, Value]
    status: Value


@pytest.fixture(scope="module")
def layout() -> FormLayout:
    return build_layout(cchc_xlsx.load_catalog(default_catalog_path()), LEVEL)


@pytest.fixture(scope="module")
def filled(layout: FormLayout, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every case typed with openpyxl into its unit's generated template (plus "blank": untouched)."""
    require_soffice()
    base = tmp_path_factory.mktemp("lo-template")
    catalog = layout.catalog
    units = cchc_xlsx.load_units(UNITS_CSV, catalog.levels)
    generated = cchc_xlsx.generate(
        catalog, LEVEL, cchc_xlsx.parse_period(PERIOD), base / "blank", units
    )
    by_unit = {g.unit.code: g.path for g in generated if g.unit is not None}
    filled_dir = base / "filled"
    filled_dir.mkdir()
    paths: dict[str, Path] = {"blank": by_unit[CASES[0].unit]}
    for case in CASES:
        wb = openpyxl.load_workbook(by_unit[case.unit])
        for code, value in case.values.items():
            rl = layout[code]
            assert rl.is_input, f"{case.name}: {code} is not an input row"
            wb[layout.sheets[rl.sheet].name].cell(rl.r + 1, COL_VALUE + 1, value)
        paths[case.name] = filled_dir / f"{case.name}.xlsx"
        wb.save(paths[case.name])
    return paths


@pytest.fixture(scope="module")
def computed(
    layout: FormLayout, filled: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Computed]:
    """What LibreOffice computes in every case: all recalculated in ONE soffice call."""
    inputs = [filled[c.name] for c in CASES]
    started = time.monotonic()
    outputs = recalculate(inputs, tmp_path_factory.mktemp("lo-recalculated"))
    seconds = time.monotonic() - started
    print(
        f"\nLibreOffice recalculated {len(inputs)} workbooks in {seconds:.1f} s (one soffice call)"
    )

    result: dict[str, Computed] = {}
    for case, out in zip(CASES, outputs, strict=True):
        wb = openpyxl.load_workbook(out, data_only=True)
        d, f, g, h = {}, {}, {}, {}
        for rl in layout.rows:
            ws = wb[layout.sheets[rl.sheet].name]
            d[rl.code] = _blank_to_none(ws.cell(rl.r + 1, COL_VALUE + 1).value)
            f[rl.code] = _blank_to_none(ws.cell(rl.r + 1, COL_CHECK + 1).value)
            g[rl.code] = ws.cell(rl.r + 1, COL_NERR + 1).value
            h[rl.code] = ws.cell(rl.r + 1, COL_NWARN + 1).value
        status = wb[layout.sheets[0].name].cell(ROW_STATUS + 1, COL_VALUE + 1).value
        result[case.name] = Computed(d, f, g, h, status)
        wb.close()
    return result


def _blank_to_none(v: Value) -> Value:
    # NOTE: a formula whose result is "" is saved by LibreOffice as t="str" with
    # an empty <v>; openpyxl reads it as "" (or None).
    return None if v == "" else v


case_names = [c.name for c in CASES]
CASE_BY_NAME = {c.name: c for c in CASES}


# --------------------------------------------------------------------------- the table itself (no LibreOffice)


def test_cases_are_what_they_claim(layout: FormLayout) -> None:
    problems = []
    for case in CASES:
        values = full_values(layout, case)
        for rule in layout.rules:
            want = case.outcomes.get(rule.id, case.outcomes.get("*"))
            if want is not None and outcome(rule, values) != want:
                problems.append(
                    f"{case.name}: {rule.id} ({rule.check.text}) is {outcome(rule, values)}, claimed {want}"
                )
    assert problems == []


def test_cases_cover_every_rule_on_both_sides_of_its_edge(layout: FormLayout) -> None:
    seen: dict[str, set[str]] = {r.id: set() for r in layout.rules}
    for case in CASES:
        values = full_values(layout, case)
        for rule in layout.rules:
            seen[rule.id].add(outcome(rule, values))
    missing = {}
    for rule in layout.rules:
        need = {"<", "=", ">", "blank"}
        if not need <= seen[rule.id]:
            missing[rule.id] = sorted(need - seen[rule.id])
    assert missing == {}, (
        "add cases so that every rule holds, holds at the edge, breaks and is unchecked"
    )


def test_cases_exercise_the_value_checks_and_zero_denominators(layout: FormLayout) -> None:
    bad = set()
    for case in CASES:
        for code, v in case.values.items():
            if failing_check(layout[code], v) is not None:
                bad.add((layout[code].row.type, type(v).__name__))
    assert {
        ("count", "str"),
        ("count", "int"),
        ("count", "float"),
        ("percent", "int"),
        ("percent", "float"),
        ("boolean", "str"),
    } <= bad
    zero_den = [
        c.name
        for c in CASES
        for rl in layout.rows
        if rl.row.type == "ratio" and c.values.get(rl.row.denominator or "") == 0
    ]
    assert zero_den


# --------------------------------------------------------------------------- LibreOffice vs Python


@pytest.mark.parametrize("name", case_names)
def test_typed_values_survive_the_round_trip(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    case = CASE_BY_NAME[name]
    got = {code: computed[name].d[code] for code in case.values}
    assert got == dict(case.values)


@pytest.mark.parametrize("name", case_names)
def test_ratio_and_sum_cells_equal_python(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    values = full_values(layout, CASE_BY_NAME[name])
    wrong = {}
    for rl in layout.rows:
        if not rl.formula:
            continue
        want, got = values[rl.code], computed[name].d[rl.code]
        if want is None:
            ok = got is None
        else:
            ok = is_number(got) and got == pytest.approx(want, rel=REL, abs=1e-12)
        if not ok:
            wrong[f"{rl.code} (D{rl.r + 1} ={rl.formula})"] = {"libreoffice": got, "python": want}
    assert wrong == {}


@pytest.mark.parametrize("name", case_names)
def test_check_cells_flag_exactly_the_broken_rows(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    values = full_values(layout, CASE_BY_NAME[name])
    wrong = {}
    for rl in layout.rows:
        if not rl.check_formula:
            continue
        want = expected_check(rl, values)
        got = computed[name]
        got_flagged = got.f[rl.code] is not None
        want_flagged = bool(want.text)
        if (got_flagged, got.g[rl.code], got.h[rl.code]) != (
            want_flagged,
            want.errors,
            want.warnings,
        ):
            wrong[f"{rl.code} (row {rl.r + 1}; value {values[rl.code]!r})"] = {
                "libreoffice F/G/H": (got.f[rl.code], got.g[rl.code], got.h[rl.code]),
                "python flagged/errors/warnings": (want_flagged, want.errors, want.warnings),
            }
    assert wrong == {}


@pytest.mark.parametrize("name", case_names)
def test_each_rule_is_flagged_exactly_when_python_says_it_is_broken(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    """Rule by rule (column F of its anchor row), as the rule's own message."""
    values = full_values(layout, CASE_BY_NAME[name])
    wrong = {}
    for rule in layout.rules:
        anchor = layout[rule.refs[0]]
        broken = rule.check.holds(values) is False
        text = computed[name].f[anchor.code]
        own = f"{MARKS[rule.severity]} " + excel_trim(render_message(rule.message, values))
        shown = isinstance(text, str) and own in text
        if broken != shown:
            wrong[rule.id] = {
                "python broken": broken,
                f"F{anchor.r + 1}": text,
                "rule": rule.check.text,
            }
    assert wrong == {}


@pytest.mark.parametrize("name", case_names)
def test_check_messages_equal_python(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    values = full_values(layout, CASE_BY_NAME[name])
    wrong = {}
    for rl in layout.rows:
        if rl.check_formula:
            want = expected_check(rl, values).text or None
            if computed[name].f[rl.code] != want:
                wrong[f"F{rl.r + 1} ({rl.code})"] = {
                    "libreoffice": computed[name].f[rl.code],
                    "python": want,
                }
        elif computed[name].f[rl.code] is not None:
            wrong[f"F{rl.r + 1} ({rl.code})"] = {
                "libreoffice": computed[name].f[rl.code],
                "python": None,
            }
    assert wrong == {}


@pytest.mark.parametrize("name", case_names)
def test_status_cell_counts_errors_and_warnings(
    layout: FormLayout, computed: dict[str, Computed], name: str
) -> None:
    values = full_values(layout, CASE_BY_NAME[name])
    checks = [expected_check(rl, values) for rl in layout.rows if rl.check_formula]
    want = expected_status(sum(c.errors for c in checks), sum(c.warnings for c in checks))
    assert computed[name].status == want


# --------------------------------------------------------------------------- named facts


def test_tan_lap_ratios_are_recomputed_from_their_parts(computed: dict[str, Computed]) -> None:
    d = computed["tan-lap-seed-000"].d
    assert d["1.2"] == 18.75  # the seed prints 19 (rounded): 6 / 32 * 100
    assert d["3.3.1"] == 100
    assert d["7.2.4"] == pytest.approx(36 / 165 * 100, rel=REL)
    assert d["3.4"] is None  # 0 PAKN received: no ratio (the seed prints 0)
    assert d["7.2.5"] is None
    assert d["2.2.1"] is None  # both parts blank
    assert d["5.2"] is None and d["5.3"] is None  # the seed prints 0 over blank terms


def test_tan_lap_part_larger_than_its_whole_is_the_only_error(
    layout: FormLayout, computed: dict[str, Computed]
) -> None:
    got = computed["tan-lap-seed-000"]
    flagged = {code: text for code, text in got.f.items() if text is not None}
    assert list(flagged) == ["7.2.1.c"]
    assert flagged["7.2.1.c"].startswith("✗ Trong đó 7.2.1.c (33) lớn hơn tổng 7.2.1.b (13)")
    assert got.g["7.2.1.c"] == 1
    assert got.status == "Còn 1 lỗi cần sửa"


def test_empty_template_says_no_errors(computed: dict[str, Computed]) -> None:
    got = computed["empty"]
    assert got.status == "Không có lỗi"
    assert {c: v for c, v in got.d.items() if v is not None} == {}
    assert {c: v for c, v in got.f.items() if v is not None} == {}


@pytest.mark.parametrize(
    ("code", "typed"),
    [("1.1", "abc"), ("1.2.2", "abc"), ("5.2.1", "abc"), ("4.4", "12,5%")],
)
def test_text_in_a_number_cell_is_flagged_not_an_error_value(
    layout: FormLayout, computed: dict[str, Computed], code: str, typed: str
) -> None:
    got = computed["text-in-number-cells"]
    rl = layout[code]
    assert got.d[code] == typed
    number_check = next(c for c in value_type(rl.row).checks(rl.row, "D1") if c.name == "number")
    assert got.f[code] == number_check.shown.strip(), f"F{rl.r + 1} = {rl.check_formula}"
    assert got.g[code] == 1


@pytest.mark.parametrize(
    ("code", "typed"),
    [
        ("2.1", -1),
        ("3.1.2", 2.5),
        ("4.4", 150),
        ("5.1.2", -0.5),
        ("1.6", "co"),
        ("2.2.1.b", 2.5),
        ("3.4.1", -1),
    ],
)
def test_bad_numbers_are_flagged(
    layout: FormLayout, computed: dict[str, Computed], code: str, typed: Value
) -> None:
    got = computed["bad-numbers"]
    assert got.d[code] == typed
    assert got.f[code] is not None and got.f[code].startswith(f"✗ {code}: ")
    assert got.g[code] >= 1


# --------------------------------------------------------------------------- a return re-saved by LibreOffice


def test_a_return_resaved_by_libreoffice_keeps_values_protection_and_identity(
    layout: FormLayout, filled: dict[str, Path], tmp_path: Path
) -> None:
    blank, tan_lap = resave_all([filled["blank"], filled["tan-lap-seed-000"]], tmp_path / "resaved")
    for path, typed, unit, status in (
        (blank, {}, "X0101", "Không có lỗi"),
        (tan_lap, TAN_LAP, "X0114", "Còn 1 lỗi cần sửa"),
    ):
        wb = openpyxl.load_workbook(path, data_only=True)
        ws = wb[layout.sheets[0].name]
        assert ws.protection.sheet
        assert ws.cell(ROW_STATUS + 1, COL_VALUE + 1).value == status
        unvalidated = []
        for rl in layout.rows:
            cell = ws.cell(rl.r + 1, COL_VALUE + 1)
            if not rl.formula:
                assert _blank_to_none(cell.value) == typed.get(rl.code), rl.code
            assert cell.protection.locked is not rl.is_input, rl.code
            if rl.is_input and not any(
                cell.coordinate in dv.sqref for dv in ws.data_validations.dataValidation
            ):
                unvalidated.append(rl.code)
        assert unvalidated == []
        meta = wb[META_SHEET]
        assert meta.sheet_state != "visible"  # LibreOffice turns "veryHidden" into "hidden"
        items = {r[0]: r[1] for r in meta.iter_rows(values_only=True) if r[0]}
        assert (items["unit_code"], items["layout_fingerprint"], items["period"]) == (
            unit,
            layout.fingerprint,
            PERIOD,
        )
        if typed:
            assert ws.cell(layout["1.2"].r + 1, COL_VALUE + 1).value == 18.75
        wb.close()
