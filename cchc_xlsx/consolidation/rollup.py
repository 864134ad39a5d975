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
from cchc_xlsx.errors import PeriodError, UsageError
from cchc_xlsx.history.store import Store, Version
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.layout.form import FormLayout, build_layout
from cchc_xlsx.periods import Cover, Period, cover, parse_period, quarters_of
from cchc_xlsx.periods import same_period_last_year as last_year
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.derived import check_rules
from cchc_xlsx.semantics.period_aggregation import RolledUp, against_parts, roll_up
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
    prefix: str = STORE_PATH_PREFIX

    @property
    def label(self) -> str:
        """What the column was made of: ``kho lưu · X02 · 2024-H1 + 2024-Q4 (thiếu 2024-Q3)``
        (the unit's code in it: the batch keeps one record per path); a period
        missing for a reason other than not sent says why."""
        text = f"{self.prefix} · {self.unit} · " + (
            " + ".join(p.code for p in self.cover.pieces) or "—"
        )
        if self.cover.missing:
            text += f" (thiếu {missing_text(self.cover.missing, self.why_missing)})"
        return text

    @property
    def flagged(self) -> dict[str, str]:
        """Per catalogue code, the messages of the issues on it (a period missing,
        a cumulative report against its quarters, the returns' own problems)."""
        out: dict[str, str] = {}
        for i in self.issues:
            if i.indicator:
                out[i.indicator] = (
                    f"{out[i.indicator]}\n{i.message}" if i.indicator in out else i.message
                )
        return out


def missing_text(periods: Sequence[Period], why: dict[str, str]) -> str:
    """``2024-Q3`` or ``2024-Q1: có nhiều bản khác nhau, chưa chọn bản dùng``."""
    return ", ".join(
        p.code if why.get(p.code, "chưa nộp") == "chưa nộp" else f"{p.code}: {why[p.code]}"
        for p in periods
    )


class PeriodVersions:
    """The store's current versions of the periods of one year, looked up once."""

    def __init__(
        self,
        store: Store,
        target: Period,
        level: str,
        catalog: Catalog,
        prefix: str = STORE_PATH_PREFIX,
    ):
        self.store = store
        self.prefix = prefix
        self.level = level
        self.catalog = catalog
        self.layout = build_layout(catalog, level)  # NOTE: once, not once per unit (~5 ms each)
        self.by_period: dict[str, dict[str, Version]] = {}
        self.reasons: dict[str, dict[str, str]] = {}
        for code in store.periods():
            p = parse_period(code)
            if p.year != target.year:  # all of the year: a longer report is named when unusable
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

    def held(self, unit: str) -> list[str]:
        """The periods (codes) the store holds a current version of ``unit`` for."""
        return [code for code, current in self.by_period.items() if unit in current]

    def why_none(self, unit: str, target: Period) -> str:
        """Why the store has nothing of ``unit`` for ``target`` (as a column says it)."""
        reasons = [
            f"{code}: {r[unit]}"
            for code, r in sorted(self.reasons.items())
            if unit in r and code in {p.code for p in (target, *quarters_of(target))}
        ]
        return "; ".join(reasons) if reasons else f"{self.prefix} chưa có"

    def of_unit(self, unit: str, name: str, target: Period) -> UnitPeriods | None:
        """``unit``'s figures for ``target`` (None when the store has no return of it)."""
        held = {code: current[unit] for code, current in self.by_period.items() if unit in current}
        if not held:
            return None
        cov = cover(target, held)
        if not cov.pieces:
            return None
        layout = self.layout
        codes = [rl.code for rl in layout.rows]
        returns = {p.code: self.store.return_of(held[p.code].sha256) for p in cov.pieces}
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
                (p.label_in_year, dict(returns[p.code].values), dict(returns[p.code].notes))
                for p in periods
            ]

        missing = [p.label_in_year for p in cov.missing]
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
            # NOTE: an error, as a missing return is: the unit's figure for the period is short
            out.append(
                issue(
                    IssueCode.PERIOD_INCOMPLETE,
                    f"Kho lưu chưa có số liệu {', '.join(f'{p.label} ({why[p.code]})' for p in cov.missing)} "
                    f"của {name}: số của {target.label} chưa đầy đủ (ô vàng).",
                    severity="error",
                )
            )
        for code, message in rolled.incomplete.items():
            out.append(issue(IssueCode.PERIOD_INCOMPLETE, message, indicator=code))
        # the catalogue's rules hold for the rolled-up figures too (as one level up they are checked)
        for i in check_rules(layout.rules, rolled.values):
            out.append(
                issue(
                    i.code,
                    f"Số cộng dồn {target.label}: {i.message}",
                    indicator=i.indicator,
                    severity=i.severity,
                    rule=i.rule,
                )
            )
        for whole in cov.pieces:
            if not whole.is_cumulative:
                continue
            shorter = {
                c: self.store.values(v.sha256)
                for c, v in held.items()
                if c != whole.code and parse_period(c).end <= whole.end
            }
            for code, text in against_parts(
                self.catalog, codes, whole, returns[whole.code].values, shorter
            ):
                out.append(
                    issue(
                        IssueCode.CUMULATIVE_MISMATCH,
                        f"{text}; số của báo cáo {whole.label_in_year} được dùng.",
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
            self.prefix,
        )


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
    prefix: str = STORE_PATH_PREFIX,
) -> tuple[Consolidation, list[UnitPeriods]]:
    """The consolidation of ``target`` from the store's shorter periods: one
    column per expected unit of ``level`` (under ``unit``), each unit's
    figures rolled up by :class:`PeriodVersions`. Returns the consolidation
    (its ``batch`` holds one record per unit, path ``kho lưu · …``) and each
    unit's :class:`UnitPeriods`. A unit with returns in the store that the
    units file does not list (under ``unit``, as the store's registers say) is
    a rejected record (``unit-unexpected``), never silently left out. Raises
    :class:`UsageError` when the store has no return of the period's year at
    ``level``."""
    versions = PeriodVersions(store, target, level, catalog, prefix)
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
            held = versions.held(code)
            if held:  # e.g. a 9-month report asked for 6 months: it cannot be split
                records.append(
                    _rejected(
                        f"{prefix} · {code} · {', '.join(held)}",
                        code,
                        name,
                        level,
                        target,
                        IssueCode.PERIOD_INCOMPLETE,
                        f"Kho lưu có {', '.join(held)} của {name}, nhưng không kỳ nào ghép được thành "
                        f"{target.label} (một báo cáo lũy kế dài hơn không tách ra được).",
                    )
                )
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
    if units is not None:
        for code, name in _unexpected(store, versions, level, unit, names, units):
            records.append(
                _rejected(
                    f"{prefix} · {code} · {target.code}",
                    code,
                    name,
                    level,
                    target,
                    IssueCode.UNIT_UNEXPECTED,
                    f"Kho lưu có báo cáo của {name} ({code}), nhưng tệp danh sách đơn vị không có "
                    "đơn vị này: số liệu của nó không được cộng. Hãy bổ sung vào tệp danh sách đơn vị "
                    "nếu đơn vị này thuộc diện báo cáo.",
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
    result.short_units = sum(1 for u in made if not u.cover.complete)
    if result.short_units:
        result.partial = True
    result.row_notes = _row_notes(versions.layout)
    return result, made


def _rejected(
    path: str, unit: str, name: str, level: str, target: Period, code: IssueCode, message: str
) -> FileResult:
    """A record of the store's returns of ``unit`` that the rolled-up appendix cannot use."""
    return FileResult(
        path=path,
        sha256=hashlib.sha256(path.encode("utf-8")).hexdigest(),
        level=level,
        unit=unit,
        unit_name=name,
        unit_level=level,
        period=target.code,
    ).reject(code, message)


def _unexpected(
    store: Store,
    versions: PeriodVersions,
    level: str,
    parent: str | None,
    names: dict[str, str],
    units: Units,
) -> list[tuple[str, str]]:
    """Units with returns in the store that are not columns of the appendix:
    any when no ``parent`` is given; under ``parent``, those the units file
    does not know at all (nothing says they belong elsewhere) and those a
    register the store kept puts under ``parent``."""
    under: set[str] = set()
    if parent is not None:
        for code in versions.by_period:
            under |= {u for u, _n in store.expected(code, level, parent) or ()}
    return [
        (code, name)
        for code, name in versions.units()
        if code not in names and (parent is None or code not in units or code in under)
    ]


_HOW = {
    "flow": "Cộng dồn các kỳ: tổng các quý",
    "stock": "Cộng dồn các kỳ: số cuối kỳ",
    "cumulative": "Cộng dồn các kỳ: số lũy kế cuối kỳ",
}


def _row_notes(layout: FormLayout) -> dict[str, str]:
    """How each input row of an appendix rolled up across periods was added up (Ghi chú)."""
    out: dict[str, str] = {}
    for rl in layout.rows:
        row = rl.row
        if not row.is_input:
            continue
        if row.period_agg == "flow" and row.type == "boolean":
            out[row.code] = "Cộng dồn các kỳ: Có nếu một quý bất kỳ ghi Có"
        elif row.period_agg == "flow" and row.type not in ("count", "decimal"):
            out[row.code] = _HOW["stock"]
        else:
            out[row.code] = _HOW[row.period_agg]
    return out


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
    try:
        before = last_year(now)
    except PeriodError:  # before 2000: nothing to compare with
        return None
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
        tuple(c.code for c in res.columns if c.status == "submitted"),
        res.short_units,
    )
