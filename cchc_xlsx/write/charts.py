"""The consolidated workbook's chart sheet: native Excel charts (XlsxWriter's
public chart API) of the main ratios per unit against their target line, and
of the submission status.

A ratio's series points at its row of the summed appendix (the units' columns,
named by the header row), so the chart shows what the appendix shows; the
target line and the submission counts are small tables on the chart sheet
itself, above the charts.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.layout.form import ROW_HEAD1
from cchc_xlsx.layout.summary import FIRST_UNIT_COL, SUMMARY_SHEET, row_index
from cchc_xlsx.semantics.targets import Grade, threshold_text
from cchc_xlsx.vocabulary import COLUMN_STATUS_TEXT
from cchc_xlsx.write.style import FONT

CHART_WIDTH, CHART_HEIGHT = 760, 320  # pixels
STATUS_ROW = 2  # the submission table's header row (0-based)
ROWS_PER_CHART = 17  # a chart of CHART_HEIGHT pixels, in rows of the default height


def charted_ratios(res: Consolidation, grades: list[Grade]) -> list[Grade]:
    """The ratio targets charted per unit (one chart each, in the catalogue's order)."""
    return [g for g in grades if res.catalog.row(g.target.code).type == "ratio"]


def _font(size: int, bold: bool = False) -> dict[str, Any]:
    return {"name": FONT, "size": size, "bold": bold}


def write_charts(
    wb: Any, ws: Any, fmts: dict[str, Any], res: Consolidation, grades: list[Grade]
) -> None:
    """Fill the chart sheet ``ws``: the submission table and chart, then one
    column chart per charted ratio (its units' values against the target line)."""
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 12)
    ws.set_paper(9)  # A4, landscape, one page wide: the charts print as they show
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.write_string(0, 0, "Biểu đồ số liệu tổng hợp (vẽ từ trang “Tổng hợp”)", fmts["bold"])
    # the submission status: how many units in each state
    counts = Counter(col.status for col in res.columns)
    ws.write_string(STATUS_ROW, 0, "Tình hình nộp báo cáo", fmts["header"])
    ws.write_string(STATUS_ROW, 1, "Số đơn vị", fmts["header"])
    states = [s for s in COLUMN_STATUS_TEXT if counts.get(s) or s in ("submitted", "missing")]
    for i, state in enumerate(states, start=1):
        ws.write_string(STATUS_ROW + i, 0, COLUMN_STATUS_TEXT[state], fmts["label"])
        ws.write_number(STATUS_ROW + i, 1, counts.get(state, 0), fmts["value"])
    last_status = STATUS_ROW + len(states)
    status_chart = wb.add_chart({"type": "bar"})
    status_chart.add_series(
        {
            "name": "Số đơn vị",
            "categories": [ws.name, STATUS_ROW + 1, 0, last_status, 0],
            "values": [ws.name, STATUS_ROW + 1, 1, last_status, 1],
            "data_labels": {"value": True},
            "points": [
                {"fill": {"color": "#4472C4" if s == "submitted" else "#C00000"}} for s in states
            ],
        }
    )
    status_chart.set_title(
        {
            "name": f"Tình hình nộp báo cáo: {res.submitted}/{len(res.columns)} đơn vị đã nộp",
            "name_font": _font(12, True),
        }
    )
    status_chart.set_legend({"none": True})
    status_chart.set_x_axis({"num_font": _font(10), "min": 0, "major_gridlines": {"visible": True}})
    status_chart.set_y_axis({"num_font": _font(10), "reverse": True})
    status_chart.set_size({"width": CHART_WIDTH, "height": 220})
    n = len(res.columns)
    ratios = charted_ratios(res, grades) if res.layout is not None and n else []
    table_row = last_status + 2
    # the charts below the tables (the target rows run as wide as the units)
    chart_row = table_row + len(ratios) + 2
    ws.insert_chart(chart_row, 0, status_chart)
    chart_row += 12
    if res.layout is None or not ratios:
        return
    at = row_index(res.layout)
    # the units' names, the header row of Tổng hợp: the categories of every ratio chart
    units = [SUMMARY_SHEET, ROW_HEAD1, FIRST_UNIT_COL, ROW_HEAD1, FIRST_UNIT_COL + n - 1]
    ws.write_string(table_row, 0, "Đường mục tiêu (ngưỡng, lặp lại cho mỗi đơn vị)", fmts["italic"])
    for k, g in enumerate(ratios):
        r = table_row + 1 + k
        row = res.catalog.row(g.target.code)
        ws.write_string(r, 0, f"Mục tiêu {g.target.code}", fmts["label"])
        for i in range(n):
            ws.write_number(r, 1 + i, g.target.threshold, fmts["value"])
        chart = wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": f"{row.code} {row.label}",
                "categories": units,
                "values": [
                    SUMMARY_SHEET,
                    at[row.code],
                    FIRST_UNIT_COL,
                    at[row.code],
                    FIRST_UNIT_COL + n - 1,
                ],
                "fill": {"color": "#4472C4"},
                "gap": 60,
            }
        )
        line = wb.add_chart({"type": "line"})
        line.add_series(
            {
                "name": f"Mục tiêu: {threshold_text(g.target, True)}",
                "categories": units,
                "values": [ws.name, r, 1, r, n],
                "line": {"color": "#C00000", "width": 2, "dash_type": "dash"},
                "marker": {"type": "none"},
            }
        )
        chart.combine(line)
        chart.set_title({"name": f"{row.label} (%)", "name_font": _font(12, True)})
        chart.set_x_axis({"num_font": _font(9, False) | {"rotation": -45}})
        chart.set_y_axis(
            {
                "min": 0,
                "max": 100 if not row.allow_over_100 else None,
                "num_font": _font(10),
                "major_gridlines": {"visible": True},
            }
        )
        chart.set_legend({"position": "bottom", "font": _font(10)})
        chart.set_size({"width": CHART_WIDTH, "height": CHART_HEIGHT})
        ws.insert_chart(chart_row + ROWS_PER_CHART * k, 0, chart)
