"""One returned file: the batch's record of it (:class:`FileResult`: path,
status, checksum, what it says it is, what it holds, its issues; mutable while
the batch is settled) and, for an accepted file, the frozen :class:`Return`
that scripts and reports read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.vocabulary import FileKind, FileStatus


@dataclass(frozen=True, slots=True)
class Return:
    """What one accepted return says, frozen: whose it is (``unit``,
    ``unit_name``), which form and period (``level``, ``period``), its figures
    (``values`` by catalogue code: counts and numbers as numbers, ratios in
    percent points, Có/Không as 1/0, choices as their option value) and notes
    (by code), and the issues found in it. ``kind`` is ``template`` for a
    commune's or a department's return, ``consolidated`` for a lower level's
    summed appendix, ``recovered`` for a table recognised without our
    identity sheet."""

    path: str
    unit: str | None
    unit_name: str | None
    level: str | None
    period: str | None
    kind: FileKind | None
    values: Mapping[str, object]
    notes: Mapping[str, str]
    issues: tuple[Issue, ...]


@dataclass(slots=True)
class FileResult:
    """The batch's record of one file: what it is and holds, and what became of it.

    ``path``; ``status``: ``accepted``, ``rejected`` (a problem with the file
    itself: unreadable, not our template, wrong unit, period or level) or
    ``skipped`` (a lock file, a temporary, a copy, the tool's own output);
    ``sha256`` of its bytes; ``issues`` found in it. What it says it is:
    ``kind`` (``template``, ``consolidated`` or ``recovered``), the catalogue
    (``catalog_id``, ``catalog_version``), the form's ``level``, ``unit`` (a
    units-file code, once attributed) and ``unit_name`` as written,
    ``unit_level``, ``period`` (``"2024-Q1"``), ``generated_at`` (ISO 8601).
    What it holds (accepted files): ``values`` by catalogue code (counts and
    numbers as numbers, ratios and percentages in percent points, Có/Không as
    1/0, a choice as its option value, text as text; derived rows included),
    ``notes`` by code, and for a summed appendix its aggregation ``state`` and
    ``source`` (``partial``, ``submitted``, ``expected``). ``edited``: codes of
    rows whose label or unit was changed (their values are left out).
    Scripts read accepted files through the frozen :class:`Return`.
    """

    path: str
    status: FileStatus = "accepted"
    sha256: str | None = None
    issues: list[Issue] = field(default_factory=list)
    kind: FileKind | None = None
    catalog_id: str | None = None
    catalog_version: str | None = None
    level: str | None = None  # the form's level (a catalogue may add levels)
    unit: str | None = None  # unit code (after attribution)
    unit_name: str | None = None  # as written in the file
    unit_level: str | None = None
    period: str | None = None
    generated_at: str | None = None
    mtime: float | None = None
    size: int | None = None
    values: dict[str, object] = field(default_factory=dict)  # inputs (+ derived for the report)
    notes: dict[str, str] = field(default_factory=dict)
    state: dict[str, dict[str, object]] | None = None  # consolidated inputs: aggregation state
    unit_hints: list[str] = field(
        default_factory=list
    )  # recovered tables: texts that may name the unit
    source: dict[str, object] = field(
        default_factory=dict
    )  # consolidated inputs: submitted/expected
    edited: set[str] = field(
        default_factory=set
    )  # rows whose label or unit was edited: values left out

    def reject(self, code: IssueCode, message: str, cell: str | None = None) -> FileResult:
        """Mark the file rejected with an error-level issue (returns the record)."""
        self.status = "rejected"
        self.issues.append(issue(code, message, cell=cell, severity="error"))
        return self

    def skip(self, code: IssueCode, message: str) -> FileResult:
        """Mark the file skipped with an info-level issue (returns the record)."""
        self.status = "skipped"
        self.issues.append(issue(code, message, severity="info"))
        return self

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    def as_json(self) -> dict[str, object]:
        """The file's entry of the JSON report (``path``, ``unit``, ``status``,
        ``sha256``, ``issues``), as DESIGN.md's contract has it."""
        return {
            "path": self.path,
            "unit": self.unit,
            "status": self.status,
            "sha256": self.sha256,
            "issues": [i.as_json() for i in self.issues],
        }

    def as_return(self) -> Return:
        """This file's :class:`Return` (read-only views of its values and notes)."""
        return Return(
            self.path,
            self.unit,
            self.unit_name,
            self.level,
            self.period,
            self.kind,
            MappingProxyType(dict(self.values)),
            MappingProxyType(dict(self.notes)),
            tuple(self.issues),
        )
