"""The consolidated workbook's cached formula values, checked by a real client.

Programs that do not recalculate (openpyxl ``data_only=True``, pandas,
python-calamine) read the value cached with each formula, so every cached value
must be what a spreadsheet computes. Two books are recalculated by LibreOffice
headless in ONE soffice call and every formula cell of every sheet is compared,
cached (before) against computed (after):

(a) huyện Chợ Đồn's book from its communes' returns (xã Tân Lập with seed 000's
    figures, the others with the demo's example figures, xã Đồng Lạc missing:
    a blank column, a partial book);
(b) tỉnh Bắc Kạn's book from the two district books (the roll-up: unit columns
    that are themselves totals, counts of Có and per-option counts).

Numbers are compared with a relative tolerance of 1e-12 (LibreOffice saves 15
significant digits), strings exactly; a formula whose result is the empty
string may be read back as None or "" and both mean blank.

Without LibreOffice these tests FAIL (``make test`` as root installs it);
``CCHC_SKIP_LIBREOFFICE=1`` skips them on purpose.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml

from cchc_xlsx import consolidate, generate, load_catalog, load_units, parse_period
from cchc_xlsx.demo import example_values
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.layout.summary import SUMMARY_SHEET
from cchc_xlsx.testing import fill_template

try:  # tests/ as a package (tests/__init__.py) or as a rootdir-less folder
    from tests.libreoffice import recalculate, require_soffice
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    from libreoffice import recalculate, require_soffice

ROOT = Path(__file__).resolve().parent.parent
UNITS_CSV = ROOT / "examples" / "units_cho_don.csv"
TAN_LAP_YAML = ROOT / "examples" / "returns_seed000_tan_lap.yaml"
PERIOD = "2024-Q1"
MISSING = "X0120"  # xã Đồng Lạc has not sent its return
REL = 1e-12


@dataclass(frozen=True)
class Book:
    name: str
    path: Path
    recalculated: Path


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Book]:
    require_soffice()
    tmp = tmp_path_factory.mktemp("lo_consolidated")
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    units = load_units(UNITS_CSV, catalog.levels)
    layout = build_layout(catalog, "xa")
    files = generate(catalog, "xa", parse_period(PERIOD), tmp / "templates", units, generated_at="2024-04-01T00:00:00+00:00")
    base: Mapping[str, Any] = yaml.safe_load(TAN_LAP_YAML.read_text("utf-8"))["values"]
    returns = tmp / "returns"
    for f in files:
        assert f.unit is not None
        if f.unit.code == MISSING:
            continue
        values = dict(base) if f.unit.code == "X0114" else example_values(catalog, layout, f.unit.code, base)
        folder = returns / (f.unit.parent or "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f.path.name).write_bytes(fill_template(f.path.read_bytes(), layout, values))
    district_dir = tmp / "district_books"
    district_dir.mkdir()
    for code in ("H01", "H02"):
        consolidate([returns / code], catalog, district_dir / f"{code}.xlsx", level="xa", period=PERIOD, units=units, unit=code, workers=0)
    province = tmp / "province" / "T11.xlsx"
    province.parent.mkdir()
    res = consolidate([district_dir], catalog, province, level="huyen", period=PERIOD, units=units, unit="T11", workers=0)
    assert [c.status for c in res.columns] == ["submitted", "submitted"]
    assert res.partial  # H01's book is partial
    sources = [district_dir / "H01.xlsx", province]
    out = recalculate(sources, tmp / "recalculated")
    return {
        "district": Book("H01 from communes", sources[0], out[0]),
        "province": Book("T11 from district books", sources[1], out[1]),
    }


def _blank(v: object) -> bool:
    return v is None or v == ""


def _same(cached: object, computed: object) -> bool:
    if _blank(cached) or _blank(computed):
        return _blank(cached) and _blank(computed)
    if isinstance(cached, bool) or isinstance(computed, bool):
        return cached == computed
    if isinstance(cached, (int, float)) and isinstance(computed, (int, float)):
        return math.isclose(cached, computed, rel_tol=REL, abs_tol=0.0)
    return cached == computed


def formula_cells(path: Path) -> list[tuple[str, str, str]]:
    """(sheet, cell, formula) of every formula cell of every sheet."""
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    out.append((ws.title, c.coordinate, str(c.value)))
    return out


def compare(book: Book) -> tuple[int, list[str]]:
    before = openpyxl.load_workbook(book.path, data_only=True)
    after = openpyxl.load_workbook(book.recalculated, data_only=True)
    cells = formula_cells(book.path)
    wrong = []
    for sheet, ref, formula in cells:
        cached, computed = before[sheet][ref].value, after[sheet][ref].value
        if not _same(cached, computed):
            wrong.append(f"{book.name}: {sheet}!{ref} {formula[:90]}: cached {cached!r}, LibreOffice {computed!r}")
    return len(cells), wrong


@pytest.mark.parametrize("which", ["district", "province"])
def test_every_cached_formula_value_is_what_libreoffice_computes(books: dict[str, Book], which: str):
    n, wrong = compare(books[which])
    assert n >= 100, f"only {n} formula cells: the comparison would prove little"
    assert wrong == []


@pytest.mark.parametrize("which", ["district", "province"])
def test_the_comparison_sees_the_formulas_that_matter(books: dict[str, Book], which: str):
    """The books hold the kinds of formula the comparison is meant to cover."""
    cells = formula_cells(books[which].path)
    text = " ".join(f for _s, _r, f in cells)
    assert SUMMARY_SHEET in {s for s, _r, _f in cells}
    for piece in ("SUM(", "*100", 'COUNTIF(', "SUMPRODUCT("):
        assert piece in text, piece
    before = openpyxl.load_workbook(books[which].path, data_only=True)
    numbers = [before[s][r].value for s, r, _f in cells if isinstance(before[s][r].value, (int, float))]
    assert len(numbers) >= 50
    assert any(isinstance(v, float) and not v.is_integer() for v in numbers)
