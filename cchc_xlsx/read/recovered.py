"""A workbook whose identity sheet was lost (the table copied into a new file):
the form found by its STT codes and labels, the unit and period by the title."""

from __future__ import annotations

from pathlib import Path

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import (
    COL_LABEL,
    COL_NWARN,
    COL_STT,
    COL_VALUE,
    ROW_UNIT,
    UNIT_INPUT_CELL,
    FormLayout,
    label_text,
)
from cchc_xlsx.periods import period_from_label
from cchc_xlsx.read.model import SheetData, XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.values import cell_text, collect_values, layout_for, normalise_label
from cchc_xlsx.semantics.cells import EMPTY


def read_recovered(
    res: FileResult, pkg: Package, catalog: Catalog, layouts: dict[str, FormLayout]
) -> None:
    """A workbook whose metadata sheet was lost: find the form by its STT codes and labels."""
    best: tuple[int, str, SheetData, dict[str, int]] | None = None
    candidates = [s for s in pkg.sheets if s.state == "visible"] or pkg.sheets
    for info in candidates[:10]:
        sd = pkg.read_sheet(info, 3000, COL_NWARN)
        rows_by_code: dict[str, int] = {}
        for (r, c), cell in sd.cells.items():
            if c == COL_STT and cell.value is not None:
                code = cell_text(cell).strip().rstrip(".")
                if catalog.has_row(code) and code not in rows_by_code:
                    rows_by_code[code] = r
        for level in catalog.levels:
            layout = layout_for(catalog, level, layouts)
            if len(layout.sheets) != 1:
                continue
            wanted = [rl.code for rl in layout.rows]
            hit = sum(1 for c in wanted if c in rows_by_code)
            extra = sum(1 for c in rows_by_code if c not in layout)
            score = hit * 2 - extra * 3 - (len(wanted) - hit) * 2
            if hit and (best is None or score > best[0]):
                best = (score, level, sd, rows_by_code)
    if best is None:
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE,
            "Không nhận ra biểu mẫu: tệp không có trang thông tin nhận dạng và không tìm thấy các mã chỉ tiêu (cột STT) của danh mục.",
        )
    _score, level, sd, rows_by_code = best
    layout = layout_for(catalog, level, layouts)
    missing = [rl.code for rl in layout.rows if rl.code not in rows_by_code]
    mismatched = [
        rl.code
        for rl in layout.rows
        if rl.code in rows_by_code
        and normalise_label(cell_text(sd.cells.get((rows_by_code[rl.code], COL_LABEL), EMPTY)))
        != normalise_label(label_text(rl.row))
        and normalise_label(cell_text(sd.cells.get((rows_by_code[rl.code], COL_LABEL), EMPTY)))
        != normalise_label(rl.row.label)
    ]
    if missing or len(mismatched) > max(2, len(layout.rows) // 10):
        problem = (
            f"thiếu các dòng {', '.join(missing[:8])}"
            if missing
            else f"nhãn không khớp ở các dòng {', '.join(mismatched[:8])}"
        )
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE,
            f"Tệp không có trang thông tin nhận dạng và không khớp được với biểu mẫu ({problem}{'…' if len(missing) > 8 or len(mismatched) > 8 else ''}).",
        )
    res.kind = "recovered"
    res.catalog_id, res.catalog_version = catalog.id, catalog.version
    res.level = level
    res.unit_level = level
    res.issues.append(
        issue(
            IssueCode.METADATA_MISSING,
            "Tệp không còn trang thông tin nhận dạng (bảng có thể đã được chép sang tệp mới); số liệu được đọc theo mã STT và nhãn chỉ tiêu. Lần sau hãy điền trực tiếp vào biểu mẫu gốc.",
        )
    )
    for code in mismatched:
        r = rows_by_code[code]
        res.issues.append(
            issue(
                IssueCode.LABEL_CHANGED,
                f"Nhãn chỉ tiêu {code} ở ô {a1(r, COL_LABEL)} khác với danh mục: số liệu của dòng này không được dùng.",
                indicator=code,
                cell=a1(r, COL_LABEL),
            )
        )
        res.edited.add(code)
    # identity from the title block
    first = min(rows_by_code.values())
    head = [
        cell_text(c) for (r, _c), c in sorted(sd.cells.items()) if r < first and c.value is not None
    ]
    for text in head:
        p = period_from_label(text)
        if p:
            res.period = p.code
            break
    unit_line = (
        cell_text(sd.cells.get((ROW_UNIT, COL_STT), EMPTY)).strip()
        or cell_text(sd.cells.get(UNIT_INPUT_CELL, EMPTY)).strip()
    )
    res.unit_name = unit_line or None
    res.unit_hints = [t.strip() for t in head if t.strip() and t.strip() != unit_line][:20]
    res.unit_hints.append(Path(res.path).stem.replace("_", " "))
    # values at the rows where the codes were found
    collect_values(
        res,
        layout,
        catalog,
        pkg,
        lambda rl: (sd, rows_by_code[rl.code], a1(rows_by_code[rl.code], COL_VALUE)),
    )
