"""What the batch knows of one file: its path, status and checksum, what it says it is, what it holds, its issues."""

from __future__ import annotations

from dataclasses import dataclass, field

from cchc_xlsx.issues import Issue, issue


@dataclass(slots=True)
class FileResult:
    """What one returned file is and holds."""

    path: str
    status: str = "accepted"  # accepted | rejected | skipped
    sha256: str | None = None
    issues: list[Issue] = field(default_factory=list)
    kind: str | None = None  # template | consolidated | recovered
    catalog_id: str | None = None
    catalog_version: str | None = None
    level: str | None = None  # the form's level
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

    def reject(self, code: str, message: str, cell: str | None = None) -> FileResult:
        self.status = "rejected"
        self.issues.append(issue(code, message, cell=cell, severity="error"))
        return self

    def skip(self, code: str, message: str) -> FileResult:
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
