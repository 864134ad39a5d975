"""Adding units up, exactly and level by level (pure: no workbook library).

What each aggregation type means is defined once, in
:mod:`cchc_xlsx.semantics.aggregation_types`; this module applies it to a
catalogue's rows: :func:`unit_state` and :func:`total` row by row, and the
:class:`Accumulator`, which adds thousands of returns up without building
their state dicts."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from cchc_xlsx.catalog.model import Catalog, Row
from cchc_xlsx.semantics.aggregation_types import AGGREGATION_TYPES, State
from cchc_xlsx.semantics.derived import ratio_value
from cchc_xlsx.semantics.exact import CONTEXT, EXACT_INT, dec, decimal_text, number_or_none


def unit_state(row: Row, values: Mapping[str, object]) -> State:
    """One unit's contribution to ``row`` from its values (inputs and derived rows):
    its aggregation type's :meth:`~cchc_xlsx.semantics.aggregation_types.AggregationType.state`."""
    return AGGREGATION_TYPES[row.agg].state(row, values)


def total(catalog: Catalog, row: Row, states: Mapping[str, State]) -> object:
    """The consolidated value of ``row``: a number, a count, a count per option or
    None. A ratio row's is recomputed from its numerator's and denominator's
    totals (percent points); any other row's is its aggregation type's total of
    its merged state."""
    if row.type == "ratio":
        num = total(catalog, catalog.row(row.numerator or ""), states)
        den = total(catalog, catalog.row(row.denominator or ""), states)
        return ratio_value(num, den)
    s = states.get(row.code)
    if s is None:
        return None
    return AGGREGATION_TYPES[row.agg].total(s)


class Accumulator:
    """Running merge of units' states, one unit at a time.

    ``add_values(values)`` adds, row by row, the state :func:`unit_state` gives
    (without building the dicts); ``add_states(states)`` adds a consolidated
    book's states; ``result()`` is the merged state of every row, which
    :func:`total` turns into the row's total. (``tests/aggregation_oracle.py``
    keeps the dict-by-dict merge these are tested against.) Nothing is kept per unit, so
    memory does not grow with the number of units.
    """

    def __init__(self, catalog: Catalog, codes: Sequence[str]):
        self._rows = [catalog.row(c) for c in codes]
        self._sums: list[Decimal] = [Decimal(0)] * len(self._rows)  # sum | wsum
        self._weights: list[Decimal] = [Decimal(0)] * len(self._rows)  # w (weighted_mean)
        self._any: list[bool] = [False] * len(self._rows)  # a sum/wsum/min/max was added
        self._best: list[Any] = [None] * len(self._rows)  # min | max
        self._n: list[int] = [0] * len(self._rows)
        self._yes: list[int] = [0] * len(self._rows)
        self._counts: list[dict[str, int]] = [
            {str(o.value): 0 for o in r.options} if r.agg == "count_options" else {}
            for r in self._rows
        ]

    def add_values(self, values: Mapping[str, object]) -> None:
        """Add one return's values (the state :func:`unit_state` gives, row by row)."""
        add, mul = CONTEXT.add, CONTEXT.multiply
        for i, row in enumerate(self._rows):
            v = values.get(row.code)
            agg = row.agg
            if agg in ("sum", "ratio", "mean"):
                if number_or_none(v) is not None:
                    self._sums[i] = add(self._sums[i], dec(v))
                    self._any[i] = True
                    self._n[i] += 1
            elif agg == "weighted_mean":
                w = values.get(row.weight or "")
                if number_or_none(v) is not None and number_or_none(w) is not None:
                    dw = dec(w)
                    self._sums[i] = add(self._sums[i], mul(dec(v), dw))
                    self._weights[i] = add(self._weights[i], dw)
                    self._any[i] = True
                    self._n[i] += 1
            elif agg in ("min", "max"):
                x = number_or_none(v)
                if x is not None:
                    self._better(i, agg, x)
                    self._n[i] += 1
            elif agg == "count_yes":
                if v in (0, 1) and not isinstance(v, bool):
                    self._yes[i] += int(v)
                    self._n[i] += 1
            elif agg == "count_options" and isinstance(v, int) and not isinstance(v, bool):
                key = str(v)
                counts = self._counts[i]
                if key in counts:
                    counts[key] += 1
                    self._n[i] += 1

    def add_states(self, states: Mapping[str, State]) -> None:
        """Add one unit's states (a consolidated book's)."""
        add = CONTEXT.add
        for i, row in enumerate(self._rows):
            s = states.get(row.code)
            if s is None:
                continue
            agg = row.agg
            self._n[i] += int(s.get("n", 0))
            if agg in ("sum", "ratio", "mean"):
                if s.get("sum") is not None:
                    self._sums[i] = add(self._sums[i], dec(s["sum"]))
                    self._any[i] = True
            elif agg == "weighted_mean":
                if s.get("wsum") is not None:
                    self._sums[i] = add(self._sums[i], dec(s["wsum"]))
                    self._weights[i] = add(self._weights[i], dec(s.get("w", "0")))
                    self._any[i] = True
            elif agg in ("min", "max"):
                if s.get(agg) is not None:
                    self._better(i, agg, s[agg])
            elif agg == "count_yes":
                self._yes[i] += int(s.get("yes", 0))
            elif agg == "count_options":
                counts = self._counts[i]
                for k, c in s.get("counts", {}).items():
                    counts[k] = counts.get(k, 0) + int(c)

    def _better(self, i: int, agg: str, x: Any) -> None:
        # NOTE: like min()/max(): the first of equal values is kept
        if not self._any[i]:
            self._best[i], self._any[i] = x, True
        elif (x < self._best[i]) if agg == "min" else (x > self._best[i]):
            self._best[i] = x

    def result(self) -> dict[str, State]:
        out: dict[str, State] = {}
        for i, row in enumerate(self._rows):
            agg, n, some = row.agg, self._n[i], self._any[i]
            if agg in ("sum", "ratio", "mean"):
                out[row.code] = {"sum": decimal_text(self._sums[i]) if some else None, "n": n}
            elif agg == "weighted_mean":
                out[row.code] = {
                    "wsum": decimal_text(self._sums[i]) if some else None,
                    "w": decimal_text(self._weights[i]) if some else "0",
                    "n": n,
                }
            elif agg in ("min", "max"):
                out[row.code] = {agg: self._best[i] if some else None, "n": n}
            elif agg == "count_yes":
                out[row.code] = {"yes": self._yes[i], "n": n}
            elif agg == "count_options":
                out[row.code] = {"counts": dict(self._counts[i]), "n": n}
            else:
                out[row.code] = {"n": n}
        return out


def _ordinary(x: object) -> bool:
    """A number whose exact decimal has at most 17 digits (no rounding at 60 digits)."""
    if isinstance(x, float):
        return math.isfinite(x)
    return isinstance(x, int) and not isinstance(x, bool) and abs(x) < EXACT_INT


def _plain(x: int | float) -> int | float:
    """``as_number`` of a typed number's exact decimal, without the decimal."""
    if isinstance(x, int):
        return x if abs(x) < EXACT_INT else float(x)
    if x.is_integer() and abs(x) < EXACT_INT:
        return int(x)
    return x


def return_value(catalog: Catalog, row: Row, values: Mapping[str, object]) -> object:
    """What a return's own column shows for a number row (not ratio, count_yes,
    count_options): the total of the return's own state for that row — or, for a
    weighted row whose weight is blank or 0, the typed figure (it weighs nothing).

    Exactly ``total(catalog, row, {row.code: unit_state(row, values)})``
    with that fallback, without the decimal round trip for ordinary numbers.
    """
    v = values.get(row.code)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    agg = row.agg
    if _ordinary(v):
        if agg in ("sum", "mean", "min", "max"):
            return _plain(v)
        if agg == "weighted_mean":
            w = values.get(row.weight or "")
            if isinstance(w, bool) or not isinstance(w, (int, float)) or w == 0:
                return v
            if _ordinary(w):
                return _plain(v)  # (v × w) / w, exact for ordinary numbers
    t = total(catalog, row, {row.code: unit_state(row, values)})
    return v if t is None else t


def return_weight(row: Row, values: Mapping[str, object]) -> float:
    """A return's weight in its row's mean: 1 when it has a figure (``mean``),
    its weight row's figure (``weighted_mean``), else 0 — the ``n`` or ``w`` of
    :func:`unit_state`, as a number."""
    v = values.get(row.code)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return 0
    if row.agg != "weighted_mean":
        return 1
    w = values.get(row.weight or "")
    if isinstance(w, bool) or not isinstance(w, (int, float)):
        return 0
    return float(w) if _ordinary(w) else float(decimal_text(dec(w)))
