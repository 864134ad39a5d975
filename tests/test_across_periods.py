"""Across periods (issue 14): the period algebra, the year rolled up from its
quarters by ``period_agg``, a cumulative report never added to its own
quarters, the multi-period table, and the checks of a return against the
unit's history.

The office: two communes of huyện Chợ Đồn over 2023 and 2024. Every quarter is
returned, except xã Hai's Quý III 2024; xã Hai also sent a 6-month report for
2024 (which says 1.1 = 9 where its quarters add up to 8). Rows used (default
catalogue): 1.1 (flow), 1.2.1 / 1.2.2 (cumulative, ratio 1.2 over them),
3.3.1.a / 3.3.1.b (flow, ratio 3.3.1 over them), 4.5.2 (stock: staff present).
"""

from __future__ import annotations

import json
import math
import textwrap
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import cchc_xlsx as cx
from cchc_xlsx.cli import main
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.periods import cover, parse_period, period_range
from cchc_xlsx.testing import fill_template

try:
    from tests.libreoffice import recalculate, require_soffice
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    from libreoffice import recalculate, require_soffice

UNITS = textwrap.dedent(
    """\
    code,name,level,parent
    H01,Huyện Chợ Đồn,huyen,
    X01,Xã Một,xa,H01
    X02,Xã Hai,xa,H01
    """
)
QUARTERS = [f"{y}-Q{q}" for y in (2023, 2024) for q in (1, 2, 3, 4)]


def figures(unit: str, period: str) -> dict[str, Any]:
    """Each return's figures: distinct per unit and quarter, so that a sum or a
    "latest" taken from the wrong return shows."""
    p = parse_period(period)
    u = 1 if unit == "X01" else 2
    q = {"Q1": 1, "Q2": 2, "Q3": 3, "Q4": 4}.get(p.kind, 0)
    k = (p.year - 2022) * 10 + q
    return {
        "1.1": u + q,  # flow
        "1.2.1": 40 * u,  # cumulative: the year's plan
        "1.2.2": 8 * u * q,  # cumulative: done so far this year
        "3.3.1.a": 100 * u + k,  # flow
        "3.3.1.b": 90 * u + k,  # flow
        "4.5.2": 20 + u + q,  # stock: staff present at the report date
        "1.6": "Có" if q == 2 else "Không",  # flow (an event): a dialogue held in quarter II
    }


@pytest.fixture(scope="module")
def office(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("periods")
    (d / "units.csv").write_text(UNITS, "utf-8")
    catalog = cx.load_catalog()
    units = cx.load_units(d / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    store = d / "kho.sqlite"
    sent: dict[str, dict[str, Path]] = {}

    def send(period: str, unit: str, values: dict[str, Any]) -> Path:
        files = cx.generate(catalog, "xa", period, d / "mau" / period, units, force=True)
        template = next(f.path for f in files if f.unit is not None and f.unit.code == unit)
        path = d / "nop" / period / f"{period}_xa_{unit}.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fill_template(template.read_bytes(), layout, values))
        sent.setdefault(period, {})[unit] = path
        return path

    for period in QUARTERS:
        for unit in ("X01", "X02"):
            if (period, unit) != ("2024-Q3", "X02"):
                send(period, unit, figures(unit, period))
    half = {**figures("X02", "2024-Q2"), "1.1": 9, "3.3.1.a": 200 + 21 + 200 + 22, "3.3.1.b": 180 + 21 + 180 + 22}
    send("2024-H1", "X02", half)
    for period in [*QUARTERS, "2024-H1"]:
        res = cx.check(d / "nop" / period, catalog, level="xa", period=period, units=units, unit="H01", store=store)
        assert res.counts["rejected"] == 0
    return {"dir": d, "catalog": catalog, "units": units, "store": store, "half": half, "sent": sent}


# -- the period algebra --------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "held", "pieces", "missing", "own"),
    [
        ("2024", ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"], ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"], [], False),
        ("2024", ["2024-H1", "2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"], ["2024-H1", "2024-Q3", "2024-Q4"], [], False),
        ("2024", ["2024-9M", "2024-H1", "2024-Q4"], ["2024-9M", "2024-Q4"], [], False),
        ("2024", ["2024", "2024-Q1", "2024-9M"], ["2024"], [], True),
        ("2024", ["2024-H1", "2024-Q4"], ["2024-H1", "2024-Q4"], ["2024-Q3"], False),
        ("2024-9M", ["2024-H1", "2024-Q3", "2024-Q4"], ["2024-H1", "2024-Q3"], [], False),
        ("2024-H1", ["2024-9M", "2024-Q1"], ["2024-Q1"], ["2024-Q2"], False),
        ("2024-H1", ["2023-Q1", "2023-Q2"], [], ["2024-Q1", "2024-Q2"], False),
        ("2024-Q2", ["2024-H1", "2024-Q2"], ["2024-Q2"], [], True),
    ],
)
def test_cover_never_adds_a_cumulative_report_to_its_own_quarters(target, held, pieces, missing, own):
    c = cover(parse_period(target), held)
    assert [p.code for p in c.pieces] == pieces
    assert [p.code for p in c.missing] == missing
    assert c.own is own
    covered = [q for p in c.pieces for q in range(*_quarters(p))]
    assert len(covered) == len(set(covered)), "a quarter counted twice"


def _quarters(p: cx.Period) -> tuple[int, int]:
    if p.kind.startswith("Q"):
        return int(p.kind[1]), int(p.kind[1]) + 1
    return 1, {"H1": 2, "9M": 3, "Y": 4}[p.kind] + 1


def test_period_ranges_and_previous_periods():
    assert [p.code for p in period_range("2021..2025")] == ["2021", "2022", "2023", "2024", "2025"]
    assert [p.code for p in period_range("2024-Q3..2025-Q1,2025")] == ["2024-Q3", "2024-Q4", "2025-Q1", "2025"]
    for bad in ("2025..2021", "2021..2024-Q2", "2024-H1..2024", "", "2000..2100"):
        with pytest.raises(cx.PeriodError):
            period_range(bad)


# -- the year from its quarters ------------------------------------------------------------


def by_hand(unit: str, year: int, half: dict[str, Any] | None = None) -> dict[str, float]:
    """The unit's year by hand: flows add up, stock and cumulative rows take Q4's."""
    quarters = [figures(unit, f"{year}-Q{q}") for q in (1, 2, 3, 4)]
    if unit == "X02" and year == 2024:
        assert half is not None
        pieces = [half, quarters[3]]  # 6 tháng + Q4 (Q3 missing): never Q1 + Q2 + 6 tháng
    else:
        pieces = quarters
    out = {c: float(sum(p[c] for p in pieces)) for c in ("1.1", "3.3.1.a", "3.3.1.b")}
    out.update({c: float(pieces[-1][c]) for c in ("1.2.1", "1.2.2", "4.5.2")})
    return out


def test_the_year_is_its_quarters_added_up_by_period_agg(office: dict[str, Any]):
    d = office["dir"]
    res = cx.rollup(office["store"], "2024", "xa", d / "nam_2024.xlsx", office["catalog"], unit="H01", units=office["units"], json_path=d / "nam_2024.json")
    x01, x02 = by_hand("X01", 2024), by_hand("X02", 2024, office["half"])
    for code in ("1.1", "1.2.1", "1.2.2", "3.3.1.a", "3.3.1.b", "4.5.2"):
        assert res.totals[code] == pytest.approx(x01[code] + x02[code]), code
    # ratios from the rolled-up parts, never an average of the quarters' ratios
    assert res.totals["1.2"] == pytest.approx((x01["1.2.2"] + x02["1.2.2"]) / (x01["1.2.1"] + x02["1.2.1"]) * 100)
    assert res.totals["3.3.1"] == pytest.approx((x01["3.3.1.b"] + x02["3.3.1.b"]) / (x01["3.3.1.a"] + x02["3.3.1.a"]) * 100)
    # a Có/Không flow row: Có for the year when any quarter said Có (both held a dialogue in Q2)
    assert res.totals["1.6"] == 2
    # the 6-month report is xã Hai's figure: 1.1 = 9 + Q4's 6, not Q1 + Q2 + 9
    assert by_hand("X02", 2024, office["half"])["1.1"] == 9 + figures("X02", "2024-Q4")["1.1"]
    assert res.partial
    cols = {c.code: c for c in res.columns}
    assert cols["X01"].doubtful == {}
    # xã Hai lacks Q3: its flow values and its stock values (Q4 is there) …
    assert set(cols["X02"].doubtful) >= {"1.1", "3.3.1.a", "3.3.1.b", "3.3.1"}
    assert "4.5.2" not in cols["X02"].doubtful and "1.2.2" not in cols["X02"].doubtful
    codes = [(i.code, i.indicator) for f in res.batch.files for i in f.issues]
    assert (cx.IssueCode.CUMULATIVE_MISMATCH, "1.1") in codes  # 6 tháng says 9, Q1 + Q2 give 3 + 4
    assert (cx.IssueCode.CUMULATIVE_MISMATCH, "3.3.1.a") not in codes  # these agree
    # the workbook: the summed appendix, its status sheet names the missing quarter
    wb = openpyxl.load_workbook(d / "nam_2024.xlsx", data_only=True)
    status = [[c.value for c in r] for r in wb["Tình hình nộp báo cáo"].iter_rows()]
    assert any("thiếu 2024-Q3" in str(v) for r in status for v in r)
    report = json.loads((d / "nam_2024.json").read_text("utf-8"))
    assert report["period"] == "2024" and report["totals"]["1.1"] == pytest.approx(res.totals["1.1"])
    # and it rolls up a level like any other appendix
    again = cx.check(d / "nam_2024.xlsx", office["catalog"], level="huyen", period="2024")
    assert again.counts["accepted"] == 1
    assert again.accepted[0].values["1.1"] == pytest.approx(res.totals["1.1"])
    partial = [i.message for i in again.accepted[0].issues if i.code == cx.IssueCode.PARTIAL_SOURCE]
    assert partial and "2/2 đơn vị cấp dưới đã nộp, 1 đơn vị thiếu kỳ báo cáo" in partial[0]


def test_a_half_year_from_quarters_equals_the_6_month_figures(office: dict[str, Any]):
    res = cx.rollup(office["store"], "2023-H1", "xa", None, office["catalog"], unit="H01", units=office["units"])
    for code in ("1.1", "3.3.1.a"):
        want = sum(figures(u, f"2023-Q{q}")[code] for u in ("X01", "X02") for q in (1, 2))
        assert res.totals[code] == want
    assert res.totals["4.5.2"] == sum(figures(u, "2023-Q2")["4.5.2"] for u in ("X01", "X02"))
    assert not res.partial


def test_rollup_usage_errors_name_the_option(office: dict[str, Any], capsys: pytest.CaptureFixture[str]):
    d = office["dir"]
    with pytest.raises(cx.UsageError) as e:
        cx.rollup(office["store"], "2021", "xa", None, office["catalog"])
    assert e.value.option == "period" and "2023-Q1" in str(e.value)
    with pytest.raises(cx.StoreError):
        cx.rollup(d / "khong_co.sqlite", "2024", "xa", None, office["catalog"])
    assert not (d / "khong_co.sqlite").exists()
    rc = main(["rollup", "--store", str(office["store"]), "--period", "2024", "--level", "xa", "--unit", "H01", "--units", str(d / "units.csv"), "--out", str(d / "cli_nam.xlsx")])
    out = capsys.readouterr().out
    assert rc == 1 and "Xã Hai (X02): kho lưu · X02 · 2024-H1 + 2024-Q4 (thiếu 2024-Q3)" in out
    rc = main(["rollup", "--store", str(office["store"]), "--period", "2024", "--level", "xa", "--out", str(d / "cli_nam.xlsx")])
    assert rc == 2 and "--force" in capsys.readouterr().err
    rc = main(["rollup", "--store", str(office["store"]), "--period", "2023", "--level", "xa", "--unit", "H01", "--units", str(d / "units.csv"), "--out", str(d / "nam_2023.xlsx")])
    assert rc == 0
    rc = main(["rollup", "--store", str(office["store"]), "--period", "2023", "--level", "xa", "--out", str(d / "x.xlsx"), "--json", str(office["store"]), "--force"])
    assert rc == 2 and "là kho lưu" in capsys.readouterr().err
    # a commune whose returns are in the store but not in the units file: rejected, named, exit 1
    only_x01 = d / "units_x01.csv"
    only_x01.write_text(UNITS.replace("X02,Xã Hai,xa,H01\n", ""), "utf-8")
    res = cx.rollup(office["store"], "2023", "xa", None, office["catalog"], unit="H01", units=only_x01)
    rejected = [f for f in res.batch.files if f.status == "rejected"]
    assert [f.unit for f in rejected] == ["X02"] and rejected[0].issues[0].code == cx.IssueCode.UNIT_UNEXPECTED
    assert res.exit_code == 1
    # the API's exit code is the command's: a unit short of a quarter is an error
    assert cx.rollup(office["store"], "2024", "xa", None, office["catalog"], unit="H01", units=office["units"]).exit_code == 1


# -- the multi-period table --------------------------------------------------------------


def test_series_matches_the_store(office: dict[str, Any]):
    d = office["dir"]
    s = cx.series(office["store"], "X01", "2023..2024", d / "x01.xlsx", office["catalog"], units=office["units"])
    assert [c.label for c in s.columns] == ["Năm 2023", "Năm 2024"]
    for col, year in zip(s.columns, (2023, 2024)):
        hand = by_hand("X01", year)
        for code, v in hand.items():
            assert col.values[code] == pytest.approx(v)
        assert col.values["1.2"] == pytest.approx(hand["1.2.2"] / hand["1.2.1"] * 100)
    wb = openpyxl.load_workbook(d / "x01.xlsx")
    ws = wb["Qua các kỳ"]
    header = [c.value for c in ws[5]]
    assert header[:5] == ["STT", "Chỉ tiêu", "Đơn vị tính", "Năm 2023", "Năm 2024"]
    # a year known only to its first quarter is printed "tính đến"
    part = cx.series(office["store"], "X02", ["2024-Q3", "2024"], None, office["catalog"], units=office["units"])
    assert part.columns[0].values == {} and part.columns[0].sources == "kho lưu chưa có"
    assert part.columns[1].flagged and not part.columns[1].complete  # Q3 missing: yellow cells
    # the district's own total per period
    total = cx.series(office["store"], "H01", "2023..2024", d / "h01.xlsx", office["catalog"], units=office["units"], level="xa")
    assert total.consolidated
    year = cx.rollup(office["store"], "2023", "xa", None, office["catalog"], unit="H01", units=office["units"])
    assert total.columns[0].values["1.1"] == year.totals["1.1"]


def test_series_from_a_folder_of_returns_without_a_store(office: dict[str, Any], tmp_path: Path):
    d = office["dir"]
    s = cx.series([d / "nop"], "X01", "2023-Q1..2024-Q4", tmp_path / "x01.xlsx", office["catalog"])
    assert [c.values.get("1.1") for c in s.columns] == [figures("X01", q)["1.1"] for q in QUARTERS]
    assert s.read is not None and s.read.counts["accepted"] == len(QUARTERS) * 2
    assert s.columns[0].sources.startswith("biểu đã đọc · X01 ·")
    # a second, different return of the same quarter: a conflict, named, never a silent gap
    other = tmp_path / "nop_them"
    other.mkdir()
    (other / "a.xlsx").write_bytes(office["sent"]["2024-Q1"]["X01"].read_bytes())
    values = {**figures("X01", "2024-Q1"), "1.1": 99}
    layout = build_layout(office["catalog"], "xa")
    template = next(f.path for f in cx.generate(office["catalog"], "xa", "2024-Q1", tmp_path / "mau", office["units"]) if f.unit and f.unit.code == "X01")
    (other / "b.xlsx").write_bytes(fill_template(template.read_bytes(), layout, values))
    s = cx.series(other, "X01", "2024-Q1", None, office["catalog"])
    assert not s.columns[0].complete and "nhiều bản khác nhau" in s.columns[0].sources
    rc = main(["series", str(d / "nop"), "--unit", "X02", "--periods", "2024-Q1..2024-Q4,2024", "--out", str(tmp_path / "x02.xlsx")])
    assert rc == 1  # xã Hai's quarter III is missing


def test_libreoffice_computes_the_cached_values_of_the_new_workbooks(office: dict[str, Any], tmp_path: Path):
    require_soffice()
    books = [tmp_path / "nam.xlsx", tmp_path / "series.xlsx"]
    cx.rollup(office["store"], "2024", "xa", books[0], office["catalog"], unit="H01", units=office["units"])
    cx.series(office["store"], "X02", "2023..2024", books[1], office["catalog"], units=office["units"])
    out = recalculate(books, tmp_path / "lo")
    checked = 0
    for before_path, after_path in zip(books, out):
        formulas = openpyxl.load_workbook(before_path)
        before = openpyxl.load_workbook(before_path, data_only=True)
        after = openpyxl.load_workbook(after_path, data_only=True)
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type != "f":
                        continue
                    checked += 1
                    a, b = before[ws.title][c.coordinate].value, after[ws.title][c.coordinate].value
                    if a in (None, "") or b in (None, ""):
                        assert a in (None, "") and b in (None, ""), (before_path.name, c.coordinate)
                    else:
                        assert math.isclose(float(a), float(b), rel_tol=1e-12), (before_path.name, c.coordinate, a, b)
    assert checked > 50


# -- checks against history ---------------------------------------------------------------


@pytest.fixture
def quiet_history(tmp_path: Path) -> dict[str, Any]:
    """Xã Một's returns of 2023 (four quarters) and 2024-Q1, in a store of their own."""
    (tmp_path / "units.csv").write_text(UNITS, "utf-8")
    catalog = cx.load_catalog()
    units = cx.load_units(tmp_path / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    store = tmp_path / "kho.sqlite"

    def send(period: str, values: dict[str, Any]) -> cx.CheckResult:
        files = cx.generate(catalog, "xa", period, tmp_path / "mau" / period, units, force=True)
        template = next(f.path for f in files if f.unit is not None and f.unit.code == "X01")
        path = tmp_path / "nop" / period / f"{period}_X01.xlsx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(fill_template(template.read_bytes(), layout, values))
        return cx.check(path, catalog, level="xa", period=period, units=units, store=store)

    for period in ("2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4", "2024-Q1"):
        send(period, figures("X01", period))
    return {"send": send}


def _history_codes(res: cx.CheckResult) -> list[tuple[str, str | None]]:
    wanted = {cx.IssueCode.COPIED_FORWARD, cx.IssueCode.CUMULATIVE_DECREASED, cx.IssueCode.JUMP}
    return [(str(i.code), i.indicator) for f in res.files for i in f.issues if i.code in wanted]


def test_history_checks_stay_silent_on_a_clean_return(quiet_history: dict[str, Any]):
    assert _history_codes(quiet_history["send"]("2024-Q2", figures("X01", "2024-Q2"))) == []


def test_a_return_copied_from_the_previous_quarter_is_a_warning(quiet_history: dict[str, Any]):
    res = quiet_history["send"]("2024-Q2", figures("X01", "2024-Q1"))
    assert ("copied-forward", None) in _history_codes(res)
    msg = next(i.message for f in res.files for i in f.issues if i.code == cx.IssueCode.COPIED_FORWARD)
    assert "Quý I năm 2024" in msg


def test_a_cumulative_value_that_goes_down_is_a_warning(quiet_history: dict[str, Any]):
    values = {**figures("X01", "2024-Q2"), "1.2.2": 3}  # Q1 said 8 done so far
    res = quiet_history["send"]("2024-Q2", values)
    assert _history_codes(res) == [("cumulative-decreased", "1.2.2")]
    msg = next(i.message for f in res.files for i in f.issues if i.code == cx.IssueCode.CUMULATIVE_DECREASED)
    assert "(8)" in msg and "Quý I năm 2024" in msg


def test_a_jump_against_the_units_own_quarters_is_a_warning(quiet_history: dict[str, Any]):
    values = {**figures("X01", "2024-Q2"), "3.3.1.a": 5000, "3.3.1.b": 4000}
    res = quiet_history["send"]("2024-Q2", values)
    assert ("jump", "3.3.1.a") in _history_codes(res) and ("jump", "3.3.1.b") in _history_codes(res)
    msg = next(i.message for f in res.files for i in f.issues if i.code == cx.IssueCode.JUMP)
    assert "trung vị" in msg


# -- the same period last year -------------------------------------------------------------


def test_the_appendix_compares_with_the_same_period_last_year(office: dict[str, Any], tmp_path: Path):
    d = office["dir"]
    res = cx.consolidate(
        d / "nop" / "2024-Q1", office["catalog"], tmp_path / "q1.xlsx", level="xa", period="2024-Q1",
        units=office["units"], unit="H01", store=office["store"], json_path=tmp_path / "q1.json",
    )  # fmt: skip
    last = res.last_year
    assert last is not None and last.period == "2023-Q1" and (last.submitted, last.expected) == (2, 2)
    want = sum(figures(u, "2023-Q1")["1.1"] for u in ("X01", "X02"))
    assert last.totals["1.1"] == want
    diff, pct = last.change("1.1", res.totals["1.1"])
    assert diff == res.totals["1.1"] - want and pct == pytest.approx(diff / want * 100)
    ws = openpyxl.load_workbook(tmp_path / "q1.xlsx")["Tổng hợp"]
    heads = [c.value for c in ws[7]]
    at = heads.index("Cùng kỳ năm trước (Quý I năm 2023)")
    assert heads[at - 1] == "Ghi chú"  # after the contract's columns, which stay where they were
    row = next(r for r in ws.iter_rows() if r[0].value == "1.1")
    assert row[at].value == want and str(row[at + 1].value).startswith("=IF(")
    ratio = next(r for r in ws.iter_rows() if r[0].value == "1.2")
    assert ratio[at + 2].value is None  # a ratio's change is its difference in percent points
    report = json.loads((tmp_path / "q1.json").read_text("utf-8"))
    assert report["same_period_last_year"]["totals"]["1.1"] == want
    # the year: 2024 against 2023, rolled up the same way
    year = cx.rollup(office["store"], "2024", "xa", None, office["catalog"], unit="H01", units=office["units"])
    assert year.last_year is not None and year.last_year.period == "2023"
    assert year.last_year.totals["1.1"] == sum(by_hand(u, 2023)["1.1"] for u in ("X01", "X02"))
    # nothing to compare with: no columns
    early = cx.rollup(office["store"], "2023", "xa", None, office["catalog"], unit="H01", units=office["units"])
    assert early.last_year is None
    # Q3 2024 lacks xã Hai, Q3 2023 has both: the change is marked as not like for like
    cx.consolidate(
        d / "nop" / "2024-Q3", office["catalog"], tmp_path / "q3.xlsx", level="xa", period="2024-Q3",
        units=office["units"], unit="H01", store=office["store"],
    )  # fmt: skip
    ws = openpyxl.load_workbook(tmp_path / "q3.xlsx")["Tổng hợp"]
    assert "chưa cùng đơn vị — xem ghi chú" in [c.value for c in ws[8]]


def test_a_cumulative_report_checked_against_its_quarters_in_the_store(office: dict[str, Any], tmp_path: Path):
    """xã Hai's 6-month report read again with the store: 1.1 = 9, its quarters give 8."""
    store = tmp_path / "kho.sqlite"
    for period in ("2024-Q1", "2024-Q2", "2024-H1"):
        res = cx.check(office["sent"][period]["X02"], office["catalog"], level="xa", period=period, units=office["units"], store=store)
    found = [(i.code, i.indicator) for f in res.files for i in f.issues if i.code == cx.IssueCode.CUMULATIVE_MISMATCH]
    assert found == [(cx.IssueCode.CUMULATIVE_MISMATCH, "1.1")]
    quiet = cx.check(office["sent"]["2024-Q2"]["X01"], office["catalog"], level="xa", period="2024-Q2", units=office["units"], store=store)
    assert not [i for f in quiet.files for i in f.issues if i.code == cx.IssueCode.CUMULATIVE_MISMATCH]


# -- after a second user review ----------------------------------------------------------


def test_a_commune_in_the_store_but_not_in_the_units_file_is_named_with_unit_too(office: dict[str, Any]):
    only_x01 = office["dir"] / "units_x01_only.csv"
    only_x01.write_text(UNITS.replace("X02,Xã Hai,xa,H01\n", ""), "utf-8")
    res = cx.rollup(office["store"], "2023", "xa", None, office["catalog"], unit="H01", units=only_x01)
    assert [(f.unit, f.status) for f in res.batch.files if f.status == "rejected"] == [("X02", "rejected")]
    assert res.exit_code == 1


def test_a_longer_report_that_cannot_be_split_is_named(office: dict[str, Any], tmp_path: Path):
    """A unit whose only returns of the year are a 9-month report and quarter IV has no 6-month figure."""
    store = tmp_path / "kho.sqlite"
    for period in ("2024-Q1", "2024-H1"):
        cx.check(office["sent"][period]["X02"], office["catalog"], level="xa", period=period, units=office["units"], store=store)
    res = cx.rollup(store, "2024-Q2", "xa", None, office["catalog"], unit="H01", units=office["units"])
    x02 = next(f for f in res.batch.files if f.unit == "X02")
    assert x02.status == "rejected" and "2024-H1" in x02.issues[0].message and "không tách ra được" in x02.issues[0].message


def test_the_rules_hold_for_rolled_up_figures(tmp_path: Path):
    """4.5.4 (staff cut in the period, a flow) ≤ 4.5.2 (staff present, a stock):
    each quarter keeps it (8 ≤ 22), the year does not (32 > 22)."""
    (tmp_path / "units.csv").write_text(UNITS, "utf-8")
    catalog = cx.load_catalog()
    units = cx.load_units(tmp_path / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    store = tmp_path / "kho.sqlite"
    for q in (1, 2, 3, 4):
        period = f"2022-Q{q}"
        files = cx.generate(catalog, "xa", period, tmp_path / "mau" / period, units)
        template = next(f.path for f in files if f.unit is not None and f.unit.code == "X01")
        path = tmp_path / f"{period}.xlsx"
        path.write_bytes(fill_template(template.read_bytes(), layout, {"4.5.1": 25, "4.5.2": 22, "4.5.4": 8}))
        read = cx.check(path, catalog, level="xa", period=period, units=units, store=store)
        assert read.counts["accepted"] == 1 and not any(i.severity == "error" for f in read.files for i in f.issues)
    res = cx.rollup(store, "2022", "xa", None, catalog, unit="H01", units=units)
    rules = [i for f in res.batch.files for i in f.issues if i.code == cx.IssueCode.RULE]
    assert rules and rules[0].message.startswith("Số cộng dồn năm 2022:") and rules[0].severity == "error"


def test_the_check_side_words_a_stock_row_as_the_last_quarters(office: dict[str, Any], tmp_path: Path):
    store = tmp_path / "kho.sqlite"
    for period in ("2024-Q1", "2024-Q2"):
        cx.check(office["sent"][period]["X02"], office["catalog"], level="xa", period=period, units=office["units"], store=store)
    layout = build_layout(office["catalog"], "xa")
    files = cx.generate(office["catalog"], "xa", "2024-H1", tmp_path / "mau", office["units"])
    template = next(f.path for f in files if f.unit is not None and f.unit.code == "X02")
    half = tmp_path / "h1.xlsx"
    half.write_bytes(fill_template(template.read_bytes(), layout, {**office["half"], "4.5.2": 99}))
    res = cx.check(half, office["catalog"], level="xa", period="2024-H1", units=office["units"], store=store)
    texts = {i.indicator: i.message for f in res.files for i in f.issues if i.code == cx.IssueCode.CUMULATIVE_MISMATCH}
    assert texts["4.5.2"].startswith("Báo cáo 6 tháng đầu năm 2024 ghi 4.5.2 = 99, nhưng Quý II (số cuối kỳ) ghi 24")
    assert "Quý I + Quý II cộng lại được 7" in texts["1.1"]  # 3 + 4


def test_last_years_figures_of_a_commune_that_reports_by_quarters(office: dict[str, Any], tmp_path: Path):
    files = cx.generate(office["catalog"], "xa", "2025", tmp_path / "mau", office["units"], with_previous=True, store=office["store"])
    state = {f.unit.code: f.previous for f in files if f.unit is not None}
    assert state == {"X01": "found", "X02": "missing"}  # xã Hai's 2024 lacks quarter III
    ws = openpyxl.load_workbook(next(f.path for f in files if f.unit and f.unit.code == "X01")).worksheets[0]
    row = next(r for r in ws.iter_rows() if r[0].value == "1.1")
    assert row[8].value == by_hand("X01", 2024)["1.1"]


def test_more_usage_mistakes(office: dict[str, Any]):
    with pytest.raises(cx.UsageError) as e:
        cx.check(office["sent"]["2024-Q1"]["X01"], office["catalog"], jump_factor=2)
    assert e.value.option == "jump_factor"
    with pytest.raises(cx.UsageError) as e:
        cx.series(office["store"], "X01", "2024", None, office["catalog"], units=office["units"], level="huyen")
    assert e.value.option == "level"


def test_verbose_prints_every_issue_of_a_file():
    """--verbose promises every issue; a file with 45 was cut at 40 ("… và 5 vấn đề khác")."""
    import io

    from cchc_xlsx.issues import issue
    from cchc_xlsx.outputs.console import print_summary
    from cchc_xlsx.read.record import FileResult

    f = FileResult(path="x.xlsx", unit="X01", period="2024", level="xa")
    f.issues = [issue(cx.IssueCode.PERIOD_INCOMPLETE, f"vấn đề số {k}", indicator="1.1") for k in range(45)]
    out = io.StringIO()
    print_summary(cx.CheckResult([f], level="xa", period="2024"), out, verbose=True)
    text = out.getvalue()
    assert "vấn đề khác" not in text and all(f"vấn đề số {k}" in text for k in range(45))
