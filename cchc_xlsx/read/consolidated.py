"""A consolidated workbook read back as one unit's return, one level up."""

from __future__ import annotations

import json

from cchc_xlsx.catalog.expressions import format_value
from cchc_xlsx.issues import issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import FIRST_DATA_ROW, FormLayout
from cchc_xlsx.layout.summary import COL_TOTAL, NOTES_SHEET, SUMMARY_SHEET, row_index
from cchc_xlsx.read.model import XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.aggregations import total
from cchc_xlsx.semantics.derived import check_rules


def read_consolidated(
    res: FileResult, pkg: Package, meta: dict[str, str], layout: FormLayout
) -> None:
    """Read a consolidated workbook as one unit's return (its ``Tổng cộng`` column)."""
    try:
        n = int(meta.get("state_chunks", "0"))
        state = json.loads("".join(meta.get(f"state.{i}", "") for i in range(n)))
        if not isinstance(state, dict):
            raise ValueError("state")
    except (ValueError, json.JSONDecodeError) as exc:
        raise XlsxError(
            "not-our-template", "Thông tin tổng hợp trong biểu tổng hợp bị hỏng."
        ) from exc
    info = pkg.sheet(SUMMARY_SHEET)
    if info is None:
        raise XlsxError("layout-changed", f"Thiếu trang “{SUMMARY_SHEET}” của biểu tổng hợp.")
    sd = pkg.read_sheet(info, FIRST_DATA_ROW + len(layout.rows) + 5, COL_TOTAL)
    catalog = layout.catalog
    totals: dict[str, object] = {}
    at = row_index(layout)
    for rl in layout.rows:
        r = at[rl.code]
        cell = sd.cells.get((r, 0))
        code = "" if cell is None or cell.value is None else str(cell.value).strip()
        if code != rl.code:
            raise XlsxError(
                "layout-changed",
                f"Ô {a1(r, 0)} của biểu tổng hợp phải là mã {rl.code} nhưng là “{code}”: cấu trúc biểu đã bị thay đổi.",
            )
        if rl.row.type in ("heading", "text"):
            continue
        expected = total(catalog, rl.row, state)
        if expected is None:
            continue
        if not isinstance(expected, dict):
            totals[rl.code] = expected
        shown = sd.cells.get((r, COL_TOTAL))
        if not isinstance(expected, (int, float)) or shown is None or shown.kind != "n":
            continue
        shown_value = float(shown.value)  # type: ignore[arg-type]  # kind "n": a number
        if abs(shown_value - float(expected)) > 1e-6 * max(1.0, abs(float(expected))):
            res.issues.append(
                issue(
                    "formula-replaced",
                    f"Ô {a1(r, COL_TOTAL)} (chỉ tiêu {rl.code}) ghi {format_value(shown_value)} nhưng tổng tính từ số liệu là {format_value(float(expected))}; dùng số tính lại.",
                    indicator=rl.code,
                    cell=a1(r, COL_TOTAL),
                )
            )
    notes_info = pkg.sheet(NOTES_SHEET)
    if notes_info is not None:
        nd = pkg.read_sheet(notes_info, 100000, 4)
        for r in sorted({r for (r, _c) in nd.cells if r > 0}):
            vals = [nd.cells.get((r, c)) for c in range(5)]
            texts = ["" if v is None or v.value is None else str(v.value) for v in vals]
            unit_name, code, text = texts[1], texts[2], texts[4]
            if code and text and (not catalog.has_row(code) or catalog.row(code).type != "text"):
                line = f"{unit_name}: {text}" if unit_name else text
                res.notes[code] = f"{res.notes[code]}\n{line}" if code in res.notes else line
    res.state = state
    res.values = totals
    res.source = {
        "partial": meta.get("partial") == "1",
        "submitted": int(meta.get("submitted", "0") or 0),
        "expected": int(meta.get("expected", "0") or 0),
    }
    if res.source["partial"]:
        res.issues.append(
            issue(
                "partial-source",
                f"Biểu tổng hợp của {res.unit_name or res.unit} chưa đầy đủ: {res.source['submitted']}/{res.source['expected']} đơn vị cấp dưới đã nộp.",
            )
        )
    flagged = int(meta.get("flagged_values", "0") or 0)
    if flagged and meta.get("errors_excluded") != "1":
        res.issues.append(
            issue(
                "source-errors",
                f"Biểu tổng hợp của {res.unit_name or res.unit} cộng cả {flagged} giá trị có lỗi của cấp dưới (ô đỏ trong biểu đó); tổng có thể sai.",
            )
        )
    res.issues.extend(
        check_rules(
            layout.rules,
            totals,
            {code: a1(r, COL_TOTAL) for code, r in at.items()},
        )
    )
