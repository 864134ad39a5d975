"""The tidy CSV: unit, period, code, value, source sha256 — one line per unit and row with a value."""

from __future__ import annotations

import csv
import io
import json
from typing import TextIO

from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.semantics.aggregations import total


def tidy_csv(res: Consolidation) -> str:
    """unit, period, code, value, source sha256 — one line per unit and row with a value."""
    buf = io.StringIO()
    write_tidy_csv(res, buf)
    return buf.getvalue()


def write_tidy_csv(res: Consolidation, fh: TextIO) -> None:
    """:func:`tidy_csv`, written line by line to ``fh``."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["unit", "period", "code", "value", "sha256"])
    period = res.batch.period or ""
    rows = [rl.row for rl in res.layout.rows if rl.row.type != "heading"] if res.layout else []
    for col in res.columns:
        f = res.file_of(col)
        if col.status != "submitted" or f is None:
            continue
        sha = f.sha256
        values = res.values_of(col)[0]
        for row in rows:
            code = row.code
            v = values.get(code)
            if col.from_consolidated and row.type != "text":
                v = (
                    total(res.catalog, row, col.state)
                    if row.type == "ratio"
                    else total(res.catalog, row, {code: col.state[code]})
                    if code in col.state
                    else None
                )
            if v is None:
                continue
            if isinstance(v, dict):
                v = json.dumps(v, ensure_ascii=False, sort_keys=True)
            w.writerow([col.code, period, code, v, sha])
