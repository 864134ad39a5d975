"""Who reported, on time or late: DHIS2's reporting rate and reporting rate on time, from the store.

Per expected unit: ``on_time`` or ``late`` (by the receipt of its first
accepted return holding any figure, against the deadline,
:mod:`cchc_xlsx.history.deadlines`), ``conflict`` (accepted returns of
different figures received at the same instant, none chosen), ``empty``
(accepted returns, none with a figure: a blank template sent back),
``rejected`` (only rejected files), or ``missing``. Rates, in percent points of the
expected units: reporting rate = units with an accepted return; on-time rate
= units whose first accepted return came on time (DHIS2: "Reporting rate" and
"Reporting rate on time", actual reports over expected reports).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from cchc_xlsx.history.deadlines import Deadlines, days_late
from cchc_xlsx.history.store import Store, Version

UnitState = Literal["on_time", "late", "conflict", "empty", "rejected", "missing"]

STATE_TEXT: dict[str, str] = {
    "on_time": "đúng hạn",
    "late": "trễ hạn",
    "conflict": "nhiều bản cùng lúc, chưa chọn",
    "empty": "biểu không có số liệu",
    "rejected": "bị từ chối",
    "missing": "chưa nộp",
}


@dataclass(frozen=True)
class UnitTimeliness:
    """One expected unit's returns for the period: ``state``; ``received_at`` of
    its first accepted return (ISO 8601 UTC); ``days_late`` (0 on time, None
    without an accepted return); ``versions`` (files recorded, accepted or
    rejected); ``superseded`` (accepted versions replaced); ``current``: the
    version that counts."""

    unit: str
    name: str
    state: UnitState
    received_at: str | None
    days_late: int | None
    versions: int
    superseded: int
    current: Version | None

    def as_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "name": self.name,
            "state": self.state,
            "received_at": self.received_at,
            "days_late": self.days_late,
            "versions": self.versions,
            "superseded": self.superseded,
            "current_sha256": self.current.sha256 if self.current else None,
            "current_path": self.current.path if self.current else None,
        }


@dataclass(frozen=True)
class PeriodStatus:
    """The reporting status of one period: ``deadline`` (a date, Vietnam time),
    ``units`` (one :class:`UnitTimeliness` per expected unit), counts and rates
    (percent points of ``expected``; None when nothing is expected)."""

    period: str
    level: str | None
    deadline: dt.date
    deadline_source: str
    units: list[UnitTimeliness] = field(default_factory=list)

    def count(self, *states: str) -> int:
        return sum(1 for u in self.units if u.state in states)

    @property
    def expected(self) -> int:
        return len(self.units)

    @property
    def on_time(self) -> int:
        """Units whose first return with figures came by the deadline."""
        return self.count("on_time")

    @property
    def late(self) -> int:
        return self.count("late")

    @property
    def missing(self) -> int:
        """Units with no accepted return at all (rejected ones are counted apart)."""
        return self.count("missing")

    @property
    def received(self) -> int:
        """Units with an accepted return holding figures (on time, late, or in conflict)."""
        return self.count("on_time", "late", "conflict")

    @property
    def reporting_rate(self) -> float | None:
        """Percent points of the expected units with an accepted return."""
        return 100.0 * self.received / self.expected if self.units else None

    @property
    def on_time_rate(self) -> float | None:
        """Percent points of the expected units whose first accepted return came on time."""
        return 100.0 * self.count("on_time") / self.expected if self.units else None

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period,
            "level": self.level,
            "deadline": self.deadline.isoformat(),
            "deadline_source": self.deadline_source,
            "expected": self.expected,
            "received": self.received,
            "on_time": self.count("on_time"),
            "late": self.count("late"),
            "conflict": self.count("conflict"),
            "empty": self.count("empty"),
            "rejected": self.count("rejected"),
            "missing": self.count("missing"),
            "superseded": sum(u.superseded for u in self.units),
            "reporting_rate": self.reporting_rate,
            "on_time_rate": self.on_time_rate,
            "units": [u.as_json() for u in self.units],
        }


def period_status(
    store: Store,
    period: str,
    *,
    level: str | None = None,
    parent: str | None = None,
    expected: Sequence[tuple[str, str]] | None = None,
    deadlines: Deadlines | None = None,
) -> PeriodStatus:
    """The status of ``period``: the ``expected`` units (code, name) — else those
    the store last recorded for the period under ``parent`` (without ``parent``:
    every register recorded for the period, at ``level`` when given), else
    every unit that sent a file — against the deadline of ``deadlines``
    (default: :class:`Deadlines`'s built-in rule)."""
    rules = deadlines or Deadlines()
    by_unit: dict[str, list[Version]] = defaultdict(list)
    for v in store.versions(period):
        if v.unit and (level is None or (v.unit_level or v.level) in (level, None)):
            by_unit[v.unit].append(v)
    if expected is None:
        # NOTE: under one office, its last register; else every register recorded for the period
        expected = (
            store.expected(period, level, parent)
            if parent
            else (store.expected_all(period, level) or None)
        )
    if expected is None:
        expected = [
            (u, next((v.unit_name for v in vs if v.unit_name), u) or u)
            for u, vs in sorted(by_unit.items())
        ]
    lv = level or next((v.unit_level or v.level for vs in by_unit.values() for v in vs), None)
    due = rules.due(period, lv)
    units = [_unit(code, name, by_unit.get(code, []), due) for code, name in expected]
    return PeriodStatus(period, lv, due, rules.describe(), units)


def _unit(code: str, name: str, versions: list[Version], due: dt.date) -> UnitTimeliness:
    accepted = [v for v in versions if v.status == "accepted"]
    current = next((v for v in accepted if v.current), None)
    filled = [v for v in accepted if v.n_values > 0]
    if filled:
        first = min(filled, key=lambda v: (v.received_at, v.first_seen_at))
        late = days_late(first.received_at, due)
        state: UnitState = "conflict" if current is None else ("late" if late else "on_time")
        received, lateness = first.received_at, late
    elif accepted:
        state, received, lateness = "empty", None, None
    else:
        state = "rejected" if versions else "missing"
        received, lateness = None, None
    superseded = sum(1 for v in accepted if not v.current) if current is not None else 0
    return UnitTimeliness(code, name, state, received, lateness, len(versions), superseded, current)
