"""The template writer: one locked, self-checking workbook (XlsxWriter).

Reads like the workbook it writes: title block, header rows, indicator rows,
rule highlights, unit chooser, defined names, metadata, protection.
(Over 400 lines: one concept, the form as XlsxWriter draws it, including the
marked cells a feedback workbook adds.)
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import xlsxwriter

from cchc_xlsx.catalog.model import Row
from cchc_xlsx.layout.a1 import a1, defined_name, quote_sheet
from cchc_xlsx.layout.form import (
    COL_CHECK,
    COL_LABEL,
    COL_NERR,
    COL_NOTE,
    COL_NWARN,
    COL_PREVIOUS,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    FIRST_DATA_ROW,
    LIST_COL,
    LISTS_SHEET,
    NOTE_VALIDATION,
    ROW_ATTACHED,
    ROW_HEAD1,
    ROW_HEAD2,
    ROW_PERIOD,
    ROW_STATUS,
    ROW_TITLE,
    ROW_UNIT,
    ROW_WINDOW,
    UNIT_INPUT_CELL,
    FormLayout,
    RowLayout,
    label_text,
)
from cchc_xlsx.layout.meta import PREVIOUS_PERIOD_KEY, Meta
from cchc_xlsx.periods import Period
from cchc_xlsx.semantics.cells import Validation
from cchc_xlsx.units import Unit
from cchc_xlsx.vocabulary import PreviousState
from cchc_xlsx.write.captions import render_captions
from cchc_xlsx.write.identity import write_meta_sheet
from cchc_xlsx.write.protection import protect_structure
from cchc_xlsx.write.style import FORMATS, TEXT_AS_TEXT, add_formats, print_setup, row_height


@dataclass(frozen=True)
class CellMark:
    """A cell of the form pointed at (a feedback workbook's highlighted cells):
    its fill (``#RRGGBB``) and optional font colour replace the house format's,
    everything else (number format, borders, lock) is kept; ``comment`` is
    attached as a cell comment, signed ``author`` when given."""

    fill: str
    font_color: str | None = None
    comment: str | None = None
    author: str | None = None


@dataclass(frozen=True)
class PreviousColumn:
    """The unit's own figures of an earlier ``period``, shown in a locked, grey
    reference column (I) beside the form while it types this period's: ``values``
    by catalogue code as read from its return (Có/Không and choices by their
    codes, as the reader gives them), ``state`` what the store held (the line
    above the column says so when there is nothing to show). Plain data: the
    caller reads the store."""

    period: Period
    values: Mapping[str, object]
    state: PreviousState = "found"

    @property
    def header(self) -> str:
        return f"Kỳ trước\n({self.period.label})"

    @property
    def note(self) -> str:
        label = self.period.label
        return {
            "found": f"Cột I: số liệu {label} của đơn vị (đã báo cáo), chỉ để đối chiếu.",
            "blank": f"Cột I: biểu {label} của đơn vị trong kho lưu không có số liệu.",
            "conflict": f"Cột I để trống: đơn vị có nhiều biểu {label} khác nhau, chưa chọn bản dùng.",
            "missing": f"Cột I để trống: kho lưu chưa có biểu {label} dùng được của đơn vị.",
        }[self.state]


#: the house formats of each column of a form row, as :func:`_write_row` uses them
#: (a marked cell gets a copy of its format with the mark's colours)
_COLUMN_FORMATS: dict[int, tuple[str, ...]] = {
    COL_STT: ("stt", "stt_bold"),
    COL_LABEL: ("label", "label_bold"),
    COL_UNIT: ("unit",),
    COL_VALUE: ("formula", "formula_sum", "input_text", "input_choice", "input_number", "blank"),
    COL_NOTE: ("note",),
    COL_CHECK: ("check",),
}


def render_template(
    layout: FormLayout,
    period: Period,
    *,
    unit_name: str,
    unit_code: str,
    unit_level: str,
    generated_at: str,
    password: str,
    generic_units: Sequence[Unit] | None = None,
    generic: bool = False,
    prefill: dict[str, Any] | None = None,
    locked_codes: frozenset[str] = frozenset(),
    meta_unit_name: str | None = None,
    notes: Mapping[str, str] | None = None,
    marks: Mapping[tuple[int, int, int], CellMark] | None = None,
    front_sheet: Callable[[Any, dict[str, Any]], None] | None = None,
    previous: PreviousColumn | None = None,
) -> bytes:
    """Render one workbook and return its bytes.

    ``generic``: the unit is chosen or typed in B1 (a drop-down of
    ``generic_units`` when given). ``prefill``/``locked_codes``: values written
    into input cells, and inputs that stay locked (a higher level's own form
    fed by its lower level's returns). ``notes``: texts written into note cells,
    by code. ``marks``: cells of the form's rows to highlight and comment, keyed
    by (sheet index in ``layout.sheets``, zero-based row, zero-based column of
    A–F); a mark elsewhere is a ValueError. ``front_sheet(workbook, formats)``
    adds sheets before the form's (a feedback workbook's list of problems).
    ``previous``: the unit's figures of an earlier period in a locked reference
    column after the form's (I), named on the identity sheet.
    None of these changes a workbook rendered without them.
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"in_memory": True, **TEXT_AS_TEXT},
    )
    # NOTE: a fixed creation date makes the same input give the same bytes.
    wb.set_properties(
        {"title": layout.catalog.title, "author": "cchc-xlsx", "created": dt.datetime(2000, 1, 1)}
    )
    fmts = add_formats(wb)
    caps = render_captions(
        "form_captions.j2",
        unit_name=unit_name,
        catalog_title=layout.catalog.title,
        period_label=period.label,
        window_label=period.window_label,
        sheet_title="",
    )
    if front_sheet is not None:
        front_sheet(wb, fmts)
    by_row = _marks_by_row(layout, marks or {})
    marked_formats: dict[tuple[str, str, str | None], Any] = {}
    sheets = []
    for si, sl in enumerate(layout.sheets):
        ws = wb.add_worksheet(sl.name)
        sheets.append(ws)
        _write_title_block(ws, fmts, caps, sl.title, si, layout, generic)
        _write_header(ws, fmts)
        if previous is not None:
            _write_previous_header(ws, fmts, previous)
        for rl in sl.rows:
            row_marks = by_row.get((si, rl.r))
            row_fmts = fmts
            if row_marks:
                row_fmts = _marked_formats(wb, fmts, row_marks, marked_formats)
            _write_row(ws, row_fmts, rl, prefill or {}, locked_codes, notes or {})
            if row_marks:
                _write_comments(ws, rl.r, row_marks)
            if previous is not None:
                _write_previous(ws, fmts, rl, previous.values.get(rl.code))
        _write_rule_highlights(ws, fmts, layout, si)
        _set_columns(ws)
        ws.freeze_panes(FIRST_DATA_ROW, 0)
        print_setup(ws, (ROW_HEAD1, ROW_HEAD2))
        ws.print_area(0, COL_STT, max(sl.last_row, FIRST_DATA_ROW), COL_NOTE)
        ws.protect(
            password,
            {
                "format_columns": False,
                "format_rows": False,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )
    if generic:
        _write_unit_chooser(wb, sheets[0], generic_units or ())
    _write_defined_names(wb, layout)
    meta = Meta(
        kind="template",
        catalog_id=layout.catalog.id,
        catalog_version=layout.catalog.version,
        catalog_hash=layout.catalog.content_hash,
        level=layout.level,
        period=period.code,
        layout_fingerprint=layout.fingerprint,
        unit_code=unit_code,
        unit_name=unit_name if meta_unit_name is None else meta_unit_name,
        unit_level=unit_level,
        generated_at=generated_at,
    )
    extra = [(PREVIOUS_PERIOD_KEY, previous.period.code)] if previous is not None else []
    write_meta_sheet(wb, meta, password, extra)
    wb.close()
    return protect_structure(buf.getvalue(), password)


def _write_title_block(
    ws: Any,
    fmts: dict[str, Any],
    caps: dict[str, str],
    sheet_title: str,
    si: int,
    layout: FormLayout,
    generic: bool,
) -> None:
    last = COL_NOTE
    if generic:
        ws.write_string(ROW_UNIT, COL_STT, "Đơn vị:", fmts["unit_line"])
        if si > 0:
            first = quote_sheet(layout.sheets[0].name)
            unit_cell = a1(*UNIT_INPUT_CELL)
            ws.merge_range(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_UNIT, "", fmts["unit_line"])
            ws.write_formula(
                ROW_UNIT,
                COL_LABEL,
                f'IF({first}!{unit_cell}="","",{first}!{unit_cell})',
                fmts["unit_line"],
                "",
            )
    else:
        ws.merge_range(ROW_UNIT, COL_STT, ROW_UNIT, COL_UNIT, caps["unit_line"], fmts["unit_line"])
    title = caps["title"] + (f" — {sheet_title.upper()}" if sheet_title else "")
    ws.merge_range(ROW_TITLE, COL_STT, ROW_TITLE, last, title, fmts["title"])
    ws.set_row(ROW_TITLE, 36)
    ws.merge_range(ROW_PERIOD, COL_STT, ROW_PERIOD, last, caps["period"], fmts["caption"])
    ws.merge_range(ROW_ATTACHED, COL_STT, ROW_ATTACHED, last, caps["attached"], fmts["caption"])
    ws.merge_range(ROW_WINDOW, COL_STT, ROW_WINDOW, last, caps["window"], fmts["window"])
    ws.merge_range(
        ROW_STATUS, COL_STT, ROW_STATUS, COL_UNIT, "Kiểm tra số liệu:", fmts["status_label"]
    )
    ws.merge_range(ROW_STATUS, COL_VALUE, ROW_STATUS, COL_NOTE, "", fmts["status"])
    if si == 0:
        ws.write_formula(
            ROW_STATUS, COL_VALUE, layout.status_formula, fmts["status"], "Không có lỗi"
        )
    else:
        ws.write_formula(
            ROW_STATUS,
            COL_VALUE,
            f"{quote_sheet(layout.sheets[0].name)}!{a1(ROW_STATUS, COL_VALUE)}",
            fmts["status"],
            "Không có lỗi",
        )


def _write_header(ws: Any, fmts: dict[str, Any]) -> None:
    h = fmts["header"]
    ws.merge_range(ROW_HEAD1, COL_STT, ROW_HEAD2, COL_STT, "STT", h)
    ws.merge_range(
        ROW_HEAD1,
        COL_LABEL,
        ROW_HEAD2,
        COL_LABEL,
        "Chỉ tiêu thống kê (Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, năm)",
        h,
    )
    ws.merge_range(ROW_HEAD1, COL_UNIT, ROW_HEAD1, COL_VALUE, "Kết quả thống kê", h)
    ws.write_string(ROW_HEAD2, COL_UNIT, "Đơn vị tính", h)
    ws.write_string(ROW_HEAD2, COL_VALUE, "Số liệu", h)
    ws.merge_range(ROW_HEAD1, COL_NOTE, ROW_HEAD2, COL_NOTE, "Ghi chú", h)
    ws.merge_range(ROW_HEAD1, COL_CHECK, ROW_HEAD2, COL_CHECK, "Kiểm tra (tự động)", h)
    ws.set_row(ROW_HEAD1, 21)
    ws.set_row(ROW_HEAD2, 21)
    ws.write_string(ROW_HEAD1, COL_NERR, "Số lỗi")
    ws.write_string(ROW_HEAD1, COL_NWARN, "Số cảnh báo")


def _write_row(
    ws: Any,
    fmts: dict[str, Any],
    rl: RowLayout,
    prefill: dict[str, Any],
    locked_codes: frozenset[str],
    notes: Mapping[str, str],
) -> None:
    row, r = rl.row, rl.r
    bold = row.depth <= 2
    # NOTE: neither Excel nor LibreOffice grows a row for wrapped text written by
    # XlsxWriter, so the height is estimated from the label's length.
    ws.set_row(r, row_height(label_text(row), LABEL_WIDTH, row.unit, UNIT_WIDTH, bold))
    ws.write_string(r, COL_STT, row.code, fmts["stt_bold" if bold else "stt"])
    lab = fmts["label_bold" if bold else "label"]
    if row.hint:
        ws.write_rich_string(
            r,
            COL_LABEL,
            *([fmts["bold"], row.label] if bold else [row.label]),
            fmts["italic"],
            f" ({row.hint})",
            lab,
        )
    else:
        ws.write_string(r, COL_LABEL, row.label, lab)
    ws.write_string(r, COL_UNIT, row.unit, fmts["unit"])
    if rl.formula:
        fmt = fmts["formula"] if row.type == "ratio" else fmts["formula_sum"]
        ws.write_formula(r, COL_VALUE, rl.formula, fmt, "")
    elif row.is_input:
        locked = row.code in locked_codes
        fmt_name = (
            "input_text"
            if row.type == "text"
            else "input_choice"
            if row.type in ("boolean", "choice")
            else "input_number"
        )
        fmt = fmts["formula_sum"] if locked else fmts[fmt_name]
        value = prefill.get(row.code)
        if value is None:
            ws.write_blank(r, COL_VALUE, None, fmt)
        elif isinstance(value, str):
            ws.write_string(r, COL_VALUE, value, fmt)
        else:
            ws.write_number(r, COL_VALUE, value, fmt)
        if rl.validation and not locked:
            ws.data_validation(r, COL_VALUE, r, COL_VALUE, _validation_options(rl.validation))
            if rl.value_check:
                ws.conditional_format(
                    r,
                    COL_VALUE,
                    r,
                    COL_VALUE,
                    {
                        "type": "formula",
                        "criteria": "=" + rl.value_check,
                        "format": fmts["error_highlight"],
                    },
                )
    else:
        ws.write_blank(r, COL_VALUE, None, fmts["blank"])
    note = notes.get(row.code)
    if note:
        ws.write_string(r, COL_NOTE, note, fmts["note"])
    else:
        ws.write_blank(r, COL_NOTE, None, fmts["note"])
    ws.data_validation(r, COL_NOTE, r, COL_NOTE, _validation_options(NOTE_VALIDATION))
    if rl.check_formula:
        ws.write_formula(r, COL_CHECK, rl.check_formula, fmts["check"], "")
        ws.write_formula(r, COL_NERR, rl.error_count_formula or "0", fmts["hidden_count"], 0)
        ws.write_formula(r, COL_NWARN, rl.warning_count_formula or "0", fmts["hidden_count"], 0)
    else:
        ws.write_blank(r, COL_CHECK, None, fmts["check"])


def _write_previous_header(ws: Any, fmts: dict[str, Any], previous: PreviousColumn) -> None:
    ws.write_string(ROW_STATUS, COL_PREVIOUS, previous.note, fmts["previous_note"])
    ws.merge_range(
        ROW_HEAD1, COL_PREVIOUS, ROW_HEAD2, COL_PREVIOUS, previous.header, fmts["previous_header"]
    )
    ws.set_column(COL_PREVIOUS, COL_PREVIOUS, PREVIOUS_WIDTH)


def _write_previous(ws: Any, fmts: dict[str, Any], rl: RowLayout, value: object) -> None:
    """A row's previous-period figure in the reference column, as column D shows it
    (a ratio with two decimals, Có/Không and choices by their labels); blank when
    there is none."""
    row, r = rl.row, rl.r
    fmt = fmts[
        "previous_ratio"
        if row.type == "ratio"
        else "previous_sum"
        if row.type == "sum"
        else "previous_text"
        if row.type == "text"
        else "previous_choice"
        if row.type in ("boolean", "choice")
        else "previous_number"
    ]
    shown = typed_value(row, value) if row.is_input or row.is_formula else None
    if shown is None:
        ws.write_blank(r, COL_PREVIOUS, None, fmt)
    elif isinstance(shown, str):
        ws.write_string(r, COL_PREVIOUS, shown, fmt)
    else:
        ws.write_number(r, COL_PREVIOUS, shown, fmt)


def typed_value(row: Row, value: object) -> Any:
    """A read value as the unit would type it (Có/Không and choices by label);
    None when it cannot go back into a cell."""
    if value is None or isinstance(value, bool):
        return None
    if row.type == "text":
        return str(value)
    if isinstance(value, str):
        return value if row.type in ("boolean", "choice") else None
    if not isinstance(value, (int, float, Decimal)):
        return None
    number = float(value) if isinstance(value, Decimal) else value
    if not math.isfinite(number):
        return None
    if row.type == "boolean":
        return {1: "Có", 0: "Không"}.get(int(number)) if number in (0, 1) else None
    if row.type == "choice":
        opt = row.option_by_value(int(number)) if float(number).is_integer() else None
        return opt.label if opt is not None else None
    return number


def _marks_by_row(
    layout: FormLayout, marks: Mapping[tuple[int, int, int], CellMark]
) -> dict[tuple[int, int], dict[int, CellMark]]:
    """``marks`` grouped by (sheet, row); a mark outside the form's rows and
    columns A–F is refused (it would silently not be drawn)."""
    rows = {(rl.sheet, rl.r) for rl in layout.rows}
    out: dict[tuple[int, int], dict[int, CellMark]] = {}
    for (si, r, c), mark in marks.items():
        if (si, r) not in rows or c not in _COLUMN_FORMATS:
            raise ValueError(f"no form cell to mark at sheet {si}, {a1(r, c)}")
        out.setdefault((si, r), {})[c] = mark
    return out


def _marked_formats(
    wb: Any,
    fmts: dict[str, Any],
    row_marks: dict[int, CellMark],
    cache: dict[tuple[str, str, str | None], Any],
) -> dict[str, Any]:
    """``fmts`` with the formats of the marked columns replaced by coloured copies."""
    out = dict(fmts)
    for col, mark in row_marks.items():
        for name in _COLUMN_FORMATS[col]:
            key = (name, mark.fill, mark.font_color)
            if key not in cache:
                spec = {**FORMATS[name], "bg_color": mark.fill}
                if mark.font_color:
                    spec["font_color"] = mark.font_color
                cache[key] = wb.add_format(spec)
            out[name] = cache[key]
    return out


def _write_comments(ws: Any, r: int, row_marks: dict[int, CellMark]) -> None:
    for col, mark in sorted(row_marks.items()):
        if not mark.comment:
            continue
        text = mark.comment[:COMMENT_MAX]
        lines = sum(1 + len(line) // 48 for line in text.splitlines() or [""])
        opts: dict[str, Any] = {"x_scale": 2.5, "y_scale": min(12.0, max(1.0, lines / 4.5))}
        if mark.author:
            opts["author"] = mark.author
        if ws.write_comment(r, col, text, opts) != 0:
            raise RuntimeError(f"comment at {a1(r, col)} refused")


COMMENT_MAX = 32767  # characters of a cell comment (Excel's limit)


def _write_rule_highlights(ws: Any, fmts: dict[str, Any], layout: FormLayout, si: int) -> None:
    """Conditional formats that turn the cells of a broken rule red (they survive paste)."""
    for rule in layout.rules:
        anchor = layout[rule.refs[0]]
        if anchor.sheet != si:
            continue
        cells = [layout[c] for c in rule.refs if layout[c].sheet == si]
        cond = rule.check.excel_violated(lambda code: layout.cell_ref(code, si, absolute=True))
        first = cells[0]
        multi = " ".join(a1(c.r, COL_VALUE) for c in cells)
        ws.conditional_format(
            first.r,
            COL_VALUE,
            first.r,
            COL_VALUE,
            {
                "type": "formula",
                "criteria": "=" + cond,
                "format": fmts["error_highlight"],
                "multi_range": multi,
            },
        )


def _validation_options(v: Validation) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "input_title": v.input_title,
        "input_message": v.input_message,
        "error_title": v.error_title,
        "error_message": v.error_message,
        "error_type": "stop",
        "ignore_blank": True,
    }
    if v.kind in ("integer", "decimal"):
        opts["validate"] = v.kind
        if v.minimum is not None and v.maximum is not None:
            opts.update(criteria="between", minimum=v.minimum, maximum=v.maximum)
        elif v.minimum is not None:
            opts.update(criteria=">=", value=v.minimum)
        elif v.maximum is not None:
            opts.update(criteria="<=", value=v.maximum)
        else:
            opts.update(criteria="between", minimum=-1e307, maximum=1e307)
    elif v.kind == "list":
        opts.update(validate="list", source=list(v.choices))
    elif v.kind == "length":
        opts.update(validate="length", criteria="<=", value=int(v.maximum or 0))
    return opts


LABEL_WIDTH = 62
UNIT_WIDTH = 16
PREVIOUS_WIDTH = 16


def _set_columns(ws: Any) -> None:
    ws.set_column(COL_STT, COL_STT, 9)
    ws.set_column(COL_LABEL, COL_LABEL, LABEL_WIDTH)
    ws.set_column(COL_UNIT, COL_UNIT, UNIT_WIDTH)
    ws.set_column(COL_VALUE, COL_VALUE, 13)
    ws.set_column(COL_NOTE, COL_NOTE, 24)
    ws.set_column(COL_CHECK, COL_CHECK, 40)
    ws.set_column(COL_NERR, COL_NWARN, 8, None, {"hidden": True})


def _write_unit_chooser(wb: Any, ws: Any, units: Sequence[Unit]) -> None:
    """B1 of a generic template: an unlocked cell where the unit is chosen from a
    drop-down of ``units`` (a hidden list sheet) or typed."""
    fmt = wb.add_format(
        {
            "font_name": "Times New Roman",
            "font_size": 12,
            "bold": True,
            "locked": False,
            "bg_color": "#FFF2CC",
            "border": 1,
        }
    )
    ws.merge_range(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_UNIT, "", fmt)
    opts: dict[str, Any] = {
        "input_title": "Đơn vị báo cáo",
        "input_message": "Chọn hoặc gõ tên đơn vị của mình (ví dụ: Xã Tân Lập).",
        "error_type": "warning",
        "error_title": "Đơn vị không có trong danh sách",
        "error_message": "Tên này không có trong danh sách; hãy kiểm tra lại.",
    }
    if units:
        lists = wb.add_worksheet(LISTS_SHEET)
        for i, u in enumerate(units):
            lists.write_string(i, LIST_COL, u.name)
        lists.hide()
        lists.protect("", {})
        opts.update(
            validate="list",
            source=f"={quote_sheet(LISTS_SHEET)}!{a1(0, LIST_COL, True)}:{a1(len(units) - 1, LIST_COL, True)}",
        )
        ws.data_validation(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_LABEL, opts)
    else:
        opts.update(validate="length", criteria="<=", value=200)
        ws.data_validation(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_LABEL, opts)


def _write_defined_names(wb: Any, layout: FormLayout) -> None:
    for rl in layout.inputs:
        sheet = layout.sheets[rl.sheet].name
        wb.define_name(defined_name(rl.code), f"={quote_sheet(sheet)}!{a1(rl.r, COL_VALUE, True)}")
