"""The reminder list of a period: the units that have not sent a usable return, as a sheet and as text."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import xlsxwriter

from cchc_xlsx.write.style import TEXT_AS_TEXT, add_formats, print_setup

HEADERS = ["STT", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Hạn nộp", "Liên hệ"]
Reminder = tuple[str, str, str, str]  # code, name, state, contact ("" when the register has none)


def reminder_text(
    period_label: str, due: str, rows: Sequence[Reminder], office: str | None = None
) -> str:
    """Plain text to paste into an e-mail or a chat: one line per unit (code, name, state, contact)."""
    lines = [
        f"Đề nghị các đơn vị sau gửi báo cáo thống kê CCHC {period_label} (hạn nộp {due}):",
        "",
    ]
    lines += [
        f"{i}. {name} ({code}): {state}" + (f" — liên hệ: {contact}" if contact else "")
        for i, (code, name, state, contact) in enumerate(rows, 1)
    ]
    lines += ["", "Xin cảm ơn."] + ([office] if office else [])
    return "\n".join(lines) + "\n"


def reminder_workbook(
    period_label: str, due: str, rows: Sequence[Reminder], password: str
) -> bytes:
    """One sheet "Nhắc nộp": the units (code, name, state, contact) and the deadline, read-only."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {"in_memory": True, **TEXT_AS_TEXT},
    )
    fmts: dict[str, Any] = add_formats(wb)
    ws = wb.add_worksheet("Nhắc nộp")
    ws.merge_range(
        0, 0, 0, 4, f"Các đơn vị chưa nộp báo cáo {period_label} (hạn nộp {due})", fmts["title"]
    )
    ws.set_row(0, 36)
    for c, h in enumerate(HEADERS):
        ws.write_string(2, c, h, fmts["header"])
    for r, (code, name, state, contact) in enumerate(rows, start=3):
        ws.write_number(r, 0, r - 2, fmts["value"])
        ws.write_string(r, 1, code, fmts["label"])
        ws.write_string(r, 2, name, fmts["label"])
        ws.write_string(r, 3, state, fmts["label"])
        ws.write_string(r, 4, due, fmts["label"])
        ws.write_string(r, 5, contact, fmts["label"])
    for c, w in enumerate([5, 12, 36, 24, 12, 36]):
        ws.set_column(c, c, w)
    print_setup(ws, (2, 2))
    ws.protect(password, {"select_locked_cells": True, "select_unlocked_cells": True})
    wb.close()
    return buf.getvalue()
