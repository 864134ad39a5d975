"""The template generator (``cchc_xlsx.generate``), checked through openpyxl.

Every expectation about where a cell lives comes from ``build_layout`` (the one
place that decides addresses); the tests then open the written workbook and
check that the writer put the right thing there: protection, unlocked cells,
data validations, formulas, rule highlights, defined names, metadata, title
block, file names and reproducible bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

import cchc_xlsx
from cchc_xlsx import OutputError, UsageError, generate, load_catalog, parse_period
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.layout.form import (
    COL_CHECK,
    COL_NOTE,
    COL_VALUE,
    FIRST_DATA_ROW,
    FormLayout,
    RowLayout,
    build_layout,
)
from cchc_xlsx.units import Unit, Units, parse_units
from cchc_xlsx.write.captions import authority

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "indicator_catalog.yaml"
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"
THANH_HOA_CATALOG = ROOT / "examples" / "catalogs" / "thanh_hoa_phu_luc_01b.yaml"

META_SHEET = "_cchc_meta"
EPOCH = "1711929600"  # 2024-04-01T00:00:00Z
EPOCH_ISO = "2024-04-01T00:00:00+00:00"
DISTRICT_ONLY = {"6.1", "6.1.1", "6.1.2", "3.1.4.a"}

# Units in a deliberately unsorted order: files must follow the file, not the codes.
UNITS_CSV = """\ufeffcode,name,level,parent
T01,Tỉnh Bắc Kạn,tinh,
S01,Sở Nội vụ,so,T01
S02,Sở Tư pháp,so,T01
H01,Huyện Chợ Đồn,huyen,T01
X0106,Xã Đại Sảo,xa,H01
X0101,Thị trấn Bằng Lũng,xa,H01
"""

XA_FILES = [
    "2024-Q1_xa_X0106_xa_dai_sao.xlsx",
    "2024-Q1_xa_X0101_thi_tran_bang_lung.xlsx",
]


# --------------------------------------------------------------------------- helpers


def units_from(text: str = UNITS_CSV) -> Units:
    return parse_units(text.encode("utf-8"), "units.csv")


def first_unit(units: Units, level: str) -> Unit:
    return units.at_level(level)[0]


def cell(rl: RowLayout, col: int) -> str:
    """A1 address of a row's cell in column ``col`` (zero-based)."""
    return f"{get_column_letter(col + 1)}{rl.r + 1}"


def d(rl: RowLayout) -> str:
    return cell(rl, COL_VALUE)


def sheet_of(wb: openpyxl.Workbook, layout: FormLayout, rl: RowLayout):  # type: ignore[no-untyped-def]
    return wb[layout.sheets[rl.sheet].name]


def meta_of(wb: openpyxl.Workbook) -> dict[str, str | None]:
    ws = wb[META_SHEET]
    return {str(r[0].value): r[1].value for r in ws.iter_rows(max_col=2) if r[0].value is not None}


def ref_of(layout: FormLayout, code: str, from_sheet: int, absolute: bool = False) -> str:
    """What a formula on ``from_sheet`` writes for a row's value cell."""
    rl = layout[code]
    col = get_column_letter(COL_VALUE + 1)
    ref = f"${col}${rl.r + 1}" if absolute else f"{col}{rl.r + 1}"
    if rl.sheet != from_sheet:
        name = layout.sheets[rl.sheet].name.replace("'", "''")
        return f"'{name}'!{ref}"
    return ref


def range_cells(rng) -> list[str]:  # type: ignore[no-untyped-def]
    """Every A1 address of one openpyxl CellRange."""
    return [
        f"{get_column_letter(col)}{row}"
        for row in range(rng.min_row, rng.max_row + 1)
        for col in range(rng.min_col, rng.max_col + 1)
    ]


def cells_in(sqref: object) -> Iterator[str]:
    """Every A1 address of an openpyxl sqref (MultiCellRange)."""
    for rng in sqref.ranges:  # type: ignore[attr-defined]
        yield from range_cells(rng)


def validations_by_cell(ws) -> dict[str, list]:  # type: ignore[no-untyped-def]
    out: dict[str, list] = {}
    for dv in ws.data_validations.dataValidation:
        for addr in cells_in(dv.sqref):
            out.setdefault(addr, []).append(dv)
    return out


def conditional_rules_by_cell(ws) -> dict[str, list[tuple[str, str]]]:  # type: ignore[no-untyped-def]
    """address → [(formula, whole sqref as text)] of every formula conditional format."""
    out: dict[str, list[tuple[str, str]]] = {}
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            for formula in rule.formula or ():
                for addr in cells_in(cf.sqref):
                    out.setdefault(addr, []).append((formula, str(cf.sqref)))
    return out


def unlocked_cells(wb: openpyxl.Workbook) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.protection.locked is False:
                    out.add((ws.title, c.coordinate))
    return out


def expected_unlocked(layout: FormLayout) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for rl in layout.rows:
        name = layout.sheets[rl.sheet].name
        out.add((name, cell(rl, COL_NOTE)))
        if rl.is_input:
            out.add((name, cell(rl, COL_VALUE)))
    return out


def has_vietnamese(text: str | None) -> bool:
    return bool(text) and any(ord(ch) > 127 for ch in text)  # type: ignore[union-attr]


def assert_no_temporary_files(folder: Path, expected: list[str]) -> None:
    names = sorted(os.listdir(folder))
    assert names == sorted(expected), (
        f"unexpected files in {folder}: {sorted(set(names) - set(expected))}"
    )


@pytest.fixture(autouse=True)
def _no_password_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCHC_XLSX_PASSWORD", raising=False)


# --------------------------------------------------------------------------- generated forms


@dataclass
class Form:
    """One generated unit workbook and everything needed to check it."""

    catalog: Catalog
    level: str
    layout: FormLayout
    unit: Unit
    path: Path
    wb: openpyxl.Workbook


FORMS = [
    pytest.param((DEFAULT_CATALOG, "xa"), id="phu-luc-i-xa"),
    pytest.param((DEFAULT_CATALOG, "huyen"), id="phu-luc-i-huyen"),
    pytest.param((DEFAULT_CATALOG, "tinh"), id="phu-luc-i-tinh"),
    pytest.param((SO_CATALOG, "so"), id="so-bieu-mau-1-7"),
    pytest.param((THANH_HOA_CATALOG, "xa"), id="thanh-hoa-01b-xa"),
    pytest.param((THANH_HOA_CATALOG, "huyen"), id="thanh-hoa-01b-huyen"),
]


@pytest.fixture(scope="module", params=FORMS)
def form(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Form:
    catalog_path, level = request.param
    catalog = load_catalog(catalog_path)
    units = units_from()
    out = tmp_path_factory.mktemp(f"{catalog.id}-{level}")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.delenv("CCHC_XLSX_PASSWORD", raising=False)
        files = generate(catalog, level, parse_period("2024-Q1"), out, units)
    gf = files[0]
    assert gf.unit is not None
    return Form(
        catalog,
        level,
        build_layout(catalog, level),
        gf.unit,
        gf.path,
        openpyxl.load_workbook(gf.path),
    )


@pytest.fixture(scope="module")
def xa_form(tmp_path_factory: pytest.TempPathFactory) -> Form:
    catalog = load_catalog(DEFAULT_CATALOG)
    out = tmp_path_factory.mktemp("xa")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
        mp.delenv("CCHC_XLSX_PASSWORD", raising=False)
        gf = generate(catalog, "xa", parse_period("2024-Q1"), out, units_from())[0]
    assert gf.unit is not None
    return Form(
        catalog,
        "xa",
        build_layout(catalog, "xa"),
        gf.unit,
        gf.path,
        openpyxl.load_workbook(gf.path),
    )


# --------------------------------------------------------------------------- protection


def test_every_sheet_and_the_workbook_structure_are_protected(form: Form) -> None:
    for ws in form.wb.worksheets:
        assert ws.protection.sheet is True, ws.title
    assert form.wb.security is not None
    assert form.wb.security.lockStructure is True


def test_one_form_sheet_per_catalogue_sheet_then_the_metadata(form: Form) -> None:
    names = [s.name for s in form.layout.sheets]
    assert form.wb.sheetnames == names + [META_SHEET]
    if form.catalog.id == load_catalog(SO_CATALOG).id:
        assert names == [f"Biểu mẫu {i}" for i in range(1, 8)]


def test_only_value_inputs_and_notes_are_unlocked(form: Form) -> None:
    assert unlocked_cells(form.wb) == expected_unlocked(form.layout)


def test_no_whole_row_or_column_is_unlocked(form: Form) -> None:
    for ws in form.wb.worksheets:
        for key, dim in ws.column_dimensions.items():
            assert dim.protection.locked is not False, f"{ws.title}!{key}:{key}"
        for key, dim in ws.row_dimensions.items():
            assert dim.protection.locked is not False, f"{ws.title}!{key}:{key}"


# --------------------------------------------------------------------------- data validation


def _assert_vietnamese_messages(dv, where: str) -> None:  # type: ignore[no-untyped-def]
    assert dv.showInputMessage, where
    assert dv.showErrorMessage, where
    assert dv.errorStyle in (None, "stop"), where
    assert dv.promptTitle and len(dv.promptTitle) <= 32, where
    assert dv.errorTitle and len(dv.errorTitle) <= 32, where
    assert has_vietnamese(dv.prompt), (where, dv.prompt)
    assert has_vietnamese(dv.error), (where, dv.error)
    assert len(dv.prompt) <= 255 and len(dv.error) <= 255, where


def _assert_bounds(dv, rl: RowLayout) -> None:  # type: ignore[no-untyped-def]
    lo, hi = rl.row.bounds()
    assert lo is not None and lo >= 0, rl.code
    if hi is None:
        assert dv.operator == "greaterThanOrEqual", rl.code
        assert float(dv.formula1) == lo, rl.code
    else:
        assert dv.operator in (None, "between"), rl.code
        assert (float(dv.formula1), float(dv.formula2)) == (lo, hi), rl.code


def test_each_input_has_the_validation_of_its_type(form: Form) -> None:
    seen_types: set[str] = set()
    for sl in form.layout.sheets:
        dvs = validations_by_cell(form.wb[sl.name])
        for rl in sl.rows:
            if not rl.is_input:
                assert d(rl) not in dvs, f"{rl.code}: a {rl.row.type} row has no validation"
                continue
            found = dvs.get(d(rl), [])
            assert len(found) == 1, f"{rl.code} ({d(rl)}): {len(found)} validations"
            dv = found[0]
            t = rl.row.type
            seen_types.add(t)
            _assert_vietnamese_messages(dv, rl.code)
            assert dv.allow_blank, rl.code
            if t == "count":
                assert dv.type == "whole", rl.code
                _assert_bounds(dv, rl)
                assert "số nguyên" in dv.prompt and rl.code in dv.error
            elif t == "decimal":
                assert dv.type == "decimal", rl.code
                _assert_bounds(dv, rl)
                assert rl.code in dv.error
            elif t == "percent":
                assert dv.type == "decimal", rl.code
                lo, hi = rl.row.bounds()
                assert (float(dv.formula1), float(dv.formula2)) == (lo, hi), rl.code
                assert 0 <= float(dv.formula1) <= float(dv.formula2) <= 100, rl.code
                assert "phần trăm" in dv.prompt and rl.code in dv.error
            elif t in ("boolean", "choice"):
                labels = ["Có", "Không"] if t == "boolean" else [o.label for o in rl.row.options]
                assert dv.type == "list", rl.code
                assert dv.formula1 == '"' + ",".join(labels) + '"', rl.code
                for lab in labels:
                    assert lab in dv.prompt, (rl.code, lab)
            elif t == "text":
                assert dv.type == "textLength", rl.code
                assert dv.operator == "lessThanOrEqual" and float(dv.formula1) == 255, rl.code
            else:  # pragma: no cover - a new input type needs a test
                pytest.fail(f"untested input type {t}")
    assert "count" in seen_types


def test_every_note_cell_accepts_at_most_500_characters(form: Form) -> None:
    for sl in form.layout.sheets:
        dvs = validations_by_cell(form.wb[sl.name])
        for rl in sl.rows:
            found = dvs.get(cell(rl, COL_NOTE), [])
            assert len(found) == 1, f"{rl.code}: note has {len(found)} validations"
            dv = found[0]
            assert dv.type == "textLength" and dv.operator == "lessThanOrEqual", rl.code
            assert float(dv.formula1) == 500, rl.code
            assert "Ghi chú" in dv.promptTitle
            _assert_vietnamese_messages(dv, rl.code)


def test_default_form_covers_every_numeric_validation(xa_form: Form) -> None:
    """The default catalogue at xa has counts, percents, a boolean and a choice."""
    types = {rl.row.type for rl in xa_form.layout.inputs}
    assert {"count", "percent", "boolean", "choice"} <= types


def test_decimal_money_rows_accept_decimals_from_zero(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    layout = build_layout(catalog, "huyen")
    [gf] = generate(catalog, "huyen", parse_period("2024-Q1"), tmp_path, units_from())
    ws = openpyxl.load_workbook(gf.path).worksheets[0]
    dvs = validations_by_cell(ws)
    for code in ("6.1.1", "6.1.2"):
        [dv] = dvs[d(layout[code])]
        assert (dv.type, dv.operator, float(dv.formula1)) == ("decimal", "greaterThanOrEqual", 0.0)


# --------------------------------------------------------------------------- formulas


def test_ratio_cells_hold_the_ratio_formula_and_are_locked(form: Form) -> None:
    ratios = [rl for rl in form.layout.rows if rl.row.type == "ratio"]
    for rl in ratios:
        ws = sheet_of(form.wb, form.layout, rl)
        n = ref_of(form.layout, rl.row.numerator or "", rl.sheet)
        den = ref_of(form.layout, rl.row.denominator or "", rl.sheet)
        c = ws[d(rl)]
        assert (
            c.value == f'=IF(AND(COUNT({n})=1,COUNT({den})=1),IF({den}=0,"",{n}/{den}*100),"")'
        ), rl.code
        assert c.protection.locked is not False, rl.code


def test_ratio_1_2_is_tasks_done_over_tasks_planned(xa_form: Form) -> None:
    layout, ws = xa_form.layout, xa_form.wb.worksheets[0]
    num, den = d(layout["1.2.2"]), d(layout["1.2.1"])
    formula = ws[d(layout["1.2"])].value
    assert isinstance(formula, str) and formula.startswith("=")
    assert f"{num}/{den}*100" in formula
    assert f"IF({den}=0," in formula  # no #DIV/0! on an empty plan
    assert ws[d(layout["1.2"])].protection.locked is True


def test_sum_cells_hold_a_sum_formula_and_are_locked(form: Form) -> None:
    for rl in form.layout.rows:
        if rl.row.type != "sum":
            continue
        ws = sheet_of(form.wb, form.layout, rl)
        value = ws[d(rl)].value
        refs = ",".join(ref_of(form.layout, t, rl.sheet) for t in rl.row.terms)
        assert isinstance(value, str) and value.startswith("="), rl.code
        assert f"SUM({refs})" in value, (rl.code, value)
        assert ws[d(rl)].protection.locked is not False, rl.code


def test_heading_rows_have_no_value_and_are_locked(form: Form) -> None:
    for rl in form.layout.rows:
        if rl.row.type != "heading":
            continue
        c = sheet_of(form.wb, form.layout, rl)[d(rl)]
        assert c.value is None and c.protection.locked is not False, rl.code


# --------------------------------------------------------------------------- rules


def test_every_rule_has_its_check_in_column_f_of_its_anchor_row(form: Form) -> None:
    rules = form.catalog.rules_for_level(form.level)
    assert rules, "every catalogue here has rules"
    for rule in rules:
        anchor = form.layout[rule.refs[0]]
        ws = sheet_of(form.wb, form.layout, anchor)
        check = ws[cell(anchor, COL_CHECK)].value
        cond = rule.check.excel_violated(lambda c, si=anchor.sheet: ref_of(form.layout, c, si))
        assert isinstance(check, str) and check.startswith("="), rule.id
        assert f"IF({cond}," in check, (rule.id, cond, check)


def test_every_rule_turns_its_cells_red_with_a_conditional_format(form: Form) -> None:
    for rule in form.catalog.rules_for_level(form.level):
        anchor = form.layout[rule.refs[0]]
        ws = sheet_of(form.wb, form.layout, anchor)
        cfs = conditional_rules_by_cell(ws)
        absolute = rule.check.excel_violated(
            lambda c, si=anchor.sheet: ref_of(form.layout, c, si, True)
        )
        relative = rule.check.excel_violated(lambda c, si=anchor.sheet: ref_of(form.layout, c, si))
        found = cfs.get(d(anchor), [])
        # NOTE: a relative formula is right only on a single-cell range (it shifts otherwise).
        ok = [sq for f, sq in found if f == absolute or (f == relative and sq == d(anchor))]
        assert ok, f"{rule.id}: no conditional format {absolute!r} on {d(anchor)}; found {found}"
        same_sheet = [form.layout[c] for c in rule.refs if form.layout[c].sheet == anchor.sheet]
        covered = {a for sq in ok for a in sq.split()}
        assert {d(rl) for rl in same_sheet} <= covered, (rule.id, covered)


def test_each_input_is_highlighted_when_its_value_is_invalid(form: Form) -> None:
    for sl in form.layout.sheets:
        cfs = conditional_rules_by_cell(form.wb[sl.name])
        for rl in sl.rows:
            if rl.is_input and rl.value_check:
                formulas = [f for f, _ in cfs.get(d(rl), [])]
                assert rl.value_check in formulas, rl.code


# --------------------------------------------------------------------------- names and metadata


def test_every_input_cell_has_a_workbook_scoped_name(form: Form) -> None:
    got: dict[str, tuple[str, str]] = {}
    for name, dn in form.wb.defined_names.items():
        if not name.startswith("CCHC_"):
            continue
        assert dn.localSheetId is None, name
        m = re.fullmatch(
            r"'((?:[^']|'')+)'!\$([A-Z]+)\$(\d+)|([^'!]+)!\$([A-Z]+)\$(\d+)", dn.attr_text
        )
        assert m, dn.attr_text
        sheet = (m.group(1) or "").replace("''", "'") or m.group(4)
        col, row = (m.group(2), m.group(3)) if m.group(1) else (m.group(5), m.group(6))
        got[name] = (sheet, f"{col}{row}")
    expected = {
        "CCHC_" + rl.code.replace(".", "_"): (form.layout.sheets[rl.sheet].name, d(rl))
        for rl in form.layout.inputs
    }
    assert got == expected


def test_defined_name_of_a_sub_row_uses_underscores(xa_form: Form) -> None:
    names = xa_form.wb.defined_names
    assert "CCHC_1_2_1" in names
    assert names["CCHC_1_2_1"].attr_text == f"'Phụ lục'!$D${xa_form.layout['1.2.1'].r + 1}"
    assert "CCHC_1_2" not in names  # a ratio is not an input


def test_metadata_sheet_is_very_hidden_and_round_trips(form: Form) -> None:
    ws = form.wb[META_SHEET]
    assert ws.sheet_state == "veryHidden"
    assert ws.protection.sheet is True
    meta = meta_of(form.wb)
    source = Path(form.catalog.path)
    expected = {
        "catalog_id": form.catalog.id,
        "catalog_version": form.catalog.version,
        "catalog_hash": hashlib.sha256(source.read_bytes()).hexdigest(),
        "level": form.level,
        "unit_code": form.unit.code,
        "unit_name": form.unit.name,
        "period": "2024-Q1",
        "layout_fingerprint": form.layout.fingerprint,
        "tool_version": cchc_xlsx.__version__,
        "generated_at": EPOCH_ISO,
    }
    assert {k: meta.get(k) for k in expected} == expected


def test_generation_time_is_now_without_source_date_epoch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    catalog = load_catalog(THANH_HOA_CATALOG)
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    [gf] = generate(catalog, "huyen", parse_period("2024-Q1"), tmp_path, units_from())
    after = dt.datetime.now(dt.timezone.utc)
    stamp = dt.datetime.fromisoformat(str(meta_of(openpyxl.load_workbook(gf.path))["generated_at"]))
    assert stamp.tzinfo is not None
    assert before <= stamp <= after


# --------------------------------------------------------------------------- rows per level


def _codes_in_column_a(wb: openpyxl.Workbook, layout: FormLayout) -> list[str]:
    codes: list[str] = []
    for sl in layout.sheets:
        ws = wb[sl.name]
        for r in range(FIRST_DATA_ROW + 1, ws.max_row + 1):
            v = ws.cell(r, 1).value
            if v is not None:
                codes.append(str(v))
    return codes


def test_column_a_lists_exactly_the_rows_of_the_level(form: Form) -> None:
    assert _codes_in_column_a(form.wb, form.layout) == [
        r.code for r in form.catalog.rows_for_level(form.level)
    ]


@pytest.mark.parametrize(("level", "present"), [("xa", False), ("huyen", True)])
def test_district_only_rows_appear_only_at_district_level(
    tmp_path: Path, level: str, present: bool
) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    layout = build_layout(catalog, level)
    [gf, *_] = generate(catalog, level, parse_period("2024-Q1"), tmp_path, units_from())
    wb = openpyxl.load_workbook(gf.path)
    codes = set(_codes_in_column_a(wb, layout))
    names = set(wb.defined_names.keys())
    if present:
        assert codes >= DISTRICT_ONLY
        assert {"CCHC_6_1_1", "CCHC_6_1_2", "CCHC_3_1_4_a"} <= names
    else:
        assert not codes & DISTRICT_ONLY
        assert not {"CCHC_6_1_1", "CCHC_6_1_2", "CCHC_3_1_4_a"} & names
        for rl in layout.rows:  # no gap left where the district rows were
            assert wb.worksheets[0].cell(rl.r + 1, 1).value == rl.code


# --------------------------------------------------------------------------- title block


def test_title_block_names_the_unit_period_and_data_window(xa_form: Form) -> None:
    ws = xa_form.wb.worksheets[0]
    assert xa_form.unit.name == "Xã Đại Sảo"
    assert ws["A1"].value == "UBND XÃ ĐẠI SẢO"
    assert ws["A2"].value == xa_form.catalog.title
    assert ws["A3"].value == "(Quý I năm 2024)"
    assert "của UBND xã Đại Sảo)" in str(ws["A4"].value)
    assert ws["A5"].value == "Số liệu từ ngày 15/12/2023 đến ngày 14/3/2024"


def test_header_rows_reproduce_the_official_form(xa_form: Form) -> None:
    ws = xa_form.wb.worksheets[0]
    assert (ws["A7"].value, ws["C7"].value, ws["E7"].value) == (
        "STT",
        "Kết quả thống kê",
        "Ghi chú",
    )
    assert str(ws["B7"].value).startswith("Chỉ tiêu")
    assert (ws["C8"].value, ws["D8"].value) == ("Đơn vị tính", "Số liệu")
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"C7:D7", "A7:A8", "B7:B8", "E7:E8"} <= merged


@pytest.mark.parametrize(
    ("period", "label", "window"),
    [
        ("2024-Q1", "(Quý I năm 2024)", "Số liệu từ ngày 15/12/2023 đến ngày 14/3/2024"),
        ("2024-Q3", "(Quý III năm 2024)", "Số liệu từ ngày 15/6/2024 đến ngày 14/9/2024"),
        ("2024-H1", "(6 tháng đầu năm 2024)", "Số liệu từ ngày 15/12/2023 đến ngày 14/6/2024"),
        ("2024-9M", "(9 tháng năm 2024)", "Số liệu từ ngày 15/12/2023 đến ngày 14/9/2024"),
        ("2024", "(năm 2024)", "Số liệu từ ngày 15/12/2023 đến ngày 14/12/2024"),
    ],
)
def test_title_block_of_each_kind_of_period(
    tmp_path: Path, period: str, label: str, window: str
) -> None:
    catalog = load_catalog(THANH_HOA_CATALOG)
    files = generate(catalog, "xa", parse_period(period), tmp_path, units_from())
    assert files[0].path.name.startswith(f"{period}_xa_")
    ws = openpyxl.load_workbook(files[0].path).worksheets[0]
    assert (ws["A3"].value, ws["A5"].value) == (label, window)
    assert meta_of(ws.parent)["period"] == period


def test_every_sheet_of_a_multi_sheet_form_names_the_unit(tmp_path: Path) -> None:
    catalog = load_catalog(SO_CATALOG)
    [first, second] = generate(catalog, "so", parse_period("2024-Q1"), tmp_path, units_from())
    assert [first.path.name, second.path.name] == [
        "2024-Q1_so_S01_so_noi_vu.xlsx",
        "2024-Q1_so_S02_so_tu_phap.xlsx",
    ]
    wb = openpyxl.load_workbook(first.path)
    for sheet in catalog.sheets:
        ws = wb[sheet.name]
        assert ws["A1"].value == "SỞ NỘI VỤ", sheet.name
        assert ws["A3"].value == "(Quý I năm 2024)", sheet.name
        if sheet.title:
            assert sheet.title.upper() in str(ws["A2"].value), sheet.name


# --------------------------------------------------------------------------- files


def test_one_file_per_unit_of_the_level_in_units_file_order(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    files = generate(catalog, "xa", parse_period("2024-Q1"), tmp_path, units_from())
    assert [f.path.name for f in files] == XA_FILES
    assert [f.unit.code for f in files if f.unit] == ["X0106", "X0101"]
    assert all(f.path.parent == tmp_path for f in files)
    assert_no_temporary_files(tmp_path, XA_FILES)
    for f in files:
        assert meta_of(openpyxl.load_workbook(f.path))["unit_code"] == f.unit.code  # type: ignore[union-attr]


def test_existing_files_are_not_overwritten_and_nothing_is_written(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    period = parse_period("2024-Q1")
    generate(catalog, "xa", period, tmp_path, units_from())
    kept = tmp_path / XA_FILES[0]
    kept.write_bytes(b"edited by someone")
    (tmp_path / XA_FILES[1]).unlink()
    with pytest.raises(OutputError) as err:
        generate(catalog, "xa", period, tmp_path, units_from())
    assert XA_FILES[0] in str(err.value)
    assert kept.read_bytes() == b"edited by someone"
    assert not (tmp_path / XA_FILES[1]).exists(), "nothing may be written when a target exists"
    assert_no_temporary_files(tmp_path, [XA_FILES[0]])


def test_force_overwrites_existing_files(tmp_path: Path) -> None:
    catalog = load_catalog(DEFAULT_CATALOG)
    period = parse_period("2024-Q1")
    generate(catalog, "xa", period, tmp_path, units_from())
    kept = tmp_path / XA_FILES[0]
    kept.write_bytes(b"edited by someone")
    files = generate(catalog, "xa", period, tmp_path, units_from(), force=True)
    assert [f.path.name for f in files] == XA_FILES
    assert zipfile.is_zipfile(kept)
    assert openpyxl.load_workbook(kept).worksheets[0]["A1"].value == "UBND XÃ ĐẠI SẢO"
    assert_no_temporary_files(tmp_path, XA_FILES)


def test_output_folder_is_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b"
    files = generate(
        load_catalog(DEFAULT_CATALOG), "xa", parse_period("2024-Q1"), out, units_from()
    )
    assert_no_temporary_files(out, [f.path.name for f in files])


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_written_files_get_the_usual_permissions(tmp_path: Path) -> None:
    """Templates are shared (network folders, mail gateways): they must not be owner-only."""
    old = os.umask(0o022)
    try:
        files = generate(
            load_catalog(DEFAULT_CATALOG), "xa", parse_period("2024-Q1"), tmp_path, units_from()
        )
        [generic] = generate(
            load_catalog(DEFAULT_CATALOG), "xa", parse_period("2024-Q1"), tmp_path / "g"
        )
    finally:
        os.umask(old)
    for f in [*files, generic]:
        assert f.path.stat().st_mode & 0o777 == 0o644, (
            f"{f.path.name}: {oct(f.path.stat().st_mode & 0o777)}"
        )


def test_without_units_one_generic_template_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    catalog = load_catalog(DEFAULT_CATALOG)
    layout = build_layout(catalog, "xa")
    [gf] = generate(catalog, "xa", parse_period("2024-Q1"), tmp_path)
    assert gf.unit is None
    assert gf.path.name == "2024-Q1_xa_mau_chung.xlsx"
    assert_no_temporary_files(tmp_path, ["2024-Q1_xa_mau_chung.xlsx"])
    wb = openpyxl.load_workbook(gf.path)
    ws = wb.worksheets[0]
    assert ws["B1"].protection.locked is False
    # B1 may be merged over the next cells of the unit line; those share its format
    b1_merge = {
        (ws.title, a)
        for rng in ws.merged_cells.ranges
        for a in range_cells(rng)
        if "B1" in range_cells(rng)
    }
    assert unlocked_cells(wb) == expected_unlocked(layout) | {(ws.title, "B1")} | b1_merge
    assert "B1" in validations_by_cell(ws)
    meta = meta_of(wb)
    assert meta["unit_code"] in ("", None)
    assert meta["unit_name"] in ("", None)
    assert meta["level"] == "xa" and meta["period"] == "2024-Q1"
    assert meta["generated_at"] == EPOCH_ISO
    assert ws.protection.sheet and wb.security.lockStructure  # type: ignore[union-attr]


def test_distinct_units_never_share_a_file_name(tmp_path: Path) -> None:
    """Codes are made file-safe; two units must not end up writing the same file."""
    units = units_from("code,name,level,parent\nX.1,Xã An,xa,\nX_1,Xã An,xa,\nX/1,Xã Ân,xa,\n")
    catalog = load_catalog(THANH_HOA_CATALOG)
    try:
        files = generate(catalog, "xa", parse_period("2024-Q1"), tmp_path, units)
    except (cchc_xlsx.UsageError, OutputError):
        assert os.listdir(tmp_path) == [], "nothing may be written when names collide"
        return
    names = [f.path.name for f in files]
    assert len(set(names)) == 3, f"three units, files {names}"
    assert len(os.listdir(tmp_path)) == 3


def test_an_output_folder_that_is_a_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "not-a-folder"
    target.write_text("x")
    with pytest.raises(UsageError, match="là một tệp, không phải thư mục"):
        generate(load_catalog(DEFAULT_CATALOG), "xa", parse_period("2024-Q1"), target, units_from())


def test_generic_multi_sheet_template_carries_the_chosen_unit_to_every_sheet(
    tmp_path: Path,
) -> None:
    """The unit is chosen once in B1 of the first sheet; Biểu mẫu 2–7 print it too."""
    catalog = load_catalog(SO_CATALOG)
    [gf] = generate(catalog, "so", parse_period("2024-Q1"), tmp_path)
    assert gf.path.name == "2024-Q1_so_mau_chung.xlsx"
    wb = openpyxl.load_workbook(gf.path)
    first = wb.worksheets[0]
    assert first["B1"].protection.locked is False
    refs = {f"'{first.title}'!B1", f"'{first.title}'!$B$1"}
    for ws in wb.worksheets[1 : len(catalog.sheets)]:
        value = ws["B1"].value
        assert isinstance(value, str) and any(r in value for r in refs), (
            f"{ws.title}!B1 is {value!r}: the unit chosen on {first.title} does not reach this sheet"
        )
        assert ws["B1"].protection.locked is not False, ws.title


def test_no_unit_of_the_level_is_a_usage_error(tmp_path: Path) -> None:
    units = units_from("code,name,level,parent\nT01,Tỉnh Bắc Kạn,tinh,\n")
    with pytest.raises(cchc_xlsx.UsageError):
        generate(load_catalog(DEFAULT_CATALOG), "xa", parse_period("2024-Q1"), tmp_path, units)
    assert os.listdir(tmp_path) == []


def test_a_level_outside_the_catalogue_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(cchc_xlsx.UsageError):
        generate(
            load_catalog(DEFAULT_CATALOG),
            "so",
            parse_period("2024-Q1"),
            tmp_path / "out",
            units_from(),
        )
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- stamping


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None, f"{path.name}: corrupt member"
        return {name: z.read(name) for name in z.namelist()}


def _esc(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").encode("utf-8")


def test_two_units_files_differ_only_in_identity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    catalog = load_catalog(DEFAULT_CATALOG)
    a, b = generate(catalog, "xa", parse_period("2024-Q1"), tmp_path, units_from())
    assert a.unit is not None and b.unit is not None
    pa, pb = _parts(a.path), _parts(b.path)
    assert list(pa) == list(pb)
    assert [n for n in pa if pa[n] != pb[n]] == ["xl/sharedStrings.xml"]
    swapped = (
        pa["xl/sharedStrings.xml"]
        .replace(_esc(authority(a.unit.name).upper()), _esc(authority(b.unit.name).upper()))
        .replace(_esc(authority(a.unit.name)), _esc(authority(b.unit.name)))
        .replace(_esc(a.unit.name), _esc(b.unit.name))
        .replace(_esc(a.unit.code), _esc(b.unit.code))
    )
    assert swapped == pb["xl/sharedStrings.xml"]

    wa, wb_ = openpyxl.load_workbook(a.path), openpyxl.load_workbook(b.path)
    differences = {}
    for ws in wa.worksheets:
        other = wb_[ws.title]
        assert (ws.max_row, ws.max_column) == (other.max_row, other.max_column)
        for row in ws.iter_rows():
            for c in row:
                v = other[c.coordinate].value
                if c.value != v:
                    differences[(ws.title, c.coordinate)] = (c.value, v)
    meta_rows = {k: i + 1 for i, k in enumerate(meta_of(wa))}
    assert differences == {
        ("Phụ lục", "A1"): ("UBND XÃ ĐẠI SẢO", "UBND THỊ TRẤN BẰNG LŨNG"),
        ("Phụ lục", "A4"): (
            "(Kèm theo Báo cáo số ……/BC-…… ngày …… của UBND xã Đại Sảo)",
            "(Kèm theo Báo cáo số ……/BC-…… ngày …… của UBND thị trấn Bằng Lũng)",
        ),
        (META_SHEET, f"B{meta_rows['unit_code']}"): ("X0106", "X0101"),
        (META_SHEET, f"B{meta_rows['unit_name']}"): ("Xã Đại Sảo", "Thị trấn Bằng Lũng"),
    }


def test_unit_names_with_xml_special_characters_are_stamped_intact(tmp_path: Path) -> None:
    units = units_from('code,name,level,parent\nX1,"Xã A & B <Mới> ""Đông""",xa,\nX2,Xã Bình,xa,\n')
    a, _ = generate(load_catalog(THANH_HOA_CATALOG), "xa", parse_period("2024-Q1"), tmp_path, units)
    wb = openpyxl.load_workbook(a.path)
    assert wb.worksheets[0]["A1"].value == 'UBND XÃ A & B <MỚI> "ĐÔNG"'
    assert meta_of(wb)["unit_name"] == 'Xã A & B <Mới> "Đông"'


def test_same_inputs_give_byte_identical_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for catalog_path, level in ((DEFAULT_CATALOG, "xa"), (SO_CATALOG, "so")):
        catalog = load_catalog(catalog_path)
        period = parse_period("2024-Q1")
        first = generate(catalog, level, period, tmp_path / "1" / level, units_from())
        first += generate(catalog, level, period, tmp_path / "1g" / level)
        second = generate(catalog, level, period, tmp_path / "2" / level, units_from())
        second += generate(catalog, level, period, tmp_path / "2g" / level)
        for x, y in zip(first, second, strict=True):
            assert x.path.name == y.path.name
            assert x.path.read_bytes() == y.path.read_bytes(), x.path.name
        assert meta_of(openpyxl.load_workbook(first[0].path))["generated_at"] == EPOCH_ISO


def test_each_stamped_file_is_a_valid_workbook(tmp_path: Path) -> None:
    catalog = load_catalog(SO_CATALOG)
    for gf in generate(catalog, "so", parse_period("2024-Q1"), tmp_path, units_from()):
        _parts(gf.path)  # CRCs and sizes agree
        wb = openpyxl.load_workbook(gf.path)
        assert wb.sheetnames[-1] == META_SHEET
        assert meta_of(wb)["unit_name"] == gf.unit.name  # type: ignore[union-attr]


# --------------------------------------------------------------------------- one register, every form


@pytest.mark.parametrize(
    ("catalog_path", "level", "count"),
    [(SO_CATALOG, "so", 3), (SO_CATALOG, "tinh", 1), (DEFAULT_CATALOG, "xa", 24), (DEFAULT_CATALOG, "huyen", 2), (THANH_HOA_CATALOG, "xa", 24)],
    ids=["so-form-departments", "so-form-province", "commune-form", "commune-form-districts", "thanh-hoa-communes"],
)
def test_every_example_catalogue_generates_from_one_province_wide_register(tmp_path: Path, catalog_path: Path, level: str, count: int) -> None:
    catalog = load_catalog(catalog_path)
    units = cchc_xlsx.load_units(ROOT / "examples" / "units_cho_don.csv", catalog)
    assert set(units.levels()) == {"tinh", "so", "huyen", "xa"}  # more levels than either form uses
    files = generate(catalog, level, "2024-Q1", tmp_path, units)
    assert len(files) == count and all(f.unit is not None and f.unit.level == level for f in files)
    wb = openpyxl.load_workbook(files[0].path)
    assert wb[META_SHEET]["B1"].value.startswith("cchc-xlsx/")


def test_a_unit_name_with_a_control_character_still_gives_valid_xml(tmp_path: Path) -> None:
    """Units built in a script are not linted like a units file: the writers escape what XML forbids."""
    units = Units([Unit("H01", "Huyện A", "huyen", None), Unit("X01", "Xã Tân\x01Lập\x1f", "xa", "H01")])
    files = generate(load_catalog(DEFAULT_CATALOG), "xa", "2024-Q1", tmp_path, units)
    with zipfile.ZipFile(files[0].path) as z:
        sst = z.read("xl/sharedStrings.xml").decode("utf-8")
    assert "\x01" not in sst and "_x0001_" in sst and "_x001F_" in sst
    wb = openpyxl.load_workbook(files[0].path)  # refuses XML with control characters
    meta = {row[0].value: row[1].value for row in wb[META_SHEET].iter_rows()}
    assert meta["unit_code"] == "X01"
