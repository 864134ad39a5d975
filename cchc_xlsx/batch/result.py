"""What the office expects of a batch, and what reading it found."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xlsx.batch.store import FileStore
from cchc_xlsx.issues import Issue
from cchc_xlsx.read.record import FileResult, Return
from cchc_xlsx.units import Units
from cchc_xlsx.vocabulary import FileStatus


@dataclass(frozen=True, slots=True)
class Settlement:
    """A decision about one file of the batch, made after it was read: an issue
    to add and, for a file set aside, its new status (``skipped``)."""

    file: int  # the file's id in the batch's FileStore
    issue: Issue
    status: FileStatus | None = None


@dataclass
class Expectation:
    """What the office expects: the level of the units whose returns are added,
    the period, the units file and the consolidating unit."""

    level: str | None = None
    period: str | None = None
    units: Units | None = None
    unit: str | None = None
    outputs: tuple[
        Path, ...
    ] = ()  # this run's outputs: skipped with a note when found among the inputs
    scratch: tuple[Path, ...] = ()  # this run's temporaries: not looked at, not listed
    mixed_periods: bool = False  # returns of several periods (a series): none is wrong

    def expected_units(self) -> list[str] | None:
        if self.units is None or self.level is None:
            return None
        if self.unit:
            return [u.code for u in self.units.descendants(self.unit, self.level)]
        return [u.code for u in self.units.at_level(self.level)]


@dataclass
class CheckResult:
    """What reading and checking a batch of returned files found (:func:`cchc_xlsx.check`).

    ``files``: every path looked at, each a :class:`FileResult` with its status
    (``accepted``, ``rejected`` or ``skipped``), unit, period, values and
    issues, in path order; a sequence kept on disk (iterate it, index it, take
    its ``len``), so a batch of ten thousand files does not fill memory. A list
    given here is copied into one. :meth:`returns` gives the accepted files as
    frozen :class:`~cchc_xlsx.read.record.Return` records.
    ``level``: the level of the units whose returns were read (given, or the
    commonest of the accepted files); ``form_level``: the level of the form
    they filled in; ``period``: the period code (``"2024-Q1"``); ``expected``:
    the codes of the units expected to send a return (``None`` without a
    units file).
    """

    files: FileStore = field(default_factory=FileStore)
    level: str | None = None  # level of the units (inferred when not given)
    form_level: str | None = None
    period: str | None = None
    expected: list[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.files, FileStore):
            self.files = FileStore(self.files)

    @property
    def accepted(self) -> list[FileResult]:
        """The accepted files, with their values."""
        return list(self.files.iter(status="accepted", values=True))

    def returns(self) -> Iterator[Return]:
        """The accepted files' :class:`~cchc_xlsx.read.record.Return` records, in
        the batch's order, read from the batch's store one at a time."""
        for f in self.files.iter(status="accepted", values=True):
            yield f.as_return()

    @property
    def counts(self) -> dict[str, int]:
        """Number of files per status: ``{"accepted": 19, "rejected": 1, "skipped": 3}``."""
        statuses = self.files.statuses()
        return {s: int(statuses.get(s, 0)) for s in ("accepted", "rejected", "skipped")}

    @property
    def missing_units(self) -> list[str]:
        """Codes of the expected units with no accepted file (not sent, or every file rejected)."""
        if self.expected is None:
            return []
        seen = {f.unit for f in self.files.iter(status="accepted")}
        return [u for u in self.expected if u not in seen]

    @property
    def conflicting_units(self) -> list[str]:
        """Codes of the units with more than one accepted, different file."""
        return self.files.units_with_several()

    @property
    def exit_code(self) -> int:
        """``0`` when every file was accepted with no error-level issue and no
        expected unit is missing or conflicting; else ``1`` (the CLI's exit code)."""
        bad = self.files.any_bad() or bool(self.missing_units) or bool(self.conflicting_units)
        return 1 if bad else 0

    def as_json(
        self, totals: dict[str, object] | None = None, *, files: bool = True
    ) -> dict[str, Any]:
        """The JSON report of the contract (``level``, ``period``, ``files``,
        ``missing_units``, ``conflicting_units``; ``totals`` when given) as a dict;
        ``files=False`` leaves the list of files empty (the streaming writer fills it)."""
        out: dict[str, Any] = {
            "level": self.level,
            "period": self.period,
            "files": [f.as_json() for f in self.files.iter()] if files else [],
            "missing_units": self.missing_units,
            "conflicting_units": self.conflicting_units,
        }
        if totals is not None:
            out["totals"] = totals
        return out

    def settle(self, settlements: Iterable[Settlement]) -> None:
        """Apply decisions made about files after they were read (a
        consolidation's :attr:`~cchc_xlsx.consolidation.model.Consolidation.settlements`)."""
        for s in settlements:
            f = self.files.get(s.file)
            if s.status is not None:
                f.status = s.status
            f.issues.append(s.issue)
            self.files.save(f)
