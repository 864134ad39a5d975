"""The aggregation types, each defined once and compiled twice.

A row's ``agg`` (DHIS2's aggregation types: SUM, AVERAGE, AVERAGE weighted,
MIN, MAX, COUNT of Có answers, COUNT per option; NONE) is one
:class:`AggregationType` object that holds both of its meanings side by side:

* **Excel**: :meth:`AggregationType.excel_total`, the Tổng cộng formula of the
  summed appendix over the row's unit cells (and their weights on the hidden
  weights sheet), so that an office that corrects a unit's figure in the
  appendix sees the total follow;
* **Python**: :meth:`AggregationType.state` (one unit's contribution, kept as
  an exact decimal string) and :meth:`AggregationType.total` (the state's
  total), which the consolidator caches into that formula and reports.

:class:`~cchc_xlsx.semantics.aggregations.Accumulator` adds thousands of units
up without building per-unit state dicts; tests hold it equal to these
definitions (``tests/aggregation_oracle.py``), and LibreOffice and Gnumeric
recompute every formula to the cached totals.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cchc_xlsx.catalog.expressions import excel_string
from cchc_xlsx.catalog.model import Row
from cchc_xlsx.semantics.exact import CONTEXT, as_number, clean, dec, decimal_text, number_or_none
from cchc_xlsx.vocabulary import Agg

State = dict[str, Any]


class AggregationType:
    """One aggregation type: its Vietnamese ``title``, whether its Excel total
    reads the weights sheet (``uses_weights``), and its two compilations."""

    agg: Agg
    title: str
    uses_weights: bool = False

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        """The Tổng cộng formula over the unit cells ``values`` (an A1 range) and
        their weights ``weights`` (a range of the weights sheet); None when the
        row has no Excel total (ratios are computed from summed parts)."""
        return None

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        """One unit's contribution to ``row`` from its values (inputs and derived rows)."""
        return {"n": 0}

    def total(self, s: State) -> object:
        """The total of a (merged) state: a number, a count, a count per option or None."""
        return None


def _sum_state(row: Row, values: Mapping[str, object]) -> State:
    v = values.get(row.code)
    if number_or_none(v) is not None:
        return {"sum": decimal_text(dec(v)), "n": 1}
    return {"sum": None, "n": 0}


class Sum(AggregationType):
    agg: Agg = "sum"
    title = "cộng"

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        return f'IF(COUNT({values})=0,"",SUM({values}))'

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        return _sum_state(row, values)

    def total(self, s: State) -> object:
        return as_number(s.get("sum"))


class RatioParts(Sum):
    """A ratio row: its own figures are summed like a sum (the state kept for a
    level above); its total is recomputed from its summed numerator and denominator."""

    agg: Agg = "ratio"
    title = "tính lại từ tử/mẫu"

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        return None


class Mean(AggregationType):
    agg: Agg = "mean"
    title = "trung bình"
    uses_weights = True  # each unit with a figure weighs 1

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        return f'IF(SUM({weights})=0,"",SUMPRODUCT({values},{weights})/SUM({weights}))'

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        return _sum_state(row, values)

    def total(self, s: State) -> object:
        if s.get("n") and s.get("sum") is not None:
            return clean(float(CONTEXT.divide(dec(s["sum"]), Decimal(s["n"]))))
        return None


class WeightedMean(Mean):
    agg: Agg = "weighted_mean"
    title = "trung bình có trọng số"

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        v = values.get(row.code)
        n, w = number_or_none(v), number_or_none(values.get(row.weight or ""))
        if n is None or w is None:
            return {"wsum": None, "w": "0", "n": 0}
        return {
            "wsum": decimal_text(CONTEXT.multiply(dec(v), dec(values.get(row.weight or "")))),
            "w": decimal_text(dec(values.get(row.weight or ""))),
            "n": 1,
        }

    def total(self, s: State) -> object:
        if s.get("wsum") is None or dec(s.get("w", "0")) == 0:
            return None
        return clean(float(CONTEXT.divide(dec(s["wsum"]), dec(s["w"]))))


class Extreme(AggregationType):
    """``min`` or ``max`` of the units' figures."""

    def __init__(self, agg: Agg, title: str) -> None:
        self.agg, self.title = agg, title

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        return f'IF(COUNT({values})=0,"",{self.agg.upper()}({values}))'

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        n = number_or_none(values.get(row.code))
        return {self.agg: n, "n": 1 if n is not None else 0}

    def total(self, s: State) -> object:
        return clean(s.get(self.agg))


class CountYes(AggregationType):
    agg: Agg = "count_yes"
    title = "đếm số “Có”"
    uses_weights = True  # a weight of 1 marks a unit that answered

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        # NOTE: a return's cell holds "Có"/"Không"; a consolidated input's, its count
        return f'IF(SUM({weights})=0,"",COUNTIF({values},"Có")+SUM({values}))'

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        v = values.get(row.code)
        if v in (0, 1) and not isinstance(v, bool):
            return {"yes": int(v), "n": 1}
        return {"yes": 0, "n": 0}

    def total(self, s: State) -> object:
        return int(s.get("yes", 0)) if s.get("n") else None


class CountOptions(AggregationType):
    agg: Agg = "count_options"
    title = "đếm theo lựa chọn"
    uses_weights = True  # a weight of 1 marks a unit that answered

    def excel_total(self, row: Row, values: str, weights: str) -> str | None:
        parts = [
            f"{excel_string(o.label + ': ')}&COUNTIF({values},{excel_string(o.label)})"
            for o in row.options
        ]
        return f'IF(SUM({weights})=0,"",' + '&"; "&'.join(parts) + ")"

    def state(self, row: Row, values: Mapping[str, object]) -> State:
        v = values.get(row.code)
        counts = {str(o.value): 0 for o in row.options}
        if isinstance(v, int) and not isinstance(v, bool) and str(v) in counts:
            counts[str(v)] = 1
            return {"counts": counts, "n": 1}
        return {"counts": counts, "n": 0}

    def total(self, s: State) -> object:
        return dict(s.get("counts", {})) if s.get("n") else None


class NoTotal(AggregationType):
    agg: Agg = "none"
    title = "không cộng"


AGGREGATION_TYPES: dict[str, AggregationType] = {
    t.agg: t
    for t in (
        Sum(),
        RatioParts(),
        Mean(),
        WeightedMean(),
        Extreme("min", "nhỏ nhất"),
        Extreme("max", "lớn nhất"),
        CountYes(),
        CountOptions(),
        NoTotal(),
    )
}
