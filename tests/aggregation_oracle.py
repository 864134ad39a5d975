"""The dict-by-dict merge of aggregation states: the slow, obvious definition
that :class:`cchc_xlsx.semantics.aggregations.Accumulator` is tested against."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from cchc_xlsx.catalog.model import Catalog, Row
from cchc_xlsx.semantics.aggregation_types import State
from cchc_xlsx.semantics.aggregations import unit_state
from cchc_xlsx.semantics.exact import CONTEXT, dec, decimal_text


def dsum(vals: Iterable[object]) -> str:
    total = Decimal(0)
    for v in vals:
        total = CONTEXT.add(total, dec(v))
    return decimal_text(total)


def merge(row: Row, states: Iterable[State]) -> State:
    """Add states of one row."""
    agg = row.agg
    out: State
    sts = list(states)
    n = sum(int(s.get("n", 0)) for s in sts)
    if agg in ("sum", "ratio", "mean"):
        vals = [s["sum"] for s in sts if s.get("sum") is not None]
        out = {"sum": dsum(vals) if vals else None, "n": n}
    elif agg == "weighted_mean":
        ws = [s for s in sts if s.get("wsum") is not None]
        out = {
            "wsum": dsum([s["wsum"] for s in ws]) if ws else None,
            "w": dsum([s.get("w", "0") for s in ws]) if ws else "0",
            "n": n,
        }
    elif agg in ("min", "max"):
        vals = [s[agg] for s in sts if s.get(agg) is not None]
        out = {agg: (min(vals) if agg == "min" else max(vals)) if vals else None, "n": n}
    elif agg == "count_yes":
        out = {"yes": sum(int(s.get("yes", 0)) for s in sts), "n": n}
    elif agg == "count_options":
        counts = {str(o.value): 0 for o in row.options}
        for s in sts:
            for k, c in s.get("counts", {}).items():
                counts[k] = counts.get(k, 0) + int(c)
        out = {"counts": counts, "n": n}
    else:
        out = {"n": n}
    return out


def consolidate_states(
    catalog: Catalog, codes: list[str], per_unit: Sequence[Mapping[str, State]]
) -> dict[str, State]:
    """Merge the states of all units, row by row."""
    return {
        code: merge(catalog.row(code), (u[code] for u in per_unit if code in u)) for code in codes
    }


def states_from_values(
    catalog: Catalog, codes: list[str], values: Mapping[str, object]
) -> dict[str, State]:
    """A single return's state for every row (ratio rows carry none)."""
    return {
        c: unit_state(catalog.row(c), values)
        for c in codes
        if catalog.row(c).type not in ("heading", "ratio", "text")
    }
