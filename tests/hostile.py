"""A generator of hostile and odd files, for the reader tests.

Every function returns the exact bytes of one file (or, for the few classes
that are about the file system, puts one thing in a folder). Files derived from
a real return take ``good``: the bytes of a filled template written by
``cchc_xlsx.generate`` + ``cchc_xlsx.testing.Filler``; everything else is built
from nothing with :mod:`zipfile`, :mod:`struct` and byte strings, so a test
shows exactly what it feeds the reader.

Each class below: the function that makes it — how it is built → what the
reader must say (status, issue code).

Not a workbook at all (``rejected``):

- :func:`empty` — ``b""`` → ``empty-file``
- :func:`truncated` — the first half of ``good`` → ``corrupt-zip``
- :func:`html_page` — a webmail login page saved under an .xlsx name → ``not-xlsx``
- :func:`old_xls` — an OLE2 compound file (magic ``D0 CF 11 E0…``) with a
  ``Workbook`` stream name in UTF-16LE → ``xls-format``
- :func:`encrypted` — an OLE2 file naming ``EncryptionInfo`` and
  ``EncryptedPackage`` in UTF-16LE (what Excel writes for "Encrypt with
  password") → ``encrypted``
- :func:`xlsb` — a zip whose officeDocument is ``xl/workbook.bin`` → ``xlsb-format``
- :func:`ods` — a zip whose first, stored entry ``mimetype`` says
  ``application/vnd.oasis.opendocument.spreadsheet`` → ``ods-format``
- :func:`docx` — a zip with ``word/document.xml`` → ``not-xlsx`` (message says Word)

A return tampered with at the package level (``rejected``):

- :func:`xlsm` — ``good`` with the workbook's content type changed to
  ``…sheet.macroEnabled.main+xml`` → ``macro``
- :func:`vba_project` — ``good`` plus ``xl/vbaProject.bin``, content types left
  as .xlsx → ``macro``
- :func:`strict_ooxml` — ``good`` with the transitional namespaces replaced by
  the ``http://purl.oclc.org/ooxml/…`` ones → ``strict-ooxml``
- :func:`with_dtd` — a ``<!DOCTYPE>`` inserted in one part (workbook, shared
  strings or a sheet) and its entity used: :data:`LAUGHS` (billion laughs) or
  :data:`XXE` (external entity on ``file:///etc/passwd``) → ``xml-dtd``
- :func:`zip_bomb_declared` — the central directory declares 3 GB for the form
  sheet (nothing needs inflating to find out) → ``zip-bomb``
- :func:`zip_bomb_ratio` — the form sheet padded with 8 MiB of spaces
  (deflates some 350:1) → ``zip-bomb``
- :func:`zip_bomb_actual` — the form sheet's deflate stream inflates to 80 MiB
  but declares 1,000 bytes: the reader stops at the declared size and the CRC
  fails → ``corrupt-zip``
- :func:`zip_bomb_entries` — ``good`` plus 2,500 empty entries → ``zip-bomb``
- :func:`duplicate_entry` — ``good`` with a second ``xl/worksheets/sheet1.xml``
  holding other figures (two programs could read two different returns)
  → ``duplicate-entry``
- :func:`commented_cell` — an XML comment right after a real cell holding a
  different ``<c>`` for the same reference (Excel shows the real figure)
  → the real figure, or ``rejected``
- :func:`cdata_value` — a number in a CDATA section → read as that number
- :class:`AppendWhileReading` — patches ``os.open``/``os.read`` so that the file
  grows (or only its mtime moves) between the reader's first ``os.read`` and
  its last ``fstat``; deterministic, no thread → ``file-changed``

Odd but readable (``accepted`` with a warning):

- :func:`far_cell` — one more cell at ``XFD1048576`` and a ``<dimension>``
  claiming the whole sheet (openpyxl's ``iter_rows`` would walk 17 billion
  cells) → ``cell-out-of-bounds`` naming ``XFD1048576``

Edits a person can make to the template (the tests give the expected codes):

- via the sheet XML: :func:`set_cell` (a boolean, an error value or a formula
  in an input cell), :func:`formula_replaced` (a ratio formula overwritten by
  a number), :func:`remove_sheet_protection`;
- via openpyxl (load, change, save): :func:`edit_label`, :func:`insert_row`,
  :func:`swap_rows`, :func:`delete_sheet` (the metadata sheet),
  :func:`copy_to_new_workbook` (the table pasted into a new workbook, whole,
  lower down, or with rows lost), :func:`percent_formatted` (0.95 with a %
  format).

Found in an input folder and ``skipped`` with a note:

- :func:`put_skippable` writes :data:`SKIPPABLE`: an Excel lock file ``~$…``
  (``lock-file``); LibreOffice's ``.~lock…#``, downloads in progress
  (``.crdownload``, ``.part``), an editor backup (``…~``) and this tool's own
  atomic-write temporary ``.cchc-tmp-…`` (``temp-file``); this tool's JSON
  report and tidy CSV (``own-output``);
- :func:`put_symlinks` — a symbolic link to a file and one to a folder
  (``symlink``, never followed);
- a byte-identical copy (``duplicate-file``) needs no generator: the test
  writes the same bytes twice.

The cells of a template written by XlsxWriter look like ``<c r="D10" s="14"/>``
when blank; the form is the first sheet, ``xl/worksheets/sheet1.xml``.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import struct
import warnings
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import openpyxl

FORM_SHEET = "xl/worksheets/sheet1.xml"
MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = b"http://purl.oclc.org/ooxml/officeDocument/relationships"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


# --------------------------------------------------------------------------- zip helpers


def parts(data: bytes) -> dict[str, bytes]:
    """Every entry of a zip, by name (the last one wins for duplicates)."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {i.filename: z.read(i) for i in z.infolist()}


def build_zip(entries: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """A zip holding ``entries`` in order (duplicate names allowed, on purpose)."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        # zipfile warns "Duplicate name"; a duplicate is what some tests want
        warnings.simplefilter("ignore")
        with zipfile.ZipFile(buf, "w", compression) as z:
            for name, body in entries:
                info = zipfile.ZipInfo(name, date_time=(2024, 4, 1, 0, 0, 0))
                info.compress_type = compression
                z.writestr(info, body)
    return buf.getvalue()


def rewrite_zip(
    data: bytes,
    replace: Mapping[str, bytes | None] | None = None,
    add: list[tuple[str, bytes]] | None = None,
) -> bytes:
    """``data`` with some parts replaced (``None`` drops a part) and others appended."""
    replace = dict(replace or {})
    out: list[tuple[str, bytes]] = []
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            if info.filename in replace:
                new = replace.pop(info.filename)
                if new is not None:
                    out.append((info.filename, new))
            else:
                out.append((info.filename, z.read(info)))
    out += [(n, b) for n, b in replace.items() if b is not None]
    out += add or []
    return build_zip(out)


def edit_part(data: bytes, name: str, edit: Callable[[bytes], bytes]) -> bytes:
    """``data`` with one part passed through ``edit``; fails if nothing changed."""
    old = parts(data)[name]
    new = edit(old)
    if new == old:
        raise AssertionError(f"the edit of {name} changed nothing")
    return rewrite_zip(data, {name: new})


def _cell_pattern(ref: str) -> re.Pattern[bytes]:
    # <c r="D10" s="14"/> or <c r="D10" ...>...</c>
    return re.compile(rb'<c r="' + ref.encode() + rb'"(?:\s[^>]*?)?(?:/>|>.*?</c>)', re.S)


def cell_xml(data: bytes, ref: str, part: str = FORM_SHEET) -> str:
    """The XML of one cell of a sheet, as written."""
    m = _cell_pattern(ref).search(parts(data)[part])
    if m is None:
        raise KeyError(ref)
    return m.group(0).decode("utf-8")


def set_cell(data: bytes, ref: str, inner: str, t: str | None = None, part: str = FORM_SHEET) -> bytes:
    """Replace cell ``ref`` (keeping its style) by ``<c r=ref s=… t=t>inner</c>``.

    ``set_cell(good, "D10", "<v>#DIV/0!</v>", t="e")`` puts an error value in D10;
    ``set_cell(good, "D10", "<f>1+2</f><v>3</v>")`` a formula with its cached value.
    """

    def edit(xml: bytes) -> bytes:
        pat = _cell_pattern(ref)
        m = pat.search(xml)
        if m is None:
            raise KeyError(f"no cell {ref} in {part}")
        style = re.search(rb'\ss="(\d+)"', m.group(0).split(b">", 1)[0])
        attrs = f' r="{ref}"' + (f' s="{style.group(1).decode()}"' if style else "") + (f' t="{t}"' if t else "")
        return xml[: m.start()] + f"<c{attrs}>{inner}</c>".encode() + xml[m.end() :]

    return edit_part(data, part, edit)


# --------------------------------------------------------------------------- not a workbook


def empty() -> bytes:
    """A file of 0 bytes (a failed download, a full USB stick)."""
    return b""


def truncated(good: bytes) -> bytes:
    """The first half of a real return (an interrupted copy or attachment)."""
    return good[: len(good) // 2]


def html_page() -> bytes:
    """A web page saved under an .xlsx name (the webmail's login page instead of the attachment)."""
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\"><title>Đăng nhập hộp thư công vụ</title>"
        "</head><body><form action=\"/login\"><input name=\"user\"><input type=\"password\" name=\"pw\"></form>"
        "<p>Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại để tải tệp đính kèm.</p></body></html>\n"
    ).encode()


def _ole(stream_names: list[str], size: int = 4096) -> bytes:
    # An OLE2 compound file: the 8-byte magic, a header, and directory entries
    # holding stream names in UTF-16LE (enough for any sniffer; not a valid FAT).
    header = OLE_MAGIC + b"\x00" * 16 + struct.pack("<HHH", 0x003E, 0x0003, 0xFFFE) + struct.pack("<H", 9)
    header = header.ljust(512, b"\x00")
    directory = b""
    for name in ["Root Entry", *stream_names]:
        raw = name.encode("utf-16-le") + b"\x00\x00"
        directory += raw.ljust(64, b"\x00") + struct.pack("<H", len(raw)) + b"\x02".ljust(62, b"\x00")
    return (header + directory).ljust(size, b"\x00")


def old_xls() -> bytes:
    """An Excel 97–2003 workbook (.xls): an OLE2 file with a ``Workbook`` stream."""
    return _ole(["Workbook", "\x05SummaryInformation"])


def encrypted() -> bytes:
    """A password-protected ("Encrypt with password") workbook: OLE2 with ``EncryptedPackage``."""
    return _ole(["EncryptionInfo", "EncryptedPackage", "\x06DataSpaces"])


_CT_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'


def xlsb() -> bytes:
    """An Excel binary workbook (.xlsb)."""
    ct = _CT_HEAD + (
        b'<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/>'
        b"</Relationships>"
    )
    return build_zip([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("xl/workbook.bin", b"\x83\x01\x00" * 50), ("xl/worksheets/sheet1.bin", b"\x81\x01\x00" * 50)])


def ods() -> bytes:
    """An OpenDocument spreadsheet (LibreOffice's own format) saved as .ods."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet", compress_type=zipfile.ZIP_STORED)
        z.writestr(
            "content.xml",
            '<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">'
            "<office:body><office:spreadsheet/></office:body></office:document-content>",
            compress_type=zipfile.ZIP_DEFLATED,
        )
        z.writestr(
            "META-INF/manifest.xml",
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            compress_type=zipfile.ZIP_DEFLATED,
        )
    return buf.getvalue()


def docx() -> bytes:
    """A Word document (the narrative report sent instead of the appendix)."""
    ct = _CT_HEAD + (
        b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        b'<Default Extension="xml" ContentType="application/xml"/>'
        b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
        b"</Relationships>"
    )
    doc = (
        '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>Báo cáo công tác cải cách hành chính quý I năm 2024</w:t></w:r></w:p></w:body></w:document>"
    ).encode()
    return build_zip([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", doc)])


# --------------------------------------------------------------------------- tampered packages


def xlsm(good: bytes) -> bytes:
    """A macro-enabled workbook: the workbook part's content type is .xlsm's."""

    def edit(ct: bytes) -> bytes:
        return ct.replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
        )

    return edit_part(good, "[Content_Types].xml", edit)


def vba_project(good: bytes) -> bytes:
    """An .xlsx (content types untouched) that carries ``xl/vbaProject.bin``."""
    return rewrite_zip(good, add=[("xl/vbaProject.bin", _ole(["VBA", "PROJECT", "dir"]))])


def strict_ooxml(good: bytes) -> bytes:
    """The workbook saved as "Strict Open XML Spreadsheet": every part in the strict namespaces."""
    out: dict[str, bytes | None] = {}
    for name, body in parts(good).items():
        if name.endswith(".xml") and MAIN_NS in body:
            out[name] = body.replace(MAIN_NS, STRICT_NS).replace(REL_NS, STRICT_REL_NS)
    return rewrite_zip(good, out)


LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10))
    + "]>"
)
XXE = '<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_dtd(good: bytes, part: str, dtd: str = LAUGHS, entity: str = "&lol9;") -> bytes:
    """``good`` with a DTD inserted in ``part`` (after the XML declaration) and its
    entity used in the first text node: the billion laughs, or an XXE with ``XXE``."""

    def edit(xml: bytes) -> bytes:
        decl = re.match(rb"<\?xml[^>]*\?>\s*", xml)
        at = decl.end() if decl else 0
        xml = xml[:at] + dtd.encode() + xml[at:]
        # use the entity: in a <t> text if there is one, else as an attribute-free comment-free child text
        m = re.search(rb"<t(?: [^>]*)?>", xml)
        if m:
            return xml[: m.end()] + entity.encode() + xml[m.end() :]
        return xml

    return edit_part(good, part, edit)


def _patch_declared_size(data: bytes, name: str, size: int) -> bytes:
    # set the uncompressed size of ``name`` in its local header and the central directory
    buf = bytearray(data)
    raw = name.encode()
    patched = 0
    pos = 0
    while True:
        pos = buf.find(b"PK\x03\x04", pos)
        if pos < 0:
            break
        nlen = struct.unpack_from("<H", buf, pos + 26)[0]
        if bytes(buf[pos + 30 : pos + 30 + nlen]) == raw:
            struct.pack_into("<I", buf, pos + 22, size)
            patched += 1
        pos += 4
    cd = 0
    while True:
        cd = buf.find(b"PK\x01\x02", cd)
        if cd < 0:
            break
        nlen = struct.unpack_from("<H", buf, cd + 28)[0]
        if bytes(buf[cd + 46 : cd + 46 + nlen]) == raw:
            struct.pack_into("<I", buf, cd + 24, size)
            patched += 1
        cd += 4
    if patched != 2:
        raise AssertionError(f"{name}: patched {patched} headers, expected 2")
    return bytes(buf)


def zip_bomb_declared(good: bytes) -> bytes:
    """The form sheet declares 3,000,000,000 bytes once inflated (nothing is inflated to find out)."""
    return _patch_declared_size(good, FORM_SHEET, 3_000_000_000)


def zip_bomb_ratio(good: bytes, pad: int = 8 << 20) -> bytes:
    """The form sheet padded with ``pad`` spaces before ``</worksheet>``: ~1000:1 compression."""
    return edit_part(good, FORM_SHEET, lambda xml: xml.replace(b"</worksheet>", b" " * pad + b"</worksheet>"))


def zip_bomb_actual(good: bytes, inflated: int = 80 << 20) -> bytes:
    """The form sheet replaced by a deflate stream of ``inflated`` bytes that declares 1,000."""
    sheet = parts(good)[FORM_SHEET]
    bomb = sheet.replace(b"</worksheet>", b" " * inflated + b"</worksheet>")
    return _patch_declared_size(rewrite_zip(good, {FORM_SHEET: bomb}), FORM_SHEET, 1000)


def zip_bomb_entries(good: bytes, n: int = 2500) -> bytes:
    """``good`` plus ``n`` empty entries."""
    return rewrite_zip(good, add=[(f"xl/media/pad{i}.bin", b"") for i in range(n)])


def duplicate_entry(good: bytes, other: bytes) -> bytes:
    """``good`` followed by a second entry named like its form sheet, taken from ``other``."""
    return rewrite_zip(good, add=[(FORM_SHEET, parts(other)[FORM_SHEET])])


def far_cell(good: bytes, ref: str = "XFD1048576", text: str = "x") -> bytes:
    """``good`` with one more cell at ``ref`` (the last cell of a sheet) and a
    ``<dimension>`` that claims the whole sheet (openpyxl's ``iter_rows`` would
    then walk 17 billion cells)."""
    row = re.sub(r"\D", "", ref)

    def edit(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="A1:{ref}"/>'.encode(), xml)
        cell = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c></row>'.encode()
        return xml.replace(b"</sheetData>", cell + b"</sheetData>")

    return edit_part(good, FORM_SHEET, edit)


def commented_cell(good: bytes, ref: str, value: str) -> bytes:
    """An XML comment holding another ``<c r=ref>`` right after the real cell.

    Excel, LibreOffice and openpyxl ignore comments: they show the real figure.
    A reader that finds cells by pattern matching would read the comment's."""
    real = cell_xml(good, ref).encode()
    fake = f'<!-- <c r="{ref}"><v>{value}</v></c> -->'.encode()
    return edit_part(good, FORM_SHEET, lambda xml: xml.replace(real, real + fake, 1))


def cdata_value(good: bytes, ref: str, value: str) -> bytes:
    """Cell ``ref`` holding its number in a CDATA section (``<v><![CDATA[5]]></v>``),
    which any XML parser reads as the text ``5``."""
    return set_cell(good, ref, f"<v><![CDATA[{value}]]></v>")


class AppendWhileReading:
    """Make the file at ``path`` grow between the reader's first read and its end
    (what a file still being copied onto the USB stick or synced looks like).

    Patches ``os.open``/``os.read`` (pass pytest's ``monkeypatch``): the first
    ``os.read`` on a descriptor opened on ``path`` appends ``extra`` to the file
    through another descriptor, then returns what was read. Deterministic: no
    thread, no timing. Other files are read normally.
    """

    def __init__(self, monkeypatch: Any, path: Path, extra: bytes = b"\x00" * 4096, touch_only: bool = False):
        self.path = os.path.realpath(path)
        self.extra = extra
        self.touch_only = touch_only
        self.fds: set[int] = set()
        self.appended = 0
        real_open, real_read = os.open, os.read

        def fake_open(p: Any, flags: int, *a: Any, **k: Any) -> int:
            fd = real_open(p, flags, *a, **k)
            if isinstance(p, (str, bytes, os.PathLike)) and os.path.realpath(os.fsdecode(p)) == self.path:
                self.fds.add(fd)
            return fd

        def fake_read(fd: int, n: int) -> bytes:
            data = real_read(fd, n)
            if fd in self.fds and not self.appended:
                self.appended += 1
                if self.touch_only:
                    st = os.stat(self.path)
                    os.utime(self.path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
                else:
                    with open(self.path, "ab") as fh:
                        fh.write(self.extra)
            return data

        monkeypatch.setattr(os, "open", fake_open)
        monkeypatch.setattr(os, "read", fake_read)


# --------------------------------------------------------------------------- template edits


def openpyxl_edit(good: bytes, edit: Callable[[openpyxl.Workbook], None]) -> bytes:
    """Load ``good`` in openpyxl, apply ``edit``, save: an edit made "in Excel"."""
    wb = openpyxl.load_workbook(io.BytesIO(good))
    edit(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def edit_label(good: bytes, ref: str, text: str) -> bytes:
    """A label (column B) retyped: the sheet was unprotected, the text changed."""

    def edit(wb: openpyxl.Workbook) -> None:
        wb.worksheets[0][ref] = text

    return openpyxl_edit(good, edit)


def insert_row(good: bytes, before: int) -> bytes:
    """A blank row inserted before 1-based row ``before`` of the form."""
    return openpyxl_edit(good, lambda wb: wb.worksheets[0].insert_rows(before))


def swap_rows(good: bytes, a: int, b: int, cols: str = "ABCDE") -> bytes:
    """Rows ``a`` and ``b`` (1-based) exchanged, codes, labels and values together."""

    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb.worksheets[0]
        for col in cols:
            ws[f"{col}{a}"].value, ws[f"{col}{b}"].value = ws[f"{col}{b}"].value, ws[f"{col}{a}"].value

    return openpyxl_edit(good, edit)


def delete_sheet(good: bytes, name: str) -> bytes:
    """A sheet removed (the very hidden metadata sheet, made visible and deleted)."""

    def edit(wb: openpyxl.Workbook) -> None:
        del wb[name]

    return openpyxl_edit(good, edit)


def copy_to_new_workbook(
    good: bytes, keep_rows: Callable[[int], bool] = lambda r: True, title: str = "Sheet1", offset: int = 0, preamble: str | None = None
) -> bytes:
    """The form's cells (values and formulas, no metadata, no protection) pasted
    into a brand-new workbook, keeping only the 1-based rows ``keep_rows`` accepts
    (rows not kept are left out and the rest move up), ``offset`` rows lower,
    with ``preamble`` typed in A1 above the pasted table."""
    src = openpyxl.load_workbook(io.BytesIO(good)).worksheets[0]
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    if preamble is not None:
        ws["A1"] = preamble
    out_row = offset
    for r in range(1, src.max_row + 1):
        if not keep_rows(r):
            continue
        out_row += 1
        for c in range(1, 6):
            v = src.cell(r, c).value
            if v is not None:
                ws.cell(out_row, c, v)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def percent_formatted(good: bytes, ref: str, value: float, number_format: str = "0%") -> bytes:
    """``value`` typed in ``ref`` with a % number format (Excel stores "95%" as 0.95)."""

    def edit(wb: openpyxl.Workbook) -> None:
        cell = wb.worksheets[0][ref]
        cell.value = value
        cell.number_format = number_format

    return openpyxl_edit(good, edit)


def formula_replaced(good: bytes, ref: str, number: float) -> bytes:
    """The locked ratio formula in ``ref`` overwritten with a typed number."""
    return set_cell(good, ref, f"<v>{number!r}</v>")


def remove_sheet_protection(good: bytes) -> bytes:
    """The form sheet unprotected (``<sheetProtection …/>`` removed)."""
    return edit_part(good, FORM_SHEET, lambda xml: re.sub(rb"<sheetProtection[^>]*/>", b"", xml))


# --------------------------------------------------------------------------- things to skip


SKIPPABLE: dict[str, str] = {
    "~$2024-Q1_xa_X0114.xlsx": "lock-file",  # Excel's owner file while the workbook is open
    ".~lock.2024-Q1_xa_X0114.xlsx#": "temp-file",  # LibreOffice's lock file
    "2024-Q1_xa_X0114.xlsx.crdownload": "temp-file",  # Chrome download in progress
    "2024-Q1_xa_X0114.xlsx.part": "temp-file",  # Firefox download in progress
    "2024-Q1_xa_X0114.xlsx~": "temp-file",  # editor backup
    ".cchc-tmp-abc123.part": "temp-file",  # this tool's own atomic-write temporary
    "bao_cao.json": "own-output",  # this tool's JSON report
    "so_lieu.csv": "own-output",  # this tool's tidy CSV
}


def put_skippable(folder: Path, good: bytes) -> dict[Path, str]:
    """Write every file of :data:`SKIPPABLE` into ``folder``; return path → expected code.

    The lock and temporary files hold workbook-looking bytes, so that only their
    names tell them apart."""
    out: dict[Path, str] = {}
    for name, code in SKIPPABLE.items():
        p = folder / name
        if name.endswith(".json"):
            body = json.dumps({"level": "xa", "period": "2024-Q1", "files": [], "missing_units": []}, ensure_ascii=False).encode()
        elif name.endswith(".csv"):
            body = "\ufeffunit,period,code,value,sha256\nX0114,2024-Q1,1.1,3,abc\n".encode()
        elif name.startswith("~$"):
            body = b"\x0bNguyen Van A".ljust(165, b" ")
        else:
            body = good
        p.write_bytes(body)
        out[p] = code
    return out


def put_symlinks(folder: Path, target_file: Path, target_dir: Path) -> dict[Path, str]:
    """A symbolic link to a file and one to a folder, inside ``folder``."""
    links = {folder / "link_to_return.xlsx": target_file, folder / "link_to_folder": target_dir}
    for link, target in links.items():
        os.symlink(target, link)
    return {p: "symlink" for p in links}


def folder_with(folder: Path, good: bytes, bad: Mapping[str, bytes]) -> Path:
    """A fresh ``folder`` holding ``good.xlsx`` and the ``bad`` files, by name."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / "good.xlsx").write_bytes(good)
    for name, body in bad.items():
        (folder / name).write_bytes(body)
    return folder
