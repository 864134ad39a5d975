"""Adding units up, exactly and level by level (pure: no workbook library).

Each unit contributes a small *state* per row (a sum and a count, a weighted
sum and its weight, counts per answer …). States add up associatively, so a
district's consolidated state added to its neighbours' gives exactly the
province's state computed from all communes at once: xã → huyện → tỉnh equals
xã → tỉnh by construction. Totals are derived from states.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Context, Decimal
from typing import Any

from .catalog import Catalog, Row
from .checks import ratio_value

State = dict[str, Any]
# NOTE: sums are kept as exact decimal strings, so that adding district totals
# gives the very same number as adding all communes at once (float addition is
# not associative: 94.69931506849314 vs …315).
_CTX = Context(prec=60)


def dec(x: object) -> Decimal:
    """Exact decimal of a number (a float's shortest repr, which is what was typed)."""
    if isinstance(x, str):
        return Decimal(x)
    if isinstance(x, int):
        return Decimal(x)
    return Decimal(repr(float(x)))  # type: ignore[arg-type]


def _s(d: Decimal) -> str:
    text = format(d.normalize(_CTX), "f")
    return text


def _dsum(vals: Iterable[object]) -> str:
    total = Decimal(0)
    for v in vals:
        total = _CTX.add(total, dec(v))
    return _s(total)


def as_number(x: object) -> float | int | None:
    """A state's decimal string as the number written to workbooks and JSON."""
    if x is None:
        return None
    d = dec(x)
    if d == d.to_integral_value() and abs(d) < 2**53:
        return int(d)
    return float(d)


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def unit_state(catalog: Catalog, row: Row, values: Mapping[str, object]) -> State:
    """One unit's contribution to ``row`` from its values (inputs and derived rows)."""
    v = values.get(row.code)
    agg = row.agg
    if agg in ("sum", "ratio", "mean"):
        n = _num(v)
        return {"sum": _s(dec(v)), "n": 1} if n is not None else {"sum": None, "n": 0}
    if agg == "weighted_mean":
        n, w = _num(v), _num(values.get(row.weight or ""))
        if n is None or w is None:
            return {"wsum": None, "w": "0", "n": 0}
        return {"wsum": _s(_CTX.multiply(dec(v), dec(values.get(row.weight or "")))), "w": _s(dec(values.get(row.weight or ""))), "n": 1}
    if agg in ("min", "max"):
        n = _num(v)
        return {agg: n, "n": 1 if n is not None else 0}
    if agg == "count_yes":
        if v in (0, 1) and not isinstance(v, bool):
            return {"yes": int(v), "n": 1}
        return {"yes": 0, "n": 0}
    if agg == "count_options":
        counts = {str(o.value): 0 for o in row.options}
        if isinstance(v, int) and not isinstance(v, bool) and str(v) in counts:
            counts[str(v)] = 1
            return {"counts": counts, "n": 1}
        return {"counts": counts, "n": 0}
    return {"n": 0}


def merge(row: Row, states: Iterable[State]) -> State:
    """Add states of one row."""
    agg = row.agg
    out: State
    sts = list(states)
    n = sum(int(s.get("n", 0)) for s in sts)
    if agg in ("sum", "ratio", "mean"):
        vals = [s["sum"] for s in sts if s.get("sum") is not None]
        out = {"sum": _dsum(vals) if vals else None, "n": n}
    elif agg == "weighted_mean":
        ws = [s for s in sts if s.get("wsum") is not None]
        out = {"wsum": _dsum([s["wsum"] for s in ws]) if ws else None, "w": _dsum([s.get("w", "0") for s in ws]) if ws else "0", "n": n}
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


def total(catalog: Catalog, row: Row, states: Mapping[str, State]) -> object:
    """The consolidated value of ``row``: a number, a count, a count per option or None."""
    if row.type == "ratio":
        num = total(catalog, catalog.row(row.numerator or ""), states)
        den = total(catalog, catalog.row(row.denominator or ""), states)
        return ratio_value(num, den)
    s = states.get(row.code)
    if s is None:
        return None
    agg = row.agg
    if agg == "sum":
        return as_number(s.get("sum"))
    if agg == "mean":
        return _clean(float(_CTX.divide(dec(s["sum"]), Decimal(s["n"])))) if s.get("n") and s.get("sum") is not None else None
    if agg == "weighted_mean":
        if s.get("wsum") is None or dec(s.get("w", "0")) == 0:
            return None
        return _clean(float(_CTX.divide(dec(s["wsum"]), dec(s["w"]))))
    if agg in ("min", "max"):
        return _clean(s.get(agg))
    if agg == "count_yes":
        return int(s.get("yes", 0)) if s.get("n") else None
    if agg == "count_options":
        return dict(s.get("counts", {})) if s.get("n") else None
    return None


def _clean(x: object) -> object:
    if isinstance(x, float) and x.is_integer() and abs(x) < 2**53:
        return int(x)
    return x


def unit_value(catalog: Catalog, row: Row, state: State) -> object:
    """What a unit's column shows for a row, from that unit's own state."""
    return total(catalog, row, {row.code: state}) if row.type != "ratio" else None


def consolidate_states(catalog: Catalog, codes: list[str], per_unit: Sequence[Mapping[str, State]]) -> dict[str, State]:
    """Merge the states of all units, row by row."""
    return {code: merge(catalog.row(code), (u[code] for u in per_unit if code in u)) for code in codes}


def states_from_values(catalog: Catalog, codes: list[str], values: Mapping[str, object]) -> dict[str, State]:
    """A single return's state for every row (ratio rows carry none)."""
    return {c: unit_state(catalog, catalog.row(c), values) for c in codes if catalog.row(c).type not in ("heading", "ratio", "text")}
