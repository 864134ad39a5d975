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
import struct
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from cchc_xlsx.issues import IssueCode
from cchc_xlsx.read.model import (
    MAIN_NS,
    MAX_ENTRIES,
    MAX_ENTRY_SIZE,
    MAX_RATIO,
    MAX_TOTAL_SIZE,
    STRICT_NS,
    SheetData,
    SheetInfo,
    XlsxError,
)
from cchc_xlsx.read.parts import (
    fast_sst,
    parse_format_kinds,
    parse_rels,
    parse_workbook,
)
from cchc_xlsx.read.sheet import fast_sheet, parse_sheet

_HEAD_CHUNK = 32 * 1024  # a sheet part is inflated this much at a time …
_HEAD_TAIL = 4096  # … until this many bytes past ``</sheetData>`` (its protection is there)


def sniff(data: bytes, name: str = "") -> None:
    """Raise :class:`XlsxError` for what is plainly not an .xlsx package."""
    if not data:
        raise XlsxError(IssueCode.EMPTY_FILE, "Tệp rỗng (0 byte); hãy gửi lại tệp.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        if "EncryptedPackage".encode("utf-16-le") in data or b"EncryptedPackage" in data:
            raise XlsxError(
                IssueCode.ENCRYPTED,
                "Tệp được đặt mật khẩu mở; hãy gỡ mật khẩu (Tệp › Thông tin › Bảo vệ sổ làm việc) rồi gửi lại.",
            )
        raise XlsxError(
            IssueCode.XLS_FORMAT,
            "Tệp ở định dạng Excel 97–2003 (.xls); hãy điền vào biểu mẫu .xlsx đã được gửi.",
        )
    if data[:4] != b"PK\x03\x04":
        head = data[:512].lstrip().lower()
        if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
            raise XlsxError(
                IssueCode.NOT_XLSX,
                "Tệp là một trang web (HTML) được lưu với đuôi Excel, không phải biểu mẫu; hãy tải lại đúng tệp .xlsx.",
            )
        if head.startswith(b"<?xml"):
            raise XlsxError(
                IssueCode.NOT_XLSX,
                "Tệp là XML (có thể là Bảng tính XML 2003), không phải .xlsx; hãy lưu lại dạng Sổ làm việc Excel (.xlsx).",
            )
        if data[:4] == b"%PDF":
            raise XlsxError(IssueCode.NOT_XLSX, "Tệp là PDF, không phải biểu mẫu Excel.")
        if data[:2] == b"PK":
            raise XlsxError(IssueCode.CORRUPT_ZIP, "Tệp nén bị hỏng; hãy gửi lại tệp.")
        raise XlsxError(
            IssueCode.NOT_XLSX, f"Tệp {name or ''} không phải tệp Excel .xlsx.".replace("  ", " ")
        )


class Package:
    """An opened .xlsx package: workbook parts parsed on demand, within limits."""

    def __init__(self, data: bytes, name: str = ""):
        sniff(data, name)
        try:
            self._data = data
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise XlsxError(
                IssueCode.CORRUPT_ZIP,
                "Tệp bị hỏng hoặc chưa tải về đầy đủ (không mở được tệp nén); hãy gửi lại tệp.",
            ) from exc
        self._check_entries(infos)
        self.names = {i.filename for i in infos}
        if "mimetype" in self.names and b"opendocument" in self._read("mimetype", 200):
            raise XlsxError(
                IssueCode.ODS_FORMAT,
                "Tệp ở định dạng OpenDocument (.ods); hãy lưu lại dạng Excel (.xlsx) rồi gửi.",
            )
        if "xl/workbook.bin" in self.names:
            raise XlsxError(
                IssueCode.XLSB_FORMAT,
                "Tệp ở định dạng Excel nhị phân (.xlsb); hãy lưu lại dạng Sổ làm việc Excel (.xlsx).",
            )
        if any(n.lower().endswith("vbaproject.bin") for n in self.names):
            raise XlsxError(
                IssueCode.MACRO,
                "Tệp chứa macro (VBA); biểu mẫu không dùng macro. Hãy lưu lại dạng .xlsx (không macro) rồi gửi.",
            )
        ctypes = (
            self._read("[Content_Types].xml", 1 << 20)
            if "[Content_Types].xml" in self.names
            else b""
        )
        if b"macroEnabled" in ctypes:
            raise XlsxError(
                IssueCode.MACRO,
                "Tệp là sổ làm việc có macro (.xlsm); hãy lưu lại dạng .xlsx (không macro) rồi gửi.",
            )
        self.workbook_path = self._workbook_path()
        self._parse_workbook()
        self._shared: list[str] | None = None
        self._formats: tuple[str, ...] | None = None

    # -- package structure

    def _check_entries(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > MAX_ENTRIES:
            raise XlsxError(
                IssueCode.ZIP_BOMB, f"Tệp nén có {len(infos)} mục, quá nhiều cho một biểu mẫu."
            )
        seen: set[str] = set()
        total = 0
        for i in infos:
            if i.filename in seen:
                raise XlsxError(
                    IssueCode.DUPLICATE_ENTRY,
                    f"Tệp nén có hai mục cùng tên “{i.filename}”; tệp có thể đã bị sửa có chủ ý.",
                )
            seen.add(i.filename)
            total += i.file_size
            if i.file_size > MAX_ENTRY_SIZE or total > MAX_TOTAL_SIZE:
                raise XlsxError(
                    IssueCode.ZIP_BOMB, "Tệp nén khi giải nén quá lớn so với một biểu mẫu."
                )
            if i.file_size > (1 << 20) and i.file_size > MAX_RATIO * max(i.compress_size, 1):
                raise XlsxError(
                    IssueCode.ZIP_BOMB,
                    f"Mục “{i.filename}” có tỷ lệ nén bất thường ({i.file_size // max(i.compress_size, 1)}:1).",
                )
            if i.flag_bits & 0x1:
                raise XlsxError(
                    IssueCode.ENCRYPTED, "Tệp nén được mã hóa; hãy gỡ mật khẩu rồi gửi lại."
                )

    @contextmanager
    def _open(self, name: str) -> Iterator[IO[bytes]]:
        """A part opened for inflating; a missing or damaged part is an XlsxError."""
        try:
            with self.zip.open(name) as fh:
                yield fh
        except KeyError as exc:
            raise XlsxError(IssueCode.NOT_XLSX, f"Thiếu phần “{name}” trong tệp.") from exc
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise XlsxError(
                IssueCode.CORRUPT_ZIP, f"Phần “{name}” của tệp bị hỏng; hãy gửi lại tệp."
            ) from exc

    def _read(self, name: str, limit: int = MAX_ENTRY_SIZE) -> bytes:
        with self._open(name) as fh:
            data = fh.read(limit + 1)
        if len(data) > limit:
            raise XlsxError(IssueCode.ZIP_BOMB, f"Phần “{name}” khi giải nén lớn hơn khai báo.")
        return data

    def _workbook_path(self) -> str:
        if "_rels/.rels" in self.names:
            for _rid, target, rtype in parse_rels(self._read("_rels/.rels", 1 << 20)):
                if rtype.endswith("/officeDocument"):
                    path = target.lstrip("/")
                    if path in self.names:
                        return path
        if "xl/workbook.xml" in self.names:
            return "xl/workbook.xml"
        raise XlsxError(
            IssueCode.NOT_XLSX, "Tệp nén không phải sổ làm việc Excel (không có xl/workbook.xml)."
        )

    def _parse_workbook(self) -> None:
        data = self._read(self.workbook_path, 16 << 20)
        ns, sheets, self.date1904 = parse_workbook(data, self.workbook_path)
        if ns == STRICT_NS:
            raise XlsxError(
                IssueCode.STRICT_OOXML,
                "Tệp được lưu dạng “Strict Open XML”; hãy lưu lại dạng Sổ làm việc Excel (.xlsx) thông thường.",
            )
        if ns != MAIN_NS:
            raise XlsxError(
                IssueCode.NOT_XLSX, "Phần sổ làm việc của tệp không đúng định dạng Excel."
            )
        base = self.workbook_path.rsplit("/", 1)[0]
        rels_path = f"{base}/_rels/{self.workbook_path.rsplit('/', 1)[-1]}.rels"
        targets: dict[str, str] = {}
        if rels_path in self.names:
            for rid, target, _t in parse_rels(self._read(rels_path, 1 << 20)):
                targets[rid] = _resolve(base, target)
        self.sheets = [SheetInfo(n, st, targets.get(rid, "")) for n, st, rid in sheets]
        self._styles_path = next(
            (v for v in targets.values() if v.endswith("styles.xml")), f"{base}/styles.xml"
        )
        self._sst_path = next(
            (v for v in targets.values() if v.endswith("sharedStrings.xml")),
            f"{base}/sharedStrings.xml",
        )

    def sheet(self, name: str) -> SheetInfo | None:
        for s in self.sheets:
            if s.name == name:
                return s
        return None

    # -- shared parts

    @property
    def shared_strings(self) -> list[str]:
        if self._shared is None:
            self._shared = (
                fast_sst(self._read(self._sst_path), self._sst_path)
                if self._sst_path in self.names
                else []
            )
        return self._shared

    def format_kind_of(self, style: int | None) -> str:
        """What the cell style's number format shows a number as (``percent``,
        ``date``, ``time``, ``fraction``, ``text``, or ``""``); styles parsed on first use."""
        if style is None:
            return ""
        kinds = self.format_kinds
        return kinds[style] if 0 <= style < len(kinds) else ""

    @property
    def format_kinds(self) -> tuple[str, ...]:
        """Per cell style (``cellXfs`` index), what its number format shows."""
        if self._formats is None:
            self._formats = (
                parse_format_kinds(self._read(self._styles_path, 16 << 20))
                if self._styles_path in self.names
                else ()
            )
        return self._formats

    def read_sheet(
        self, info: SheetInfo, max_row: int, max_col: int, keep_col: int | None = None
    ) -> SheetData:
        """Cells of rows 0..max_row and columns 0..keep_col (zero-based, default max_col);
        cells beyond max_row or max_col are counted as outside the form, not kept."""
        if info.path not in self.names:
            raise XlsxError(IssueCode.NOT_XLSX, f"Thiếu trang tính “{info.name}” trong tệp.")
        data, whole = self._read_head(info.path)
        fast = fast_sheet(data, self, max_row, max_col, info.path, keep_col)
        if fast is not None:
            return fast
        if not whole:
            data = self._read(info.path)
        return parse_sheet(data, self, max_row, max_col, info.path, keep_col)

    def _read_head(self, name: str) -> tuple[bytes, bool]:
        """A sheet part inflated up to a little past ``</sheetData>`` (where its
        protection is), and whether that is the whole part.

        NOTE: what follows (conditional formats, validations: more than half of
        a template's sheet) is never inflated for the fast path; the expat path
        reads the whole part again.
        """
        head = self._inflate_head(name)
        if head is not None:
            return head, False
        with self._open(name) as fh:
            buf = (
                bytearray()
            )  # NOTE: not bytes: ``+=`` on bytes copies the whole part for every chunk
            while True:
                chunk = fh.read(_HEAD_CHUNK)
                if not chunk:
                    return bytes(buf), True
                seen = len(buf)
                buf += chunk
                if len(buf) > MAX_ENTRY_SIZE:
                    raise XlsxError(
                        IssueCode.ZIP_BOMB, f"Phần “{name}” khi giải nén lớn hơn giới hạn."
                    )
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

    def _inflate_head(self, name: str) -> bytes | None:
        """What :meth:`_read_head` reads of a deflated part that goes on past
        its head, inflated here from the package's bytes; None for any other
        part (zipfile's reader reads it).

        NOTE: zipfile's reader checks a part's CRC only at its end, yet adds
        every chunk to it, and copies each chunk twice; a head never reaches
        the end. zipfile still opens the part first: its checks of the entry's
        header, whatever the Python version, are made as before. The chunks are
        the same as in :meth:`_read_head`, so are the bytes returned.
        """
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            return None
        if info.compress_type != zipfile.ZIP_DEFLATED or info.file_size <= _HEAD_CHUNK:
            return None  # a small part is read whole, by zipfile's reader
        with self._open(name):
            pass
        name_len, extra_len = struct.unpack_from("<HH", self._data, info.header_offset + 26)
        start = info.header_offset + 30 + name_len + extra_len
        if start + info.compress_size > len(self._data):
            return None  # cut short: zipfile's reader finds the end of the file
        rest = memoryview(self._data)[start : start + info.compress_size]
        inflate = zlib.decompressobj(-zlib.MAX_WBITS)
        buf = bytearray()
        try:
            while True:
                chunk = inflate.decompress(rest, _HEAD_CHUNK)
                rest = memoryview(inflate.unconsumed_tail)
                if (
                    len(chunk) < _HEAD_CHUNK
                    or inflate.eof
                    or len(buf) + len(chunk) >= info.file_size
                ):
                    return None  # the part's end is near: zipfile reads it (and checks its CRC)
                seen = len(buf)
                buf += chunk
                end = buf.find(b"</sheetData>", max(0, seen - 16))
                if end >= 0:
                    break
            tail = _HEAD_TAIL - (len(buf) - end)
            if tail > 0:
                more = inflate.decompress(rest, tail)
                if len(more) < tail or inflate.eof or len(buf) + tail >= info.file_size:
                    return None
                buf += more
        except zlib.error:
            return None  # damaged: zipfile's reader says how, as before
        return bytes(buf)


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
