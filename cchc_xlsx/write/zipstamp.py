"""Copy a rendered workbook, rewriting a few small parts, without recompressing the rest.

Rendering a workbook with XlsxWriter costs tens of milliseconds; a province
issues the same form to hundreds of units that differ only in a few strings.
We render once with placeholders, keep each zip entry's compressed bytes, and
for each unit deflate only the parts that change (``xl/sharedStrings.xml``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass

# a fixed timestamp (1980-01-01 00:00) keeps the output reproducible
_DOS_TIME = 0
_DOS_DATE = (0 << 9) | (1 << 5) | 1


@dataclass(frozen=True)
class _Entry:
    name: bytes
    method: int
    crc: int
    compressed: bytes
    size: int


class StampableZip:
    """A zip archive held as raw entries, ready to be written many times."""

    def __init__(self, data: bytes):
        self.entries: list[_Entry] = []
        self.plain: dict[str, bytes] = {}
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            for info in zf.infolist():
                raw = _raw_data(data, info)
                self.entries.append(
                    _Entry(
                        info.filename.encode("utf-8"),
                        info.compress_type,
                        info.CRC,
                        raw,
                        info.file_size,
                    )
                )
                self.plain[info.filename] = zf.read(info)

    def write(self, replacements: Mapping[str, bytes] | None = None) -> bytes:
        """The archive with the parts named in ``replacements`` replaced (deflated anew)."""
        replacements = replacements or {}
        out = io.BytesIO()
        central = io.BytesIO()
        count = 0
        for e in self.entries:
            name = e.name.decode("utf-8")
            if name in replacements:
                content = replacements[name]
                comp = zlib.compressobj(6, zlib.DEFLATED, -15)
                data = comp.compress(content) + comp.flush()
                crc, size, method = zlib.crc32(content), len(content), zipfile.ZIP_DEFLATED
            else:
                data, crc, size, method = e.compressed, e.crc, e.size, e.method
            offset = out.tell()
            out.write(
                struct.pack(
                    "<IHHHHHIIIHH",
                    0x04034B50,
                    20,
                    0x0800,
                    method,
                    _DOS_TIME,
                    _DOS_DATE,
                    crc,
                    len(data),
                    size,
                    len(e.name),
                    0,
                )
            )
            out.write(e.name)
            out.write(data)
            central.write(
                struct.pack(
                    "<IHHHHHHIIIHHHHHII",
                    0x02014B50,
                    20,
                    20,
                    0x0800,
                    method,
                    _DOS_TIME,
                    _DOS_DATE,
                    crc,
                    len(data),
                    size,
                    len(e.name),
                    0,
                    0,
                    0,
                    0,
                    0,
                    offset,
                )
            )
            central.write(e.name)
            count += 1
        cd = central.getvalue()
        cd_offset = out.tell()
        out.write(cd)
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(cd), cd_offset, 0))
        return out.getvalue()


def _raw_data(data: bytes, info: zipfile.ZipInfo) -> bytes:
    start = info.header_offset
    (sig,) = struct.unpack("<I", data[start : start + 4])
    if sig != 0x04034B50:
        raise ValueError("bad local header")
    name_len, extra_len = struct.unpack("<HH", data[start + 26 : start + 30])
    begin = start + 30 + name_len + extra_len
    return data[begin : begin + info.compress_size]
