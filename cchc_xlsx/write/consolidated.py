"""The consolidated workbook, sheet by sheet: the summed appendix, the
submission status, the issues, the notes, the identity sheet with the
states that let it be added up one level higher."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import FileCreateError

from cchc_xlsx.atomic import atomic_path
from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.errors import OutputError
from cchc_xlsx.layout.meta import Meta, SummaryIdentity
from cchc_xlsx.layout.summary import (
    CHARTS_SHEET,
    ISSUES_SHEET,
    NOTES_SHEET,
    STATUS_SHEET,
    SUMMARY_SHEET,
    TARGETS_SHEET,
    check_unit_count,
)
from cchc_xlsx.periods import parse_period
from cchc_xlsx.semantics.targets import grade_targets
from cchc_xlsx.write.charts import write_charts
from cchc_xlsx.write.identity import now_iso, write_meta_sheet
from cchc_xlsx.write.style import TEXT_AS_TEXT, add_formats
from cchc_xlsx.write.summary import write_summary
from cchc_xlsx.write.tables import write_issues, write_notes, write_status, write_targets
from cchc_xlsx.write.xlsxwriter_private import LockedBook, StreamedSheet, discard_row_files


def write_consolidated_file(res: Consolidation, path: str | Path, password: str = "") -> None:
    """Write the consolidated workbook to ``path`` (atomically: a temporary file
    beside it, renamed when complete). Rows are streamed to disk as they are
    written, so memory does not grow with the number of units."""
    check_unit_count(len(res.columns))
    with atomic_path(path) as tmp:
        wb = LockedBook(
            str(tmp),
            dict(TEXT_AS_TEXT),
        )
        wb.structure_password = password
        try:
            _fill_workbook(wb, res, password)
            wb.close()
        except FileCreateError as exc:
            raise OutputError(f"Không ghi được {path}: {exc}") from exc
        finally:
            discard_row_files(wb)


def _fill_workbook(wb: Any, res: Consolidation, password: str) -> None:

    wb.set_properties(
        {"title": res.catalog.title, "author": "cchc-xlsx", "created": dt.datetime(2000, 1, 1)}
    )
    fmts = add_formats(wb)
    ws = wb.add_worksheet(SUMMARY_SHEET, worksheet_class=StreamedSheet)
    write_summary(wb, ws, fmts, res)
    write_status(wb.add_worksheet(STATUS_SHEET, worksheet_class=StreamedSheet), fmts, res)
    write_issues(wb.add_worksheet(ISSUES_SHEET, worksheet_class=StreamedSheet), fmts, res)
    write_notes(wb.add_worksheet(NOTES_SHEET, worksheet_class=StreamedSheet), fmts, res)
    layout = res.layout
    period = res.batch.period or ""
    grades = grade_targets(
        res.catalog,
        res.totals,
        year=parse_period(period).year if period else None,
        level=layout.level if layout else None,
        doubts={
            code: f"tổng gồm giá trị có lỗi của {len(units)} đơn vị (ô đỏ)"
            for code, units in res.flagged_totals.items()
        },
    )
    if grades:
        write_targets(wb.add_worksheet(TARGETS_SHEET), fmts, res, grades)
    # NOTE: streamed: the target lines hold one cell per unit
    write_charts(
        wb, wb.add_worksheet(CHARTS_SHEET, worksheet_class=StreamedSheet), fmts, res, grades
    )
    meta = Meta(
        kind="consolidated",
        catalog_id=res.catalog.id,
        catalog_version=res.catalog.version,
        catalog_hash=res.catalog.content_hash,
        level=layout.level if layout else "",
        period=period,
        layout_fingerprint=layout.fingerprint if layout else "",
        unit_code=res.unit or "",
        unit_name=res.unit_name,
        unit_level=res.unit_level,
        generated_at=now_iso(),
    )
    extra = SummaryIdentity(
        partial=res.partial,
        flagged_values=res.flagged_values,
        errors_excluded=res.exclude_errors,
        submitted=res.submitted,
        expected=len(res.columns),
        units_level=res.batch.level or "",
        states=res.states,
        flagged_totals=res.flagged_totals,
        excluded_totals=res.excluded_totals,
        short_units=res.short_units,
    ).items()
    write_meta_sheet(wb, meta, password, extra)
