"""Consolidation (issue 5): the summed appendix, its side sheets, the JSON/CSV
reports, the rules of the count and the roll-up one level up.

Returns are generated templates filled the way a commune fills them (labels
for Có/Không and choices), then consolidated. The totals of a small batch are
checked against numbers worked out by hand: xã Tân Lập's real figures (seed
000, examples/returns_seed000_tan_lap.yaml), xã Bản Thi's (chosen here, a
complete and rule-abiding return) and xã Bằng Lãng's (chosen here, a return
with most rows left blank).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from cchc_xlsx import Consolidation, consolidate, generate, load_catalog, load_units, parse_period
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.cli import main
from cchc_xlsx.demo import example_values
from cchc_xlsx.layout.form import (
    FIRST_DATA_ROW,
    ROW_HEAD1,
    ROW_HEAD2,
    ROW_STATUS,
    FormLayout,
    build_layout,
)
from cchc_xlsx.layout.meta import META_SHEET
from cchc_xlsx.layout.summary import ISSUES_SHEET, NOTES_SHEET, STATUS_SHEET, SUMMARY_SHEET
from cchc_xlsx.testing import fill_template
from cchc_xlsx.units import Units

ROOT = Path(__file__).resolve().parent.parent
UNITS_CSV = ROOT / "examples" / "units_cho_don.csv"
TAN_LAP_YAML = ROOT / "examples" / "returns_seed000_tan_lap.yaml"
PERIOD = "2024-Q1"
GENERATED_AT = "2024-04-01T00:00:00+00:00"
REL = 1e-12

# The three communes of the hand-computed batch, in an order that is NOT the
# order of their codes: the columns must follow the units file.
SMALL_UNITS = """code,name,level,parent
T11,Tỉnh Bắc Kạn,tinh,
H01,Huyện Chợ Đồn,huyen,T11
X0114,Xã Tân Lập,xa,H01
X0102,Xã Bản Thi,xa,H01
X0103,Xã Bằng Lãng,xa,H01
"""

# fmt: off
# xã Bản Thi: a complete return that breaks no rule.
BAN_THI: dict[str, Any] = {
    "1.1": 2,
    "1.2.1": 40, "1.2.2": 10,
    "1.4.1": 4, "1.4.2": 3, "1.4.3": 1, "1.4.4": 0,
    "1.5.1": 120, "1.5.2": "Phát phiếu", "1.6": "Có",
    "2.1": 1, "2.2": 0, "2.3.1": 2,
    "3.1.1": 0, "3.1.2": 1, "3.1.3": 0, "3.1.4": 120, "3.1.4.b": 120,
    "3.2.1": 3, "3.2.2": 50, "3.2.3": 1,
    "3.3.1.a": 200, "3.3.1.b": 190, "3.3.2.a": 200, "3.3.2.b": 190,
    "3.4.1": 2, "3.4.2": 2,
    "4.5.1": 10, "4.5.2": 8, "4.5.3": 1, "4.5.4": 0,
    "5.1.1": 75, "5.2.1": 1, "5.2.2": 2,
    "7.1.a": 80, "7.1.b": 60,
    "7.2.1.a": 20, "7.2.1.b": 10, "7.2.1.c": 5,
    "7.2.2.a": 40, "7.2.2.b": 30, "7.2.2.c": 10,
    "7.2.3.a": 40, "7.2.3.b": 35,
    "7.2.4.a": 300, "7.2.4.b": 60,
    "7.2.5.a": 5, "7.2.5.b": 2,
}
BAN_THI_NOTES = {"7.1.a": "Số liệu ước tính đến ngày 14/3"}
# xã Bằng Lãng: most rows blank; 5.1.1 typed without its weight 4.5.2, 7.1.a blank.
BANG_LANG: dict[str, Any] = {
    "1.1": 1, "1.2.1": 8, "1.2.2": 8,
    "1.5.2": "Phát phiếu", "1.6": "Có",
    "5.1.1": 50, "5.2.1": 4, "7.1.b": 100,
}
# fmt: on


def tan_lap_values() -> dict[str, Any]:
    return dict(yaml.safe_load(TAN_LAP_YAML.read_text("utf-8"))["values"])


# --------------------------------------------------------------------------- builders


def write_templates(catalog: Catalog, units: Units, period: str, out: Path) -> dict[str, bytes]:
    """Generate the communes' templates; ``{unit code: template bytes}``."""
    files = generate(catalog, "xa", parse_period(period), out, units, force=True, generated_at=GENERATED_AT)
    return {f.unit.code: f.path.read_bytes() for f in files if f.unit is not None}


def write_return(
    templates: Mapping[str, bytes],
    layout: FormLayout,
    code: str,
    values: Mapping[str, Any],
    dest: Path,
    name: str | None = None,
    notes: Mapping[str, str] | None = None,
) -> Path:
    """Fill ``code``'s template with ``values`` (as a commune types them) into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    path = dest / (name or f"{PERIOD}_xa_{code}.xlsx")
    path.write_bytes(fill_template(templates[code], layout, values, notes))
    return path


def rows_by_code(ws: Any) -> dict[str, int]:
    """Catalogue code → 1-based row of the summed appendix."""
    out: dict[str, int] = {}
    for r in range(FIRST_DATA_ROW + 1, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if isinstance(v, str) and v:
            out[v] = r
    return out


def title_block(ws: Any) -> str:
    """Every text of the title block (the rows above the table header)."""
    return "\n".join(
        str(c.value) for row in ws.iter_rows(min_row=1, max_row=ROW_HEAD1) for c in row if c.value not in (None, "")
    )


def table(ws: Any) -> list[list[Any]]:
    """A side sheet as rows of values (header first)."""
    return [list(r) for r in ws.iter_rows(values_only=True)]


def status_rows(ws: Any) -> dict[str, list[Any]]:
    """Status sheet rows of expected units, by unit code."""
    return {r[1]: r for r in table(ws)[1:] if r[0] not in (None, "")}


def load_json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text("utf-8"))


# --------------------------------------------------------------------------- shared data


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog(ROOT / "indicator_catalog.yaml")


@pytest.fixture(scope="module")
def layout(catalog: Catalog) -> FormLayout:
    return build_layout(catalog, "xa")


@pytest.fixture(scope="module")
def units(catalog: Catalog) -> Units:
    return load_units(UNITS_CSV, catalog.levels)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, units: Units) -> dict[str, bytes]:
    """The 24 communes' templates of examples/units_cho_don.csv for 2024-Q1."""
    return write_templates(catalog, units, PERIOD, tmp_path_factory.mktemp("templates"))


@dataclass
class Run:
    res: Consolidation
    out: Path
    json_path: Path
    csv_path: Path
    files: dict[str, Path]

    @property
    def report(self) -> dict[str, Any]:
        return load_json(self.json_path)

    def book(self, data_only: bool = False) -> Any:
        return openpyxl.load_workbook(self.out, data_only=data_only)


@pytest.fixture(scope="module")
def hand(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, layout: FormLayout) -> Run:
    """Tân Lập, Bản Thi and Bằng Lãng consolidated for huyện Chợ Đồn (a three-commune units file)."""
    tmp = tmp_path_factory.mktemp("hand")
    (tmp / "units.csv").write_text(SMALL_UNITS, encoding="utf-8")
    units = load_units(tmp / "units.csv", catalog.levels)
    tpl = write_templates(catalog, units, PERIOD, tmp / "templates")
    returns = tmp / "returns"
    files = {
        "X0114": write_return(tpl, layout, "X0114", tan_lap_values(), returns),
        "X0102": write_return(tpl, layout, "X0102", BAN_THI, returns, notes=BAN_THI_NOTES),
        "X0103": write_return(tpl, layout, "X0103", BANG_LANG, returns),
    }
    out = tmp / "H01.xlsx"
    res = consolidate(
        [returns], catalog, out, level="xa", period=PERIOD, units=units, unit="H01",
        json_path=tmp / "H01.json", csv_path=tmp / "H01.csv", workers=0,
    )
    return Run(res, out, tmp / "H01.json", tmp / "H01.csv", files)


# --------------------------------------------------------------------------- hand-computed totals


def test_tan_lap_figures_are_seed_000s():
    v = tan_lap_values()
    assert (v["1.2.1"], v["1.2.2"], v["1.5.2"], v["1.6"], v["5.1.1"], v["4.5.2"]) == (32, 6, "Trực tuyến", "Không", 100, 9)
    assert (v["7.1.a"], v["3.3.1.a"], v["3.3.1.b"], v["7.2.4.a"], v["7.2.4.b"]) == (95, 165, 165, 165, 36)


def test_counts_are_summed(hand: Run):
    t = hand.res.totals
    assert t["1.1"] == 6  # 3 + 2 + 1
    assert t["1.2.1"] == 80  # 32 + 40 + 8
    assert t["1.2.2"] == 24  # 6 + 10 + 8
    assert t["1.4.1"] == 10  # 6 + 4 (Bằng Lãng blank)
    assert t["3.3.1.a"] == 365  # 165 + 200
    assert t["7.2.4.b"] == 96  # 36 + 60
    assert t["5.2.1"] == 5  # (Tân Lập blank) + 1 + 4
    assert t["5.2.2"] == 2  # 2


def test_ratio_rows_are_summed_numerator_over_summed_denominator(hand: Run):
    t = hand.res.totals
    # (6 + 10 + 8) / (32 + 40 + 8) × 100 = 24 / 80 × 100; the mean of the units'
    # ratios (18.75 + 25 + 100) / 3 = 47.9… would be wrong
    assert t["1.2"] == pytest.approx(30.0, rel=REL)
    # (165 + 190) / (165 + 200) × 100 = 355 / 365 × 100
    assert t["3.3.1"] == pytest.approx(97.26027397260275, rel=REL)
    # (36 + 60) / (165 + 300) × 100 = 96 / 465 × 100
    assert t["7.2.4"] == pytest.approx(20.64516129032258, rel=REL)
    # (13 + 10) / (13 + 20) × 100 = 23 / 33 × 100
    assert t["7.2.1"] == pytest.approx(69.6969696969697, rel=REL)
    # (0 + 2) / (0 + 2) × 100: Tân Lập's own 3.4 is blank (0 / 0) but its 0s still add
    assert t["3.4"] == pytest.approx(100.0, rel=REL)
    # (0 + 2) / (0 + 5) × 100
    assert t["7.2.5"] == pytest.approx(40.0, rel=REL)
    # nobody filled 2.2.1.a/b: no ratio at all, not 0
    assert "2.2.1" not in t


def test_yes_no_row_counts_the_yes_answers(hand: Run):
    # 1.6: Tân Lập Không, Bản Thi Có, Bằng Lãng Có → 2 units said Có
    assert hand.res.totals["1.6"] == 2


def test_choice_row_counts_each_option(hand: Run):
    # 1.5.2: Trực tuyến (0) Tân Lập; Phát phiếu (1) Bản Thi and Bằng Lãng; Kết hợp (2) nobody
    assert hand.res.totals["1.5.2"] == {"0": 1, "1": 2, "2": 0}


def test_percent_without_weight_is_the_plain_mean_of_the_units_that_answered(hand: Run):
    t = hand.res.totals
    # 7.1.a: (95 + 80) / 2 — Bằng Lãng left it blank, so not / 3
    assert t["7.1.a"] == pytest.approx(87.5, rel=REL)
    # 7.1.b: (90 + 60 + 100) / 3 = 250 / 3
    assert t["7.1.b"] == pytest.approx(83.33333333333333, rel=REL)


def test_percent_with_a_weight_row_is_the_weighted_mean(hand: Run, catalog: Catalog):
    row = catalog.row("5.1.1")
    assert (row.agg, row.weight) == ("weighted_mean", "4.5.2")
    # 5.1.1 weighted by 4.5.2: (100 × 9 + 75 × 8) / (9 + 8) = 1500 / 17; Bằng Lãng's
    # 50 has no 4.5.2, so it has no weight (the plain mean would be 75) — not
    # silently: an error on its row, its cell red and the total marked
    assert hand.res.totals["5.1.1"] == pytest.approx(88.23529411764706, rel=REL)
    bang_lang = next(c for c in hand.res.columns if c.code == "X0103")
    assert "5.1.1" in bang_lang.flagged and "4.5.2" in bang_lang.flagged["5.1.1"]
    assert hand.res.flagged_totals["5.1.1"] == ["X0103"]


def test_sum_row_adds_its_terms(hand: Run):
    # 5.2 = 5.2.1 + 5.2.2 = (1 + 4) + 2
    assert hand.res.totals["5.2"] == 7


def test_every_count_total_is_the_sum_of_the_typed_figures(hand: Run, catalog: Catalog, layout: FormLayout):
    returns = [tan_lap_values(), BAN_THI, BANG_LANG]
    for rl in layout.rows:
        if rl.row.type != "count":
            continue
        typed = [r[rl.code] for r in returns if rl.code in r]
        if typed:
            assert hand.res.totals[rl.code] == sum(typed), rl.code
        else:
            assert rl.code not in hand.res.totals, rl.code


def test_json_totals_are_keyed_by_code_with_full_precision(hand: Run, catalog: Catalog):
    report = hand.report
    assert report["level"] == "xa" and report["period"] == PERIOD
    assert report["missing_units"] == []
    totals = report["totals"]
    assert totals == json.loads(json.dumps(hand.res.totals))
    assert totals["5.1.1"] == 1500 / 17  # full precision, not rounded for display
    assert totals["1.5.2"] == {"0": 1, "1": 2, "2": 0}
    assert all(catalog.has_row(code) and catalog.row(code).type not in ("heading", "text") for code in totals)
    assert [f["status"] for f in report["files"]] == ["accepted"] * 3
    for f in report["files"]:
        assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest()
        assert set(f) >= {"path", "unit", "status", "sha256", "issues"}


def test_exit_code_is_1_for_tan_laps_error_level_rule(hand: Run):
    # seed 000 prints 7.2.1.c = 33 > 7.2.1.b = 13: an error-level issue; Bằng Lãng
    # typed 5.1.1 without its weight 4.5.2 (it weighs nothing: an error too)
    issues = [(f.unit, i.code, i.indicator) for f in hand.res.batch.files for i in f.issues if i.severity == "error"]
    assert sorted(issues) == [("X0103", "weight-missing", "5.1.1"), ("X0114", "rule", "7.2.1.c")]
    assert hand.res.exit_code == 1


# --------------------------------------------------------------------------- the workbook


def test_sheets_and_metadata(hand: Run):
    wb = hand.book()
    assert wb.sheetnames[0] == SUMMARY_SHEET
    for name in (STATUS_SHEET, ISSUES_SHEET, NOTES_SHEET):
        assert wb[name].sheet_state == "visible"
    meta_ws = wb[META_SHEET]
    assert meta_ws.sheet_state == "veryHidden"
    meta = {r[0]: r[1] for r in meta_ws.iter_rows(values_only=True)}
    assert meta["kind"] == "consolidated"
    assert (meta["level"], meta["period"], meta["unit_code"], meta["unit_level"]) == ("xa", PERIOD, "H01", "huyen")
    assert (meta["partial"], meta["submitted"], meta["expected"]) == ("0", "3", "3")


def test_header_has_total_then_units_in_units_file_order(hand: Run):
    ws = hand.book()[SUMMARY_SHEET]
    head1 = [ws.cell(ROW_HEAD1 + 1, c).value for c in range(1, 9)]
    head2 = [ws.cell(ROW_HEAD2 + 1, c).value for c in range(5, 8)]
    assert head1 == ["STT", "Chỉ tiêu", "Đơn vị tính", "Tổng cộng", "Xã Tân Lập", "Xã Bản Thi", "Xã Bằng Lãng", "Ghi chú"]
    assert head2 == ["X0114", "X0102", "X0103"]
    assert "3/3 đơn vị đã nộp" in str(ws.cell(ROW_STATUS + 1, 1).value)
    assert "CHƯA ĐẦY ĐỦ" not in title_block(ws)


def test_total_column_holds_formulas_with_cached_values(hand: Run):
    wb, wv = hand.book(), hand.book(data_only=True)
    ws, vs = wb[SUMMARY_SHEET], wv[SUMMARY_SHEET]
    at = rows_by_code(ws)

    def f(code: str, col: str = "D") -> str:
        return str(ws[f"{col}{at[code]}"].value)

    def v(code: str, col: str = "D") -> Any:
        return vs[f"{col}{at[code]}"].value

    r = at["1.1"]
    assert f"SUM(E{r}:G{r})" in f("1.1") and v("1.1") == 6
    # ratio: the summed numerator over the summed denominator, in column D
    assert f"D{at['1.2.2']}/D{at['1.2.1']}*100" in f("1.2")
    assert v("1.2") == pytest.approx(30.0, rel=REL)
    # per-unit ratios are formulas too, each over its own column
    for col, cached in (("E", 18.75), ("F", 25.0), ("G", 100.0)):  # 6/32, 10/40, 8/8 × 100
        assert f"{col}{at['1.2.2']}/{col}{at['1.2.1']}*100" in f("1.2", col)
        assert v("1.2", col) == pytest.approx(cached, rel=REL)
    assert f("3.4", "E").startswith("=") and v("3.4", "E") in (None, "")  # 0 / 0: blank
    # Có/Không: COUNTIF of "Có", the share in the note
    r = at["1.6"]
    assert f'COUNTIF(E{r}:G{r},"Có")' in f("1.6") and v("1.6") == 2
    note = str(ws[f"H{r}"].value)
    assert "2/3" in note and ("66.67" in note or "66,67" in note)
    # choice: a count per option
    r = at["1.5.2"]
    assert f("1.5.2").count(f"COUNTIF(E{r}:G{r},") == 3
    assert v("1.5.2") == "Trực tuyến: 1; Phát phiếu: 2; Kết hợp: 0"
    # means: the method is stated in Ghi chú
    assert v("7.1.a") == pytest.approx(87.5, rel=REL) and f("7.1.a").startswith("=")
    assert "Trung bình cộng" in str(ws[f"H{at['7.1.a']}"].value)
    assert v("5.1.1") == pytest.approx(1500 / 17, rel=REL) and f("5.1.1").startswith("=")
    note = str(ws[f"H{at['5.1.1']}"].value)
    assert "trọng số" in note and "4.5.2" in note
    # sum row: the sum of its terms' totals
    assert f"SUM(D{at['5.2.1']},D{at['5.2.2']})" in f("5.2") and v("5.2") == 7


def test_every_total_formula_caches_the_json_total(hand: Run, catalog: Catalog):
    wb, wv = hand.book(), hand.book(data_only=True)
    ws, vs = wb[SUMMARY_SHEET], wv[SUMMARY_SHEET]
    checked = 0
    for code, r in rows_by_code(ws).items():
        row = catalog.row(code)
        if row.type in ("heading", "text"):
            continue
        assert str(ws[f"D{r}"].value).startswith("="), code
        expected = hand.res.totals.get(code)
        cached = vs[f"D{r}"].value
        if expected is None:
            assert cached in (None, ""), code
        elif isinstance(expected, (int, float)):
            assert cached == pytest.approx(expected, rel=REL), code
            checked += 1
    assert checked >= 40


def test_every_typed_figure_is_shown_in_its_unit_column(hand: Run):
    """Each unit column shows what that unit typed (labels for Có/Không and choices)."""
    vs = hand.book(data_only=True)[SUMMARY_SHEET]
    at = rows_by_code(vs)
    wrong = []
    for col, values in (("E", tan_lap_values()), ("F", BAN_THI), ("G", BANG_LANG)):
        for code, typed in values.items():
            shown = vs[f"{col}{at[code]}"].value
            if shown != typed:
                wrong.append(f"{col}{at[code]} ({code}): typed {typed!r}, shown {shown!r}")
    assert wrong == []


def test_status_sheet_lists_every_expected_unit(hand: Run):
    rows = table(hand.book()[STATUS_SHEET])
    assert rows[0] == ["STT", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Tệp", "SHA-256",
                       "Đơn vị ghi trong biểu", "Kỳ ghi trong biểu", "Số lỗi", "Số cảnh báo"]
    by = status_rows(hand.book()[STATUS_SHEET])
    assert list(by) == ["X0114", "X0102", "X0103"]
    for code, path in hand.files.items():
        r = by[code]
        assert r[3] == "đã nộp"
        assert r[4] == path.name
        assert r[5] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert r[7] == PERIOD
    assert by["X0114"][6] == "Xã Tân Lập"
    assert (by["X0114"][8], by["X0114"][9]) == (1, 0)  # the 7.2.1.c rule
    assert (by["X0102"][8], by["X0102"][9]) == (0, 0)
    assert any("3/3 đơn vị đã nộp" in str(c) for c in rows[-1])


def test_issues_sheet_lists_every_issue(hand: Run):
    rows = table(hand.book()[ISSUES_SHEET])
    assert rows[0] == ["Tệp", "Đơn vị", "Chỉ tiêu", "Ô", "Mức độ", "Mã", "Nội dung"]
    body = rows[1:]
    n_issues = sum(len(f.issues) for f in hand.res.batch.files)
    assert len(body) == n_issues == 2
    rule = next(r for r in body if r[5] == "rule")
    assert rule[:6] == [hand.files["X0114"].name, "Xã Tân Lập", "7.2.1.c", rule[3], "Lỗi", "rule"]
    assert "33" in rule[6] and "13" in rule[6]
    weight = next(r for r in body if r[5] == "weight-missing")
    assert weight[:3] == [hand.files["X0103"].name, "Xã Bằng Lãng", "5.1.1"]


def test_notes_sheet_collects_the_notes(hand: Run):
    rows = table(hand.book()[NOTES_SHEET])
    assert rows[1:] == [["X0102", "Xã Bản Thi", "7.1.a", "Ghi chú", "Số liệu ước tính đến ngày 14/3"]]


def test_tidy_csv(hand: Run):
    text = hand.csv_path.read_text("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["unit", "period", "code", "value", "sha256"]
    sha = {code: hashlib.sha256(p.read_bytes()).hexdigest() for code, p in hand.files.items()}
    body = {(r[0], r[2]): (r[1], r[3], r[4]) for r in rows[1:]}
    assert body[("X0114", "1.2.1")] == (PERIOD, "32", sha["X0114"])
    assert body[("X0114", "1.2")] == (PERIOD, "18.75", sha["X0114"])  # 6 / 32 × 100
    assert body[("X0102", "1.6")] == (PERIOD, "1", sha["X0102"])  # Có
    assert body[("X0102", "1.5.2")] == (PERIOD, "1", sha["X0102"])  # Phát phiếu
    assert float(body[("X0102", "5.1.1")][1]) == 75
    assert float(body[("X0103", "5.1.1")][1]) == 50  # typed, even though it has no weight
    # units in units-file order, rows in form order
    assert [r[0] for r in rows[1:]] == sorted((r[0] for r in rows[1:]), key=["X0114", "X0102", "X0103"].index)


# --------------------------------------------------------------------------- text rows and money


SMALL_CATALOG = """
catalog:
  id: thu-nghiem
  version: "1"
  title: "BIỂU THỬ"
  levels: [xa, huyen]
rows:
  - code: "1"
    label: "Tài chính"
    type: heading
  - code: "1.1"
    label: "Kinh phí đã chi"
    unit: "Triệu đồng"
    type: decimal
  - code: "1.2"
    label: "Tỷ lệ hồ sơ đúng hạn"
    unit: "%"
    type: percent
  - code: "1.3"
    label: "Khó khăn, vướng mắc"
    type: text
"""


def test_money_is_summed_exactly_and_text_rows_go_to_the_notes_sheet(tmp_path: Path, write_catalog: Any, write_units: Any):
    cat = load_catalog(write_catalog(tmp_path, SMALL_CATALOG))
    units = load_units(write_units(tmp_path, """
        code,name,level,parent
        H01,Huyện Chợ Đồn,huyen,
        X0114,Xã Tân Lập,xa,H01
        X0102,Xã Bản Thi,xa,H01
        """), cat.levels)
    lay = build_layout(cat, "xa")
    tpl = write_templates(cat, units, PERIOD, tmp_path / "tpl")
    write_return(tpl, lay, "X0114", {"1.1": 0.1, "1.2": 90, "1.3": "Thiếu máy scan"}, tmp_path / "in")
    write_return(tpl, lay, "X0102", {"1.1": 0.2, "1.2": 70, "1.3": "Đường truyền chậm"}, tmp_path / "in")
    res = consolidate([tmp_path / "in"], cat, tmp_path / "out.xlsx", level="xa", period=PERIOD, units=units, unit="H01", workers=0)
    assert res.totals["1.1"] == 0.3  # 0.1 + 0.2 in decimal, not 0.30000000000000004
    assert res.totals["1.2"] == 80  # (90 + 70) / 2
    assert "1.3" not in res.totals  # text is not added
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    ws = wb[SUMMARY_SHEET]
    r = rows_by_code(ws)["1.3"]
    assert ws[f"D{r}"].value is None
    assert (ws[f"E{r}"].value, ws[f"F{r}"].value) == ("Thiếu máy scan", "Đường truyền chậm")
    notes = table(wb[NOTES_SHEET])[1:]
    assert ["X0114", "Xã Tân Lập", "1.3", "Nội dung", "Thiếu máy scan"] in notes
    assert ["X0102", "Xã Bản Thi", "1.3", "Nội dung", "Đường truyền chậm"] in notes
    assert res.exit_code == 0


# --------------------------------------------------------------------------- the rules of the count
#
# huyện Bạch Thông (H02) has four communes. Each clean batch gives every one of
# them Bản Thi's figures (a complete return with no rule broken), with 1.1 set
# to 1, 2, 3, 4 so that a unit's contribution is visible in the total of 1.1.

H02 = ["X0201", "X0202", "X0203", "X0204"]


def clean_values(code: str) -> dict[str, Any]:
    return {**BAN_THI, "1.1": H02.index(code) + 1}


def write_clean(templates: Mapping[str, bytes], layout: FormLayout, dest: Path, codes: list[str] = H02) -> dict[str, Path]:
    return {c: write_return(templates, layout, c, clean_values(c), dest) for c in codes}


def run_h02(paths: list[Path], catalog: Catalog, units: Units, tmp: Path, **kw: Any) -> Run:
    out = tmp / "out" / "H02.xlsx"
    out.parent.mkdir(exist_ok=True)
    res = consolidate(
        paths, catalog, out, level="xa", period=PERIOD, units=units, unit="H02",
        json_path=out.with_suffix(".json"), csv_path=out.with_suffix(".csv"), workers=0, **kw,
    )
    return Run(res, out, out.with_suffix(".json"), out.with_suffix(".csv"), {})


def test_complete_clean_batch_exits_0(tmp_path: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    write_clean(templates, layout, tmp_path / "in")
    run = run_h02([tmp_path / "in"], catalog, units, tmp_path)
    assert run.res.exit_code == 0
    assert run.res.totals["1.1"] == 10  # 1 + 2 + 3 + 4
    assert run.res.totals["1.2"] == pytest.approx(25.0, rel=REL)  # 4 × 10 / (4 × 40) × 100
    assert run.report["missing_units"] == []
    assert not run.res.partial
    assert "CHƯA ĐẦY ĐỦ" not in title_block(run.book()[SUMMARY_SHEET])


def test_identical_copy_in_another_folder_is_counted_once(tmp_path: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    files = write_clean(templates, layout, tmp_path / "a_email")
    copy = tmp_path / "b_zalo" / "Ban_sao_X0202.xlsx"
    copy.parent.mkdir()
    shutil.copyfile(files["X0202"], copy)
    run = run_h02([tmp_path / "a_email", tmp_path / "b_zalo"], catalog, units, tmp_path)
    assert run.res.totals["1.1"] == 10  # 1 + 2 + 3 + 4, X0202 not twice
    assert run.res.totals["1.2.1"] == 160  # 4 × 40
    by_path = {f["path"]: f for f in run.report["files"]}
    assert by_path[str(files["X0202"])]["status"] == "accepted"
    assert by_path[str(copy)]["status"] == "skipped"
    assert [i["code"] for i in by_path[str(copy)]["issues"]] == ["duplicate-file"]
    assert run.res.exit_code == 0
    wb = run.book()
    status = status_rows(wb[STATUS_SHEET])
    assert [status[c][3] for c in H02] == ["đã nộp"] * 4
    issues = table(wb[ISSUES_SHEET])[1:]
    assert [r[5] for r in issues if r[0] == copy.name] == ["duplicate-file"]


def test_two_different_files_for_one_unit_are_both_left_out(tmp_path: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    files = write_clean(templates, layout, tmp_path / "in")
    second = write_return(templates, layout, "X0201", {**clean_values("X0201"), "1.1": 100}, tmp_path / "in" / "gui_lai", name="X0201_sua.xlsx")
    run = run_h02([tmp_path / "in"], catalog, units, tmp_path)
    assert run.res.totals["1.1"] == 9  # 2 + 3 + 4: neither 1 nor 100
    assert run.res.totals["1.2.1"] == 120  # 3 × 40
    report = run.report
    assert report["conflicting_units"] == ["X0201"]
    # written one file at a time, it is json.dump's exact text (here with issues)
    assert run.json_path.read_text("utf-8") == json.dumps(run.res.as_json(), ensure_ascii=False, indent=2) + "\n"
    by_path = {f["path"]: f for f in report["files"]}
    for p in (files["X0201"], second):
        assert by_path[str(p)]["status"] == "accepted"
        assert "unit-conflict" in [i["code"] for i in by_path[str(p)]["issues"]]
    assert run.res.exit_code == 1
    wb = run.book()
    row = status_rows(wb[STATUS_SHEET])["X0201"]
    assert row[3] == "nộp trùng"
    assert files["X0201"].name in row[4] and second.name in row[4]
    ws = wb[SUMMARY_SHEET]
    assert ws[f"E{rows_by_code(ws)['1.1']}"].value is None  # X0201's column is left blank
    assert "CHƯA ĐẦY ĐỦ" in title_block(ws)


def test_prefer_latest_takes_the_later_file_and_says_so(tmp_path: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    files = write_clean(templates, layout, tmp_path / "in")
    # the later file sorts FIRST by path, so path order cannot be what decides
    later = write_return(templates, layout, "X0201", {**clean_values("X0201"), "1.1": 100}, tmp_path / "in" / "a_gui_lai", name="X0201_sua.xlsx")
    os.utime(files["X0201"], (1_700_000_000, 1_700_000_000))
    os.utime(later, (1_700_086_400, 1_700_086_400))  # one day later
    run = run_h02([tmp_path / "in"], catalog, units, tmp_path, prefer="latest")
    assert run.res.totals["1.1"] == 109  # 100 + 2 + 3 + 4
    by_path = {f["path"]: f for f in run.report["files"]}
    assert by_path[str(later)]["status"] == "accepted"
    assert by_path[str(files["X0201"])]["status"] == "skipped"
    assert "conflict-resolved" in [i["code"] for i in by_path[str(later)]["issues"]]
    assert "conflict-resolved" in [i["code"] for i in by_path[str(files["X0201"])]["issues"]]
    assert run.report["conflicting_units"] == []
    assert run.res.exit_code == 0
    row = status_rows(run.book()[STATUS_SHEET])["X0201"]
    assert (row[3], row[4]) == ("đã nộp", later.name)


def test_rejected_files_are_left_out_and_missing_units_listed(tmp_path: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    inbox = tmp_path / "in"
    write_clean(templates, layout, inbox, ["X0201", "X0202"])
    broken = inbox / "Bao_cao_quy_1.xlsx"
    broken.write_bytes(templates["X0203"][:2000])  # a truncated download
    q2 = write_templates(catalog, units, "2024-Q2", tmp_path / "tpl_q2")
    wrong_period = write_return(q2, layout, "X0203", clean_values("X0203"), inbox, name="2024-Q2_xa_X0203.xlsx")
    # X0204 sent nothing
    run = run_h02([inbox], catalog, units, tmp_path)
    assert run.res.totals["1.1"] == 3  # 1 + 2: the wrong-period file's 3 is left out
    assert run.res.totals["1.2.1"] == 80  # 2 × 40
    report = run.report
    by_path = {f["path"]: f for f in report["files"]}
    assert by_path[str(broken)]["status"] == "rejected"
    assert by_path[str(wrong_period)]["status"] == "rejected"
    assert "wrong-period" in [i["code"] for i in by_path[str(wrong_period)]["issues"]]
    assert "X0204" in report["missing_units"]
    assert run.res.exit_code == 1
    wb = run.book()
    status_ws = wb[STATUS_SHEET]
    by = status_rows(status_ws)
    assert [by[c][3] for c in H02] == ["đã nộp", "đã nộp", "bị từ chối", "chưa nộp"]
    assert wrong_period.name in by["X0203"][4]
    assert by["X0203"][7] == "2024-Q2"
    listed = [r for r in table(status_ws)[1:] if r[4] == broken.name]
    assert listed and listed[0][3] == "bị từ chối"
    assert any("2/4 đơn vị đã nộp" in str(c) for c in table(status_ws)[-1])
    issues = table(wb[ISSUES_SHEET])[1:]
    assert any(r[5] == "unit-missing" and "X0204" in r[6] for r in issues)
    assert any(r[0] == broken.name and r[4] == "Lỗi" for r in issues)
    title = title_block(wb[SUMMARY_SHEET])
    assert "CHƯA ĐẦY ĐỦ" in title and "2/4" in title


# --------------------------------------------------------------------------- roll-up


@dataclass
class Chain:
    returns: Path
    districts: dict[str, Run]
    via: Run  # province from the district books
    direct: Run  # province straight from the communes


def _commune_values(catalog: Catalog, layout: FormLayout, code: str) -> dict[str, Any]:
    base = tan_lap_values()
    return base if code == "X0114" else example_values(catalog, layout, code, base)


def _chain(tmp: Path, catalog: Catalog, units: Units, layout: FormLayout, templates: Mapping[str, bytes], skip: set[str]) -> Chain:
    returns = tmp / "commune_returns"
    for u in units.at_level("xa"):
        if u.code not in skip:
            write_return(templates, layout, u.code, _commune_values(catalog, layout, u.code), returns / (u.parent or ""))
    books = tmp / "district_books"
    books.mkdir()
    districts = {}
    for code in ("H01", "H02"):
        out = books / f"{PERIOD}_huyen_{code}_tong_hop.xlsx"
        res = consolidate([returns / code], catalog, out, level="xa", period=PERIOD, units=units, unit=code,
                          json_path=out.with_suffix(".json"), csv_path=out.with_suffix(".csv"), workers=0)
        districts[code] = Run(res, out, out.with_suffix(".json"), out.with_suffix(".csv"), {})
    runs = []
    for name, src, level in (("via", books, "huyen"), ("direct", returns, "xa")):
        out = tmp / "province" / f"{name}.xlsx"
        out.parent.mkdir(exist_ok=True)
        res = consolidate([src], catalog, out, level=level, period=PERIOD, units=units, unit="T11",
                          json_path=out.with_suffix(".json"), csv_path=out.with_suffix(".csv"), workers=0)
        runs.append(Run(res, out, out.with_suffix(".json"), out.with_suffix(".csv"), {}))
    return Chain(returns, districts, runs[0], runs[1])


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]) -> Chain:
    """All 24 communes → H01, H02 → T11, and 24 communes → T11."""
    return _chain(tmp_path_factory.mktemp("chain"), catalog, units, layout, templates, set())


@pytest.fixture(scope="module")
def partial_chain(tmp_path_factory: pytest.TempPathFactory, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]) -> Chain:
    """The same with xã Đồng Lạc (X0120, in H01) not sending its return."""
    return _chain(tmp_path_factory.mktemp("partial"), catalog, units, layout, templates, {"X0120"})


def test_province_via_districts_equals_province_from_communes(chain: Chain):
    via, direct = chain.via.report["totals"], chain.direct.report["totals"]
    assert via == direct  # exactly, means and weighted means included
    assert list(via) == list(direct)  # and in the same order
    for code in ("1.2", "3.3.1", "7.1.a", "7.1.b", "5.1.1", "1.6", "1.5.2"):
        assert code in via, code
    # the means are real fractions here, so equality is not luck with round numbers
    assert not float(via["7.1.a"]).is_integer() and not float(via["5.1.1"]).is_integer()
    assert chain.via.res.totals == chain.direct.res.totals


def test_province_totals_are_the_districts_added(chain: Chain):
    t = chain.via.res.totals
    h1, h2 = chain.districts["H01"].res.totals, chain.districts["H02"].res.totals
    assert t["1.2.1"] == h1["1.2.1"] + h2["1.2.1"]
    assert t["1.2"] == pytest.approx((h1["1.2.2"] + h2["1.2.2"]) / (h1["1.2.1"] + h2["1.2.1"]) * 100, rel=REL)
    # a plain mean of 20 + 4 communes is the district means weighted by their counts
    n1, n2 = chain.districts["H01"].res.states["7.1.a"]["n"], chain.districts["H02"].res.states["7.1.a"]["n"]
    assert (n1, n2) == (20, 4)
    assert t["7.1.a"] == pytest.approx((h1["7.1.a"] * n1 + h2["7.1.a"] * n2) / (n1 + n2), rel=REL)
    assert t["1.6"] == h1["1.6"] + h2["1.6"]
    assert t["1.5.2"] == {k: h1["1.5.2"][k] + h2["1.5.2"][k] for k in ("0", "1", "2")}


def test_district_books_are_inputs_one_level_up(chain: Chain):
    report = chain.via.report
    assert report["level"] == "huyen" and report["missing_units"] == []
    accepted = [f for f in report["files"] if f["status"] == "accepted"]
    assert sorted(f["unit"] for f in accepted) == ["H01", "H02"]
    # the JSON and CSV reports lying next to the books are the tool's own outputs
    for f in report["files"]:
        if f["path"].endswith((".json", ".csv")):
            assert f["status"] == "skipped"
    ws = chain.via.book()[SUMMARY_SHEET]
    assert [ws.cell(ROW_HEAD1 + 1, c).value for c in (5, 6)] == ["Huyện Chợ Đồn", "Huyện Bạch Thông"]
    assert [ws.cell(ROW_HEAD2 + 1, c).value for c in (5, 6)] == ["H01", "H02"]


def test_province_books_show_the_same_totals_either_way(chain: Chain):
    via = chain.via.book(data_only=True)[SUMMARY_SHEET]
    direct = chain.direct.book(data_only=True)[SUMMARY_SHEET]
    at = rows_by_code(via)
    assert at == rows_by_code(direct)
    for code, r in at.items():
        a, b = via[f"D{r}"].value, direct[f"D{r}"].value
        if isinstance(b, (int, float)):
            assert a == pytest.approx(b, rel=REL), code
        else:
            assert (a or "") == (b or ""), code


def test_province_csv_from_district_books(chain: Chain):
    rows = list(csv.reader(io.StringIO(chain.via.csv_path.read_text("utf-8"))))
    assert rows[0] == ["unit", "period", "code", "value", "sha256"]
    body = {(r[0], r[2]): r for r in rows[1:]}
    h1 = chain.districts["H01"]
    sha = hashlib.sha256(h1.out.read_bytes()).hexdigest()
    assert body[("H01", "1.2.1")] == ["H01", PERIOD, "1.2.1", str(h1.res.totals["1.2.1"]), sha]
    assert float(body[("H01", "5.1.1")][3]) == h1.res.totals["5.1.1"]


def test_partial_district_is_flagged_one_level_up(partial_chain: Chain):
    h01 = partial_chain.districts["H01"]
    assert h01.report["missing_units"] == ["X0120"]
    assert h01.res.partial
    assert "CHƯA ĐẦY ĐỦ" in title_block(h01.book()[SUMMARY_SHEET])
    assert status_rows(h01.book()[STATUS_SHEET])["X0120"][3] == "chưa nộp"
    assert not partial_chain.districts["H02"].res.partial

    via = partial_chain.via
    by_unit = {f["unit"]: f for f in via.report["files"] if f["status"] == "accepted"}
    assert "partial-source" in [i["code"] for i in by_unit["H01"]["issues"]]
    assert "partial-source" not in [i["code"] for i in by_unit["H02"]["issues"]]
    assert via.report["missing_units"] == []
    assert via.res.partial  # both districts sent, but one of them is incomplete
    wb = via.book()
    title = title_block(wb[SUMMARY_SHEET])
    assert "CHƯA ĐẦY ĐỦ" in title
    status = status_rows(wb[STATUS_SHEET])
    assert "19/20" in status["H01"][3] and status["H01"][3].startswith("đã nộp")
    assert status["H02"][3] == "đã nộp"
    # and the numbers still agree with the province added from the communes
    assert via.report["totals"] == partial_chain.direct.report["totals"]
    assert partial_chain.direct.report["missing_units"] == ["X0120"]


# --------------------------------------------------------------------------- the command line


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> int:
    rc = main(list(argv))
    capsys.readouterr()
    return rc


def test_cli_consolidate_end_to_end_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: FormLayout, templates: dict[str, bytes]):
    write_clean(templates, layout, tmp_path / "in")
    outs = []
    for run in ("1", "2"):
        out = tmp_path / f"out{run}"
        rc = _cli(
            capsys, "consolidate", str(tmp_path / "in"), "--out", str(out / "H02.xlsx"),
            "--level", "xa", "--period", PERIOD, "--units", str(UNITS_CSV), "--unit", "H02",
            "--json", str(out / "H02.json"), "--csv", str(out / "H02.csv"),
        )
        assert rc == 0
        outs.append(out)
    reports = [load_json(o / "H02.json") for o in outs]
    report = reports[0]
    assert set(report) >= {"level", "period", "files", "missing_units", "totals"}
    assert (report["level"], report["period"], report["missing_units"]) == ("xa", PERIOD, [])
    assert [f["unit"] for f in report["files"]] == H02
    assert report["totals"]["1.1"] == 10  # 1 + 2 + 3 + 4
    assert report["totals"]["3.3.1"] == pytest.approx(95.0, rel=REL)  # 4 × 190 / (4 × 200) × 100
    assert report["totals"]["1.6"] == 4
    # same inputs, same values in the same order
    assert json.dumps(reports[0]["totals"]) == json.dumps(reports[1]["totals"])
    assert reports[0]["files"] == reports[1]["files"]
    csvs = [(o / "H02.csv").read_text("utf-8") for o in outs]
    assert csvs[0] == csvs[1]
    rows = list(csv.reader(io.StringIO(csvs[0])))
    assert rows[0] == ["unit", "period", "code", "value", "sha256"]
    sha = hashlib.sha256((tmp_path / "in" / f"{PERIOD}_xa_X0201.xlsx").read_bytes()).hexdigest()
    assert rows[1] == ["X0201", PERIOD, "1.1", "1", sha]
    assert ["X0201", PERIOD, "1.2", "25.0", sha] in rows  # 10 / 40 × 100
    assert ["X0204", PERIOD, "1.1", "4", hashlib.sha256((tmp_path / "in" / f"{PERIOD}_xa_X0204.xlsx").read_bytes()).hexdigest()] in rows
    wb = openpyxl.load_workbook(outs[0] / "H02.xlsx")
    assert wb.sheetnames[0] == SUMMARY_SHEET


def test_cli_exit_code_1_when_a_unit_is_missing(tmp_path: Path, capsys: pytest.CaptureFixture[str], layout: FormLayout, templates: dict[str, bytes]):
    write_clean(templates, layout, tmp_path / "in", ["X0201", "X0202", "X0203"])
    rc = _cli(
        capsys, "consolidate", str(tmp_path / "in"), "--out", str(tmp_path / "H02.xlsx"),
        "--level", "xa", "--period", PERIOD, "--units", str(UNITS_CSV), "--unit", "H02",
        "--json", str(tmp_path / "H02.json"),
    )
    assert rc == 1
    assert load_json(tmp_path / "H02.json")["missing_units"] == ["X0204"]
    assert (tmp_path / "H02.xlsx").is_file()


def test_cli_roll_up_district_books_equals_commune_returns(tmp_path: Path, capsys: pytest.CaptureFixture[str], catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    returns, books = tmp_path / "commune_returns", tmp_path / "district_books"
    for u in units.at_level("xa"):
        write_return(templates, layout, u.code, _commune_values(catalog, layout, u.code), returns / (u.parent or ""))
    common = ["--period", PERIOD, "--units", str(UNITS_CSV)]
    for code in ("H01", "H02"):
        _cli(capsys, "consolidate", str(returns / code), "--out", str(books / f"{code}.xlsx"), "--level", "xa", "--unit", code,
             "--json", str(books / f"{code}.json"), *common)
    _cli(capsys, "consolidate", str(books), "--out", str(tmp_path / "via.xlsx"), "--level", "huyen", "--unit", "T11",
         "--json", str(tmp_path / "via.json"), *common)
    _cli(capsys, "consolidate", str(returns), "--out", str(tmp_path / "direct.xlsx"), "--level", "xa", "--unit", "T11",
         "--json", str(tmp_path / "direct.json"), *common)
    via, direct = load_json(tmp_path / "via.json"), load_json(tmp_path / "direct.json")
    assert via["totals"] == direct["totals"]
    assert len(via["totals"]) >= 50
    accepted = [f for f in via["files"] if f["status"] == "accepted"]
    assert [f["unit"] for f in accepted] == ["H01", "H02"]
    assert all(re.fullmatch(r"[0-9a-f]{64}", f["sha256"]) for f in accepted)


def test_same_inputs_give_the_same_bytes_with_a_fixed_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Catalog, units: Units, layout: FormLayout, templates: dict[str, bytes]):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1711929600")
    write_clean(templates, layout, tmp_path / "in")
    books = []
    for run in ("1", "2"):
        out = tmp_path / f"H02_{run}.xlsx"
        consolidate([tmp_path / "in"], catalog, out, level="xa", period=PERIOD, units=units, unit="H02", workers=0)
        books.append(out.read_bytes())
    assert books[0] == books[1]


def test_a_very_long_unit_name_keeps_the_header_row_within_excels_limit(tmp_path: Path) -> None:
    long_name = "Xã " + "Rất Dài " * 40  # 323 characters
    units_csv = tmp_path / "units.csv"
    units_csv.write_text(f"code,name,level,parent\nH01,Huyện Chợ Đồn,huyen,\nX01,{long_name},xa,H01\nX02,Xã Tân Lập,xa,H01\n", encoding="utf-8")
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(units_csv, catalog)
    generate(catalog, "xa", PERIOD, tmp_path / "in", units, generated_at=GENERATED_AT)
    res = consolidate(tmp_path / "in", catalog, tmp_path / "t.xlsx", level="xa", period=PERIOD, units=units, unit="H01", workers=0)
    wb = openpyxl.load_workbook(res.out)
    ws = wb[SUMMARY_SHEET]
    assert ws.row_dimensions[ROW_HEAD1 + 1].height <= 409  # Excel's tallest row
    header = ws.cell(ROW_HEAD1 + 1, 5).value
    assert header.endswith("…") and len(header) < len(long_name.strip())
    status = [r for r in wb[STATUS_SHEET].iter_rows(values_only=True) if r[1] == "X01"]
    assert status and status[0][2] == long_name.strip()  # the full name is in the status sheet
