"""The catalogue's rows, rules and sheets: frozen values, built by :mod:`cchc_xlsx.catalog.load`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cchc_xlsx.catalog.expressions import Comparison
from cchc_xlsx.catalog.schema import TARGET_COMPARISONS as TARGET_COMPARISONS
from cchc_xlsx.vocabulary import (
    INPUT_TYPES,
    NUMERIC_TYPES,
    Agg,
    FedAgg,
    PeriodAgg,
    RowType,
    RuleSeverity,
)


@dataclass(frozen=True)
class Option:
    """One coded answer of a choice row (``Trực tuyến`` = 0)."""

    value: int
    label: str


@dataclass(frozen=True)
class FedBy:
    """A higher level's own row that is pre-filled from the lower level's returns."""

    code: str
    agg: FedAgg


@dataclass(frozen=True)
class Row:
    """One row of the form."""

    code: str
    label: str
    type: RowType
    sheet: str
    line: int
    hint: str = ""
    unit: str = ""
    note: str = ""
    levels: tuple[str, ...] = ()
    agg: Agg = "none"
    weight: str | None = None
    period_agg: PeriodAgg = "flow"
    numerator: str | None = None
    denominator: str | None = None
    allow_over_100: bool = False
    terms: tuple[str, ...] = ()
    part_of: str | None = None
    parts_exhaustive: bool = False
    options: tuple[Option, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None
    fed_by: FedBy | None = None

    @property
    def is_input(self) -> bool:
        """A person types this row's value (column D is unlocked)."""
        return self.type in INPUT_TYPES

    @property
    def is_formula(self) -> bool:
        """This row's value is a locked formula (ratio, sum)."""
        return self.type in ("ratio", "sum")

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def depth(self) -> int:
        """1 for ``3``, 2 for ``3.3``, 3 for ``3.3.1`` …"""
        return self.code.count(".") + 1

    def bounds(self) -> tuple[float | None, float | None]:
        """The lowest and highest value allowed (type bounds narrowed by ``min``/``max``)."""
        lo: float | None = 0.0 if self.type in ("count", "decimal", "percent") else None
        hi: float | None = 100.0 if self.type == "percent" else None
        if self.min is not None:
            lo = self.min if lo is None else max(lo, self.min)
        if self.max is not None:
            hi = self.max if hi is None else min(hi, self.max)
        return lo, hi

    def option_by_value(self, value: int) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None


@dataclass(frozen=True)
class Rule:
    """A rule between rows, compiled both to Python (:meth:`Comparison.holds`) and to Excel."""

    id: str
    check: Comparison
    severity: RuleSeverity
    message: str
    origin: str  # "catalog", "ratio", "part", "parts_sum"
    line: int
    levels: tuple[str, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return self.check.refs()


@dataclass(frozen=True)
class Target:
    """A target of a programme or plan (seed 003's Phụ lục 8): the value of row
    ``code`` (a ratio in percent points, a count …) compared with ``threshold``
    by ``compare``, for the reports of the years ``from_year`` … ``to_year``
    (None: no bound) and the form levels ``levels`` (empty: every level).
    ``text`` is the target's wording as the report prints it."""

    id: str
    code: str
    compare: str
    threshold: float
    text: str
    line: int
    from_year: int | None = None
    to_year: int | None = None
    levels: tuple[str, ...] = ()

    def applies(self, year: int | None, level: str | None) -> bool:
        """Whether a report of ``year`` (None: any) on the form of ``level`` grades this target."""
        if year is not None and self.from_year is not None and year < self.from_year:
            return False
        if year is not None and self.to_year is not None and year > self.to_year:
            return False
        return not (self.levels and level is not None and level not in self.levels)


@dataclass(frozen=True)
class Sheet:
    """One sheet of the form (a single-form catalogue has one)."""

    id: str
    name: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Catalog:
    """A validated catalogue. Build it with :func:`load_catalog`."""

    id: str
    version: str
    title: str
    source: str
    levels: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    rules: tuple[Rule, ...]
    path: str
    content_hash: str
    _by_code: Mapping[str, Row] = field(default_factory=dict, repr=False, compare=False)
    targets: tuple[Target, ...] = ()

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for s in self.sheets for r in s.rows)

    def row(self, code: str) -> Row:
        """The row of catalogue code ``code``; raises KeyError for an unknown code."""
        return self._by_code[code]

    def has_row(self, code: str) -> bool:
        """Whether ``code`` is a row of this catalogue."""
        return code in self._by_code

    def rows_for_level(self, level: str) -> tuple[Row, ...]:
        """The rows of ``level``'s form, in printed order (empty for a level the catalogue lacks)."""
        return tuple(r for r in self.rows if level in r.levels)

    def rules_for_level(self, level: str) -> tuple[Rule, ...]:
        present = {r.code for r in self.rows_for_level(level)}
        return tuple(
            rule
            for rule in self.rules
            if all(c in present for c in rule.refs) and (not rule.levels or level in rule.levels)
        )
