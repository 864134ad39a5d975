"""What ``check`` and ``consolidate`` print: a Vietnamese summary a commune
official can act on, the JSON report, and the exit code."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TextIO

from ._atomic import atomic_path
from .batch import Batch, Expectation, mark_conflicts, read_batch
from .catalog import Catalog
from .cli import check_level, load_catalog_arg, load_units_arg, progress_bar
from .consolidate import (
    SEVERITY_TEXT,
    Consolidation,
    consolidate,
    report_json,
    write_own_form,
    write_report_json,
)
from .issues import Issue
from .periods import parse_period

STATUS_LABEL = {"accepted": "CHẤP NHẬN", "rejected": "TỪ CHỐI", "skipped": "BỎ QUA"}
MAX_ISSUES_SHOWN = 40


def _issue_line(i: Issue) -> str:
    where = []
    if i.cell:
        where.append(f"ô {i.cell}")
    if i.indicator and (not i.cell or i.indicator not in i.message):
        where.append(f"chỉ tiêu {i.indicator}")
    loc = f" [{', '.join(where)}]" if where else ""
    return f"{SEVERITY_TEXT[i.severity]}{loc}: {i.message} ({i.code})"


def print_summary(batch: Batch, out: TextIO, names: dict[str, str] | None = None, verbose: bool = True) -> None:
    names = names or {}
    statuses = batch.files.statuses()
    sev = Counter(i.severity for f in batch.files.iter() for i in f.issues)
    period = parse_period(batch.period).label if batch.period else "chưa xác định"
    print(f"Kỳ báo cáo: {period}; cấp đơn vị: {batch.level or 'chưa xác định'}; {sum(statuses.values())} tệp.", file=out)
    print(
        f"  Chấp nhận: {statuses['accepted']}   Từ chối: {statuses['rejected']}   Bỏ qua: {statuses['skipped']}",
        file=out,
    )
    print(f"  Lỗi: {sev['error']}   Cảnh báo: {sev['warning']}   Thông tin: {sev['info']}", file=out)
    # rejected first, then accepted (most errors first), then skipped; by path within
    for f in batch.files.ordered("CASE status WHEN 'rejected' THEN 0 WHEN 'accepted' THEN 1 ELSE 2 END, errors DESC, path"):
        shown = [i for i in f.issues if verbose or i.severity != "info" or f.status == "skipped"]
        who = ""
        if f.unit:
            who = f" — {names.get(f.unit, f.unit_name or f.unit)} ({f.unit})"
        elif f.unit_name:
            who = f" — {f.unit_name}"
        counts = f"{f.errors} lỗi, {f.warnings} cảnh báo" if f.status != "skipped" else ""
        print(f"\n[{STATUS_LABEL[f.status]}] {f.path}{who}{': ' + counts if counts else ''}", file=out)
        for i in shown[:MAX_ISSUES_SHOWN]:
            print(f"   - {_issue_line(i)}", file=out)
        if len(shown) > MAX_ISSUES_SHOWN:
            print(f"   … và {len(shown) - MAX_ISSUES_SHOWN} vấn đề khác (xem báo cáo JSON hoặc trang Kiểm tra).", file=out)


def _expectation(args: argparse.Namespace, catalog: Catalog) -> Expectation:
    check_level(args.level, catalog)
    units = load_units_arg(args.units, catalog)
    period = parse_period(args.period).code if args.period else None
    unit = getattr(args, "unit", None)
    return Expectation(level=args.level, period=period, units=units, unit=unit)


def run_check(args: argparse.Namespace) -> int:
    catalog = load_catalog_arg(args.catalog)
    expect = _expectation(args, catalog)
    outputs = tuple(Path(p) for p in [args.json] if p)
    expect.outputs = outputs
    batch = read_batch(args.paths, catalog, expect, progress=progress_bar(0, "Đọc biểu"))
    mark_conflicts(batch)
    names = {u.code: u.name for u in expect.units} if expect.units else {}
    print_summary(batch, sys.stdout, names)
    missing = report_json(batch, files=False)["missing_units"]
    if missing:
        print(f"\nChưa nộp ({len(missing)}): " + ", ".join(f"{names.get(c, c)} ({c})" for c in missing))
    if args.json:
        with atomic_path(args.json) as tmp, open(tmp, "w", encoding="utf-8") as fh:
            write_report_json(batch, fh)
        print(f"\nĐã ghi báo cáo JSON: {args.json}")
    bad = batch.files.any_bad() or bool(missing)
    return 1 if bad else 0


def run_consolidate(args: argparse.Namespace) -> int:
    catalog = load_catalog_arg(args.catalog)
    expect = _expectation(args, catalog)
    result = consolidate(
        args.paths, catalog, args.out,
        level=expect.level, period=expect.period, units=expect.units, unit=args.unit,
        prefer=args.prefer, json_path=args.json, csv_path=args.csv, force=args.force,
        progress=progress_bar(0, "Đọc biểu"),
    )
    print_consolidation(result, sys.stdout)
    if args.own_form:
        values = write_own_form(result, args.own_form)
        shown = ", ".join(f"{k} = {v}" for k, v in values.items()) or "không có dòng nào"
        print(f"Đã ghi biểu mẫu của {result.unit_name or result.unit} (các dòng lấy từ cấp dưới: {shown}): {args.own_form}")
    if args.json:
        print(f"Đã ghi báo cáo JSON: {args.json}")
    if args.csv:
        print(f"Đã ghi số liệu dạng bảng: {args.csv}")
    return result.exit_code


def print_consolidation(result: Consolidation, out: TextIO) -> None:
    names = {c.code: c.name for c in result.columns}
    print_summary(result.batch, out, names, verbose=False)
    print("", file=out)
    print(f"Tình hình nộp: {result.submitted}/{len(result.columns)} đơn vị đã nộp.", file=out)
    for status, label in (("missing", "Chưa nộp"), ("rejected", "Bị từ chối (không cộng)"), ("conflict", "Nộp trùng nhiều tệp khác nhau (không cộng)")):
        cols = [c for c in result.columns if c.status == status]
        if cols:
            print(f"  {label} ({len(cols)}): " + ", ".join(f"{c.name} ({c.code})" for c in cols), file=out)
    if result.partial:
        print("  Biểu tổng hợp ghi rõ: SỐ LIỆU CHƯA ĐẦY ĐỦ.", file=out)
    if result.out:
        print(f"\nĐã ghi biểu tổng hợp: {result.out}", file=out)
