"""Checks of a return against the unit's own history in the store (warnings,
each quoting the earlier figure):

* **copied forward** (``copied-forward``): most input rows equal the unit's
  previous period (the quarter before, or the same 6-month, 9-month or annual
  period of the year before) — the old file sent again with a new date;
* **cumulative decreased** (``cumulative-decreased``): a "lũy kế" row
  (``period_agg: cumulative``) smaller than the unit's latest earlier return
  of the same year — a year-to-date figure never goes down;
* **a cumulative report against its parts** (``cumulative-mismatch``): a
  6-month, 9-month or annual return whose rows differ from the unit's shorter
  returns of the year that make it up (a 9-month report against its 6-month
  report and quarter III, or its quarters), added up by ``period_agg`` (the
  report is the unit's figure; the parts are quoted);
* **jump** (``jump``): on a row with at least :data:`MIN_HISTORY` earlier
  periods of the same kind (quarters, or the same cumulative period), a value more than ``factor`` times the median of
  those periods, or less than the median divided by ``factor`` (and at least
  :data:`MIN_CHANGE` away from it, so that 1 → 4 is not a jump); a quarter's
  "lũy kế" rows grow through the year and are left to the previous check.

They are relative to what the store holds when the run reads the file, so they
are not recorded as the file's own issues (:data:`cchc_xlsx.history.store.RUN_RELATIVE`).
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.history.store import Store, Version
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.periods import Period, parse_period, previous_period
from cchc_xlsx.semantics.exact import number_or_none
from cchc_xlsx.semantics.numbers import format_vn
from cchc_xlsx.semantics.period_aggregation import against_parts

JUMP_FACTOR = 3.0  # default: more than 3× (or less than a third of) the median
MIN_HISTORY = 4  # earlier periods of the same kind with a value
MIN_CHANGE = 10  # and at least this far from the median (counts)
COPY_SHARE = 0.9  # share of comparable input rows equal to the previous period
MIN_COPY_ROWS = 5  # comparable rows needed to call it a copy


def _show(v: object) -> str:
    """A figure quoted in a message, by the one Vietnamese formatter."""
    n = number_or_none(v)
    return str(v) if n is None else format_vn(n)


class HistoryChecks:
    """The checks of returns of one ``period`` at one form ``level`` against
    ``store`` (the current version of each unit in the earlier periods)."""

    def __init__(
        self,
        store: Store,
        catalog: Catalog,
        period: str,
        *,
        factor: float = JUMP_FACTOR,
    ):
        self.store = store
        self.catalog = catalog
        self.period = parse_period(period)
        self.factor = factor
        self._current: dict[str, dict[str, Version]] = {}
        # NOTE: the store's periods once per run, not once per file checked
        self._periods = [parse_period(p) for p in store.periods()]
        self._earlier = [p for p in self._periods if p < self.period and p.code != self.period.code]

    def _version(self, period: Period, unit: str) -> Version | None:
        if period.code not in self._current:
            self._current[period.code] = self.store.current(period.code)
        return self._current[period.code].get(unit)

    def check(self, unit: str, level: str | None, values: Mapping[str, object]) -> list[Issue]:
        """The warnings for ``unit``'s return holding ``values`` (catalogue codes)."""
        out: list[Issue] = []
        rows = [
            self.catalog.row(c)
            for c in values
            if self.catalog.has_row(c) and self.catalog.row(c).is_input
        ]
        numeric = [r for r in rows if r.type in ("count", "decimal", "percent")]
        # a copy of the previous period
        prev = previous_period(self.period)
        v = self._version(prev, unit)
        if v is not None and v.level == level:
            old = self.store.values(v.sha256)
            both = [r.code for r in rows if values.get(r.code) is not None and r.code in old]
            same = [c for c in both if values[c] == old[c]]
            nonzero = any(number_or_none(values[c]) not in (None, 0.0) for c in same)
            if len(both) >= MIN_COPY_ROWS and nonzero and len(same) >= COPY_SHARE * len(both):
                out.append(
                    issue(
                        IssueCode.COPIED_FORWARD,
                        f"{len(same)}/{len(both)} chỉ tiêu giống hệt số liệu {prev.label} của đơn vị "
                        f"(bản nhận {v.received_at[:10]}); có thể đã gửi lại số kỳ trước — hãy hỏi lại đơn vị.",
                    )
                )
        # a year-to-date figure that went down
        same_year = [
            p for p in self._earlier if p.year == self.period.year and p.end < self.period.end
        ]
        for p in sorted(same_year, reverse=True):
            v = self._version(p, unit)
            if v is None or v.level != level:
                continue
            old = self.store.values(v.sha256)
            for r in numeric:
                if r.period_agg != "cumulative":
                    continue
                a, b = number_or_none(values.get(r.code)), number_or_none(old.get(r.code))
                if a is not None and b is not None and a < b:
                    out.append(
                        issue(
                            IssueCode.CUMULATIVE_DECREASED,
                            f"{r.code} là số lũy kế từ đầu năm, nhưng {_show(a)} nhỏ hơn số của {p.label} "
                            f"({_show(b)}); số lũy kế không giảm trong năm.",
                            indicator=r.code,
                        )
                    )
            break  # the latest earlier return of the year only
        # a cumulative report against its own quarters
        if self.period.is_cumulative:
            out += self._against_quarters(unit, level, values)
        # a jump against the unit's own history of the same kind of period
        quarterly = self.period.kind.startswith("Q")
        history: dict[str, list[tuple[Period, float]]] = {}
        for p in sorted(self._earlier):
            if (p.kind.startswith("Q") and quarterly) is False and p.kind != self.period.kind:
                continue
            v = self._version(p, unit)
            if v is None or v.level != level:
                continue
            old = self.store.values(v.sha256)
            for r in numeric:
                n = number_or_none(old.get(r.code))
                if n is not None:
                    history.setdefault(r.code, []).append((p, n))
        for r in numeric:
            if r.period_agg == "cumulative" and quarterly:
                continue  # a year-to-date figure grows through the year: not comparable
            seen = history.get(r.code, [])
            x = number_or_none(values.get(r.code))
            if x is None or len(seen) < MIN_HISTORY:
                continue
            med = statistics.median(n for _p, n in seen)
            if med <= 0 or abs(x - med) < MIN_CHANGE:
                continue
            if x > self.factor * med or x < med / self.factor:
                shown = ", ".join(f"{p.code}: {_show(n)}" for p, n in seen[-4:])
                out.append(
                    issue(
                        IssueCode.JUMP,
                        f"{r.code} = {_show(x)}, khác xa các kỳ trước của đơn vị: trung vị "
                        f"{_show(med)} của {len(seen)} kỳ"
                        + (f" (gần nhất: {shown})" if len(seen) > 4 else f" ({shown})")
                        + "; hãy kiểm tra lại.",
                        indicator=r.code,
                    )
                )
        return out

    def _against_quarters(
        self, unit: str, level: str | None, values: Mapping[str, object]
    ) -> list[Issue]:
        """A cumulative report against the unit's shorter returns of the year that
        make it up (a 9-month report against its 6-month report and quarter III,
        or its three quarters), when none is missing."""
        shorter: dict[str, dict[str, object]] = {}
        for p in self._periods:
            if p.year != self.period.year or p.end > self.period.end or p.code == self.period.code:
                continue  # NOTE: not self._earlier: Q2 sorts after H1 (same end, later start)
            v = self._version(p, unit)
            if v is not None and v.level == level:
                shorter[p.code] = self.store.values(v.sha256)
        codes = list(dict.fromkeys(c for c in values if self.catalog.has_row(c)))
        return [
            issue(
                IssueCode.CUMULATIVE_MISMATCH,
                text + "; hãy kiểm tra lại (số của báo cáo này được dùng).",
                indicator=code,
            )
            for code, text in against_parts(self.catalog, codes, self.period, values, shorter)
        ]
