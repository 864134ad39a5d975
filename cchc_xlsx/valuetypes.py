"""One definition of every input value type, compiled twice.

Each row type a person types into (count, decimal, percent, boolean, choice,
text) is one :class:`ValueType` object that gives

- the template's Excel side: the data validation of the value cell, and the
  conditions (Excel boolean expressions over the cell) that make the check
  column print an error or a warning and turn the cell red;
- the reader's Python side: :meth:`ValueType.read`, which interprets what a
  returned cell holds and names every problem as an :class:`Issue`.

Both sides implement the same rules, so that the verdict a commune sees in its
workbook is the verdict the district's consolidation gives, severity included
(``tests/test_agreement.py`` types a table of inputs into a template with
LibreOffice and compares). The rules:

- a number cell holds a number: text is an error — when the text is an
  unambiguous Vietnamese number (``1.594``, ``47,37``, ``12,5%``) its value is
  still read (and marked as involved in an error), otherwise left out;
- a number formatted as a date, a time or a fraction is an error (typing
  ``1/4`` gives 1 April) and the value is left out; so is text that looks like
  a date; a number formatted as a percentage (``95%`` is stored 0.95) is read
  in percent points in a percent row;
- counts are whole numbers (to Excel's 15 significant digits), numbers are not
  negative, percentages lie in 0–100, a row's ``min``/``max`` narrow that;
- a value between 0 and 1 in a percent row without a % format is a warning
  (0,925 for 92,5 %?);
- Có/Không and choices are their labels, case aside (Excel's text comparison),
  with spaces trimmed as Excel's TRIM trims them, or their numeric codes
  (Có = 1, Không = 0; seed 001's convention);
- text longer than 255 characters is a warning; a required row left blank is a
  warning.

Known differences, which Excel's formula language cannot express: the reader
reads ``Có`` written in decomposed Unicode (NFD) and a fraction format is an
error only for the reader; the template does not see hidden characters.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from .catalog import Row
from .issues import Issue, issue
from .rules import excel_string

Value = float | int | str | None

TEXT_MAX = 255
# NOTE: Excel keeps 15 significant digits: a figure of 10^15 or more is not one a
# form can hold exactly, and sums of such figures overflow
MAGNITUDE_MAX = 1e15


# --------------------------------------------------------------------------- the cell


class RawCell(NamedTuple):
    """What the workbook holds in a cell, before interpretation (a tuple: made by the thousand).

    ``kind``: ``n`` number, ``s`` string, ``b`` boolean, ``e`` error, ``None`` empty.
    ``fmt``: what the cell's number format makes of a number (:data:`FORMAT_KINDS`),
    set by the reader for input cells; ``""`` is General or a plain number format.
    ``style``: the cell's style index, from which the reader learns ``fmt``.
    """

    kind: str | None
    value: str | float | bool | None
    formula: str | None = None
    fmt: str = ""
    style: int | None = None


EMPTY = RawCell(None, None)
# what a number format shows a number as
FORMAT_KINDS = ("", "percent", "date", "time", "fraction", "text")


@dataclass(frozen=True)
class Reading:
    """A cell's value as read (None: blank, or left out) and the issues found."""

    value: Value
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Validation:
    """What a value cell accepts; turned into an Excel data validation by the writer."""

    kind: str  # "integer", "decimal", "list", "length"
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    input_title: str = ""
    input_message: str = ""
    error_title: str = ""
    error_message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "min": self.minimum,
            "max": self.maximum,
            "choices": list(self.choices),
            "input_title": self.input_title,
            "input_message": self.input_message,
            "error_title": self.error_title,
            "error_message": self.error_message,
        }


@dataclass(frozen=True)
class Check:
    """One Excel condition of a value cell (TRUE when the check fails) and the
    message the template's check column prints then.

    ``name``: ``formula``, ``required``, ``number`` (text, TRUE/FALSE or an error value in a
    number cell), ``date`` (a date or time format), ``magnitude`` (10^15 or
    more: beyond Excel's 15 digits), ``range``, ``integer``,
    ``percent-fraction``, ``choice``, ``length``.
    """

    name: str
    condition: str
    message: str
    severity: str  # "error" or "warning"
    # the condition as the check column's chain of IFs may write it, knowing
    # that the checks before it failed: not an error value, a boolean or text,
    # and not blank (None: the same as ``condition``)
    chained: str | None = None

    @property
    def shown(self) -> str:
        """The message as the check column shows it, after its mark (``✗`` an
        error, ``⚠`` a warning: the hidden counts G and H count the marks)."""
        return f"{MARKS[self.severity]} {self.message} "


# NOTE: the check column's messages start with a mark per severity; the
# hidden error and warning counts (G, H) count the marks in the text, so that
# no condition is written twice (a form's sheet is read by every consolidation)
MARKS = {"error": "✗", "warning": "⚠"}


def count_marks(ref: str, severity: str) -> str:
    """Excel: how many messages of ``severity`` the check text in ``ref`` holds."""
    mark = excel_string(MARKS[severity])
    return f"LEN({ref})-LEN(SUBSTITUTE({ref},{mark},\"\"))"


# --------------------------------------------------------------------------- shared pieces


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _range_text(lo: float | None, hi: float | None) -> str:
    def f(x: float) -> str:
        return str(int(x)) if float(x).is_integer() else str(x).replace(".", ",")

    if lo is not None and hi is not None:
        return f" từ {f(lo)} đến {f(hi)}"
    if lo is not None:
        return f" từ {f(lo)} trở lên" if lo else " không âm"
    if hi is not None:
        return f" không quá {f(hi)}"
    return ""


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fmt_code(ref: str) -> str:
    """Excel: the first letter of CELL("format") — ``D`` a date or time, ``P`` a percentage."""
    return f'LEFT(CELL("format",{ref}),1)'


def excel_trim_fold(text: str) -> str:
    """A text compared as Excel compares a trimmed text: spaces (U+0020 only)
    trimmed and runs of them made one (``TRIM``), case ignored, Unicode NFC."""
    return unicodedata.normalize("NFC", re.sub(" +", " ", text).strip(" ")).casefold()


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
    visible = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cc") or ch == " ")
    hidden = hidden_names(text)
    return f"“{visible}”" + (f" (có ký tự ẩn {', '.join(hidden)})" if hidden else "")


def _fmt(x: object) -> str:
    """A raw value as stored in the cell."""
    if isinstance(x, float) and x.is_integer():
        return str(int(x))
    return str(x)


def _vn(x: float) -> str:
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


def serial_date(serial: float, date1904: bool = False) -> dt.datetime | None:
    """The moment an Excel date serial stands for, to the second (None when out of range)."""
    base = dt.datetime(1904, 1, 1) if date1904 else dt.datetime(1899, 12, 30)
    try:
        return base + dt.timedelta(seconds=round(float(serial) * 86400))
    except (OverflowError, ValueError):
        return None


# --------------------------------------------------------------------------- numbers typed as text

_INT = re.compile(r"^\d+$")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.594 / 1.594.000
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+$")  # 1 594
_SPACE_FULL = re.compile(r"^\d{1,3}( \d{3})+,\d+$")  # 1 234,5
_VN_DECIMAL = re.compile(r"^\d+,\d+$")  # 47,37
_VN_FULL = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_DOT_DECIMAL = re.compile(r"^\d+\.(\d{1,2}|\d{4,})$")  # 47.37 (a dot not followed by exactly 3 digits)
_WORDS = re.compile(r"[^\d\s.,%+-]")
# 1/4, 01/04/2024, 1-4-2024, 1.4.2024 (a dot only with a year: 1.4 is a decimal)
_DATE_TEXT = re.compile(r"^\d{1,2}([/-])\d{1,2}(\1\d{2,4})?$|^\d{1,2}\.\d{1,2}\.\d{2,4}$|^\d{4}-\d{1,2}-\d{1,2}([T ][0-9:.]+Z?)?$")


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


def parse_vn_number(text: str, row_type: str) -> float | str:
    """Read a number typed as text; return the number, or an issue code when it cannot be read.

    ``row_type`` decides what is unambiguous: a dot followed by three digits is a
    thousands separator in a count row, but ambiguous in a money or percent row.
    """
    s = clean_number_text(text)
    if not s:
        return "not-a-number"
    low = s.casefold()
    if low in ("inf", "-inf", "+inf", "infinity", "nan", "∞", "-∞") or "∞" in s:
        return "not-finite"
    if _WORDS.search(s):
        return "not-a-number"
    percent = s.endswith("%")
    if percent:
        if row_type != "percent":
            return "not-a-number"
        s = s[:-1].strip()
    if s.startswith("-"):
        body = parse_vn_number(s[1:], row_type)
        return "negative" if isinstance(body, float) else body
    if s.startswith("+"):
        s = s[1:]
    if "%" in s or not s:
        return "not-a-number"
    if _INT.match(s):
        return float(s)
    if _SPACE_THOUSANDS.match(s):
        return float(s.replace(" ", ""))
    if _SPACE_FULL.match(s):
        return float(s.replace(" ", "").replace(",", "."))
    if " " in s:
        return "not-a-number"
    if _VN_FULL.match(s):
        return float(s.replace(".", "").replace(",", "."))
    if _VN_THOUSANDS.match(s):
        if row_type == "count" or s.count(".") > 1:
            return float(s.replace(".", ""))
        return "ambiguous-number"
    if _VN_DECIMAL.match(s):
        return float(s.replace(",", "."))
    if _DOT_DECIMAL.match(s):
        return float(s)
    return "ambiguous-number" if any(ch in s for ch in ".,") else "not-a-number"


def _number_message(code: str, row: Row, raw: str, ref: str) -> str:
    if code == "ambiguous-number":
        return (
            f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không rõ nghĩa (dấu chấm là phân cách hàng nghìn hay dấu thập phân?). "
            "Hãy nhập số không có dấu phân cách hàng nghìn, dùng dấu phẩy cho phần thập phân."
        )
    if code == "negative":
        return f"Ô {ref} (chỉ tiêu {row.code}): số âm {shown(raw)} không hợp lệ."
    if code == "not-finite":
        return f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không phải số hữu hạn."
    return f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không phải số; hãy nhập số liệu hoặc để trống nếu không có."


# --------------------------------------------------------------------------- the types


class ValueType:
    """The rules of one row type; see the module's docstring."""

    name = ""
    #: words for what the cell must hold, in the check column's messages
    what = ""

    def validation(self, row: Row) -> Validation | None:
        """The Excel data validation of the row's value cell (None: none)."""
        return None

    def checks(self, row: Row, ref: str) -> tuple[Check, ...]:
        """Excel conditions over the value cell ``ref``, in the order the reader
        checks them: the check column shows the first that holds."""
        return _required(row, ref)

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        """Interpret what a returned cell holds (``ref`` names it in messages)."""
        raise NotImplementedError

    # the template's compilation of :meth:`checks`

    #: whether a blank cell ends the chain of checks (the checks after it hold only for a value)
    blank_ends = False

    def check_text(self, row: Row, ref: str) -> str | None:
        """The check column's expression for the value: the marked message of
        the first failing check, else "". Written as one chain of IFs in the
        checks' order, each check after a blank or a non-number exits with the
        condition it needs there (``Check.chained``)."""
        checks = list(self.checks(row, ref))
        out = '""'
        after_blank = [c for c in checks if c.name not in ("formula", "number", "required")]
        before_blank = [c for c in checks if c.name in ("formula", "number")]
        required = next((c for c in checks if c.name == "required"), None)
        if not self.blank_ends:
            after_blank, before_blank = [c for c in checks if c.name != "formula"], [c for c in checks if c.name == "formula"]
            required = None
        for c in reversed(after_blank):
            out = f"IF({c.chained or c.condition},{excel_string(c.shown)},{out})"
        if self.blank_ends:
            out = f'IF({ref}="",{excel_string(required.shown) if required else chr(34) * 2},{out})'
        for c in reversed(before_blank):
            out = f"IF({c.condition},{excel_string(c.shown)},{out})"
        return None if out == '""' else out

    def error_condition(self, row: Row, ref: str) -> str | None:
        """TRUE when the check column shows an error (and the cell turns red)."""
        return _any(c.condition for c in self.checks(row, ref) if c.severity == "error")

    def warning_condition(self, row: Row, ref: str) -> str | None:
        """TRUE when the check column shows a warning and no error."""
        warns = [c.condition for c in self.checks(row, ref) if c.severity == "warning"]
        if not warns:
            return None
        err = self.error_condition(row, ref)
        w = _any(warns)
        return f"AND(NOT({err}),{w})" if err else w


def _any(conditions: object) -> str | None:
    parts = list(conditions)  # type: ignore[call-overload]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"


def _required(row: Row, ref: str) -> tuple[Check, ...]:
    """The checks every value cell starts with: a formula typed into it (the
    reader wants the figure itself), then a required row left blank."""
    # NOTE: ISFORMULA is an Excel 2013 function: the file spells it _xlfn.ISFORMULA
    out = [Check("formula", f"_xlfn.ISFORMULA({ref})", f"{row.code}: hãy nhập số liệu, không nhập công thức.", "error")]
    if row.required:
        out.append(Check("required", f'{ref}=""', f"{row.code}: chỉ tiêu bắt buộc, chưa nhập.", "warning"))
    return tuple(out)


def _blank(row: Row, ref: str) -> Reading:
    if row.required:
        return Reading(None, (issue("required-blank", f"Chỉ tiêu {row.code} bắt buộc nhưng ô {ref} để trống.", indicator=row.code, cell=ref),))
    return Reading(None)


def _err(row: Row, ref: str, code: str, msg: str) -> Reading:
    return Reading(None, (issue(code, msg, indicator=row.code, cell=ref),))


def _common(row: Row, cell: RawCell, ref: str) -> Reading | None:
    """What every type reads the same way: formulas, TRUE/FALSE, error values."""
    if cell.formula:
        return _err(row, ref, "formula-in-input", f"Ô {ref} (chỉ tiêu {row.code}) chứa công thức “={cell.formula}”; hãy nhập số liệu trực tiếp.")
    if cell.kind == "b":
        return _err(row, ref, "boolean-value", f"Ô {ref} (chỉ tiêu {row.code}) chứa giá trị {'TRUE' if cell.value else 'FALSE'}; hãy nhập số liệu.")
    if cell.kind == "e":
        return _err(row, ref, "error-value", f"Ô {ref} (chỉ tiêu {row.code}) chứa lỗi {cell.value}; hãy nhập số liệu.")
    return None


class NumberType(ValueType):
    """Counts (whole numbers), decimals (money, areas …) and percentages (percent points, 0–100)."""

    blank_ends = True

    def __init__(self, name: str):
        self.name = name
        self.what = {"count": "số nguyên", "decimal": "số", "percent": "phần trăm (0–100)"}[name]

    def validation(self, row: Row) -> Validation:
        lo, hi = row.bounds()
        unit = f" ({row.unit})" if row.unit else ""
        if self.name == "count":
            rng = _range_text(lo, hi)
            return Validation(
                "integer", lo, hi,
                input_title=_cut(f"Chỉ tiêu {row.code}", 32),
                input_message=_cut(f"Nhập số nguyên{rng}{unit}. Để trống nếu không có số liệu.", 255),
                error_title="Số liệu không hợp lệ",
                error_message=_cut(f"Chỉ tiêu {row.code} phải là số nguyên{rng}.", 255),
            )
        what = "phần trăm (0–100, không nhập dấu %)" if self.name == "percent" else "số"
        rng = _range_text(lo, hi) if self.name != "percent" or (lo, hi) != (0.0, 100.0) else ""
        return Validation(
            "decimal", lo, hi,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=_cut(f"Nhập {what}{rng}{unit}. Để trống nếu không có số liệu.", 255),
            error_title="Số liệu không hợp lệ",
            error_message=_cut(f"Chỉ tiêu {row.code} phải là {what}{rng}.", 255),
        )

    def _points(self, ref: str) -> str:
        """The value in percent points as Excel sees it (a %-formatted 0.95 is 95)."""
        return f'IF({_fmt_code(ref)}="P",{ref}*100,{ref})' if self.name == "percent" else ref

    def checks(self, row: Row, ref: str) -> tuple[Check, ...]:
        lo, hi = row.bounds()
        code = row.code
        v = self._points(ref)
        out: list[Check] = list(_required(row, ref))
        # NOTE: every numeric test sits in IF(ISNUMBER(…)): text reaching INT or
        # "*" is #VALUE!, and OR/AND pass errors on (Excel and LibreOffice alike).
        # NOTE: LibreOffice counts TRUE as a number (ISNUMBER), Excel does not: ISLOGICAL says it for both
        out.append(Check("number", f'IF(ISERROR({ref}),TRUE,OR(ISLOGICAL({ref}),AND({ref}<>"",NOT(ISNUMBER({ref})))))', f"{code}: phải là {self.what}, không nhập chữ.", "error"))
        out.append(Check("date", f'IF(ISNUMBER({ref}),{_fmt_code(ref)}="D",FALSE)', f"{code}: ô chứa ngày tháng hoặc giờ, không phải {self.what}.", "error", f'{_fmt_code(ref)}="D"'))
        out.append(Check("magnitude", f"IF(ISNUMBER({ref}),ABS({ref})>=1E+15,FALSE)", f"{code}: số quá lớn.", "error", f"ABS({ref})>=1E+15"))
        bad = []
        if lo is not None:
            bad.append(f"{v}<{_num(lo)}")
        if hi is not None:
            bad.append(f"{v}>{_num(hi)}")
        if bad:
            cond = bad[0] if len(bad) == 1 else f"OR({','.join(bad)})"
            what = "phần trăm phải từ 0 đến 100" if self.name == "percent" and (lo, hi) == (0.0, 100.0) else f"phải{_range_text(lo, hi)}"
            out.append(Check("range", f"IF(ISNUMBER({ref}),{cond},FALSE)", f"{code}: {what}.", "error", cond))
        if self.name == "count":
            out.append(Check("integer", f"IF(ISNUMBER({ref}),{ref}<>INT({ref}),FALSE)", f"{code}: phải là số nguyên.", "error", f"{ref}<>INT({ref})"))
        if self.name == "percent":
            out.append(Check(
                "percent-fraction",
                f'IF(ISNUMBER({ref}),AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P"),FALSE)',
                f"{code}: giá trị từ 0 đến 1 — tỷ lệ nhập theo phần trăm (92,5 chứ không phải 0,925); hãy kiểm tra lại.",
                "warning",
                f'AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P")',
            ))
        return tuple(out)

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = _common(row, cell, ref)
        if common is not None:
            return common
        if cell.kind is None or (cell.kind == "s" and str(cell.value) == ""):
            return _blank(row, ref)
        notes: list[Issue] = []
        code = row.code
        if cell.kind == "n":
            number = float(cell.value)  # type: ignore[arg-type]
            if cell.fmt in ("date", "time"):
                when = serial_date(number, date1904)
                what = (f"ngày {when:%d/%m/%Y}" if cell.fmt == "date" else f"giờ {when:%H:%M}") if when else f"ngày tháng ({_fmt(cell.value)})"
                return _err(row, ref, "date-value", f"Ô {ref} (chỉ tiêu {code}) chứa {what}, không phải {self.what}; hãy nhập lại số liệu (gõ “1/4” thành ngày 1 tháng 4).")
            if cell.fmt == "fraction":
                return _err(row, ref, "fraction-value", f"Ô {ref} (chỉ tiêu {code}) được định dạng phân số ({_vn(number)}); hãy nhập lại số liệu dạng số.")
            if cell.fmt == "percent" and self.name == "percent":
                # NOTE: Excel stores "95%" typed in a cell as 0.95 with a % format.
                number = round(number * 100, 10)
                notes.append(issue("percent-format", f"Ô {ref}: {_fmt(cell.value)} định dạng % được đọc là {_vn(number)} (phần trăm).", indicator=code, cell=ref))
        else:
            raw = str(cell.value)
            if looks_like_date(raw):
                return _err(row, ref, "date-value", f"Ô {ref} (chỉ tiêu {code}) chứa {shown(raw)}, giống ngày tháng, không phải {self.what}; hãy nhập lại số liệu.")
            parsed = parse_vn_number(raw, self.name)
            if isinstance(parsed, str):
                return _err(row, ref, parsed, _number_message(parsed, row, raw, ref))
            number = parsed
            notes.append(issue("text-number", f"Ô {ref}: {shown(raw)} được nhập dạng chữ, không phải số (đọc là {_vn(number)}); hãy nhập lại dạng số.", indicator=code, cell=ref))
        if math.isnan(number) or math.isinf(number):
            return _err(row, ref, "not-finite", f"Ô {ref} (chỉ tiêu {code}): giá trị {_fmt(cell.value)} không phải số hữu hạn.")
        if abs(number) >= MAGNITUDE_MAX:
            return _err(row, ref, "out-of-range", f"Ô {ref} (chỉ tiêu {code}): {_fmt(number)} — số quá lớn (từ 10^15 trở lên), không phải số liệu thật.")
        if number < 0:
            return _err(row, ref, "negative", f"Ô {ref} (chỉ tiêu {code}): số âm {_fmt(number)} không hợp lệ.")
        # NOTE: whole to Excel's 15 significant digits: 3.0000000001 is not, 2.9999999999999996 is
        if self.name == "count" and abs(number - round(number)) > abs(number) * 1e-15:
            return _err(row, ref, "not-integer", f"Ô {ref} (chỉ tiêu {code}): {_fmt(number)} không phải số nguyên.")
        lo, hi = row.bounds()
        if (lo is not None and number < lo - 1e-9) or (hi is not None and number > hi + 1e-9):
            what = "phần trăm phải từ 0 đến 100" if self.name == "percent" else f"phải trong khoảng {_fmt(lo)}–{_fmt(hi)}"
            return _err(row, ref, "out-of-range", f"Ô {ref} (chỉ tiêu {code}): {_fmt(number)} — {what}.")
        if self.name == "percent" and 0 < number < 1 and cell.fmt != "percent":
            notes.append(issue(
                "percent-fraction",
                f"Ô {ref} (chỉ tiêu {code}): {_vn(number)} — tỷ lệ nhập theo phần trăm; có phải {_vn(round(number * 100, 10))}% không? Hãy kiểm tra lại.",
                indicator=code, cell=ref,
            ))
        value: Value = int(round(number)) if self.name == "count" else number
        return Reading(value, tuple(notes))


class CodedType(ValueType):
    """Có/Không and choices: a label, case aside and trimmed as Excel's TRIM does, or its numeric code."""

    def __init__(self, name: str):
        self.name = name
        self.what = "giá trị trong danh sách"

    def options(self, row: Row) -> list[tuple[str, int]]:
        if self.name == "boolean":
            return [("Có", 1), ("Không", 0)]
        return [(o.label, o.value) for o in row.options]

    def validation(self, row: Row) -> Validation:
        labels = tuple(label for label, _v in self.options(row))
        return Validation(
            "list", choices=labels,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=_cut("Chọn trong danh sách: " + "; ".join(labels) + ".", 255),
            error_title="Giá trị không có trong danh sách",
            error_message=_cut("Hãy chọn một giá trị trong danh sách: " + "; ".join(labels) + ".", 255),
        )

    def checks(self, row: Row, ref: str) -> tuple[Check, ...]:
        opts = self.options(row)
        labels = ",".join(f"TRIM({ref})<>{excel_string(label)}" for label, _v in opts)
        codes = ",".join(f"{ref}<>{value}" for _l, value in dict.fromkeys(opts))
        cond = f'IF(ISERROR({ref}),TRUE,IF(ISLOGICAL({ref}),TRUE,IF(ISNUMBER({ref}),AND({codes}),IF(ISTEXT({ref}),AND({ref}<>"",{labels}),{ref}<>""))))'
        names = "; ".join(label for label, _v in opts)
        return (*_required(row, ref), Check("choice", cond, f"{row.code}: hãy chọn một giá trị trong danh sách ({names}).", "error"))

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = _common(row, cell, ref)
        if common is not None:
            return common
        if cell.kind is None or (cell.kind == "s" and str(cell.value) == ""):
            return _blank(row, ref)
        opts = self.options(row)
        names = "; ".join(label for label, _v in opts)
        if cell.kind == "n":
            number = float(cell.value)  # type: ignore[arg-type]
            if number.is_integer() and any(v == int(number) for _l, v in opts):
                return Reading(int(number))
            return _err(row, ref, "invalid-choice", f"Ô {ref} (chỉ tiêu {row.code}): “{_fmt(cell.value)}” không có trong danh sách ({names}).")
        raw = str(cell.value)
        key = excel_trim_fold(raw)
        for label, value in opts:
            if key == excel_trim_fold(label):
                return Reading(value)
        return _err(row, ref, "invalid-choice", f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không có trong danh sách ({names}).")


class TextType(ValueType):
    """Free text, kept as typed (at most 255 characters without a warning)."""

    name = "text"
    what = "nội dung"

    def validation(self, row: Row) -> Validation:
        return Validation(
            "length", 0, TEXT_MAX,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=f"Nhập nội dung, tối đa {TEXT_MAX} ký tự.",
            error_title="Nội dung quá dài",
            error_message=f"Tối đa {TEXT_MAX} ký tự.",
        )

    def checks(self, row: Row, ref: str) -> tuple[Check, ...]:
        return (*_required(row, ref), Check("length", f"LEN({ref})>{TEXT_MAX}", f"{row.code}: nội dung dài quá {TEXT_MAX} ký tự.", "warning"))

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = _common(row, cell, ref)
        if common is not None:
            return common
        if cell.kind is None or (cell.kind == "s" and str(cell.value) == ""):
            return _blank(row, ref)
        text = str(cell.value) if cell.kind == "s" else _fmt(cell.value)
        if len(text) > TEXT_MAX:
            return Reading(text, (issue("text-too-long", f"Ô {ref}: nội dung dài {len(text)} ký tự (tối đa {TEXT_MAX}).", indicator=row.code, cell=ref),))
        return Reading(text)


VALUE_TYPES: dict[str, ValueType] = {
    "count": NumberType("count"),
    "decimal": NumberType("decimal"),
    "percent": NumberType("percent"),
    "boolean": CodedType("boolean"),
    "choice": CodedType("choice"),
    "text": TextType(),
}


def value_type(row: Row) -> ValueType:
    """The value type of an input row (KeyError for headings and formula rows)."""
    return VALUE_TYPES[row.type]


def read_value(row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
    """Interpret ``cell`` as a value of ``row`` (``ref`` names the cell in messages)."""
    return VALUE_TYPES[row.type].read(row, cell, ref, date1904=date1904)


# --------------------------------------------------------------------------- number formats

_QUOTED = re.compile(r'"[^"]*"|\\.|_.|\*.')
_BRACKETS = re.compile(r"\[[^\]]*\]")
_ELAPSED = re.compile(r"\[(h+|m+|s+)\]", re.I)
BUILTIN_FORMAT_KINDS: dict[int, str] = {
    9: "percent", 10: "percent", 12: "fraction", 13: "fraction",
    14: "date", 15: "date", 16: "date", 17: "date", 22: "date",
    18: "time", 19: "time", 20: "time", 21: "time", 45: "time", 46: "time", 47: "time",
    49: "text",
    # locale-dependent built-ins (East Asian date formats)
    **{i: "date" for i in range(27, 37)}, **{i: "date" for i in range(50, 59)},
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
    letters = re.sub(r"s+\.0+", "s", low.replace("am/pm", "").replace("a/p", ""))  # ss.000: seconds' fraction
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
