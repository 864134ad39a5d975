"""Targets graded from the figures: Đạt, Không đạt, or chưa đủ số liệu.

A target (:class:`~cchc_xlsx.catalog.model.Target`) compares the value of one
row with a threshold. A ratio is graded only when both of its parts are known
and its denominator is not zero; any other row when its value is known. The
comparison allows for the last bits of floating point (a ratio of 4/5 is 80,
not 79.99999999999999), nothing more: 79.99 is below 80.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from cchc_xlsx.catalog.model import Catalog, Row, Target
from cchc_xlsx.semantics.exact import number_or_none
from cchc_xlsx.semantics.numbers import format_parts, format_percent, format_vn

GradeStatus = Literal["dat", "khong_dat", "thieu", "kiem_tra"]
#: the grade as the report prints it (seed 003's Phụ lục 8: Đạt / Không đạt)
GRADE_TEXT: dict[GradeStatus, str] = {
    "dat": "Đạt",
    "khong_dat": "Không đạt",
    "thieu": "Chưa đủ số liệu",
    "kiem_tra": "Cần kiểm tra số liệu",
}
#: the comparison as the report says it
COMPARE_TEXT = {
    ">=": "tối thiểu",
    ">": "trên",
    "<=": "tối đa",
    "<": "dưới",
    "==": "bằng",
}
_EPS = 1e-9


@dataclass(frozen=True)
class Grade:
    """One target graded: ``status``, the achieved ``value`` (percent points for
    a ratio or percent row; None when not known), a ratio's ``numerator`` and
    ``denominator``, and ``achieved``, the figure as the report quotes it
    (``89,43% (1.594/1.789 thủ tục)``; what is missing when it is not known)."""

    target: Target
    status: GradeStatus
    value: float | None
    numerator: float | None
    denominator: float | None
    achieved: str
    doubt: str = ""  # why the figure must be checked before it is graded (status kiem_tra)

    @property
    def status_text(self) -> str:
        """``Đạt``, ``Không đạt``, ``Chưa đủ số liệu`` or ``Cần kiểm tra số liệu``."""
        return GRADE_TEXT[self.status]

    @property
    def graded(self) -> bool:
        """Đạt or Không đạt (the figures were there and can be trusted)."""
        return self.status in ("dat", "khong_dat")


def is_percent(row: Row) -> bool:
    """Whether the row's figure is quoted as a percentage: a ratio or percent
    row, or a decimal in "%" (a count whose unit says "%" is a mislabelled
    count, as in seed 001, and quoted as a number)."""
    return row.type in ("ratio", "percent") or (row.type == "decimal" and row.unit.strip() == "%")


def _percent_near(value: float, threshold: float) -> str:
    """``value`` as a percentage, with the decimals it takes not to read as the
    threshold when it is not (79,9995 % is "79,9995%", not "80%" next to "Không đạt")."""
    eps = _EPS * max(1.0, abs(threshold))
    text = format_percent(value)
    if abs(value - threshold) > eps:
        for decimals in range(3, 9):
            if text != format_percent(threshold):
                break
            text = format_percent(value, decimals)
    return text


def meets(value: float, compare: str, threshold: float) -> bool:
    """Whether ``value`` meets ``threshold`` by ``compare`` (``>=``, ``>``, ``<=``, ``<``, ``==``)."""
    eps = _EPS * max(1.0, abs(threshold))
    if compare == ">=":
        return value >= threshold - eps
    if compare == ">":
        return value > threshold + eps
    if compare == "<=":
        return value <= threshold + eps
    if compare == "<":
        return value < threshold - eps
    return abs(value - threshold) <= eps


def grade(
    catalog: Catalog,
    target: Target,
    values: Mapping[str, object],
    doubts: Mapping[str, str] | None = None,
) -> Grade:
    """Grade ``target`` on ``values`` (figures by catalogue code, ratios in
    percent points, as :attr:`Consolidation.totals`). ``doubts``: per code,
    why a total must be checked (it includes values in error); a target whose
    row or parts are among them is not graded (``kiem_tra``: cần kiểm tra số
    liệu), its figure still quoted and the reason in ``doubt``."""
    found = _graded(catalog, target, values)
    row = catalog.row(target.code)
    involved = [target.code, *(c for c in (row.numerator, row.denominator) if c)]
    why = next((doubts[c] for c in involved if doubts and c in doubts), None)
    if why is None or found.status == "thieu":
        return found
    return Grade(
        target, "kiem_tra", found.value, found.numerator, found.denominator, found.achieved, why
    )


def _graded(catalog: Catalog, target: Target, values: Mapping[str, object]) -> Grade:
    row = catalog.row(target.code)
    if row.type == "ratio" and row.numerator and row.denominator:
        num, den = (
            number_or_none(values.get(row.numerator)),
            number_or_none(values.get(row.denominator)),
        )
        missing = [c for c, v in ((row.numerator, num), (row.denominator, den)) if v is None]
        if missing:
            return Grade(target, "thieu", None, num, den, f"chưa có số liệu {', '.join(missing)}")
        assert num is not None and den is not None
        if den == 0:
            return Grade(
                target,
                "thieu",
                None,
                num,
                den,
                f"mẫu số {row.denominator} bằng 0, chưa tính được tỷ lệ",
            )
        value = 100.0 * num / den
        unit = catalog.row(row.denominator).unit
        achieved = f"{_percent_near(value, target.threshold)} ({format_parts(num, den, unit)})"
        status: GradeStatus = (
            "dat" if meets(value, target.compare, target.threshold) else "khong_dat"
        )
        return Grade(target, status, value, num, den, achieved)
    v = number_or_none(values.get(target.code))
    if v is None:
        return Grade(target, "thieu", None, None, None, f"chưa có số liệu {target.code}")
    if is_percent(row):
        achieved = _percent_near(v, target.threshold)
    else:
        achieved = f"{format_vn(v)} {row.unit.strip().lower()}".strip()
    status = "dat" if meets(v, target.compare, target.threshold) else "khong_dat"
    return Grade(target, status, v, None, None, achieved)


def grade_targets(
    catalog: Catalog,
    values: Mapping[str, object],
    *,
    year: int | None,
    level: str | None,
    doubts: Mapping[str, str] | None = None,
) -> list[Grade]:
    """Every target of ``catalog`` that applies to a report of ``year`` on the
    form of ``level`` (and whose row that form has), graded on ``values``
    (``doubts`` as :func:`grade`)."""
    present = {r.code for r in catalog.rows_for_level(level)} if level else None
    return [
        grade(catalog, t, values, doubts)
        for t in catalog.targets
        if t.applies(year, level) and (present is None or t.code in present)
    ]


def threshold_text(target: Target, percent: bool) -> str:
    """The threshold as the report says it: ``tối thiểu 80%``."""
    shown = format_percent(target.threshold) if percent else format_vn(target.threshold)
    return f"{COMPARE_TEXT[target.compare]} {shown}"
