"""The appendix of a longer period (6 tháng, 9 tháng, năm) from the returns of
shorter ones kept in the history store (:mod:`cchc_xlsx.history`).

For each unit, :func:`cchc_xlsx.periods.cover` picks the returns that make up
the period (its own cumulative report when the store has one, never a
cumulative report together with its own quarters),
:func:`~cchc_xlsx.semantics.period_aggregation.roll_up` adds them up row by
row by ``period_agg``, and the result becomes one unit column of an ordinary
consolidation (:func:`~cchc_xlsx.consolidation.build.build_consolidation`), so
the workbook is the same kind as ``consolidate`` writes and rolls up a level
like any other. Every value that lacks a period carries a warning on its
cell; every error of a return used is carried over with the period named.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.batch.store import FileStore
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.build import build_consolidation
from cchc_xlsx.consolidation.model import Consolidation, SamePeriodLastYear
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.store import Store, Version
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.periods import Cover, Period, cover, parse_period
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.period_aggregation import RolledUp, disagreements, roll_up
from cchc_xlsx.units import Unit, Units

STORE_PATH_PREFIX = "kho lưu"


@dataclass(frozen=True)
class UnitPeriods:
    """One unit's figures for a period from the store: the ``cover`` used,
    the ``sources`` (period code → sha256 of the version used), the
    ``rolled`` values and the ``issues`` (missing periods, disagreements, the
    returns' own errors and warnings with the period named)."""

    unit: str
    name: str
    cover: Cover
    sources: dict[str, str]
    rolled: RolledUp
    issues: list[Issue] = field(default_factory=list)
    why_missing: dict[str, str] = field(default_factory=dict)  # period code → reason

    @property
    def label(self) -> str:
        """What the column was made of: ``kho lưu · X02 · 2024-H1 + 2024-Q4 (thiếu 2024-Q3)``
        (the unit's code in it: the batch keeps one record per path)."""
        text = f"{STORE_PATH_PREFIX} · {self.unit} · " + (
            " + ".join(p.code for p in self.cover.pieces) or "—"
        )
        if self.cover.missing:
            text += f" (thiếu {', '.join(p.code for p in self.cover.missing)})"
        return text


def _short(period: Period) -> str:
    """``Quý III``, ``6 tháng``, ``9 tháng``, ``năm 2024`` — as in a message about one year."""
    return period.label.replace(f" năm {period.year}", "").replace(" đầu", "")


class PeriodVersions:
    """The store's current versions of the periods of one year, looked up once."""

    def __init__(self, store: Store, target: Period, level: str, catalog: Catalog):
        self.store = store
        self.level = level
        self.catalog = catalog
        self.by_period: dict[str, dict[str, Version]] = {}
        self.reasons: dict[str, dict[str, str]] = {}
        for code in store.periods():
            p = parse_period(code)
            if p.year != target.year or target.end < p.end:
                continue
            current: dict[str, Version] = {}
            reasons: dict[str, str] = {}
            for v in store.versions(code):
                if v.unit is None or v.level != level:
                    continue
                if v.form_id and v.form_id != catalog.id:
                    continue
                if v.current:
                    current[v.unit] = v
                elif v.status == "rejected":
                    reasons.setdefault(v.unit, "bị từ chối")
                else:
                    reasons[v.unit] = "có nhiều bản khác nhau, chưa chọn bản dùng"
            self.by_period[code] = current
            self.reasons[code] = reasons

    def units(self) -> list[tuple[str, str]]:
        """Every unit with a current version in one of the periods (code, name)."""
        out: dict[str, str] = {}
        for current in self.by_period.values():
            for u, v in current.items():
                out.setdefault(u, v.unit_name or u)
        return sorted(out.items())

    def of_unit(self, unit: str, name: str, target: Period) -> UnitPeriods | None:
        """``unit``'s figures for ``target`` (None when the store has no return of it)."""
        held = {code: current[unit] for code, current in self.by_period.items() if unit in current}
        if not held:
            return None
        cov = cover(target, held)
        if not cov.pieces:
            return None
        codes = [rl.code for rl in build_layout(self.catalog, self.level).rows]
        returns = {p.code: self.store.return_of(held[p.code].sha256) for p in _periods_in(cov)}
        for code, r in returns.items():
            if r.kind == "consolidated":
                raise UsageError(
                    f"Kho lưu giữ biểu tổng hợp của {name} ({unit}) cho kỳ {code}; biểu tổng hợp "
                    "chưa cộng dồn được qua các kỳ. Hãy dùng biểu của các đơn vị cấp dưới (--level "
                    "của cấp dưới), rồi tổng hợp các biểu cả năm đó như mọi kỳ khác.",
                    option="level",
                )

        def pieces(
            periods: Sequence[Period],
        ) -> list[tuple[str, dict[str, object], dict[str, str]]]:
            return [
                (_short(p), dict(returns[p.code].values), dict(returns[p.code].notes))
                for p in periods
            ]

        missing = [_short(p) for p in cov.missing]
        rolled = roll_up(
            self.catalog,
            codes,
            pieces(cov.pieces),
            missing=missing,
            ends_the_period=cov.ends_the_period,
        )
        out: list[Issue] = []
        why: dict[str, str] = {}
        for p in cov.missing:
            why[p.code] = self.reasons.get(p.code, {}).get(unit, "chưa nộp")
        if cov.missing:
            out.append(
                issue(
                    IssueCode.PERIOD_INCOMPLETE,
                    f"Kho lưu chưa có số liệu {', '.join(f'{p.label} ({why[p.code]})' for p in cov.missing)} "
                    f"của {name}: số của {target.label} chưa đầy đủ (ô vàng).",
                )
            )
        for code, message in rolled.incomplete.items():
            out.append(issue(IssueCode.PERIOD_INCOMPLETE, message, indicator=code))
        for whole, quarters in cov.checks:
            if whole not in cov.pieces:
                continue
            parts = roll_up(self.catalog, codes, pieces(quarters))
            for code, a, b in disagreements(self.catalog, codes, returns[whole.code].values, parts):
                out.append(
                    issue(
                        IssueCode.CUMULATIVE_MISMATCH,
                        f"Báo cáo {whole.label} ghi {_fmt(a)}, nhưng {' + '.join(_short(q) for q in quarters)} "
                        f"cộng lại được {_fmt(b)}; số của báo cáo {_short(whole)} được dùng.",
                        indicator=code,
                    )
                )
        for p in cov.pieces:
            for i in returns[p.code].issues:
                if i.severity in ("error", "warning") and (i.indicator or i.rule):
                    out.append(
                        issue(
                            i.code,
                            f"{p.label}: {i.message}",
                            indicator=i.indicator,
                            cell=None,
                            severity=i.severity,
                            rule=i.rule,
                        )
                    )
        return UnitPeriods(
            unit,
            name,
            cov,
            {p.code: held[p.code].sha256 for p in cov.pieces},
            rolled,
            out,
            why,
        )


def _periods_in(cov: Cover) -> list[Period]:
    seen = {p.code: p for p in cov.pieces}
    for whole, quarters in cov.checks:
        seen.setdefault(whole.code, whole)
        for q in quarters:
            seen.setdefault(q.code, q)
    return list(seen.values())


def _fmt(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return f"{v:,}".replace(",", ".") if isinstance(v, int) else str(v).replace(".", ",")


def expected_units(
    store: Store,
    versions: PeriodVersions,
    target: Period,
    level: str,
    parent: str | None,
    units: Units | None,
) -> Units:
    """The units of ``level`` (under ``parent`` when given) whose columns the
    appendix has: from the units file when given, else from the registers the
    store kept for the periods used, else every unit with a return."""
    if units is not None:
        chosen = units.descendants(parent, level) if parent else units.at_level(level)
        return Units(chosen, units.path)
    found: dict[str, str] = {}
    for code in versions.by_period:
        reg = store.expected(code, level, parent) if parent else store.expected_all(code, level)
        for u, n in reg or ():
            found.setdefault(u, n)
    if not found:
        found = dict(versions.units())
    return Units([Unit(c, n, level, parent) for c, n in found.items()], "<kho lưu>")


def rollup_consolidation(
    store: Store,
    catalog: Catalog,
    target: Period,
    level: str,
    *,
    unit: str | None = None,
    units: Units | None = None,
    exclude_errors: bool = False,
) -> tuple[Consolidation, list[UnitPeriods]]:
    """The consolidation of ``target`` from the store's shorter periods: one
    column per expected unit of ``level`` (under ``unit``), each unit's
    figures rolled up by :class:`PeriodVersions`. Returns the consolidation
    (its ``batch`` holds one record per unit, path ``kho lưu · …``) and each
    unit's :class:`UnitPeriods`. Raises :class:`UsageError` when the store has
    no return of the period's year at ``level``."""
    versions = PeriodVersions(store, target, level, catalog)
    if not any(versions.by_period.values()):
        raise UsageError(
            f"Kho lưu chưa có báo cáo cấp {level} nào của {target.label} "
            f"(các kỳ có trong kho: {', '.join(store.periods()) or 'không có'}).",
            option="period",
        )
    register = expected_units(store, versions, target, level, unit, units)
    names = {u.code: u.name for u in register}
    made: list[UnitPeriods] = []
    records: list[FileResult] = []
    for code, name in names.items():
        got = versions.of_unit(code, name, target)
        if got is None:
            continue
        made.append(got)
        records.append(
            FileResult(
                path=got.label,
                status="accepted",
                sha256=hashlib.sha256(
                    " ".join(sorted(got.sources.values())).encode("ascii")
                ).hexdigest(),
                issues=list(got.issues),
                kind="template",
                catalog_id=catalog.id,
                catalog_version=catalog.version,
                level=level,
                unit=code,
                unit_name=name,
                unit_level=level,
                period=target.code,
                values=dict(got.rolled.values),
                notes=dict(got.rolled.notes),
            )
        )
    batch = CheckResult(
        FileStore(records), level=level, form_level=level, period=target.code, expected=list(names)
    )
    result = build_consolidation(
        batch,
        catalog,
        units if units is not None else register,
        unit,
        None,
        exclude_errors=exclude_errors,
    )
    batch.settle(result.settlements)
    if any(not u.cover.complete for u in made):
        result.partial = True
    return result, made


def same_period_last_year(
    store: Store,
    catalog: Catalog,
    period: Period | str,
    level: str,
    *,
    unit: str | None = None,
    units: Units | None = None,
) -> SamePeriodLastYear | None:
    """The totals of the same period of the year before (2024-Q1 → 2023-Q1;
    2024 → 2023), consolidated from the store as :func:`rollup_consolidation`
    does, for the same units; None when the store has no return of it."""
    now = period if isinstance(period, Period) else parse_period(period)
    before = parse_period(
        str(now.year - 1) if now.kind == "Y" else f"{now.year - 1}-{now.kind}",
        cutoff_day=now.end.day,
    )
    try:
        res, _made = rollup_consolidation(store, catalog, before, level, unit=unit, units=units)
    except UsageError:
        return None
    if not res.submitted:
        return None
    return SamePeriodLastYear(
        before.code,
        before.label,
        dict(res.totals),
        res.submitted,
        len(res.columns),
        res.partial,
    )
