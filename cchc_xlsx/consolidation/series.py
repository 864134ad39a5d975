"""A unit's figures over several periods (seed 003's Phụ lục 1–7: one column
per year 2021–2025, the last "tính đến 31/3"), from the history store.

For a unit with its own returns, each column is its figures for the period,
rolled up from the store's returns (:mod:`cchc_xlsx.consolidation.rollup`);
for a consolidating unit (``level`` below its own), each column is the total
of its units of that level, consolidated the same way as ``rollup`` does.
Ratios are computed per period from that period's parts, never averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.rollup import PeriodVersions, rollup_consolidation
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.store import Store
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.periods import Period
from cchc_xlsx.units import Units


@dataclass(frozen=True)
class SeriesColumn:
    """One period of a series: ``period``; ``label`` as printed (``Năm 2025
    (tính đến 14/3/2025)`` when the store holds the year only up to then);
    ``values`` by catalogue code (a unit's figures, or a consolidating unit's
    totals: counts, percent points, Có as 1 or a count of units answering Có,
    a choice as its option value or ``{option: units}``); ``incomplete``: codes
    whose value lacks a period or a unit, with the reason; ``sources``: what
    the column was made of, as printed in the notes sheet."""

    period: Period
    label: str
    values: dict[str, object]
    incomplete: dict[str, str] = field(default_factory=dict)
    sources: str = ""


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

    @property
    def codes(self) -> list[str]:
        """The form's rows (catalogue codes) in printed order."""
        return [rl.code for rl in build_layout(self.catalog, self.level).rows]


def _d(day: object) -> str:
    import datetime as dt

    assert isinstance(day, dt.date)
    return f"{day.day}/{day.month}/{day.year}"


def _column_label(period: Period, last_end: object | None) -> str:
    label = period.label[0].upper() + period.label[1:]
    if last_end is not None and last_end != period.end:
        label += f" (tính đến {_d(last_end)})"
    return label


def unit_series(
    store: Store,
    catalog: Catalog,
    unit: str,
    periods: Sequence[Period],
    *,
    level: str | None = None,
    units: Units | None = None,
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
                    store, catalog, period, level, unit=unit, units=units
                )
            except UsageError:
                columns.append(
                    SeriesColumn(period, _column_label(period, None), {}, {}, "kho lưu chưa có")
                )
                continue
            name = res.unit_name or name
            incomplete: dict[str, str] = {}
            missing = [c.name for c in res.columns if c.status != "submitted"]
            short = [u.name for u in made if not u.cover.complete]
            if missing or short:
                why = []
                if missing:
                    why.append(
                        f"chưa có số liệu của {len(missing)} đơn vị: {', '.join(missing[:5])}"
                    )
                if short:
                    why.append(f"thiếu kỳ ở {len(short)} đơn vị: {', '.join(short[:5])}")
                for code in res.totals:
                    incomplete[code] = "Tổng chưa đầy đủ: " + "; ".join(why) + "."
            ends = [u.cover.pieces[-1].end for u in made if u.cover.pieces]
            columns.append(
                SeriesColumn(
                    period,
                    _column_label(period, max(ends) if ends else None),
                    dict(res.totals),
                    incomplete,
                    f"tổng của {res.submitted}/{len(res.columns)} đơn vị cấp {level}",
                )
            )
            continue
        versions = PeriodVersions(store, period, level, catalog)
        if units is None or unit not in units:
            name = dict(versions.units()).get(unit, name)
        got = versions.of_unit(unit, name, period)
        if got is None:
            columns.append(
                SeriesColumn(period, _column_label(period, None), {}, {}, "kho lưu chưa có")
            )
            continue
        name = got.name
        last = got.cover.pieces[-1].end if got.cover.pieces else None
        columns.append(
            SeriesColumn(
                period,
                _column_label(period, last),
                dict(got.rolled.values),
                dict(got.rolled.incomplete),
                got.label,
            )
        )
    return Series(catalog, unit, name, level, consolidated, columns)
