"""Derived values and rule checks in Python, with exactly the meaning of the
template's Excel formulas (``layout.form.ratio_formula``, ``sum_formula`` and
``Comparison.excel_violated``). Pure: no workbook library here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from cchc_xlsx.catalog.expressions import render_message
from cchc_xlsx.catalog.model import Catalog, Row, Rule
from cchc_xlsx.issues import Issue, IssueCode, issue


def _num(v: object) -> float | None:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def ratio_value(num: object, den: object) -> float | None:
    """numerator / denominator × 100; None when a part is blank or the denominator is 0."""
    n, d = _num(num), _num(den)
    if n is None or d is None or d == 0:
        return None
    return n / d * 100


def compute_derived(
    catalog: Catalog, values: Mapping[str, object], codes: Iterable[str]
) -> dict[str, float | None]:
    """Values of the ratio and sum rows among ``codes``, from the input ``values``."""
    memo: dict[str, float | None] = {}

    def value(code: str) -> object:
        row = catalog.row(code)
        if row.type in ("ratio", "sum"):
            return derived(row)
        return values.get(code)

    def derived(row: Row) -> float | None:
        if row.code in memo:
            return memo[row.code]
        memo[row.code] = None  # cycles are refused by the loader; this guards anyway
        result: float | None
        if row.type == "ratio":
            result = ratio_value(value(row.numerator or ""), value(row.denominator or ""))
        else:
            nums = [n for n in (_num(value(t)) for t in row.terms) if n is not None]
            result = sum(nums) if nums else None
        memo[row.code] = result
        return result

    out: dict[str, float | None] = {}
    for code in codes:
        row = catalog.row(code)
        if row.type in ("ratio", "sum"):
            out[code] = derived(row)
    return out


def check_rules(
    rules: Iterable[Rule], values: Mapping[str, object], cell_of: Mapping[str, str] | None = None
) -> list[Issue]:
    """An issue for every rule that is checked and broken."""
    out: list[Issue] = []
    nums = {k: _num(v) for k, v in values.items()}
    for rule in rules:
        if rule.check.holds(nums) is False:
            anchor = rule.refs[0]
            out.append(
                issue(
                    IssueCode.RULE,
                    render_message(rule.message, nums),
                    indicator=anchor,
                    cell=(cell_of or {}).get(anchor),
                    severity=rule.severity,
                    rule=rule.id,
                )
            )
    return out
