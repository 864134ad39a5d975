"""The multi-period table (:class:`~cchc_xlsx.consolidation.series.Series`)
as a workbook: one column per period like seed 003's Phụ lục 1–7, ratio and
sum rows as Excel formulas over the same column's parts (with their cached
values), the look and print set-up of the other workbooks, and a sheet saying
what each column was made of."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError

from cchc_xlsx.atomic import atomic_path
from cchc_xlsx.consolidation.series import Series
from cchc_xlsx.errors import OutputError
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import ratio_formula, sum_formula
from cchc_xlsx.write.style import TEXT_AS_TEXT, add_formats, print_setup, row_height

SERIES_SHEET = "Qua các kỳ"
SOURCES_SHEET = "Nguồn số liệu"
FIRST_ROW = 5  # zero-based row of the first indicator
FIRST_COL = 3  # column D: the first period


def _cell_text(series: Series, code: str, v: object) -> object:
    """A value as the sheet shows it: numbers as numbers; Có/Không, choices and
    counts of answers as text."""
    row = series.catalog.row(code)
    if v is None:
        return None
    if isinstance(v, dict):
        parts = []
        for key, n in v.items():
            opt = row.option_by_value(int(key)) if str(key).lstrip("-").isdigit() else None
            parts.append(f"{opt.label if opt else key}: {n}")
        return "; ".join(parts)
    if row.type == "boolean" and not series.consolidated:
        return "Có" if v == 1 else "Không"
    if row.type == "choice" and not series.consolidated and isinstance(v, (int, float)):
        opt = row.option_by_value(int(v))
        return opt.label if opt else v
    return v


def write_series_file(series: Series, path: str | Path) -> None:
    """Write ``series`` to ``path`` (.xlsx, atomically). Raises :class:`OutputError`."""
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), dict(TEXT_AS_TEXT))
        try:
            _fill(wb, series)
            wb.close()
        except FileCreateError as exc:
            raise OutputError(f"Không ghi được {path}: {exc}") from exc


def _fill(wb: Any, series: Series) -> None:
    wb.set_properties(
        {"title": series.catalog.title, "author": "cchc-xlsx", "created": dt.datetime(2000, 1, 1)}
    )
    fmts = add_formats(wb)
    ws = wb.add_worksheet(SERIES_SHEET)
    n = len(series.columns)
    last_col = FIRST_COL + n  # the notes column
    ws.set_column(0, 0, 7)
    ws.set_column(1, 1, 52)
    ws.set_column(2, 2, 12)
    ws.set_column(FIRST_COL, FIRST_COL + n - 1, 14)
    ws.set_column(last_col, last_col, 30)
    ws.merge_range(0, 0, 0, last_col, series.unit_name or series.unit, fmts["unit_line"])
    first, last = series.columns[0].period, series.columns[-1].period
    span = first.label if first == last else f"{first.label} – {last.label}"
    title = f"{series.catalog.title} QUA CÁC KỲ"
    ws.merge_range(1, 0, 1, last_col, title, fmts["title"])
    ws.set_row(1, 36)
    what = (
        f"Tổng của các đơn vị cấp {series.level} trực thuộc"
        if series.consolidated
        else "Số liệu của đơn vị"
    )
    ws.merge_range(2, 0, 2, last_col, f"({span}; {what})", fmts["caption"])
    head = FIRST_ROW - 1
    ws.write_string(head, 0, "STT", fmts["header"])
    ws.write_string(head, 1, "Chỉ tiêu", fmts["header"])
    ws.write_string(head, 2, "Đơn vị tính", fmts["header"])
    for i, col in enumerate(series.columns):
        ws.write_string(head, FIRST_COL + i, col.label, fmts["header"])
    ws.write_string(head, last_col, "Ghi chú", fmts["header"])
    ws.set_row(head, 45)
    codes = series.codes
    rows = {code: FIRST_ROW + k for k, code in enumerate(codes)}
    for code, r in rows.items():
        row = series.catalog.row(code)
        heading = row.type == "heading"
        ws.write_string(r, 0, code, fmts["stt_bold" if heading else "stt"])
        label = row.label + (f" ({row.hint})" if row.hint else "")
        ws.write_string(r, 1, label, fmts["label_bold" if heading else "label"])
        ws.write_string(r, 2, "" if heading else row.unit, fmts["unit"])
        ws.set_row(r, row_height(label, 52, row.unit, 12, heading))
        notes: list[str] = []
        for i, col in enumerate(series.columns):
            c = FIRST_COL + i
            v = col.values.get(code)
            warn = code in col.flagged
            if heading:
                ws.write_blank(r, c, None, fmts["blank"])
                continue
            if row.type == "ratio" and row.numerator in rows and row.denominator in rows:
                f = ratio_formula(a1(rows[row.numerator], c), a1(rows[row.denominator], c))
                ws.write_formula(r, c, f, fmts["total_ratio"], "" if v is None else v)
            elif row.type == "sum" and all(t in rows for t in row.terms):
                f = sum_formula([a1(rows[t], c) for t in row.terms])
                ws.write_formula(r, c, f, fmts["total"], "" if v is None else v)
            else:
                shown = _cell_text(series, code, v)
                if shown is None:
                    ws.write_blank(r, c, None, fmts["blank"])
                elif isinstance(shown, (int, float)) and not isinstance(shown, bool):
                    fmt = "value_ratio" if row.type == "percent" else "value"
                    ws.write_number(r, c, shown, fmts[fmt + ("_warning" if warn else "")])
                else:
                    ws.write_string(
                        r, c, str(shown), fmts["value_text" + ("_warning" if warn else "")]
                    )
            if warn:
                ws.write_comment(r, c, col.flagged[code][:2000], {"x_scale": 2.5, "y_scale": 2})
                notes.append(f"{col.period.code}: xem lại (ô vàng)")
        ws.write_string(r, last_col, "; ".join(notes), fmts["label"])
    end = FIRST_ROW + len(codes)
    ws.write_string(
        end + 1,
        1,
        "Tỷ lệ của mỗi kỳ tính lại từ tử số và mẫu số của chính kỳ đó (không lấy trung bình). "
        "Ô vàng: số liệu cần xem lại — chưa đủ kỳ hoặc đơn vị, báo cáo lũy kế khác các quý, "
        "hoặc biểu gốc có lỗi (xem ghi chú của ô và trang "
        f"“{SOURCES_SHEET}”).",
        fmts["italic"],
    )
    ws.freeze_panes(FIRST_ROW, FIRST_COL)
    print_setup(ws, (head, head), landscape=True)
    ws.print_area(0, 0, end + 1, last_col)

    src = wb.add_worksheet(SOURCES_SHEET)
    src.set_column(0, 0, 14)
    src.set_column(1, 1, 34)
    src.set_column(2, 2, 80)
    for c, h in enumerate(["Kỳ", "Cột", "Số liệu lấy từ"]):
        src.write_string(0, c, h, fmts["header"])
    for i, col in enumerate(series.columns, start=1):
        src.write_string(i, 0, col.period.code, fmts["stt"])
        src.write_string(i, 1, col.label, fmts["label"])
        src.write_string(i, 2, col.sources, fmts["label"])
    print_setup(src, (0, 0), landscape=True)
