"""Reading one input cell's value the way a commune official meant it.

Numbers typed as text in Vietnamese notation are read when the reading is
unambiguous for the row's type (``1.594`` in a count row is 1594, ``47,37`` in a
percent row is 47.37, ``1.234,5`` in a money row is 1234.5) and reported with a
warning that shows the raw text. Anything else that is not a clean value is an
error naming the raw value; the value is then left out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import NamedTuple

from .catalog import Row
from .issues import Issue, issue
from .units import fold

Value = float | int | str | None

_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u200b\ufeff\t\r\n"), " ")
_YES = {"co", "x", "1"}
_NO = {"khong", "0"}


class RawCell(NamedTuple):
    """What the workbook holds in a cell, before interpretation (a tuple: made by the thousand).

    ``kind``: ``n`` number, ``s`` string, ``b`` boolean, ``e`` error, ``None`` empty.
    ``style``: the cell's style index, from which the reader learns ``percent_format``.
    """

    kind: str | None
    value: str | float | bool | None
    formula: str | None = None
    percent_format: bool = False
    style: int | None = None


EMPTY = RawCell(None, None)


@dataclass(frozen=True)
class Reading:
    value: Value
    issues: tuple[Issue, ...] = ()


def read_value(row: Row, cell: RawCell, ref: str) -> Reading:
    """Interpret ``cell`` as a value of ``row`` (``ref`` names the cell in messages)."""

    def err(code: str, msg: str) -> Reading:
        return Reading(None, (issue(code, msg, indicator=row.code, cell=ref),))

    if cell.formula:
        return err("formula-in-input", f"Ô {ref} (chỉ tiêu {row.code}) chứa công thức “={cell.formula}”; hãy nhập số liệu trực tiếp.")
    if cell.kind is None or (cell.kind == "s" and str(cell.value).translate(_SPACES).strip() == ""):
        if row.required:
            return Reading(None, (issue("required-blank", f"Chỉ tiêu {row.code} bắt buộc nhưng ô {ref} để trống.", indicator=row.code, cell=ref),))
        return Reading(None)
    if cell.kind == "b":
        return err("boolean-value", f"Ô {ref} (chỉ tiêu {row.code}) chứa giá trị {'TRUE' if cell.value else 'FALSE'}; hãy nhập số liệu.")
    if cell.kind == "e":
        return err("error-value", f"Ô {ref} (chỉ tiêu {row.code}) chứa lỗi {cell.value}; hãy nhập số liệu.")

    if row.type == "text":
        text = str(cell.value) if cell.kind == "s" else _fmt(cell.value)
        if len(text) > 255:
            return Reading(text, (issue("text-too-long", f"Ô {ref}: nội dung dài {len(text)} ký tự (tối đa 255).", indicator=row.code, cell=ref),))
        return Reading(text)
    if row.type in ("boolean", "choice"):
        return _read_coded(row, cell, ref)

    # numbers
    notes: list[Issue] = []
    if cell.kind == "n":
        number = float(cell.value)  # type: ignore[arg-type]
        if cell.percent_format and row.type == "percent":
            # NOTE: Excel stores "95%" typed in a cell as 0.95 with a % format.
            number = round(number * 100, 10)
            notes.append(issue("percent-format", f"Ô {ref}: {_fmt(cell.value)} định dạng % được đọc là {_vn(number)} (phần trăm).", indicator=row.code, cell=ref))
    else:
        raw = str(cell.value)
        parsed = parse_vn_number(raw, row.type)
        if isinstance(parsed, str):
            return err(parsed, _number_message(parsed, row, raw, ref))
        number = parsed
        notes.append(issue("text-number", f"Ô {ref}: “{raw}” được nhập dạng chữ, đọc là {_vn(number)}.", indicator=row.code, cell=ref))
    if math.isnan(number) or math.isinf(number):
        return err("not-finite", f"Ô {ref} (chỉ tiêu {row.code}): giá trị {_fmt(cell.value)} không phải số hữu hạn.")
    if number < 0:
        return err("negative", f"Ô {ref} (chỉ tiêu {row.code}): số âm {_fmt(number)} không hợp lệ.")
    if row.type == "count" and abs(number - round(number)) > 1e-9:
        return err("not-integer", f"Ô {ref} (chỉ tiêu {row.code}): {_fmt(number)} không phải số nguyên.")
    lo, hi = row.bounds()
    if (lo is not None and number < lo - 1e-9) or (hi is not None and number > hi + 1e-9):
        what = "phần trăm phải từ 0 đến 100" if row.type == "percent" else f"phải trong khoảng {_fmt(lo)}–{_fmt(hi)}"
        return err("out-of-range", f"Ô {ref} (chỉ tiêu {row.code}): {_fmt(number)} — {what}.")
    value: Value = int(round(number)) if row.type == "count" else number
    return Reading(value, tuple(notes))


def _read_coded(row: Row, cell: RawCell, ref: str) -> Reading:
    labels = ("Có", "Không") if row.type == "boolean" else tuple(o.label for o in row.options)
    if cell.kind == "n":
        number = float(cell.value)  # type: ignore[arg-type]
        if number.is_integer():
            code = int(number)
            if row.type == "boolean" and code in (0, 1):
                return Reading(code)
            if row.type == "choice" and row.option_by_value(code):
                return Reading(code)
        return Reading(None, (issue("invalid-choice", f"Ô {ref} (chỉ tiêu {row.code}): “{_fmt(cell.value)}” không có trong danh sách ({'; '.join(labels)}).", indicator=row.code, cell=ref),))
    key = fold(str(cell.value).translate(_SPACES))
    if row.type == "boolean":
        if key in _YES:
            return Reading(1)
        if key in _NO:
            return Reading(0)
    else:
        for opt in row.options:
            if key in (fold(opt.label), str(opt.value)):
                return Reading(opt.value)
    return Reading(None, (issue("invalid-choice", f"Ô {ref} (chỉ tiêu {row.code}): “{cell.value}” không có trong danh sách ({'; '.join(labels)}).", indicator=row.code, cell=ref),))


_INT = re.compile(r"^\d+$")
_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")  # 1.594 / 1.594.000
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+$")  # 1 594
_SPACE_FULL = re.compile(r"^\d{1,3}( \d{3})+,\d+$")  # 1 234,5
_VN_DECIMAL = re.compile(r"^\d+,\d+$")  # 47,37
_VN_FULL = re.compile(r"^\d{1,3}(\.\d{3})+,\d+$")  # 1.234,5
_DOT_DECIMAL = re.compile(r"^\d+\.(\d{1,2}|\d{4,})$")  # 47.37 (a dot not followed by exactly 3 digits)
_WORDS = re.compile(r"[^\d\s.,%+-]")


def parse_vn_number(text: str, row_type: str) -> float | str:
    """Read a number typed as text; return the number, or an issue code when it cannot be read.

    ``row_type`` decides what is unambiguous: a dot followed by three digits is a
    thousands separator in a count row, but ambiguous in a money or percent row.
    """
    s = text.translate(_SPACES).strip()
    s = " ".join(s.split())
    if not s:
        return "not-a-number"
    low = fold(s)
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
            f"Ô {ref} (chỉ tiêu {row.code}): “{raw}” không rõ nghĩa (dấu chấm là phân cách hàng nghìn hay dấu thập phân?). "
            "Hãy nhập số không có dấu phân cách hàng nghìn, dùng dấu phẩy cho phần thập phân."
        )
    if code == "negative":
        return f"Ô {ref} (chỉ tiêu {row.code}): số âm “{raw}” không hợp lệ."
    if code == "not-finite":
        return f"Ô {ref} (chỉ tiêu {row.code}): “{raw}” không phải số hữu hạn."
    return f"Ô {ref} (chỉ tiêu {row.code}): “{raw}” không phải số; hãy nhập số liệu hoặc để trống nếu không có."


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
