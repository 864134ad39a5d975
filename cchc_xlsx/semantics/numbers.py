"""Numbers as people type them, and number formats as spreadsheets store them.

Numbers typed as text in Vietnamese notation are read when the reading is
unambiguous for the row's type (``1.594`` in a count row is 1594, ``47,37`` in
a percent row is 47.37, ``1.234,5`` in a money row is 1234.5); hidden
characters are cleaned by Unicode category and named in messages. A cell's
number format says what its number shows (a date, a percentage …).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from cchc_xlsx.issues import IssueCode

# what a number format shows a number as
FORMAT_KINDS = ("", "percent", "date", "time", "fraction", "text")


def hidden_names(text: str) -> list[str]:
    """The characters of ``text`` a person cannot see: format characters
    (category Cf), control characters and every space but U+0020, named."""
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch != " " and (cat in ("Cf", "Cc", "Zs", "Zl", "Zp", "Cs") or ch in "\ufffe\uffff"):
            label = f"U+{ord(ch):04X}"
            name = unicodedata.name(ch, "")
            if name:
                label += f" {name}"
            if label not in out:
                out.append(label)
    return out


def shown(text: str) -> str:
    """A typed text quoted for a message, its hidden characters named:
    ``“5” (có ký tự ẩn U+00AD SOFT HYPHEN)``."""
    visible = "".join(
        ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch == " "
    )
    hidden = hidden_names(text)
    return f"“{visible}”" + (f" (có ký tự ẩn {', '.join(hidden)})" if hidden else "")


def as_stored(x: object) -> str:
    """A raw value as stored in the cell."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def decimal_comma(x: float) -> str:
    """A reading as a Vietnamese reader writes it (decimal comma)."""
    if float(x).is_integer():
        return str(int(x))
    return format(x, ".15g").replace(".", ",")


def format_vn(value: float, decimals: int | None = None) -> str:
    """``1234.5`` → ``1.234,5`` (Vietnamese notation, for messages and the narrative)."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    text = f"{value:,.{decimals}f}"
    text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    if "," in text:
        text = text.rstrip("0").rstrip(",")
    return text


def format_percent(value: float, decimals: int | None = None) -> str:
    """A value in percent points as a report quotes it: ``18.75`` → ``18,75%``,
    ``100.0`` → ``100%`` (two decimals at most, trailing zeros dropped)."""
    return f"{format_vn(value, decimals)}%"


def format_parts(numerator: float, denominator: float, unit: str = "") -> str:
    """A ratio's parts as a report quotes them: ``6/32 nhiệm vụ``, ``1.594/1.600 hồ sơ``."""
    text = f"{format_vn(numerator)}/{format_vn(denominator)}"
    word = unit_word(unit)
    return f"{text} {word}" if word else text


def unit_word(unit: str) -> str:
    """A form's unit as a word inside a sentence: ``Hồ sơ`` → ``hồ sơ``; an
    abbreviation (``TTHC``, ``PAKN``) stays as it is."""
    unit = unit.strip()
    if len(unit) > 1 and unit[0].isupper() and unit[1].islower():
        return unit[0].lower() + unit[1:]
    return unit


def format_date_vn(day: dt.date) -> str:
    """A date as Nghị định 30/2020/NĐ-CP writes it in a document: a day below 10
    and the months 1 and 2 with a leading zero (``ngày 06 tháng 3 năm 2024``,
    ``ngày 15 tháng 01 năm 2024``)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def serial_date(serial: float, date1904: bool = False) -> dt.datetime | None:
    """The moment an Excel date serial stands for, to the second (None when out of range)."""
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    try:
        return base + dt.timedelta(seconds=round(float(serial) * 86400))
    except (OverflowError, ValueError):
        return None


_INT = re.compile(r"^\d+$")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.594 / 1.594.000
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+$")  # 1 594
_SPACE_FULL = re.compile(r"^\d{1,3}( \d{3})+,\d+$")  # 1 234,5
_VN_DECIMAL = re.compile(r"^\d+,\d+$")  # 47,37
_VN_FULL = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_DOT_DECIMAL = re.compile(
    r"^\d+\.(\d{1,2}|\d{4,})$"
)  # 47.37 (a dot not followed by exactly 3 digits)
_WORDS = re.compile(r"[^\d\s.,%+-]")
# 1/4, 01/04/2024, 1-4-2024, 1.4.2024 (a dot only with a year: 1.4 is a decimal)
_DATE_TEXT = re.compile(
    r"^\d{1,2}([/-])\d{1,2}(\1\d{2,4})?$|^\d{1,2}\.\d{1,2}\.\d{2,4}$|^\d{4}-\d{1,2}-\d{1,2}([T ][0-9:.]+Z?)?$"
)


def clean_number_text(text: str) -> str:
    """A number typed as text with its hidden characters cleaned by Unicode
    category: format characters (Cf) and control characters other than
    whitespace removed, every kind of space (Zs, tab, line breaks) made one
    plain space, outer spaces trimmed."""
    out: list[str] = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat in ("Zs", "Zl", "Zp") or ch in "\t\r\n\x0b\x0c":
            out.append(" ")
        elif cat in ("Cf", "Cc", "Cs"):
            continue
        else:
            out.append(ch)
    return " ".join("".join(out).split())


def looks_like_date(text: str) -> bool:
    """Text that a spreadsheet would have taken for a date: ``1/4``, ``01/04/2024``, ``1.4.2024``."""
    return bool(_DATE_TEXT.match(clean_number_text(text)))


def parse_vn_number(text: str, row_type: str) -> float | IssueCode:
    """Read a number typed as text; return the number, or an issue code when it cannot be read.

    ``row_type`` decides what is unambiguous: a dot followed by three digits is a
    thousands separator in a count row, but ambiguous in a money or percent row.
    """
    s = clean_number_text(text)
    if not s:
        return IssueCode.NOT_A_NUMBER
    low = s.casefold()
    if low in ("inf", "-inf", "+inf", "infinity", "nan", "∞", "-∞") or "∞" in s:
        return IssueCode.NOT_FINITE
    if _WORDS.search(s):
        return IssueCode.NOT_A_NUMBER
    percent = s.endswith("%")
    if percent:
        if row_type != "percent":
            return IssueCode.NOT_A_NUMBER
        s = s[:-1].strip()
    if s.startswith("-"):
        body = parse_vn_number(s[1:], row_type)
        return IssueCode.NEGATIVE if isinstance(body, float) else body
    if s.startswith("+"):
        s = s[1:]
    if "%" in s or not s:
        return IssueCode.NOT_A_NUMBER
    if _INT.match(s):
        return float(s)
    if _SPACE_THOUSANDS.match(s):
        return float(s.replace(" ", ""))
    if _SPACE_FULL.match(s):
        return float(s.replace(" ", "").replace(",", "."))
    if " " in s:
        return IssueCode.NOT_A_NUMBER
    if _VN_FULL.match(s):
        return float(s.replace(".", "").replace(",", "."))
    if _VN_THOUSANDS.match(s):
        if row_type == "count" or s.count(".") > 1:
            return float(s.replace(".", ""))
        return IssueCode.AMBIGUOUS_NUMBER
    if _VN_DECIMAL.match(s):
        return float(s.replace(",", "."))
    if _DOT_DECIMAL.match(s):
        return float(s)
    return IssueCode.AMBIGUOUS_NUMBER if any(ch in s for ch in ".,") else IssueCode.NOT_A_NUMBER


_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETS = re.compile(r"\[[^\]]*\]")
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.I)
BUILTIN_FORMAT_KINDS: dict[int, str] = {
    9: "percent",
    10: "percent",
    12: "fraction",
    13: "fraction",
    14: "date",
    15: "date",
    16: "date",
    17: "date",
    22: "date",
    18: "time",
    19: "time",
    20: "time",
    21: "time",
    45: "time",
    46: "time",
    47: "time",
    49: "text",
    # locale-dependent built-ins (East Asian date formats)
    **{i: "date" for i in range(27, 37)},
    **{i: "date" for i in range(50, 59)},
}


def format_kind(code: str) -> str:
    """What a number format code shows a number as: ``percent``, ``date``,
    ``time``, ``fraction``, ``text`` or ``""`` (General, plain numbers).

    The first section decides (the one for positive numbers); quoted text,
    escaped characters and bracketed colours or locales are not format letters.
    """
    section = _QUOTED.sub("", code.split(";", 1)[0])
    if _ELAPSED.search(section):
        return "time"
    low = _BRACKETS.sub("", section).lower()
    if low.strip() in ("", "general"):
        return ""
    letters = re.sub(
        r"s+\.0+", "s", low.replace("am/pm", "").replace("a/p", "")
    )  # ss.000: seconds' fraction
    number_places = re.search(r"[0#?]", letters)
    if not number_places and re.search(r"[dymhs]", letters):
        if re.search(r"[dy]", letters) or not re.search(r"[hs]", letters):
            return "date"  # with days or years, or months alone
        return "time"
    if "@" in low and not number_places:
        return "text"
    if number_places and re.search(r"[0#?]\s*/\s*[0-9#?]", low):
        return "fraction"
    if "%" in low:
        return "percent"
    return ""
