"""Exceptions of cchc-xlsx.

Exceptions are for what must be fixed before anything can run. Problems in the
data of a returned workbook are not exceptions: they are :class:`Issue` values.

    CchcError
     ├── CatalogError(ValueError)    the catalogue file cannot be used (lists every problem)
     ├── UnitsError(ValueError)      the units file cannot be used (lists every problem)
     ├── PeriodError(ValueError)     a period string is not one of the accepted forms
     ├── UsageError(ValueError)      arguments that cannot work together
     └── OutputError(OSError)        an output cannot be written (exists, no permission …)
"""

from __future__ import annotations

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
    """Arguments that cannot work together."""


class OutputError(CchcError, OSError):
    """An output file cannot be written."""
