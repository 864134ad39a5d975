"""Protection: the sheets' password, Excel's legacy hash of it, and the workbook
structure lock that XlsxWriter cannot write. Protection prevents accidents, not
attacks: the reader checks a returned workbook's layout itself."""

from __future__ import annotations

import os

from cchc_xlsx.write.zipstamp import StampableZip

DEFAULT_PASSWORD = "cchc"

PASSWORD_ENV = "CCHC_XLSX_PASSWORD"


def default_password() -> str:
    """The sheet password: ``$CCHC_XLSX_PASSWORD`` or ``cchc``. Protection prevents
    accidents, not attacks; the reader checks the layout itself."""
    return os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD)


def legacy_password_hash(password: str) -> str:
    """Excel's 16-bit legacy password hash (the one XlsxWriter uses for sheets)."""
    h = 0
    for i, ch in enumerate(password):
        c = ord(ch) << (i + 1)
        h ^= (c & 0x7FFF) | (c >> 15)
    h ^= len(password)
    h ^= 0xCE4B
    return f"{h:X}"


def protect_structure(xlsx: bytes, password: str) -> bytes:
    """Add ``<workbookProtection lockStructure="1"/>`` to ``xl/workbook.xml``.

    NOTE: XlsxWriter cannot protect the workbook structure; the element has to
    go right before ``<bookViews>``, as the schema orders it.
    """
    z = StampableZip(xlsx)
    wbxml = z.plain["xl/workbook.xml"]
    pw = f' workbookPassword="{legacy_password_hash(password)}"' if password else ""
    tag = f'<workbookProtection{pw} lockStructure="1"/>'.encode()
    if b"<bookViews>" not in wbxml:
        raise RuntimeError("unexpected workbook.xml from XlsxWriter")
    return z.write({"xl/workbook.xml": wbxml.replace(b"<bookViews>", tag + b"<bookViews>", 1)})
