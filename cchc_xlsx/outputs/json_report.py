"""The JSON report, written one file's entry at a time."""

from __future__ import annotations

import json
from typing import TextIO

from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.consolidation.model import Consolidation


def write_report_json(res: Consolidation | CheckResult, fh: TextIO) -> None:
    """``res.as_json()`` as ``json.dump(…, ensure_ascii=False, indent=2)`` writes it
    (and a final newline), made one file's entry at a time: for ten thousand
    files the whole report was some 4 MiB of dicts held at once."""
    text = json.dumps(res.as_json(files=False), ensure_ascii=False, indent=2)
    head, tail = text.split(
        '"files": []', 1
    )  # the first occurrence: only level and period come before
    fh.write(head + '"files": [')
    batch = res.batch if isinstance(res, Consolidation) else res
    n = 0
    for n, f in enumerate(batch.files.iter(), start=1):
        entry = json.dumps(f.as_json(), ensure_ascii=False, indent=2)
        fh.write(("," if n > 1 else "") + "\n    " + entry.replace("\n", "\n    "))
    fh.write(("\n  ]" if n else "]") + tail + "\n")
