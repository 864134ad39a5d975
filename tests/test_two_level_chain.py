"""Levels follow the units file: after the 2025 reorganisation communes report
straight to the province (xã → tỉnh). The same returns must give the same
province totals through the two-level file as through the old three-level
chain (xã → huyện → tỉnh)."""

from __future__ import annotations

import random
from pathlib import Path

from cchc_xlsx import consolidate, load_catalog, load_units, parse_period
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.testing import Filler
from cchc_xlsx.write.generate import Stamper, template_filename

ROOT = Path(__file__).resolve().parent.parent

THREE_LEVELS = """code,name,level,parent
T01,Tỉnh Thử,tinh,
H01,Huyện Một,huyen,T01
H02,Huyện Hai,huyen,T01
X01,Xã An,xa,H01
X02,Xã Bình,xa,H01
X03,Xã Cường,xa,H02
X04,Xã Dũng,xa,H02
X05,Xã Em,xa,H02
"""
# the same communes, the districts gone
TWO_LEVELS = """code,name,level,parent
T01,Tỉnh Thử,tinh,
X01,Xã An,xa,T01
X02,Xã Bình,xa,T01
X03,Xã Cường,xa,T01
X04,Xã Dũng,xa,T01
X05,Xã Em,xa,T01
"""


def _returns(tmp_path: Path, units_text: str) -> tuple[Path, Path]:
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    tmp_path.mkdir(parents=True, exist_ok=True)
    units_path = tmp_path / "units.csv"
    units_path.write_text(units_text, "utf-8")
    units = load_units(units_path, catalog.levels)
    layout = build_layout(catalog, "xa")
    period = parse_period("2024-Q1")
    stamper = Stamper(layout, period, "2024-03-20T00:00:00+00:00", "cchc")
    out = tmp_path / "returns"
    for u in units.at_level("xa"):
        rnd = random.Random(u.code)  # the same figures whichever units file names the commune
        values = {
            "1.1": rnd.randint(0, 9),
            "1.2.1": 40,
            "1.2.2": rnd.randint(0, 40),
            "1.6": rnd.choice(["Có", "Không"]),
            "1.5.2": rnd.choice(["Trực tuyến", "Phát phiếu", "Kết hợp"]),
            "4.5.1": 10,
            "4.5.2": rnd.randint(5, 10),
            "5.1.1": round(rnd.uniform(50, 100), 1),
            "7.1.a": round(rnd.uniform(50, 100), 2),
        }
        folder = out / (u.parent or "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / template_filename(period, "xa", u)).write_bytes(Filler(stamper.stamp(u), layout).fill(values))
    return out, units_path


def test_two_level_chain_gives_the_province_totals_of_the_three_level_chain(tmp_path: Path) -> None:
    catalog = load_catalog(ROOT / "indicator_catalog.yaml")
    old_returns, old_units_path = _returns(tmp_path / "old", THREE_LEVELS)
    new_returns, new_units_path = _returns(tmp_path / "new", TWO_LEVELS)
    old_units = load_units(old_units_path, catalog.levels)
    new_units = load_units(new_units_path, catalog.levels)

    books = tmp_path / "districts"
    for district in ("H01", "H02"):
        r = consolidate([old_returns / district], catalog, books / f"{district}.xlsx", level="xa", units=old_units, unit=district)
        assert r.exit_code == 0
    via_districts = consolidate([books], catalog, tmp_path / "T01_old.xlsx", level="huyen", units=old_units, unit="T01")
    direct = consolidate([new_returns], catalog, tmp_path / "T01_new.xlsx", level="xa", units=new_units, unit="T01")

    assert via_districts.exit_code == 0 and direct.exit_code == 0
    assert [c.code for c in direct.columns] == ["X01", "X02", "X03", "X04", "X05"]
    assert [c.code for c in via_districts.columns] == ["H01", "H02"]
    assert direct.totals == via_districts.totals
    assert direct.totals["1.2.1"] == 200
    assert set(direct.totals) >= {"1.1", "1.2", "1.6", "1.5.2", "5.1.1", "7.1.a"}
