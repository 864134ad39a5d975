"""A unit's figures over several periods (seed 003's Phụ lục 1–7: one column
per year 2021–2025, the last "tính đến 31/3"), from the history store.

For a unit with its own returns, each column is its figures for the period,
rolled up from the store's returns (:mod:`cchc_xlsx.consolidation.rollup`);
for a consolidating unit (``level`` below its own), each column is the total
of its units of that level, consolidated the same way as ``rollup`` does.
Ratios are computed per period from that period's parts, never averaged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.rollup import (
    STORE_PATH_PREFIX,
    PeriodVersions,
    rollup_consolidation,
)
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.store import Store
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.periods import Period, short_date
from cchc_xlsx.units import Units
from cchc_xlsx.vocabulary import LEVELS


@dataclass(frozen=True)
class SeriesColumn:
    """One period of a series: ``period``; ``label`` as printed (``Năm 2025
    (tính đến 14/3/2025)`` when the store holds the year only up to then);
    ``values`` by catalogue code (a unit's figures, or a consolidating unit's
    totals: counts, percent points, Có as 1 or a count of units answering Có,
    a choice as its option value or ``{option: units}``); ``flagged``: codes
    whose value is to be looked at, with the reasons (a period or a unit
    missing, a cumulative report that disagrees with its quarters, an error
    or warning of a return used); ``complete``: no period and no unit is
    missing; ``sources``: what the column was made of, as printed in the notes
    sheet."""

    period: Period
    label: str
    values: dict[str, object]
    flagged: dict[str, str] = field(default_factory=dict)
    sources: str = ""
    complete: bool = True


@dataclass(frozen=True)
class Series:
    """A unit's ``columns``, one per period asked for, in that order. ``level``:
    the level of the returns the figures come from; ``consolidated``: the
    columns are totals of the units of ``level`` under ``unit``."""

    catalog: Catalog
    unit: str
    unit_name: str
    level: str
    consolidated: bool
    columns: list[SeriesColumn]
    read: CheckResult | None = None  # the returns read, when made from files rather than a store

    @property
    def complete(self) -> bool:
        """Every column has every period and unit it needs."""
        return all(c.complete for c in self.columns)

    @property
    def codes(self) -> list[str]:
        """The form's rows (catalogue codes) in printed order."""
        return [rl.code for rl in build_layout(self.catalog, self.level).rows]


def _column_label(period: Period, last_end: dt.date | None) -> str:
    label = period.label[0].upper() + period.label[1:]
    if last_end is not None and last_end != period.end:
        label += f" (tính đến {short_date(last_end)})"
    return label


def unit_series(
    store: Store,
    catalog: Catalog,
    unit: str,
    periods: Sequence[Period],
    *,
    level: str | None = None,
    units: Units | None = None,
    prefix: str = STORE_PATH_PREFIX,
) -> Series:
    """The series of ``unit`` over ``periods`` from ``store``.

    ``level``: the level of the returns to use; when it is the unit's own
    level (or not given and the store holds the unit's own returns), the
    unit's figures; when it is a level below, the totals of its units there.
    Raises :class:`UsageError` when the store knows nothing of ``unit`` at
    that level."""
    own_levels = {
        v.level
        for p in store.periods()
        for v in store.versions(p, unit)
        if v.level and v.status == "accepted"
    }
    unit_level = units[unit].level if units is not None and unit in units else None
    if level is None:
        if own_levels:
            level = sorted(own_levels)[0]
        else:
            below = [
                lv
                for p in store.periods()
                for lv in catalog.levels
                if store.expected(p, lv, unit) is not None
            ]
            if not below:
                raise UsageError(
                    f"Kho lưu không có báo cáo nào của đơn vị “{unit}”, cũng không có danh sách "
                    "đơn vị trực thuộc nó; hãy kiểm tra mã đơn vị (hoặc nêu --level).",
                    option="unit",
                )
            level = below[0]
    if unit_level is not None and level in LEVELS and unit_level in LEVELS:
        order = list(LEVELS)
        if order.index(level) > order.index(unit_level):
            raise UsageError(
                f"Cấp “{level}” ở trên cấp của {unit} ({unit_level}): hãy nêu cấp của chính đơn vị "
                "hoặc một cấp dưới nó.",
                option="level",
            )
    if level not in catalog.levels:
        raise UsageError(
            f"Cấp “{level}” không có trong danh mục (có: {', '.join(catalog.levels)}).",
            option="level",
        )
    consolidated = level not in own_levels and level != unit_level
    name = units[unit].name if units is not None and unit in units else unit
    columns: list[SeriesColumn] = []
    for period in periods:
        if consolidated:
            try:
                res, made = rollup_consolidation(
                    store, catalog, period, level, unit=unit, units=units, prefix=prefix
                )
            except UsageError:
                columns.append(
                    SeriesColumn(
                        period, _column_label(period, None), {}, {}, f"{prefix} chưa có", False
                    )
                )
                continue
            name = res.unit_name or name
            missing = [c.name for c in res.columns if c.status != "submitted"]
            flagged: dict[str, str] = {}
            if missing:  # a total without some units: every total is short
                why = f"Tổng chưa đủ: chưa có số liệu của {len(missing)} đơn vị: {', '.join(missing[:5])}."
                flagged = {code: why for code in res.totals}
            for u in made:  # else only the rows a unit's missing period touches
                for code, message in u.flagged.items():
                    text = f"{u.name}: {message}"
                    flagged[code] = f"{flagged[code]}\n{text}" if code in flagged else text
            ends = [u.cover.pieces[-1].end for u in made if u.cover.pieces]
            columns.append(
                SeriesColumn(
                    period,
                    _column_label(period, max(ends) if ends else None),
                    dict(res.totals),
                    flagged,
                    f"tổng của {res.submitted}/{len(res.columns)} đơn vị cấp {level}"
                    + (f"; {res.short_units} đơn vị thiếu kỳ" if res.short_units else ""),
                    not missing and not res.short_units,
                )
            )
            continue
        versions = PeriodVersions(store, period, level, catalog, prefix)
        if units is None or unit not in units:
            name = dict(versions.units()).get(unit, name)
        got = versions.of_unit(unit, name, period)
        if got is None:
            columns.append(
                SeriesColumn(
                    period,
                    _column_label(period, None),
                    {},
                    {},
                    versions.why_none(unit, period),
                    False,
                )
            )
            continue
        name = got.name
        last = got.cover.pieces[-1].end if got.cover.pieces else None
        columns.append(
            SeriesColumn(
                period,
                _column_label(period, last),
                dict(got.rolled.values),
                got.flagged,
                got.label,
                got.cover.complete,
            )
        )
    return Series(catalog, unit, name, level, consolidated, columns)
