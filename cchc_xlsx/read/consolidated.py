"""A consolidated workbook read back as one unit's return, one level up."""

from __future__ import annotations

import json

from cchc_xlsx.catalog.expressions import format_value
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import COL_STT, FIRST_DATA_ROW, FormLayout
from cchc_xlsx.layout.meta import SummaryIdentity
from cchc_xlsx.layout.summary import (
    COL_TOTAL,
    FIRST_UNIT_COL,
    NOTE_CODE,
    NOTE_TEXT,
    NOTE_UNIT_NAME,
    NOTES_HEADERS,
    NOTES_SHEET,
    SUMMARY_SHEET,
    row_index,
)
from cchc_xlsx.read.model import SheetData, XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.aggregations import total
from cchc_xlsx.semantics.derived import check_rules


def read_consolidated(
    res: FileResult, pkg: Package, meta: dict[str, str], layout: FormLayout
) -> None:
    """Read a consolidated workbook as one unit's return (its ``Tổng cộng`` column)."""
    try:
        identity = SummaryIdentity.from_meta(meta)
    except (ValueError, json.JSONDecodeError) as exc:
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE, "Thông tin tổng hợp trong biểu tổng hợp bị hỏng."
        ) from exc
    state = identity.states
    info = pkg.sheet(SUMMARY_SHEET)
    if info is None:
        raise XlsxError(
            IssueCode.LAYOUT_CHANGED, f"Thiếu trang “{SUMMARY_SHEET}” của biểu tổng hợp."
        )
    last_unit = FIRST_UNIT_COL + identity.expected - 1
    sd = pkg.read_sheet(info, FIRST_DATA_ROW + len(layout.rows) + 5, max(COL_TOTAL, last_unit))
    catalog = layout.catalog
    totals: dict[str, object] = {}
    at = row_index(layout)
    for rl in layout.rows:
        r = at[rl.code]
        cell = sd.cells.get((r, COL_STT))
        code = "" if cell is None or cell.value is None else str(cell.value).strip()
        if code != rl.code:
            raise XlsxError(
                IssueCode.LAYOUT_CHANGED,
                f"Ô {a1(r, COL_STT)} của biểu tổng hợp phải là mã {rl.code} nhưng là “{code}”: cấu trúc biểu đã bị thay đổi.",
            )
        if rl.row.type in ("heading", "text"):
            continue
        expected = total(catalog, rl.row, state)
        if expected is None:
            continue
        if not isinstance(expected, dict):
            totals[rl.code] = expected
        if rl.row.is_input and rl.row.agg == "sum" and isinstance(expected, (int, float)):
            _check_unit_cells(res, sd, r, rl.code, float(expected), last_unit)
        shown = sd.cells.get((r, COL_TOTAL))
        if not isinstance(expected, (int, float)) or shown is None or shown.kind != "n":
            continue
        shown_value = float(shown.value)  # type: ignore[arg-type]  # kind "n": a number
        if abs(shown_value - float(expected)) > 1e-6 * max(1.0, abs(float(expected))):
            res.issues.append(
                issue(
                    IssueCode.FORMULA_REPLACED,
                    f"Ô {a1(r, COL_TOTAL)} (chỉ tiêu {rl.code}) ghi {format_value(shown_value)} nhưng tổng tính từ số liệu là {format_value(float(expected))}; dùng số tính lại.",
                    indicator=rl.code,
                    cell=a1(r, COL_TOTAL),
                )
            )
    notes_info = pkg.sheet(NOTES_SHEET)
    if notes_info is not None:
        nd = pkg.read_sheet(notes_info, 100000, NOTE_TEXT)
        for r in sorted({r for (r, _c) in nd.cells if r > 0}):
            vals = [nd.cells.get((r, c)) for c in range(len(NOTES_HEADERS))]
            texts = ["" if v is None or v.value is None else str(v.value) for v in vals]
            unit_name, code, text = texts[NOTE_UNIT_NAME], texts[NOTE_CODE], texts[NOTE_TEXT]
            if code and text and (not catalog.has_row(code) or catalog.row(code).type != "text"):
                line = f"{unit_name}: {text}" if unit_name else text
                res.notes[code] = f"{res.notes[code]}\n{line}" if code in res.notes else line
    res.state = state
    res.values = totals
    res.source = {
        "partial": identity.partial,
        "submitted": identity.submitted,
        "expected": identity.expected,
    }
    if res.source["partial"]:
        res.issues.append(
            issue(
                IssueCode.PARTIAL_SOURCE,
                f"Biểu tổng hợp của {res.unit_name or res.unit} chưa đầy đủ: {res.source['submitted']}/{res.source['expected']} đơn vị cấp dưới đã nộp"
                + (
                    f", {identity.short_units} đơn vị thiếu kỳ báo cáo (biểu cộng dồn nhiều kỳ)."
                    if identity.short_units
                    else "."
                ),
            )
        )
    flagged = identity.flagged_values
    who = res.unit_name or res.unit
    if identity.flagged_totals is None:
        # NOTE: a book written before totals were marked: only its count is known
        if flagged and not identity.errors_excluded:
            res.issues.append(
                issue(
                    IssueCode.SOURCE_ERRORS,
                    f"Biểu tổng hợp của {who} cộng cả {flagged} giá trị có lỗi của cấp dưới (ô đỏ trong biểu đó); tổng có thể sai.",
                )
            )
    elif not identity.errors_excluded:
        excluded = identity.excluded_totals or {}
        for code, units in identity.flagged_totals.items():
            if code not in at:
                continue
            out = set(excluded.get(code, ()))
            kept = [u for u in units if u not in out]
            listed = ", ".join((kept or units)[:10]) + ("…" if len(kept or units) > 10 else "")
            if kept:
                what = f"gồm giá trị có lỗi của {len(kept)} đơn vị cấp dưới ({listed}); tổng có thể sai"
            else:
                what = f"thiếu giá trị có lỗi (không đọc được) của {len(units)} đơn vị cấp dưới ({listed}); tổng chưa đủ"
            res.issues.append(
                issue(
                    IssueCode.SOURCE_ROW_ERRORS,
                    f"Ô {a1(at[code], COL_TOTAL)} (chỉ tiêu {code}) của biểu tổng hợp của {who} {what}: xem ô đỏ trong biểu đó.",
                    indicator=code,
                    cell=a1(at[code], COL_TOTAL),
                )
            )
    res.issues.extend(
        check_rules(
            layout.rules,
            totals,
            {code: a1(r, COL_TOTAL) for code, r in at.items()},
        )
    )


def _check_unit_cells(
    res: FileResult, sd: SheetData, r: int, code: str, expected: float, last_unit: int
) -> None:
    """The units' cells of a summed row must add up to the total the book carries
    (its aggregation states): a cell changed by hand after consolidating (by a
    program that does not recalculate, so the Tổng cộng formula still shows the
    old total) is an error on the row, and the carried total is used."""
    shown = 0.0
    for c in range(FIRST_UNIT_COL, last_unit + 1):
        cell = sd.cells.get((r, c))
        if cell is not None and cell.kind == "n":
            shown += float(cell.value)  # type: ignore[arg-type]  # kind "n": a number
    if abs(shown - expected) > 1e-6 * max(1.0, abs(expected)):
        res.issues.append(
            issue(
                IssueCode.SUMMARY_EDITED,
                f"Các ô đơn vị của chỉ tiêu {code} (dòng {r + 1}) trong biểu tổng hợp của "
                f"{res.unit_name or res.unit} cộng lại được {format_value(shown)}, nhưng số liệu tổng hợp "
                f"ghi {format_value(expected)}: có ô đã bị sửa tay sau khi tổng hợp. Dùng số liệu tổng hợp; "
                "muốn sửa thì sửa biểu của đơn vị cấp dưới rồi tổng hợp lại.",
                indicator=code,
                cell=a1(r, COL_TOTAL),
            )
        )
