"""Reading returned workbooks: identify, verify, read values, check rules.

``read_workbook`` looks at one file's exact bytes and knows nothing of the
units file or the expected period: it says what the file *is* (which form,
level, unit and period it claims, what was changed) and what it *holds*.
The batch (:mod:`cchc_xlsx.batch.assess`) then compares that with what was expected.
"""

from __future__ import annotations

import hashlib
import os
import stat
from typing import cast

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.layout.a1 import a1
from cchc_xlsx.layout.form import (
    COL_LABEL,
    COL_NOTE,
    COL_NWARN,
    COL_PREVIOUS,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    UNIT_INPUT_CELL,
    FormLayout,
    RowLayout,
    label_text,
)
from cchc_xlsx.layout.meta import META_KEY_COL, META_SHEET, META_VALUE_COL, PREVIOUS_PERIOD_KEY
from cchc_xlsx.read.consolidated import read_consolidated
from cchc_xlsx.read.model import SheetData, XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.recovered import read_recovered
from cchc_xlsx.read.values import cell_text, collect_values, layout_for, normalise_label
from cchc_xlsx.semantics.cells import EMPTY
from cchc_xlsx.vocabulary import FileKind

MAX_FILE_SIZE = 50 * 1024 * 1024
EXTRA_ROWS = 200  # rows below the form that are still looked at (and reported when filled)


def read_bytes_safely(path: str) -> tuple[bytes, os.stat_result]:
    """Read a file without following symbolic links; raise XlsxError if it changes meanwhile."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise XlsxError(IssueCode.UNREADABLE, f"Không mở được tệp: {exc.strerror or exc}.") from exc
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise XlsxError(IssueCode.UNREADABLE, "Không phải tệp thông thường.")
        if before.st_size > MAX_FILE_SIZE:
            raise XlsxError(
                IssueCode.FILE_TOO_LARGE,
                f"Tệp lớn {before.st_size // (1024 * 1024)} MB, quá lớn cho một biểu mẫu (tối đa {MAX_FILE_SIZE // (1024 * 1024)} MB).",
            )
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_SIZE:
                raise XlsxError(IssueCode.FILE_TOO_LARGE, "Tệp lớn hơn giới hạn cho một biểu mẫu.")
        after = os.fstat(fd)
    finally:
        os.close(fd)
    data = b"".join(chunks)
    try:
        now = os.stat(path, follow_symlinks=False)
    except OSError:
        now = after
    if (
        len(data) != before.st_size
        or after.st_size != before.st_size
        or after.st_mtime_ns != before.st_mtime_ns
        or now.st_mtime_ns != before.st_mtime_ns
        or now.st_size != before.st_size
    ):
        raise XlsxError(
            IssueCode.FILE_CHANGED,
            "Tệp thay đổi trong khi đang đọc (có thể đang được chép hoặc lưu); hãy chờ chép xong rồi chạy lại.",
        )
    return data, before


def read_workbook(
    path: str, catalog: Catalog, layouts: dict[str, FormLayout] | None = None
) -> FileResult:
    """Identify, verify and read one returned workbook (never raises for a bad file)."""
    res = FileResult(path=path)
    try:
        data, st = read_bytes_safely(path)
    except XlsxError as exc:
        return res.reject(exc.code, exc.message)
    res.sha256 = hashlib.sha256(data).hexdigest()
    res.mtime = st.st_mtime
    res.size = len(data)
    layouts = layouts if layouts is not None else {}
    try:
        pkg = Package(data, os.path.basename(path))
        _read_package(res, pkg, catalog, layouts)
    except XlsxError as exc:
        if exc.code == IssueCode.NOT_XLSX and _is_word(data):
            return res.reject(
                IssueCode.NOT_XLSX, "Tệp là văn bản Word (.docx), không phải biểu mẫu Excel."
            )
        res.values.clear()
        res.notes.clear()
        return res.reject(exc.code, exc.message)
    except (MemoryError, RecursionError) as exc:
        res.values.clear()
        return res.reject(
            IssueCode.PARSE_CRASH, f"Tệp vượt giới hạn khi đọc ({type(exc).__name__})."
        )
    return res


def _is_word(data: bytes) -> bool:
    return data[:2] == b"PK" and b"word/document.xml" in data[: 1 << 20] + data[-(1 << 16) :]


def read_meta(pkg: Package) -> dict[str, str] | None:
    info = pkg.sheet(META_SHEET)
    if info is None:
        return None
    sd = pkg.read_sheet(info, 400, META_VALUE_COL)
    meta: dict[str, str] = {}
    for (r, c), cell in sd.cells.items():
        if c == META_KEY_COL and cell.kind == "s":
            value = sd.cells.get((r, META_VALUE_COL), EMPTY)
            meta[str(cell.value)] = "" if value.value is None else cell_text(value)
    return meta


def _read_package(
    res: FileResult, pkg: Package, catalog: Catalog, layouts: dict[str, FormLayout]
) -> None:
    meta = read_meta(pkg)
    if meta is None:
        read_recovered(res, pkg, catalog, layouts)
        return
    if not meta.get("format", "").startswith("cchc-xlsx/"):
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE, "Trang thông tin nhận dạng của tệp không đúng định dạng."
        )
    kind = meta.get("kind") or "template"
    if kind not in ("template", "consolidated"):
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE,
            f"Trang thông tin nhận dạng ghi loại biểu “{kind}” mà phiên bản cchc-xlsx này không biết; "
            "hãy dùng biểu mẫu do công cụ tạo (hoặc cập nhật cchc-xlsx).",
        )
    res.kind = cast(FileKind, kind)
    res.catalog_id, res.catalog_version = meta.get("catalog_id"), meta.get("catalog_version")
    res.level = meta.get("level") or None
    res.unit = meta.get("unit_code") or None
    res.unit_name = meta.get("unit_name") or None
    res.unit_level = meta.get("unit_level") or res.level
    res.period = meta.get("period") or None
    res.generated_at = meta.get("generated_at") or None
    if res.catalog_id != catalog.id or res.catalog_version != catalog.version:
        raise XlsxError(
            IssueCode.CATALOG_VERSION,
            f"Biểu này được tạo từ danh mục “{res.catalog_id}” phiên bản {res.catalog_version}, "
            f"còn danh mục đang dùng là “{catalog.id}” phiên bản {catalog.version}; hãy dùng đúng biểu mẫu của kỳ này.",
        )
    if res.level not in catalog.levels:
        raise XlsxError(
            IssueCode.WRONG_LEVEL, f"Biểu ghi cấp “{res.level}” không có trong danh mục."
        )
    layout = layout_for(catalog, res.level, layouts)
    if res.kind == "consolidated":
        read_consolidated(res, pkg, meta, layout)
        return
    if res.kind != "template":
        raise XlsxError(
            IssueCode.NOT_OUR_TEMPLATE, f"Loại tệp “{res.kind}” không phải biểu mẫu để tổng hợp."
        )
    if meta.get("layout_fingerprint") != layout.fingerprint:
        res.issues.append(
            issue(
                IssueCode.LAYOUT_CHANGED,
                "Dấu nhận dạng cấu trúc biểu khác với danh mục hiện tại; đang kiểm tra từng dòng.",
                severity="warning",
            )
        )
    # NOTE: a template issued with the previous period's figures (column I) is
    # read as one without: I is the form's, never read, and data beyond it is outside
    last_col = COL_PREVIOUS if meta.get(PREVIOUS_PERIOD_KEY) else COL_NWARN
    sheets = _read_form_sheets(pkg, layout, last_col)
    if not res.unit:
        name = cell_text(sheets[0].cells.get(UNIT_INPUT_CELL, EMPTY)).strip()
        res.unit_name = name or None
    _verify_layout(res, sheets, layout)
    if res.status == "rejected":
        return
    _read_values(res, sheets, layout, catalog, pkg)


def _read_form_sheets(
    pkg: Package, layout: FormLayout, last_col: int = COL_NWARN
) -> list[SheetData]:
    out = []
    for sl in layout.sheets:
        info = pkg.sheet(sl.name)
        if info is None:
            raise XlsxError(
                IssueCode.LAYOUT_CHANGED,
                f"Thiếu trang tính “{sl.name}” của biểu mẫu (đã bị xóa hoặc đổi tên).",
            )
        out.append(pkg.read_sheet(info, sl.last_row + EXTRA_ROWS, last_col, keep_col=COL_NOTE))
    return out


_EXPECTED: dict[int, tuple[FormLayout, dict[str, tuple[str, str, str]]]] = {}


def _expected(layout: FormLayout) -> dict[str, tuple[str, str, str]]:
    """Per row: the printed label, the unit and the value cell's reference (computed once per layout)."""
    hit = _EXPECTED.get(id(layout))
    if hit is None or hit[0] is not layout:
        multi = len(layout.sheets) > 1
        table = {}
        for rl in layout.rows:
            ref = a1(rl.r, COL_VALUE)
            table[rl.code] = (
                label_text(rl.row),
                rl.row.unit,
                f"{layout.sheets[rl.sheet].name}!{ref}" if multi else ref,
            )
        hit = _EXPECTED[id(layout)] = (layout, table)
    return hit[1]


def _verify_layout(res: FileResult, sheets: list[SheetData], layout: FormLayout) -> None:
    expected = _expected(layout)
    for sl, sd in zip(layout.sheets, sheets):
        for rl in sl.rows:
            at = sd.cells.get((rl.r, COL_STT))
            found = "" if at is None or at.value is None else cell_text(at).strip()
            if found != rl.code:
                # the row (the last) whose code cell holds this row's code
                row_of = {
                    cell_text(cell).strip(): r
                    for (r, c), cell in sd.cells.items()
                    if c == COL_STT and cell.value is not None
                }
                ref = a1(rl.r, COL_STT)
                moved = row_of.get(rl.code)
                if moved is not None:
                    msg = f"Dòng chỉ tiêu {rl.code} phải ở ô {ref} nhưng nằm ở {a1(moved, COL_STT)} (trang “{sl.name}”): có dòng đã bị chèn, xóa hoặc di chuyển."
                elif found:
                    msg = f"Ô {ref} (trang “{sl.name}”) phải là mã {rl.code} nhưng là “{found}”: cấu trúc biểu đã bị thay đổi."
                else:
                    msg = f"Thiếu dòng chỉ tiêu {rl.code} ở ô {ref} (trang “{sl.name}”): có dòng đã bị xóa hoặc di chuyển."
                res.reject(
                    IssueCode.LAYOUT_CHANGED, msg + " Hãy điền lại vào biểu mẫu gốc.", cell=ref
                )
                return
            label = cell_text(sd.cells.get((rl.r, COL_LABEL), EMPTY))
            expected_label, expected_unit, _ref = expected[rl.code]
            if label != expected_label and normalise_label(label) != normalise_label(
                expected_label
            ):
                res.issues.append(
                    issue(
                        IssueCode.LABEL_CHANGED,
                        f"Nhãn chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_LABEL)} đã bị sửa thành {_excerpts(label, expected_label)}: "
                        + (
                            "số liệu của dòng này có thể mang nghĩa khác nên không được dùng. "
                            if rl.row.is_input
                            else "dòng này đã khác biểu mẫu. "
                        )
                        + "Hãy điền lại vào biểu mẫu gốc.",
                        indicator=rl.code,
                        cell=a1(rl.r, COL_LABEL),
                    )
                )
                res.edited.add(rl.code)
            unit = cell_text(sd.cells.get((rl.r, COL_UNIT), EMPTY))
            if unit != expected_unit and normalise_label(unit) != normalise_label(expected_unit):
                res.issues.append(
                    issue(
                        IssueCode.UNIT_LABEL_CHANGED,
                        f"Đơn vị tính của chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_UNIT)} đã bị sửa thành “{unit[:40]}” (mẫu: “{rl.row.unit}”): "
                        "số liệu của dòng này không được dùng. Hãy điền lại vào biểu mẫu gốc.",
                        indicator=rl.code,
                        cell=a1(rl.r, COL_UNIT),
                    )
                )
                res.edited.add(rl.code)
            if rl.formula:
                cell = sd.cells.get((rl.r, COL_VALUE), EMPTY)
                if not cell.formula:
                    shown = cell_text(cell)
                    what = f"số “{shown}”" if shown else "ô trống"
                    res.issues.append(
                        issue(
                            IssueCode.FORMULA_REPLACED,
                            f"Công thức tính chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_VALUE)} đã bị thay bằng {what}; giá trị được tính lại từ các dòng thành phần.",
                            indicator=rl.code,
                            cell=a1(rl.r, COL_VALUE),
                        )
                    )
        if not sd.protected:
            res.issues.append(
                issue(
                    IssueCode.PROTECTION_REMOVED,
                    f"Trang “{sl.name}” đã bị gỡ khóa; cấu trúc vẫn đúng nên số liệu vẫn được đọc.",
                )
            )
        last = sl.last_row
        extra = sorted(
            a1(r, c)
            for (r, c), cell in sd.cells.items()
            if r > last and c <= COL_NOTE and cell.value not in (None, "")
        )
        if extra or sd.outside:
            refs = (extra + sd.outside)[:5]
            res.issues.append(
                issue(
                    IssueCode.CELL_OUT_OF_BOUNDS,
                    f"Có dữ liệu ngoài vùng biểu ở trang “{sl.name}” ({', '.join(refs)}{'…' if len(extra) + sd.outside_count > 5 else ''}); phần này không được đọc.",
                    cell=refs[0],
                )
            )


def _read_values(
    res: FileResult, sheets: list[SheetData], layout: FormLayout, catalog: Catalog, pkg: Package
) -> None:
    expected = _expected(layout)

    def where(rl: RowLayout) -> tuple[SheetData, int, str]:
        return sheets[rl.sheet], rl.r, expected[rl.code][2]

    collect_values(res, layout, catalog, pkg, where)


def _excerpts(found: str, expected: str, width: int = 80) -> str:
    """``“found” (mẫu: “expected”)``, each cut to ``width`` characters around
    where they first differ, so that a change at the end of a long label shows."""
    start = 0
    while start < min(len(found), len(expected)) and found[start] == expected[start]:
        start += 1
    start = max(0, start - width // 3)

    def cut(text: str) -> str:
        piece = text[start : start + width]
        return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")

    return f"“{cut(found)}” (mẫu: “{cut(expected)}”)"
