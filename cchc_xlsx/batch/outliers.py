"""Values far from the other units of the batch: a warning quoting the median.

A commune that types 46065 where its neighbours type 12 has most likely made a
mistake (a date, an extra digit, another unit). For each number row of the form
with figures from at least :data:`MIN_UNITS` units, each unit's value gets the
*modified z-score* of Iglewicz and Hoaglin (1993)

    M = 0.6745 × (x − median) / MAD

(MAD: the median absolute deviation), the robust score that DHIS2's outlier
analysis also offers. Where most units report the same figure the MAD is 0;
the score then uses the mean absolute deviation instead, as Iglewicz and
Hoaglin advise (M = (x − median) / (1.253314 × MeanAD)), and a value is only
judged when it is also far from the common figure in absolute terms (by more
than :data:`MIN_GAP` and than the median itself): 3200 among nineteen 32s, or
5000 among zeros, is flagged; 1 among zeros, or 33 among 32s, is not. A value
with ``|M| >`` :data:`THRESHOLD` (3.5, the authors' recommendation; DHIS2's
default is 3.0) is a warning: it is still added up, and the district can ask
the unit.

Memory does not grow with the batch: the values are turned into one row per
catalogue code on disk (:class:`~cchc_xlsx.batch.columns.Columns`), a row at a time.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

from cchc_xlsx.batch.columns import Columns
from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.issues import Issue, IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import COL_VALUE, FormLayout, build_layout
from cchc_xlsx.semantics.numbers import format_vn

MIN_UNITS = 8  # units with a figure in the row before it is judged
THRESHOLD = 3.5  # |modified z-score| beyond which a value is flagged
JUDGED_TYPES = ("count", "decimal", "percent")  # rows whose values are compared across units


MIN_GAP = 10  # with MAD = 0, the least distance from the common figure that is judged


def modified_z_scores(values: list[float]) -> list[float] | None:
    """The modified z-score of each value (None when all values are equal or
    there are fewer than two). With a median absolute deviation of 0 (most
    values equal), the mean absolute deviation stands in for it, and values
    within :data:`MIN_GAP` (or within the median's own size) of the median
    score 0."""
    if len(values) < 2:
        return None
    med = statistics.median(values)
    mad = statistics.median(abs(x - med) for x in values)
    if mad:
        return [0.6745 * (x - med) / mad for x in values]
    mean_ad = statistics.fmean(abs(x - med) for x in values)
    if mean_ad == 0:
        return None
    gap = max(MIN_GAP, abs(med))
    return [(x - med) / (1.253314 * mean_ad) if abs(x - med) > gap else 0.0 for x in values]


def flag_outliers(batch: CheckResult, catalog: Catalog) -> int:
    """Add an ``outlier`` warning to each accepted file whose value of a number
    row is far from the other units' (see the module's docstring); return how many."""
    level = batch.form_level
    if level is None or level not in catalog.levels:
        return 0
    layout = build_layout(catalog, level)
    rows = [rl for rl in layout.rows if rl.row.type in JUDGED_TYPES]
    files = batch.files
    ids = [i for i, _f in files.items(status="accepted")]
    if len(ids) < MIN_UNITS or not rows:
        return 0
    cols = Columns([rl.code for rl in rows], len(ids))
    found: dict[int, list[Issue]] = defaultdict(list)
    try:
        for j, i in enumerate(ids):
            cols.add(j, files.values(i)[0])
        for rl in rows:
            column = cols.row(rl.code)
            present = [
                (j, float(v))
                for j, v in enumerate(column)
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            ]
            if len(present) < MIN_UNITS:
                continue
            scores = modified_z_scores([v for _j, v in present])
            if scores is None:
                continue
            median = statistics.median(v for _j, v in present)
            for (j, v), z in zip(present, scores):
                if abs(z) > THRESHOLD:
                    found[ids[j]].append(_issue(layout, rl.code, v, median, len(present)))
    finally:
        cols.close()
    for i, issues in found.items():
        f = files.get(i)
        f.issues.extend(issues)
        files.save(f)
    return sum(len(v) for v in found.values())


def _issue(layout: FormLayout, code: str, value: float, median: float, n: int) -> Issue:
    rl = layout[code]
    ref = a1(rl.r, COL_VALUE)
    if len(layout.sheets) > 1:
        ref = f"{layout.sheets[rl.sheet].name}!{ref}"
    return issue(
        IssueCode.OUTLIER,
        f"Ô {ref} (chỉ tiêu {code}): {format_vn(value)} khác xa số liệu của các đơn vị khác "
        f"(trung vị {format_vn(median)} của {n} đơn vị); hãy kiểm tra lại với đơn vị.",
        indicator=code,
        cell=ref,
    )
