"""Exceptions of cchc-xlsx.

Exceptions are for what must be fixed before anything can run. Problems in the
data of a returned workbook are not exceptions: they are :class:`Issue` values.

    CchcError
     ├── CatalogError(ValueError)    the catalogue file cannot be used (lists every problem)
     ├── UnitsError(ValueError)      the units file cannot be used (lists every problem)
     ├── PeriodError(ValueError)     a period string is not one of the accepted forms
     ├── UsageError(ValueError)      arguments that cannot work (``option`` names the one at fault)
     ├── StoreError                  the history store cannot be used (locked, newer, not a store)
     ├── TemplateError(ValueError)   a report template's tag is broken or unknown (named)
     └── OutputError(OSError)        an output cannot be written (no permission, a folder …)
          └── OutputExistsError      an output exists and overwriting was not asked for
"""

from __future__ import annotations

import errno
from dataclasses import dataclass


class CchcError(Exception):
    """Base class of every error raised by cchc-xlsx."""


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file (catalogue, units file)."""

    path: str
    line: int | None
    code: str | None
    message: str

    def __str__(self) -> str:
        where = self.path
        if self.line is not None:
            where += f", dòng {self.line}"
        if self.code:
            where += f" (mã {self.code})"
        return f"{where}: {self.message}"


class _ProblemListError(CchcError, ValueError):
    title = "Có lỗi"

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [f"{self.title} ({len(self.problems)} lỗi):"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)


class CatalogError(_ProblemListError):
    """The catalogue has problems; ``problems`` lists every one of them."""

    title = "Danh mục chỉ tiêu có lỗi"


class UnitsError(_ProblemListError):
    """The units file has problems; ``problems`` lists every one of them."""

    title = "Danh sách đơn vị có lỗi"


class PeriodError(CchcError, ValueError):
    """A period string is not one of the accepted forms."""


class UsageError(CchcError, ValueError):
    """Arguments that cannot work: a path that does not exist, a unit that is not
    in the units file, levels that do not fit together …

    ``option`` names the argument at fault (``"unit"``, ``"paths"``, ``"out"`` …)
    so that a front end can point at its own spelling of it; None when several are.
    """

    def __init__(self, message: str, option: str | None = None):
        super().__init__(message)
        self.option = option


class StoreError(CchcError):
    """The history store cannot be used: another process holds it past the wait,
    it was written by a newer cchc-xlsx, it is not a store, or the disk failed.
    Nothing was recorded by the call that raised it."""


class TemplateError(CchcError, ValueError):
    """A report template (.docx) cannot be used: a tag broken by editing (split
    over two paragraphs, a brace lost), a tag naming nothing the report has, or
    a file that is not a Word document. The message names the tag."""


class OutputError(CchcError, OSError):
    """An output file cannot be written (no permission, a folder in the way …)."""


class OutputExistsError(OutputError):
    """An output file exists and overwriting was not asked for; ``paths`` lists them."""

    def __init__(self, message: str, paths: list[str]):
        super().__init__(message)
        self.paths = list(paths)


# errno → what it means for the person at the keyboard (the English text follows in brackets)
_ERRNO_TEXT = {
    errno.ENOENT: "không tìm thấy tệp hoặc thư mục",
    errno.EACCES: "không có quyền đọc/ghi (hãy kiểm tra quyền của tệp hoặc thư mục, hoặc đóng tệp nếu đang mở trong Excel)",
    errno.EPERM: "thao tác không được phép (hãy kiểm tra quyền của tệp hoặc thư mục)",
    errno.EISDIR: "đây là một thư mục, không phải tệp",
    errno.ENOTDIR: "một phần của đường dẫn không phải thư mục",
    errno.ENOSPC: "đĩa đã hết chỗ trống",
    errno.EROFS: "ổ đĩa chỉ cho phép đọc",
    errno.EEXIST: "tệp đã có",
    errno.ENAMETOOLONG: "tên tệp hoặc đường dẫn quá dài",
    errno.EMFILE: "mở quá nhiều tệp cùng lúc",
    errno.EBUSY: "tệp đang được chương trình khác dùng",
    errno.EIO: "lỗi đọc/ghi của thiết bị",
    errno.EINVAL: "tên tệp hoặc tham số không hợp lệ",
    errno.EXDEV: "không chuyển được tệp giữa hai ổ đĩa",
    errno.EDQUOT: "đã hết hạn mức dung lượng đĩa",
}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Vietnamese, the system's own text in brackets:
    ``không có quyền đọc/ghi (…) [Permission denied]``."""
    vn = _ERRNO_TEXT.get(exc.errno or -1)
    detail = exc.strerror or str(exc) or type(exc).__name__
    return f"{vn} [{detail}]" if vn else f"lỗi hệ thống [{detail}]"
