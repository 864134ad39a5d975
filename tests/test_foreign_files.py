"""Returns written by other programs, or in other XML shapes, read as the original.

One filled return — huyện Chợ Đồn's own form (level ``huyen``: the level
whose rows include every row type of the default catalogue), every kind of
input typed: counts, decimals, percentages, Có/Không, a choice, a free text,
a number typed as Vietnamese text (“1.594”), notes in column E, rows left
blank, a rule broken — is read once as this tool wrote it. Then the same
workbook

- spelt the way other producers spell SpreadsheetML (``tests/reshape.py``:
  Google-Sheets-like, Open XML SDK prefixes, Power BI's export, positions
  implied by order, shared formulas, UTF-16 and Latin-1 parts, indented or
  re-quoted markup, character references, comments, CDATA, processing
  instructions, rich and phonetic runs, Excel's extensions…),
- re-saved by LibreOffice (``tests/libreoffice.py``, one soffice start for
  every file) and by Gnumeric (``tests/gnumeric.py``),

must read back with the same status, the same values and notes, and the same
issues — and add up to the same totals. A shape the reader gets wrong fails
here, on purpose: these are specifications, not a description of today's reader.

That each shape *is* the same workbook is proved too: a lexical shape (only
the spelling changes) gives the same canonical XML as the original, part for
part; a structural one (other markup: inline strings, no references, shared
formulas, runs…) is opened by LibreOffice, which must see the same cells.

The default catalogue has no ``text`` row; this module's catalogue is the
default one plus one free-text row (``8``), so that the text row type is
covered too.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pytest
import yaml

from cchc_xlsx import consolidate, generate, load_units, parse_period
from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.workbook import read_workbook
from cchc_xlsx.testing import Filler
from cchc_xlsx.units import Units

try:  # tests/ as a package or as a rootdir-less folder
    from tests import reshape
    from tests.gnumeric import require_ssconvert
    from tests.gnumeric import resave as gnumeric_resave
    from tests.libreoffice import require_soffice, resave_all
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    import reshape  # type: ignore[no-redef]
    from gnumeric import require_ssconvert  # type: ignore[no-redef]
    from gnumeric import resave as gnumeric_resave  # type: ignore[no-redef]
    from libreoffice import require_soffice, resave_all  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
UNITS_CSV = ROOT / "examples" / "units_cho_don.csv"
PERIOD = "2024-Q1"
LEVEL = "huyen"
UNIT = "H01"  # huyện Chợ Đồn
GENERATED_AT = "2024-04-01T00:00:00+00:00"

TEXT_ROW = {"code": "8", "label": "Kiến nghị, đề xuất của đơn vị", "type": "text", "unit": ""}

# fmt: off
# What huyện Chợ Đồn typed: xã Tân Lập's figures (seed 000) where the district
# form has the same rows, with its mistake (7.2.1.c = 33 > 7.2.1.b = 13).
VALUES: dict[str, object] = {
    "1.1": 3, "1.2.1": 32, "1.2.2": 6,
    "1.4.1": 6, "1.4.2": 1, "1.4.3": 0, "1.4.4": 0,
    "1.5.1": 0, "1.5.2": "Phát phiếu",                      # choice, typed as its label
    "1.6": "Có",                                            # Có/Không
    "2.1": 0, "2.2": 0, "2.3.1": 0,
    "3.1.1": 0, "3.1.2": 0, "3.1.3": 0, "3.1.4": 114, "3.1.4.a": 0, "3.1.4.b": 114,
    "3.2.1": 2, "3.2.2": 53, "3.2.3": 0,
    "3.3.1.a": "1.594",                                     # a number typed as text, Vietnamese thousands
    "3.3.1.b": 1500, "3.3.2.a": 165, "3.3.2.b": 165,
    "4.4": 47.5, "4.5.1": 9, "4.5.2": 9, "4.5.3": 0, "4.5.4": 0, "4.5.5": 12.5,   # percentages
    "5.1.1": 100, "5.1.2": 66.67, "5.2.1": 1, "5.2.2": 2,
    "6.1.1": 1234.5, "6.1.2": 1000.25,                      # decimals (million đồng)
    "7.1.a": 95, "7.1.b": 90,
    "7.2.1.a": 13, "7.2.1.b": 13, "7.2.1.c": 33,
    "7.2.2.a": 62, "7.2.2.b": 62, "7.2.2.c": 0,
    "7.2.3.a": 75, "7.2.3.b": 75, "7.2.4.a": 165, "7.2.4.b": 36,
    "8": "Đề nghị tỉnh mở lớp tập huấn về dịch vụ công trực tuyến",   # free text
}
# left blank on purpose (blank input cells must stay blank in every shape):
# 2.2.1.a/b, 2.3.2.a/b, 3.4.x, 4.1–4.3, 4.6.x, 5.3.x, 5.4.x, 6.2.x, 7.2.5.x
NOTES: dict[str, str] = {
    "1.1": "Gồm 2 công văn & 1 kế hoạch <mới>",
    "3.3.1.a": "Số liệu từ phần mềm một cửa",
    "6.1.2": "Giải ngân đến ngày 14/3\nchưa gồm vốn sự nghiệp",
    "7.1.a": "Số liệu ước tính",
}
# fmt: on


@dataclass(frozen=True)
class Shape:
    id: str
    make: Callable[[bytes], bytes]
    parts: frozenset[str]  # the parts it may change or drop; the rest (the metadata sheet above all) stays byte for byte
    # only the spelling changes: every XML parser sees the same elements,
    # attributes and text (proved by canonical XML); otherwise the markup
    # itself changes (proved by LibreOffice reading the same workbook)
    lexical: bool = False


_SHEETS = "worksheets"  # every worksheet, the metadata sheet too
_FORM = reshape.FORM_SHEET  # the form's worksheet only
_SST, _WB, _STYLES = reshape.SHARED_STRINGS, reshape.WORKBOOK, reshape.STYLES
_ALL_XML = "every XML part"


def _parts(*names: str) -> frozenset[str]:
    return frozenset(names)


# fmt: off
SHAPES = [
    Shape("google-sheets", reshape.google_sheets, _parts(_SHEETS, _SST, reshape.CONTENT_TYPES, reshape.WORKBOOK_RELS)),
    Shape("excel-shared-strings", reshape.excel_shared_strings, _parts(_FORM, _SST)),
    Shape("openxml-sdk-x-prefix", reshape.openxml_sdk_prefix, _parts(_FORM, _WB, _SST, _STYLES), lexical=True),
    Shape("power-bi-export", reshape.power_bi, _parts(_ALL_XML)),
    Shape("cells-without-r", reshape.cells_without_r, _parts(_FORM)),
    Shape("rows-without-r", reshape.rows_without_r, _parts(_FORM)),
    Shape("rows-and-cells-without-r", reshape.rows_and_cells_without_r, _parts(_FORM)),
    Shape("shared-formulas", reshape.shared_formulas, _parts(_FORM)),
    Shape("utf-16-form-sheet", reshape.utf16, _parts(_FORM), lexical=True),
    Shape("utf-16-shared-strings", functools.partial(reshape.utf16, part=_SST), _parts(_SST), lexical=True),
    Shape("utf-16-workbook", functools.partial(reshape.utf16, part=_WB), _parts(_WB), lexical=True),
    Shape("latin-1-form-sheet", reshape.latin1, _parts(_FORM), lexical=True),
    Shape("latin-1-shared-strings", functools.partial(reshape.latin1, part=_SST), _parts(_SST), lexical=True),
    Shape("pretty-printed", reshape.pretty_printed, _parts(_ALL_XML), lexical=True),
    Shape("windows-line-ends", reshape.windows_line_ends, _parts(_ALL_XML), lexical=True),
    Shape(
        "windows-line-ends-in-shared-strings",
        lambda data: reshape.windows_line_ends(reshape.excel_shared_strings(data)),
        _parts(_ALL_XML),
    ),
    Shape("utf-8-byte-order-mark", reshape.utf8_bom, _parts(_ALL_XML), lexical=True),
    Shape("without-xml-declaration", reshape.without_xml_declaration, _parts(_ALL_XML), lexical=True),
    Shape("attributes-on-several-lines", reshape.attributes_on_several_lines, _parts(_ALL_XML), lexical=True),
    Shape("single-quoted-attributes", reshape.single_quoted_attributes, _parts(_ALL_XML), lexical=True),
    Shape("reordered-attributes", reshape.reordered_attributes, _parts(_FORM, _WB, _SST), lexical=True),
    Shape("numbers-as-character-references", reshape.numbers_as_character_references, _parts(_FORM), lexical=True),
    Shape(
        "shared-string-indices-as-character-references",
        functools.partial(reshape.numbers_as_character_references, shared_string_indices=True),
        _parts(_FORM), lexical=True,
    ),
    Shape("java-number-notation", reshape.java_number_notation, _parts(_FORM)),
    Shape("comments-in-sheet-data", reshape.comments_in_sheet_data, _parts(_FORM), lexical=True),
    Shape("cdata-text", reshape.cdata_text, _parts(_FORM, _SST), lexical=True),
    Shape("processing-instructions", reshape.processing_instructions, _parts(_FORM, _SST), lexical=True),
    Shape("rich-text-shared-strings", reshape.rich_text_shared_strings, _parts(_SST)),
    Shape("rich-text-inline-strings", reshape.rich_text_inline_strings, _parts(_FORM)),
    Shape("explicit-number-type", reshape.explicit_number_type, _parts(_FORM)),
    Shape("empty-values-in-blank-cells", reshape.empty_values_in_blank_cells, _parts(_FORM)),
    Shape("excel-extensions", reshape.excel_extensions, _parts(_FORM, _WB)),
]
# fmt: on
SHAPE_IDS = [s.id for s in SHAPES]
LEXICAL = [s for s in SHAPES if s.lexical]
STRUCTURAL = [s for s in SHAPES if not s.lexical]

# Issue codes a re-saving program may legitimately add, and why. Checked on
# LibreOffice 7.4 and Gnumeric 1.12.55 (see tests/libreoffice.py and
# tests/gnumeric.py): both keep the sheet protection (Gnumeric without its
# password hash), so no ``protection-removed``; both keep the metadata sheet
# (LibreOffice makes it "hidden", Gnumeric visible: the reader reads it
# whatever its state), so no ``metadata-missing``; both drop the
# workbook-structure lock, which the reader does not check. Nothing is added.
ADDED_BY: dict[str, frozenset[str]] = {"libreoffice": frozenset(), "gnumeric": frozenset()}


# --------------------------------------------------------------------------- fixtures


@dataclass
class Original:
    catalog: Catalog
    units: Units
    data: bytes
    path: Path
    result: FileResult


@pytest.fixture(scope="module")
def original(tmp_path_factory: pytest.TempPathFactory) -> Original:
    """The filled return as this tool writes it, and what the reader makes of it."""
    base = tmp_path_factory.mktemp("foreign")
    doc = yaml.safe_load((ROOT / "indicator_catalog.yaml").read_text("utf-8"))
    doc["rows"].append(dict(TEXT_ROW))
    catalog_path = base / "catalog_with_a_text_row.yaml"
    catalog_path.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    catalog = load_catalog(catalog_path)
    units = load_units(UNITS_CSV, catalog.levels)
    layout = build_layout(catalog, LEVEL)
    files = generate(catalog, LEVEL, parse_period(PERIOD), base / "templates", units, force=True, generated_at=GENERATED_AT)
    (template,) = [f.path.read_bytes() for f in files if f.unit is not None and f.unit.code == UNIT]
    data = Filler(template, layout).fill(VALUES, NOTES)
    path = base / "original" / f"{PERIOD}_{LEVEL}_{UNIT}.xlsx"
    path.parent.mkdir()
    path.write_bytes(data)
    return Original(catalog, units, data, path, read_workbook(str(path), catalog))


@pytest.fixture(scope="module")
def variants(original: Original, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every shape of the original, written to ``<shape id>.xlsx``."""
    out = tmp_path_factory.mktemp("shapes")
    paths = {}
    for shape in SHAPES:
        paths[shape.id] = out / f"{shape.id}.xlsx"
        paths[shape.id].write_bytes(shape.make(original.data))
    return paths


@pytest.fixture(scope="module")
def libreoffice_resaved(original: Original, variants: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The original (key ``"original"``) and every structural shape, each opened
    and saved as .xlsx by LibreOffice — one soffice process for all of them."""
    require_soffice()
    keys = ["original", *(s.id for s in STRUCTURAL)]
    paths = [original.path, *(variants[s.id] for s in STRUCTURAL)]
    saved = resave_all(paths, tmp_path_factory.mktemp("libreoffice"))
    return dict(zip(keys, saved))


@pytest.fixture(scope="module")
def gnumeric_resaved(original: Original, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The original, opened and saved as .xlsx by Gnumeric."""
    require_ssconvert()
    return gnumeric_resave(original.path, tmp_path_factory.mktemp("gnumeric") / original.path.name)


@pytest.fixture(scope="module")
def original_totals(original: Original) -> dict[str, object]:
    """What the original alone adds up to (unit T11's consolidation of its districts)."""
    totals = totals_of(original.path, original)
    assert totals, "the original adds up to nothing"
    return totals


# --------------------------------------------------------------------------- helpers


def _issues(res: FileResult) -> list[tuple[str, str, str | None, str | None]]:
    return sorted((i.severity, i.code, i.indicator, i.cell) for i in res.issues)


def differences(got: FileResult, want: FileResult, added: frozenset[str] = frozenset()) -> list[str]:
    """What ``got`` reads differently from ``want`` (empty: the same), for the failure message.

    ``added``: issue codes ``got`` may have in addition (a program's legitimate changes).
    """
    out: list[str] = []
    if got.status != want.status:
        errors = [f"{i.code} {i.cell or ''}: {i.message}" for i in got.issues if i.severity == "error"]
        out.append(f"status {got.status!r} instead of {want.status!r}: {errors[:3]}")
    lost = [code for code in want.values if code not in got.values]
    if lost:
        out.append(f"{len(lost)} of the original's {len(want.values)} values not read: {', '.join(lost[:10])}{' …' if len(lost) > 10 else ''}")
    for code, value in sorted(got.values.items()):
        if code not in want.values:
            out.append(f"{code}: {value!r} read (original: nothing)")
        elif value != want.values[code]:
            out.append(f"{code}: {value!r} instead of {want.values[code]!r}")
    notes = [code for code in sorted(set(got.notes) | set(want.notes)) if got.notes.get(code) != want.notes.get(code)]
    for code in notes[:5]:
        out.append(f"note {code}: {got.notes.get(code)!r} instead of {want.notes.get(code)!r}")
    got_issues = [i for i in _issues(got) if i[1] not in added]
    want_issues = _issues(want)
    extra = [i for i in got_issues if i not in want_issues]
    missing = [i for i in want_issues if i not in got_issues]
    if extra:
        out.append(f"issues not in the original: {extra[:6]}{' …' if len(extra) > 6 else ''}")
    if missing:
        out.append(f"issues of the original missing: {missing[:6]}{' …' if len(missing) > 6 else ''}")
    return out


def assert_reads_like(got: FileResult, want: FileResult, added: frozenset[str] = frozenset()) -> None:
    diff = differences(got, want, added)
    assert not diff, "\n".join(diff)


def infoset(part: bytes) -> str:
    """A part as canonical XML, without processing instructions (they mean
    nothing to SpreadsheetML) and whitespace-only text between tags."""
    c14n = canonicalize(from_file=io.BytesIO(part), rewrite_prefixes=True)
    return re.sub(r">\s+<", "><", re.sub(r"<\?.*?\?>", "", c14n, flags=re.S)).strip()


def totals_of(path: Path, original: Original) -> dict[str, object]:
    res = consolidate(
        [path], original.catalog, level=LEVEL, period=PERIOD, units=original.units, unit="T11", workers=0
    )
    return dict(res.totals)


# --------------------------------------------------------------------------- the original


def test_the_original_return_holds_every_row_type(original: Original) -> None:
    res = original.result
    assert res.status == "accepted", [(i.code, i.message) for i in res.issues]
    assert res.unit == UNIT and res.level == LEVEL and res.period == PERIOD
    typed = {rl.row.type for rl in build_layout(original.catalog, LEVEL).rows if rl.code in VALUES}
    assert typed == {"count", "decimal", "percent", "boolean", "choice", "text"}
    derived = {original.catalog.row(code).type for code in res.values if code not in VALUES}
    assert {"ratio", "sum"} <= derived
    # every cell typed as a clean value is read (the number typed as text may be flagged)
    assert {c for c in VALUES if c != "3.3.1.a"} <= set(res.values)
    assert res.notes == {code: text.strip() for code, text in NOTES.items()}
    assert any(i.indicator == "7.2.1.c" for i in res.issues)  # the broken rule


# --------------------------------------------------------------------------- the reshaper itself


def test_the_reshaper_writes_an_untouched_part_back_byte_for_byte(original: Original) -> None:
    for name, body in reshape.parts(original.data).items():
        if name.endswith((".xml", ".rels")):
            assert reshape.dump(reshape.parse(body)) == body, name


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_each_shape_changes_only_the_parts_it_concerns(shape: Shape, original: Original, variants: dict[str, Path]) -> None:
    before = reshape.parts(original.data)
    after = reshape.parts(variants[shape.id].read_bytes())
    changed = {n for n in before if after.get(n) != before[n]} | (set(after) - set(before))
    assert changed, "the shape changed nothing"
    allowed = set(shape.parts)
    if _SHEETS in allowed:
        allowed |= {n for n in before if n.startswith("xl/worksheets/sheet")}
    if _ALL_XML in allowed:
        allowed |= {n for n in before if n.endswith((".xml", ".rels"))}
    assert changed <= allowed, sorted(changed - allowed)
    assert set(after) <= set(before)  # no part added


# --------------------------------------------------------------------------- other shapes, other programs


@pytest.mark.parametrize("shape", SHAPES, ids=SHAPE_IDS)
def test_a_reshaped_return_reads_the_same_values(shape: Shape, original: Original, variants: dict[str, Path]) -> None:
    got = read_workbook(str(variants[shape.id]), original.catalog)
    assert_reads_like(got, original.result)


def test_a_return_resaved_by_libreoffice_reads_the_same_values(original: Original, libreoffice_resaved: dict[str, Path]) -> None:
    got = read_workbook(str(libreoffice_resaved["original"]), original.catalog)
    assert_reads_like(got, original.result, ADDED_BY["libreoffice"])


def test_a_return_resaved_by_gnumeric_reads_the_same_values(original: Original, gnumeric_resaved: Path) -> None:
    got = read_workbook(str(gnumeric_resaved), original.catalog)
    assert_reads_like(got, original.result, ADDED_BY["gnumeric"])


# --------------------------------------------------------------------------- the corpus is faithful


@pytest.mark.parametrize("shape", LEXICAL, ids=[s.id for s in LEXICAL])
def test_a_lexical_shape_is_the_same_xml_to_any_parser(shape: Shape, original: Original, variants: dict[str, Path]) -> None:
    # canonical XML (expat, any encoding; prefixes renamed, attributes sorted,
    # references and CDATA resolved, comments and processing instructions
    # dropped), whitespace between tags ignored
    before = reshape.parts(original.data)
    after = reshape.parts(variants[shape.id].read_bytes())
    changed = [n for n in before if n in after and after[n] != before[n]]
    assert changed
    for name in changed:
        assert infoset(after[name]) == infoset(before[name]), name


@pytest.mark.parametrize("shape", STRUCTURAL, ids=[s.id for s in STRUCTURAL])
def test_libreoffice_opens_a_structural_shape_as_the_same_workbook(
    shape: Shape, original: Original, libreoffice_resaved: dict[str, Path]
) -> None:
    # the markup changed: a real spreadsheet program must see the same cells
    # (read back through LibreOffice's own way of writing them)
    got = read_workbook(str(libreoffice_resaved[shape.id]), original.catalog)
    assert_reads_like(got, original.result, ADDED_BY["libreoffice"])


@pytest.mark.parametrize("source", [*SHAPE_IDS, "libreoffice", "gnumeric"])
def test_a_reshaped_or_resaved_return_adds_up_to_the_same_totals(
    source: str, original: Original, original_totals: dict[str, object], request: pytest.FixtureRequest
) -> None:
    if source == "libreoffice":
        path = request.getfixturevalue("libreoffice_resaved")["original"]
    elif source == "gnumeric":
        path = request.getfixturevalue("gnumeric_resaved")
    else:
        path = request.getfixturevalue("variants")[source]
    want = original_totals
    got = totals_of(path, original)
    wrong = [f"{c} {got.get(c)!r} ≠ {want.get(c)!r}" for c in sorted(set(got) | set(want)) if got.get(c) != want.get(c)]
    assert not wrong, f"{len(wrong)} totals differ (got ≠ original): {', '.join(wrong[:10])}{' …' if len(wrong) > 10 else ''}"

