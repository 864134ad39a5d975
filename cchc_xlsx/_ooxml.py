"""A small, defensive reader of .xlsx packages (zip + SpreadsheetML) for untrusted files.

Why not openpyxl: on hostile input it exhausts memory on a far-away cell,
silently drops rows under a stale ``<dimension>``, reports encrypted,
truncated and HTML files alike, and loads macros silently; it is also ~20×
slower. This reader sniffs the bytes, checks the zip's sizes, ratio and entry
count before inflating anything, refuses DTDs and entities, and keeps only the
cells inside the bounds it is asked for.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any
from xml.parsers import expat

from .valuetypes import BUILTIN_FORMAT_KINDS, RawCell, format_kind

MAX_ENTRIES = 2000
MAX_ENTRY_SIZE = 64 * 1024 * 1024
MAX_TOTAL_SIZE = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries over 1 MiB
_HEAD_CHUNK = 32 * 1024  # a sheet part is inflated this much at a time …
_HEAD_TAIL = 4096  # … until this many bytes past ``</sheetData>`` (its protection is there)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


class XlsxError(Exception):
    """The file cannot be read as a workbook; ``code`` is an issue code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SheetInfo:
    name: str
    state: str
    path: str


@dataclass
class SheetData:
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    protected: bool = False
    outside: list[str] = field(default_factory=list)  # first few references outside the bounds
    outside_count: int = 0


def sniff(data: bytes, name: str = "") -> None:
    """Raise :class:`XlsxError` for what is plainly not an .xlsx package."""
    if not data:
        raise XlsxError("empty-file", "Tệp rỗng (0 byte); hãy gửi lại tệp.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise XlsxError("encrypted", "Tệp được đặt mật khẩu mở; hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại.")
        raise XlsxError("xls-format", "Tệp ở định dạng Excel 97–2003 (.xls); hãy điền vào biểu mẫu .xlsx đã được gửi.")
    if data[:4] != b"PK\x03\x04":
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise XlsxError("not-xlsx", "Tệp là một trang web (HTML) được lưu với đuôi Excel, không phải biểu mẫu; hãy tải lại đúng tệp .xlsx.")
        if head.startswith(b"<?xml"):
            raise XlsxError("not-xlsx", "Tệp là XML (có thể là Bảng tính XML 2003), không phải .xlsx; hãy lưu lại dạng Sổ làm việc Excel (.xlsx).")
        if data[:4] == b"%PDF":
            raise XlsxError("not-xlsx", "Tệp là PDF, không phải biểu mẫu Excel.")
        if data[:2] == b"PK":
            raise XlsxError("corrupt-zip", "Tệp nén bị hỏng; hãy gửi lại tệp.")
        raise XlsxError("not-xlsx", f"Tệp {name or ''} không phải tệp Excel .xlsx.".replace("  ", " "))


class Package:
    """An opened .xlsx package: workbook parts parsed on demand, within limits."""

    def __init__(self, data: bytes, name: str = ""):
        sniff(data, name)
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise XlsxError("corrupt-zip", "Tệp bị hỏng hoặc chưa tải về đầy đủ (không mở được tệp nén); hãy gửi lại tệp.") from exc
        self._check_entries(infos)
        self.names = {i.filename for i in infos}
        if "mimetype" in self.names and b"opendocument" in self._read("mimetype", 200):
            raise XlsxError("ods-format", "Tệp ở định dạng OpenDocument (.ods); hãy lưu lại dạng Excel (.xlsx) rồi gửi.")
        if "xl/workbook.bin" in self.names:
            raise XlsxError("xlsb-format", "Tệp ở định dạng Excel nhị phân (.xlsb); hãy lưu lại dạng Sổ làm việc Excel (.xlsx).")
        if any(n.lower().endswith("vbaproject.bin") for n in self.names):
            raise XlsxError("macro", "Tệp chứa macro (VBA); biểu mẫu không dùng macro. Hãy lưu lại dạng .xlsx (không macro) rồi gửi.")
        ctypes = self._read("[Content_Types].xml", 1 << 20) if "[Content_Types].xml" in self.names else b""
        if b"macroEnabled" in ctypes:
            raise XlsxError("macro", "Tệp là sổ làm việc có macro (.xlsm); hãy lưu lại dạng .xlsx (không macro) rồi gửi.")
        self.workbook_path = self._workbook_path()
        self._parse_workbook()
        self._shared: list[str] | None = None
        self._formats: list[str] | None = None

    # -- package structure

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise XlsxError("zip-bomb", f"Tệp nén có {len(infos)} mục, quá nhiều cho một biểu mẫu.")
        seen: set[str] = set()
        total = 0
        for i in infos:
            if i.filename in seen:
                raise XlsxError("duplicate-entry", f"Tệp nén có hai mục cùng tên “{i.filename}”; tệp có thể đã bị sửa có chủ ý.")
            seen.add(i.filename)
            total += i.file_size
            if i.file_size > MAX_ENTRY_SIZE or total > MAX_TOTAL_SIZE:
                raise XlsxError("zip-bomb", "Tệp nén khi giải nén quá lớn so với một biểu mẫu.")
            if i.file_size > (1 << 20) and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise XlsxError("zip-bomb", f"Mục “{i.filename}” có tỷ lệ nén bất thường ({i.file_size // max(i.compress_size, 1)}:1).")
            if i.flag_bits & 0x1:
                raise XlsxError("encrypted", "Tệp nén được mã hóa; hãy gỡ mật khẩu rồi gửi lại.")

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[bytes]]:
        """A part opened for inflating; a missing or damaged part is an XlsxError."""
        try:
            with self.zip.open(name) as fh:
                yield fh
        except KeyError as exc:
            raise XlsxError("not-xlsx", f"Thiếu phần “{name}” trong tệp.") from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise XlsxError("corrupt-zip", f"Phần “{name}” của tệp bị hỏng; hãy gửi lại tệp.") from exc

    def _read(self, name: str, limit: int = MAX_ENTRY_SIZE) -> bytes:
        with self._open(name) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise XlsxError("zip-bomb", f"Phần “{name}” khi giải nén lớn hơn khai báo.")
        return data

    def _workbook_path(self) -> str:
        if "_rels/.rels" in self.names:
            for _rid, target, rtype in _parse_rels(self._read("_rels/.rels", 1 << 20)):
                if rtype.endswith("/officeDocument"):
                    path = target.lstrip("/")
                    if path in self.names:
                        return path
        if "xl/workbook.xml" in self.names:
            return "xl/workbook.xml"
        raise XlsxError("not-xlsx", "Tệp nén không phải sổ làm việc Excel (không có xl/workbook.xml).")

    def _parse_workbook(self) -> None:
        data = self._read(self.workbook_path, 16 << 20)
        parsed = _fast_workbook(data, self.workbook_path)
        if parsed is None:
            parsed = _expat_workbook(data, self.workbook_path)
        ns, sheets, locked, self.date1904 = parsed
        if ns == STRICT_NS:
            raise XlsxError("strict-ooxml", "Tệp được lưu dạng “Strict Open XML”; hãy lưu lại dạng Sổ làm việc Excel (.xlsx) thông thường.")
        if ns != MAIN_NS:
            raise XlsxError("not-xlsx", "Phần sổ làm việc của tệp không đúng định dạng Excel.")
        base = self.workbook_path.rsplit("/", 1)[0]
        rels_path = f"{base}/_rels/{self.workbook_path.rsplit('/', 1)[-1]}.rels"
        targets: dict[str, str] = {}
        if rels_path in self.names:
            for rid, target, _t in _parse_rels(self._read(rels_path, 1 << 20)):
                targets[rid] = _resolve(base, target)
        self.sheets = [SheetInfo(n, st, targets.get(rid, "")) for n, st, rid in sheets]
        self.structure_locked = locked
        self._styles_path = next((v for v in targets.values() if v.endswith("styles.xml")), f"{base}/styles.xml")
        self._sst_path = next((v for v in targets.values() if v.endswith("sharedStrings.xml")), f"{base}/sharedStrings.xml")

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    # -- shared parts

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = _fast_sst(self._read(self._sst_path), self._sst_path) if self._sst_path in self.names else []
        return self._shared

    def format_kind_of(self, style: int | None) -> str:
        """What the cell style's number format shows a number as (``percent``,
        ``date``, ``time``, ``fraction``, ``text``, or ``""``); styles parsed on first use."""
        if style is None:
            return ""
        kinds = self.format_kinds
        return kinds[style] if 0 <= style < len(kinds) else ""

    @property
    def format_kinds(self) -> list[str]:
        """Per cell style (``cellXfs`` index), what its number format shows."""
        if self._formats is None:
            self._formats = _parse_format_kinds(self._read(self._styles_path, 16 << 20)) if self._styles_path in self.names else []
        return self._formats

    def read_sheet(self, info: SheetInfo, max_row: int, max_col: int, keep_col: int | None = None) -> SheetData:
        """Cells of rows 0..max_row and columns 0..keep_col (zero-based, default max_col);
        cells beyond max_row or max_col are counted as outside the form, not kept."""
        if info.path not in self.names:
            raise XlsxError("not-xlsx", f"Thiếu trang tính “{info.name}” trong tệp.")
        data, whole = self._read_head(info.path)
        fast = _fast_sheet(data, self, max_row, max_col, info.path, keep_col)
        if fast is not None:
            return fast
        if not whole:
            data = self._read(info.path)
        return _parse_sheet(data, self, max_row, max_col, info.path, keep_col)

    def _read_head(self, name: str) -> tuple[bytes, bool]:
        """A sheet part inflated up to a little past ``</sheetData>`` (where its
        protection is), and whether that is the whole part.

        NOTE: what follows (conditional formats, validations: more than half of
        a template's sheet) is never inflated for the fast path; the expat path
        reads the whole part again.
        """
        with self._open(name) as fh:
            buf = bytearray()  # NOTE: not bytes: ``+=`` on bytes copies the whole part for every chunk
            while True:
                chunk = fh.read(_HEAD_CHUNK)
                if not chunk:
                    return bytes(buf), True
                seen = len(buf)
                buf += chunk
                if len(buf) > MAX_ENTRY_SIZE:
                    raise XlsxError("zip-bomb", f"Phần “{name}” khi giải nén lớn hơn giới hạn.")
                end = buf.find(b"</sheetData>", max(0, seen - 16))
                if end >= 0:
                    break
            rest = _HEAD_TAIL - (len(buf) - end)
            if rest > 0:
                more = fh.read(rest)
                buf += more
                if len(more) < rest:
                    return bytes(buf), True
            return bytes(buf), False


def _resolve(base: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (base + "/" + target).split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def parse_xml(data: bytes, start: Any, end: Any = None, chars: Any = None, part: str = "") -> None:
    """Parse with expat, refusing any DTD or entity declaration."""
    p = expat.ParserCreate(namespace_separator=" ")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def no_dtd(*_a: object) -> None:
        raise XlsxError("xml-dtd", f"Phần “{part}” của tệp có khai báo DTD/thực thể XML — không được phép (có thể là tệp độc hại).")

    p.StartDoctypeDeclHandler = no_dtd
    p.EntityDeclHandler = no_dtd
    def no_external(*_a: object) -> int:
        raise XlsxError("xml-dtd", f"Phần “{part}” của tệp tham chiếu thực thể XML bên ngoài — không được phép.")

    p.ExternalEntityRefHandler = no_external
    p.StartElementHandler = start
    if end is not None:
        p.EndElementHandler = end
    if chars is not None:
        p.CharacterDataHandler = chars
    p.buffer_text = True
    try:
        p.Parse(data, True)
    except expat.ExpatError as exc:
        raise XlsxError("xml-invalid", f"Phần “{part}” của tệp không phải XML hợp lệ ({exc}).") from exc
    except RecursionError as exc:
        raise XlsxError("xml-invalid", f"Phần “{part}” của tệp lồng quá sâu.") from exc


_REL_RE = re.compile(rb"<Relationship\b([^>]*?)/?>")
_SHEET_TAG_RE = re.compile(rb"<sheet\b([^>]*?)/?>")
_ROOT_RE = re.compile(rb"<([A-Za-z_][\w.-]*:)?workbook\b([^>]*)>")
_WBPROT_RE = re.compile(rb"<workbookProtection\b([^>]*?)/?>")
_WBPR_RE = re.compile(rb"<workbookPr\b([^>]*?)/?>")


def _tag_opens(data: bytes, mark: bytes, start: int = 0) -> bool:
    """Whether ``"<" + mark`` occurs in ``data`` at or after ``start``.

    NOTE: ``b"<!" in data`` is slow on XML (~0.9 ms per MB: "<" is everywhere
    and the needle too short to skip); the rare ``mark`` byte alone is found
    with memchr and its neighbour checked, ~30× faster on our sheets.
    """
    i = data.find(mark, start + 1)
    while i > 0:
        if data[i - 1] == 0x3C:
            return True
        i = data.find(mark, i + 1)
    return False


_DECL_ENCODING = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _utf8(data: bytes) -> bool:
    """Whether a part is UTF-8: declared so, or not declared and not UTF-16
    (regular expressions over bytes read UTF-8 only; expat reads the rest)."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in data[:4]:
        return False
    head = data[3:203] if data.startswith(b"\xef\xbb\xbf") else data[:200]
    if head.startswith(b"<?xml"):
        m = _DECL_ENCODING.search(head, 0, max(head.find(b"?>"), 0))
        if m is not None and m.group(1).lower() not in (b"utf-8", b"utf8"):
            return False
    return True


def _plain_xml(data: bytes, part: str) -> bool:
    """Whether regular expressions may read the part: UTF-8, and no markup
    declaration, comment, CDATA section or processing instruction past the XML
    declaration. Anything else goes to expat, which refuses a DTD or an
    entity declaration in any encoding (a comment that merely mentions one is
    not one)."""
    if not _utf8(data):
        return False
    if _tag_opens(data, b"!"):
        return False
    return not _tag_opens(data, b"?", 100)


def _attrs(head: bytes) -> dict[str, str]:
    return {
        m.group(1).decode("ascii", "replace"): _unescape(m.group(2) if m.group(2) is not None else m.group(3))
        for m in _ATTR_RE.finditer(head)
    }


def _fast_workbook(data: bytes, part: str) -> tuple[str | None, list[tuple[str, str, str]], bool, bool] | None:
    """Namespace, sheets (name, state, relationship id), structure lock and the
    1904 date system, or None for expat."""
    if not _plain_xml(data, part):
        return None
    root = _ROOT_RE.search(data)
    if root is None or root.group(1):
        return None
    ns = _attrs(root.group(2)).get("xmlns")
    sheets = []
    for m in _SHEET_TAG_RE.finditer(data):
        a = _attrs(m.group(1))
        rid = next((v for k, v in a.items() if k.endswith(":id")), None)
        if rid is None:
            return None
        sheets.append((a.get("name", ""), a.get("state", "visible"), rid))
    prot = _WBPROT_RE.search(data)
    locked = bool(prot) and _attrs(prot.group(1)).get("lockStructure", "0") in ("1", "true")  # type: ignore[union-attr]
    pr = _WBPR_RE.search(data)
    date1904 = bool(pr) and _attrs(pr.group(1)).get("date1904", "0") in ("1", "true")  # type: ignore[union-attr]
    return ns, sheets, locked, date1904


def _expat_workbook(data: bytes, part: str) -> tuple[str | None, list[tuple[str, str, str]], bool, bool]:
    sheets: list[tuple[str, str, str]] = []
    state: dict[str, Any] = {"ns": None, "locked": False, "date1904": False}

    def start(tag: str, attrs: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if state["ns"] is None:
            state["ns"] = ns
        if local == "sheet":
            rid = attrs.get(f"{REL_NS} id") or attrs.get(f"{STRICT_REL_NS} id") or ""
            sheets.append((attrs.get("name", ""), attrs.get("state", "visible"), rid))
        elif local == "workbookProtection":
            state["locked"] = attrs.get("lockStructure", "0") in ("1", "true")
        elif local == "workbookPr":
            state["date1904"] = attrs.get("date1904", "0") in ("1", "true")

    parse_xml(data, start, part=part)
    return state["ns"], sheets, bool(state["locked"]), bool(state["date1904"])


def _parse_rels(data: bytes) -> list[tuple[str, str, str]]:
    if _plain_xml(data, "rels") and b":Relationship" not in data:
        out_fast = []
        for m in _REL_RE.finditer(data):
            a = _attrs(m.group(1))
            out_fast.append((a.get("Id", ""), a.get("Target", ""), a.get("Type", "")))
        return out_fast
    out: list[tuple[str, str, str]] = []

    def start(tag: str, a: dict[str, str]) -> None:
        if tag.endswith(" Relationship") or tag == "Relationship":
            out.append((a.get("Id", ""), a.get("Target", ""), a.get("Type", "")))

    parse_xml(data, start, part="rels")
    return out


def _parse_sst(data: bytes, part: str = "sharedStrings.xml") -> list[str]:
    out: list[str] = []
    buf: list[str] = []
    st: dict[str, Any] = {"in_t": False, "skip": 0}

    def start(tag: str, _a: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if st["skip"] or ns != MAIN_NS or local in ("rPh", "extLst"):
            st["skip"] += 1  # phonetic runs and foreign or extension markup: not the string
        elif local == "si":
            buf.clear()
        elif local == "t":
            st["in_t"] = True

    def end(tag: str) -> None:
        if st["skip"]:
            st["skip"] -= 1
            return
        local = tag.rpartition(" ")[2]
        if local == "t":
            st["in_t"] = False
        elif local == "si":
            out.append(xstring("".join(buf)))

    def chars(text: str) -> None:
        if st["in_t"]:
            buf.append(text)

    parse_xml(data, start, end, chars, part=part)
    return out


_NUMFMT_RE = re.compile(rb"<numFmt\b([^>]*?)/?>")
_XF_RE = re.compile(rb"<xf\b([^>]*?)/?>")


def _fast_styles(data: bytes) -> tuple[dict[int, str], list[int]] | None:
    """Custom number formats and each cell style's format id, or None for expat."""
    if not _plain_xml(data, "styles.xml") or b":cellXfs" in data or b":numFmt" in data:
        return None
    start = data.find(b"<cellXfs")
    end = data.find(b"</cellXfs>", start)
    if start < 0 or end < 0:
        return None
    custom: dict[int, str] = {}
    for m in _NUMFMT_RE.finditer(data, 0, start):
        a = _attrs(m.group(1))
        try:
            custom[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "")
        except ValueError:
            pass
    xf_fmt: list[int] = []
    for m in _XF_RE.finditer(data, start, end):
        fid = _attr(b" " + m.group(1), b"numFmtId")
        xf_fmt.append(int(fid) if fid is not None and fid.isdigit() else 0)
    return custom, xf_fmt


def _parse_format_kinds(data: bytes) -> list[str]:
    fast = _fast_styles(data)
    custom, xf_fmt = fast if fast is not None else _expat_styles(data)
    kinds = {fid: format_kind(code) for fid, code in custom.items()}
    return [kinds[fid] if fid in kinds else BUILTIN_FORMAT_KINDS.get(fid, "") for fid in xf_fmt]


def _expat_styles(data: bytes) -> tuple[dict[int, str], list[int]]:
    custom: dict[int, str] = {}
    xf_fmt: list[int] = []
    st: dict[str, Any] = {"in_xfs": False}

    def start(tag: str, a: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        if local == "numFmt":
            try:
                custom[int(a.get("numFmtId", "-1"))] = a.get("formatCode", "")
            except ValueError:
                pass
        elif local == "cellXfs":
            st["in_xfs"] = True
        elif local == "xf" and st["in_xfs"]:
            try:
                xf_fmt.append(int(a.get("numFmtId", "0")))
            except ValueError:
                xf_fmt.append(0)

    def end(tag: str) -> None:
        if tag.endswith("cellXfs"):
            st["in_xfs"] = False

    parse_xml(data, start, end, part="styles.xml")
    return custom, xf_fmt


_REF = re.compile(r"^([A-Z]{1,3})(\d{1,7})$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _parse_sheet(data: bytes, pkg: Package, max_row: int, max_col: int, part: str, keep_col: int | None = None) -> SheetData:
    """Every cell of rows 0..max_row and columns 0..keep_col (default max_col),
    by expat; cells beyond max_row or max_col are counted as outside.

    Only SpreadsheetML's own elements count: anything in another namespace,
    and extension lists (``extLst``, ISO/IEC 29500-1 §18.2.10), are skipped
    with all they hold (Namespaces in XML 1.0; OPC's markup compatibility)."""
    keep = max_col if keep_col is None else keep_col
    sd = SheetData()
    cur: dict[str, object] = {}
    text: list[str] = []
    formula: list[str] = []
    st: dict[str, Any] = {"row": -1, "col": -1, "mode": "", "in_is": False, "skip": 0, "has_f": False, "has_v": False, "in_c": False}

    def start(tag: str, a: dict[str, str]) -> None:
        ns, _, local = tag.rpartition(" ")
        if st["skip"] or ns != MAIN_NS or local in ("extLst", "rPh"):
            st["skip"] += 1
            return
        if local == "c":
            ref = (a.get("r") or "").strip()
            if ref:
                m = _REF.match(ref)
                if m:
                    st["row"], st["col"] = int(m.group(2)) - 1, _col_index(m.group(1))
                else:
                    st["row"], st["col"] = -1, -1
            else:
                st["col"] = int(st["col"]) + 1
            cur.clear()
            cur["t"] = (a.get("t") or "n").strip()
            cur["s"] = a.get("s")
            text.clear()
            formula.clear()
            st["has_f"] = st["has_v"] = False
            st["in_c"] = True
        elif local == "row":
            r = (a.get("r") or "").strip()
            if r.isdigit():
                st["row"] = int(r) - 1
            else:
                st["row"] = int(st["row"]) + 1
            st["col"] = -1
        elif not st["in_c"]:
            if local == "sheetProtection":
                sd.protected = a.get("sheet", "0").strip() in ("1", "true")
        elif local == "v":
            st["mode"] = "v"
            st["has_v"] = True
        elif local == "f":
            st["mode"] = "f"
            st["has_f"] = True
        elif local == "is":
            st["in_is"] = True
            st["has_v"] = True
        elif local == "t" and st["in_is"]:
            st["mode"] = "t"

    def end(tag: str) -> None:
        if st["skip"]:
            st["skip"] -= 1
            return
        local = tag.rpartition(" ")[2]
        if local in ("v", "f", "t"):
            st["mode"] = ""
        elif local == "is":
            st["in_is"] = False
        elif local == "c":
            st["in_c"] = False
            r, c = int(st["row"]), int(st["col"])
            if r < 0 or c < 0:
                return
            value = "".join(text)
            if r > max_row or c > max_col:
                sd.outside_count += 1
                if len(sd.outside) < 3 and (value or st["has_f"]):
                    sd.outside.append(_a1(r, c))
                return
            if c > keep:
                return
            f = "".join(formula) if st["has_f"] else None
            if not st["has_v"]:
                # NOTE: <v> is optional (§18.3.1.4): a styled, typed cell without one holds nothing
                sd.cells[(r, c)] = RawCell(None, None, None if f is None else (f or "(công thức dùng chung)"))
                return
            sd.cells[(r, c)] = _make_cell(str(cur.get("t")), value, f, cur.get("s"), pkg)

    def chars(data_: str) -> None:
        if st["skip"]:
            return
        mode = st["mode"]
        if mode in ("v", "t"):
            text.append(data_)
        elif mode == "f":
            formula.append(data_)

    parse_xml(data, start, end, chars, part=part)
    return sd


def _a1(r: int, c: int) -> str:
    s = ""
    c += 1
    while c:
        c, rem = divmod(c - 1, 26)
        s = chr(65 + rem) + s
    return f"{s}{r + 1}"


def _make_cell(t: str, text: str, formula: str | None, style: object, pkg: Package) -> RawCell:
    f = formula
    if f is not None and f == "":
        f = "(công thức dùng chung)"
    if t == "s":
        try:
            return RawCell("s", pkg.shared_strings[int(text)], f)
        except (ValueError, IndexError):
            return RawCell("e", "#REF!", f)
    if t in ("inlineStr", "str"):
        return RawCell("s", xstring(text), f)
    if t == "d":
        return RawCell("s", text, f)
    if t == "b":
        return RawCell("b", text.strip() in ("1", "true"), f)
    if t == "e":
        return RawCell("e", text, f)
    if text == "":
        return RawCell(None, None, f)
    try:
        num = float(text)
    except ValueError:
        return RawCell("s", text, f)
    st: int | None = None
    if style is not None:
        try:
            st = int(str(style).strip())
        except ValueError:
            st = None
    return RawCell("n", num, f, "", st)


# --------------------------------------------------------------------------- fast paths
# NOTE: a sheet part is ~150 KB (formulas, validations, conditional formats) and
# expat with Python callbacks spends ~5 ms on it; the cells are found with
# regular expressions instead (~1 ms). Safety does not depend on the parser:
# any DTD or entity declaration is refused first, so no entity can expand,
# and only the five predefined entities and character references are decoded.
# A sheet whose cells lack their ``r`` reference falls back to expat.

_ATTR_RE = re.compile(rb"""([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# NOTE: the fast paths read only parts whose SpreadsheetML elements carry no
# prefix (_prefixed_main): a prefixed element there is foreign and not matched.
# An end tag may hold spaces before its ">" (XML 1.0 §3.1 ETag).
_V_RE = re.compile(rb"<v(?:\s[^>]*?)?(?:/>|>(.*?)</v\s*>)", re.S)
_F_RE = re.compile(rb"<f(?:\s[^>]*?)?(?:/>|>(.*?)</f\s*>)", re.S)
_T_RE = re.compile(rb"<t(?:\s[^>]*?)?(?:/>|>(.*?)</t\s*>)", re.S)
_RPH_RE = re.compile(rb"<rPh\b.*?</rPh\s*>", re.S)
_PROT_RE = re.compile(rb"<sheetProtection\b([^>]*)>")
_FOREIGN_TAG = re.compile(rb"</?[A-Za-z_][\w.-]*:")
_HEAD_REF = re.compile(rb'\s+r="([A-Z]{1,3})([0-9]{1,7})"')
_REF_B = re.compile(rb"^([A-Z]{1,3})([0-9]{1,7})$")
_ENT_RE = re.compile(r"&(#x[0-9A-Fa-f]+|#[0-9]+|lt|gt|amp|quot|apos);")
_ENTS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


_XSTRING = re.compile(r"_x([0-9A-Fa-f]{4})_")


def xstring(text: str) -> str:
    """A SpreadsheetML string with its ``_xHHHH_`` escapes decoded (ECMA-376 Part 1,
    §22.9.2.19 ST_Xstring): ``_x000D_`` is a carriage return, ``_x005F_x0041_``
    the text ``_x0041_`` (``_x005F_`` is the underscore)."""
    if "_x" not in text:
        return text
    return _XSTRING.sub(lambda m: chr(int(m.group(1), 16)), text)


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if "&" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        key = m.group(1)
        if key[0] == "#":
            try:
                return chr(int(key[2:], 16) if key[1] in "xX" else int(key[1:]))
            except (ValueError, OverflowError):
                return "\ufffd"
        return _ENTS[key]

    return _ENT_RE.sub(one, text)


# groups: a plain <t> text, any other body
_SI_BODY_RE = re.compile(rb'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|<si>(.*?)</si>|<si/>', re.S)
_PLAIN_T_RE = re.compile(rb"^<t(?: [^>]*)?>(.*)</t>$", re.S)


_SI_ODD = re.compile(rb"<si[\t\r\n]")


def _fast_sst(data: bytes, part: str) -> list[str]:
    root = data.find(b"<sst")
    if (
        not _plain_xml(data, part) or _prefixed_main(data) or root < 0 or b"\r" in data
        or b"xmlns" in data[data.find(b">", root) :] or b"<extLst" in data or _SI_ODD.search(data)
    ):
        return _parse_sst(data, part)  # NOTE: expat also turns a raw CR LF into LF, as XML says
    out: list[str] = []
    append = out.append
    for plain, body in _SI_BODY_RE.findall(data):
        if plain or not body:
            append(_unescape(plain) if b"&" in plain else plain.decode("utf-8", errors="replace"))
            continue
        m = _PLAIN_T_RE.match(body) if b"<r>" not in body and b"<r " not in body and b"rPh" not in body else None
        if m is not None and b"<t" not in m.group(1):
            text = m.group(1)
            append(_unescape(text) if b"&" in text else text.decode("utf-8", errors="replace"))
            continue
        if b"rPh" in body:
            body = _RPH_RE.sub(b"", body)
        append("".join(_unescape(t.group(1) or b"") for t in _T_RE.finditer(body)))
    # NOTE: every <si> must have been seen, or the indexes of the strings after
    # a missed one shift: a shape the patterns do not cover goes to expat
    if len(out) != data.count(b"<si>") + data.count(b"<si/>") + data.count(b"<si "):
        return _parse_sst(data, part)
    if b"_x" in data:
        return [xstring(t) for t in out]
    return out


def _attr(head: bytes, name: bytes) -> bytes | None:
    """The value of attribute ``name`` in a start tag's attribute text (double or single quotes)."""
    for quote in (b'"', b"'"):
        key = b" " + name + b"=" + quote
        i = head.find(key)
        if i < 0:
            i = head.find(b"\n" + name + b"=" + quote)
            if i < 0:
                i = head.find(b"\t" + name + b"=" + quote)
        if i >= 0:
            start = i + len(key)
            end = head.find(quote, start)
            return head[start:end] if end >= 0 else None
    if b"=" in head and name in head:
        for a in _ATTR_RE.finditer(head):
            if a.group(1) == name:
                return a.group(2) if a.group(2) is not None else a.group(3)
    return None


# cells of columns A.. written the usual way (``r`` first), matched by C code
_CELL_COLS: dict[int, re.Pattern[bytes]] = {}
_OTHER_COLS: dict[int, re.Pattern[bytes]] = {}


def _cells_re(keep: int) -> re.Pattern[bytes]:
    # groups: column letter, row, style, type, other attributes, a plain <v>…</v>, any other body
    if keep not in _CELL_COLS:
        last = chr(65 + keep).encode()
        # NOTE: a cell closed at once (``<c r="D9" s="11"/>``: styled, empty) is
        # matched with no value: the same as no cell, and a third of a form's cells
        _CELL_COLS[keep] = re.compile(
            rb'<c r="([A-' + last + rb'])([0-9]{1,7})"(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?([^>]*?)'
            rb"(?:/>|>(?:(<v>[^<]*</v>)</c>|(.*?)</c>))",
            re.S,
        )
    return _CELL_COLS[keep]


def _between_re(keep: int, max_col: int) -> re.Pattern[bytes]:
    """Cell starts of the columns after ``keep`` up to ``max_col`` (counted, not read)."""
    key = keep * 100 + max_col
    if key not in _OTHER_COLS:
        _OTHER_COLS[key] = re.compile(rb'<c r="[' + chr(66 + keep).encode() + rb"-" + chr(65 + max_col).encode() + rb"][0-9]")
    return _OTHER_COLS[key]


def _far_re(max_col: int) -> re.Pattern[bytes]:
    """Cells beyond column ``max_col``: the reference and the content."""
    key = -1 - max_col
    if key not in _OTHER_COLS:
        first = chr(66 + max_col).encode()
        _OTHER_COLS[key] = re.compile(rb'<c r="((?:[A-Z]{2,3}|[' + first + rb'-Z])[0-9]{1,7})"[^>]*?(?:/>|>(.*?)</c>)', re.S)
    return _OTHER_COLS[key]


_MAIN_NS_B = MAIN_NS.encode()


def _prefixed_main(data: bytes) -> bool:
    """Whether the main namespace is declared with a prefix (``<x:c …>`` cells are possible)."""
    i = data.find(_MAIN_NS_B)
    while i >= 0:
        if data[i - 7 : i - 1] != b"xmlns=":
            return True
        i = data.find(_MAIN_NS_B, i + 1)
    return False


def _has_charref(data: bytes) -> bool:
    """Whether ``data`` holds a character reference (``&#…;``), found by its "#"."""
    i = data.find(b"#")
    while i > 0:
        if data[i - 1] == 0x26:  # "&"
            return True
        i = data.find(b"#", i + 1)
    return False


class _Decline(Exception):
    """A shape the fast sheet path does not read: expat reads the part."""


def _has_data(body: bytes) -> bool:
    """Whether a cell's content holds a value or a formula (an empty <v/> or <is> does not)."""
    if b"<f" in body:
        return True
    vm = _V_RE.search(body)
    if vm is not None and vm.group(1):
        return True
    return any(m.group(1) for m in _T_RE.finditer(body))


def _other_cell(head: bytes, body: bytes, pkg: Package) -> RawCell | None:
    """A cell written another way than the two common ones, read by the rules
    of expat's path (:func:`_parse_sheet`); None when it holds nothing."""
    if _FOREIGN_TAG.search(body):
        raise _Decline  # markup of another namespace inside a cell
    t_raw = _attr(head, b"t") if b"t=" in head else None
    t = _unescape(t_raw).strip() if t_raw is not None else "n"
    s_raw = _attr(head, b"s") if b"s=" in head else None
    style = _unescape(s_raw).strip() if s_raw is not None else None
    formula = None
    if b"<f" in body:
        fm = _F_RE.search(body)
        if fm is None:
            raise _Decline
        formula = _unescape(fm.group(1) or b"") or SHARED_FORMULA
    if t == "inlineStr" and b"<is" in body:
        isb = _RPH_RE.sub(b"", body) if b"rPh" in body else body
        text = "".join(_unescape(x.group(1) or b"") for x in _T_RE.finditer(isb))
    else:
        vm = _V_RE.search(body)
        if vm is None:
            # NOTE: <v> is optional (§18.3.1.4): a typed cell without one holds nothing
            return None if formula is None else RawCell(None, None, formula)
        text = _unescape(vm.group(1) or b"")
    cell = _make_cell(t, text, formula, style, pkg)
    return None if cell.kind is None and cell.formula is None else cell


SHARED_FORMULA = "(công thức dùng chung)"  # a shared formula's child: the formula is written on its master cell


def _protection(data: bytes, after: int) -> bool:
    """Whether ``<sheetProtection sheet="1"/>`` follows the sheet data (before any extension list)."""
    ext = data.find(b"<extLst", after)
    i = data.find(b"<sheetProtection", after, ext if ext >= 0 else len(data))
    prot = _PROT_RE.match(data, i) if i >= 0 else None
    if prot is None:
        return False
    value = _attr(b" " + prot.group(1), b"sheet")
    return value is not None and _unescape(value).strip() in ("1", "true")


def _fast_sheet(data: bytes, pkg: Package, max_row: int, max_col: int, part: str, keep_col: int | None = None) -> SheetData | None:
    if not _plain_xml(data, part) or _prefixed_main(data):
        return None  # comments, CDATA, processing instructions or prefixed elements: let expat read it
    start = data.find(b"<sheetData")
    if start < 0:
        return None  # NOTE: never "found nothing, so holds nothing": expat decides
    closed = data.find(b"</sheetData>", start)
    end = len(data) if closed < 0 else closed  # <sheetData/>: no cells, and the rest is not cells either
    body_all = data[start:end]
    if max_col > 7:
        return None
    # NOTE: XML turns a raw CR LF into LF in text, and a value may be written as
    # character references (<v>&#49;</v>): expat applies both rules. "#" is
    # rare in a sheet's cells, "&" everywhere: found by the rare byte. Markup
    # of another namespace and extension lists are expat's too.
    if b"\r" in body_all or _has_charref(body_all) or b"xmlns" in body_all or b"<extLst" in body_all:
        return None
    keep = max_col if keep_col is None else keep_col
    found = _cells_re(keep).findall(body_all)
    far = _far_re(max_col).findall(body_all) if body_all.count(b'<c r="') != len(found) else []
    between = len(_between_re(keep, max_col).findall(body_all)) if keep < max_col else 0
    # NOTE: the proof that every cell was seen: every "<c" in <sheetData> starts
    # a cell (an inline rich string's "<color" would be counted too, and only
    # send the part to expat), and each was matched by one of the patterns,
    # written the common way (no prefix, ``r`` first, double quotes, one space).
    # When one is missed, expat reads the part.
    if len(found) + between + len(far) != body_all.count(b"<c"):
        return None
    sd = SheetData()
    # NOTE: sheetProtection follows sheetData (the schema's order)
    sd.protected = _protection(data, start if closed < 0 else closed)
    # cells beyond the last column read: outside the form; the columns between
    # (the template's check columns) are not read at all
    for ref, content in far:
        sd.outside_count += 1
        if len(sd.outside) < 3 and _has_data(content):
            sd.outside.append(ref.decode("ascii"))
    cells = sd.cells
    shared = None
    new = tuple.__new__  # RawCell(...) without its Python-level __new__: ~600 cells per form
    try:
        for letter, rownum, style, t, rest, plain, body in found:
            if not body and not plain:
                if int(rownum) > max_row + 1:
                    sd.outside_count += 1
                continue  # closed at once: the same as no cell
            r = int(rownum) - 1
            if r > max_row:
                sd.outside_count += 1
                if len(sd.outside) < 3 and _has_data(plain or body):
                    sd.outside.append(f"{letter.decode()}{r + 1}")
                continue
            c = letter[0] - 65
            if rest:
                if rest[-1] != 34:  # '"'
                    return None  # a ">" inside an attribute's value cut the tag short (or an unusual spelling)
            elif plain and len(plain) > 7:  # <v>…</v> with a value
                value = plain[3:-4]
                if not t:
                    # the common number cell: <c r="D10" s="14"><v>3</v></c>
                    try:
                        num = float(value)
                    except ValueError:
                        cells[(r, c)] = new(RawCell, ("s", _unescape(value), None, "", None))
                        continue
                    cells[(r, c)] = new(RawCell, ("n", num, None, "", int(style) if style else None))
                    continue
                if t == b"s":
                    # the common text cell: <c r="B10" s="9" t="s"><v>19</v></c>
                    if shared is None:
                        shared = pkg.shared_strings
                    try:
                        cells[(r, c)] = new(RawCell, ("s", shared[int(value)], None, "", None))
                    except (ValueError, IndexError):
                        cells[(r, c)] = new(RawCell, ("e", "#REF!", None, "", None))
                    continue
            head = (b' s="' + style + b'"' if style else b"") + (b' t="' + t + b'"' if t else b"") + rest
            cell = _other_cell(head, plain or body, pkg)
            if cell is not None:
                cells[(r, c)] = cell
    except _Decline:
        return None
    return sd
