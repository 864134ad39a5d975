"""The values of a return that an error-level issue involves, and the return
without them (for ``--exclude-errors``)."""

from __future__ import annotations

from cchc_xlsx.catalog.model import Catalog, Rule
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.derived import compute_derived


def partners(catalog: Catalog) -> dict[str, list[tuple[str, str]]]:
    """Per code, the rows whose value an error in it makes unusable too, each
    with the reason: a ratio's numerator and denominator are added up over the
    same units (one part in error, the other cannot be used for the ratio), and
    a weighted mean is weighed by its weight row."""
    out: dict[str, list[tuple[str, str]]] = {}
    for row in catalog.rows:
        if row.type == "ratio" and row.numerator and row.denominator:
            n, d = row.numerator, row.denominator
            why = f"Tỷ lệ {row.code} = {n} / {d} phải tính trên cùng các đơn vị"
            out.setdefault(n, []).append(
                (d, f"{why}: {n} có lỗi nên {d} của đơn vị này cũng không dùng được.")
            )
            out.setdefault(d, []).append(
                (n, f"{why}: {d} có lỗi nên {n} của đơn vị này cũng không dùng được.")
            )
        if row.agg == "weighted_mean" and row.weight:
            out.setdefault(row.weight, []).append(
                (
                    row.code,
                    f"{row.code} là trung bình theo trọng số {row.weight}, mà {row.weight} có lỗi.",
                )
            )
    return out


def error_cells(
    f: FileResult,
    rules_by_id: dict[str, Rule],
    involves: dict[str, list[tuple[str, str]]] | None = None,
    severity: str = "error",
) -> dict[str, str]:
    """The codes of a file's values involved in an error-level issue (a rule's
    every row, else the issue's row), each with the issues' messages; with
    ``involves`` (:func:`partners`), also the rows an error makes unusable.
    ``severity="warning"``: the values with a warning instead (to be looked at)."""
    out: dict[str, str] = {}
    for i in f.issues:
        if i.severity != severity:
            continue
        if i.code == IssueCode.RULE and i.rule in rules_by_id:
            involved: tuple[str, ...] = rules_by_id[i.rule].refs
        elif i.indicator:
            involved = (i.indicator,)
        else:
            continue
        for code in involved:
            out[code] = f"{out[code]}\n{i.message}" if code in out else i.message
    if involves and out:
        todo = list(out)
        while todo:
            for other, why in involves.get(todo.pop(), ()):
                if other not in out:
                    out[other] = why
                    todo.append(other)
    return out


def without_flagged(
    catalog: Catalog, values: dict[str, object], flagged: dict[str, str]
) -> dict[str, object]:
    """A return's values without those involved in an error, the rows derived
    from them (ratios, sums) computed again from what is left."""
    inputs = {
        k: v
        for k, v in values.items()
        if k not in flagged and catalog.has_row(k) and not catalog.row(k).is_formula
    }
    derived = compute_derived(catalog, inputs, [k for k in values if catalog.has_row(k)])
    out: dict[str, object] = dict(inputs)
    for k, v in derived.items():
        if v is not None and k not in flagged:
            out[k] = v
    return out
