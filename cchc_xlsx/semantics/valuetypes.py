"""One definition of every input value type, compiled twice."""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass

from cchc_xlsx.catalog.expressions import excel_string
from cchc_xlsx.catalog.model import Row
from cchc_xlsx.issues import Issue, issue
from cchc_xlsx.semantics.cells import RawCell, Reading, Validation, Value
from cchc_xlsx.semantics.numbers import (
    as_stored,
    decimal_comma,
    looks_like_date,
    parse_vn_number,
    serial_date,
    shown,
)

TEXT_MAX = 255
# NOTE: Excel keeps 15 significant digits: a figure of 10^15 or more is not one a
# form can hold exactly, and sums of such figures overflow
MAGNITUDE_MAX = 1e15


@dataclass(frozen=True)
class ValueCheck:
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
    return f'LEN({ref})-LEN(SUBSTITUTE({ref},{mark},""))'


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


class ValueType:
    """The rules of one row type; see the module's docstring."""

    name = ""
    #: words for what the cell must hold, in the check column's messages
    what = ""

    def validation(self, row: Row) -> Validation | None:
        """The Excel data validation of the row's value cell (None: none)."""
        return None

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
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
        condition it needs there (``ValueCheck.chained``)."""
        checks = list(self.checks(row, ref))
        out = '""'
        after_blank = [c for c in checks if c.name not in ("formula", "number", "required")]
        before_blank = [c for c in checks if c.name in ("formula", "number")]
        required = next((c for c in checks if c.name == "required"), None)
        if not self.blank_ends:
            after_blank, before_blank = (
                [c for c in checks if c.name != "formula"],
                [c for c in checks if c.name == "formula"],
            )
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


def _required(row: Row, ref: str) -> tuple[ValueCheck, ...]:
    """The checks every value cell starts with: a formula typed into it (the
    reader wants the figure itself), then a required row left blank."""
    # NOTE: ISFORMULA is an Excel 2013 function: the file spells it _xlfn.ISFORMULA
    out = [
        ValueCheck(
            "formula",
            f"_xlfn.ISFORMULA({ref})",
            f"{row.code}: hãy nhập số liệu, không nhập công thức.",
            "error",
        )
    ]
    if row.required:
        out.append(
            ValueCheck(
                "required", f'{ref}=""', f"{row.code}: chỉ tiêu bắt buộc, chưa nhập.", "warning"
            )
        )
    return tuple(out)


def _blank(row: Row, ref: str) -> Reading:
    if row.required:
        return Reading(
            None,
            (
                issue(
                    "required-blank",
                    f"Chỉ tiêu {row.code} bắt buộc nhưng ô {ref} để trống.",
                    indicator=row.code,
                    cell=ref,
                ),
            ),
        )
    return Reading(None)


def _err(row: Row, ref: str, code: str, msg: str) -> Reading:
    return Reading(None, (issue(code, msg, indicator=row.code, cell=ref),))


def _common(row: Row, cell: RawCell, ref: str) -> Reading | None:
    """What every type reads the same way: formulas, TRUE/FALSE, error values."""
    if cell.formula:
        return _err(
            row,
            ref,
            "formula-in-input",
            f"Ô {ref} (chỉ tiêu {row.code}) chứa công thức “={cell.formula}”; hãy nhập số liệu trực tiếp.",
        )
    if cell.kind == "b":
        return _err(
            row,
            ref,
            "boolean-value",
            f"Ô {ref} (chỉ tiêu {row.code}) chứa giá trị {'TRUE' if cell.value else 'FALSE'}; hãy nhập số liệu.",
        )
    if cell.kind == "e":
        return _err(
            row,
            ref,
            "error-value",
            f"Ô {ref} (chỉ tiêu {row.code}) chứa lỗi {cell.value}; hãy nhập số liệu.",
        )
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
                "integer",
                lo,
                hi,
                input_title=_cut(f"Chỉ tiêu {row.code}", 32),
                input_message=_cut(
                    f"Nhập số nguyên{rng}{unit}. Để trống nếu không có số liệu.", 255
                ),
                error_title="Số liệu không hợp lệ",
                error_message=_cut(f"Chỉ tiêu {row.code} phải là số nguyên{rng}.", 255),
            )
        what = "phần trăm (0–100, không nhập dấu %)" if self.name == "percent" else "số"
        rng = _range_text(lo, hi) if self.name != "percent" or (lo, hi) != (0.0, 100.0) else ""
        return Validation(
            "decimal",
            lo,
            hi,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=_cut(f"Nhập {what}{rng}{unit}. Để trống nếu không có số liệu.", 255),
            error_title="Số liệu không hợp lệ",
            error_message=_cut(f"Chỉ tiêu {row.code} phải là {what}{rng}.", 255),
        )

    def _points(self, ref: str) -> str:
        """The value in percent points as Excel sees it (a %-formatted 0.95 is 95)."""
        return f'IF({_fmt_code(ref)}="P",{ref}*100,{ref})' if self.name == "percent" else ref

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        lo, hi = row.bounds()
        code = row.code
        v = self._points(ref)
        out: list[ValueCheck] = list(_required(row, ref))
        # NOTE: every numeric test sits in IF(ISNUMBER(…)): text reaching INT or
        # "*" is #VALUE!, and OR/AND pass errors on (Excel and LibreOffice alike).
        # NOTE: LibreOffice counts TRUE as a number (ISNUMBER), Excel does not: ISLOGICAL says it for both
        out.append(
            ValueCheck(
                "number",
                f'IF(ISERROR({ref}),TRUE,OR(ISLOGICAL({ref}),AND({ref}<>"",NOT(ISNUMBER({ref})))))',
                f"{code}: phải là {self.what}, không nhập chữ.",
                "error",
            )
        )
        out.append(
            ValueCheck(
                "date",
                f'IF(ISNUMBER({ref}),{_fmt_code(ref)}="D",FALSE)',
                f"{code}: ô chứa ngày tháng hoặc giờ, không phải {self.what}.",
                "error",
                f'{_fmt_code(ref)}="D"',
            )
        )
        out.append(
            ValueCheck(
                "magnitude",
                f"IF(ISNUMBER({ref}),ABS({ref})>=1E+15,FALSE)",
                f"{code}: số quá lớn.",
                "error",
                f"ABS({ref})>=1E+15",
            )
        )
        bad = []
        if lo is not None:
            bad.append(f"{v}<{_num(lo)}")
        if hi is not None:
            bad.append(f"{v}>{_num(hi)}")
        if bad:
            cond = bad[0] if len(bad) == 1 else f"OR({','.join(bad)})"
            what = (
                "phần trăm phải từ 0 đến 100"
                if self.name == "percent" and (lo, hi) == (0.0, 100.0)
                else f"phải{_range_text(lo, hi)}"
            )
            out.append(
                ValueCheck(
                    "range", f"IF(ISNUMBER({ref}),{cond},FALSE)", f"{code}: {what}.", "error", cond
                )
            )
        if self.name == "count":
            out.append(
                ValueCheck(
                    "integer",
                    f"IF(ISNUMBER({ref}),{ref}<>INT({ref}),FALSE)",
                    f"{code}: phải là số nguyên.",
                    "error",
                    f"{ref}<>INT({ref})",
                )
            )
        if self.name == "percent":
            out.append(
                ValueCheck(
                    "percent-fraction",
                    f'IF(ISNUMBER({ref}),AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P"),FALSE)',
                    f"{code}: giá trị từ 0 đến 1 — tỷ lệ nhập theo phần trăm (92,5 chứ không phải 0,925); hãy kiểm tra lại.",
                    "warning",
                    f'AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P")',
                )
            )
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
                what = (
                    (f"ngày {when:%d/%m/%Y}" if cell.fmt == "date" else f"giờ {when:%H:%M}")
                    if when
                    else f"ngày tháng ({as_stored(cell.value)})"
                )
                return _err(
                    row,
                    ref,
                    "date-value",
                    f"Ô {ref} (chỉ tiêu {code}) chứa {what}, không phải {self.what}; hãy nhập lại số liệu (gõ “1/4” thành ngày 1 tháng 4).",
                )
            if cell.fmt == "fraction":
                return _err(
                    row,
                    ref,
                    "fraction-value",
                    f"Ô {ref} (chỉ tiêu {code}) được định dạng phân số ({decimal_comma(number)}); hãy nhập lại số liệu dạng số.",
                )
            if cell.fmt == "percent" and self.name == "percent":
                # NOTE: Excel stores "95%" typed in a cell as 0.95 with a % format.
                number = round(number * 100, 10)
                notes.append(
                    issue(
                        "percent-format",
                        f"Ô {ref}: {as_stored(cell.value)} định dạng % được đọc là {decimal_comma(number)} (phần trăm).",
                        indicator=code,
                        cell=ref,
                    )
                )
        else:
            raw = str(cell.value)
            if looks_like_date(raw):
                return _err(
                    row,
                    ref,
                    "date-value",
                    f"Ô {ref} (chỉ tiêu {code}) chứa {shown(raw)}, giống ngày tháng, không phải {self.what}; hãy nhập lại số liệu.",
                )
            parsed = parse_vn_number(raw, self.name)
            if isinstance(parsed, str):
                return _err(row, ref, parsed, _number_message(parsed, row, raw, ref))
            number = parsed
            notes.append(
                issue(
                    "text-number",
                    f"Ô {ref}: {shown(raw)} được nhập dạng chữ, không phải số (đọc là {decimal_comma(number)}); hãy nhập lại dạng số.",
                    indicator=code,
                    cell=ref,
                )
            )
        if math.isnan(number) or math.isinf(number):
            return _err(
                row,
                ref,
                "not-finite",
                f"Ô {ref} (chỉ tiêu {code}): giá trị {as_stored(cell.value)} không phải số hữu hạn.",
            )
        if abs(number) >= MAGNITUDE_MAX:
            return _err(
                row,
                ref,
                "out-of-range",
                f"Ô {ref} (chỉ tiêu {code}): {as_stored(number)} — số quá lớn (từ 10^15 trở lên), không phải số liệu thật.",
            )
        if number < 0:
            return _err(
                row,
                ref,
                "negative",
                f"Ô {ref} (chỉ tiêu {code}): số âm {as_stored(number)} không hợp lệ.",
            )
        # NOTE: whole to Excel's 15 significant digits: 3.0000000001 is not, 2.9999999999999996 is
        if self.name == "count" and abs(number - round(number)) > abs(number) * 1e-15:
            return _err(
                row,
                ref,
                "not-integer",
                f"Ô {ref} (chỉ tiêu {code}): {as_stored(number)} không phải số nguyên.",
            )
        lo, hi = row.bounds()
        if (lo is not None and number < lo - 1e-9) or (hi is not None and number > hi + 1e-9):
            what = (
                "phần trăm phải từ 0 đến 100"
                if self.name == "percent"
                else f"phải trong khoảng {as_stored(lo)}–{as_stored(hi)}"
            )
            return _err(
                row,
                ref,
                "out-of-range",
                f"Ô {ref} (chỉ tiêu {code}): {as_stored(number)} — {what}.",
            )
        if self.name == "percent" and 0 < number < 1 and cell.fmt != "percent":
            notes.append(
                issue(
                    "percent-fraction",
                    f"Ô {ref} (chỉ tiêu {code}): {decimal_comma(number)} — tỷ lệ nhập theo phần trăm; có phải {decimal_comma(round(number * 100, 10))}% không? Hãy kiểm tra lại.",
                    indicator=code,
                    cell=ref,
                )
            )
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
            "list",
            choices=labels,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=_cut("Chọn trong danh sách: " + "; ".join(labels) + ".", 255),
            error_title="Giá trị không có trong danh sách",
            error_message=_cut(
                "Hãy chọn một giá trị trong danh sách: " + "; ".join(labels) + ".", 255
            ),
        )

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        opts = self.options(row)
        labels = ",".join(f"TRIM({ref})<>{excel_string(label)}" for label, _v in opts)
        codes = ",".join(f"{ref}<>{value}" for _l, value in dict.fromkeys(opts))
        cond = f'IF(ISERROR({ref}),TRUE,IF(ISLOGICAL({ref}),TRUE,IF(ISNUMBER({ref}),AND({codes}),IF(ISTEXT({ref}),AND({ref}<>"",{labels}),{ref}<>""))))'
        names = "; ".join(label for label, _v in opts)
        return (
            *_required(row, ref),
            ValueCheck(
                "choice",
                cond,
                f"{row.code}: hãy chọn một giá trị trong danh sách ({names}).",
                "error",
            ),
        )

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
            return _err(
                row,
                ref,
                "invalid-choice",
                f"Ô {ref} (chỉ tiêu {row.code}): “{as_stored(cell.value)}” không có trong danh sách ({names}).",
            )
        raw = str(cell.value)
        key = excel_trim_fold(raw)
        for label, value in opts:
            if key == excel_trim_fold(label):
                return Reading(value)
        return _err(
            row,
            ref,
            "invalid-choice",
            f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không có trong danh sách ({names}).",
        )


class TextType(ValueType):
    """Free text, kept as typed (at most 255 characters without a warning)."""

    name = "text"
    what = "nội dung"

    def validation(self, row: Row) -> Validation:
        return Validation(
            "length",
            0,
            TEXT_MAX,
            input_title=_cut(f"Chỉ tiêu {row.code}", 32),
            input_message=f"Nhập nội dung, tối đa {TEXT_MAX} ký tự.",
            error_title="Nội dung quá dài",
            error_message=f"Tối đa {TEXT_MAX} ký tự.",
        )

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        return (
            *_required(row, ref),
            ValueCheck(
                "length",
                f"LEN({ref})>{TEXT_MAX}",
                f"{row.code}: nội dung dài quá {TEXT_MAX} ký tự.",
                "warning",
            ),
        )

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = _common(row, cell, ref)
        if common is not None:
            return common
        if cell.kind is None or (cell.kind == "s" and str(cell.value) == ""):
            return _blank(row, ref)
        text = str(cell.value) if cell.kind == "s" else as_stored(cell.value)
        if len(text) > TEXT_MAX:
            return Reading(
                text,
                (
                    issue(
                        "text-too-long",
                        f"Ô {ref}: nội dung dài {len(text)} ký tự (tối đa {TEXT_MAX}).",
                        indicator=row.code,
                        cell=ref,
                    ),
                ),
            )
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
