"""Reading returned workbooks: identify, verify, read values, check rules.

``read_workbook`` looks at one file's exact bytes and knows nothing of the
units file or the expected period: it says what the file *is* (which form,
level, unit and period it claims, what was changed) and what it *holds*.
``reader.assess`` (in ``batch.py``) then compares that with what was expected.
"""

from __future__ import annotations

import hashlib
import os
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ._ooxml import Package, SheetData, XlsxError
from .catalog import Catalog
from .checks import check_rules, compute_derived
from .issues import Issue, issue
from .layout import (
    COL_LABEL,
    COL_NOTE,
    COL_NWARN,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    META_SHEET,
    ROW_UNIT,
    UNIT_INPUT_CELL,
    FormLayout,
    RowLayout,
    a1,
    build_layout,
    label_text,
)
from .periods import period_from_label
from .valuetypes import EMPTY, RawCell, read_value

MAX_FILE_SIZE = 50 * 1024 * 1024
EXTRA_ROWS = 200  # rows below the form that are still looked at (and reported when filled)


@dataclass(slots=True)
class FileResult:
    """What one returned file is and holds."""

    path: str
    status: str = "accepted"  # accepted | rejected | skipped
    sha256: str | None = None
    issues: list[Issue] = field(default_factory=list)
    kind: str | None = None  # template | consolidated | recovered
    catalog_id: str | None = None
    catalog_version: str | None = None
    level: str | None = None  # the form's level
    unit: str | None = None  # unit code (after attribution)
    unit_name: str | None = None  # as written in the file
    unit_level: str | None = None
    period: str | None = None
    generated_at: str | None = None
    mtime: float | None = None
    size: int | None = None
    values: dict[str, object] = field(default_factory=dict)  # inputs (+ derived for the report)
    notes: dict[str, str] = field(default_factory=dict)
    state: dict[str, dict[str, object]] | None = None  # consolidated inputs: aggregation state
    unit_hints: list[str] = field(default_factory=list)  # recovered tables: texts that may name the unit
    source: dict[str, object] = field(default_factory=dict)  # consolidated inputs: submitted/expected
    edited: set[str] = field(default_factory=set)  # rows whose label or unit was edited: values left out

    def reject(self, code: str, message: str, cell: str | None = None) -> FileResult:
        self.status = "rejected"
        self.issues.append(issue(code, message, cell=cell, severity="error"))
        return self

    def skip(self, code: str, message: str) -> FileResult:
        self.status = "skipped"
        self.issues.append(issue(code, message, severity="info"))
        return self

    @property
    def errors(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")


def read_bytes_safely(path: str) -> tuple[bytes, os.stat_result]:
    """Read a file without following symbolic links; raise XlsxError if it changes meanwhile."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise XlsxError("unreadable", f"Không mở được tệp: {exc.strerror or exc}.") from exc
    try:
        before = os.fstat(fd)
        if not stat.S_ISREG(before.st_mode):
            raise XlsxError("unreadable", "Không phải tệp thông thường.")
        if before.st_size > MAX_FILE_SIZE:
            raise XlsxError("file-too-large", f"Tệp lớn {before.st_size // (1024 * 1024)} MB, quá lớn cho một biểu mẫu (tối đa {MAX_FILE_SIZE // (1024 * 1024)} MB).")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_SIZE:
                raise XlsxError("file-too-large", "Tệp lớn hơn giới hạn cho một biểu mẫu.")
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
        raise XlsxError("file-changed", "Tệp thay đổi trong khi đang đọc (có thể đang được chép hoặc lưu); hãy chờ chép xong rồi chạy lại.")
    return data, before


def read_workbook(path: str, catalog: Catalog, layouts: dict[str, FormLayout] | None = None) -> FileResult:
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
        if exc.code == "not-xlsx" and _is_word(data):
            return res.reject("not-xlsx", "Tệp là văn bản Word (.docx), không phải biểu mẫu Excel.")
        res.values.clear()
        res.notes.clear()
        return res.reject(exc.code, exc.message)
    except (MemoryError, RecursionError) as exc:
        res.values.clear()
        return res.reject("parse-crash", f"Tệp vượt giới hạn khi đọc ({type(exc).__name__}).")
    return res


def _is_word(data: bytes) -> bool:
    return data[:2] == b"PK" and b"word/document.xml" in data[:1 << 20] + data[-(1 << 16):]


def layout_for(catalog: Catalog, level: str, layouts: dict[str, FormLayout]) -> FormLayout:
    if level not in layouts:
        layouts[level] = build_layout(catalog, level)
    return layouts[level]


def read_meta(pkg: Package) -> dict[str, str] | None:
    info = pkg.sheet(META_SHEET)
    if info is None:
        return None
    sd = pkg.read_sheet(info, 400, 1)
    meta: dict[str, str] = {}
    for (r, c), cell in sd.cells.items():
        if c == 0 and cell.kind == "s":
            value = sd.cells.get((r, 1), EMPTY)
            meta[str(cell.value)] = "" if value.value is None else _text(value)
    return meta


def _text(cell: RawCell) -> str:
    if cell.value is None:
        return ""
    if cell.kind == "n" and isinstance(cell.value, float) and cell.value.is_integer():
        return str(int(cell.value))
    return str(cell.value)


def _read_package(res: FileResult, pkg: Package, catalog: Catalog, layouts: dict[str, FormLayout]) -> None:
    meta = read_meta(pkg)
    if meta is None:
        _read_recovered(res, pkg, catalog, layouts)
        return
    if not meta.get("format", "").startswith("cchc-xlsx/"):
        raise XlsxError("not-our-template", "Trang thông tin nhận dạng của tệp không đúng định dạng.")
    res.kind = meta.get("kind") or "template"
    res.catalog_id, res.catalog_version = meta.get("catalog_id"), meta.get("catalog_version")
    res.level = meta.get("level") or None
    res.unit = meta.get("unit_code") or None
    res.unit_name = meta.get("unit_name") or None
    res.unit_level = meta.get("unit_level") or res.level
    res.period = meta.get("period") or None
    res.generated_at = meta.get("generated_at") or None
    if res.catalog_id != catalog.id or res.catalog_version != catalog.version:
        raise XlsxError(
            "catalog-version",
            f"Biểu này được tạo từ danh mục “{res.catalog_id}” phiên bản {res.catalog_version}, "
            f"còn danh mục đang dùng là “{catalog.id}” phiên bản {catalog.version}; hãy dùng đúng biểu mẫu của kỳ này.",
        )
    if res.level not in catalog.levels:
        raise XlsxError("wrong-level", f"Biểu ghi cấp “{res.level}” không có trong danh mục.")
    layout = layout_for(catalog, res.level, layouts)
    if res.kind == "consolidated":
        from .consolidation import read_consolidated

        read_consolidated(res, pkg, meta, layout)
        return
    if res.kind != "template":
        raise XlsxError("not-our-template", f"Loại tệp “{res.kind}” không phải biểu mẫu để tổng hợp.")
    if meta.get("layout_fingerprint") != layout.fingerprint:
        res.issues.append(issue("layout-changed", "Dấu nhận dạng cấu trúc biểu khác với danh mục hiện tại; đang kiểm tra từng dòng.", severity="warning"))
    sheets = _read_form_sheets(pkg, layout)
    if not res.unit:
        name = _text(sheets[0].cells.get(UNIT_INPUT_CELL, EMPTY)).strip()
        res.unit_name = name or None
    _verify_layout(res, sheets, layout)
    if res.status == "rejected":
        return
    _read_values(res, sheets, layout, catalog, pkg)


def _read_form_sheets(pkg: Package, layout: FormLayout) -> list[SheetData]:
    out = []
    for sl in layout.sheets:
        info = pkg.sheet(sl.name)
        if info is None:
            raise XlsxError("layout-changed", f"Thiếu trang tính “{sl.name}” của biểu mẫu (đã bị xóa hoặc đổi tên).")
        out.append(pkg.read_sheet(info, sl.last_row + EXTRA_ROWS, COL_NWARN, keep_col=COL_NOTE))
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
            table[rl.code] = (label_text(rl.row), rl.row.unit, f"{layout.sheets[rl.sheet].name}!{ref}" if multi else ref)
        hit = _EXPECTED[id(layout)] = (layout, table)
    return hit[1]


def _norm(text: str) -> str:
    """A label as compared: Unicode NFC, format characters (Cf) dropped, every
    run of spaces of any kind one space, case ignored — differences a person
    cannot see, or an office's re-save makes, are not edits."""
    t = unicodedata.normalize("NFC", str(text))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Cf")
    return " ".join(t.split()).casefold()


def _verify_layout(res: FileResult, sheets: list[SheetData], layout: FormLayout) -> None:
    expected = _expected(layout)
    for sl, sd in zip(layout.sheets, sheets):
        codes_at = {r: _text(cell).strip() for (r, c), cell in sd.cells.items() if c == COL_STT and cell.value is not None}
        where = {code: r for r, code in codes_at.items()}
        for rl in sl.rows:
            found = codes_at.get(rl.r, "")
            if found != rl.code:
                ref = a1(rl.r, COL_STT)
                moved = where.get(rl.code)
                if moved is not None:
                    msg = f"Dòng chỉ tiêu {rl.code} phải ở ô {ref} nhưng nằm ở {a1(moved, COL_STT)} (trang “{sl.name}”): có dòng đã bị chèn, xóa hoặc di chuyển."
                elif found:
                    msg = f"Ô {ref} (trang “{sl.name}”) phải là mã {rl.code} nhưng là “{found}”: cấu trúc biểu đã bị thay đổi."
                else:
                    msg = f"Thiếu dòng chỉ tiêu {rl.code} ở ô {ref} (trang “{sl.name}”): có dòng đã bị xóa hoặc di chuyển."
                res.reject("layout-changed", msg + " Hãy điền lại vào biểu mẫu gốc.", cell=ref)
                return
            label = _text(sd.cells.get((rl.r, COL_LABEL), EMPTY))
            expected_label, expected_unit, _ref = expected[rl.code]
            if label != expected_label and _norm(label) != _norm(expected_label):
                res.issues.append(issue(
                    "label-changed",
                    f"Nhãn chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_LABEL)} đã bị sửa thành “{label[:80]}” (mẫu: “{expected_label[:80]}”): "
                    "số liệu của dòng này có thể mang nghĩa khác nên không được dùng. Hãy điền lại vào biểu mẫu gốc.",
                    indicator=rl.code, cell=a1(rl.r, COL_LABEL),
                ))
                res.edited.add(rl.code)
            unit = _text(sd.cells.get((rl.r, COL_UNIT), EMPTY))
            if unit != expected_unit and _norm(unit) != _norm(expected_unit):
                res.issues.append(issue(
                    "unit-label-changed",
                    f"Đơn vị tính của chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_UNIT)} đã bị sửa thành “{unit[:40]}” (mẫu: “{rl.row.unit}”): "
                    "số liệu của dòng này không được dùng. Hãy điền lại vào biểu mẫu gốc.",
                    indicator=rl.code, cell=a1(rl.r, COL_UNIT),
                ))
                res.edited.add(rl.code)
            if rl.formula:
                cell = sd.cells.get((rl.r, COL_VALUE), EMPTY)
                if not cell.formula:
                    shown = _text(cell)
                    what = f"số “{shown}”" if shown else "ô trống"
                    res.issues.append(issue("formula-replaced", f"Công thức tính chỉ tiêu {rl.code} ở ô {a1(rl.r, COL_VALUE)} đã bị thay bằng {what}; giá trị được tính lại từ các dòng thành phần.", indicator=rl.code, cell=a1(rl.r, COL_VALUE)))
        if not sd.protected:
            res.issues.append(issue("protection-removed", f"Trang “{sl.name}” đã bị gỡ khóa; cấu trúc vẫn đúng nên số liệu vẫn được đọc."))
        last = sl.last_row
        extra = sorted(
            a1(r, c) for (r, c), cell in sd.cells.items()
            if r > last and c <= COL_NOTE and cell.value not in (None, "")
        )
        if extra or sd.outside:
            refs = (extra + sd.outside)[:5]
            res.issues.append(issue("cell-out-of-bounds", f"Có dữ liệu ngoài vùng biểu ở trang “{sl.name}” ({', '.join(refs)}{'…' if len(extra) + sd.outside_count > 5 else ''}); phần này không được đọc.", cell=refs[0]))


def _read_values(res: FileResult, sheets: list[SheetData], layout: FormLayout, catalog: Catalog, pkg: Package) -> None:
    expected = _expected(layout)

    def where(rl: RowLayout) -> tuple[SheetData, int, str]:
        return sheets[rl.sheet], rl.r, expected[rl.code][2]

    _collect(res, layout, catalog, pkg, where)


def _collect(res: FileResult, layout: FormLayout, catalog: Catalog, pkg: Package, where: Callable[[RowLayout], tuple[SheetData, int, str]]) -> None:
    """Read every input and note of ``layout`` (``where`` says on which sheet and row a row is),
    compute the derived rows and check the rules."""
    cell_of: dict[str, str] = {}
    typed = False
    for rl in layout.rows:
        sd, r, ref = where(rl)
        cell_of[rl.code] = ref
        note = sd.cells.get((r, COL_NOTE))
        if note is not None and note.value not in (None, ""):
            res.notes[rl.code] = _text(note).strip()
        if not rl.is_input or rl.code in res.edited:
            continue  # NOTE: a row whose label or unit was edited may mean something else: left out
        cell = sd.cells.get((r, COL_VALUE), EMPTY)
        if cell.kind is not None and cell.value != "":
            typed = True
        if cell.kind == "n" and cell.style:
            kind = pkg.format_kind_of(cell.style)
            if kind:
                cell = cell._replace(fmt=kind)
        reading = read_value(rl.row, cell, ref, date1904=pkg.date1904)
        res.issues.extend(reading.issues)
        if reading.value is not None:
            res.values[rl.code] = reading.value
    if not typed and not res.notes:
        res.issues.append(issue("empty-form", "Biểu không có số liệu nào: mọi ô nhập đều trống. Có thể đơn vị đã gửi nhầm biểu mẫu chưa điền; hãy hỏi lại đơn vị."))
    derived = compute_derived(catalog, res.values, [rl.code for rl in layout.rows])
    all_values: dict[str, object] = {**res.values, **{k: v for k, v in derived.items() if v is not None}}
    res.issues.extend(check_rules(layout.rules, all_values, cell_of))
    res.values = all_values


def _read_recovered(res: FileResult, pkg: Package, catalog: Catalog, layouts: dict[str, FormLayout]) -> None:
    """A workbook whose metadata sheet was lost: find the form by its STT codes and labels."""
    best: tuple[int, str, SheetData, dict[str, int]] | None = None
    candidates = [s for s in pkg.sheets if s.state == "visible"] or pkg.sheets
    for info in candidates[:10]:
        sd = pkg.read_sheet(info, 3000, COL_NWARN)
        rows_by_code: dict[str, int] = {}
        for (r, c), cell in sd.cells.items():
            if c == COL_STT and cell.value is not None:
                code = _text(cell).strip().rstrip(".")
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
        raise XlsxError("not-our-template", "Không nhận ra biểu mẫu: tệp không có trang thông tin nhận dạng và không tìm thấy các mã chỉ tiêu (cột STT) của danh mục.")
    _score, level, sd, rows_by_code = best
    layout = layout_for(catalog, level, layouts)
    missing = [rl.code for rl in layout.rows if rl.code not in rows_by_code]
    mismatched = [
        rl.code for rl in layout.rows
        if rl.code in rows_by_code and _norm(_text(sd.cells.get((rows_by_code[rl.code], COL_LABEL), EMPTY))) != _norm(label_text(rl.row))
        and _norm(_text(sd.cells.get((rows_by_code[rl.code], COL_LABEL), EMPTY))) != _norm(rl.row.label)
    ]
    if missing or len(mismatched) > max(2, len(layout.rows) // 10):
        problem = f"thiếu các dòng {', '.join(missing[:8])}" if missing else f"nhãn không khớp ở các dòng {', '.join(mismatched[:8])}"
        raise XlsxError("not-our-template", f"Tệp không có trang thông tin nhận dạng và không khớp được với biểu mẫu ({problem}{'…' if len(missing) > 8 or len(mismatched) > 8 else ''}).")
    res.kind = "recovered"
    res.catalog_id, res.catalog_version = catalog.id, catalog.version
    res.level = level
    res.unit_level = level
    res.issues.append(issue("metadata-missing", "Tệp không còn trang thông tin nhận dạng (bảng có thể đã được chép sang tệp mới); số liệu được đọc theo mã STT và nhãn chỉ tiêu. Lần sau hãy điền trực tiếp vào biểu mẫu gốc."))
    for code in mismatched:
        r = rows_by_code[code]
        res.issues.append(issue("label-changed", f"Nhãn chỉ tiêu {code} ở ô {a1(r, COL_LABEL)} khác với danh mục: số liệu của dòng này không được dùng.", indicator=code, cell=a1(r, COL_LABEL)))
        res.edited.add(code)
    # identity from the title block
    first = min(rows_by_code.values())
    head = [_text(c) for (r, _c), c in sorted(sd.cells.items()) if r < first and c.value is not None]
    for text in head:
        p = period_from_label(text)
        if p:
            res.period = p.code
            break
    unit_line = _text(sd.cells.get((ROW_UNIT, COL_STT), EMPTY)).strip() or _text(sd.cells.get(UNIT_INPUT_CELL, EMPTY)).strip()
    res.unit_name = unit_line or None
    res.unit_hints = [t.strip() for t in head if t.strip() and t.strip() != unit_line][:20]
    res.unit_hints.append(Path(res.path).stem.replace("_", " "))
    # values at the rows where the codes were found
    _collect(res, layout, catalog, pkg, lambda rl: (sd, rows_by_code[rl.code], a1(rows_by_code[rl.code], COL_VALUE)))

