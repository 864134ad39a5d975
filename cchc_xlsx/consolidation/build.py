"""Settling the units' columns (submitted, missing, rejected, conflicting),
adding their values up, and marking the values involved in errors. Pure: it
writes no file and changes no record of the batch; what it decides about files
is returned as settlements, which the caller applies."""

from __future__ import annotations

import os
from typing import Literal

from cchc_xlsx.batch.result import CheckResult, Settlement
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.flags import error_cells, partners, without_flagged
from cchc_xlsx.consolidation.model import Consolidation, UnitColumn
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.semantics.aggregations import Accumulator, total
from cchc_xlsx.units import Units


def build_consolidation(
    batch: CheckResult,
    catalog: Catalog,
    units: Units | None,
    unit: str | None,
    prefer: Literal["latest"] | None,
    *,
    exclude_errors: bool = False,
) -> Consolidation:
    """Settle each expected unit's column from the batch's files and add the
    columns up (DHIS2's aggregation types, :mod:`cchc_xlsx.semantics.aggregations`).

    Pure with respect to the batch: it reads the files' records and values and
    changes none of them; what it decides about files (a conflict, the latest of
    several files chosen with ``prefer="latest"``) is returned as
    ``Consolidation.settlements``, which the caller applies with
    :meth:`~cchc_xlsx.batch.result.CheckResult.settle`.
    """
    files = batch.files
    rules_by_id = {r.id: r for r in catalog.rules}
    involves = partners(catalog)
    form_level = batch.form_level or batch.level or catalog.levels[0]
    layout = build_layout(catalog, form_level) if form_level in catalog.levels else None
    codes = [rl.code for rl in layout.rows] if layout else []
    # columns: the expected units in units-file order, else the units that sent files
    if batch.expected is not None and units is not None:
        columns = [UnitColumn(c, units[c].name) for c in batch.expected]
    else:
        columns = [UnitColumn(c, n or c) for c, n in files.first_units()]
    # NOTE: states are added up unit by unit as the columns are settled; no unit's state is kept
    acc = Accumulator(
        catalog, [c for c in codes if catalog.row(c).type not in ("heading", "ratio", "text")]
    )
    partial = False
    settlements: list[Settlement] = []  # applied to the batch by the caller
    for col in columns:
        considered = list(files.items(unit=col.code, status=("accepted", "rejected")))
        col.files = tuple(i for i, _f in considered)
        ok = [(i, f) for i, f in considered if f.status == "accepted"]
        if not ok:
            col.status = "rejected" if considered else "missing"
            partial = True
            continue
        if len(ok) > 1:
            if prefer == "latest":
                ok.sort(key=lambda p: (p[1].generated_at or "", p[1].mtime or 0.0, p[1].path))
                winner = ok[-1][1]
                for i, _f in ok[:-1]:
                    settlements.append(
                        Settlement(
                            i,
                            issue(
                                IssueCode.CONFLICT_RESOLVED,
                                f"{col.name} ({col.code}) nộp nhiều tệp khác nhau; dùng tệp mới hơn {os.path.basename(winner.path)} (đã chọn lấy tệp mới nhất).",
                            ),
                            "skipped",
                        )
                    )
                settlements.append(
                    Settlement(
                        ok[-1][0],
                        issue(
                            IssueCode.CONFLICT_RESOLVED,
                            f"Tệp mới nhất trong {len(ok)} tệp của {col.name}; được dùng để tổng hợp.",
                        ),
                    )
                )
                ok = [ok[-1]]
            else:
                col.status = "conflict"
                partial = True
                names = ", ".join(os.path.basename(f.path) for _i, f in ok)
                for i, _f in ok:
                    settlements.append(
                        Settlement(
                            i,
                            issue(
                                IssueCode.UNIT_CONFLICT,
                                f"{col.name} ({col.code}) nộp {len(ok)} tệp khác nhau ({names}); không tệp nào được cộng. Hãy xóa tệp sai, hoặc tổng hợp lại và chọn tệp cần dùng (lựa chọn prefer: tên tệp đó, hoặc latest để lấy tệp mới nhất).",
                            ),
                        )
                    )
                continue
        i, f = ok[0]
        col.status = "submitted"
        col.file = i
        col.files = ()
        col.flagged = error_cells(f, rules_by_id, involves)
        doubts = error_cells(f, rules_by_id, severity="warning")
        if doubts:
            col.doubtful = {c: m for c, m in doubts.items() if c not in col.flagged}
        partial = partial or bool(f.source.get("partial"))
        if f.kind == "consolidated" and f.state is not None:
            col.state = {
                c: f.state[c]
                for c in codes
                if c in f.state and not (exclude_errors and c in col.flagged)
            }
            col.from_consolidated = True
            if col.flagged:  # NOTE: an empty frozenset per unit would cost ~200 bytes each
                col.left_out = frozenset(
                    c for c in col.flagged if c not in f.state and _has_state(catalog, c)
                )
            acc.add_states(col.state)
        else:
            values = files.values(i)[0]
            if col.flagged:
                col.left_out = frozenset(
                    c for c in col.flagged if values.get(c) is None and _has_state(catalog, c)
                )
            acc.add_values(
                without_flagged(catalog, values, col.flagged)
                if exclude_errors and col.flagged
                else values
            )
    states = acc.result()
    totals: dict[str, object] = {}
    for code in codes:
        row = catalog.row(code)
        if row.type in ("heading", "text"):
            continue
        v = total(catalog, row, states)
        if v is not None:
            totals[code] = v
    unit_name, unit_level = "", ""
    if unit and units is not None and unit in units:
        unit_name, unit_level = units[unit].name, units[unit].level
    flagged_totals: dict[str, list[str]] = {}
    excluded_totals: dict[str, list[str]] = {}
    if any(c.flagged for c in columns):
        feeds = _feeding_rows(catalog, codes)
        for col in columns:
            if col.status == "submitted" and col.flagged:
                out = col.flagged.keys() if exclude_errors else col.left_out
                for code in codes:
                    fed = feeds.get(code, frozenset())
                    if fed & col.flagged.keys():
                        flagged_totals.setdefault(code, []).append(col.code)
                        if fed & out:
                            excluded_totals.setdefault(code, []).append(col.code)
    return Consolidation(
        batch,
        catalog,
        layout,
        columns,
        totals,
        states,
        unit,
        unit_name,
        unit_level,
        partial,
        exclude_errors=exclude_errors,
        flagged_totals=flagged_totals,
        excluded_totals=excluded_totals,
        settlements=tuple(settlements),
    )


def _has_state(catalog: Catalog, code: str) -> bool:
    """Whether ``code`` is a row a unit's figure is typed into (a ratio or a sum
    row is computed: it is never "left out" itself, its parts are)."""
    return catalog.has_row(code) and catalog.row(code).is_input


def _feeding_rows(catalog: Catalog, codes: list[str]) -> dict[str, frozenset[str]]:
    """Per row, the rows whose values its total is made of (itself included)."""
    memo: dict[str, frozenset[str]] = {}

    def feeds(code: str) -> frozenset[str]:
        if code not in memo:
            memo[code] = frozenset(
                {code}
            )  # NOTE: cycles are refused by the loader; this guards anyway
            row = catalog.row(code)
            parts: tuple[str | None, ...] = (
                (row.numerator, row.denominator)
                if row.type == "ratio"
                else row.terms
                if row.type == "sum"
                else (row.weight,)
                if row.agg == "weighted_mean"
                else ()
            )
            memo[code] = frozenset({code}).union(*(feeds(p) for p in parts if p))
        return memo[code]

    return {c: feeds(c) for c in codes}


def own_form_doubtful(res: Consolidation) -> dict[str, list[str]]:
    """The consolidating unit's own rows fed by a total that includes or lacks a
    value in error, with the units behind it: they are not pre-filled (a
    doubtful figure must not go up a level looking like a clean one)."""
    if not res.unit_level:
        return {}
    return {
        row.code: res.flagged_totals[row.fed_by.code]
        for row in res.catalog.rows_for_level(res.unit_level)
        if row.fed_by is not None and row.fed_by.code in res.flagged_totals
    }


def own_form_values(res: Consolidation) -> dict[str, object]:
    """Values of the consolidating unit's own rows that its lower level feeds
    (``fed_by``), except those :func:`own_form_doubtful` names."""
    if not res.unit_level:
        return {}
    doubtful = own_form_doubtful(res)
    out: dict[str, object] = {}
    for row in res.catalog.rows_for_level(res.unit_level):
        fb = row.fed_by
        if fb is None or row.code in doubtful:
            continue
        if fb.agg == "count_yes":
            st = res.states.get(fb.code)
            if st is not None and st.get("n"):
                out[row.code] = int(st.get("yes", 0))
        else:
            v = res.totals.get(fb.code)
            if isinstance(v, (int, float)):
                out[row.code] = v
    return out
