"""The number types (count, decimal, percent): typed as numbers, as text in
Vietnamese notation, or formatted as dates, fractions or percentages."""

from __future__ import annotations

import math

from cchc_xlsx.catalog.model import Row
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.semantics.cells import RawCell, Reading, Validation, Value
from cchc_xlsx.semantics.numbers import (
    as_stored,
    decimal_comma,
    looks_like_date,
    parse_vn_number,
    serial_date,
    shown,
)
from cchc_xlsx.semantics.valuetypes.base import (
    MAGNITUDE_MAX,
    ValueCheck,
    ValueType,
    common_reading,
    cut,
    error_reading,
    required_checks,
)


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


def _fmt_code(ref: str) -> str:
    """Excel: the first letter of CELL("format") — ``D`` a date or time, ``P`` a percentage."""
    return f'LEFT(CELL("format",{ref}),1)'


def _number_message(code: IssueCode, row: Row, raw: str, ref: str) -> str:
    if code == IssueCode.AMBIGUOUS_NUMBER:
        return (
            f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không rõ nghĩa (dấu chấm là phân cách hàng nghìn hay dấu thập phân?). "
            "Hãy nhập số không có dấu phân cách hàng nghìn, dùng dấu phẩy cho phần thập phân."
        )
    if code == IssueCode.NEGATIVE:
        return f"Ô {ref} (chỉ tiêu {row.code}): số âm {shown(raw)} không hợp lệ."
    if code == IssueCode.NOT_FINITE:
        return f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không phải số hữu hạn."
    return f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không phải số; hãy nhập số liệu hoặc để trống nếu không có."


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
                input_title=cut(f"Chỉ tiêu {row.code}", 32),
                input_message=cut(
                    f"Nhập số nguyên{rng}{unit}. Để trống nếu không có số liệu.", 255
                ),
                error_title="Số liệu không hợp lệ",
                error_message=cut(f"Chỉ tiêu {row.code} phải là số nguyên{rng}.", 255),
            )
        what = "phần trăm (0–100, không nhập dấu %)" if self.name == "percent" else "số"
        rng = _range_text(lo, hi) if self.name != "percent" or (lo, hi) != (0.0, 100.0) else ""
        return Validation(
            "decimal",
            lo,
            hi,
            input_title=cut(f"Chỉ tiêu {row.code}", 32),
            input_message=cut(f"Nhập {what}{rng}{unit}. Để trống nếu không có số liệu.", 255),
            error_title="Số liệu không hợp lệ",
            error_message=cut(f"Chỉ tiêu {row.code} phải là {what}{rng}.", 255),
        )

    def _points(self, ref: str) -> str:
        """The value in percent points as Excel sees it (a %-formatted 0.95 is 95)."""
        return f'IF({_fmt_code(ref)}="P",{ref}*100,{ref})' if self.name == "percent" else ref

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        lo, hi = row.bounds()
        code = row.code
        v = self._points(ref)
        out: list[ValueCheck] = list(required_checks(row, ref))
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
                    IssueCode.PERCENT_FRACTION,
                    f'IF(ISNUMBER({ref}),AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P"),FALSE)',
                    f"{code}: giá trị từ 0 đến 1 — tỷ lệ nhập theo phần trăm (92,5 chứ không phải 0,925); hãy kiểm tra lại.",
                    "warning",
                    f'AND({ref}>0,{ref}<1,{_fmt_code(ref)}<>"P")',
                )
            )
        return tuple(out)

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = common_reading(row, cell, ref)
        if common is not None:
            return common
        notes: list[Issue] = []
        typed_percent = False
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
                return error_reading(
                    row,
                    ref,
                    IssueCode.DATE_VALUE,
                    f"Ô {ref} (chỉ tiêu {code}) chứa {what}, không phải {self.what}; hãy nhập lại số liệu"
                    + (
                        " (Excel đổi “1/4” thành ngày 1 tháng 4)."
                        if cell.fmt == "date"
                        else " (Excel đổi “3:00” thành giờ)."
                    ),
                )
            if cell.fmt == "fraction":
                return error_reading(
                    row,
                    ref,
                    IssueCode.FRACTION_VALUE,
                    f"Ô {ref} (chỉ tiêu {code}) được định dạng phân số ({decimal_comma(number)}); hãy nhập lại số liệu dạng số.",
                )
            if cell.fmt == "percent" and self.name == "percent":
                # NOTE: Excel stores "95%" typed in a cell as 0.95 with a % format.
                typed, number = number, round(number * 100, 10)
                notes.append(
                    issue(
                        IssueCode.PERCENT_FORMAT,
                        f"Ô {ref}: {decimal_comma(typed)} định dạng % được đọc là {decimal_comma(number)} (phần trăm).",
                        indicator=code,
                        cell=ref,
                    )
                )
        else:
            raw = str(cell.value)
            if looks_like_date(raw):
                return error_reading(
                    row,
                    ref,
                    IssueCode.DATE_VALUE,
                    f"Ô {ref} (chỉ tiêu {code}) chứa {shown(raw)}, giống ngày tháng, không phải {self.what}; hãy nhập lại số liệu.",
                )
            parsed = parse_vn_number(raw, self.name)
            if isinstance(parsed, str):
                return error_reading(row, ref, parsed, _number_message(parsed, row, raw, ref))
            number = parsed
            typed_percent = "%" in raw  # "0,5%": half a percent, said so by its writer
            notes.append(
                issue(
                    IssueCode.TEXT_NUMBER,
                    f"Ô {ref}: {shown(raw)} được nhập dạng chữ, không phải số (đọc là {decimal_comma(number)}); hãy nhập lại dạng số.",
                    indicator=code,
                    cell=ref,
                )
            )
        if math.isnan(number) or math.isinf(number):
            return error_reading(
                row,
                ref,
                IssueCode.NOT_FINITE,
                f"Ô {ref} (chỉ tiêu {code}): giá trị {as_stored(cell.value)} không phải số hữu hạn.",
            )
        if abs(number) >= MAGNITUDE_MAX:
            return error_reading(
                row,
                ref,
                IssueCode.OUT_OF_RANGE,
                f"Ô {ref} (chỉ tiêu {code}): {decimal_comma(number)} — số quá lớn (từ 10^15 trở lên), không phải số liệu thật.",
            )
        if number < 0:
            return error_reading(
                row,
                ref,
                IssueCode.NEGATIVE,
                f"Ô {ref} (chỉ tiêu {code}): số âm {decimal_comma(number)} không hợp lệ.",
            )
        # NOTE: whole to Excel's 15 significant digits: 3.0000000001 is not, 2.9999999999999996 is
        if self.name == "count" and abs(number - round(number)) > abs(number) * 1e-15:
            return error_reading(
                row,
                ref,
                IssueCode.NOT_INTEGER,
                f"Ô {ref} (chỉ tiêu {code}): {decimal_comma(number)} không phải số nguyên.",
            )
        lo, hi = row.bounds()
        if (lo is not None and number < lo - 1e-9) or (hi is not None and number > hi + 1e-9):
            what = (
                "phần trăm phải từ 0 đến 100"
                if self.name == "percent"
                else f"phải không nhỏ hơn {decimal_comma(lo)}"
                if hi is None and lo is not None
                else f"phải không lớn hơn {decimal_comma(hi)}"
                if lo is None and hi is not None
                else f"phải trong khoảng {decimal_comma(lo or 0)}–{decimal_comma(hi or 0)}"
            )
            return error_reading(
                row,
                ref,
                IssueCode.OUT_OF_RANGE,
                f"Ô {ref} (chỉ tiêu {code}): {decimal_comma(number)} — {what}.",
            )
        if (
            self.name == "percent"
            and 0 < number < 1
            and cell.fmt != "percent"
            and not typed_percent
        ):
            notes.append(
                issue(
                    IssueCode.PERCENT_FRACTION,
                    f"Ô {ref} (chỉ tiêu {code}): {decimal_comma(number)} — tỷ lệ nhập theo phần trăm; có phải {decimal_comma(round(number * 100, 10))}% không? Hãy kiểm tra lại.",
                    indicator=code,
                    cell=ref,
                )
            )
        value: Value = int(round(number)) if self.name == "count" else number
        return Reading(value, tuple(notes))
