"""One unit's figures for a longer period from its returns of shorter ones.

Each row adds up across periods by its catalogue ``period_agg``
(``docs/catalog-format.md``): ``flow`` rows add up (a Có/Không flow row is Có
when any period says Có); ``stock`` rows (staff present, the state at the
report date) and ``cumulative`` rows ("lũy kế", year to date) take the value
of the return that ends the period. Ratio and sum rows are never added or
averaged: they are computed again from the rolled-up parts, with exactly the
template's formulas (:func:`~cchc_xlsx.semantics.derived.compute_derived`).
Pure: the returns' values come in, the rolled-up values go out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cchc_xlsx.catalog.model import Catalog, Row
from cchc_xlsx.periods import Period, cover
from cchc_xlsx.semantics.derived import compute_derived
from cchc_xlsx.semantics.numbers import format_vn


@dataclass(frozen=True)
class RolledUp:
    """The rolled-up ``values`` by catalogue code (inputs and derived rows, in
    the units of the returns: counts, percent points, 1/0 for Có/Không),
    ``notes`` by code, and ``incomplete``: the codes whose value lacks a period
    (a flow row missing a quarter, a stock or cumulative row taken from a
    return that ends before the period does), each with the reason."""

    values: dict[str, object]
    notes: dict[str, str]
    incomplete: dict[str, str] = field(default_factory=dict)


def _number(v: object) -> float | int | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return v


def _flow(row: Row, values: list[object]) -> object:
    known = [v for v in values if v is not None]
    if not known:
        return None
    if row.type == "boolean":
        return 1 if any(v == 1 for v in known) else 0
    nums = [n for n in (_number(v) for v in known) if n is not None]
    if not nums:
        return known[-1]  # text or a choice declared as flow: the latest, as a stock
    total = sum(nums)
    return int(total) if all(isinstance(n, int) for n in nums) else total


def roll_up(
    catalog: Catalog,
    codes: Sequence[str],
    pieces: Sequence[tuple[str, Mapping[str, object], Mapping[str, str]]],
    *,
    missing: Sequence[str] = (),
    ends_the_period: bool = True,
) -> RolledUp:
    """Roll up a unit's ``pieces`` — ``(label, values, notes)`` of each return,
    in period order, disjoint (:func:`cchc_xlsx.periods.cover`) — into the
    values of the longer period, for the rows ``codes`` (a form's rows).

    ``missing``: labels of the periods no return covers; flow rows then add up
    what there is and are listed in ``incomplete``. ``ends_the_period``:
    whether the last piece ends where the period ends; when not, stock and
    cumulative rows take the last piece's value and are listed in
    ``incomplete`` too. Notes are kept per period (``Quý I: …; Quý II: …``).
    """
    values: dict[str, object] = {}
    notes: dict[str, str] = {}
    incomplete: dict[str, str] = {}
    last_label = pieces[-1][0] if pieces else ""
    lacking = ", ".join(missing)
    for code in codes:
        row = catalog.row(code)
        if not row.is_input:
            continue
        seen = [p[1].get(code) for p in pieces]
        if row.period_agg == "flow" and row.type in ("count", "decimal", "boolean"):
            v = _flow(row, seen)
            if v is not None and missing:
                incomplete[code] = f"Thiếu số liệu {lacking}: chỉ cộng {_join_labels(pieces)}."
        else:
            v = seen[-1] if seen else None
            if v is not None and not ends_the_period:
                incomplete[code] = (
                    f"Chỉ tiêu lấy số cuối kỳ, nhưng thiếu {lacking}: đây là số của {last_label}."
                )
        if v is not None:
            values[code] = v
        texts = [(label, n[code]) for label, _v, n in pieces if n.get(code)]
        if texts:
            distinct = {t for _label, t in texts}
            notes[code] = (
                texts[-1][1]
                if len(distinct) == 1
                else "; ".join(f"{label}: {t}" for label, t in texts)
            )
    derived = compute_derived(catalog, values, codes)
    for code, v in derived.items():
        if v is not None:
            values[code] = v
            row = catalog.row(code)
            parts = [row.numerator, row.denominator] if row.type == "ratio" else list(row.terms)
            why = [incomplete[p] for p in parts if p and p in incomplete]
            if why:
                incomplete[code] = why[0]
    return RolledUp(values, notes, incomplete)


def _join_labels(pieces: Sequence[tuple[str, Mapping[str, object], Mapping[str, str]]]) -> str:
    return " + ".join(p[0] for p in pieces)


def disagreements(
    catalog: Catalog,
    codes: Sequence[str],
    cumulative: Mapping[str, object],
    parts: RolledUp,
    *,
    tolerance: float = 1e-9,
) -> list[tuple[str, object, object]]:
    """The input rows where a cumulative return (6 tháng, 9 tháng, năm) and
    its own quarters rolled up (``parts``) disagree: ``(code, the cumulative
    return's value, the quarters' value)``. A row blank on either side is not a
    disagreement (nothing to compare)."""
    out: list[tuple[str, object, object]] = []
    for code in codes:
        row = catalog.row(code)
        if not row.is_input:
            continue
        a, b = cumulative.get(code), parts.values.get(code)
        if a is None or b is None:
            continue
        na, nb = _number(a), _number(b)
        if na is not None and nb is not None:
            if abs(na - nb) > tolerance * max(1.0, abs(na), abs(nb)):
                out.append((code, a, b))
        elif a != b:
            out.append((code, a, b))
    return out


def shown(row: Row, v: object) -> str:
    """A value as a message shows it: ``1.594``, ``47,37``, ``Có``, a choice's label."""
    if row.type == "boolean" and v in (0, 1):
        return "Có" if v == 1 else "Không"
    if row.type == "choice" and isinstance(v, (int, float)) and not isinstance(v, bool):
        opt = row.option_by_value(int(v))
        return opt.label if opt else str(v)
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return format_vn(v)
    return str(v)


def mismatch_text(row: Row, whole: str, a: object, parts: Sequence[str], b: object) -> str:
    """``Báo cáo 6 tháng ghi 1.1 = 9, nhưng Quý I + Quý II cộng lại được 8`` —
    worded by the row's ``period_agg``: a flow row's quarters add up, a stock
    or "lũy kế" row's figure is the last quarter's."""
    head = f"Báo cáo {whole} ghi {row.code} = {shown(row, a)}, nhưng "
    if row.period_agg == "flow" and row.type in ("count", "decimal"):
        return head + f"{' + '.join(parts)} cộng lại được {shown(row, b)}"
    if row.period_agg == "flow" and row.type == "boolean":
        return head + f"theo {', '.join(parts)} là {shown(row, b)}"
    return head + f"{parts[-1]} (số cuối kỳ) ghi {shown(row, b)}"


def against_parts(
    catalog: Catalog,
    codes: Sequence[str],
    whole: Period,
    values: Mapping[str, object],
    shorter: Mapping[str, Mapping[str, object]],
) -> list[tuple[str, str]]:
    """Where a cumulative report (6 tháng, 9 tháng, năm) and the unit's shorter
    returns of the year that make it up disagree: ``(code, text)`` per input row
    (``Báo cáo 9 tháng … ghi 1.1 = 9, nhưng 6 tháng + Quý III cộng lại được 8``).
    ``shorter``: the values of the unit's other returns, by period code; they
    make up ``whole`` by :func:`~cchc_xlsx.periods.cover` (its 6-month report and
    quarter III for a 9-month report, else its quarters); nothing is compared
    when one is missing."""
    cov = cover(whole, [c for c in shorter if c != whole.code])
    if not cov.complete or not cov.pieces:
        return []
    labels = [p.label_in_year for p in cov.pieces]
    parts = roll_up(
        catalog, codes, [(lb, shorter[p.code], {}) for lb, p in zip(labels, cov.pieces)]
    )
    return [
        (code, mismatch_text(catalog.row(code), whole.label, a, labels, b))
        for code, a, b in disagreements(catalog, codes, values, parts)
    ]
