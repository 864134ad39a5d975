"""Reading returned files safely: every bad file is named, the batch goes on.

Each test puts one kind of bad or odd file (built by ``tests/hostile.py``) in a
folder next to ``good.xlsx``, a correctly filled template, reads the folder as a
batch and checks: the bad file's status, its issue code, the cell where there
is one, a Vietnamese message, and that ``good.xlsx`` was still accepted with
exactly its values. Most tests read in this process (``workers=0``) for speed;
:func:`test_a_bag_of_hostile_files_in_real_worker_processes` and the CLI tests
run the real worker processes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

import cchc_xlsx.read.package as package_module
from cchc_xlsx import generate, load_catalog, parse_period
from cchc_xlsx.batch.assess import read_batch
from cchc_xlsx.batch.result import Expectation
from cchc_xlsx.batch.workers import read_files
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.cli import main
from cchc_xlsx.layout.form import FormLayout, build_layout
from cchc_xlsx.read.model import XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.parts import expat_styles, fast_styles, parse_format_kinds
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.sheet import fast_sheet, parse_sheet
from cchc_xlsx.read.workbook import read_bytes_safely
from cchc_xlsx.testing import Filler
from cchc_xlsx.units import Units, load_units

try:  # tests/ as a package or as a rootdir-less folder
    from tests import hostile
except ImportError:  # pragma: no cover - depends on how pytest imports tests/
    import hostile  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parent.parent
PERIOD = "2024-Q1"

UNITS_CSV = """\ufeffcode,name,level,parent
T11,Tỉnh Bắc Kạn,tinh,
H01,Huyện Chợ Đồn,huyen,T11
H02,Huyện Bạch Thông,huyen,T11
X0114,Xã Tân Lập,xa,H01
X0101,Thị trấn Bằng Lũng,xa,H01
X0102,Xã Bản Thi,xa,H01
X0120,Xã Đồng Lạc,xa,H01
X0205,Xã Đồng Lạc,xa,H02
"""

# what Xã Tân Lập (X0114) typed, and what must be read back
GOOD_VALUES: dict[str, object] = {
    "1.1": 3, "1.2.1": 32, "1.2.2": 6, "1.4.1": 6, "1.4.2": 1, "1.4.3": 0, "1.4.4": 0,
    "1.5.1": 120, "1.5.2": "Trực tuyến", "1.6": "Không", "3.3.1.a": 165, "3.3.1.b": 160,
    "4.4": 47.5, "4.5.2": 9, "5.1.1": 100, "7.1.a": 95,
}
GOOD_NOTES = {"1.1": "Gồm 2 công văn và 1 kế hoạch", "3.3.1.b": "Số liệu từ phần mềm một cửa"}
GOOD_READ: dict[str, object] = {
    **GOOD_VALUES, "1.5.2": 0, "1.6": 0,
    "1.2": 6 / 32 * 100, "3.3.1": 160 / 165 * 100,
}

VIETNAMESE = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)


@dataclass
class Kit:
    catalog: Catalog
    units: Units
    units_path: Path
    layout: FormLayout
    templates: dict[str, bytes]  # xa templates by unit code
    generic: bytes
    huyen: bytes  # Huyện Chợ Đồn's own template (level huyen), filled
    other_period: bytes  # Q2 template of X0101, filled
    other_version: bytes  # X0101's template of catalogue version 2023.9, filled
    good: bytes

    def fill(self, code: str, values: Mapping[str, object], notes: Mapping[str, str] | None = None, unit_name: str | None = None) -> bytes:
        template = self.generic if code == "generic" else self.templates[code]
        return Filler(template, self.layout).fill(values, notes, unit_name)


@pytest.fixture(scope="module")
def kit(tmp_path_factory: pytest.TempPathFactory, default_catalog: Catalog) -> Kit:
    base = tmp_path_factory.mktemp("forms")
    units_path = base / "units.csv"
    units_path.write_text(UNITS_CSV, encoding="utf-8")
    units = load_units(units_path, default_catalog.levels)
    q1, q2 = parse_period(PERIOD), parse_period("2024-Q2")
    layout = build_layout(default_catalog, "xa")
    templates = {g.unit.code: g.path.read_bytes() for g in generate(default_catalog, "xa", q1, base / "xa", units) if g.unit}
    generic = generate(default_catalog, "xa", q1, base / "generic")[0].path.read_bytes()
    (h01,) = [g for g in generate(default_catalog, "huyen", q1, base / "huyen", units) if g.unit and g.unit.code == "H01"]
    huyen = Filler(h01.path.read_bytes(), build_layout(default_catalog, "huyen")).fill({"1.1": 7})
    q2_x0101 = next(g for g in generate(default_catalog, "xa", q2, base / "q2", units) if g.unit and g.unit.code == "X0101")
    other_period = Filler(q2_x0101.path.read_bytes(), layout).fill({"1.1": 4})
    old_yaml = base / "old_catalog.yaml"
    old_yaml.write_text((ROOT / "indicator_catalog.yaml").read_text(encoding="utf-8").replace('version: "2024.1"', 'version: "2023.9"', 1), encoding="utf-8")
    old_catalog = load_catalog(old_yaml)
    assert old_catalog.version == "2023.9"
    old_x0101 = next(g for g in generate(old_catalog, "xa", q1, base / "old", units) if g.unit and g.unit.code == "X0101")
    other_version = Filler(old_x0101.path.read_bytes(), build_layout(old_catalog, "xa")).fill({"1.1": 4})
    good = Filler(templates["X0114"], layout).fill(GOOD_VALUES, GOOD_NOTES)
    return Kit(default_catalog, units, units_path, layout, templates, generic, huyen, other_period, other_version, good)


# --------------------------------------------------------------------------- helpers


def make_folder(tmp_path: Path, kit: Kit, bad: Mapping[str, bytes], name: str = "returns") -> Path:
    return hostile.folder_with(tmp_path / name, kit.good, bad)


def read_folder(folder: Path | list[Path], kit: Kit, *, workers: int | None = 0, **expect: object) -> dict[str, FileResult]:
    """Read a folder as a batch (expecting commune returns of 2024-Q1) → results by file name."""
    exp = Expectation(**{"level": "xa", "period": PERIOD, "units": kit.units, **expect})  # type: ignore[arg-type]
    paths = folder if isinstance(folder, list) else [folder]
    batch = read_batch(paths, kit.catalog, exp, workers=workers)
    return {Path(f.path).name: f for f in batch.files}


def inputs(values: Mapping[str, object], kit: Kit) -> dict[str, object]:
    return {k: v for k, v in values.items() if k in kit.layout and kit.layout[k].is_input}


def assert_good_accepted(results: Mapping[str, FileResult], name: str = "good.xlsx") -> None:
    """The batch went on: the good return is accepted with exactly its values and notes."""
    r = results[name]
    assert r.status == "accepted", [(i.code, i.message) for i in r.issues]
    assert r.unit == "X0114"
    assert r.issues == []
    assert r.values.keys() == GOOD_READ.keys()
    for code, value in GOOD_READ.items():
        assert r.values[code] == pytest.approx(value) if isinstance(value, float) else r.values[code] == value, code
    assert r.notes == GOOD_NOTES


def assert_vietnamese(message: str) -> None:
    assert VIETNAMESE.search(message), message
    assert "Traceback" not in message and "Error" not in message


def assert_rejected(r: FileResult, code: str, *, cell: str | None = None, quoted: tuple[str, ...] = ()) -> None:
    """Rejected with exactly one error, of ``code``, in Vietnamese, quoting ``quoted``."""
    assert r.status == "rejected", [(i.code, i.message) for i in r.issues]
    errors = [i for i in r.issues if i.severity == "error"]
    assert [i.code for i in errors] == [code], [(i.code, i.message) for i in r.issues]
    (e,) = errors
    assert e.cell == cell
    assert_vietnamese(e.message)
    for q in quoted:
        assert q in e.message, (q, e.message)
    assert r.values == {}


def one_bad(tmp_path: Path, kit: Kit, name: str, data: bytes) -> FileResult:
    """Read ``name`` (holding ``data``) beside good.xlsx; check the good one; return the bad one's result."""
    folder = make_folder(tmp_path, kit, {name: data})
    results = read_folder(folder, kit)
    assert_good_accepted(results)
    r = results[name]
    assert r.sha256 == hashlib.sha256(data).hexdigest()
    return r


# --------------------------------------------------------------------------- not a workbook


def test_empty_file_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "rong.xlsx", hostile.empty()), "empty-file")


def test_truncated_zip_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "dang_do.xlsx", hostile.truncated(kit.good)), "corrupt-zip")


def test_html_page_saved_as_xlsx_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "tai_ve.xlsx", hostile.html_page()), "not-xlsx", quoted=("HTML",))


def test_old_xls_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "cu.xls", hostile.old_xls()), "xls-format", quoted=(".xls",))


def test_old_xls_renamed_to_xlsx_is_rejected_too(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "cu.xlsx", hostile.old_xls()), "xls-format")


def test_xlsb_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "nhi_phan.xlsb", hostile.xlsb()), "xlsb-format", quoted=(".xlsb",))


def test_ods_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "libre.ods", hostile.ods()), "ods-format", quoted=(".ods",))


def test_password_encrypted_workbook_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "mat_khau.xlsx", hostile.encrypted()), "encrypted", quoted=("mật khẩu",))


def test_docx_is_rejected_as_a_word_document(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "bao_cao.docx", hostile.docx()), "not-xlsx", quoted=("Word",))


# --------------------------------------------------------------------------- hostile packages


@pytest.mark.parametrize("make", [hostile.xlsm, hostile.vba_project], ids=["xlsm-content-type", "vbaProject.bin-in-xlsx"])
def test_workbook_with_macros_is_rejected(tmp_path: Path, kit: Kit, make: Callable[[bytes], bytes]) -> None:
    assert_rejected(one_bad(tmp_path, kit, "macro.xlsx", make(kit.good)), "macro", quoted=("macro",))


def test_strict_ooxml_is_rejected(tmp_path: Path, kit: Kit) -> None:
    assert_rejected(one_bad(tmp_path, kit, "strict.xlsx", hostile.strict_ooxml(kit.good)), "strict-ooxml", quoted=("Strict",))


@pytest.mark.parametrize(
    ("part", "dtd", "entity"),
    [
        ("xl/workbook.xml", hostile.LAUGHS, "&lol9;"),
        ("xl/sharedStrings.xml", hostile.LAUGHS, "&lol9;"),
        (hostile.FORM_SHEET, hostile.LAUGHS, "&lol9;"),
        ("xl/sharedStrings.xml", hostile.XXE, "&xxe;"),
    ],
    ids=["laughs-in-workbook", "laughs-in-shared-strings", "laughs-in-sheet", "external-entity"],
)
def test_xml_with_a_dtd_or_entities_is_rejected(tmp_path: Path, kit: Kit, part: str, dtd: str, entity: str) -> None:
    r = one_bad(tmp_path, kit, "laughs.xlsx", hostile.with_dtd(kit.good, part, dtd, entity))
    assert_rejected(r, "xml-dtd", quoted=(part,))


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (hostile.zip_bomb_declared, "zip-bomb"),
        (hostile.zip_bomb_ratio, "zip-bomb"),
        # the reader stops at the declared size; the deflate stream's CRC then fails
        (hostile.zip_bomb_actual, "corrupt-zip"),
        (hostile.zip_bomb_entries, "zip-bomb"),
    ],
    ids=["declared-3GB", "ratio-1000-to-1", "actual-80MiB-declared-1000B", "2500-entries"],
)
def test_zip_bomb_is_rejected(tmp_path: Path, kit: Kit, make: Callable[[bytes], bytes], code: str) -> None:
    assert_rejected(one_bad(tmp_path, kit, "bom.xlsx", make(kit.good)), code)


def test_duplicate_zip_entries_are_rejected(tmp_path: Path, kit: Kit) -> None:
    other = kit.fill("X0114", {"1.1": 999})
    r = one_bad(tmp_path, kit, "hai_ban.xlsx", hostile.duplicate_entry(kit.good, other))
    assert_rejected(r, "duplicate-entry", quoted=(hostile.FORM_SHEET,))


def test_cell_far_outside_the_form_is_a_warning_and_does_not_blow_memory(tmp_path: Path, kit: Kit) -> None:
    data = hostile.far_cell(kit.good)
    r = one_bad(tmp_path, kit, "xa_xa.xlsx", data)
    assert r.status == "accepted"
    assert [(i.code, i.severity, i.cell) for i in r.issues] == [("cell-out-of-bounds", "warning", "XFD1048576")]
    assert_vietnamese(r.issues[0].message)
    assert r.values == pytest.approx(GOOD_READ)


# NOTE: a regular-expression fast path would also match a cell inside an XML
# comment: the file shows 3 in D10 in Excel, LibreOffice and openpyxl, and such a
# reader would read 300 (it did, before comments were sent to expat).
def test_cell_hidden_in_an_xml_comment_is_not_read(tmp_path: Path, kit: Kit) -> None:
    filled = kit.fill("X0101", {"1.1": 3})
    r = one_bad(tmp_path, kit, "chu_thich.xlsx", hostile.commented_cell(filled, "D10", "300"))
    if r.status == "rejected":
        assert len([i for i in r.issues if i.severity == "error"]) == 1
    else:
        assert r.values.get("1.1") == 3, r.values.get("1.1")


# NOTE: the same fast path would keep the CDATA markup as the cell's text and
# report 5 as "not a number" (it did); openpyxl and the reader read 5.
def test_number_in_a_cdata_section_is_read_as_that_number(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "cdata.xlsx", hostile.cdata_value(kit.fill("X0101", {"1.1": 3}), "D10", "5"))
    if r.status == "rejected":
        assert len([i for i in r.issues if i.severity == "error"]) == 1
    else:
        assert (r.values.get("1.1"), r.issues) == (5, [])


def _read_form(data: bytes, kit: Kit, monkeypatch: pytest.MonkeyPatch) -> tuple[FileResult, list[str]]:
    """Read ``data`` as one return in this process; also say which sheet parser read the form."""
    from cchc_xlsx.read.workbook import read_workbook

    used: list[str] = []
    fast, slow = fast_sheet, parse_sheet

    def spy_fast(data: bytes, *a: object, **k: object) -> object:
        out = fast(data, *a, **k)  # type: ignore[arg-type]
        used.append("fast" if out is not None else "declined")
        return out

    def spy_slow(data: bytes, *a: object, **k: object) -> object:
        used.append("expat")
        return slow(data, *a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(package_module, "fast_sheet", spy_fast)
    monkeypatch.setattr(package_module, "parse_sheet", spy_slow)
    path = Path(kit.units_path).parent / "fast_path_probe.xlsx"
    path.write_bytes(data)
    try:
        return read_workbook(str(path), kit.catalog), used
    finally:
        path.unlink()


def test_what_follows_the_cells_is_not_parsed_but_a_comment_among_them_sends_the_whole_part_to_expat(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    # the fast path inflates a sheet only up to a little past </sheetData>: a
    # comment far after the cells changes nothing; one among the cells makes
    # the expat parser read the whole part (not the truncated head)
    tail = hostile.edit_part(kit.good, hostile.FORM_SHEET, lambda xml: xml.replace(b"</worksheet>", b"<!-- 300 --></worksheet>"))
    r, used = _read_form(tail, kit, monkeypatch)
    assert used[-1] == "fast" and "expat" not in used
    assert (r.status, r.issues, r.values) == ("accepted", [], pytest.approx(GOOD_READ))
    among = hostile.edit_part(kit.good, hostile.FORM_SHEET, lambda xml: xml.replace(b"</row>", b"</row><!-- x -->", 1))
    r, used = _read_form(among, kit, monkeypatch)
    assert used[-2:] == ["declined", "expat"]
    assert (r.status, r.issues, r.values) == ("accepted", [], pytest.approx(GOOD_READ))


def test_cells_under_a_namespace_prefix_are_read_by_expat(kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    # <x:c> cells are cells when x is SpreadsheetML's namespace: the pattern-matching path must not skip them
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"

    def prefix(xml: bytes) -> bytes:
        xml = xml.replace(b'<worksheet xmlns="' + main + b'"', b'<x:worksheet xmlns:x="' + main + b'"', 1)
        xml = re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml)
        return xml.replace(b"<x:x:worksheet", b"<x:worksheet")

    data = hostile.edit_part(kit.good, hostile.FORM_SHEET, prefix)
    assert b"<x:c r=" in hostile.parts(data)[hostile.FORM_SHEET]
    r, used = _read_form(data, kit, monkeypatch)
    assert used[-2:] == ["declined", "expat"]
    assert (r.status, r.issues, r.values) == ("accepted", [], pytest.approx(GOOD_READ))


@pytest.mark.parametrize("closed", [True, False])
def test_a_sheet_head_spanning_many_chunks_is_the_part_up_to_a_little_past_its_cells(closed: bool) -> None:
    import io
    import zipfile


    cells = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (i, i, i) for i in range(1, 20001))
    xml = b"<worksheet><sheetData>" + cells + (b"</sheetData>" if closed else b"") + b"<x/>" * 50000 + b"</worksheet>"
    assert len(xml) > 10 * package_module._HEAD_CHUNK
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("s.xml", xml)
    data = buf.getvalue()
    pkg = Package.__new__(Package)
    pkg._data, pkg.zip = data, zipfile.ZipFile(io.BytesIO(data))
    head, whole = pkg._read_head("s.xml")
    if closed:
        end = xml.index(b"</sheetData>")
        assert not whole and xml.startswith(head)
        assert end + package_module._HEAD_TAIL <= len(head) < len(xml)
    else:
        assert (head, whole) == (xml, True)
    assert pkg._read("s.xml") == xml
    # a head is inflated straight from the package's bytes; zipfile's reader reads the same
    assert (pkg._inflate_head("s.xml") is not None) == closed
    pkg._inflate_head = lambda name: None  # type: ignore[method-assign]
    assert pkg._read_head("s.xml") == (head, whole)


def test_an_empty_protected_sheet_is_seen_as_protected_by_both_parsers() -> None:

    xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
           b'<sheetData/><sheetProtection sheet="1" objects="1"/></worksheet>')
    fast = fast_sheet(xml, None, 100, 7, "sheet.xml", 4)  # type: ignore[arg-type]
    slow = parse_sheet(xml, None, 100, 7, "sheet.xml")  # type: ignore[arg-type]
    assert fast is not None and (fast.protected, fast.cells) == (slow.protected, slow.cells) == (True, {})


def test_styles_fast_path_agrees_with_expat(kit: Kit) -> None:

    styles = hostile.parts(hostile.percent_formatted(kit.good, "D70", 0.95))["xl/styles.xml"]
    fast = fast_styles(styles)
    assert fast is not None and fast == expat_styles(styles)
    assert "percent" in parse_format_kinds(styles)
    prefixed = styles.replace(b"<cellXfs", b"<x:cellXfs").replace(b"</cellXfs", b"</x:cellXfs")
    assert fast_styles(prefixed) is None


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_far_cell_is_read_in_a_worker_allowed_only_200_mb_more_than_this_process(tmp_path: Path, kit: Kit) -> None:
    path = tmp_path / "xa_xa.xlsx"
    path.write_bytes(hostile.far_cell(kit.good))
    (r,) = read_files([str(path)], kit.catalog, workers=1, memory=_vm_size() + (200 << 20))
    assert r.status == "accepted"
    assert [i.code for i in r.issues] == ["cell-out-of-bounds"]


def test_file_growing_while_read_is_rejected(tmp_path: Path, kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path, kit, {"dang_chep.xlsx": kit.fill("X0101", {"1.1": 1})})
    target = folder / "dang_chep.xlsx"
    patch = hostile.AppendWhileReading(monkeypatch, target)
    results = read_folder(folder, kit)
    assert patch.appended == 1
    assert_rejected(results["dang_chep.xlsx"], "file-changed")
    assert_good_accepted(results)


def test_file_touched_while_read_is_rejected(tmp_path: Path, kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_folder(tmp_path, kit, {"dang_luu.xlsx": kit.fill("X0101", {"1.1": 1})})
    hostile.AppendWhileReading(monkeypatch, folder / "dang_luu.xlsx", touch_only=True)
    results = read_folder(folder, kit)
    assert_rejected(results["dang_luu.xlsx"], "file-changed")
    assert_good_accepted(results)


def test_read_bytes_safely_raises_when_the_file_changes(tmp_path: Path, kit: Kit, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.xlsx"
    path.write_bytes(kit.good)
    assert read_bytes_safely(str(path))[0] == kit.good
    hostile.AppendWhileReading(monkeypatch, path)
    with pytest.raises(XlsxError) as exc:
        read_bytes_safely(str(path))
    assert exc.value.code == "file-changed"


def test_read_bytes_safely_does_not_follow_a_symlink(tmp_path: Path, kit: Kit) -> None:
    (tmp_path / "real.xlsx").write_bytes(kit.good)
    os.symlink(tmp_path / "real.xlsx", tmp_path / "link.xlsx")
    with pytest.raises(XlsxError) as exc:
        read_bytes_safely(str(tmp_path / "link.xlsx"))
    assert exc.value.code == "unreadable"


# --------------------------------------------------------------------------- skipped


def test_lock_temp_and_own_output_files_are_skipped_with_a_note(tmp_path: Path, kit: Kit) -> None:
    folder = make_folder(tmp_path, kit, {})
    expected = hostile.put_skippable(folder, kit.good)
    results = read_folder(folder, kit)
    assert_good_accepted(results)
    for path, code in expected.items():
        r = results[path.name]
        assert r.status == "skipped", path.name
        assert [(i.code, i.severity) for i in r.issues] == [(code, "info")], path.name
        assert_vietnamese(r.issues[0].message)
    assert set(results) == {"good.xlsx", *(p.name for p in expected)}


def test_symbolic_links_are_not_followed(tmp_path: Path, kit: Kit) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.xlsx").write_bytes(kit.fill("X0101", {"1.1": 1}))
    folder = make_folder(tmp_path, kit, {})
    links = hostile.put_symlinks(folder, outside / "secret.xlsx", outside)
    results = read_folder(folder, kit)
    assert_good_accepted(results)
    for link in links:
        r = results[link.name]
        assert r.status == "skipped"
        assert [i.code for i in r.issues] == ["symlink"]
        assert r.sha256 is None  # not even opened
    assert "secret.xlsx" not in results


def test_symbolic_link_given_on_the_command_line_is_not_followed(tmp_path: Path, kit: Kit) -> None:
    (tmp_path / "good.xlsx").write_bytes(kit.good)
    os.symlink(tmp_path / "good.xlsx", tmp_path / "link.xlsx")
    results = read_folder([tmp_path / "good.xlsx", tmp_path / "link.xlsx"], kit)
    assert_good_accepted(results)
    assert results["link.xlsx"].status == "skipped"
    assert [i.code for i in results["link.xlsx"].issues] == ["symlink"]


def test_byte_identical_copy_is_skipped_as_a_duplicate(tmp_path: Path, kit: Kit) -> None:
    folder = make_folder(tmp_path, kit, {"good - Copy.xlsx": kit.good})
    results = read_folder(folder, kit)
    statuses = sorted((r.status, name) for name, r in results.items())
    assert statuses == [("accepted", "good - Copy.xlsx"), ("skipped", "good.xlsx")]
    dup = results["good.xlsx"]
    assert [(i.code, i.severity) for i in dup.issues] == [("duplicate-file", "info")]
    assert "good - Copy.xlsx" in dup.issues[0].message
    assert dup.values == {}
    assert_good_accepted(results, "good - Copy.xlsx")


# --------------------------------------------------------------------------- changed templates


def test_an_edited_label_is_an_error_and_its_value_is_left_out(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "nhan.xlsx", hostile.edit_label(kit.fill("X0101", {"1.1": 2, "1.2.1": 5}), "B10", "Số văn bản đã ban hành (kể cả dự thảo)"))
    assert r.status == "accepted"
    assert [(i.code, i.severity, i.cell, i.indicator) for i in r.issues] == [("label-changed", "error", "B10", "1.1")]
    assert "Số văn bản đã ban hành (kể cả dự thảo)" in r.issues[0].message and "không được dùng" in r.issues[0].message
    assert r.values == {"1.2.1": 5}  # the edited row's 2 is left out, the others are read


@pytest.mark.parametrize("label", ["  số văn bản chỉ đạo  CCHC đã ban hành (kết luận, chỉ thị, công văn chỉ đạo, quán triệt)", "Số văn bản chỉ đạo\u00a0CCHC đã ban hành\u200b (kết luận, chỉ thị, công văn chỉ đạo, quán triệt)"])
def test_spaces_case_and_invisible_characters_are_not_an_edit(tmp_path: Path, kit: Kit, label: str) -> None:
    r = one_bad(tmp_path, kit, "nhan.xlsx", hostile.edit_label(kit.fill("X0101", {"1.1": 2}), "B10", label))
    assert r.issues == [] and r.values == {"1.1": 2}


def test_inserted_row_is_rejected_naming_the_cell(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "chen_dong.xlsx", hostile.insert_row(kit.fill("X0101", {"1.1": 2}), 15))
    assert_rejected(r, "layout-changed", cell="A15", quoted=("1.4.1", "A15", "A16"))


def test_moved_row_is_rejected_naming_the_cell(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "doi_dong.xlsx", hostile.swap_rows(kit.fill("X0101", {"1.4.2": 1, "1.4.3": 2}), 16, 17))
    assert_rejected(r, "layout-changed", cell="A16", quoted=("1.4.2", "A16", "A17"))


def test_formula_replaced_by_a_number_is_an_error_and_the_ratio_is_recomputed(tmp_path: Path, kit: Kit) -> None:
    filled = kit.fill("X0101", {"1.2.1": 32, "1.2.2": 6})
    assert "<f>" in hostile.cell_xml(filled, "D11")
    r = one_bad(tmp_path, kit, "sua_cong_thuc.xlsx", hostile.formula_replaced(filled, "D11", 19))
    assert r.status == "accepted"
    assert [(i.code, i.severity, i.cell, i.indicator) for i in r.issues] == [("formula-replaced", "error", "D11", "1.2")]
    assert "19" in r.issues[0].message
    assert r.values["1.2"] == pytest.approx(18.75)


def test_a_kind_of_workbook_this_version_does_not_know_is_rejected(tmp_path: Path, kit: Kit) -> None:
    entries = hostile.parts(kit.fill("X0101", {"1.1": 2}))
    sst = entries["xl/sharedStrings.xml"]
    assert sst.count(b"<t>template</t>") == 1
    entries["xl/sharedStrings.xml"] = sst.replace(b"<t>template</t>", b"<t>bieu-moi</t>")
    r = one_bad(tmp_path, kit, "loai_la.xlsx", hostile.build_zip(list(entries.items())))
    assert_rejected(r, "not-our-template", quoted=("bieu-moi",))


def test_deleted_metadata_sheet_is_read_by_codes_and_labels(tmp_path: Path, kit: Kit) -> None:
    data = hostile.delete_sheet(kit.fill("X0101", {"1.1": 2, "1.6": "Có"}, {"1.1": "ghi chú"}), "_cchc_meta")
    r = one_bad(tmp_path, kit, "mat_meta.xlsx", data)
    assert r.status == "accepted"
    warnings = [(i.code, i.severity) for i in r.issues if i.severity != "info"]
    assert warnings == [("metadata-missing", "warning")]
    assert r.unit == "X0101" and r.period == PERIOD
    assert r.values == {"1.1": 2, "1.6": 1}
    assert r.notes == {"1.1": "ghi chú"}


def test_table_copied_into_a_new_workbook_is_read_by_codes_and_labels(tmp_path: Path, kit: Kit) -> None:
    values = {"1.1": 2, "1.2.1": 10, "1.2.2": 5, "1.5.2": "Kết hợp", "4.4": 12.5}
    r = one_bad(tmp_path, kit, "chep_sang.xlsx", hostile.copy_to_new_workbook(kit.fill("X0101", values)))
    assert r.status == "accepted"
    assert [(i.code, i.severity) for i in r.issues if i.severity != "info"] == [("metadata-missing", "warning")]
    assert r.unit == "X0101" and r.period == PERIOD
    assert r.values == {"1.1": 2, "1.2.1": 10, "1.2.2": 5, "1.5.2": 2, "4.4": 12.5, "1.2": 50.0}


# NOTE: rows are found by their codes wherever they are, and so is the unit: a
# table pasted a few rows lower (under a line of the sender's own) keeps its
# unit (reading it from the fixed cells A1/B1 named the sender's line instead).
def test_table_pasted_lower_in_a_new_workbook_keeps_its_unit(tmp_path: Path, kit: Kit) -> None:
    data = hostile.copy_to_new_workbook(kit.fill("X0101", {"1.1": 2}), offset=3, preamble="Bảng số liệu gửi kèm công văn")
    r = one_bad(tmp_path, kit, "chep_thap.xlsx", data)
    assert r.status == "accepted", [(i.code, i.message) for i in r.issues]
    assert [(i.code, i.severity) for i in r.issues if i.severity != "info"] == [("metadata-missing", "warning")]
    assert r.unit == "X0101" and r.period == PERIOD
    assert r.values == {"1.1": 2}


def test_copied_table_whose_rows_cannot_be_matched_is_rejected(tmp_path: Path, kit: Kit) -> None:
    data = hostile.copy_to_new_workbook(kit.fill("X0101", {"1.1": 2}), keep_rows=lambda r: r < 40)
    assert_rejected(one_bad(tmp_path, kit, "thieu_dong.xlsx", data), "not-our-template", quoted=("3.1.4",))


def test_a_workbook_without_our_codes_is_not_our_template(tmp_path: Path, kit: Kit) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["STT", "Nội dung", "Số lượng"])
    ws.append(["I", "Tổng số cán bộ", 12])
    path = tmp_path / "khac.xlsx"
    wb.save(path)
    assert_rejected(one_bad(tmp_path, kit, "khac.xlsx", path.read_bytes()), "not-our-template")


def test_removed_sheet_protection_is_a_warning(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "go_khoa.xlsx", hostile.remove_sheet_protection(kit.fill("X0101", {"1.1": 2})))
    assert r.status == "accepted"
    assert [(i.code, i.severity) for i in r.issues] == [("protection-removed", "warning")]
    assert r.values == {"1.1": 2}


def test_template_of_another_period_is_rejected_naming_both(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "quy2.xlsx", kit.other_period)
    assert_rejected(r, "wrong-period", quoted=("Quý II năm 2024", "Quý I năm 2024"))


def test_template_of_another_level_is_rejected_naming_both(tmp_path: Path, kit: Kit) -> None:
    folder = make_folder(tmp_path, kit, {"huyen.xlsx": kit.huyen, "bang_lung.xlsx": kit.fill("X0101", {"1.1": 1})})
    results = read_folder(folder, kit)
    assert_good_accepted(results)
    assert results["bang_lung.xlsx"].status == "accepted"
    assert_rejected(results["huyen.xlsx"], "wrong-level", quoted=("huyen", "xa"))


# NOTE: with --level xa, one commune return and one district return tie on the
# form level; the level asked for wins (breaking the tie alphabetically,
# "huyen" < "xa", rejected the commune's return as wrong-level).
def test_one_return_of_another_level_does_not_outvote_the_expected_level(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "huyen.xlsx", kit.huyen)
    assert_rejected(r, "wrong-level", quoted=("huyen", "xa"))


def test_template_of_another_catalogue_version_is_rejected_naming_both(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "ban_cu.xlsx", kit.other_version)
    assert_rejected(r, "catalog-version", quoted=("2023.9", "2024.1"))


# --------------------------------------------------------------------------- generic template


@pytest.mark.parametrize("typed", ["Xã Tân Lập", "xa tan lap", "XÃ TÂN LẬP", "Tân Lập", "  tân   lập ", "X0114"])
def test_generic_template_is_attributed_to_the_unit_typed_in_b1(tmp_path: Path, kit: Kit, typed: str) -> None:
    data = kit.fill("generic", GOOD_VALUES, GOOD_NOTES, unit_name=typed)
    folder = hostile.folder_with(tmp_path / "returns", data, {})
    results = read_folder(folder, kit)
    r = results["good.xlsx"]
    assert r.status == "accepted"
    assert r.unit == "X0114"
    assert [i.code for i in r.issues] == ["unit-unknown"] and r.issues[0].severity == "info"
    assert r.values == pytest.approx(GOOD_READ)


def test_generic_template_with_an_unknown_unit_is_rejected_listing_close_names(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "la.xlsx", kit.fill("generic", {"1.1": 1}, unit_name="Xã Tân Lâm"))
    assert_rejected(r, "unit-unknown", cell="B1", quoted=("Xã Tân Lâm", "Xã Tân Lập (X0114)"))


def test_generic_template_with_an_ambiguous_unit_is_rejected_listing_both(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "dong_lac.xlsx", kit.fill("generic", {"1.1": 1}, unit_name="Đồng Lạc"))
    assert_rejected(r, "unit-unknown", cell="B1", quoted=("X0120", "X0205"))


def test_generic_template_without_a_unit_is_rejected(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "khong_ten.xlsx", kit.fill("generic", {"1.1": 1}))
    assert_rejected(r, "unit-unknown", cell="B1", quoted=("B1",))


# --------------------------------------------------------------------------- values in a workbook

NBSP = "\u00a0"
# (code, cell, typed, expected value or None, issue code or None); "<…>" is put in the XML by hand
CELLS = [
    ("1.1", "D10", "1.594", 1594, "text-number"),
    ("4.4", "D59", "47,37", 47.37, "text-number"),
    ("4.5.5", "D65", "12,5%", 12.5, "text-number"),
    ("7.1.a", "D101", f"95{NBSP}%", 95.0, "text-number"),
    ("4.6.1", "D68", f"1{NBSP}594", 1594, "text-number"),
    ("1.2.1", "D12", "n/a", None, "not-a-number"),
    ("1.2.2", "D13", "không có số liệu", None, "not-a-number"),
    ("1.4.1", "D15", -5, None, "negative"),
    ("1.4.2", "D16", 2.5, None, "not-integer"),
    ("5.1.1", "D73", 120, None, "out-of-range"),
    ("2.1", "D24", "inf", None, "not-finite"),
    ("2.2", "D25", "NaN", None, "not-finite"),
    ("1.6", "D22", "co", None, "invalid-choice"),  # the template flags it too: "co" is not "Có"
    ("1.5.2", "D21", "phát phiếu", 1, None),
    ("2.3.1", "D30", 0, 0, None),
    ("3.1.1", "D36", None, None, None),  # blank stays blank
    ("1.4.3", "D17", "<bool>", None, "boolean-value"),
    ("1.4.4", "D18", "<#DIV/0!>", None, "error-value"),
    ("1.5.1", "D20", "<formula>", None, "formula-in-input"),
    ("4.6.3", "D70", "<0.95 as %>", 95.0, "percent-format"),
]


@pytest.fixture(scope="module")
def value_return(kit: Kit, tmp_path_factory: pytest.TempPathFactory) -> dict[str, FileResult]:
    """One return holding every case of :data:`CELLS`, read beside good.xlsx."""
    typed = {code: v for code, _cell, v, _e, _i in CELLS if v is not None and not str(v).startswith("<")}
    data = kit.fill("X0101", typed)
    data = hostile.set_cell(data, "D17", "<v>1</v>", t="b")
    data = hostile.set_cell(data, "D18", "<v>#DIV/0!</v>", t="e")
    data = hostile.set_cell(data, "D20", "<f>1+2</f><v>3</v>")
    data = hostile.percent_formatted(data, "D70", 0.95)
    folder = hostile.folder_with(tmp_path_factory.mktemp("values") / "returns", kit.good, {"gia_tri.xlsx": data})
    return read_folder(folder, kit)


@pytest.mark.parametrize(("code", "cell", "typed", "expected", "issue_code"), CELLS, ids=[f"{c[0]}={c[2]!r}" for c in CELLS])
def test_value_cell_is_read_or_reported_with_its_cell(value_return: dict[str, FileResult], code: str, cell: str, typed: object, expected: object, issue_code: str | None) -> None:
    assert_good_accepted(value_return)
    r = value_return["gia_tri.xlsx"]
    assert r.status == "accepted"
    found = [i for i in r.issues if i.indicator == code]
    assert [i.code for i in found] == ([issue_code] if issue_code else [])
    for i in found:
        assert i.cell == cell
        if i.severity == "error" and not str(typed).startswith("<"):
            # numbers are quoted in Vietnamese notation (2,5), as the commune reads them
            assert str(typed).replace(".", ",") in i.message or str(typed) in i.message
    if expected is None:
        assert code not in r.values
    else:
        assert r.values[code] == pytest.approx(expected) if isinstance(expected, float) else r.values[code] == expected


def test_rule_broken_in_a_return_names_cell_and_indicator(tmp_path: Path, kit: Kit) -> None:
    r = one_bad(tmp_path, kit, "sai_quy_tac.xlsx", kit.fill("X0101", {"3.3.1.a": 10, "3.3.1.b": 12}))
    assert r.status == "accepted"
    assert [(i.code, i.rule, i.indicator, i.cell, i.severity) for i in r.issues] == [("rule", "auto-ratio-3.3.1", "3.3.1.b", "D48", "error")]
    assert r.values["3.3.1"] == pytest.approx(120.0)


# --------------------------------------------------------------------------- worker processes


def test_a_bag_of_hostile_files_in_real_worker_processes(tmp_path: Path, kit: Kit) -> None:
    good = kit.good
    bag = {
        "rong.xlsx": (hostile.empty(), "rejected", "empty-file"),
        "cut.xlsx": (hostile.truncated(good), "rejected", "corrupt-zip"),
        "web.xlsx": (hostile.html_page(), "rejected", "not-xlsx"),
        "cu.xls": (hostile.old_xls(), "rejected", "xls-format"),
        "khoa.xlsx": (hostile.encrypted(), "rejected", "encrypted"),
        "b.xlsb": (hostile.xlsb(), "rejected", "xlsb-format"),
        "o.ods": (hostile.ods(), "rejected", "ods-format"),
        "m.xlsm": (hostile.xlsm(good), "rejected", "macro"),
        "strict.xlsx": (hostile.strict_ooxml(good), "rejected", "strict-ooxml"),
        "laughs.xlsx": (hostile.with_dtd(good, "xl/sharedStrings.xml"), "rejected", "xml-dtd"),
        "bomb1.xlsx": (hostile.zip_bomb_declared(good), "rejected", "zip-bomb"),
        "bomb2.xlsx": (hostile.zip_bomb_ratio(good), "rejected", "zip-bomb"),
        "bomb3.xlsx": (hostile.zip_bomb_actual(good), "rejected", "corrupt-zip"),
        "bomb4.xlsx": (hostile.zip_bomb_entries(good), "rejected", "zip-bomb"),
        "dup.xlsx": (hostile.duplicate_entry(good, kit.fill("X0114", {"1.1": 9})), "rejected", "duplicate-entry"),
        "far.xlsx": (hostile.far_cell(kit.fill("X0101", {"1.1": 1})), "accepted", "cell-out-of-bounds"),
        "w.docx": (hostile.docx(), "rejected", "not-xlsx"),
    }
    folder = make_folder(tmp_path, kit, {name: data for name, (data, _s, _c) in bag.items()})
    results = read_folder(folder, kit, workers=None)  # the default: real worker processes
    assert_good_accepted(results)
    got = {name: (results[name].status, [i.code for i in results[name].issues]) for name in bag}
    assert got == {name: (status, [code]) for name, (_d, status, code) in bag.items()}
    assert results["far.xlsx"].values == {"1.1": 1}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_worker_that_dies_hangs_or_fails_is_replaced_and_no_other_file_is_lost(
    tmp_path: Path, kit: Kit, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    """Each worker has files sent ahead of its answers: when it dies on one, hangs
    past the time limit or fails with an exception, that file is rejected, the
    worker replaced, and the files sent after it are read by its successor."""
    import time as time_module

    import cchc_xlsx.batch.workers as batch_module

    real = batch_module.read_workbook

    def flaky(path: str, catalog: Catalog, layouts: object = None) -> FileResult:
        name = Path(path).name
        if name.startswith("die"):
            os._exit(3)
        if name.startswith("hang"):
            time_module.sleep(60)
        if name.startswith("bug"):
            raise RuntimeError("a bug")
        return real(path, catalog, layouts)  # type: ignore[arg-type]

    monkeypatch.setattr(batch_module, "read_workbook", flaky)  # the workers are forked: they see it
    names = [f"{kind}_{i:02d}.xlsx" for i, kind in enumerate(["ok", "ok", "die", "ok", "ok", "hang", "ok", "bug", "ok", "ok", "die", "ok"])]
    for n in names:
        (tmp_path / n).write_bytes(kit.good)
    paths = [str(tmp_path / n) for n in names]
    started = time_module.monotonic()
    results = read_files(paths, kit.catalog, workers=workers, timeout=1.0)
    assert time_module.monotonic() - started < 30
    assert [r.path for r in results] == paths
    got = {Path(r.path).name: (r.status, [i.code for i in r.issues]) for r in results}
    for n in names:
        kind = n.split("_", 1)[0]
        want = {"ok": ("accepted", []), "die": ("rejected", ["parse-crash"]), "hang": ("rejected", ["parse-timeout"]), "bug": ("rejected", ["parse-crash"])}[kind]
        assert got[n] == want, n
    assert "RuntimeError: a bug" in next(r for r in results if Path(r.path).name.startswith("bug")).issues[0].message


# --------------------------------------------------------------------------- command line


def snapshot(folder: Path) -> dict[str, tuple[bytes, int, int]]:
    out = {}
    for root, _dirs, files in os.walk(folder):
        for f in files:
            p = Path(root) / f
            if p.is_symlink():
                continue
            st = p.stat()
            out[str(p)] = (p.read_bytes(), st.st_mtime_ns, st.st_size)
    return out


def hostile_folder(tmp_path: Path, kit: Kit) -> Path:
    folder = make_folder(tmp_path, kit, {
        "rong.xlsx": hostile.empty(),
        "web.xlsx": hostile.html_page(),
        "khoa.xlsx": hostile.encrypted(),
        "macro.xlsx": hostile.vba_project(kit.good),
        "far.xlsx": hostile.far_cell(kit.fill("X0101", {"1.1": 1})),
        "nhan.xlsx": hostile.edit_label(kit.fill("X0102", {"1.1": 2}), "B10", "Văn bản"),
        "good copy.xlsx": kit.good,
    })
    hostile.put_skippable(folder, kit.good)
    return folder


def test_check_prints_a_vietnamese_summary_writes_the_json_report_and_exits_1(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    folder = hostile_folder(tmp_path, kit)
    before = snapshot(folder)
    report = tmp_path / "report.json"
    code = main(["check", str(folder), "--units", str(kit.units_path), "--level", "xa", "--period", PERIOD, "--json", str(report)])
    out, err = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in out + err
    # the summary
    assert "Kỳ báo cáo: Quý I năm 2024" in out
    assert "Chấp nhận: 3   Từ chối: 4   Bỏ qua: 9" in out
    assert "[TỪ CHỐI]" in out and "[CHẤP NHẬN]" in out  # the files to look at; skipped ones only counted
    assert "--verbose" in out and str(report) in out  # where the whole list is
    assert "Chưa nộp" in out
    # the report, per the contract
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert set(doc) >= {"level", "period", "files", "missing_units"}
    assert doc["level"] == "xa" and doc["period"] == PERIOD
    assert doc["missing_units"] == ["X0120", "X0205"]
    files = {Path(f["path"]).name: f for f in doc["files"]}
    assert len(files) == len(doc["files"]) == len(list(folder.iterdir()))
    for f in doc["files"]:
        assert set(f) == {"path", "unit", "status", "sha256", "issues"}
        for i in f["issues"]:
            assert set(i) >= {"severity", "code", "indicator", "cell", "message"}
            assert i["severity"] in ("error", "warning", "info")
            assert_vietnamese(i["message"])
        if f["sha256"] is not None:
            assert f["sha256"] == hashlib.sha256(Path(f["path"]).read_bytes()).hexdigest()
    assert {n: (f["status"], f["unit"]) for n, f in files.items() if f["status"] != "skipped"} == {
        "good copy.xlsx": ("accepted", "X0114"),
        "far.xlsx": ("accepted", "X0101"),
        "nhan.xlsx": ("accepted", "X0102"),
        "rong.xlsx": ("rejected", None),
        "web.xlsx": ("rejected", None),
        "khoa.xlsx": ("rejected", None),
        "macro.xlsx": ("rejected", None),
    }
    # "good copy.xlsx" sorts first, so good.xlsx is the duplicate
    assert [i["code"] for i in files["good.xlsx"]["issues"]] == ["duplicate-file"]
    assert files["far.xlsx"]["issues"][0]["cell"] == "XFD1048576"
    assert files["nhan.xlsx"]["issues"][0] == {**files["nhan.xlsx"]["issues"][0], "code": "label-changed", "cell": "B10", "indicator": "1.1"}
    assert files["rong.xlsx"]["sha256"] == hashlib.sha256(b"").hexdigest()
    assert {n for n, f in files.items() if f["status"] == "skipped"} == {"good.xlsx", *hostile.SKIPPABLE}
    # inputs are never modified
    assert snapshot(folder) == before


def test_check_exits_0_when_everything_is_accepted_with_warnings_only(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent\nH01,Huyện Chợ Đồn,huyen,\nX0114,Xã Tân Lập,xa,H01\nX0101,Thị trấn Bằng Lũng,xa,H01\n", encoding="utf-8")
    folder = make_folder(tmp_path, kit, {"bl.xlsx": kit.fill("X0101", {"4.4": 0.925})})  # 92,5 % meant? a warning
    before = snapshot(folder)
    report = tmp_path / "r.json"
    code = main(["check", str(folder), "--units", str(units), "--level", "xa", "--json", str(report)])
    out, err = capsys.readouterr()
    assert code == 0, out
    assert "Từ chối: 0" in out and "Cảnh báo: 1" in out
    doc = json.loads(report.read_text(encoding="utf-8"))
    assert doc["missing_units"] == []
    assert snapshot(folder) == before


def test_check_exits_1_for_an_error_level_issue_in_an_accepted_file(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    folder = hostile.folder_with(tmp_path / "in", hostile.formula_replaced(kit.good, "D11", 19), {})
    code = main(["check", str(folder)])
    out, _err = capsys.readouterr()
    assert code == 1
    assert "formula-replaced" in out and "CHẤP NHẬN" in out


# NOTE: the contract's exit code 1 covers "an expected unit is … conflicting":
# `check` given two different returns of Xã Tân Lập exits 1 (it accepted both
# and exited 0).
def test_check_exits_1_when_a_unit_sent_two_different_returns(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    units = tmp_path / "units.csv"
    units.write_text("code,name,level,parent\nH01,Huyện Chợ Đồn,huyen,\nX0114,Xã Tân Lập,xa,H01\n", encoding="utf-8")
    folder = make_folder(tmp_path, kit, {"tan_lap_sua.xlsx": kit.fill("X0114", {**GOOD_VALUES, "1.1": 4})})
    code = main(["check", str(folder), "--units", str(units), "--level", "xa"])
    capsys.readouterr()
    assert code == 1


def test_json_report_written_into_the_input_folder_is_skipped_next_time(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_folder(tmp_path, kit, {})
    report = folder / "bao_cao_kiem_tra.json"
    assert main(["check", str(folder), "--json", str(report)]) == 0
    first = json.loads(report.read_text(encoding="utf-8"))
    assert [Path(f["path"]).name for f in first["files"]] == ["good.xlsx"]
    assert main(["check", str(folder), "--json", str(tmp_path / "other.json")]) == 0
    second = json.loads((tmp_path / "other.json").read_text(encoding="utf-8"))
    statuses = {Path(f["path"]).name: (f["status"], [i["code"] for i in f["issues"]]) for f in second["files"]}
    assert statuses == {"good.xlsx": ("accepted", []), "bao_cao_kiem_tra.json": ("skipped", ["own-output"])}
    capsys.readouterr()


def test_every_path_given_is_reported_even_a_missing_one(tmp_path: Path, kit: Kit) -> None:
    folder = make_folder(tmp_path, kit, {})
    results = read_folder([folder, tmp_path / "khong_co.xlsx"], kit)
    assert_good_accepted(results)
    assert_rejected(results["khong_co.xlsx"], "not-found", quoted=("khong_co.xlsx",))


@pytest.mark.parametrize(
    ("args", "quoted"),
    [
        (["--catalog", "khong_co.yaml"], "khong_co.yaml"),
        (["--period", "2024-Q5"], "2024-Q5"),
        (["--level", "thon"], "thon"),
        (["--units", "khong_co.csv"], "khong_co.csv"),
    ],
    ids=["missing-catalog", "bad-period", "bad-level", "missing-units"],
)
def test_check_usage_errors_exit_2_with_a_message_and_no_traceback(tmp_path: Path, kit: Kit, capsys: pytest.CaptureFixture[str], args: list[str], quoted: str) -> None:
    folder = make_folder(tmp_path, kit, {})
    report = tmp_path / "r.json"
    code = main(["check", str(folder), *[a if not a.startswith("khong_co") else str(tmp_path / a) for a in args], "--json", str(report)])
    out, err = capsys.readouterr()
    assert code == 2
    assert "Traceback" not in out + err
    assert err.startswith("Lỗi: ") and quoted in err
    assert_vietnamese(err)
    assert not report.exists()  # nothing written


def test_check_without_arguments_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    _out, err = capsys.readouterr()
    assert exc.value.code == 2
    assert "thiếu tham số bắt buộc" in err and "Traceback" not in err


def test_sha256_is_recorded_from_the_exact_bytes(tmp_path: Path, kit: Kit) -> None:
    folder = make_folder(tmp_path, kit, {"rong.xlsx": b"", "web.xlsx": hostile.html_page(), "nhan.xlsx": hostile.edit_label(kit.good, "B10", "x")})
    results = read_folder(folder, kit)
    for name, r in results.items():
        assert r.sha256 == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name


def test_kit_sanity(kit: Kit) -> None:
    """The material the other tests rely on: the good return is what it claims."""
    assert hostile.cell_xml(kit.templates["X0114"], "D10") == '<c r="D10" s="14"/>'
    assert hostile.cell_xml(kit.good, "D10") != '<c r="D10" s="14"/>'
    assert kit.layout["1.1"].r == 9 and kit.layout["1.2"].formula
