"""The outcome of one consolidation: a column per expected unit, the totals, the states."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cchc_xlsx.batch.result import CheckResult, Settlement
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.flags import without_flagged
from cchc_xlsx.history.timeliness import PeriodStatus
from cchc_xlsx.layout.form import FormLayout
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.aggregation_types import State
from cchc_xlsx.vocabulary import ColumnStatus


@dataclass(frozen=True)
class SamePeriodLastYear:
    """The same period of the year before, from the history store (the
    appendix's "Cùng kỳ năm trước" columns): ``period`` (``"2023-Q1"``),
    ``label``, ``totals`` keyed by catalogue code (as :attr:`Consolidation.totals`),
    ``submitted`` of ``expected`` units, ``partial`` (a unit or a quarter missing),
    ``units``: the codes of the units it adds up, ``short``: how many of them
    lack a period (a year rolled up without one of its quarters)."""

    period: str
    label: str
    totals: dict[str, object]
    submitted: int
    expected: int
    partial: bool
    units: tuple[str, ...] = ()
    short: int = 0

    def like_for_like(self, now: Consolidation) -> bool:
        """Whether ``now`` and this add up the same units, none short of a period
        (else the change mixes a difference of units with a difference of figures)."""
        submitted = {c.code for c in now.columns if c.status == "submitted"}
        return set(self.units) == submitted and not self.short and not now.short_units

    def change(self, code: str, now: object) -> tuple[float | None, float | None]:
        """(difference, percent change) of ``now`` against last year's total of
        ``code``: the difference in the row's unit (percent points for a
        ratio), the change in percent of last year's value (None for a ratio
        or percentage row, a zero or missing value)."""
        before = self.totals.get(code)
        if not _is_number(now) or not _is_number(before):
            return None, None
        assert isinstance(now, (int, float)) and isinstance(before, (int, float))
        diff = float(now) - float(before)
        return diff, (diff / float(before) * 100 if before else None)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "submitted": self.submitted,
            "expected": self.expected,
            "partial": self.partial,
            "units": list(self.units),
            "totals": {k: _finite(v) for k, v in self.totals.items()},
        }


def _is_number(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass(slots=True)
class UnitColumn:
    """One expected unit's column of the summed appendix.

    ``code`` and ``name``: the unit, as the units file has it. ``status``:
    ``submitted`` (its return was added up), ``missing`` (no file),
    ``rejected`` (every file it sent was rejected) or ``conflict`` (several
    different accepted files, none added up) — DHIS2's reported / not reported.
    ``file``: the id of the file added up (:meth:`Consolidation.file_of`);
    ``files``: those considered but not added up. ``flagged``: the catalogue
    codes of its values involved in an error-level issue, each with the
    messages. ``from_consolidated``: the unit's input was itself a summed
    appendix, whose aggregation ``state`` (per code) is kept.
    """

    code: str
    name: str
    status: ColumnStatus = "missing"
    # the files, by their id in the batch's FileStore (``Consolidation.file_of``):
    # the one added up, and those considered (rejected or conflicting ones)
    file: int | None = None
    files: tuple[int, ...] = ()
    # a consolidated input's states (its Tổng cộng); empty for a return, whose
    # states are added up from its values as they are needed and not kept
    state: dict[str, State] = field(default_factory=dict)
    from_consolidated: bool = False
    # codes of this unit's values involved in an error-level issue, with the messages
    flagged: dict[str, str] = field(default_factory=dict)
    # those of them with no value to add (unreadable, left out, blank): never in the sums
    left_out: frozenset[str] = frozenset()
    # codes of its values with a warning (added up, to be looked at), with the messages
    doubtful: dict[str, str] = field(default_factory=dict)


@dataclass
class Consolidation:
    """The outcome of one consolidation (:func:`cchc_xlsx.consolidate`).

    ``totals``: the consolidated value of every row that has one, keyed by
    catalogue code (sub-rows included) — counts and sums as numbers; ratio rows
    recomputed from the summed numerator and denominator, in percent points
    (0–100, full precision: rounding is only a display format); means as
    numbers; Có/Không rows as the number of units answering Có; choice rows as
    ``{"option value": number of units}``. A row with no figure is absent.
    ``columns``: one :class:`UnitColumn` per expected unit (units-file order),
    or per unit that sent a file when no units file was given.
    ``batch``: every file read, with its status and issues (:class:`CheckResult`).
    ``unit``, ``unit_name``, ``unit_level``: the consolidating unit (empty
    when none was given). ``partial``: some expected unit is missing,
    rejected or conflicting, or a consolidated input was itself partial.
    ``out``: the workbook written (None when none was asked for).
    ``layout``: where the form's rows are (None when no level could be told).
    ``states``: per catalogue code, the merged aggregation state the totals come
    from (exact decimal strings; what a summed appendix carries to the level
    above). ``flagged_totals``: per code, the units whose values involved in an
    error-level issue the total includes (or, with ``exclude_errors``, leaves
    out). ``settlements``: what the consolidation decided about files (applied
    to ``batch`` by :func:`cchc_xlsx.consolidate`). ``timeliness``: with a
    history store, the period's reporting status per expected unit and the
    reporting rates (:class:`~cchc_xlsx.history.timeliness.PeriodStatus`).
    ``last_year``: with a history store that holds it, the same period of the
    year before (:class:`SamePeriodLastYear`; the appendix's "Cùng kỳ năm
    trước" and "Tăng/giảm" columns).
    """

    batch: CheckResult
    catalog: Catalog
    layout: FormLayout | None
    columns: list[UnitColumn]
    totals: dict[str, object]
    states: dict[str, State]
    unit: str | None
    unit_name: str
    unit_level: str
    partial: bool
    out: Path | None = None
    exclude_errors: bool = False
    # per total: the units whose flagged values feed it, and those of them whose
    # flagged values it leaves out (unreadable ones always; all with exclude_errors)
    flagged_totals: dict[str, list[str]] = field(default_factory=dict)
    excluded_totals: dict[str, list[str]] = field(default_factory=dict)
    # what the consolidation decided about files (applied by CheckResult.settle)
    settlements: tuple[Settlement, ...] = ()
    # with a history store: who reported on time, late or not at all
    timeliness: PeriodStatus | None = None
    # with a history store that knows it: the same period of the year before
    last_year: SamePeriodLastYear | None = None
    # per code, what the Ghi chú column adds (an appendix rolled up across periods)
    row_notes: dict[str, str] = field(default_factory=dict)
    # an appendix rolled up across periods: the units whose figures lack a period
    short_units: int = 0

    def values_of(self, col: UnitColumn) -> tuple[dict[str, object], dict[str, str]]:
        """A submitted column's values and notes (read back from disk)."""
        if col.file is None:
            return {}, {}
        return self.batch.files.values(col.file)

    def counted_values(self, col: UnitColumn) -> dict[str, object]:
        """A submitted column's values as added up: without its flagged values
        (and the rows derived from them) when errors are excluded."""
        values = self.values_of(col)[0]
        if not self.exclude_errors or not col.flagged:
            return values
        return without_flagged(self.catalog, values, col.flagged)

    def file_of(self, col: UnitColumn) -> FileResult | None:
        """The file a column adds up (without its values: see :meth:`values_of`)."""
        return None if col.file is None else self.batch.files.get(col.file)

    def files_of(self, col: UnitColumn) -> list[FileResult]:
        """The file added up, else the files considered for the unit (rejected or conflicting)."""
        return [
            self.batch.files.get(i) for i in ((col.file,) if col.file is not None else col.files)
        ]

    @property
    def missing_units(self) -> list[str]:
        """Codes of the expected units with no accepted file: not sent, or every file rejected."""
        return [c.code for c in self.columns if c.status in ("missing", "rejected")]

    @property
    def conflicting_units(self) -> list[str]:
        """Codes of the units that sent several different accepted files (none of them added)."""
        return [c.code for c in self.columns if c.status == "conflict"]

    @property
    def flagged_values(self) -> int:
        """Number of the added-up units' values involved in an error-level issue
        (red in the summed appendix; left out of the sums when errors are excluded)."""
        return sum(len(c.flagged) for c in self.columns if c.status == "submitted")

    @property
    def doubtful_values(self) -> int:
        """Number of the added-up units' values with a warning (yellow in the
        summed appendix): added up, but worth a question to the unit."""
        return sum(len(c.doubtful) for c in self.columns if c.status == "submitted")

    @property
    def left_out_values(self) -> int:
        """How many of :attr:`flagged_values` have no value that could be added
        (unreadable, left out by the reader, blank): never in the sums, in either mode."""
        return sum(len(c.left_out) for c in self.columns if c.status == "submitted")

    @property
    def submitted(self) -> int:
        """Number of units whose return was added up (DHIS2's "actual reports")."""
        return sum(1 for c in self.columns if c.status == "submitted")

    @property
    def reporting_rate(self) -> float | None:
        """Submitted units as percent points of the expected ones (None when none is expected)."""
        return self.submitted / len(self.columns) * 100 if self.columns else None

    @property
    def exit_code(self) -> int:
        """``0`` when every file was accepted with no error-level issue and every
        expected unit was added up; else ``1`` (the CLI's exit code)."""
        bad = self.batch.files.any_bad() or any(c.status != "submitted" for c in self.columns)
        return 1 if bad else 0

    def as_json(self, *, files: bool = True) -> dict[str, Any]:
        """The JSON report of the contract (``level``, ``period``, ``files``,
        ``missing_units``, ``conflicting_units``, ``totals``, ``totals_flagged``) as a
        dict; a total that is not finite is ``null`` (JSON has no Infinity)."""
        # NOTE: not the batch's as_json: its missing and conflicting units are
        # worked out from every file again (a set of ten thousand codes at the peak)
        out: dict[str, Any] = {
            "level": self.batch.level,
            "period": self.batch.period,
            "files": [f.as_json() for f in self.batch.files.iter()] if files else [],
        }
        out["missing_units"] = self.missing_units
        out["conflicting_units"] = [c.code for c in self.columns if c.status == "conflict"]
        out["totals"] = {k: _finite(v) for k, v in self.totals.items()}
        out["totals_flagged"] = {
            code: {"units": units, "excluded": self.excluded_totals.get(code, [])}
            for code, units in self.flagged_totals.items()
        }
        if self.timeliness is not None:
            out["timeliness"] = self.timeliness.as_json()
        if self.last_year is not None:
            out["same_period_last_year"] = self.last_year.as_json()
        return out


def _finite(v: object) -> object:
    """A total as JSON can hold it (never Infinity or NaN, which are not JSON)."""
    return None if isinstance(v, float) and not math.isfinite(v) else v
