"""The consolidated workbook's other sheets: submission status, issues, notes."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any

from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.history.deadlines import local_time
from cchc_xlsx.history.timeliness import STATE_TEXT
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.layout.summary import NOTES_HEADERS
from cchc_xlsx.semantics.targets import Grade, is_percent, threshold_text
from cchc_xlsx.vocabulary import COLUMN_STATUS_TEXT, SEVERITY_TEXT
from cchc_xlsx.write.style import print_setup, row_height


def _write_table(
    ws: Any,
    fmts: dict[str, Any],
    headers: list[str],
    rows: Iterable[list[object]],
    widths: list[int],
    *,
    fit_rows: bool = False,
) -> None:
    """A header row and rows, written as they come (the sheet may be streamed);
    ``fit_rows``: each row as tall as its longest wrapped text (neither Excel
    nor LibreOffice grows a row for text XlsxWriter wraps)."""
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, fmts["header"])
        ws.set_column(c, c, widths[c])
    value, label = fmts["value"], fmts["label"]
    count = 0
    for r, values in enumerate(rows, start=1):
        count = r
        for c, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v, value)
            else:
                ws.write_string(r, c, "" if v is None else str(v), label)
        if fit_rows:
            ws.set_row(r, max(row_height(str(v), widths[c]) for c, v in enumerate(values)))
    ws.freeze_panes(1, 0)
    if count:
        ws.autofilter(0, 0, count, len(headers) - 1)
    print_setup(ws, (0, 0), landscape=True)


def _timeliness_cells(res: Consolidation) -> dict[str, list[object]]:
    """Per expected unit, with a history store: first received, deadline, on time or late, versions."""
    status = res.timeliness
    if status is None:
        return {}
    due = status.deadline.strftime("%d/%m/%Y")
    out: dict[str, list[object]] = {}
    for u in status.units:
        when = local_time(u.received_at) if u.received_at else ""
        state = STATE_TEXT[u.state]
        if u.state == "late":
            state = f"trễ {u.days_late} ngày"
        out[u.unit] = [when, due, state, u.versions]
    return out


def _status_rows(res: Consolidation) -> Iterator[list[object]]:
    timely = _timeliness_cells(res)
    extra = ["", "", "", ""] if res.timeliness is not None else []
    for i, col in enumerate(res.columns, start=1):
        files = res.files_of(col)
        f = files[0] if files else None
        status = COLUMN_STATUS_TEXT[col.status]
        if col.file is not None and f is not None and f.source.get("partial"):
            status += f" (biểu tổng hợp chưa đầy đủ: {f.source.get('submitted')}/{f.source.get('expected')})"
        yield [
            i,
            col.code,
            col.name,
            status,
            "; ".join(os.path.basename(x.path) for x in files) if files else "",
            "; ".join(x.sha256 or "" for x in files) if files else "",
            (f.unit_name or f.unit or "") if f else "",
            (f.period or "") if f else "",
            sum(x.errors for x in files),
            sum(x.warnings for x in files),
            *timely.get(col.code, extra),
        ]
    known = {c.code for c in res.columns}
    for f in res.batch.files.iter():
        if f.unit not in known:
            yield [
                "",
                f.unit or "",
                f.unit_name or "",
                {"accepted": "đã đọc", "rejected": "bị từ chối", "skipped": "bỏ qua"}[f.status],
                os.path.basename(f.path),
                f.sha256 or "",
                f.unit_name or "",
                f.period or "",
                f.errors,
                f.warnings,
                *extra,
            ]
    yield [
        "",
        "",
        f"{res.submitted}/{len(res.columns)} đơn vị đã nộp",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        *extra,
    ]
    tl = res.timeliness
    if tl is not None and tl.reporting_rate is not None:
        assert tl.on_time_rate is not None
        yield [
            "",
            "",
            f"Theo kho lưu (mọi bản đã nhận của kỳ, kể cả ngoài các tệp đã đọc lần này): tỷ lệ báo cáo {_pct(tl.reporting_rate)}; đúng hạn {_pct(tl.on_time_rate)} "
            f"(hạn {tl.deadline.strftime('%d/%m/%Y')}, {tl.deadline_source})",
            *([""] * 11),
        ]


def _pct(x: float) -> str:
    return f"{x:.1f}".replace(".", ",") + " %"


def write_status(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(
        ws,
        fmts,
        [
            "STT",
            "Mã đơn vị",
            "Tên đơn vị",
            "Tình trạng",
            "Tệp",
            "SHA-256",
            "Đơn vị ghi trong biểu",
            "Kỳ ghi trong biểu",
            "Số lỗi",
            "Số cảnh báo",
            *(
                [
                    "Nhận lần đầu (kho lưu)",
                    "Hạn nộp",
                    "Đúng hạn / trễ (kho lưu)",
                    "Số bản đã nhận (kho lưu)",
                ]
                if res.timeliness is not None
                else []
            ),
        ],
        _status_rows(res),
        [5, 10, 28, 22, 40, 20, 24, 12, 8, 10, 17, 11, 16, 9],
    )


def _issue_rows(res: Consolidation) -> Iterator[list[object]]:
    names = {c.code: c.name for c in res.columns}
    for f in res.batch.files.iter():
        for i in f.issues:
            yield [
                os.path.basename(f.path),
                names.get(f.unit or "", f.unit or ""),
                i.indicator or "",
                i.cell or "",
                SEVERITY_TEXT[i.severity],
                i.code,
                i.message,
            ]
    for c in res.columns:
        if c.status == "missing":
            yield [
                "",
                c.name,
                "",
                "",
                SEVERITY_TEXT[IssueCode.UNIT_MISSING.severity],
                IssueCode.UNIT_MISSING,
                f"{c.name} ({c.code}) chưa nộp báo cáo.",
            ]


def write_issues(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(
        ws,
        fmts,
        ["Tệp", "Đơn vị", "Chỉ tiêu", "Ô", "Mức độ", "Mã", "Nội dung"],
        _issue_rows(res),
        [36, 24, 10, 8, 10, 18, 90],
    )


def _note_rows(res: Consolidation) -> Iterator[list[object]]:
    text_codes = (
        {rl.code for rl in res.layout.rows if rl.row.type == "text"} if res.layout else set()
    )
    for col in res.columns:
        if col.status != "submitted" or col.file is None:
            continue
        values, notes = res.values_of(col)
        for code, text in notes.items():
            yield [col.code, col.name, code, "Ghi chú", text]
        for code, v in values.items():
            if isinstance(v, str) and (
                code in text_codes
                or (res.catalog.has_row(code) and res.catalog.row(code).type == "text")
            ):
                yield [col.code, col.name, code, "Nội dung", v]


def write_notes(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(
        ws,
        fmts,
        list(NOTES_HEADERS),
        _note_rows(res),
        [10, 26, 10, 10, 90],
    )


#: the targets sheet's columns (seed 003's Phụ lục 8, with the indicator and threshold beside)
TARGETS_HEADERS = (
    "STT",
    "Các mục tiêu",
    "Chỉ tiêu",
    "Ngưỡng",
    "Kết quả đạt được",
    "Đánh giá (Đạt/Không đạt)",
)


def write_targets(ws: Any, fmts: dict[str, Any], res: Consolidation, grades: list[Grade]) -> None:
    """The targets sheet: each target of the catalogue that applies to the
    period and level, its achieved figure and its grade."""

    def rows() -> Iterator[list[object]]:
        for i, g in enumerate(grades, start=1):
            row = res.catalog.row(g.target.code)
            percent = is_percent(row)
            yield [
                i,
                g.target.text,
                f"{g.target.code} {row.label}",
                threshold_text(g.target, percent),
                f"{g.achieved} (cần kiểm tra: {g.doubt})" if g.doubt else g.achieved,
                g.status_text,
            ]

    _write_table(ws, fmts, list(TARGETS_HEADERS), rows(), [5, 60, 40, 14, 30, 16], fit_rows=True)
