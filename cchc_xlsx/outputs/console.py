"""What ``check`` and ``consolidate`` print: a short Vietnamese summary that a
district official can act on, and where the full list is.

By default a large batch prints counts (files by status, issues by kind), the
units missing and the ten files that most need a look; ``verbose`` prints
every file with every issue.
"""

from __future__ import annotations

import sys
import unicodedata
from collections import Counter
from typing import TextIO, cast

from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.issues import CODES, Issue, IssueCode
from cchc_xlsx.periods import parse_period
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.aggregation_types import AGGREGATION_TYPES
from cchc_xlsx.semantics.numbers import format_vn
from cchc_xlsx.vocabulary import LEVELS, SEVERITY_TEXT, Severity

STATUS_LABEL = {"accepted": "CHẤP NHẬN", "rejected": "TỪ CHỐI", "skipped": "BỎ QUA"}
WORST_FILES = 10  # files listed without --verbose
ISSUES_PER_FILE = 3  # issues listed per file without --verbose
_ORDER = "CASE status WHEN 'rejected' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END, errors DESC, warnings DESC, path"
_SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


def issue_line(i: Issue) -> str:
    """``Lỗi [ô D12, chỉ tiêu 1.2.2]: … (rule)``."""
    where = []
    if i.cell:
        where.append(f"ô {i.cell}")
    if i.indicator and (not i.cell or i.indicator not in i.message):
        where.append(f"chỉ tiêu {i.indicator}")
    loc = f" [{', '.join(where)}]" if where else ""
    return f"{SEVERITY_TEXT[i.severity]}{loc}: {i.message} ({i.code})"


def print_summary(
    batch: CheckResult,
    out: TextIO,
    names: dict[str, str] | None = None,
    *,
    verbose: bool = False,
    full_list: str = "",
) -> None:
    """Counts, issues by kind and the files to look at first (every file with ``verbose``).

    ``full_list`` says where the whole list is (the workbook's Kiểm tra sheet, the JSON report).
    """
    names = names or {}
    statuses = batch.files.statuses()
    by_kind: Counter[tuple[str, str]] = Counter()
    replaced = 0  # problems of versions a newer return replaced: not counted with the others
    for f in batch.files.iter():
        if _superseded(f):
            replaced += sum(1 for i in f.issues if i.severity != "info")
            continue
        for i in f.issues:
            by_kind[(i.severity, i.code)] += 1
    sev: Counter[str] = Counter()
    for (s, _c), n in by_kind.items():
        sev[s] += n
    period = parse_period(batch.period).label if batch.period else "chưa xác định"
    total = sum(statuses.values())
    level = (
        f"{LEVELS.get(batch.level, batch.level)} ({batch.level})"
        if batch.level
        else "chưa xác định"
    )
    print(f"Kỳ báo cáo: {period}; đơn vị nộp: {level}; {total} tệp.", file=out)
    print(
        f"  Chấp nhận: {statuses['accepted']}   Từ chối: {statuses['rejected']}   Bỏ qua: {statuses['skipped']}",
        file=out,
    )
    print(
        f"  Lỗi: {sev['error']}   Cảnh báo: {sev['warning']}   Thông tin: {sev['info']}", file=out
    )
    if replaced:
        print(
            f"  (không tính {replaced} lỗi/cảnh báo của các bản đã được bản nộp mới thay)", file=out
        )
    kinds = sorted(by_kind.items(), key=lambda kv: (_SEVERITY_RANK[kv[0][0]], -kv[1], kv[0][1]))
    shown_kinds = [(k, n) for k, n in kinds if k[0] != "info"]
    if shown_kinds:
        print("\nVấn đề theo loại:", file=out)
        for (severity, code), n in shown_kinds:
            title = CODES[code][1] if code in CODES else code
            print(
                f"  {n:>6} {SEVERITY_TEXT[cast(Severity, severity)].lower()}  {title} ({code})",
                file=out,
            )
    files = batch.files.ordered(_ORDER)
    limit = None if verbose else WORST_FILES
    per_file = None if verbose else ISSUES_PER_FILE  # --verbose: every issue, as its help says
    listed = 0
    heading = False
    for f in files:
        if not verbose and f.status == "skipped" and (f.errors == 0 or _superseded(f)):
            continue
        if not verbose and f.status == "accepted" and not f.errors and not f.warnings:
            continue
        if limit is not None and listed >= limit:
            listed += 1
            continue
        if verbose:
            print("", file=out)
        elif not heading:
            print("\nCác tệp cần xem (nhiều lỗi nhất trước):", file=out)
            heading = True
        listed += 1
        who = ""
        if f.unit:
            who = f" — {names.get(f.unit, f.unit_name or f.unit)} ({f.unit})"
        elif f.unit_name:
            who = f" — {f.unit_name}"
        counts = f"{f.errors} lỗi, {f.warnings} cảnh báo" if f.status != "skipped" else ""
        print(
            f"[{STATUS_LABEL[f.status]}] {f.path}{who}{': ' + counts if counts else ''}", file=out
        )
        shown = [i for i in f.issues if verbose or i.severity != "info" or f.status == "skipped"]
        shown.sort(key=lambda i: _SEVERITY_RANK[i.severity])
        for i in shown[:per_file]:
            print(f"   - {issue_line(i)}", file=out)
        if per_file is not None and len(shown) > per_file:
            print(f"   … và {len(shown) - per_file} vấn đề khác.", file=out)
    if limit is not None and listed > limit:
        print(f"… và {listed - limit} tệp khác có lỗi hoặc cảnh báo.", file=out)
    _hint_catalog(batch, out)
    if not verbose and (listed or shown_kinds):
        where = full_list or "báo cáo JSON (--json)"
        print(
            f"\nDanh sách đầy đủ: {where}; hoặc chạy lại với --verbose để in mọi vấn đề.", file=out
        )


def _superseded(f: FileResult) -> bool:
    """A version that a newer return of its unit replaced (history store)."""
    return f.status == "skipped" and any(
        i.code == IssueCode.SUPERSEDED and i.severity == "info" for i in f.issues
    )


MISSING_SHOWN = 20  # units named in the "not sent" line


def units_line(
    codes: list[str],
    names: dict[str, str],
    where: str = "trang “Tình hình nộp báo cáo” hoặc báo cáo JSON",
) -> str:
    """The first units of a list, by name and code, and how many more (a province has thousands)."""
    shown = ", ".join(f"{names.get(c, c)} ({c})" for c in codes[:MISSING_SHOWN])
    if len(codes) > MISSING_SHOWN:
        shown += f" … và {len(codes) - MISSING_SHOWN} đơn vị khác (xem {where})"
    return shown


def _hint_catalog(batch: CheckResult, out: TextIO) -> None:
    """Files of another catalogue: most often the officer forgot to name it, not the units' mistake."""
    others: Counter[tuple[str, str]] = Counter()
    for f in batch.files.iter(status="rejected"):
        if any(i.code == IssueCode.CATALOG_VERSION for i in f.issues) and f.catalog_id:
            others[(f.catalog_id, f.catalog_version or "")] += 1
    for (cid, version), n in others.most_common(3):
        print(
            f"\nGợi ý: {n} tệp được tạo từ danh mục “{cid}” phiên bản {version}. Nếu đó là biểu mẫu của kỳ này, "
            "hãy chạy lại với danh mục đó (--catalog TỆP_DANH_MỤC).",
            file=out,
        )


def print_missing(codes: list[str], names: dict[str, str], out: TextIO) -> None:
    if codes:
        print(f"\nChưa nộp ({len(codes)}): " + units_line(codes, names, "báo cáo JSON"), file=out)


def print_consolidation(result: Consolidation, out: TextIO, *, verbose: bool = False) -> None:
    """The batch's summary, then the submission status and where the workbook is."""
    names = {c.code: c.name for c in result.columns}
    where = f"trang “Kiểm tra” của {result.out}" if result.out else "báo cáo JSON (--json)"
    print_summary(result.batch, out, names, verbose=verbose, full_list=where)
    print("", file=out)
    print(f"Tình hình nộp: {result.submitted}/{len(result.columns)} đơn vị đã nộp.", file=out)
    for status, label in (
        ("missing", "Chưa nộp"),
        ("rejected", "Bị từ chối (không cộng)"),
        ("conflict", "Nộp trùng nhiều tệp khác nhau (không cộng)"),
    ):
        cols = [c for c in result.columns if c.status == status]
        if cols:
            print(
                f"  {label} ({len(cols)}): " + units_line([c.code for c in cols], names), file=out
            )
    if result.partial:
        print("  Biểu tổng hợp ghi rõ: SỐ LIỆU CHƯA ĐẦY ĐỦ.", file=out)
    if result.flagged_values:
        if result.exclude_errors:
            print(
                f"  Không cộng {result.flagged_values} giá trị có lỗi (tô đỏ trong biểu tổng hợp).",
                file=out,
            )
        else:
            included = result.flagged_values - result.left_out_values
            if included:
                print(
                    f"  Đã cộng cả {included} giá trị có lỗi (tô đỏ; {len(result.flagged_totals)} ô Tổng cộng bị ảnh hưởng). "
                    "Dùng --exclude-errors để không cộng các giá trị này.",
                    file=out,
                )
            if result.left_out_values:
                print(
                    f"  {result.left_out_values} giá trị có lỗi không đọc được nên không cộng (ô đỏ ghi “(không cộng)”): "
                    "tổng của các chỉ tiêu này còn thiếu; hãy hỏi lại đơn vị.",
                    file=out,
                )
    if result.doubtful_values:
        print(
            f"  {result.doubtful_values} giá trị có cảnh báo (tô vàng trong biểu tổng hợp): đã cộng, nên hỏi lại đơn vị.",
            file=out,
        )
    if result.out:
        print(f"\nĐã ghi biểu tổng hợp: {result.out}", file=out)


TYPE_NAMES = {
    "heading": "tiêu đề",
    "count": "số nguyên",
    "decimal": "số thập phân",
    "percent": "phần trăm",
    "ratio": "tỷ lệ (công thức)",
    "boolean": "Có/Không",
    "choice": "lựa chọn",
    "text": "văn bản",
    "sum": "tổng (công thức)",
}


def _width(text: str) -> int:
    return sum(0 if unicodedata.combining(ch) else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def format_table(headers: list[str], rows: list[list[str]], widths: list[int]) -> str:
    lines = ["  ".join(_pad(_cut(h, w), w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(_pad(_cut(c, w), w) for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def catalog_listing(catalog: Catalog, level: str | None) -> str:
    """``cchc-xlsx catalog``'s text: the catalogue's name, source and file, then a
    table of its rows (code, label, unit, type, how it is added up; every level's
    rows with their levels when ``level`` is None)."""
    rows = catalog.rows_for_level(level) if level else catalog.rows
    out = [f"Danh mục: {catalog.id} phiên bản {catalog.version} — {catalog.title}"]
    if catalog.source:
        out.append(f"Nguồn: {catalog.source}")
    out.append(f"Tệp: {catalog.path}")
    where = f"{LEVELS.get(level, level)} ({level})" if level else "mọi cấp"
    rules = catalog.rules_for_level(level) if level else catalog.rules
    out.append(f"{len(rows)} dòng ở {where}; {len(rules)} quy tắc kiểm tra.\n")
    table: list[list[str]] = []
    sheet = None
    for r in rows:
        if len(catalog.sheets) > 1 and r.sheet != sheet:
            sheet = r.sheet
            name = next(s.name for s in catalog.sheets if s.id == sheet)
            table.append(["", f"[{name}]", "", "", ""])
        agg = AGGREGATION_TYPES[r.agg].title
        if r.type == "ratio":
            agg = f"{r.numerator} / {r.denominator} × 100"
        elif r.type == "sum":
            agg = "= " + " + ".join(r.terms)
        elif r.agg == "weighted_mean":
            agg = f"trung bình theo {r.weight}"
        cols = [r.code, r.label, r.unit, TYPE_NAMES[r.type], agg if r.type != "heading" else ""]
        if not level:
            cols.append(",".join(r.levels))
        table.append(cols)
    headers = ["Mã", "Chỉ tiêu", "Đơn vị tính", "Kiểu", "Tổng hợp"]
    widths = [9, 70, 14, 17, 26]
    if not level:
        headers.append("Cấp")
        widths.append(14)
    out.append(format_table(headers, table, widths))
    targets = [t for t in catalog.targets if t.applies(None, level)]
    if targets:
        out.append(f"\nMục tiêu đánh giá Đạt/Không đạt từ số liệu ({len(targets)}):")
        for t in targets:
            years = (
                f", năm {t.from_year or '…'}–{t.to_year or '…'}" if t.from_year or t.to_year else ""
            )
            out.append(f"  {t.code} {t.compare} {format_vn(t.threshold)}{years}: {t.text}")
    return "\n".join(out)


def print_timeliness(result: Consolidation, store: object, out: TextIO | None = None) -> None:
    """With a history store: the period's deadline, who is late, and the reporting rates."""
    tl = result.timeliness
    if tl is None:
        return
    out = out or sys.stdout
    print(f"\nKho lưu: {store}", file=out)
    late = [u for u in tl.units if u.state == "late"]
    for u in late[:20]:
        print(f"  Nộp trễ {u.days_late} ngày: {u.name} ({u.unit})", file=out)
    if len(late) > 20:
        print(f"  … và {len(late) - 20} đơn vị nộp trễ khác", file=out)

    def pct(x: float | None) -> str:
        return "—" if x is None else f"{x:.1f}".replace(".", ",") + " %"

    print(
        f"Hạn nộp {tl.deadline.strftime('%d/%m/%Y')} ({tl.deadline_source}): tỷ lệ báo cáo "
        f"{pct(tl.reporting_rate)}, đúng hạn {pct(tl.on_time_rate)} "
        f"({tl.count('on_time')} đúng hạn, {len(late)} trễ, {tl.count('missing')} chưa nộp"
        + "".join(
            f", {n} {text}"
            for state, text in (
                ("rejected", "bị từ chối"),
                ("conflict", "nộp nhiều bản chưa chọn"),
                ("empty", "biểu không có số liệu"),
            )
            if (n := tl.count(state))
        )
        + ").",
        file=out,
    )
