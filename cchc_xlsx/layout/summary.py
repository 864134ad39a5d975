"""Where things are in a consolidated workbook: its sheets, the summed
appendix's columns and rows. The writer writes and the reader reads through
this module, so the two agree about every address."""

from __future__ import annotations

from cchc_xlsx.errors import UsageError
from cchc_xlsx.layout.form import FIRST_DATA_ROW, FormLayout

SUMMARY_SHEET = "Tổng hợp"
SUMMARY_LABEL_WIDTH = 44
SUMMARY_UNIT_WIDTH = 12
SUMMARY_NOTE_WIDTH = 24
STATUS_SHEET = "Tình hình nộp báo cáo"
ISSUES_SHEET = "Kiểm tra"
NOTES_SHEET = "Ghi chú"
WEIGHTS_SHEET = "_cchc_n"
TARGETS_SHEET = "Mục tiêu"  # the targets graded (seed 003's Phụ lục 8), when the catalogue has any
CHARTS_SHEET = "Biểu đồ"  # native charts: ratios per unit against their targets, submissions
# the summed appendix's columns: the form's STT, Chỉ tiêu and Đơn vị tính
# (layout.form's COL_STT, COL_LABEL, COL_UNIT), then Tổng cộng, one column per
# unit, and Ghi chú after the last unit (note_col)
COL_TOTAL = 3
FIRST_UNIT_COL = 4
#: the notes sheet's columns, left to right (read back when the book is an input one level up)
NOTES_HEADERS = ("Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Loại", "Nội dung")
NOTE_UNIT_CODE, NOTE_UNIT_NAME, NOTE_CODE, NOTE_KIND, NOTE_TEXT = range(len(NOTES_HEADERS))
XLSX_MAX_COLS = 16384  # columns A … XFD
MAX_UNITS = XLSX_MAX_COLS - FIRST_UNIT_COL - 1  # unit columns between Tổng cộng and Ghi chú
# NOTE: Excel's tallest row is 409 points. A unit's name is written upwards
# (rotated 90°) in a column 8 characters wide, ~7.5 points per character: a
# name longer than one line wraps into the column's next line, so the header
# is capped and names beyond three lines are shortened (the status sheet has
# them in full).
EXCEL_MAX_ROW_HEIGHT = 409
HEADER_CHARS_PER_LINE = int((EXCEL_MAX_ROW_HEIGHT - 12) / 7.5)
HEADER_MAX_CHARS = 3 * HEADER_CHARS_PER_LINE


def header_name(name: str) -> str:
    """A unit's name as its column header shows it (shortened beyond three lines)."""
    return name if len(name) <= HEADER_MAX_CHARS else name[: HEADER_MAX_CHARS - 1].rstrip() + "…"


def header_height(longest: int) -> float:
    """Points for the unit header row whose longest name has ``longest`` characters."""
    return min(EXCEL_MAX_ROW_HEIGHT, max(60, 7.5 * longest + 12))


def check_unit_count(n: int) -> None:
    """Refuse more units than the summary sheet has columns for."""
    if n > MAX_UNITS:
        raise UsageError(
            f"Không thể tổng hợp {n} đơn vị trong một biểu: mỗi đơn vị là một cột của trang “{SUMMARY_SHEET}”, "
            f"mà một trang tính Excel chỉ có {XLSX_MAX_COLS} cột, đủ cho tối đa {MAX_UNITS} đơn vị. "
            "Hãy tổng hợp theo từng cấp (mỗi đơn vị cấp trên một biểu tổng hợp riêng), rồi tổng hợp các biểu đó."
        )


def note_col(n_units: int) -> int:
    """The Ghi chú column of a summed appendix of ``n_units`` unit columns."""
    return FIRST_UNIT_COL + n_units


def row_index(layout: FormLayout) -> dict[str, int]:
    """The 0-based sheet row of each catalogue code in the summed appendix
    (its rows are the form's, in the form's order, from :data:`FIRST_DATA_ROW`)."""
    return {rl.code: FIRST_DATA_ROW + i for i, rl in enumerate(layout.rows)}
