"""Problems in the data are data: one :class:`Issue` type and one enum of stable codes.

Every code is an :class:`IssueCode` member carrying its default severity and a
short Vietnamese title (frictionless' error types, pandera's reason codes);
``docs/issues.md`` is generated from it (``python -m cchc_xlsx.issues``) and a
test checks that it is current. Codes are stable: scripts rely on them.
"""

from __future__ import annotations

import sys
from dataclasses import asdict, dataclass
from enum import Enum

from cchc_xlsx.vocabulary import Severity


class IssueCode(str, Enum):
    """A stable issue code (its value, ``"text-number"``), with its default ``severity`` and ``title``."""

    severity: Severity
    title: str  # type: ignore[assignment]  # NOTE: shadows str.title, on purpose: frictionless' word

    def __new__(cls, code: str, severity: Severity, title: str) -> IssueCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.title = title
        return member

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    # the file itself (status rejected)
    EMPTY_FILE = ("empty-file", "error", "tệp rỗng")
    FILE_TOO_LARGE = ("file-too-large", "error", "tệp quá lớn")
    NOT_XLSX = ("not-xlsx", "error", "không phải tệp Excel")
    CORRUPT_ZIP = ("corrupt-zip", "error", "tệp hỏng hoặc không đầy đủ")
    XLS_FORMAT = ("xls-format", "error", "định dạng .xls cũ")
    XLSB_FORMAT = ("xlsb-format", "error", "định dạng .xlsb")
    ODS_FORMAT = ("ods-format", "error", "định dạng .ods")
    ENCRYPTED = ("encrypted", "error", "tệp có mật khẩu mở")
    MACRO = ("macro", "error", "tệp chứa macro")
    STRICT_OOXML = ("strict-ooxml", "error", "định dạng Strict Open XML")
    XML_DTD = ("xml-dtd", "error", "XML có DTD hoặc thực thể")
    XML_INVALID = ("xml-invalid", "error", "XML không hợp lệ")
    ZIP_BOMB = ("zip-bomb", "error", "tệp nén bất thường")
    DUPLICATE_ENTRY = ("duplicate-entry", "error", "tệp nén có mục trùng tên")
    FILE_CHANGED = ("file-changed", "error", "tệp thay đổi trong khi đọc")
    UNREADABLE = ("unreadable", "error", "không đọc được tệp")
    PARSE_TIMEOUT = ("parse-timeout", "error", "đọc tệp quá lâu")
    PARSE_CRASH = ("parse-crash", "error", "tệp làm trình đọc dừng bất thường")
    NOT_OUR_TEMPLATE = ("not-our-template", "error", "không phải biểu mẫu của hệ thống")
    LAYOUT_CHANGED = ("layout-changed", "error", "cấu trúc biểu đã bị thay đổi")
    CATALOG_VERSION = ("catalog-version", "error", "biểu của danh mục/phiên bản khác")
    WRONG_PERIOD = ("wrong-period", "error", "sai kỳ báo cáo")
    WRONG_LEVEL = ("wrong-level", "error", "sai cấp")
    UNIT_UNKNOWN = ("unit-unknown", "error", "không xác định được đơn vị")
    UNIT_UNEXPECTED = ("unit-unexpected", "error", "đơn vị không thuộc phạm vi tổng hợp")

    # skipped files
    LOCK_FILE = ("lock-file", "info", "tệp khóa của Excel")
    TEMP_FILE = ("temp-file", "info", "tệp tạm")
    OWN_OUTPUT = ("own-output", "info", "tệp do công cụ này tạo ra")
    DUPLICATE_FILE = ("duplicate-file", "info", "bản sao giống hệt một tệp đã đọc")
    SYMLINK = ("symlink", "info", "liên kết tượng trưng (không theo)")
    NOT_FOUND = ("not-found", "error", "không tìm thấy")

    # the workbook was edited (file accepted)
    METADATA_MISSING = ("metadata-missing", "warning", "mất trang thông tin nhận dạng")
    PROTECTION_REMOVED = ("protection-removed", "warning", "đã gỡ khóa trang tính")
    LABEL_CHANGED = (
        "label-changed",
        "error",
        "nhãn chỉ tiêu bị sửa (số liệu của dòng không được dùng)",
    )
    UNIT_LABEL_CHANGED = (
        "unit-label-changed",
        "error",
        "đơn vị tính bị sửa (số liệu của dòng không được dùng)",
    )
    FORMULA_REPLACED = ("formula-replaced", "error", "công thức bị thay bằng số")
    CELL_OUT_OF_BOUNDS = ("cell-out-of-bounds", "warning", "dữ liệu ngoài vùng biểu")
    PARTIAL_SOURCE = ("partial-source", "warning", "biểu tổng hợp chưa đầy đủ")
    SOURCE_ERRORS = ("source-errors", "warning", "biểu tổng hợp cộng cả giá trị có lỗi")
    SOURCE_ROW_ERRORS = (
        "source-row-errors",
        "error",
        "tổng của cấp dưới gồm giá trị có lỗi",
    )
    SUMMARY_EDITED = (
        "summary-edited",
        "error",
        "ô đơn vị trong biểu tổng hợp đã bị sửa tay",
    )
    WEIGHT_MISSING = ("weight-missing", "error", "thiếu trọng số của trung bình có trọng số")
    RATIO_PART_MISSING = ("ratio-part-missing", "error", "tỷ lệ có tử số nhưng thiếu mẫu số")

    # values
    TEXT_NUMBER = ("text-number", "error", "số nhập dạng chữ")
    DATE_VALUE = ("date-value", "error", "ngày tháng trong ô số liệu")
    FRACTION_VALUE = ("fraction-value", "error", "phân số trong ô số liệu")
    PERCENT_FRACTION = (
        "percent-fraction",
        "warning",
        "tỷ lệ nhập dạng thập phân (0–1) thay vì phần trăm",
    )
    OUTLIER = ("outlier", "warning", "số liệu khác xa các đơn vị khác")
    PERCENT_FORMAT = ("percent-format", "info", "phần trăm nhập kèm dấu %")
    NOT_A_NUMBER = ("not-a-number", "error", "không phải số")
    AMBIGUOUS_NUMBER = ("ambiguous-number", "error", "số không rõ nghĩa")
    NEGATIVE = ("negative", "error", "số âm")
    NOT_INTEGER = ("not-integer", "error", "không phải số nguyên")
    OUT_OF_RANGE = ("out-of-range", "error", "ngoài khoảng cho phép")
    NOT_FINITE = ("not-finite", "error", "giá trị vô hạn")
    BOOLEAN_VALUE = ("boolean-value", "error", "giá trị TRUE/FALSE")
    ERROR_VALUE = ("error-value", "error", "giá trị lỗi của Excel")
    FORMULA_IN_INPUT = ("formula-in-input", "error", "ô nhập chứa công thức")
    INVALID_CHOICE = ("invalid-choice", "error", "giá trị không có trong danh sách")
    TEXT_TOO_LONG = ("text-too-long", "warning", "nội dung quá dài")
    REQUIRED_BLANK = ("required-blank", "warning", "chỉ tiêu bắt buộc bị bỏ trống")
    EMPTY_FORM = ("empty-form", "warning", "biểu không có số liệu nào")
    RULE = ("rule", "error", "vi phạm quy tắc kiểm tra")

    # consolidation
    UNIT_MISSING = ("unit-missing", "error", "đơn vị chưa nộp")
    UNIT_CONFLICT = ("unit-conflict", "error", "đơn vị nộp nhiều tệp khác nhau")
    CONFLICT_RESOLVED = ("conflict-resolved", "info", "chọn tệp mới nhất")

    # the history store (resubmissions)
    SUPERSEDED = ("superseded", "info", "đã có bản nộp mới hơn")
    RESUBMITTED = ("resubmitted", "info", "bản nộp lại")
    NEWER_VERSION_RECORDED = (
        "newer-version-recorded",
        "warning",
        "kho lưu có bản nộp mới hơn bản đang cộng",
    )
    # across periods (the history store)
    PERIOD_INCOMPLETE = ("period-incomplete", "warning", "thiếu số liệu của một kỳ")
    CUMULATIVE_MISMATCH = (
        "cumulative-mismatch",
        "warning",
        "báo cáo lũy kế khác tổng các quý",
    )
    COPIED_FORWARD = ("copied-forward", "warning", "số liệu giống hệt kỳ trước")
    CUMULATIVE_DECREASED = ("cumulative-decreased", "warning", "số lũy kế giảm so với kỳ trước")
    JUMP = ("jump", "warning", "số liệu tăng hoặc giảm đột biến so với các kỳ trước")


_BY_VALUE: dict[str, IssueCode] = {c.value: c for c in IssueCode}
#: code → (default severity, title), for scripts that read the JSON report
CODES: dict[str, tuple[str, str]] = {c.value: (c.severity, c.title) for c in IssueCode}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, named by code, severity, indicator (a catalogue code), cell
    (``D12``, or ``'Biểu mẫu 3'!D12``) and a Vietnamese message; ``rule`` is the
    catalogue rule's id for a broken rule."""

    severity: Severity
    code: IssueCode
    message: str
    indicator: str | None = None
    cell: str | None = None
    rule: str | None = None

    def as_json(self) -> dict[str, object]:
        """The issue as the JSON report writes it (``rule`` only for a broken rule)."""
        d = asdict(self)
        d["code"] = str(self.code)
        if d["rule"] is None:
            del d["rule"]
        return d


def issue(
    code: IssueCode,
    message: str,
    *,
    indicator: str | None = None,
    cell: str | None = None,
    severity: Severity | None = None,
    rule: str | None = None,
) -> Issue:
    """An issue with the code's default severity unless ``severity`` is given.

    Raises ValueError for a code that is not an :class:`IssueCode`."""
    c = code if isinstance(code, IssueCode) else _BY_VALUE.get(code)
    if c is None:
        raise ValueError(f"unknown issue code {code!r}")
    return Issue(severity or c.severity, c, message, indicator, cell, rule)


def markdown() -> str:
    """``docs/issues.md``: every code with its severity and title, generated from :class:`IssueCode`."""
    names = {"error": "lỗi", "warning": "cảnh báo", "info": "thông tin"}
    lines = [
        "# Issue codes",
        "",
        "Every problem the reader and the consolidator report has one of these stable",
        "codes (the JSON report's `code`, the Kiểm tra sheet's Mã column). Generated",
        "from `cchc_xlsx.issues.IssueCode` by `python -m cchc_xlsx.issues > docs/issues.md`;",
        "a test checks that this file is current. A `rule` issue's severity is the",
        "catalogue rule's own.",
        "",
        "| code | default severity | title |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{c.value}` | {c.severity} ({names[c.severity]}) | {c.title} |" for c in IssueCode
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - the generator of docs/issues.md
    sys.stdout.write(markdown())
