"""A workbook's identity as the writers put it: the very hidden identity sheet
and the generation time (reproducible with ``SOURCE_DATE_EPOCH``)."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from typing import Any

from cchc_xlsx.layout.meta import META_KEY_COL, META_SHEET, META_VALUE_COL, Meta


def write_meta_sheet(
    wb: Any, meta: Meta, password: str, extra: Iterable[tuple[str, str]] = ()
) -> Any:
    """The very hidden sheet that carries a workbook's identity (a key and its value per row)."""
    ws = wb.add_worksheet(META_SHEET)
    for i, (key, value) in enumerate(list(meta.items()) + list(extra)):
        ws.write_string(i, META_KEY_COL, key)
        ws.write_string(i, META_VALUE_COL, value)
    ws.very_hidden()
    ws.protect(password)
    return ws


def now_iso() -> str:
    """Generation time: ``$SOURCE_DATE_EPOCH`` when set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = (
        dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc)
        if epoch
        else dt.datetime.now(dt.timezone.utc)
    )
    return t.replace(microsecond=0).isoformat()
