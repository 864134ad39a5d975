"""Templates with the unit's previous-period figures (``generate --with-previous``):
the reference column holds the store's figures, is locked and grey, is never
read back as the unit's figures, LibreOffice computes the same formulas, and the
user's mistakes are refused with a Vietnamese message and nothing written."""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path
from typing import Any

import openpyxl
import pytest

import cchc_xlsx as cx
from cchc_xlsx.cli import main
from cchc_xlsx.errors import StoreError, UsageError
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import (
    COL_NOTE,
    COL_PREVIOUS,
    COL_VALUE,
    ROW_HEAD1,
    ROW_STATUS,
    build_layout,
)
from cchc_xlsx.layout.meta import META_SHEET
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.sheet import fast_sheet, parse_sheet
from cchc_xlsx.testing import Filler, fill_template
from cchc_xlsx.write.zipstamp import StampableZip

try:  # tests/ as a package (tests/__init__.py) or as a rootdir-less folder
    from tests.libreoffice import recalculate
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    from libreoffice import recalculate

PREVIOUS, PERIOD = "2023-Q4", "2024-Q1"
UNITS = textwrap.dedent(
    """\
    code,name,level,parent
    H01,Huyện Chợ Đồn,huyen,
    X01,Xã Một,xa,H01
    X02,Xã Hai,xa,H01
    X03,Xã Ba,xa,H01
    X04,Xã Bốn,xa,H01
    """
)
# X01's return of 2023-Q4: a count, a ratio's parts, a choice, Có/Không, a percent
LAST_QUARTER: dict[str, Any] = {
    "1.1": 2,
    "1.2.1": 40,
    "1.2.2": 10,
    "1.5.2": "Kết hợp",
    "1.6": "Có",
    "4.4": 92.5,
}
# what X01 types this quarter: a rule broken (1.2.2 > 1.2.1), text in a count, a note
THIS_QUARTER: dict[str, Any] = {"1.1": 3, "1.2.1": 20, "1.2.2": 25, "1.4.1": "năm", "1.6": "Không"}
NOTES = {"1.1": "Gồm 1 công văn"}


@pytest.fixture
def office(tmp_path: Path) -> dict[str, Any]:
    """A store that holds 2023-Q4: X01's return, two different returns of X02 in one
    run (a conflict), X04's blank template; nothing of X03."""
    catalog = cx.load_catalog()
    (tmp_path / "units.csv").write_text(UNITS, "utf-8")
    units = cx.load_units(tmp_path / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    old = {f.unit.code: f.path.read_bytes() for f in cx.generate(catalog, "xa", PREVIOUS, tmp_path / "q4", units) if f.unit}
    returns = tmp_path / "nop_q4"
    returns.mkdir()
    (returns / "x01.xlsx").write_bytes(fill_template(old["X01"], layout, LAST_QUARTER))
    (returns / "x02a.xlsx").write_bytes(fill_template(old["X02"], layout, {"1.1": 1}))
    (returns / "x02b.xlsx").write_bytes(fill_template(old["X02"], layout, {"1.1": 5}))
    (returns / "x04.xlsx").write_bytes(old["X04"])
    store = tmp_path / "kho.sqlite"
    cx.check(returns, catalog, level="xa", period=PREVIOUS, units=units, store=store)
    return {"catalog": catalog, "units": units, "layout": layout, "store": store, "dir": tmp_path}


def _generate(office: dict[str, Any], out: str, **kw: Any) -> dict[str, cx.GeneratedFile]:
    files = cx.generate(office["catalog"], "xa", PERIOD, office["dir"] / out, office["units"], **kw)
    return {f.unit.code: f for f in files if f.unit is not None}


def _column_i(path: Path, layout: Any) -> dict[str, Any]:
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    return {rl.code: ws.cell(rl.r + 1, COL_PREVIOUS + 1).value for rl in layout.rows}


def test_the_reference_column_holds_the_units_figures_of_the_previous_quarter(office: dict[str, Any]) -> None:
    layout = office["layout"]
    files = _generate(office, "q1", with_previous=True, store=office["store"])
    assert {u: f.previous for u, f in files.items()} == {
        "X01": "found",
        "X02": "conflict",
        "X03": "missing",
        "X04": "blank",
    }
    shown = _column_i(files["X01"].path, layout)
    # as column D shows them: the ratio computed (10/40), Có/Không and choices by label
    assert {k: v for k, v in shown.items() if v is not None} == {**LAST_QUARTER, "1.2": 25}
    wb = openpyxl.load_workbook(files["X01"].path)
    ws = wb.worksheets[0]
    assert ws.protection.sheet
    head = ws.cell(ROW_HEAD1 + 1, COL_PREVIOUS + 1)
    assert head.value == "Kỳ trước\n(Quý IV năm 2023)"
    assert f"{head.coordinate}:{a1(ROW_HEAD1 + 1, COL_PREVIOUS)}" in {str(m) for m in ws.merged_cells.ranges}
    assert "Quý IV năm 2023" in ws.cell(ROW_STATUS + 1, COL_PREVIOUS + 1).value
    for code in ("1.1", "1.2", "1.6", "3"):
        cell = ws.cell(layout[code].r + 1, COL_PREVIOUS + 1)
        assert cell.protection.locked, code  # sheet protection keeps it: locked
        assert cell.fill.fgColor.rgb == "FFE7E6E6", code  # grey: a reference
    assert ws.cell(layout["1.2"].r + 1, COL_PREVIOUS + 1).number_format == "0.00"  # as D's ratio
    assert ws.cell(layout["1.1"].r + 1, COL_VALUE + 1).value is None  # nothing typed for the unit
    items = {r[0]: r[1] for r in wb[META_SHEET].iter_rows(values_only=True) if r[0]}
    assert items["previous_period"] == PREVIOUS and items["period"] == PERIOD
    # no figure to show: blank column, and the line above it says why
    for code, why in (("X02", "nhiều biểu"), ("X03", "chưa có biểu"), ("X04", "không có số liệu")):
        assert set(_column_i(files[code].path, layout).values()) == {None}, code
        ws = openpyxl.load_workbook(files[code].path).worksheets[0]
        assert why in ws.cell(ROW_STATUS + 1, COL_PREVIOUS + 1).value, code


def test_cumulative_reports_show_the_same_period_of_the_previous_year(tmp_path: Path) -> None:
    catalog = cx.load_catalog()
    (tmp_path / "units.csv").write_text(UNITS, "utf-8")
    units = cx.load_units(tmp_path / "units.csv", catalog)
    layout = build_layout(catalog, "xa")
    (old,) = [f for f in cx.generate(catalog, "xa", "2023-H1", tmp_path / "h1", units) if f.unit and f.unit.code == "X01"]
    (tmp_path / "nop").mkdir()
    (tmp_path / "nop" / "x01.xlsx").write_bytes(fill_template(old.path.read_bytes(), layout, {"1.1": 7}))
    cx.check(tmp_path / "nop", catalog, level="xa", period="2023-H1", units=units, store=tmp_path / "kho.sqlite")
    with cx.Store(tmp_path / "kho.sqlite") as store:  # a Store given is used, and left open
        files = cx.generate(catalog, "xa", "2024-H1", tmp_path / "out", units, with_previous=True, store=store)
        assert store.periods() == ["2023-H1"]
    x01 = next(f for f in files if f.unit and f.unit.code == "X01")
    assert x01.previous == "found" and _column_i(x01.path, layout)["1.1"] == 7
    ws = openpyxl.load_workbook(x01.path).worksheets[0]
    assert ws.cell(ROW_HEAD1 + 1, COL_PREVIOUS + 1).value == "Kỳ trước\n(6 tháng đầu năm 2023)"


def _read(office: dict[str, Any], path: Path) -> tuple[Any, ...]:
    result = cx.check(path, office["catalog"], level="xa", period=PERIOD, units=office["units"])
    (f,) = list(result.files.iter(values=True))
    issues = [(i.severity, i.code, i.indicator, i.cell, i.message) for i in f.issues]
    return f.status, f.unit, f.values, f.notes, issues


def _add_cell(data: bytes, layout: Any, ref: str, text: str) -> bytes:
    """``data`` with a text cell at ``ref`` (last of its row) on the form's sheet."""
    (info_path,) = [Package(data).sheet(layout.sheets[0].name).path]  # type: ignore[union-attr]
    z = StampableZip(data)
    xml = z.plain[info_path].decode("utf-8")
    row = re.search(r"\d+", ref).group(0)  # type: ignore[union-attr]
    cell = f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    xml, n = re.subn(rf'(<row r="{row}"[^>]*>.*?)(</row>)', lambda m: m.group(1) + cell + m.group(2), xml, count=1, flags=re.S)
    assert n == 1
    return z.write({info_path: xml.encode("utf-8")})


def test_a_return_with_the_column_is_read_as_one_without_it(office: dict[str, Any]) -> None:
    layout = office["layout"]
    plain = _generate(office, "plain")["X01"].path.read_bytes()
    wide = _generate(office, "wide", with_previous=True, store=office["store"])["X01"].path.read_bytes()
    # rendered for the unit rather than stamped: the same form, identity and captions
    books = [openpyxl.load_workbook(io.BytesIO(data)) for data in (plain, wide)]
    sheets = [{(c.coordinate, c.value) for row in b.worksheets[0].iter_rows(max_col=8) for c in row} for b in books]
    assert sheets[0] == sheets[1]
    metas = [{r[0]: r[1] for r in b[META_SHEET].iter_rows(values_only=True) if r[0] != "generated_at"} for b in books]
    assert metas[1].pop("previous_period") == PREVIOUS and metas[0] == metas[1]
    out = office["dir"] / "read"
    out.mkdir()
    cases = {
        "filled": (THIS_QUARTER, NOTES),
        "blank": ({}, {}),  # the reference figures are not the unit's: an empty form
    }
    for name, (values, notes) in cases.items():
        a, b = out / f"{name}_plain.xlsx", out / f"{name}_wide.xlsx"
        a.write_bytes(Filler(plain, layout).fill(values, notes))
        b.write_bytes(Filler(wide, layout).fill(values, notes))
        assert _read(office, a) == _read(office, b), name
    status, _unit, values, _notes, issues = _read(office, out / "blank_wide.xlsx")
    assert status == "accepted" and values == {}
    assert [i[1] for i in issues] == [IssueCode.EMPTY_FORM]
    status, _unit, values, notes, issues = _read(office, out / "filled_wide.xlsx")
    assert values["1.1"] == 3 and values["1.2"] == 125 and notes == NOTES
    assert [(i[1], i[3]) for i in issues] == [(IssueCode.NOT_A_NUMBER, "D15"), (IssueCode.RULE, "D13")]

    # data beyond the form: column I of a template without the column, J of one with it
    filled = Filler(plain, layout).fill(THIS_QUARTER)
    (out / "i_plain.xlsx").write_bytes(_add_cell(filled, layout, "I10", "99"))
    filled = Filler(wide, layout).fill(THIS_QUARTER)
    (out / "j_wide.xlsx").write_bytes(_add_cell(filled, layout, "J10", "99"))
    for name, ref in (("i_plain", "I10"), ("j_wide", "J10")):
        _s, _u, _v, _n, issues = _read(office, out / f"{name}.xlsx")
        (bounds,) = [i for i in issues if i[1] == IssueCode.CELL_OUT_OF_BOUNDS]
        assert bounds[3] == ref, name


def test_the_fast_sheet_path_and_expat_agree_on_a_template_with_the_column(office: dict[str, Any]) -> None:
    layout = office["layout"]
    wide = _generate(office, "wide", with_previous=True, store=office["store"])["X01"].path.read_bytes()
    data = Filler(wide, layout).fill(THIS_QUARTER, NOTES)
    pkg = Package(data)
    info = pkg.sheet(layout.sheets[0].name)
    assert info is not None
    last = layout.sheets[0].last_row + 200
    part = StampableZip(data).plain[info.path]
    fast = fast_sheet(part, pkg, last, COL_PREVIOUS, info.path, keep_col=COL_NOTE)
    slow = parse_sheet(part, pkg, last, COL_PREVIOUS, info.path, keep_col=COL_NOTE)
    assert fast is not None  # not declined: read by the fast path
    assert {k: c for k, c in fast.cells.items() if c.kind is not None} == {k: c for k, c in slow.cells.items() if c.kind is not None}
    assert fast.outside == slow.outside == [] and fast.protected and slow.protected


def test_libreoffice_computes_every_formula_to_our_cached_values_and_keeps_the_column(
    office: dict[str, Any],
) -> None:
    layout = office["layout"]
    path = _generate(office, "lo", with_previous=True, store=office["store"])["X01"].path
    (recalculated,) = recalculate([path], office["dir"] / "lo_out")
    ours_f = openpyxl.load_workbook(path)
    ours = openpyxl.load_workbook(path, data_only=True)
    theirs = openpyxl.load_workbook(recalculated, data_only=True)
    compared = 0
    for ws in ours_f.worksheets:
        if ws.title == META_SHEET:
            continue
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    mine = ours[ws.title][cell.coordinate].value
                    lo = theirs[ws.title][cell.coordinate].value
                    assert (None if mine == "" else mine) == (None if lo == "" else lo), cell.coordinate
                    compared += 1
    assert compared > 200
    ws = theirs.worksheets[0]
    assert ws.protection.sheet
    assert {rl.code: ws.cell(rl.r + 1, COL_PREVIOUS + 1).value for rl in layout.rows if ws.cell(rl.r + 1, COL_PREVIOUS + 1).value is not None} == {**LAST_QUARTER, "1.2": 25}
    # filled and re-saved by LibreOffice, it is still read as the same return
    filled = office["dir"] / "lo_filled.xlsx"
    filled.write_bytes(Filler(path.read_bytes(), layout).fill(THIS_QUARTER, NOTES))
    (resaved,) = recalculate([filled], office["dir"] / "lo_filled_out")
    a, b = _read(office, filled), _read(office, resaved)
    assert a[2] == b[2] and a[3] == b[3]
    assert [i[1:4] for i in a[4]] == [i[1:4] for i in b[4]]


# --------------------------------------------------------------------------- the user's mistakes


def test_without_a_store_the_api_refuses_before_anything_is_written(office: dict[str, Any]) -> None:
    with pytest.raises(UsageError) as exc:
        _generate(office, "none", with_previous=True)
    assert exc.value.option == "store" and "kho lưu" in str(exc.value)
    with pytest.raises(UsageError) as exc:
        _generate(office, "none", store=office["store"])  # a store, but no column asked for
    assert exc.value.option == "store"
    with pytest.raises(StoreError):
        _generate(office, "none", with_previous=True, store=office["dir"] / "khong_co.sqlite")
    assert not (office["dir"] / "khong_co.sqlite").exists()  # never created
    with pytest.raises(UsageError) as exc:
        cx.generate(office["catalog"], "xa", PERIOD, office["dir"] / "none", None, with_previous=True, store=office["store"])
    assert exc.value.option == "with_previous" and "Biểu chung" in str(exc.value)
    assert not (office["dir"] / "none").exists()


def _cli(office: dict[str, Any], *extra: str) -> int:
    return main(["generate", "--level", "xa", "--period", PERIOD, "--units", str(office["dir"] / "units.csv"), "--out", str(office["dir"] / "cli"), *extra])


def test_the_command_line_with_a_store_from_the_option_or_the_environment(
    office: dict[str, Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CCHC_XLSX_STORE", raising=False)
    assert _cli(office, "--with-previous", "--store", str(office["store"])) == 0
    out = capsys.readouterr().out
    assert "Cột I (kỳ trước, Quý IV năm 2023): số liệu của 1/4 đơn vị" in out
    assert "X02, X03, X04" in out
    x01 = next((office["dir"] / "cli").glob("*_X01_*.xlsx"))
    assert _column_i(x01, office["layout"])["1.1"] == 2
    # the environment variable names the store; without --with-previous it is not used
    monkeypatch.setenv("CCHC_XLSX_STORE", str(office["store"]))
    assert _cli(office, "--with-previous", "--force") == 0
    assert _column_i(x01, office["layout"])["1.1"] == 2
    assert _cli(office, "--force") == 0
    assert set(_column_i(x01, office["layout"]).values()) == {None}
    plain = openpyxl.load_workbook(x01).worksheets[0]
    assert plain.max_column == 8  # A–H: the plain template as before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--with-previous"], "--with-previous lấy số liệu kỳ trước từ kho lưu lịch sử"),
        (["--with-previous", "--generic"], "Biểu chung"),
        (["--store", "kho.sqlite"], "Kho lưu chỉ dùng khi tạo biểu có cột số liệu kỳ trước"),
        (["--with-previous", "--store", "/khong/co/kho.sqlite"], "Chưa có kho lưu"),
    ],
)
def test_command_line_mistakes_exit_2_in_vietnamese_and_write_nothing(
    office: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    extra: list[str],
    message: str,
) -> None:
    monkeypatch.delenv("CCHC_XLSX_STORE", raising=False)
    if "--generic" in extra:
        extra = [*extra, "--store", str(office["store"])]
    assert _cli(office, *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (office["dir"] / "cli").exists()


def test_without_units_the_command_line_refuses_a_generic_template_with_the_column(
    office: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    out = office["dir"] / "generic"
    args = ["generate", "--level", "xa", "--period", PERIOD, "--out", str(out), "--with-previous", "--store", str(office["store"])]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "Biểu chung" in err and "(tham số --with-previous)" in err and "Traceback" not in err
    assert not out.exists()
