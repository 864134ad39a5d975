"""What the reader works with: its limits, the namespaces it knows, the error
it raises for a file that is not a usable workbook, and a sheet's cells as read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from cchc_xlsx.issues import IssueCode
from cchc_xlsx.semantics.cells import RawCell

MAX_ENTRIES = 2000
MAX_ENTRY_SIZE = 64 * 1024 * 1024
MAX_TOTAL_SIZE = 256 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, for entries over 1 MiB
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STRICT_NS = "http://purl.oclc.org/ooxml/spreadsheetml/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
STRICT_REL_NS = "http://purl.oclc.org/ooxml/officeDocument/relationships"


class XlsxError(Exception):
    """The file cannot be read as a workbook; ``code`` is an issue code."""

    def __init__(self, code: IssueCode, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class SheetInfo:
    name: str
    state: str
    path: str


@dataclass
class SheetData:
    cells: dict[tuple[int, int], RawCell] = field(default_factory=dict)
    protected: bool = False
    outside: list[str] = field(default_factory=list)  # first few references outside the bounds
    outside_count: int = 0


class SharedStrings(Protocol):
    """What reading a sheet needs of its package: the shared strings, parsed on first use."""

    @property
    def shared_strings(self) -> list[str]: ...
