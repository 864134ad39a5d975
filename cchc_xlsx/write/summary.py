"""The summed appendix's frame: its columns, title block, header rows and print
setup, around the rows that :mod:`cchc_xlsx.write.summary_rows` writes (one per
form row, streamed top to bottom)."""

from __future__ import annotations

from typing import Any

from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.layout.form import (
    COL_LABEL,
    COL_STT,
    COL_UNIT,
    FIRST_DATA_ROW,
    ROW_ATTACHED,
    ROW_HEAD1,
    ROW_HEAD2,
    ROW_PERIOD,
    ROW_STATUS,
    ROW_TITLE,
    ROW_UNIT,
    ROW_WINDOW,
)
from cchc_xlsx.layout.summary import (
    COL_TOTAL,
    FIRST_UNIT_COL,
    SUMMARY_LABEL_WIDTH,
    SUMMARY_NOTE_WIDTH,
    SUMMARY_UNIT_WIDTH,
    WEIGHTS_SHEET,
    header_height,
    header_name,
    note_col,
)
from cchc_xlsx.periods import parse_period
from cchc_xlsx.vocabulary import LEVELS
from cchc_xlsx.write.captions import render_captions
from cchc_xlsx.write.style import print_setup
from cchc_xlsx.write.summary_rows import SummaryContext, write_summary_row
from cchc_xlsx.write.xlsxwriter_private import StreamedSheet


def _merge_down(ws: Any, first_row: int, last_row: int, col: int, text: str, fmt: Any) -> None:
    """``merge_range`` of one column over rows, for a streamed sheet: the first
    cell now; the formatted blanks below are written with their own rows."""
    ws.merge.append([first_row, col, last_row, col])
    ws.write_string(first_row, col, text, fmt)


def write_summary(wb: Any, ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    """Write the Tổng hợp sheet ``ws`` (streamed: top to bottom, each row once)
    and its hidden weights sheet into ``wb``."""
    n_units = len(res.columns)
    notes = note_col(n_units)
    _set_columns(ws, n_units, notes)  # NOTE: the "Cùng kỳ" columns too (unused when none)
    _write_title_block(ws, fmts, res, notes)
    _write_unit_headers(ws, fmts, res, notes)
    weights = wb.add_worksheet(WEIGHTS_SHEET, worksheet_class=StreamedSheet)
    weights.hide()
    _write_rows(ws, weights, fmts, res, notes)
    _set_print(ws, n_units)


def _set_columns(ws: Any, n_units: int, note_col: int) -> None:
    # NOTE: the sheet is streamed: rows top to bottom, each row's height set before the next row
    ws.set_column(COL_STT, COL_STT, 9)
    ws.set_column(COL_LABEL, COL_LABEL, SUMMARY_LABEL_WIDTH)
    ws.set_column(COL_UNIT, COL_UNIT, SUMMARY_UNIT_WIDTH)
    ws.set_column(COL_TOTAL, COL_TOTAL, 13)
    if n_units:
        ws.set_column(FIRST_UNIT_COL, FIRST_UNIT_COL + n_units - 1, 8)
    ws.set_column(note_col, note_col, SUMMARY_NOTE_WIDTH)
    ws.set_column(note_col + 1, note_col + 3, 13)


def _write_title_block(ws: Any, fmts: dict[str, Any], res: Consolidation, note_col: int) -> None:
    """The unit, title, period, window and submission lines above the table."""
    layout = res.layout
    n_units = len(res.columns)
    period = parse_period(res.batch.period) if res.batch.period else None
    form_level_name = LEVELS.get(layout.level, layout.level) if layout else ""
    caps = render_captions(
        "consolidated_captions.j2",
        unit_name=res.unit_name,
        catalog_title=res.catalog.title,
        period_label=period.label if period else "kỳ chưa xác định",
        window_label=period.window_label if period else "",
        form_level_name=form_level_name,
        partial=res.partial,
        flagged=res.flagged_values,
        left_out=res.left_out_values,
        doubtful=res.doubtful_values,
        excluded=res.exclude_errors,
        submitted=res.submitted,
        expected=len(res.columns),
        short_units=res.short_units,
        sheet_title="",
    )
    # the title block spans what is printed on the first page: with more than a
    # dozen units (printed across pages, see _set_print), the first eight of them
    last = COL_TOTAL + min(n_units, 8) if n_units > 12 else max(note_col, FIRST_UNIT_COL + 1)
    ws.merge_range(ROW_UNIT, COL_STT, ROW_UNIT, COL_UNIT, caps["unit_line"], fmts["unit_line"])
    ws.merge_range(ROW_TITLE, COL_STT, ROW_TITLE, last, caps["title"], fmts["title"])
    ws.set_row(ROW_TITLE, 36)
    ws.merge_range(ROW_PERIOD, COL_STT, ROW_PERIOD, last, caps["period"], fmts["caption"])
    ws.merge_range(ROW_ATTACHED, COL_STT, ROW_ATTACHED, last, caps["attached"], fmts["caption"])
    window_fmt = fmts["partial_window"] if res.partial else fmts["window"]
    ws.merge_range(ROW_WINDOW, COL_STT, ROW_WINDOW, last, caps["window"], window_fmt)
    ws.merge_range(
        ROW_STATUS,
        COL_STT,
        ROW_STATUS,
        COL_UNIT,
        f"Tình hình nộp báo cáo: {res.submitted}/{len(res.columns)} đơn vị đã nộp",
        fmts["unit_line"],
    )


def _write_unit_headers(ws: Any, fmts: dict[str, Any], res: Consolidation, note_col: int) -> None:
    """The two header rows: STT, label, unit, Tổng cộng; each unit's name and code; Ghi chú."""
    h = fmts["header"]
    merged = (
        (COL_STT, "STT"),
        (COL_LABEL, "Chỉ tiêu"),
        (COL_UNIT, "Đơn vị tính"),
        (COL_TOTAL, "Tổng cộng"),
    )
    for c, text in merged:
        _merge_down(ws, ROW_HEAD1, ROW_HEAD2, c, text, h)
    unit_header = fmts["unit_header"]
    for i, col in enumerate(res.columns):
        ws.write_string(ROW_HEAD1, FIRST_UNIT_COL + i, header_name(col.name), unit_header)
    _merge_down(ws, ROW_HEAD1, ROW_HEAD2, note_col, "Ghi chú", h)
    last = res.last_year
    same = last is None or last.like_for_like(res)
    if last is not None:
        # after Ghi chú, so that every column the contract names stays where it is
        # (a streamed sheet: each row's cells left to right, the rows top to bottom)
        heads = (
            f"Cùng kỳ năm trước ({last.label})",
            "Tăng (+) / giảm (−) so với cùng kỳ",
            "Tăng/giảm so với cùng kỳ (%)",
        )
        for k, text in enumerate(heads, start=1):
            ws.write_string(ROW_HEAD1, note_col + k, text, h)
        if not same:
            ws.write_comment(
                ROW_HEAD1,
                note_col + 2,
                f"Năm nay {res.submitted}/{len(res.columns)} đơn vị, cùng kỳ năm trước "
                f"{last.submitted}/{last.expected} đơn vị"
                + (f" ({last.short} đơn vị thiếu kỳ)" if last.short else "")
                + (f" ({res.short_units} đơn vị năm nay thiếu kỳ)" if res.short_units else "")
                + ": hai tổng không cùng các đơn vị, hoặc có tổng thiếu kỳ; mức tăng/giảm "
                "(ô vàng) chưa so sánh được đúng nghĩa.",
                {"x_scale": 2.5, "y_scale": 2},
            )
    longest = max((len(header_name(c.name)) for c in res.columns), default=8)
    ws.set_row(ROW_HEAD1, header_height(longest))
    for c, _text in merged:
        ws.write_blank(ROW_HEAD2, c, None, h)
    for i, col in enumerate(res.columns):
        ws.write_string(ROW_HEAD2, FIRST_UNIT_COL + i, col.code, h)
    ws.write_blank(ROW_HEAD2, note_col, None, h)
    if last is not None:
        ws.write_string(
            ROW_HEAD2,
            note_col + 1,
            f"{last.submitted}/{last.expected} đơn vị" + (" (chưa đủ)" if last.partial else ""),
            h,
        )
        ws.write_string(
            ROW_HEAD2,
            note_col + 2,
            "" if same else "chưa cùng đơn vị — xem ghi chú",
            h,
        )
        ws.write_blank(ROW_HEAD2, note_col + 3, None, h)


def _write_rows(
    ws: Any, weights: Any, fmts: dict[str, Any], res: Consolidation, note_col: int
) -> None:
    """One row per form row (:mod:`cchc_xlsx.write.summary_rows`)."""
    if res.layout is None:
        return
    ctx = SummaryContext(res, fmts, note_col)
    try:
        for rl in res.layout.rows:
            write_summary_row(ws, weights, ctx, rl.row, ctx.idx[rl.code])
    finally:
        ctx.cols.close()


def _set_print(ws: Any, n_units: int) -> None:
    """Frozen panes, print titles and paper, and the sheet's protection."""
    ws.freeze_panes(FIRST_DATA_ROW, FIRST_UNIT_COL)
    print_setup(ws, (ROW_HEAD1, ROW_HEAD2), landscape=True)
    # NOTE: a dozen unit columns fit one A3 landscape page wide; beyond that the
    # pages run across at full size with STT, label, unit and total repeated.
    ws.set_paper(8)
    ws.repeat_columns(0, COL_TOTAL)
    if n_units > 12:
        ws.set_print_scale(100)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False})
