"""The feedback workbook (phiếu phản hồi): a unit's own return sent back with its problems marked.

The workbook is the unit's template of the same form, with the same identity
(catalogue, level, unit, period), its readable values and notes written back
into the input cells. A first sheet, ``Phản hồi``, lists every error and
warning in plain Vietnamese (cell, indicator, value as received, what is
wrong, what to do); on the form's sheets the cells concerned are red (error)
or yellow (warning), each with its messages as a cell comment. A value the
reader left out (text in a number cell, a date in a count cell, a row whose
label was edited …) is left blank, so that the unit types it again. The form's
sheets keep their protection, validations and check column: the unit corrects
the figures in this file and sends it back, and it is read as that unit's
return. Info-level notes need nothing from the unit and are not sent back.

(Over 400 lines: one concept, the feedback workbook — placing each issue on
the form, the list sheet, and what to do per issue code.)
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError
from cchc_xlsx.issues import Issue, IssueCode
from cchc_xlsx.layout.a1 import a1, col_index, quote_sheet
from cchc_xlsx.layout.form import (
    COL_CHECK,
    COL_STT,
    COL_VALUE,
    LISTS_SHEET,
    FormLayout,
    build_layout,
)
from cchc_xlsx.layout.meta import META_SHEET
from cchc_xlsx.periods import parse_period
from cchc_xlsx.read.record import Return
from cchc_xlsx.semantics.numbers import decimal_comma
from cchc_xlsx.write.captions import authority
from cchc_xlsx.write.style import (
    ERROR_FILL,
    ERROR_FONT,
    WARNING_FILL,
    base,
    print_setup,
)
from cchc_xlsx.write.template import CellMark, render_template, typed_value

FEEDBACK_SHEET = "Phản hồi"
TEXT_MAX = 2000  # characters of one message in a cell or comment (Excel allows 32,767)
LINKS_MAX = 65000  # hyperlinks on the sheet (Excel allows 65,530)

SEVERITY_LABEL = {"error": "Lỗi", "warning": "Cảnh báo"}

#: what a cell whose value must be typed again holds (the reader reads it as "not a number")
REENTER = "(nhập lại)"
#: errors of a cell's own value: the value is not written back as read
REENTER_CODES = frozenset(
    {
        IssueCode.TEXT_NUMBER,
        IssueCode.DATE_VALUE,
        IssueCode.FRACTION_VALUE,
        IssueCode.NOT_A_NUMBER,
        IssueCode.AMBIGUOUS_NUMBER,
        IssueCode.NEGATIVE,
        IssueCode.NOT_INTEGER,
        IssueCode.OUT_OF_RANGE,
        IssueCode.NOT_FINITE,
        IssueCode.BOOLEAN_VALUE,
        IssueCode.ERROR_VALUE,
        IssueCode.FORMULA_IN_INPUT,
        IssueCode.INVALID_CHOICE,
        IssueCode.LABEL_CHANGED,
        IssueCode.UNIT_LABEL_CHANGED,
    }
)

#: what the unit should do, per issue code (:data:`DEFAULT_TODO` for the others)
TODO: dict[IssueCode, str] = {
    IssueCode.METADATA_MISSING: "Không cần sửa gì thêm: tệp này đã có lại trang nhận dạng; hãy điền và gửi lại chính tệp này.",
    IssueCode.PROTECTION_REMOVED: "Không gỡ khóa trang tính: tệp này đã được khóa lại, chỉ nhập vào các ô nền màu vàng.",
    IssueCode.LAYOUT_CHANGED: "Dùng tệp này (đúng mẫu của kỳ); không thêm, xóa hay di chuyển dòng, cột.",
    IssueCode.LABEL_CHANGED: "Nhãn chỉ tiêu đã được trả lại như mẫu: nhập lại số liệu của dòng này vào ô Số liệu, không sửa nhãn.",
    IssueCode.UNIT_LABEL_CHANGED: "Đơn vị tính đã được trả lại như mẫu: nhập lại số liệu của dòng này theo đúng đơn vị tính, không sửa đơn vị tính.",
    IssueCode.FORMULA_REPLACED: "Ô này tự tính và đã được khôi phục công thức: không gõ đè; nếu kết quả chưa đúng, sửa các dòng thành phần.",
    IssueCode.CELL_OUT_OF_BOUNDS: "Số liệu ghi ngoài vùng biểu không được đọc: ghi vào đúng dòng của biểu, hoặc vào cột Ghi chú.",
    IssueCode.WEIGHT_MISSING: "Nhập số liệu vào ô còn trống được nêu ở phần Nội dung (nhập 0 nếu không có).",
    IssueCode.TEXT_NUMBER: "Số liệu đã được ghi lại dạng số theo cách đã đọc: kiểm tra lại; nếu sai, gõ lại chỉ bằng chữ số (không dùng dấu chấm ngăn cách hàng nghìn).",
    IssueCode.DATE_VALUE: "Gõ lại số liệu dạng số; không dùng dấu “/” hay “-” (Excel sẽ hiểu thành ngày tháng).",
    IssueCode.FRACTION_VALUE: "Gõ lại số liệu dạng số thập phân (ví dụ 0,25 thay cho 1/4).",
    IssueCode.PERCENT_FRACTION: "Tỷ lệ ghi theo phần trăm (0–100): 92,5% thì gõ 92,5, không gõ 0,925; nếu đúng là dưới 1% thì giữ nguyên và ghi rõ ở cột Ghi chú.",
    IssueCode.OUTLIER: "Kiểm tra lại số liệu này; nếu đúng, giữ nguyên và ghi rõ lý do ở cột Ghi chú.",
    IssueCode.NOT_A_NUMBER: "Gõ lại số liệu dạng số.",
    IssueCode.AMBIGUOUS_NUMBER: "Gõ lại số liệu dạng số, không dùng dấu ngăn cách hàng nghìn.",
    IssueCode.NEGATIVE: "Nhập số không âm.",
    IssueCode.NOT_INTEGER: "Nhập số nguyên.",
    IssueCode.OUT_OF_RANGE: "Nhập số trong khoảng cho phép (xem hướng dẫn hiện ra khi chọn ô).",
    IssueCode.NOT_FINITE: "Gõ lại số liệu dạng số.",
    IssueCode.BOOLEAN_VALUE: "Nhập lại giá trị đúng (không dùng TRUE/FALSE); ô Có/Không thì chọn trong danh sách.",
    IssueCode.ERROR_VALUE: "Nhập lại số liệu (ô gửi về chứa giá trị lỗi của Excel như #DIV/0!).",
    IssueCode.FORMULA_IN_INPUT: "Gõ số liệu, không gõ công thức.",
    IssueCode.INVALID_CHOICE: "Chọn một giá trị trong danh sách thả xuống của ô.",
    IssueCode.TEXT_TOO_LONG: "Rút gọn nội dung ghi trong ô.",
    IssueCode.REQUIRED_BLANK: "Nhập số liệu cho chỉ tiêu bắt buộc này (chỉ tiêu đếm mà không phát sinh thì nhập 0).",
    IssueCode.EMPTY_FORM: "Điền số liệu vào biểu rồi gửi lại.",
    IssueCode.RULE: "Kiểm tra các số liệu liên quan (các ô tô màu) và sửa cho đúng.",
    IssueCode.UNIT_CONFLICT: "Đơn vị đã gửi nhiều tệp khác nhau: chỉ gửi lại một tệp này, đã sửa đầy đủ.",
}
DEFAULT_TODO = "Kiểm tra lại và sửa cho đúng; nếu chưa rõ, hãy liên hệ cơ quan nhận báo cáo."
LEFT_OUT = "ô ghi “(nhập lại)” vì giá trị gửi về không dùng được"

_REF = re.compile(r"\$?([A-Z]{1,3})\$?([0-9]{1,7})")
# what LibreOffice decodes as an OOXML character escape but XlsxWriter does not escape
_LO_ESCAPE = re.compile(r"_(?=x[0-9A-Fa-f]{1,3}_)")


@dataclass
class _Entry:
    """One issue of the list, placed: ``where`` (sheet, row, column) in the
    form, when the issue names a cell of the form's rows (or an indicator)."""

    issue: Issue
    where: tuple[int, int, int] | None
    cell: str  # as shown in the Ô column


def feedback_workbook(
    catalog: Catalog,
    ret: Return,
    *,
    password: str,
    generated_at: str,
    office: str | None = None,
    unit_name: str | None = None,
    unit_level: str | None = None,
) -> bytes:
    """The feedback workbook (phiếu phản hồi) of one accepted return, as bytes.

    A template of ``ret``'s form for its unit and period (``generated_at`` in
    the identity sheet, sheets protected with ``password``), with the values
    that were read (input rows only) and the notes written back. Its first
    sheet, ``Phản hồi``, lists each error and warning of ``ret.issues`` (cell,
    indicator code and label, value as received, level, message, what to do);
    on the form's sheets each cell concerned is red (error) or yellow
    (warning) with the messages as a comment, and so are the other cells of a
    broken rule and the value cell of a row whose value was left out (left
    blank, to be typed again). ``office``: the sending office, printed at the
    top and signing the comments. ``unit_name``: the unit's name as the units
    register spells it (by default ``ret.unit_name``, as written in the file).
    ``unit_level``: the unit's level when it is not the form's (a lower level's
    summed appendix read as a return one level up); by default the form's level.

    Raises :class:`~cchc_xlsx.errors.UsageError` when ``ret`` does not say
    whose return it is, for which period, or names a level the catalogue
    lacks; :class:`~cchc_xlsx.errors.PeriodError` for a malformed period.
    """
    level, unit, period_code = ret.level, ret.unit, ret.period
    if not level or level not in catalog.levels:
        raise UsageError(
            f"Tệp {os.path.basename(ret.path)} ghi cấp “{level or ''}” không có trong danh mục "
            f"“{catalog.id}”; không lập được phiếu phản hồi."
        )
    if not unit:
        raise UsageError(
            f"Chưa xác định được đơn vị của tệp {os.path.basename(ret.path)}; "
            "hãy kiểm tra kèm tệp danh sách đơn vị rồi lập phiếu phản hồi.",
            option="units",
        )
    if not period_code:
        raise UsageError(
            f"Chưa xác định được kỳ báo cáo của tệp {os.path.basename(ret.path)}; "
            "hãy nêu rõ kỳ báo cáo.",
            option="period",
        )
    if ret.kind == "consolidated" and not unit_level:
        raise UsageError(
            f"Tệp {os.path.basename(ret.path)} là biểu tổng hợp: cần nêu cấp của đơn vị "
            "để lập phiếu phản hồi.",
            option="level",
        )
    period = parse_period(period_code)
    layout = build_layout(catalog, level)
    name = unit_name or ret.unit_name or unit

    prefill: dict[str, Any] = {}
    for code, value in ret.values.items():
        if code in layout and layout[code].is_input:
            typed = typed_value(layout[code].row, value)
            if typed is not None:
                prefill[code] = typed
    received = dict(prefill)  # as read, for the list and the marks
    # NOTE: a value in error (or left out) is not written back as read: returned
    # unchanged, the workbook would pass as clean. A marker the reader refuses
    # keeps the cell in error until the unit types the figure again.
    for i in ret.issues:
        ind = i.indicator
        if i.severity == "error" and i.code in REENTER_CODES and ind is not None and ind in layout:
            row = layout[ind]
            if row.is_input and row.row.type != "text":
                prefill[ind] = REENTER
    notes = {code: text for code, text in ret.notes.items() if code in layout and text}

    # info-level notes ask nothing of the unit
    entries = sorted(
        (
            _place(layout, i, moved=ret.kind == "recovered")
            for i in ret.issues
            if i.severity in SEVERITY_LABEL
        ),
        key=_order,
    )
    marks = _marks(layout, entries, received, office)
    sheet_name = _free_name(layout)

    def front(wb: Any, fmts: dict[str, Any]) -> None:
        _write_feedback_sheet(
            wb,
            fmts,
            sheet_name,
            layout,
            ret,
            entries,
            received,
            password=password,
            unit_name=name,
            period_label=period.label,
            generated_at=generated_at,
            office=office,
            marked_sheets=sorted({si for si, _r, _c in marks}),
        )

    return render_template(
        layout,
        period,
        unit_name=authority(name),
        unit_code=unit,
        unit_level=unit_level or level,
        generated_at=generated_at,
        password=password,
        prefill=prefill,
        meta_unit_name=name,
        notes=notes,
        marks=marks,
        front_sheet=front,
    )


# --------------------------------------------------------------------------- values


def _shown_value(value: object) -> str:
    if isinstance(value, str):
        return f"“{value[:200]}”" + ("…" if len(value) > 200 else "")
    if isinstance(value, (int, float)):
        return decimal_comma(value)
    return ""


# --------------------------------------------------------------------------- where each issue is


def _place(layout: FormLayout, issue: Issue, *, moved: bool = False) -> _Entry:
    """Where ``issue`` is in the form: its cell (``D25``, ``'Biểu mẫu 3'!D25``
    or ``Biểu mẫu 3!D25``; a bare cell of a several-sheet form is on its
    indicator's sheet), or its indicator's value cell when it names no cell.
    ``moved``: the cells name places in a table copied elsewhere (a recovered
    return): an indicator's row is the form's, in the column named."""
    row = layout[issue.indicator] if issue.indicator and issue.indicator in layout else None
    if moved and issue.cell is not None:
        m = _REF.fullmatch(issue.cell.rpartition("!")[2].strip())
        c = col_index(m.group(1)) if m else COL_VALUE
        if row is None or c not in range(COL_STT, COL_CHECK + 1):
            return _Entry(issue, None, f"{issue.cell} (tệp gửi về)")
        where = (row.sheet, row.r, c)
        label = _cell_label(layout, where)
        return _Entry(
            issue, where, label if label == issue.cell else f"{label} (tệp gửi về: {issue.cell})"
        )
    multi = len(layout.sheets) > 1
    if issue.cell is None:
        if row is None:
            return _Entry(issue, None, "(cả tệp)")
        where = (row.sheet, row.r, COL_VALUE)
        return _Entry(issue, where, _cell_label(layout, where))
    sheet_part, sep, ref = issue.cell.rpartition("!")
    m = _REF.fullmatch(ref.strip())
    si: int | None = None
    if sep:
        name = sheet_part.strip()
        if len(name) >= 2 and name[0] == name[-1] == "'":
            name = name[1:-1].replace("''", "'")
        si = next((i for i, s in enumerate(layout.sheets) if s.name == name), None)
        if si is None:
            si = next(
                (i for i, s in enumerate(layout.sheets) if s.name.casefold() == name.casefold()),
                None,
            )
    elif row is not None:
        si = row.sheet
    elif not multi:
        si = 0
    if m is None or si is None:
        return _Entry(issue, None, issue.cell)
    r, c = int(m.group(2)) - 1, col_index(m.group(1))
    on_form = c in range(COL_STT, COL_CHECK + 1) and any(rl.r == r for rl in layout.sheets[si].rows)
    if not on_form:
        return _Entry(issue, None, issue.cell)
    return _Entry(issue, (si, r, c), _cell_label(layout, (si, r, c)))


def _cell_label(layout: FormLayout, where: tuple[int, int, int]) -> str:
    si, r, c = where
    if len(layout.sheets) > 1:
        return f"{a1(r, c)} ({layout.sheets[si].name})"
    return a1(r, c)


def _order(e: _Entry) -> tuple[int, int, int, int]:
    """File-wide issues first, then the form's cells top to bottom, then the rest."""
    if e.where is not None:
        return (1, *e.where)
    return (0 if e.issue.cell is None else 2, 0, 0, 0)


def _link(layout: FormLayout, where: tuple[int, int, int]) -> str:
    si, r, c = where
    return f"internal:{quote_sheet(layout.sheets[si].name)}!{a1(r, c)}"


# --------------------------------------------------------------------------- marks on the form


def _left_out(layout: FormLayout, issue: Issue, prefill: Mapping[str, Any]) -> bool:
    """The issue is why its indicator's value was left out: an error on an input
    row (other than a broken rule, whose values are all read) with no value to
    write back. A blank cell gives warnings only (a required row left blank)."""
    code = issue.indicator
    return (
        issue.severity == "error"
        and issue.code != IssueCode.RULE
        and code is not None
        and code in layout
        and layout[code].is_input
        and code not in prefill
    )


def _marks(
    layout: FormLayout, entries: list[_Entry], prefill: Mapping[str, Any], office: str | None
) -> dict[tuple[int, int, int], CellMark]:
    """Per cell of the form: red for an error, yellow for a warning only, and
    every message concerning the cell as its comment."""
    texts: dict[tuple[int, int, int], list[str]] = {}
    worst: dict[tuple[int, int, int], str] = {}

    def add(where: tuple[int, int, int], severity: str, text: str) -> None:
        texts.setdefault(where, []).append(text[:TEXT_MAX])
        if worst.get(where) != "error":
            worst[where] = severity

    for e in entries:
        i = e.issue
        todo = TODO.get(i.code, DEFAULT_TODO)
        head = SEVERITY_LABEL[i.severity]
        left_out = _left_out(layout, i, prefill)
        if e.where is not None:
            extra = f" ({LEFT_OUT}.)" if left_out and e.where[2] == COL_VALUE else ""
            add(e.where, i.severity, f"{head}: {i.message}{extra}\nCần làm: {todo}")
        # the value cell of a row whose value was left out (an edited label, a date …)
        if left_out and i.indicator is not None:
            rl = layout[i.indicator]
            value_cell = (rl.sheet, rl.r, COL_VALUE)
            if value_cell != e.where:
                add(
                    value_cell,
                    i.severity,
                    f"{head} ({LEFT_OUT}): {i.message}\nCần làm: nhập lại số liệu của chỉ tiêu {i.indicator}.",
                )
        # the other cells of a broken rule: either side may be the wrong one
        if i.rule and e.where is not None:
            rule = next((r for r in layout.rules if r.id == i.rule), None)
            for code in rule.refs if rule is not None else ():
                if code not in layout or code == i.indicator:
                    continue
                rl = layout[code]
                other = (rl.sheet, rl.r, COL_VALUE)
                if other != e.where:
                    add(
                        other,
                        i.severity,
                        f"{head} (cùng quy tắc với ô {_cell_label(layout, e.where)}): {i.message}\nCần làm: {todo}",
                    )
    return {
        where: CellMark(
            fill=ERROR_FILL if worst[where] == "error" else WARNING_FILL,
            font_color=ERROR_FONT if worst[where] == "error" else None,
            comment=_safe("\n\n".join(dict.fromkeys(parts))),
            author=office or "cchc-xlsx",
        )
        for where, parts in texts.items()
    }


def _free_name(layout: FormLayout) -> str:
    """``Phản hồi``, or ``Phản hồi 2`` … when the catalogue has a sheet by that name."""
    taken = {s.name.casefold() for s in layout.sheets} | {
        META_SHEET.casefold(),
        LISTS_SHEET.casefold(),
    }
    name, n = FEEDBACK_SHEET, 1
    while name.casefold() in taken:
        n += 1
        name = f"{FEEDBACK_SHEET} {n}"
    return name


# --------------------------------------------------------------------------- the Phản hồi sheet

# columns: (heading, width)
_COLUMNS = (
    ("STT", 5),
    ("Ô", 14),
    ("Mã chỉ tiêu", 11),
    ("Chỉ tiêu", 38),
    ("Giá trị đã nhận", 16),
    ("Mức độ", 10),
    ("Nội dung", 55),
    ("Cần làm", 42),
)
_LAST_COL = len(_COLUMNS) - 1
_LINE_HEIGHT = 15.0  # points per line of 11-point Times New Roman
_ROW_MAX = 409.0  # Excel's highest row


def _lines(text: str, width: float) -> int:
    per_line = max(1, int(width * 1.05))
    return sum(max(1, math.ceil(len(p) / per_line)) for p in text.split("\n"))


def _height(cells: list[tuple[str, float]], minimum: float = _LINE_HEIGHT + 3) -> float:
    lines = max(_lines(text, width) for text, width in cells)
    return min(_ROW_MAX, max(minimum, lines * _LINE_HEIGHT + 3))


def _safe(text: str) -> str:
    """``text`` as LibreOffice will show it: it reads ``_xa_`` in a cell or a
    comment as the escape of a line break (``2024-Q1_xa_X0105_….xlsx`` would
    break in three), so an invisible zero-width space follows such an underscore."""
    return _LO_ESCAPE.sub("_\u200b", text)


def _text(ws: Any, r: int, c: int, text: str, fmt: Any) -> None:
    """A text cell, or a blank one (with its borders) for no text."""
    if text:
        ws.write_string(r, c, _safe(text), fmt)
    else:
        ws.write_blank(r, c, None, fmt)


def _date(iso: str) -> str:
    try:
        return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _write_feedback_sheet(
    wb: Any,
    fmts: dict[str, Any],
    name: str,
    layout: FormLayout,
    ret: Return,
    entries: list[_Entry],
    prefill: Mapping[str, Any],
    *,
    password: str,
    unit_name: str,
    period_label: str,
    generated_at: str,
    office: str | None,
    marked_sheets: list[int],
) -> None:
    small = {"font_size": 11}
    f_office = wb.add_format(base(bold=True, align="left"))
    f_caption = wb.add_format(base(italic=True, align="center"))  # one line each
    f_text = wb.add_format(base(text_wrap=True, valign="top", **small))
    f_summary = wb.add_format(base(bold=True, font_color=ERROR_FONT, text_wrap=True))
    f_cell = wb.add_format(base(border=1, text_wrap=True, valign="top", **small))
    f_center = wb.add_format(base(border=1, align="center", valign="top", **small))
    f_link = wb.add_format(
        base(
            border=1,
            align="center",
            valign="top",
            font_color="#0563C1",
            underline=1,
            **small,
        )
    )
    f_level = {
        "error": wb.add_format(
            base(
                border=1,
                align="center",
                valign="top",
                bold=True,
                bg_color=ERROR_FILL,
                font_color=ERROR_FONT,
                **small,
            )
        ),
        "warning": wb.add_format(
            base(border=1, align="center", valign="top", bold=True, bg_color=WARNING_FILL, **small)
        ),
    }

    ws = wb.add_worksheet(name)
    ws.set_tab_color(ERROR_FONT)
    for c, (_h, width) in enumerate(_COLUMNS):
        ws.set_column(c, c, width)
    full = sum(w for _h, w in _COLUMNS)

    r = 0
    if office:
        ws.merge_range(r, 0, r, _LAST_COL, _safe(office[:TEXT_MAX]), f_office)
        r += 1
    ws.merge_range(r, 0, r, _LAST_COL, "PHIẾU PHẢN HỒI SỐ LIỆU BÁO CÁO", fmts["title"])
    ws.set_row(r, 24)
    r += 1
    lines = [
        f"Đơn vị: {unit_name} (mã {ret.unit}) — {period_label}",
        f"Biểu: {layout.catalog.title}",
        f"Tệp nhận được: {os.path.basename(ret.path)} — ngày lập phiếu: {_date(generated_at)}",
    ]
    for text in lines:
        ws.merge_range(r, 0, r, _LAST_COL, _safe(text[:TEXT_MAX]), f_caption)
        ws.set_row(r, 18)
        r += 1

    errors = sum(1 for e in entries if e.issue.severity == "error")
    warnings = len(entries) - errors
    if entries:
        counts = " và ".join(
            part
            for part in (
                f"{errors} lỗi" if errors else "",
                f"{warnings} cảnh báo" if warnings else "",
            )
            if part
        )
        summary = f"Số liệu gửi về có {counts} cần xem lại (danh sách dưới đây)."
    else:
        summary = "Số liệu gửi về không có lỗi hay cảnh báo nào."
    ws.merge_range(r, 0, r, _LAST_COL, summary, f_summary)
    ws.set_row(r, 20)
    r += 1

    where = (
        "trang " + ", ".join(f"“{layout.sheets[si].name}”" for si in marked_sheets)
        if marked_sheets
        else "trang biểu"
    )
    back = f" cho {office}" if office else ""
    instructions = (
        f"Cách sửa: ở {where}, sửa các ô được tô màu — màu đỏ là lỗi, phải sửa; màu vàng là cảnh "
        "báo, hãy kiểm tra lại, nếu số liệu đúng thì giữ nguyên và ghi lý do ở cột Ghi chú. Đưa "
        "chuột vào ô tô màu (hoặc bấm vào ô ở cột “Ô” dưới đây) để xem nhận xét. Màu tô vẫn còn "
        "sau khi sửa: dòng “Kiểm tra số liệu” ở đầu trang biểu cho biết còn lỗi hay không. "
        f"Sửa xong, lưu lại và gửi lại chính tệp này{back}. Không đổi tên trang, không thêm, xóa "
        "hay di chuyển dòng, cột; trang này chỉ để đọc."
    )
    ws.merge_range(r, 0, r, _LAST_COL, _safe(instructions), f_text)
    ws.set_row(r, _height([(instructions, full * 0.95)]))
    r += 2

    header = r
    for c, (heading, _w) in enumerate(_COLUMNS):
        ws.write_string(r, c, heading, fmts["header"])
    ws.set_row(r, 21)
    r += 1

    if not entries:
        ws.merge_range(r, 0, r, _LAST_COL, "Không có lỗi hay cảnh báo nào.", f_cell)
    links = 0
    for n, e in enumerate(entries, start=1):
        i = e.issue
        rl = layout[i.indicator] if i.indicator and i.indicator in layout else None
        label = rl.row.label if rl is not None else ""
        if rl is None:
            value = ""
        elif rl.code in prefill:
            value = _shown_value(prefill[rl.code])
        elif _left_out(layout, i, prefill):
            value = "(không dùng được, ô ghi “(nhập lại)”; xem Nội dung)"
        elif rl.is_input:
            value = "(trống)"
        else:
            value = _shown_value(ret.values.get(rl.code))
        message = i.message[:TEXT_MAX]
        todo = TODO.get(i.code, DEFAULT_TODO)
        ws.write_number(r, 0, n, f_center)
        if e.where is not None and links < LINKS_MAX:
            ws.write_url(
                r, 1, _link(layout, e.where), f_link, _safe(e.cell), "Đến ô này trên trang biểu"
            )
            links += 1
        else:
            _text(ws, r, 1, e.cell[:TEXT_MAX], f_center)
        _text(ws, r, 2, i.indicator or "", f_center)
        _text(ws, r, 3, label[:TEXT_MAX], f_cell)
        _text(ws, r, 4, value, f_cell)
        ws.write_string(r, 5, SEVERITY_LABEL[i.severity], f_level[i.severity])
        _text(ws, r, 6, message, f_cell)
        _text(ws, r, 7, todo, f_cell)
        ws.set_row(
            r,
            _height(
                [
                    (label, _COLUMNS[3][1]),
                    (value, _COLUMNS[4][1]),
                    (message, _COLUMNS[6][1]),
                    (todo, _COLUMNS[7][1]),
                ]
            ),
        )
        r += 1

    ws.freeze_panes(header + 1, 0)
    print_setup(ws, (header, header), landscape=True)
    ws.print_area(0, 0, max(r - 1, header), _LAST_COL)
    ws.protect(
        password,
        {
            "format_columns": True,
            "format_rows": True,
            "select_locked_cells": True,
            "select_unlocked_cells": True,
        },
    )
