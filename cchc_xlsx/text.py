"""Text put into XML by our own writers, and characters a person cannot see.

XML 1.0 forbids most control characters (U+0000–U+001F but tab, line feed and
carriage return), surrogates and U+FFFE/U+FFFF; a part holding one is not XML
at all (openpyxl refuses the workbook, LibreOffice shows every text cell empty).
OOXML writes such a character as ``_xHHHH_`` (ECMA-376 Part 1, §22.9.2.19
ST_Xstring), and a literal ``_xHHHH_`` in the text as ``_x005F_xHHHH_`` so that
it is not decoded — exactly as XlsxWriter escapes its shared strings.
"""

from __future__ import annotations

import re
import unicodedata

_OOXML_ESCAPE = re.compile(r"_x[0-9A-Fa-f]{4}_")
# NOTE: as XlsxWriter (and Excel): carriage return is escaped too (``_x000D_``)
_ILLEGAL = re.compile("[\x00-\x08\x0b-\x1f\ud800-\udfff\ufffe\uffff]")


def escape_text(text: str) -> str:
    """``text`` as the content of an OOXML string element (``<t>``, ``<v>``, ``<f>``):
    ``&``, ``<``, ``>`` escaped, XML-illegal characters as ``_xHHHH_``."""
    if "_x" in text:
        text = _OOXML_ESCAPE.sub(lambda m: "_x005F" + m.group(0), text)
    if _ILLEGAL.search(text):
        text = _ILLEGAL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text)
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def hidden_characters(text: str) -> list[str]:
    """The characters of ``text`` that a person cannot see or that XML forbids
    (Unicode categories Cc, Cf, Cs and the noncharacters U+FFFE, U+FFFF),
    named for a message: ``["U+0001", "U+00AD SOFT HYPHEN"]``. Tab, line feed
    and carriage return are not counted (they are whitespace)."""

    out: list[str] = []
    for ch in text:
        if ch in "\t\n\r":
            continue
        cat = unicodedata.category(ch)
        if cat in ("Cc", "Cf", "Cs") or ch in "\ufffe\uffff":
            name = unicodedata.name(ch, "")
            label = f"U+{ord(ch):04X}" + (f" {name}" if name else "")
            if label not in out:
                out.append(label)
    return out
