"""Golden files: the exact XML of two small templates, pretty-printed and committed.

A change in the writer shows up here as a readable diff of the first part that
changed. When the change is intended, refresh the files and review the diff::

    CCHC_REFRESH_GOLDEN=1 .venv/bin/python -m pytest tests/test_golden.py
    git diff tests/golden/

(see ``tests/golden/README.md``). Generation time is fixed with
``SOURCE_DATE_EPOCH``; nothing else is excluded.
"""

from __future__ import annotations

import difflib
import os
import shutil
import zipfile
from pathlib import Path
from xml.dom import minidom

import pytest

from cchc_xlsx import generate, parse_period
from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.units import parse_units

GOLDEN = Path(__file__).resolve().parent / "golden"
REFRESH_ENV = "CCHC_REFRESH_GOLDEN"
PARTS_LIST = "_parts.txt"
EPOCH = "1711929600"  # 2024-04-01T00:00:00Z
MAX_DIFF_LINES = 150

# A heading, two counts, their ratio, a boolean, a choice and one catalogue rule
# (the ratio adds its automatic rule "numerator <= denominator").
TINY_CATALOG = """\
catalog:
  id: golden-tiny
  version: "1"
  title: "BIỂU THỐNG KÊ THỬ"
  levels: [xa, huyen]

rows:
  - code: "1"
    label: "Công tác chỉ đạo điều hành"
    type: heading
  - code: "1.1"
    label: "Số nhiệm vụ đề ra"
    hint: "trong kế hoạch năm"
    unit: "Nhiệm vụ"
    type: count
  - code: "1.2"
    label: "Số nhiệm vụ đã hoàn thành"
    unit: "Nhiệm vụ"
    type: count
  - code: "1.3"
    label: "Tỷ lệ hoàn thành"
    unit: "%"
    type: ratio
    numerator: "1.2"
    denominator: "1.1"
  - code: "1.4"
    label: "Có ban hành kế hoạch CCHC năm"
    unit: "Có/Không"
    type: boolean
  - code: "1.5"
    label: "Hình thức khảo sát"
    type: choice
    options:
      - {value: 0, label: "Trực tuyến"}
      - {value: 1, label: "Phát phiếu"}

rules:
  - id: nhiem-vu-toi-thieu
    check: "{1.1} >= 1"
    severity: warning
    message: "Chưa có nhiệm vụ nào trong kế hoạch ({1.1})"
"""

UNITS = "code,name,level,parent\nH01,Huyện Chợ Đồn,huyen,\nX01,Xã Đại Sảo,xa,H01\n"


def pretty(name: str, data: bytes) -> bytes:
    """An XML part pretty-printed (one element per line); other parts as they are."""
    if not name.endswith((".xml", ".rels")):
        return data
    text = minidom.parseString(data).toprettyxml(indent="  ")
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    return ("\n".join(lines) + "\n").encode("utf-8")


def rendered_parts(path: Path) -> dict[str, bytes]:
    """Archive order → pretty-printed content of every part of a workbook."""
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        return {name: pretty(name, z.read(name)) for name in z.namelist()}


def golden_parts(case_dir: Path) -> dict[str, bytes] | None:
    listing = case_dir / PARTS_LIST
    if not listing.exists():
        return None
    names = listing.read_text(encoding="utf-8").splitlines()
    return {
        name: (case_dir / name).read_bytes() if (case_dir / name).exists() else b""
        for name in names
    }


def write_golden(case_dir: Path, parts: dict[str, bytes]) -> None:
    if case_dir.exists():
        shutil.rmtree(case_dir)
    for name, data in parts.items():
        target = case_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (case_dir / PARTS_LIST).write_text("".join(n + "\n" for n in parts), encoding="utf-8")


def first_difference(expected: dict[str, bytes], actual: dict[str, bytes]) -> str | None:
    """A readable report of the first difference, or None when identical."""
    if list(expected) != list(actual):
        diff = difflib.unified_diff(
            list(expected), list(actual), "golden parts", "generated parts", lineterm=""
        )
        return "the list of parts changed:\n" + "\n".join(diff)
    for name in expected:
        if expected[name] == actual[name]:
            continue
        try:
            old = expected[name].decode("utf-8").splitlines()
            new = actual[name].decode("utf-8").splitlines()
        except UnicodeDecodeError:
            return (
                f"{name}: binary part differs ({len(expected[name])} → {len(actual[name])} bytes)"
            )
        diff = list(
            difflib.unified_diff(old, new, f"golden/{name}", f"generated/{name}", lineterm="", n=3)
        )
        if len(diff) > MAX_DIFF_LINES:
            diff = diff[:MAX_DIFF_LINES] + [f"… {len(diff) - MAX_DIFF_LINES} more diff lines"]
        others = [n for n in expected if n != name and expected[n] != actual[n]]
        tail = f"\n(also different: {', '.join(others)})" if others else ""
        return f"{name} differs:\n" + "\n".join(diff) + tail
    return None


@pytest.fixture
def tiny_catalog(tmp_path: Path):  # type: ignore[no-untyped-def]
    # NOTE: written as bytes, so that the catalogue hash in the metadata is the same on every OS.
    path = tmp_path / "golden_tiny.yaml"
    path.write_bytes(TINY_CATALOG.encode("utf-8"))
    return load_catalog(path)


@pytest.mark.parametrize("case", ["unit", "generic"])
def test_small_template_matches_golden_files(
    case: str,
    tiny_catalog,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.delenv("CCHC_XLSX_PASSWORD", raising=False)
    units = parse_units(UNITS.encode("utf-8"), "units.csv") if case == "unit" else None
    [gf] = generate(tiny_catalog, "xa", parse_period("2024-Q1"), tmp_path / "out", units)
    expected_name = (
        "2024-Q1_xa_X01_xa_dai_sao.xlsx" if case == "unit" else "2024-Q1_xa_mau_chung.xlsx"
    )
    assert gf.path.name == expected_name
    actual = rendered_parts(gf.path)
    case_dir = GOLDEN / case

    if os.environ.get(REFRESH_ENV) == "1":
        write_golden(case_dir, actual)
        pytest.skip(
            f"golden files rewritten in {case_dir}; review them with `git diff tests/golden/`"
        )

    expected = golden_parts(case_dir)
    if expected is None:
        pytest.fail(
            f"no golden files in {case_dir}; create them with {REFRESH_ENV}=1 (see tests/golden/README.md)"
        )
    problem = first_difference(expected, actual)
    if problem:
        pytest.fail(
            f"{gf.path.name} no longer matches tests/golden/{case}/: {problem}\n\n"
            f"If the change is intended: {REFRESH_ENV}=1 .venv/bin/python -m pytest tests/test_golden.py, "
            "then review `git diff tests/golden/`.",
            pytrace=False,
        )


def test_golden_generation_time_is_fixed_by_source_date_epoch() -> None:
    """The only volatile value is pinned: the committed metadata carries the epoch's time."""
    sheet = GOLDEN / "unit" / "xl" / "sharedStrings.xml"
    if not sheet.exists():
        pytest.fail("golden files missing; see tests/golden/README.md")
    assert "2024-04-01T00:00:00+00:00" in sheet.read_text(encoding="utf-8")
