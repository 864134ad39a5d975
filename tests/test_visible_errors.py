"""Errors visible where the numbers are: the summed appendix shows every value
involved in an error-level issue in red with its message, marks each total that
includes one and says how many, and ``exclude_errors`` leaves them out (and
says so); values far from the other units' are warnings quoting the median."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from cchc_xlsx import consolidate, generate, load_catalog, load_units
from cchc_xlsx.demo import example_values
from cchc_xlsx.layout.form import FIRST_DATA_ROW, ROW_HEAD2, ROW_WINDOW, build_layout
from cchc_xlsx.layout.summary import COL_TOTAL, FIRST_UNIT_COL, SUMMARY_SHEET
from cchc_xlsx.resources import example_path
from cchc_xlsx.testing import Filler
from tests.libreoffice import recalculate, require_soffice

PERIOD = "2024-Q1"
RED = "FFC7CE"


@pytest.fixture(scope="module")
def returns(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """huyện Chợ Đồn's twenty communes, consistent figures, but: Bản Thi (X0102)
    completed 50 of 10 planned tasks (a rule broken), Bằng Lãng (X0103) typed
    1.594 as text, Bằng Phúc (X0104) typed 46065 dossiers (far from the others)."""
    base = tmp_path_factory.mktemp("visible")
    catalog = load_catalog()
    units = load_units(example_path("units_cho_don.csv"), catalog)
    layout = build_layout(catalog, "xa")
    files = generate(catalog, "xa", PERIOD, base / "templates", units, generated_at="2024-04-01T00:00:00+00:00")
    seed = __import__("yaml").safe_load(example_path("returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    out = base / "nop_ve"
    out.mkdir()
    for f in files:
        if f.unit is None or f.unit.parent != "H01":
            continue
        values = example_values(catalog, layout, f.unit.code, seed)
        values["7.2.1.c"] = min(values.get("7.2.1.c", 0), values.get("7.2.1.b", 0))  # the seed's own error, made right
        if f.unit.code == "X0102":
            values["1.2.1"], values["1.2.2"] = 10, 50
        if f.unit.code == "X0103":
            values["3.3.1.a"], values["3.3.1.b"] = "1.594", 1500
        if f.unit.code == "X0104":
            values["3.3.1.a"], values["3.3.1.b"] = 46065, 100
        (out / f.path.name).write_bytes(Filler(f.path.read_bytes(), layout).fill(values))
    return out


def run(returns: Path, out: Path, **kw: Any) -> Any:
    return consolidate(
        returns, None, out / "H01.xlsx", level="xa", period=PERIOD, units=example_path("units_cho_don.csv"),
        unit="H01", json_path=out / "H01.json", workers=0, **kw,
    )


@pytest.fixture(scope="module")
def included(returns: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run(returns, tmp_path_factory.mktemp("included"))


@pytest.fixture(scope="module")
def excluded(returns: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return run(returns, tmp_path_factory.mktemp("excluded"), exclude_errors=True)


def summary_cell(res: Any, code: str, unit: str | None) -> Any:
    """The summed appendix's cell of ``code`` for ``unit`` (None: Tổng cộng)."""
    ws = openpyxl.load_workbook(res.out)[SUMMARY_SHEET]
    r = FIRST_DATA_ROW + [rl.code for rl in res.layout.rows].index(code) + 1
    if unit is None:
        return ws.cell(r, COL_TOTAL + 1)
    units = [c.code for c in res.columns]
    return ws.cell(r, FIRST_UNIT_COL + units.index(unit) + 1)


def test_every_value_involved_in_an_error_is_counted(included: Any) -> None:
    flagged = {c.code: sorted(c.flagged) for c in included.columns if c.flagged}
    # 3.3.1.b is the other part of Bằng Lãng's ratio 3.3.1: it cannot be used without 3.3.1.a
    assert flagged == {"X0102": ["1.2.1", "1.2.2"], "X0103": ["3.3.1.a", "3.3.1.b"]}
    assert included.flagged_values == 4 and included.left_out_values == 0
    assert "3.3.1 = 3.3.1.b / 3.3.1.a" in included.columns[2].flagged["3.3.1.b"]


@pytest.mark.parametrize(("code", "unit"), [("1.2.2", "X0102"), ("1.2.1", "X0102"), ("3.3.1.a", "X0103")])
def test_a_value_in_error_is_red_with_its_message_as_a_comment(included: Any, code: str, unit: str) -> None:
    cell = summary_cell(included, code, unit)
    assert cell.fill.fgColor.rgb.endswith(RED)
    assert cell.comment is not None and cell.comment.text.startswith("Có lỗi:")
    assert isinstance(cell.value, (int, float))  # still added up, and shown as the number it is
    clean = summary_cell(included, code, "X0105")
    assert not clean.fill.fgColor.rgb.endswith(RED) and clean.comment is None


def test_a_total_that_includes_errors_is_marked_and_says_how_many(included: Any) -> None:
    total = summary_cell(included, "1.2.2", None)
    assert total.comment is not None
    assert "Gồm giá trị có lỗi của 1 đơn vị: Xã Bản Thi" in total.comment.text
    ratio = summary_cell(included, "1.2", None)  # made of the flagged parts
    assert ratio.comment is not None and "Xã Bản Thi" in ratio.comment.text
    assert summary_cell(included, "1.1", None).comment is None
    ws = openpyxl.load_workbook(included.out)[SUMMARY_SHEET]
    assert "GỒM 4 giá trị có lỗi (ô đỏ)" in ws.cell(ROW_WINDOW + 1, 1).value


def test_the_json_report_marks_the_affected_totals(included: Any) -> None:
    doc = json.loads((included.out.parent / "H01.json").read_text(encoding="utf-8"))
    flagged = doc["totals_flagged"]
    assert flagged["1.2.2"] == {"units": ["X0102"], "excluded": []}
    assert flagged["1.2"] == {"units": ["X0102"], "excluded": []}
    assert flagged["3.3.1.a"]["units"] == ["X0103"]
    assert "1.1" not in flagged


def test_exclude_errors_leaves_them_out_of_the_sums_and_says_so(included: Any, excluded: Any) -> None:
    t, x = included.totals, excluded.totals
    assert x["1.2.2"] == t["1.2.2"] - 50 and x["1.2.1"] == t["1.2.1"] - 10
    assert x["3.3.1.a"] == t["3.3.1.a"] - 1594 and x["3.3.1.b"] == t["3.3.1.b"] - 1500
    assert x["3.3.1"] == pytest.approx(x["3.3.1.b"] / x["3.3.1.a"] * 100)  # both parts over the same units
    assert x["1.2"] == pytest.approx(x["1.2.2"] / x["1.2.1"] * 100)
    assert x["1.1"] == t["1.1"]
    cell = summary_cell(excluded, "1.2.2", "X0102")
    assert cell.value == "50 (không cộng)" and cell.fill.fgColor.rgb.endswith(RED)
    assert cell.comment is not None and cell.comment.text.startswith("Không cộng vào tổng vì có lỗi:")
    ws = openpyxl.load_workbook(excluded.out)[SUMMARY_SHEET]
    assert "KHÔNG CỘNG 4 giá trị có lỗi (ô đỏ)" in ws.cell(ROW_WINDOW + 1, 1).value
    doc = json.loads((excluded.out.parent / "H01.json").read_text(encoding="utf-8"))
    assert doc["totals_flagged"]["1.2.2"] == {"units": ["X0102"], "excluded": ["X0102"]}


def test_libreoffice_computes_the_totals_we_cache_when_errors_are_excluded(excluded: Any, tmp_path: Path) -> None:
    require_soffice()
    (recalculated,) = recalculate([excluded.out], tmp_path)
    ours = openpyxl.load_workbook(excluded.out, data_only=True)[SUMMARY_SHEET]
    theirs = openpyxl.load_workbook(recalculated, data_only=True)[SUMMARY_SHEET]
    compared = 0
    for i, rl in enumerate(excluded.layout.rows):
        r = FIRST_DATA_ROW + i + 1
        a, b = ours.cell(r, COL_TOTAL + 1).value, theirs.cell(r, COL_TOTAL + 1).value
        if isinstance(a, (int, float)):
            assert b == pytest.approx(a, rel=1e-13), rl.code
            compared += 1
    assert compared > 40


def test_a_value_far_from_the_others_is_a_warning_quoting_the_median(included: Any) -> None:
    found = [(f.unit, i) for f in included.batch.files.iter() for i in f.issues if i.code == "outlier"]
    dossiers = {u: i for u, i in found if i.indicator == "3.3.1.a"}
    assert sorted(dossiers) == ["X0103", "X0104"]  # 1.594 and 46.065 among figures of about 150
    issue = dossiers["X0104"]
    assert issue.severity == "warning" and "46.065" in issue.message and "trung vị" in issue.message
    assert issue.cell == "D47"


def test_the_unit_columns_are_the_districts_communes_in_register_order(included: Any) -> None:
    ws = openpyxl.load_workbook(included.out)[SUMMARY_SHEET]
    assert ws.cell(ROW_HEAD2 + 1, FIRST_UNIT_COL + 1).value == "X0101"
    assert [c.code for c in included.columns][:3] == ["X0101", "X0102", "X0103"]


def test_modified_z_scores_follow_iglewicz_and_hoaglin() -> None:
    from cchc_xlsx.batch.outliers import modified_z_scores

    scores = modified_z_scores([10, 12, 11, 13, 12, 11, 10, 500])
    assert scores is not None and abs(scores[-1]) > 3.5 and all(abs(z) < 3.5 for z in scores[:-1])
    assert modified_z_scores([5]) is None and modified_z_scores([5] * 10) is None


@pytest.mark.parametrize(
    ("values", "flagged"),
    [
        ([32] * 19 + [3200], True),  # an extra pair of zeros where every other unit typed 32
        ([0] * 19 + [5000], True),
        ([0] * 19 + [46065], True),  # a date serial among zeros
        ([0] * 19 + [1], False),  # one case where the others had none: not a typo
        ([32] * 19 + [33], False),
        ([0, 0, 0, 0, 0, 0, 0, 2], False),
    ],
)
def test_a_typo_among_equal_figures_is_flagged_without_flagging_small_differences(values: list[int], flagged: bool) -> None:
    """MAD = 0 (most units report the same figure): the mean absolute deviation stands in."""
    from cchc_xlsx.batch.outliers import THRESHOLD, modified_z_scores

    scores = modified_z_scores([float(v) for v in values])
    assert scores is not None
    assert (abs(scores[-1]) > THRESHOLD) is flagged
    assert all(abs(z) <= THRESHOLD for z in scores[:-1])
