"""Problems in the data are data: one :class:`Issue` type and one table of stable codes."""

from __future__ import annotations

from dataclasses import asdict, dataclass

ERROR, WARNING, INFO = "error", "warning", "info"

# code → (default severity, short Vietnamese title). Codes are stable: scripts rely on them.
CODES: dict[str, tuple[str, str]] = {
    # the file itself (status rejected)
    "empty-file": (ERROR, "tệp rỗng"),
    "file-too-large": (ERROR, "tệp quá lớn"),
    "not-xlsx": (ERROR, "không phải tệp Excel"),
    "corrupt-zip": (ERROR, "tệp hỏng hoặc không đầy đủ"),
    "xls-format": (ERROR, "định dạng .xls cũ"),
    "xlsb-format": (ERROR, "định dạng .xlsb"),
    "ods-format": (ERROR, "định dạng .ods"),
    "encrypted": (ERROR, "tệp có mật khẩu mở"),
    "macro": (ERROR, "tệp chứa macro"),
    "strict-ooxml": (ERROR, "định dạng Strict Open XML"),
    "xml-dtd": (ERROR, "XML có DTD hoặc thực thể"),
    "xml-invalid": (ERROR, "XML không hợp lệ"),
    "zip-bomb": (ERROR, "tệp nén bất thường"),
    "duplicate-entry": (ERROR, "tệp nén có mục trùng tên"),
    "file-changed": (ERROR, "tệp thay đổi trong khi đọc"),
    "unreadable": (ERROR, "không đọc được tệp"),
    "parse-timeout": (ERROR, "đọc tệp quá lâu"),
    "parse-crash": (ERROR, "tệp làm trình đọc dừng bất thường"),
    "not-our-template": (ERROR, "không phải biểu mẫu của hệ thống"),
    "layout-changed": (ERROR, "cấu trúc biểu đã bị thay đổi"),
    "catalog-version": (ERROR, "biểu của danh mục/phiên bản khác"),
    "wrong-period": (ERROR, "sai kỳ báo cáo"),
    "wrong-level": (ERROR, "sai cấp"),
    "unit-unknown": (ERROR, "không xác định được đơn vị"),
    "unit-unexpected": (ERROR, "đơn vị không thuộc phạm vi tổng hợp"),
    # skipped files
    "lock-file": (INFO, "tệp khóa của Excel"),
    "temp-file": (INFO, "tệp tạm"),
    "own-output": (INFO, "tệp do công cụ này tạo ra"),
    "duplicate-file": (INFO, "bản sao giống hệt một tệp đã đọc"),
    "symlink": (INFO, "liên kết tượng trưng (không theo)"),
    "not-found": (ERROR, "không tìm thấy"),
    # the workbook was edited (file accepted)
    "metadata-missing": (WARNING, "mất trang thông tin nhận dạng"),
    "protection-removed": (WARNING, "đã gỡ khóa trang tính"),
    "label-changed": (ERROR, "nhãn chỉ tiêu bị sửa (số liệu của dòng không được dùng)"),
    "unit-label-changed": (ERROR, "đơn vị tính bị sửa (số liệu của dòng không được dùng)"),
    "formula-replaced": (ERROR, "công thức bị thay bằng số"),
    "cell-out-of-bounds": (WARNING, "dữ liệu ngoài vùng biểu"),
    "partial-source": (WARNING, "biểu tổng hợp chưa đầy đủ"),
    "source-errors": (WARNING, "biểu tổng hợp cộng cả giá trị có lỗi"),
    # values
    "text-number": (ERROR, "số nhập dạng chữ"),
    "date-value": (ERROR, "ngày tháng trong ô số liệu"),
    "fraction-value": (ERROR, "phân số trong ô số liệu"),
    "percent-fraction": (WARNING, "tỷ lệ nhập dạng thập phân (0–1) thay vì phần trăm"),
    "outlier": (WARNING, "số liệu khác xa các đơn vị khác"),
    "percent-format": (INFO, "phần trăm nhập kèm dấu %"),
    "not-a-number": (ERROR, "không phải số"),
    "ambiguous-number": (ERROR, "số không rõ nghĩa"),
    "negative": (ERROR, "số âm"),
    "not-integer": (ERROR, "không phải số nguyên"),
    "out-of-range": (ERROR, "ngoài khoảng cho phép"),
    "not-finite": (ERROR, "giá trị vô hạn"),
    "boolean-value": (ERROR, "giá trị TRUE/FALSE"),
    "error-value": (ERROR, "giá trị lỗi của Excel"),
    "formula-in-input": (ERROR, "ô nhập chứa công thức"),
    "invalid-choice": (ERROR, "giá trị không có trong danh sách"),
    "text-too-long": (WARNING, "nội dung quá dài"),
    "required-blank": (WARNING, "chỉ tiêu bắt buộc bị bỏ trống"),
    "empty-form": (WARNING, "biểu không có số liệu nào"),
    "rule": (ERROR, "vi phạm quy tắc kiểm tra"),
    # consolidation
    "unit-missing": (ERROR, "đơn vị chưa nộp"),
    "unit-conflict": (ERROR, "đơn vị nộp nhiều tệp khác nhau"),
    "conflict-resolved": (INFO, "chọn tệp mới nhất"),
}


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem, named by code, severity, indicator, cell and a Vietnamese message."""

    severity: str
    code: str
    message: str
    indicator: str | None = None
    cell: str | None = None
    rule: str | None = None

    def as_json(self) -> dict[str, object]:
        d = asdict(self)
        if d["rule"] is None:
            del d["rule"]
        return d


def issue(code: str, message: str, *, indicator: str | None = None, cell: str | None = None, severity: str | None = None, rule: str | None = None) -> Issue:
    """An issue with the code's default severity unless ``severity`` is given."""
    sev = severity or CODES[code][0]
    return Issue(sev, code, message, indicator, cell, rule)
