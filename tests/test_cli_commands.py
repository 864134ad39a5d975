"""The commands with no other test of their own: ``catalog`` (the listing) and
``consolidate --own-form`` (the consolidating unit's own form, pre-filled from
its lower level and read back by the reader as a return)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cchc_xlsx import generate, load_catalog, load_units
from cchc_xlsx.cli import main
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.testing import fill_template

ROOT = Path(__file__).resolve().parent.parent
UNITS = ROOT / "examples" / "units_cho_don.csv"
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"
PERIOD = "2024-Q1"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_catalog_lists_the_rows_of_a_level(capsys: pytest.CaptureFixture[str]):
    catalog = load_catalog()
    code, out, _err = run(capsys, "catalog", "--level", "huyen")
    assert code == 0 and out.rstrip().endswith("Danh mục hợp lệ.")
    rows = catalog.rows_for_level("huyen")
    assert f"{len(rows)} dòng ở cấp huyện (huyen); {len(catalog.rules_for_level('huyen'))} quy tắc kiểm tra." in out
    listed = [line.split()[0] for line in out.splitlines()[6:] if line[:1].isdigit()]
    assert listed == [r.code for r in rows]
    assert "3.3.2.a / 3.3.2.b" not in out and "3.3.2.b / 3.3.2.a × 100" in out  # a ratio says how it is computed
    district_only = [r.code for r in rows if "xa" not in r.levels]
    assert district_only
    code, out, _err = run(capsys, "catalog", "--level", "xa")
    assert not set(district_only) & set(out.split())  # rows the commune form does not have are not listed


def test_catalog_of_several_sheets_heads_each_sheet_and_shows_levels(capsys: pytest.CaptureFixture[str]):
    catalog = load_catalog(SO_CATALOG)
    code, out, _err = run(capsys, "catalog", "--catalog", str(SO_CATALOG))
    assert code == 0
    for sheet in catalog.sheets:
        assert f"[{sheet.name}]" in out
    header = next(line for line in out.splitlines() if line.startswith("Mã "))
    assert header.split()[-1] == "Cấp"


def test_catalog_with_a_level_it_does_not_have(capsys: pytest.CaptureFixture[str]):
    code, _out, err = run(capsys, "catalog", "--level", "so")
    assert code == 2 and "so" in err


def test_own_form_is_prefilled_from_the_communes_and_reads_back(capsys: pytest.CaptureFixture[str], tmp_path: Path):
    catalog = load_catalog()
    units = load_units(UNITS, catalog)
    blank = tmp_path / "mau"
    made = generate(catalog, "xa", PERIOD, blank, units, generated_at="2024-04-01T00:00:00+00:00")
    layout = build_layout(catalog, "xa")
    returns = tmp_path / "nop_ve"
    returns.mkdir()
    sent = [g for g in made if g.unit is not None and g.unit.parent == "H02"]
    assert len(sent) == 4
    for i, g in enumerate(sent, start=1):
        values = {"3.3.1.a": 10 * i, "3.3.1.b": 9 * i}
        (returns / g.path.name).write_bytes(fill_template(g.path.read_bytes(), layout, values))
    own = tmp_path / "ra" / "bieu_cua_huyen.xlsx"
    code, out, err = run(capsys, "consolidate", str(returns), "--level", "xa", "--period", PERIOD, "--units", str(UNITS),
                         "--unit", "H02", "--out", str(tmp_path / "ra" / "tong_hop.xlsx"), "--own-form", str(own))
    assert code == 0, err
    assert "3.3.2.a = 100" in out and "3.3.2.b = 90" in out and str(own) in out
    back = read_workbook(str(own), catalog)
    assert back.status == "accepted", [i.message for i in back.issues]
    assert (back.unit, back.level, back.period) == ("H02", "huyen", PERIOD)
    assert back.values["3.3.2.a"] == 100 and back.values["3.3.2.b"] == 90
    assert back.values["3.3.2"] == pytest.approx(90.0)  # the ratio, computed from the pre-filled parts
