"""Consolidating many units (issue 5) without memory that grows with them.

* states are added up unit by unit (``aggregate.Accumulator``) and each return's
  column is derived from its own values (``return_value``, ``return_weight``):
  both give exactly what building every unit's state and merging them gave;
* the summary and the side sheets are streamed to disk row by row, through a
  worksheet class that skips XlsxWriter's formula rewriting and writes plain
  numbers and blanks itself: the XML must be XlsxWriter's, and no formula we
  write may need Excel's ``_xlfn.`` prefix;
* the workbook-structure lock is written while the file is made;
* more units than the sheet has columns are refused before anything is read;
* a failed write leaves no file behind.
"""

from __future__ import annotations

import gc
import io
import json
import random
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
import yaml
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

import cchc_xlsx.api as api_module
import cchc_xlsx.layout.summary as summary_layout
import cchc_xlsx.write.consolidated as consolidated_writer
from cchc_xlsx import consolidate, generate, load_catalog, load_units, parse_period
from cchc_xlsx.batch.columns import BLOCK, Columns
from cchc_xlsx.batch.store import FileStore
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.demo import example_values
from cchc_xlsx.errors import UsageError
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.layout.summary import (
    FIRST_UNIT_COL,
    MAX_UNITS,
    NOTES_SHEET,
    SUMMARY_SHEET,
    WEIGHTS_SHEET,
    XLSX_MAX_COLS,
)
from cchc_xlsx.outputs.json_report import write_report_json
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.aggregations import (
    Accumulator,
    return_value,
    return_weight,
    total,
    unit_state,
)
from cchc_xlsx.testing import fill_template
from cchc_xlsx.write.consolidated import write_consolidated_file
from cchc_xlsx.write.protection import default_password, legacy_password_hash
from cchc_xlsx.write.xlsxwriter_private import StreamedSheet as _StreamedSheet
from cchc_xlsx.write.xlsxwriter_private import UnitCells
from tests.aggregation_oracle import consolidate_states, states_from_values

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-Q1"
GENERATED_AT = "2024-04-01T00:00:00+00:00"

AGG_CATALOG = """
catalog:
  id: thu-nghiem-cong
  version: "1"
  title: "BIỂU THỬ CÁCH CỘNG"
  levels: [xa, huyen]
rows:
  - code: "1"
    label: "Các cách cộng"
    type: heading
  - code: "1.1"
    label: "Số hồ sơ"
    unit: "Hồ sơ"
    type: count
  - code: "1.2"
    label: "Kinh phí"
    unit: "Triệu đồng"
    type: decimal
  - code: "1.3"
    label: "Điểm trung bình"
    type: decimal
    agg: mean
  - code: "1.4"
    label: "Điểm thấp nhất"
    type: decimal
    agg: min
  - code: "1.5"
    label: "Điểm cao nhất"
    type: decimal
    agg: max
  - code: "1.6"
    label: "Tỷ lệ có trọng số"
    unit: "%"
    type: percent
    agg: weighted_mean
    weight: "1.1"
  - code: "1.7"
    label: "Tỷ lệ trung bình"
    unit: "%"
    type: percent
  - code: "1.8"
    label: "Có tổ chức đối thoại"
    type: boolean
  - code: "1.9"
    label: "Hình thức"
    type: choice
    options:
      - {value: 0, label: "Trực tuyến"}
      - {value: 1, label: "Phát phiếu"}
      - {value: 2, label: "Kết hợp"}
  - code: "1.10"
    label: "Tổng"
    type: sum
    terms: ["1.1", "1.2"]
  - code: "1.11"
    label: "Tỷ lệ"
    unit: "%"
    type: ratio
    numerator: "1.2"
    denominator: "1.1"
  - code: "1.12"
    label: "Ghi chú"
    type: text
"""

NUMBERS: list[object] = [
    0, 1, 7, -3, 120, 2**53 - 1, 2**53, 2**60, -(2**61), 10**70,
    0.1, 0.2, 2.5, -0.0, 5.0, 1e-300, 1e300, 123456.789, 1 / 3, float(2**60), -7.25,
    True, False, "x", "", None,
]
ANSWERS: list[object] = [0, 1, 0.0, 1.0, 2, -1, True, False, "Có", None]
CHOICES: list[object] = [0, 1, 2, 3, -1, 1.0, True, "Kết hợp", None]


@pytest.fixture(scope="module")
def agg_catalog(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    path = tmp_path_factory.mktemp("agg") / "catalog.yaml"
    path.write_text(AGG_CATALOG.lstrip("\n"), encoding="utf-8")
    return load_catalog(path)


def random_values(rnd: random.Random, catalog: Catalog) -> dict[str, object]:
    out: dict[str, object] = {}
    for row in catalog.rows_for_level("xa"):
        pool = {"boolean": ANSWERS, "choice": CHOICES, "text": ["Đường truyền chậm", None], "heading": [None]}.get(row.type, NUMBERS)
        v = rnd.choice(pool)
        if v is not None:
            out[row.code] = v
    return out


def old_cell(catalog: Catalog, row: Any, values: dict[str, object]) -> object:
    """A return's number cell the way it was computed from the unit's state."""
    v = total(catalog, row, {row.code: unit_state(row, values)})
    typed = values.get(row.code)
    if v is None and isinstance(typed, (int, float)) and not isinstance(typed, bool):
        v = typed
    return v


def old_weight(catalog: Catalog, row: Any, values: dict[str, object]) -> float:
    st = unit_state(row, values)
    if row.agg == "weighted_mean":
        return float(st.get("w", 0)) if st.get("wsum") is not None else 0
    return int(st.get("n", 0))


def same(a: object, b: object) -> bool:
    """Equal, and of the same type (1 and 1.0 are written alike, but say so)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_adding_up_unit_by_unit_equals_merging_every_units_state(agg_catalog: Catalog):
    cat = agg_catalog
    codes = [r.code for r in cat.rows_for_level("xa") if r.type not in ("heading", "ratio", "text")]
    rnd = random.Random(5)
    for _trial in range(60):
        units = [random_values(rnd, cat) for _ in range(rnd.randint(0, 12))]
        states = [states_from_values(cat, codes, v) for v in units]
        acc = Accumulator(cat, codes)
        for v in units:
            acc.add_values(v)
        assert same(acc.result(), consolidate_states(cat, codes, states))
        # consolidated books (groups of units) added up: the merge of the merges
        groups = [states[i : i + 3] for i in range(0, len(states), 3)]
        books = [consolidate_states(cat, codes, g) for g in groups]
        acc = Accumulator(cat, codes)
        for b in books:
            acc.add_states(b)
        assert same(acc.result(), consolidate_states(cat, codes, books))


def test_a_returns_cells_and_weights_are_those_of_its_state(agg_catalog: Catalog):
    cat = agg_catalog
    rows = [r for r in cat.rows_for_level("xa") if r.type not in ("heading", "ratio", "text") and r.agg not in ("count_yes", "count_options")]
    rnd = random.Random(7)
    for _trial in range(400):
        values = random_values(rnd, cat)
        for row in rows:
            assert same(return_value(cat, row, values), old_cell(cat, row, values)), (row.code, values)
            if row.agg in ("mean", "weighted_mean"):
                assert same(return_weight(row, values), old_weight(cat, row, values)), (row.code, values)


# --------------------------------------------------------------------------- the streamed workbook


def _sheet_xml(worksheet_class: Any) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    fmt = wb.add_format({"num_format": "0.00", "border": 1})
    ws = wb.add_worksheet("S", worksheet_class=worksheet_class)
    numbers = [0, 1, -3, 2**53, 2**60, 0.1, 1 / 3, -0.0, 1e-300, 1e300, 123456.789, 5.0]
    for r, n in enumerate(numbers):
        ws.write_number(r, 0, n, fmt)
        ws.write_number(r, 1, n)
        ws.write_blank(r, 2, None, fmt)
        ws.write_string(r, 3, f" chữ <{r}> & \"x\" ", fmt)
        ws.write_formula(r, 4, f'IF(A{r + 1}<0,"",A{r + 1}*2)', fmt, n * 2)
        ws.write_formula(r, 5, f'IF(A{r + 1}<0,"","a&b")', None, "a&b")
    wb.close()
    with zipfile.ZipFile(buf) as z:
        return z.read("xl/worksheets/sheet1.xml")


class _PlainStreamed(Worksheet):
    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": True})


def test_streamed_cells_are_written_as_xlsxwriter_writes_them():
    assert _sheet_xml(_StreamedSheet) == _sheet_xml(_PlainStreamed)


def _unit_cells_xml(raw: bool) -> bytes:
    """A sheet whose unit columns are written through ``UnitCells`` (raw) or XlsxWriter's ``write_*``."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    fmt = wb.add_format({"num_format": "0.00", "border": 1})
    other = wb.add_format({"bold": True, "locked": False})
    ws = wb.add_worksheet("S", worksheet_class=_StreamedSheet if raw else _PlainStreamed)
    letters = [xl_col_to_name(FIRST_UNIT_COL + i) for i in range(14)]
    numbers = [0, 1, -3, 2**53, 0.1, 1 / 3, -0.0, 1e-300, 1e300, 123456.789, 5.0]
    for r, n in enumerate(numbers):
        ws.write_string(r, 0, "trước", fmt)
        gap = other if r % 2 else None  # odd rows: the columns not written are formatted blanks
        cells: Any = UnitCells(ws, r, letters, FIRST_UNIT_COL, gap=gap) if raw else ws
        c = FIRST_UNIT_COL
        cells.write_number(r, c, n, fmt)
        cells.write_number(r, c + 1, n)
        cells.write_blank(r, c + 2, None, other)
        cells.write_blank(r, c + 3, None, None)  # no cell at all
        cells.write_string(r, c + 4, f" chữ <{r}> & \"x\" ", fmt)
        cells.write_string(r, c + 5, "Có" if r % 2 else "Không", other)
        cells.write_formula(r, c + 6, f'IF(E{r + 1}<0,"",E{r + 1}*2)', fmt, n * 2)
        cells.write_formula(r, c + 7, f'IF(E{r + 1}<0,"","a&b")', None, "a&b")
        cells.write_formula(r, c + 8, f"IF(COUNT(E{r + 1})=1,E{r + 1},\"\")", fmt, "")
        cells.write_formula(r, c + 9, "1/0", fmt, "#DIV/0!")
        cells.write_formula(r, c + 10, f"E{r + 1}>0", other, n > 0)
        if not raw and gap is not None:
            cells.write_blank(r, c + 11, None, gap)
            cells.write_blank(r, c + 12, None, gap)
        if r % 3 == 0:
            cells.write_number(r, c + 13, r)  # a gap before the last unit column
        elif not raw and gap is not None:
            cells.write_blank(r, c + 13, None, gap)
        if raw:
            cells.flush()
        ws.write_string(r, FIRST_UNIT_COL + 14, "sau", fmt)
    empty = UnitCells(ws, len(numbers), letters, FIRST_UNIT_COL)
    empty.flush()  # nothing written: no row
    wb.close()
    with zipfile.ZipFile(buf) as z:
        return z.read("xl/worksheets/sheet1.xml")


def test_unit_cells_are_written_as_xlsxwriter_writes_them(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(UnitCells, "CHUNK", 4)  # rows of several pieces
    xml = _unit_cells_xml(raw=True)
    assert xml == _unit_cells_xml(raw=False)
    assert b't="str"' in xml and b't="e"' in xml and b't="b"' in xml and b"&amp;" in xml


def test_unit_cells_go_left_to_right_once_each():
    cells = UnitCells(None, 0, ["E", "F", "G"], FIRST_UNIT_COL)  # the sheet is only used by flush()
    cells.write_number(0, FIRST_UNIT_COL + 1, 1)
    for c in (FIRST_UNIT_COL, FIRST_UNIT_COL + 1, FIRST_UNIT_COL + 3):
        with pytest.raises(ValueError, match="left to right"):
            cells.write_number(0, c, 2)


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Huyện Chợ Đồn's book from five communes (one missing) and tỉnh Bắc Kạn's from the district books."""
    tmp = tmp_path_factory.mktemp("books")
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(ROOT / "examples" / "units_cho_don.csv", catalog.levels)
    layout = build_layout(catalog, "xa")
    base = yaml.safe_load((ROOT / "examples" / "returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    files = generate(catalog, "xa", parse_period(PERIOD), tmp / "templates", units, generated_at=GENERATED_AT)
    for f in files:
        assert f.unit is not None
        if f.unit.code in ("X0105", "X0202"):
            continue  # not sent
        folder = tmp / "returns" / (f.unit.parent or "")
        folder.mkdir(parents=True, exist_ok=True)
        values = example_values(catalog, layout, f.unit.code, base)
        (folder / f.path.name).write_bytes(fill_template(f.path.read_bytes(), layout, values))
    for code in ("H01", "H02"):
        consolidate([tmp / "returns" / code], catalog, tmp / "district" / f"{code}.xlsx", level="xa", period=PERIOD, units=units, unit=code, workers=0)
    res = consolidate([tmp / "district"], catalog, tmp / "T11.xlsx", level="huyen", period=PERIOD, units=units, unit="T11", workers=0)
    district = consolidate([tmp / "returns" / "H01"], catalog, None, level="xa", period=PERIOD, units=units, unit="H01", workers=0)
    return {"district": tmp / "district" / "H01.xlsx", "province": tmp / "T11.xlsx", "res": res, "district_res": district}


@pytest.mark.parametrize("which", ["district", "province"])
def test_no_formula_needs_the_xlfn_prefix(books: dict[str, Any], which: str):
    """XlsxWriter's own preparation (future functions included) leaves every formula as it is."""
    stock = Worksheet()
    wb = openpyxl.load_workbook(books[which])
    formulas = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert len(formulas) > 100
    for f in formulas:
        assert stock._prepare_formula(f, expand_future_functions=True) == f[1:], f
        assert stock._prepare_formula(f) == f[1:], f


@pytest.mark.parametrize("which", ["district", "province"])
def test_weights_are_written_only_where_a_total_reads_them(books: dict[str, Any], which: str):
    wb = openpyxl.load_workbook(books[which])
    summary, weights = wb[SUMMARY_SHEET], wb[WEIGHTS_SHEET]
    reading = {c.row for c in summary["D"] if isinstance(c.value, str) and WEIGHTS_SHEET in c.value}
    assert reading
    written = {c.row for row in weights.iter_rows() for c in row if c.value is not None}
    assert written and written <= reading
    assert all(c.value != 0 for row in weights.iter_rows() for c in row if c.value is not None)


def test_structure_is_locked_while_the_file_is_made(books: dict[str, Any]):
    with zipfile.ZipFile(books["district"]) as z:
        xml = z.read("xl/workbook.xml").decode()
        names = z.namelist()
    tag = f'<workbookProtection workbookPassword="{legacy_password_hash(default_password())}" lockStructure="1"/><bookViews>'
    assert tag in xml
    assert openpyxl.load_workbook(books["district"]).security.lockStructure
    assert "xl/sharedStrings.xml" in names  # the meta sheet keeps shared strings


def test_returns_states_are_not_kept(books: dict[str, Any]):
    res = books["district_res"]
    submitted = [c for c in res.columns if c.status == "submitted"]
    assert submitted and all(c.state == {} and c.file is not None and res.values_of(c)[0] for c in submitted)
    rolled = [c for c in books["res"].columns if c.status == "submitted"]
    assert rolled and all(c.from_consolidated and c.state for c in rolled)


# --------------------------------------------------------------------------- limits and failures


def test_the_last_unit_column_is_xfd():
    assert XLSX_MAX_COLS == 16384
    assert FIRST_UNIT_COL + MAX_UNITS + 1 == XLSX_MAX_COLS  # the note column is XFD


def test_more_units_than_columns_are_refused_before_reading(tmp_path: Path):
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    lines = ["code,name,level,parent", "T01,Tỉnh Thử,tinh,"]
    lines += [f"X{i:05d},Xã Thử {i:05d},xa,T01" for i in range(MAX_UNITS + 1)]
    (tmp_path / "units.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    units = load_units(tmp_path / "units.csv", catalog.levels)
    (tmp_path / "in").mkdir()
    read: list[int] = []
    with pytest.raises(UsageError, match=rf"{MAX_UNITS + 1} đơn vị.*{XLSX_MAX_COLS} cột.*tối đa {MAX_UNITS} đơn vị"):
        consolidate([tmp_path / "in"], catalog, tmp_path / "out.xlsx", level="xa", period=PERIOD, units=units, unit="T01",
                    workers=0, progress=lambda done, total: read.append(done))
    assert read == [] and not (tmp_path / "out.xlsx").exists()


def test_too_many_columns_without_a_units_file_is_refused_before_writing(books: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(summary_layout, "MAX_UNITS", 2)
    res = books["district_res"]
    with pytest.raises(UsageError, match="tối đa 2 đơn vị"):
        write_consolidated_file(res, tmp_path / "out.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_file(books: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    scratch = tmp_path / "system_tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def fail(*_args: Any) -> None:
        raise RuntimeError("ổ đĩa đầy")

    monkeypatch.setattr(consolidated_writer, "write_issues", fail)
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError):
        write_consolidated_file(books["district_res"], tmp_path / "out" / "H01.xlsx")
    assert list((tmp_path / "out").iterdir()) == []
    assert list(scratch.iterdir()) == []  # the streamed sheets' row files too


def test_written_book_has_no_temporary_leftovers(books: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder = Path(books["district"]).parent
    assert sorted(p.name for p in folder.iterdir()) == ["H01.xlsx", "H02.xlsx"]
    assert not any(re.match(r"\.cchc-tmp-", p.name) for p in folder.iterdir())
    scratch = tmp_path / "system_tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    write_consolidated_file(books["district_res"], tmp_path / "out" / "H01.xlsx")
    # nobody sent a return: the weights sheet is empty (XlsxWriter leaves an empty streamed sheet's row file)
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(ROOT / "examples" / "units_cho_don.csv", catalog.levels)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "ghi_chu.txt").write_text("không phải biểu mẫu", encoding="utf-8")
    res = consolidate([tmp_path / "in"], catalog, tmp_path / "out" / "H02.xlsx", level="xa", period=PERIOD, units=units, unit="H02", workers=0)
    assert res.submitted == 0
    assert openpyxl.load_workbook(tmp_path / "out" / "H02.xlsx")[WEIGHTS_SHEET].max_row == 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["H01.xlsx", "H02.xlsx"]
    assert list(scratch.iterdir()) == []  # XlsxWriter's part files and the row files


def test_text_shaped_like_xlsxwriter_markup_stays_text(tmp_path: Path):
    """XlsxWriter writes a string "<r>…</r>" as raw rich-text XML; a commune's note must stay its text."""
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(ROOT / "examples" / "units_cho_don.csv", catalog.levels)
    layout = build_layout(catalog, "xa")
    files = generate(catalog, "xa", parse_period(PERIOD), tmp_path / "templates", units, generated_at=GENERATED_AT)
    f = next(f for f in files if f.unit is not None and f.unit.code == "X0201")
    note = "<r><rPr><b/></rPr><t>đậm</t></r>"
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / f.path.name).write_bytes(fill_template(f.path.read_bytes(), layout, {"1.1": 2}, {"1.1": note}))
    consolidate([tmp_path / "in"], catalog, tmp_path / "H02.xlsx", level="xa", period=PERIOD, units=units, unit="H02", workers=0)
    rows = list(openpyxl.load_workbook(tmp_path / "H02.xlsx")[NOTES_SHEET].iter_rows(values_only=True))
    assert ("X0201", "Thị trấn Phủ Thông", "1.1", "Ghi chú", note) in rows


# --------------------------------------------------------------------------- values on disk, not in the parent


def test_columns_give_back_every_value_row_by_row(tmp_path: Path):
    """The transpose keeps every value exactly (its type too), over more columns than one block."""
    codes = ["a", "b", "c"]
    kinds: list[object] = [0, -7, 2**53, 2**60, -(2**70), 1.5, -0.0, 1e300, float("nan"), True, False, "Có ý kiến", "", {"x": 1}, None]
    n = BLOCK * 2 + 3
    cols = Columns(codes, n, dir=str(tmp_path))
    expected = {c: [None] * n for c in codes}
    try:
        for j in range(n):
            if j % 5 == 4:
                continue  # a column never added stays blank
            values = {c: kinds[(j + i) % len(kinds)] for i, c in enumerate(codes) if (j + i) % 7}
            values["not-a-row"] = 1
            cols.add(j, values)
            for c in codes:
                expected[c][j] = values.get(c)
        assert list(tmp_path.iterdir()) == []  # unlinked when made
        for c in codes:
            got = cols.row(c)
            assert len(got) == n
            for g, e in zip(got, expected[c]):
                if isinstance(e, float) and e != e:
                    assert isinstance(g, float) and g != g
                else:
                    assert type(g) is type(e) and g == e and str(g) == str(e)
        assert cols.row("not-a-row") == [None] * n
    finally:
        cols.close()


def _alive_file_results() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is FileResult)


def test_the_parent_keeps_no_file_records_in_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Each file's record, values and notes go to disk as it arrives (the
    batch's FileStore): once the batch is read, and once the outputs are
    written, no FileResult is alive in the parent; the records are still there
    to be read back, and writing the book again gives the very same book."""
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(ROOT / "examples" / "units_cho_don.csv", catalog.levels)
    layout = build_layout(catalog, "xa")
    base = yaml.safe_load((ROOT / "examples" / "returns_seed000_tan_lap.yaml").read_text("utf-8"))["values"]
    files = generate(catalog, "xa", parse_period(PERIOD), tmp_path / "templates", units, generated_at=GENERATED_AT)
    (tmp_path / "in").mkdir()
    sent = 0
    for f in files:
        assert f.unit is not None
        if f.unit.parent == "H01" and f.unit.code != "X0105":
            sent += 1
            values = example_values(catalog, layout, f.unit.code, base)
            (tmp_path / "in" / f.path.name).write_bytes(fill_template(f.path.read_bytes(), layout, values, {"1.1": f"ghi chú {f.unit.code}"}))
    (tmp_path / "in" / "copy.xlsx").write_bytes(next((tmp_path / "in").glob("*.xlsx")).read_bytes())  # a duplicate, skipped
    del files
    seen: dict[str, Any] = {}
    build = api_module.build_consolidation

    def spy(batch: Any, *args: Any, **kwargs: Any) -> Any:
        seen["alive"] = _alive_file_results()
        return build(batch, *args, **kwargs)

    monkeypatch.setattr(api_module, "build_consolidation", spy)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")  # the same generation time in both books
    out = tmp_path / "out"
    before = _alive_file_results()
    for workers in (0, 1):
        res = consolidate([tmp_path / "in"], catalog, out / "H01.xlsx", level="xa", period=PERIOD, units=units, unit="H01",
                          json_path=out / "H01.json", csv_path=out / "H01.csv", workers=workers, force=True)
        assert sent > 2 and res.submitted == sent and len(res.batch.files) == sent + 1
        assert seen["alive"] == before and _alive_file_results() == before
    # read back from disk: records, values and notes
    assert isinstance(res.batch.files, FileStore)
    assert res.batch.files.statuses() == {"accepted": sent, "skipped": 1}
    col = next(c for c in res.columns if c.status == "submitted")
    f = res.file_of(col)
    assert f is not None and f.unit == col.code and f.values == {}
    values, notes = res.values_of(col)
    assert values and notes == {"1.1": f"ghi chú {col.code}"}
    assert (out / "H01.json").read_text("utf-8") == json.dumps(res.as_json(), ensure_ascii=False, indent=2) + "\n"
    notes_rows = list(openpyxl.load_workbook(out / "H01.xlsx")[NOTES_SHEET].iter_rows(values_only=True))
    assert sum(1 for r in notes_rows if r[3] == "Ghi chú") == sent
    write_consolidated_file(res, tmp_path / "again.xlsx", password=default_password())
    with zipfile.ZipFile(out / "H01.xlsx") as a, zipfile.ZipFile(tmp_path / "again.xlsx") as b:
        assert [name for name in a.namelist() if a.read(name) != b.read(name)] == []


def test_the_streamed_json_report_of_no_files_is_json_dumps_text():
    from cchc_xlsx.batch.result import CheckResult as Batch

    batch = Batch(files=[], level="xa", period=PERIOD, expected=["X1"])
    buf = io.StringIO()
    write_report_json(batch, buf)
    assert buf.getvalue() == json.dumps(batch.as_json(), ensure_ascii=False, indent=2) + "\n"
    assert json.loads(buf.getvalue())["files"] == []


def test_a_full_temporary_disk_is_a_clear_message_not_a_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):
    import sqlite3

    import cchc_xlsx.batch.assess as batch_module
    from cchc_xlsx.cli import main

    class FullDisk(FileStore):
        def add_packed(self, packed: Any) -> None:
            raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(batch_module, "FileStore", FullDisk)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.xlsx").write_bytes(b"not a workbook")
    code = main(["consolidate", str(tmp_path / "in"), "--out", str(tmp_path / "out.xlsx"), "--level", "xa", "--period", PERIOD])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert "database or disk is full" in err and "TMPDIR" in err
    assert not (tmp_path / "out.xlsx").exists()
