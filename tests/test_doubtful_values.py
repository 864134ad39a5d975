"""Doubtful figures never reach a total, or a level above, without a visible sign.

Found by trying to make the tool add up a wrong number quietly: a value the
reader had to leave out, a weighted mean whose weight is blank or unreadable,
a ratio whose parts no longer come from the same units, an own form pre-filled
from such a total, a district appendix carrying red cells up to the province,
a unit's cell changed by hand in an appendix, ``1_000`` in a cell, and warnings
that only the Kiểm tra sheet showed. Each case below is one commune of huyện
Chợ Đồn (H01) with one mistake; huyện Bạch Thông (H02) is clean.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from cchc_xlsx import consolidate, generate, load_catalog, load_units
from cchc_xlsx.cli import main
from cchc_xlsx.demo import example_values
from cchc_xlsx.layout.form import FIRST_DATA_ROW, ROW_WINDOW, build_layout
from cchc_xlsx.layout.summary import COL_TOTAL, FIRST_UNIT_COL, SUMMARY_SHEET
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.resources import example_path
from cchc_xlsx.testing import Filler
from tests import hostile

PERIOD = "2024-Q1"
RED, YELLOW = "FFC7CE", "FFEB9C"
UNITS = example_path("units_cho_don.csv")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Filled returns of H01's twenty and H02's four communes, with one mistake
    per commune X0105…X0109 (see each test)."""
    base = tmp_path_factory.mktemp("doubtful")
    catalog = load_catalog()
    units = load_units(UNITS, catalog)
    layout = build_layout(catalog, "xa")
    files = generate(catalog, "xa", PERIOD, base / "templates", units, generated_at="2024-04-01T00:00:00+00:00")
    seed = yaml.safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    for f in files:
        assert f.unit is not None
        values = example_values(catalog, layout, f.unit.code, seed)
        values["7.2.1.c"] = min(values.get("7.2.1.c", 0), values.get("7.2.1.b", 0))  # the seed's own error, made right
        code = f.unit.code
        if code == "X0105":
            values["3.3.1.a"] = "1/4"  # a date: left out by the reader
        if code == "X0106":
            values.pop("4.5.2", None)  # 5.1.1 typed, its weight blank
        if code == "X0107":
            values["4.5.2"] = "1/4"  # the weight unreadable
        if code == "X0108":
            values["5.1.1"] = "0,5%"  # half a percent, said so: no "did you mean 50 %?"
        data = Filler(f.path.read_bytes(), layout).fill(values)
        if code == "X0109":
            data = hostile.set_cell(data, "D10", "<v>1_000</v>")  # 1.1: not 1000 for any spreadsheet
        folder = base / "nop_ve" / (f.unit.parent or "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f.path.name).write_bytes(data)
    return base


def district(base: Path, code: str, **kw: Any) -> Any:
    out = base / "huyen"
    out.mkdir(exist_ok=True)
    return consolidate(
        base / "nop_ve" / code, None, out / f"{code}.xlsx", level="xa", period=PERIOD, units=UNITS, unit=code,
        json_path=base / f"{code}.json", workers=0, force=True, **kw,
    )


@pytest.fixture(scope="module")
def h01(base: Path) -> Any:
    return district(base, "H01")


@pytest.fixture(scope="module")
def province(base: Path, h01: Any) -> Any:
    district(base, "H02")
    return consolidate(
        base / "huyen", None, base / "tinh.xlsx", level="huyen", period=PERIOD, units=UNITS, unit="T11",
        json_path=base / "tinh.json", workers=0, force=True,
    )


def cell(res: Any, code: str, unit: str | None) -> Any:
    ws = openpyxl.load_workbook(res.out)[SUMMARY_SHEET]
    r = FIRST_DATA_ROW + [rl.code for rl in res.layout.rows].index(code) + 1
    if unit is None:
        return ws.cell(r, COL_TOTAL + 1)
    return ws.cell(r, FIRST_UNIT_COL + [c.code for c in res.columns].index(unit) + 1)


def issues_of(res: Any, unit: str) -> list[tuple[str, str | None, str]]:
    f = next(f for f in res.batch.files.iter() if f.unit == unit)
    return [(str(i.code), i.indicator, i.severity) for i in f.issues]


def title(res: Any) -> str:
    return str(openpyxl.load_workbook(res.out)[SUMMARY_SHEET].cell(ROW_WINDOW + 1, 1).value)


def test_a_value_left_out_is_a_red_mark_not_a_blank(h01: Any) -> None:
    assert ("date-value", "3.3.1.a", "error") in issues_of(h01, "X0105")
    left = cell(h01, "3.3.1.a", "X0105")
    assert left.value == "(không cộng)" and left.fill.fgColor.rgb.endswith(RED)
    assert left.comment is not None and "1/4" in left.comment.text
    assert "KHÔNG CỘNG ĐƯỢC (ô đỏ)" in title(h01)
    report = json.loads((Path(h01.out).parent.parent / "H01.json").read_text("utf-8"))
    assert "X0105" in report["totals_flagged"]["3.3.1.a"]["excluded"]


def test_a_ratio_s_other_part_is_marked_when_one_part_is_left_out(h01: Any) -> None:
    """3.3.1 = 3.3.1.b / 3.3.1.a: X0105's 3.3.1.b without its 3.3.1.a would mix two sets of units."""
    col = next(c for c in h01.columns if c.code == "X0105")
    assert "3.3.1.b" in col.flagged and "3.3.1.a" in col.left_out
    assert cell(h01, "3.3.1.b", "X0105").fill.fgColor.rgb.endswith(RED)
    assert "X0105" in h01.flagged_totals["3.3.1"]
    total = cell(h01, "3.3.1", None)
    assert total.comment is not None and "Xã" in total.comment.text


def test_exclude_errors_keeps_a_ratio_s_parts_on_the_same_units(base: Path, h01: Any) -> None:
    x = district(base, "H01", exclude_errors=True)
    mine = x.columns[[c.code for c in x.columns].index("X0105")]
    values = x.values_of(mine)[0]
    assert x.totals["3.3.1.b"] == h01.totals["3.3.1.b"] - values["3.3.1.b"]
    assert x.totals["3.3.1"] == pytest.approx(x.totals["3.3.1.b"] / x.totals["3.3.1.a"] * 100)
    district(base, "H01")  # the included book back, for the province


def test_a_weighted_figure_without_its_weight_is_an_error_not_a_silent_drop(h01: Any) -> None:
    assert ("weight-missing", "5.1.1", "error") in issues_of(h01, "X0106")
    assert cell(h01, "5.1.1", "X0106").fill.fgColor.rgb.endswith(RED)
    assert "X0106" in h01.flagged_totals["5.1.1"]


def test_an_unreadable_weight_marks_the_mean_it_weighs(h01: Any) -> None:
    assert ("date-value", "4.5.2", "error") in issues_of(h01, "X0107")
    col = next(c for c in h01.columns if c.code == "X0107")
    assert "5.1.1" in col.flagged and "trọng số 4.5.2" in col.flagged["5.1.1"]
    assert "X0107" in h01.flagged_totals["5.1.1"]


def test_a_percent_typed_with_its_sign_is_not_asked_about(h01: Any) -> None:
    found = issues_of(h01, "X0108")
    assert ("text-number", "5.1.1", "error") in found
    assert not [i for i in found if i[0] == "percent-fraction"]


def test_an_underscore_is_not_a_thousands_separator(h01: Any) -> None:
    """Python's float() reads "1_000" as 1000; no spreadsheet does (LibreOffice and Gnumeric read 1)."""
    found = issues_of(h01, "X0109")
    assert ("not-a-number", "1.1", "error") in found
    col = next(c for c in h01.columns if c.code == "X0109")
    assert "1.1" in col.left_out


def test_warnings_are_yellow_where_the_numbers_are(h01: Any) -> None:
    doubtful = [(c.code, code) for c in h01.columns for code in c.doubtful]
    assert doubtful, "the seeded figures give no warning at all"
    unit, code = doubtful[0]
    c = cell(h01, code, unit)
    assert c.fill.fgColor.rgb.endswith(YELLOW)
    assert c.comment is not None and c.comment.text.startswith("Cần xem lại:")
    assert f"{h01.doubtful_values} giá trị cần xem lại (ô vàng)" in title(h01)


def test_the_own_form_is_not_pre_filled_from_a_doubtful_total(base: Path, h01: Any, capsys: pytest.CaptureFixture[str]) -> None:
    own = base / "own.xlsx"
    code = main(["consolidate", str(base / "nop_ve" / "H01"), "--level", "xa", "--period", PERIOD, "--units", str(UNITS),
                 "--unit", "H01", "--out", str(base / "own_tong_hop.xlsx"), "--own-form", str(own)])
    out = capsys.readouterr().out
    assert code == 1
    assert "Chưa điền sẵn chỉ tiêu 3.3.2.a" in out and "Chưa điền sẵn chỉ tiêu 3.3.2.b" in out
    back = read_workbook(str(own), load_catalog())
    assert back.status == "accepted"
    assert "3.3.2.a" not in back.values and "3.3.2.b" not in back.values


def test_red_cells_of_a_district_are_red_at_the_province(province: Any) -> None:
    found = issues_of(province, "H01")
    marked = {ind for code, ind, sev in found if code == "source-row-errors" and sev == "error"}
    assert {"3.3.1.a", "3.3.1", "5.1.1"} <= marked
    assert cell(province, "5.1.1", "H01").fill.fgColor.rgb.endswith(RED)
    assert province.flagged_totals["5.1.1"] == ["H01"]
    assert not [i for i in issues_of(province, "H02") if i[2] == "error"]
    assert province.exit_code == 1


def test_a_unit_cell_changed_by_hand_in_an_appendix_is_caught_one_level_up(base: Path, h01: Any) -> None:
    book = Path(h01.out)
    edited = base / "sua_tay" / book.name
    edited.parent.mkdir(exist_ok=True)

    def change(wb: openpyxl.Workbook) -> None:  # a program that does not recalculate
        ws = wb[SUMMARY_SHEET]
        r = FIRST_DATA_ROW + [rl.code for rl in h01.layout.rows].index("1.1") + 1
        c = ws.cell(r, FIRST_UNIT_COL + 1)
        c.value = (c.value or 0) + 1

    edited.write_bytes(hostile.openpyxl_edit(book.read_bytes(), change))
    r = read_workbook(str(edited), load_catalog())
    assert r.status == "accepted"
    assert [(str(i.code), i.indicator, i.severity) for i in r.issues if i.code == "summary-edited"] == [
        ("summary-edited", "1.1", "error")
    ]
    assert r.values["1.1"] == h01.totals["1.1"]  # the carried total is used
