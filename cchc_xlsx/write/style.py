"""The house style shared by the template and the consolidated workbook.

One place for fonts, fills, number formats and print set-up, so the two writers
never drift apart. Values are XlsxWriter format dictionaries.
"""

from __future__ import annotations

import math
from typing import Any

FONT = "Times New Roman"
SIZE = 12
INPUT_FILL = "#FFF2CC"  # where a person types
FORMULA_FILL = "#EDEDED"  # computed, locked
ERROR_FILL = "#FFC7CE"
ERROR_FONT = "#9C0006"
WARNING_FILL = "#FFEB9C"  # Excel's "neutral" yellow: to be looked at
HEADER_FILL = "#D9E1F2"
REFERENCE_FILL = "#E7E6E6"  # the previous period's figures: locked, for reference only
REFERENCE_FONT = "#404040"
# paper and margins per Nghị định 30/2020/NĐ-CP (inches: 20 mm top/bottom, 30 mm left, 15 mm right)
PAPER_A4 = 9
MARGINS = {"left": 30 / 25.4, "right": 15 / 25.4, "top": 20 / 25.4, "bottom": 20 / 25.4}
FOOTER = '&C&"Times New Roman,Regular"&11Trang &P/&N'
NUMBER_FORMAT = "#,##0.##;-#,##0.##;0"
RATIO_FORMAT = "0.00"

#: XlsxWriter's options for every workbook we write: text stays text (a unit
#: named "1.594" or "=…" or "http://…" is not turned into a number, formula or link)
TEXT_AS_TEXT: dict[str, bool] = {
    "strings_to_numbers": False,
    "strings_to_formulas": False,
    "strings_to_urls": False,
}


def base(**extra: Any) -> dict[str, Any]:
    fmt: dict[str, Any] = {"font_name": FONT, "font_size": SIZE, "valign": "vcenter"}
    fmt.update(extra)
    return fmt


FORMATS: dict[str, dict[str, Any]] = {
    "unit_line": base(bold=True, align="left"),
    "title": base(bold=True, align="center", text_wrap=True, font_size=13),
    "caption": base(italic=True, align="center", text_wrap=True),
    "window": base(italic=True, align="center", font_size=11),
    "status_label": base(bold=True, align="right"),
    "status": base(bold=True, align="left", font_color=ERROR_FONT),
    "header": base(bold=True, align="center", text_wrap=True, border=1, bg_color=HEADER_FILL),
    "stt": base(align="center", border=1),
    "stt_bold": base(align="center", border=1, bold=True),
    "label": base(text_wrap=True, border=1),
    "label_bold": base(text_wrap=True, border=1, bold=True),
    "italic": base(italic=True),
    "bold": base(bold=True),
    "unit": base(align="center", text_wrap=True, border=1),
    "blank": base(border=1),
    "input_number": base(
        border=1, locked=False, bg_color=INPUT_FILL, num_format="General", align="right", indent=1
    ),
    "input_text": base(border=1, locked=False, bg_color=INPUT_FILL, text_wrap=True),
    "input_choice": base(border=1, locked=False, bg_color=INPUT_FILL, align="center"),
    "formula": base(border=1, bg_color=FORMULA_FILL, num_format=RATIO_FORMAT, bold=True, indent=1),
    "formula_sum": base(
        border=1, bg_color=FORMULA_FILL, num_format=NUMBER_FORMAT, bold=True, indent=1
    ),
    "note": base(border=1, locked=False, bg_color=INPUT_FILL, text_wrap=True, font_size=11),
    "check": base(border=1, text_wrap=True, font_color=ERROR_FONT, font_size=10),
    "hidden_count": base(),
    # the optional reference column: the unit's previous-period figures, as column D shows them
    "previous_header": base(
        bold=True, align="center", text_wrap=True, border=1, bg_color=REFERENCE_FILL
    ),
    "previous_number": base(
        border=1, bg_color=REFERENCE_FILL, font_color=REFERENCE_FONT, align="right", indent=1
    ),
    "previous_ratio": base(
        border=1,
        bg_color=REFERENCE_FILL,
        font_color=REFERENCE_FONT,
        num_format=RATIO_FORMAT,
        align="right",
        indent=1,
    ),
    "previous_sum": base(
        border=1,
        bg_color=REFERENCE_FILL,
        font_color=REFERENCE_FONT,
        num_format=NUMBER_FORMAT,
        align="right",
        indent=1,
    ),
    "previous_text": base(
        border=1, bg_color=REFERENCE_FILL, font_color=REFERENCE_FONT, text_wrap=True
    ),
    "previous_choice": base(
        border=1, bg_color=REFERENCE_FILL, font_color=REFERENCE_FONT, align="center"
    ),
    "previous_note": base(italic=True, font_size=10, font_color=REFERENCE_FONT),
    "total": base(border=1, bg_color=FORMULA_FILL, num_format=NUMBER_FORMAT, bold=True, indent=1),
    "total_ratio": base(
        border=1, bg_color=FORMULA_FILL, num_format=RATIO_FORMAT, bold=True, indent=1
    ),
    "value": base(border=1, num_format=NUMBER_FORMAT),
    "value_ratio": base(border=1, num_format=RATIO_FORMAT),
    "value_text": base(border=1, align="center", text_wrap=True),
    "total_text": base(border=1, bg_color=FORMULA_FILL, bold=True, text_wrap=True, font_size=10),
    "partial_window": base(
        italic=True, bold=True, align="center", font_size=11, font_color=ERROR_FONT
    ),
    # a unit's value involved in an error, and a total that includes (or leaves out) such values
    "value_error": base(
        border=1, num_format=NUMBER_FORMAT, bg_color=ERROR_FILL, font_color=ERROR_FONT
    ),
    "value_ratio_error": base(
        border=1, num_format=RATIO_FORMAT, bg_color=ERROR_FILL, font_color=ERROR_FONT
    ),
    "value_text_error": base(
        border=1, align="center", text_wrap=True, bg_color=ERROR_FILL, font_color=ERROR_FONT
    ),
    "total_flagged": base(
        border=2,
        border_color=ERROR_FONT,
        bg_color=FORMULA_FILL,
        num_format=NUMBER_FORMAT,
        bold=True,
        indent=1,
        font_color=ERROR_FONT,
    ),
    "total_ratio_flagged": base(
        border=2,
        border_color=ERROR_FONT,
        bg_color=FORMULA_FILL,
        num_format=RATIO_FORMAT,
        bold=True,
        indent=1,
        font_color=ERROR_FONT,
    ),
    "total_text_flagged": base(
        border=2,
        border_color=ERROR_FONT,
        bg_color=FORMULA_FILL,
        bold=True,
        text_wrap=True,
        font_size=10,
        font_color=ERROR_FONT,
    ),
    "unit_header": base(
        bold=True,
        align="center",
        valign="bottom",
        text_wrap=True,
        border=1,
        bg_color=HEADER_FILL,
        rotation=90,
    ),
    "meta": {"font_name": "Calibri", "font_size": 11},
    # a unit's value with a warning (far from the others, a fraction in a percent row …)
    "value_warning": base(border=1, num_format=NUMBER_FORMAT, bg_color=WARNING_FILL),
    "value_ratio_warning": base(border=1, num_format=RATIO_FORMAT, bg_color=WARNING_FILL),
    "value_text_warning": base(border=1, align="center", text_wrap=True, bg_color=WARNING_FILL),
}
ERROR_HIGHLIGHT = {"bg_color": ERROR_FILL, "font_color": ERROR_FONT}


def add_formats(workbook: Any) -> dict[str, Any]:
    """Register the house formats with an XlsxWriter workbook."""
    fmts = {name: workbook.add_format(spec) for name, spec in FORMATS.items()}
    fmts["error_highlight"] = workbook.add_format(ERROR_HIGHLIGHT)
    return fmts


def print_setup(ws: Any, repeat_rows: tuple[int, int], landscape: bool = False) -> None:
    """A4, the decree's margins, header rows on every page, one page wide, page numbers."""
    ws.set_paper(PAPER_A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.set_margins(**MARGINS)
    ws.repeat_rows(*repeat_rows)
    ws.fit_to_pages(1, 0)
    ws.set_footer(FOOTER)


def row_height(
    label: str, width: int, unit: str = "", unit_width: int = 14, bold: bool = False
) -> float:
    """Points for a row whose label (and unit) wrap in columns of these widths."""

    per_line = max(1.0, width * (0.95 if bold else 1.05))
    lines = max(
        math.ceil(len(label) / per_line), math.ceil(len(unit) / max(1.0, unit_width * 1.05)), 1
    )
    return 16.5 * lines + 1
