"""The feedback workbook (phiếu phản hồi): a unit's own return sent back with
its problems marked, corrected by the unit and read again.

Two returns with many mistakes each: xã Bình Trung (X0105, huyện Chợ Đồn,
checked among its district's twenty communes so that a figure far from the
others is flagged too) on the commune form, and Sở Nội vụ (S01) on the
seven-sheet department form, whose cells are named with their sheet. For each:
the ``Phản hồi`` sheet comes first and lists every error and warning; the
cells concerned are red or yellow with the messages as comments; the workbook
reads back as the same unit's return with the same values; once the marked
cells are corrected it reads with no error; LibreOffice opens and re-saves it
and the reader still accepts it, and its own check column still counts what
is left to correct.
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

import cchc_xlsx as cx
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.demo import example_values
from cchc_xlsx.errors import UsageError
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import COL_LABEL, COL_VALUE, ROW_STATUS, FormLayout, build_layout
from cchc_xlsx.layout.meta import META_SHEET
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import Return
from cchc_xlsx.read.workbook import read_meta
from cchc_xlsx.resources import example_path
from cchc_xlsx.testing import Filler
from cchc_xlsx.write.feedback import (
    DEFAULT_TODO,
    FEEDBACK_SHEET,
    REENTER,
    REENTER_CODES,
    TODO,
    feedback_workbook,
)
from cchc_xlsx.write.style import INPUT_FILL
from tests import hostile
from tests.libreoffice import recalculate, require_soffice, resave_all

ROOT = Path(__file__).resolve().parent.parent
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"
PERIOD = "2024-Q1"
UNITS = example_path("units_cho_don.csv")
GENERATED = "2024-04-10T08:00:00+00:00"
OFFICE = "Phòng Nội vụ huyện Chợ Đồn"
PASSWORD = "cchc"
RED, YELLOW = "FFC7CE", "FFEB9C"
COLUMNS = ["STT", "Ô", "Mã chỉ tiêu", "Chỉ tiêu", "Giá trị đã nhận", "Mức độ", "Nội dung", "Cần làm"]


@dataclass
class Case:
    """One return with mistakes, its feedback workbook, and the corrections."""

    catalog: Catalog
    layout: FormLayout
    ret: Return
    template: Path  # the blank template the unit was sent
    feedback: Path
    blank_fixes: dict[str, object]  # values left out by the reader: their cells are blank
    value_fixes: dict[str, object]  # values read but wrong: typed over
    expected_codes: set[str]  # issue codes the mistakes must give


def form_part(data: bytes, sheet: str) -> str:
    info = Package(data).sheet(sheet)
    assert info is not None, sheet
    return info.path


def correct(case: Case, data: bytes) -> bytes:
    """The feedback workbook with its marked cells corrected, overwritten in the
    sheet XML: the ones to type again (they hold the marker) and the others."""
    for code, value in {**case.blank_fixes, **case.value_fixes}.items():
        rl = case.layout[code]
        part = form_part(data, case.layout.sheets[rl.sheet].name)
        ref = a1(rl.r, COL_VALUE)
        if isinstance(value, str):
            data = hostile.set_cell(data, ref, f"<is><t>{value}</t></is>", t="inlineStr", part=part)
        else:
            data = hostile.set_cell(data, ref, f"<v>{value!r}</v>", part=part)
    return data


def check_one(path: Path, catalog: Catalog, level: str) -> Any:
    return cx.check(path, catalog, level=level, period=PERIOD, units=UNITS, workers=0)


def only_return(result: Any) -> Return:
    (f,) = list(result.files)
    assert f.status == "accepted", [i.message for i in f.issues]
    (ret,) = list(result.returns())
    return ret


# --------------------------------------------------------------------------- the two returns


@pytest.fixture(scope="module")
def commune(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """Xã Bình Trung (X0105) among huyện Chợ Đồn's twenty communes, with: a
    negative count (1.1, left out), more tasks done than planned (1.2.2 > 1.2.1,
    a rule), a date-like text in a count (3.3.1.a, left out), a number typed as
    text (3.3.2.a “1.594”, read as 1594), a fraction in a percent row (5.1.1,
    a warning), a figure far from the other communes' (7.2.4.a), the label of
    2.1 edited (its value left out), the ratio formula of 7.2.3 replaced by a
    number, the sheet unprotected, and two notes."""
    base = tmp_path_factory.mktemp("feedback_commune")
    catalog = cx.load_catalog()
    units = cx.load_units(UNITS, catalog)
    layout = build_layout(catalog, "xa")
    files = cx.generate(catalog, "xa", PERIOD, base / "templates", units, generated_at="2024-04-01T00:00:00+00:00")
    seed = yaml.safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    out = base / "nop_ve"
    out.mkdir()
    for f in files:
        if f.unit is None or f.unit.parent != "H01":
            continue
        values = example_values(catalog, layout, f.unit.code, seed)
        values["7.2.1.c"] = min(values.get("7.2.1.c", 0), values.get("7.2.1.b", 0))  # the seed's own error, made right
        notes = None
        if f.unit.code == "X0105":
            values.update({
                "1.1": -3, "1.2.1": 10, "1.2.2": 50, "3.3.1.a": "1/4", "3.3.1.b": 100, "3.3.2.a": "1.594",
                "3.3.2.b": 150, "5.1.1": 0.5, "7.2.4.a": 46065, "7.2.4.b": 30, "2.1": 4,
            })
            notes = {"1.1": "Văn bản số 12/KH-UBND", "4.5.1": "Theo Quyết định giao biên chế năm 2024"}
        data = Filler(f.path.read_bytes(), layout).fill(values, notes)
        if f.unit.code == "X0105":
            data = hostile.formula_replaced(data, a1(layout["7.2.3"].r, COL_VALUE), 99)
            data = hostile.remove_sheet_protection(data)
            data = hostile.edit_label(data, a1(layout["2.1"].r, COL_LABEL), "Số văn bản đã ban hành (sửa)")
        (out / f.path.name).write_bytes(data)
    checked = cx.check(out, catalog, level="xa", period=PERIOD, units=units, unit="H01", workers=0)
    ret = next(r for r in checked.returns() if r.unit == "X0105")
    (template,) = [f.path for f in files if f.unit is not None and f.unit.code == "X0105"]
    feedback = base / "phan_hoi" / Path(ret.path).name
    feedback.parent.mkdir()
    feedback.write_bytes(feedback_workbook(catalog, ret, password=PASSWORD, generated_at=GENERATED, office=OFFICE))
    return Case(
        catalog, layout, ret, template, feedback,
        blank_fixes={"1.1": 3, "3.3.1.a": 120, "2.1": 4},
        value_fixes={"1.2.2": 6, "5.1.1": 50, "7.2.4.a": 160, "3.3.2.a": 1594},
        expected_codes={
            "negative", "rule", "date-value", "text-number", "percent-fraction", "outlier",
            "label-changed", "formula-replaced", "protection-removed",
        },
    )


SO_VALUES: dict[str, object] = {
    "BM1.4.1": 8, "BM1.4.2": 87.5, "BM1.6": "Có", "BM1.6.2": "Phát phiếu", "BM1.7": "Không", "BM4.1.1": 100,
    "BM6.1.1": 1250.75, "BM6.1.2": 0.5, "BM7.1": "Hoàn thành", "BM7.2": "2 cấp", "BM7.3": 33.33, "BM7.4": "Đang làm",
    "BM1.5.1": 5, "BM1.5.2": 3,
}


@pytest.fixture(scope="module")
def department(tmp_path_factory: pytest.TempPathFactory) -> Case:
    """Sở Nội vụ (S01) on the seven-sheet form, with: a percentage over 100 on
    Biểu mẫu 1 (left out), an answer not in the list (BM1.6.2, left out), more
    dossiers on time than settled on Biểu mẫu 3 (a rule), a date-like text on
    Biểu mẫu 7, and the label of BM3.1.2 edited (its cell named without its
    sheet, found by its indicator)."""
    base = tmp_path_factory.mktemp("feedback_department")
    catalog = cx.load_catalog(SO_CATALOG)
    units = cx.load_units(UNITS, catalog)
    layout = build_layout(catalog, "so")
    (f,) = [g for g in cx.generate(catalog, "so", PERIOD, base / "templates", units) if g.unit and g.unit.code == "S01"]
    values = dict(SO_VALUES)
    values.update({"BM1.4.2": 187.5, "BM1.6.2": "Gửi thư", "BM3.3.1.a": 10, "BM3.3.1.b": 50, "BM7.6.7.1": "1/4", "BM3.1.2": 2})
    data = Filler(f.path.read_bytes(), layout).fill(values, {"BM6.1.1": "Kinh phí năm 2024"})
    label_ref = a1(layout["BM3.1.2"].r, COL_LABEL)
    data = hostile.openpyxl_edit(data, lambda wb: wb["Biểu mẫu 3"].__setitem__(label_ref, "Số TTHC mới (sửa)"))
    path = base / "nop_ve" / f.path.name
    path.parent.mkdir()
    path.write_bytes(data)
    ret = only_return(check_one(path, catalog, "so"))
    feedback = base / "phan_hoi" / f.path.name
    feedback.parent.mkdir()
    feedback.write_bytes(feedback_workbook(catalog, ret, password=PASSWORD, generated_at=GENERATED))
    return Case(
        catalog, layout, ret, f.path, feedback,
        blank_fixes={"BM1.4.2": 87.5, "BM1.6.2": "Phát phiếu", "BM7.6.7.1": 40, "BM3.1.2": 2},
        value_fixes={"BM3.3.1.b": 9},
        expected_codes={"out-of-range", "invalid-choice", "rule", "date-value", "label-changed"},
    )


@pytest.fixture(params=["commune", "department"])
def case(request: pytest.FixtureRequest) -> Case:
    return request.getfixturevalue(request.param)


# --------------------------------------------------------------------------- reading the feedback workbook


def feedback_rows(path: Path) -> tuple[Any, list[dict[str, Any]]]:
    """The ``Phản hồi`` sheet and its table, one dict per issue (with the Ô cell's hyperlink)."""
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    header = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "STT")
    assert [ws.cell(header, c).value for c in range(1, len(COLUMNS) + 1)] == COLUMNS
    rows = []
    for r in range(header + 1, ws.max_row + 1):
        if not isinstance(ws.cell(r, 1).value, int):
            continue
        row = {h: ws.cell(r, c).value for c, h in enumerate(COLUMNS, start=1)}
        link = ws.cell(r, 2).hyperlink
        row["link"] = link.location if link is not None else None
        rows.append(row)
    return ws, rows


def listed(ret: Return) -> list[Issue]:
    return [i for i in ret.issues if i.severity in ("error", "warning")]


def form_cell(case: Case, code: str, col: int = COL_VALUE) -> Any:
    wb = openpyxl.load_workbook(case.feedback)
    rl = case.layout[code]
    return wb[case.layout.sheets[rl.sheet].name][a1(rl.r, col)]


def cell_of(case: Case, i: Issue) -> tuple[str, str] | None:
    """(sheet, A1) of an issue on the form: its cell, on its indicator's sheet when unnamed."""
    if i.cell is None:
        return None
    sheet, sep, ref = i.cell.rpartition("!")
    if sep:
        return sheet.strip("'"), ref
    if i.indicator is not None:
        return case.layout.sheets[case.layout[i.indicator].sheet].name, ref
    return case.layout.sheets[0].name, ref


# --------------------------------------------------------------------------- tests


def test_the_returns_have_the_mistakes_the_tests_need(case: Case) -> None:
    assert {str(i.code) for i in case.ret.issues} >= case.expected_codes
    for code in case.blank_fixes:
        assert code not in case.ret.values  # left out by the reader


def test_the_feedback_sheet_comes_first_and_lists_every_error_and_warning(case: Case) -> None:
    wb = openpyxl.load_workbook(case.feedback)
    assert wb.sheetnames == [FEEDBACK_SHEET, *(s.name for s in case.layout.sheets), META_SHEET]
    ws, rows = feedback_rows(case.feedback)
    issues = listed(case.ret)
    assert len(rows) == len(issues) > 0
    assert [r["STT"] for r in rows] == list(range(1, len(rows) + 1))
    for i in issues:
        (row,) = [r for r in rows if r["Nội dung"] == i.message]
        assert row["Mức độ"] == {"error": "Lỗi", "warning": "Cảnh báo"}[i.severity]
        assert row["Mã chỉ tiêu"] == (i.indicator or None)
        if i.indicator:
            assert row["Chỉ tiêu"] == case.catalog.row(i.indicator).label
        assert row["Cần làm"] == TODO.get(i.code, DEFAULT_TODO)
        where = cell_of(case, i)
        if where is None:
            assert row["Ô"] == "(cả tệp)" and row["link"] is None
        else:
            sheet, ref = where
            assert row["Ô"] == (ref if len(case.layout.sheets) == 1 else f"{ref} ({sheet})")
            assert row["link"] == f"'{sheet}'!{ref}"
    # the heading names the unit, the form and the period, and says what to do
    head = "\n".join(str(ws.cell(r, 1).value) for r in range(1, 9) if ws.cell(r, 1).value)
    assert case.ret.unit_name and case.ret.unit_name in head
    assert case.catalog.title in head and cx.parse_period(PERIOD).label in head
    # the file's name, with an invisible break of LibreOffice's “_xa_” escape
    assert f"Tệp nhận được: {Path(case.ret.path).name} — ngày lập phiếu: 10/04/2024" in head.replace("\u200b", "")
    assert "sửa các ô được tô màu" in head and "gửi lại chính tệp này" in head
    assert "Không đổi tên trang" in head and "không thêm, xóa" in head
    assert ws.protection.sheet  # read-only, as the form
    for sl in case.layout.sheets:
        assert wb[sl.name].protection.sheet


def test_the_list_is_in_the_order_of_the_form_with_file_wide_issues_first(commune: Case) -> None:
    _ws, rows = feedback_rows(commune.feedback)
    assert rows[0]["Ô"] == "(cả tệp)" and rows[0]["Nội dung"].startswith("Trang “Phụ lục” đã bị gỡ khóa")
    placed = [int(r["Ô"][1:]) for r in rows[1:]]
    assert placed == sorted(placed)
    by_code = {r["Mã chỉ tiêu"]: r for r in rows}
    assert by_code["3.3.2.a"]["Giá trị đã nhận"] == "1594"  # what the reader made of “1.594”
    assert by_code["1.1"]["Giá trị đã nhận"].startswith("(không dùng được")  # -3: left out
    assert by_code["5.1.1"]["Giá trị đã nhận"] == "0,5"


def test_each_cell_with_a_problem_is_red_or_yellow_with_its_messages(case: Case) -> None:
    wb = openpyxl.load_workbook(case.feedback)
    for i in listed(case.ret):
        where = cell_of(case, i)
        if where is None:
            continue
        cell = wb[where[0]][where[1]]
        worst = {j.severity for j in listed(case.ret) if cell_of(case, j) == where}
        assert cell.fill.fgColor.rgb.endswith(RED if "error" in worst else YELLOW), (where, i)
        assert cell.comment is not None and i.message in cell.comment.text
        assert TODO.get(i.code, DEFAULT_TODO) in cell.comment.text
    # every comment is where an issue is (or on the value cell or rule partner of one)
    commented = {(ws.title, c.coordinate) for ws in wb.worksheets[1:] for row in ws.iter_rows() for c in row if c.comment}
    expected = {cell_of(case, i) for i in listed(case.ret)} - {None}
    partners = set()
    for i in listed(case.ret):
        if i.indicator and i.indicator in case.layout and (i.code == IssueCode.RULE or i.indicator not in case.ret.values):
            rule = next((r for r in case.layout.rules if r.id == i.rule), None)
            for code in {i.indicator, *(rule.refs if rule else ())}:
                rl = case.layout[code]
                if rl.is_input:
                    partners.add((case.layout.sheets[rl.sheet].name, a1(rl.r, COL_VALUE)))
    assert expected <= commented <= expected | partners


def test_the_form_sheets_are_the_template_the_unit_was_sent(case: Case) -> None:
    """Same identity (but the time it was made), same sheets, captions, codes,
    labels, units, formulas, validations, highlights and protection."""
    sent, back = case.template.read_bytes(), case.feedback.read_bytes()
    meta_sent, meta_back = read_meta(Package(sent)), read_meta(Package(back))
    assert meta_sent is not None and meta_back is not None
    assert meta_back.pop("generated_at") == GENERATED
    meta_sent.pop("generated_at")
    assert meta_back == meta_sent
    a, b = openpyxl.load_workbook(io.BytesIO(sent)), openpyxl.load_workbook(io.BytesIO(back))
    for sl in case.layout.sheets:
        wa, wb_ = a[sl.name], b[sl.name]
        for r in range(1, sl.last_row + 2):
            for col in "ABCF":
                assert wb_[f"{col}{r}"].value == wa[f"{col}{r}"].value, (sl.name, col, r)
            if wa[f"D{r}"].data_type == "f":  # ratios and sums, and the status line
                assert wb_[f"D{r}"].value == wa[f"D{r}"].value
        assert [str(v.sqref) for v in wb_.data_validations.dataValidation] == [
            str(v.sqref) for v in wa.data_validations.dataValidation
        ]
        assert [str(cf.sqref) for cf in wb_.conditional_formatting] == [str(cf.sqref) for cf in wa.conditional_formatting]
        assert wb_.protection.sheet and wb_.protection.password == wa.protection.password
        assert sorted(b.defined_names) == sorted(a.defined_names)


def test_a_clean_input_cell_keeps_the_template_look(commune: Case) -> None:
    cell = form_cell(commune, "1.4.1")
    assert cell.comment is None and cell.fill.fgColor.rgb.endswith(INPUT_FILL[1:])
    assert cell.protection.locked is False


def test_values_in_error_must_be_typed_again_and_the_others_are_written_back(commune: Case) -> None:
    # negative, a date-like text, under an edited label, a number typed as text: returned
    # unchanged, the workbook must not pass as clean, so the cell holds a marker the reader refuses
    for code in ("1.1", "3.3.1.a", "2.1", "3.3.2.a"):
        cell = form_cell(commune, code)
        assert cell.value == REENTER
        assert cell.fill.fgColor.rgb.endswith(RED) and cell.comment is not None
        assert cell.protection.locked is False  # still typed into
    assert form_cell(commune, "1.2.2").value == 50
    # both sides of the broken rule are marked: either may be the wrong one
    other = form_cell(commune, "1.2.1")
    assert other.value == 10 and other.fill.fgColor.rgb.endswith(RED)
    assert other.comment is not None and "cùng quy tắc với ô D13" in other.comment.text
    # the edited label is the catalogue's again, marked; the replaced formula is a formula again
    label = form_cell(commune, "2.1", COL_LABEL)
    assert label.value == commune.catalog.row("2.1").label and label.fill.fgColor.rgb.endswith(RED)
    ratio = form_cell(commune, "7.2.3")
    assert str(ratio.value).startswith("=") and ratio.protection.locked is not False
    assert ratio.fill.fgColor.rgb.endswith(RED) and ratio.comment is not None
    # the notes came back
    assert form_cell(commune, "4.5.1", 4).value == "Theo Quyết định giao biên chế năm 2024"


def test_it_reads_back_as_the_same_units_return_with_the_same_values(case: Case) -> None:
    level = case.ret.level
    assert level is not None
    back = only_return(check_one(case.feedback, case.catalog, level))
    assert (back.unit, back.unit_name, back.level, back.period, back.kind) == (
        case.ret.unit, case.ret.unit_name, case.ret.level, case.ret.period, "template",
    )
    # values in error come back as a marker to type over (refused again: not a number);
    # every other value comes back as read
    reenter = {i.indicator for i in case.ret.issues if i.severity == "error" and i.code in REENTER_CODES}
    assert {k: v for k, v in back.values.items()} == {
        k: v for k, v in case.ret.values.items() if k in back.values
    }
    lost = set(case.ret.values) - set(back.values)
    assert all(k in reenter or case.catalog.row(k).type == "ratio" for k in lost), lost
    marked = {i.indicator for i in back.issues if i.severity == "error" and str(i.code) in ("not-a-number", "invalid-choice")}
    assert marked == {k for k in reenter if case.catalog.row(k).is_input and case.catalog.row(k).type != "text"}
    assert dict(back.notes) == dict(case.ret.notes)
    # what the unit has to correct is still there; what the copy repaired is gone
    left = {str(i.code) for i in back.issues}
    assert "rule" in left
    assert not left & {"label-changed", "formula-replaced", "protection-removed", "layout-changed", "metadata-missing"}


def test_corrected_it_reads_with_no_error(case: Case, tmp_path: Path) -> None:
    path = tmp_path / case.feedback.name
    path.write_bytes(correct(case, case.feedback.read_bytes()))
    level = case.ret.level
    assert level is not None
    back = only_return(check_one(path, case.catalog, level))
    assert [i for i in back.issues if i.severity == "error"] == []
    assert [i for i in back.issues if i.severity == "warning"] == []
    for code, value in {**case.blank_fixes, **case.value_fixes}.items():
        labels = {o.label: o.value for o in case.catalog.row(code).options}
        assert back.values[code] == labels.get(str(value), value), code
    untouched = set(case.ret.values) - set(case.blank_fixes) - set(case.value_fixes)
    derived = {c for c in untouched if not case.layout[c].is_input}
    assert {c: back.values.get(c) for c in untouched - derived} == {c: case.ret.values[c] for c in untouched - derived}


def test_cells_named_with_a_quoted_sheet_and_cells_off_the_form_are_listed(department: Case, tmp_path: Path) -> None:
    extra = (
        issue(IssueCode.OUTLIER, "Ô 'Biểu mẫu 4'!D10: khác xa.", indicator="BM4.1.1", cell="'Biểu mẫu 4'!D10"),
        issue(IssueCode.CELL_OUT_OF_BOUNDS, "Có dữ liệu ngoài vùng biểu ở trang “Biểu mẫu 2” (H200).", cell="H200"),
        issue(IssueCode.PERCENT_FORMAT, "Ô D11: 0,3333 định dạng % được đọc là 33,33.", indicator="BM7.3", cell="Biểu mẫu 7!D11"),
    )
    ret = dataclasses.replace(department.ret, issues=department.ret.issues + extra)
    path = tmp_path / "fb.xlsx"
    path.write_bytes(feedback_workbook(department.catalog, ret, password=PASSWORD, generated_at=GENERATED))
    _ws, rows = feedback_rows(path)
    texts = [r["Nội dung"] for r in rows]
    assert extra[0].message in texts and extra[1].message in texts
    assert extra[2].message not in texts  # info: nothing to do
    (far,) = [r for r in rows if r["Nội dung"] == extra[0].message]
    assert far["Ô"] == "D10 (Biểu mẫu 4)" and far["link"] == "'Biểu mẫu 4'!D10"
    (off,) = [r for r in rows if r["Nội dung"] == extra[1].message]
    assert off["Ô"] == "H200" and off["link"] is None
    cell = openpyxl.load_workbook(path)["Biểu mẫu 4"]["D10"]
    assert cell.fill.fgColor.rgb.endswith(YELLOW) and cell.comment is not None
    assert "Biểu mẫu 7" in openpyxl.load_workbook(path).sheetnames
    assert openpyxl.load_workbook(path)["Biểu mẫu 7"]["D11"].comment is None


def test_a_table_copied_into_a_new_workbook_is_marked_where_its_rows_are_in_the_form(tmp_path: Path) -> None:
    """A recovered return names the cells of the copy (three rows lower here):
    the feedback workbook marks the form's own cells of those rows."""
    catalog = cx.load_catalog()
    units = cx.load_units(UNITS, catalog)
    layout = build_layout(catalog, "xa")
    (f,) = [g for g in cx.generate(catalog, "xa", PERIOD, tmp_path / "t", units) if g.unit and g.unit.code == "X0106"]
    assert f.unit is not None
    values: dict[str, object] = {"1.1": -3, "1.2.1": 10, "1.2.2": 50, "3.3.1.a": 165, "3.3.1.b": 160}
    data = hostile.copy_to_new_workbook(Filler(f.path.read_bytes(), layout).fill(values), offset=3, preamble=f.unit.name)
    path = tmp_path / "nop_ve" / f.path.name
    path.parent.mkdir()
    path.write_bytes(data)
    ret = only_return(check_one(path, catalog, "xa"))
    assert ret.kind == "recovered" and ret.unit == "X0106"
    assert {i.cell for i in ret.issues if i.indicator == "1.1"} == {"D13"}  # the copy's cell
    fb = tmp_path / "phan_hoi.xlsx"
    fb.write_bytes(feedback_workbook(catalog, ret, password=PASSWORD, generated_at=GENERATED))
    _ws, rows = feedback_rows(fb)
    (negative,) = [r for r in rows if r["Mã chỉ tiêu"] == "1.1"]
    assert negative["Ô"] == "D10 (tệp gửi về: D13)" and negative["link"] == "'Phụ lục'!D10"
    form = openpyxl.load_workbook(fb)["Phụ lục"]
    for ref in ("D10", "D12", "D13"):  # 1.1, and both sides of 1.2.2 <= 1.2.1
        assert form[ref].fill.fgColor.rgb.endswith(RED) and form[ref].comment is not None, ref
    assert form["D16"].comment is None  # the copy's D13 is 1.4.2 in the form
    back = only_return(check_one(fb, catalog, "xa"))
    assert (back.kind, back.unit) == ("template", "X0106")
    assert dict(back.values) == dict(ret.values)


def test_a_return_without_problems_gives_a_workbook_that_says_so(commune: Case, tmp_path: Path) -> None:
    ret = dataclasses.replace(commune.ret, issues=())
    path = tmp_path / "clean.xlsx"
    path.write_bytes(feedback_workbook(commune.catalog, ret, password=PASSWORD, generated_at=GENERATED))
    ws, rows = feedback_rows(path)
    assert rows == []
    texts = [str(c.value) for row in ws.iter_rows() for c in row if c.value]
    assert "Không có lỗi hay cảnh báo nào." in texts
    assert "Số liệu gửi về không có lỗi hay cảnh báo nào." in texts
    wb = openpyxl.load_workbook(path)
    assert not any(c.comment for ws in wb.worksheets[1:] for row in ws.iter_rows() for c in row)
    back = only_return(check_one(path, commune.catalog, "xa"))
    assert dict(back.values) == dict(commune.ret.values)


def test_the_register_name_may_stand_for_the_name_as_written(commune: Case, tmp_path: Path) -> None:
    ret = dataclasses.replace(commune.ret, unit_name="xa binh trung")  # as typed in a generic template
    path = tmp_path / "named.xlsx"
    path.write_bytes(
        feedback_workbook(commune.catalog, ret, password=PASSWORD, generated_at=GENERATED, unit_name="Xã Bình Trung")
    )
    wb = openpyxl.load_workbook(path)
    assert wb.worksheets[1]["A1"].value == "UBND XÃ BÌNH TRUNG"
    assert any("Đơn vị: Xã Bình Trung (mã X0105)" in str(c.value) for row in wb.worksheets[0].iter_rows() for c in row)
    back = only_return(check_one(path, commune.catalog, "xa"))
    assert (back.unit, back.unit_name) == ("X0105", "Xã Bình Trung")


@pytest.mark.parametrize(
    ("change", "option"),
    [({"unit": None}, "units"), ({"period": None}, "period"), ({"level": "huyen-moi"}, None), ({"kind": "consolidated"}, "level")],
)
def test_a_return_that_does_not_say_whose_it_is_is_refused(commune: Case, change: Mapping[str, Any], option: str | None) -> None:
    with pytest.raises(UsageError) as err:
        feedback_workbook(commune.catalog, dataclasses.replace(commune.ret, **change), password=PASSWORD, generated_at=GENERATED)
    assert err.value.option == option


def test_every_todo_is_vietnamese_text_for_a_known_code() -> None:
    assert all(isinstance(code, IssueCode) and text.strip() for code, text in TODO.items())
    assert DEFAULT_TODO.strip()


def test_libreoffice_keeps_it_a_return_and_its_checks_count_what_is_left(
    commune: Case, department: Case, tmp_path: Path
) -> None:
    """Opened and saved by LibreOffice, the feedback workbook is still each unit's
    return, with the same values and comments; recalculated, the form's status
    cell counts the errors left, and after correction says there are none."""
    require_soffice()
    cases = [commune, department]
    corrected = []
    for c in cases:
        p = tmp_path / "corrected" / f"sua_{c.feedback.name}"
        p.parent.mkdir(exist_ok=True)
        p.write_bytes(correct(c, c.feedback.read_bytes()))
        corrected.append(p)
    resaved = resave_all([c.feedback for c in cases], tmp_path / "resaved")
    for c, path in zip(cases, resaved):
        level = c.ret.level
        assert level is not None
        back = only_return(check_one(path, c.catalog, level))
        assert (back.unit, back.period, back.kind) == (c.ret.unit, c.ret.period, "template")
        assert dict(back.values) == {k: v for k, v in c.ret.values.items() if k in back.values}
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames[0] == FEEDBACK_SHEET
        # “2024-Q1_xa_X0105_….xlsx” was not read as “2024-Q1” + line break + “X0105_…”
        texts = [str(cell.value) for row in wb.worksheets[0].iter_rows() for cell in row if cell.value]
        assert any(Path(c.ret.path).name in t.replace("\u200b", "") for t in texts)
        assert not any("\n" in t for t in texts)
        for i in listed(c.ret):
            where = cell_of(c, i)
            if where is not None:
                comment = wb[where[0]][where[1]].comment
                assert comment is not None and i.message in comment.text
    recalculated = recalculate([*(c.feedback for c in cases), *corrected], tmp_path / "recalculated")
    for path, clean in zip(recalculated, [False] * len(cases) + [True] * len(cases)):
        wb = openpyxl.load_workbook(path, data_only=True)
        status = str(wb.worksheets[1][a1(ROW_STATUS, COL_VALUE)].value)
        if clean:
            assert status == "Không có lỗi", path.name
        else:
            assert status.startswith("Còn ") and "lỗi" in status, (path.name, status)


def test_the_template_writer_is_unchanged_without_the_new_arguments(commune: Case) -> None:
    """The feedback writer's hooks in ``render_template`` leave every other workbook as it was."""
    from cchc_xlsx.write.template import render_template

    period = cx.parse_period(PERIOD)
    plain = render_template(commune.layout, period, unit_name="Xã A", unit_code="X1", unit_level="xa", generated_at=GENERATED, password=PASSWORD)
    empty = render_template(
        commune.layout, period, unit_name="Xã A", unit_code="X1", unit_level="xa", generated_at=GENERATED, password=PASSWORD,
        notes={}, marks={}, front_sheet=None,
    )
    assert plain == empty
    with pytest.raises(ValueError):
        from cchc_xlsx.write.template import CellMark

        render_template(
            commune.layout, period, unit_name="Xã A", unit_code="X1", unit_level="xa", generated_at=GENERATED,
            password=PASSWORD, marks={(0, 0, 1): CellMark("#FFC7CE")},
        )
    wb = openpyxl.load_workbook(io.BytesIO(plain))
    assert wb.sheetnames[0] == commune.layout.sheets[0].name
