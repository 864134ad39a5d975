"""The consolidating unit's own template, with the rows its units feed pre-filled and locked."""

from __future__ import annotations

from pathlib import Path

from cchc_xlsx.atomic import atomic_write_bytes
from cchc_xlsx.consolidation.build import own_form_values
from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.errors import UsageError
from cchc_xlsx.layout.form import build_layout
from cchc_xlsx.periods import parse_period
from cchc_xlsx.write.identity import now_iso
from cchc_xlsx.write.protection import default_password
from cchc_xlsx.write.template import render_template


def write_own_form(
    res: Consolidation, path: str | Path, password: str | None = None
) -> dict[str, object]:
    """Write the consolidating unit's own template (its level's form) with the rows
    fed by its lower level pre-filled and locked; its own rows stay open, and so
    do fed rows whose total includes or lacks a value in error
    (:func:`~cchc_xlsx.consolidation.build.own_form_doubtful`).
    Returns the pre-filled values."""

    if not res.unit or not res.unit_level or res.unit_level not in res.catalog.levels:
        raise UsageError(
            "Cần đơn vị tổng hợp (có trong tệp danh sách đơn vị) để ghi biểu của chính đơn vị đó.",
            option="unit",
        )
    if not res.batch.period:
        raise UsageError(
            "Chưa xác định được kỳ báo cáo để ghi biểu của đơn vị tổng hợp; hãy nêu rõ kỳ báo cáo.",
            option="period",
        )
    layout = build_layout(res.catalog, res.unit_level)
    values = own_form_values(res)
    fed = [r for r in res.catalog.rows_for_level(res.unit_level) if r.code in values]
    data = render_template(
        layout,
        parse_period(res.batch.period),
        unit_name=res.unit_name,
        unit_code=res.unit,
        unit_level=res.unit_level,
        generated_at=now_iso(),
        password=default_password() if password is None else password,
        prefill=values,
        locked_codes=frozenset(r.code for r in fed),
    )
    atomic_write_bytes(path, data)
    return values
