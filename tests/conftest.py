"""Shared fixtures: literal builders for catalogue and units files, the bundled catalogues.

A test writes the file it needs in a few lines of YAML or CSV::

    def test_something(tmp_path, write_catalog):
        path = write_catalog(tmp_path, HEADER + '''
        rows:
          - code: "1"
        ''')

Text is dedented and a leading blank line dropped, so line 1 of the file is the
first line of the literal; :func:`line_of` finds the line of a snippet so that a
test never counts lines by hand.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CATALOG = ROOT / "indicator_catalog.yaml"
THANH_HOA_CATALOG = ROOT / "examples" / "catalogs" / "thanh_hoa_phu_luc_01b.yaml"
SO_CATALOG = ROOT / "examples" / "catalogs" / "so_bieu_mau_1_7.yaml"
EXAMPLE_UNITS = ROOT / "examples" / "units_cho_don.csv"


def _literal(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def _write_catalog(directory: Path, yaml_text: str, name: str = "catalog.yaml") -> Path:
    """Write a catalogue (dedented, UTF-8) into ``directory`` and return its path."""
    path = Path(directory) / name
    path.write_text(_literal(yaml_text), encoding="utf-8")
    return path


def _write_units(
    directory: Path, csv_text: str, name: str = "units.csv", *, bom: bool = False, newline: str = "\n"
) -> Path:
    """Write a units file byte for byte (optional BOM, chosen line ending) and return its path."""
    text = _literal(csv_text).replace("\n", newline)
    data = text.encode("utf-8")
    if bom:
        data = b"\xef\xbb\xbf" + data
    path = Path(directory) / name
    path.write_bytes(data)
    return path


def line_of(path: Path, snippet: str, occurrence: int = 1) -> int:
    """The 1-based line of the ``occurrence``-th line of ``path`` that contains ``snippet``."""
    seen = 0
    for number, line in enumerate(Path(path).read_text(encoding="utf-8-sig").splitlines(), start=1):
        if snippet in line:
            seen += 1
            if seen == occurrence:
                return number
    raise AssertionError(f"{snippet!r} (occurrence {occurrence}) not found in {path}")


@pytest.fixture
def write_catalog() -> Callable[..., Path]:
    """``write_catalog(tmp_path, yaml_text)`` writes a catalogue file and returns its path."""
    return _write_catalog


@pytest.fixture
def write_units() -> Callable[..., Path]:
    """``write_units(tmp_path, csv_text, bom=False, newline="\\n")`` writes a units file."""
    return _write_units


@pytest.fixture(name="line_of")
def line_of_fixture() -> Callable[..., int]:
    """``line_of(path, snippet)``: the line number of a snippet in a written file."""
    return line_of


@pytest.fixture(scope="session")
def default_catalog() -> Catalog:
    """The bundled default catalogue (seed 000's Phụ lục I)."""
    return load_catalog(DEFAULT_CATALOG)


@pytest.fixture(scope="session")
def thanh_hoa_catalog() -> Catalog:
    return load_catalog(THANH_HOA_CATALOG)


@pytest.fixture(scope="session")
def so_catalog() -> Catalog:
    return load_catalog(SO_CATALOG)
