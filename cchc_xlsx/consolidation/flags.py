"""The values of a return that an error-level issue involves, and the return
without them (for ``--exclude-errors``)."""

from __future__ import annotations

from cchc_xlsx.catalog.model import Catalog, Rule
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.derived import compute_derived


def error_cells(f: FileResult, rules_by_id: dict[str, Rule]) -> dict[str, str]:
    """The codes of a file's values involved in an error-level issue (a rule's
    every row, else the issue's row), each with the issues' messages."""
    out: dict[str, str] = {}
    for i in f.issues:
        if i.severity != "error":
            continue
        if i.code == IssueCode.RULE and i.rule in rules_by_id:
            involved: tuple[str, ...] = rules_by_id[i.rule].refs
        elif i.indicator:
            involved = (i.indicator,)
        else:
            continue
        for code in involved:
            out[code] = f"{out[code]}\n{i.message}" if code in out else i.message
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
