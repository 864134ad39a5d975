"""Every aggregation type of the vocabulary is defined once, with both compilations."""

from __future__ import annotations

import pytest

from cchc_xlsx.catalog.load import parse_catalog
from cchc_xlsx.semantics.aggregation_types import AGGREGATION_TYPES
from cchc_xlsx.semantics.aggregations import Accumulator, total
from cchc_xlsx.vocabulary import AGGS, ALLOWED_AGG
from tests.aggregation_oracle import consolidate_states, states_from_values

CATALOG = parse_catalog(
    """
catalog: {id: t, version: "1", title: T, levels: [xa, huyen]}
rows:
  - {code: "1", label: Hồ sơ, type: count}
  - {code: "2", label: Điểm, type: decimal, agg: mean}
  - {code: "3", label: Điểm theo hồ sơ, type: decimal, agg: weighted_mean, weight: "1"}
  - {code: "4", label: Ít nhất, type: count, agg: min}
  - {code: "5", label: Nhiều nhất, type: count, agg: max}
  - {code: "6", label: Có kế hoạch, type: boolean}
  - {code: "7", label: Hình thức, type: choice, options: [{value: 1, label: A}, {value: 2, label: B}]}
"""
)
RETURNS = [
    {"1": 10, "2": 7.5, "3": 8, "4": 3, "5": 3, "6": 1, "7": 1},
    {"1": 30, "2": 9, "3": 6, "4": 1, "5": 9, "6": 0, "7": 2},
    {"1": 0.1, "2": 0.2, "3": 0.3, "4": 2, "5": 2, "6": 1, "7": 2},
    {},
]


def test_every_aggregation_of_the_vocabulary_has_one_definition():
    assert set(AGGREGATION_TYPES) == set(AGGS)
    assert all(AGGREGATION_TYPES[a].agg == a and AGGREGATION_TYPES[a].title for a in AGGS)
    assert set().union(*ALLOWED_AGG.values()) <= set(AGGS)


def test_each_type_has_an_excel_total_unless_it_is_computed_otherwise():
    rows = {r.agg: r for r in CATALOG.rows}
    for agg, kind in AGGREGATION_TYPES.items():
        formula = kind.excel_total(rows.get(agg, CATALOG.rows[0]), "E12:H12", "'_w'!E12:H12")
        assert (formula is None) == (agg in ("ratio", "none")), agg
        if formula and kind.uses_weights:
            assert "'_w'!E12:H12" in formula


def test_the_accumulator_gives_the_definitions_totals():
    """The fast path (no per-unit dicts) against each type's state() and total()."""
    codes = [r.code for r in CATALOG.rows]
    acc = Accumulator(CATALOG, codes)
    for values in RETURNS:
        acc.add_values(values)
    fast = acc.result()
    slow = consolidate_states(CATALOG, codes, [states_from_values(CATALOG, codes, v) for v in RETURNS])
    assert fast == slow
    assert total(CATALOG, CATALOG.row("1"), fast) == 40.1
    assert total(CATALOG, CATALOG.row("2"), fast) == pytest.approx((7.5 + 9 + 0.2) / 3, rel=1e-15)
    assert total(CATALOG, CATALOG.row("3"), fast) == pytest.approx((8 * 10 + 6 * 30 + 0.3 * 0.1) / 40.1, rel=1e-15)
    assert (total(CATALOG, CATALOG.row("4"), fast), total(CATALOG, CATALOG.row("5"), fast)) == (1, 9)
    assert total(CATALOG, CATALOG.row("6"), fast) == 2
    assert total(CATALOG, CATALOG.row("7"), fast) == {"1": 1, "2": 2}
