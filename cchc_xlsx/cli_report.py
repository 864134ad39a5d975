"""``cchc-xlsx report``: the draft of the narrative report from a consolidated
workbook (its options and the lines it prints; the work is :func:`cchc_xlsx.api.report`)."""

from __future__ import annotations

import argparse
import os
from typing import Any

from cchc_xlsx.catalog.load import load_catalog


def add_report_command(sub: Any) -> None:
    """The ``report`` sub-command and its options."""
    r = sub.add_parser(
        "report",
        help="viết dự thảo báo cáo CCHC (Word hoặc Markdown) từ biểu tổng hợp",
    )
    r.add_argument(
        "appendix", metavar="BIEU_TONG_HOP.xlsx", help="biểu tổng hợp do consolidate ghi"
    )
    r.add_argument(
        "--out", required=True, help="tệp dự thảo báo cáo (.docx, hoặc .md với --format md)"
    )
    r.add_argument(
        "--format",
        choices=("docx", "md"),
        help="docx (mặc định) hoặc md (Markdown); mặc định theo đuôi của --out",
    )
    r.add_argument(
        "--template",
        metavar="FILE.docx",
        help="mẫu báo cáo Word đã sửa (mặc định: mẫu đi kèm theo Nghị định 30/2020/NĐ-CP)",
    )
    r.add_argument(
        "--store",
        help="kho lưu (so sánh với cùng kỳ năm trước khi kho có số liệu; mặc định: biến CCHC_XLSX_STORE nếu có)",
    )
    r.add_argument(
        "--date", help="ngày ký báo cáo, dạng 06/03/2024 hoặc 2024-03-06 (mặc định: để trống)"
    )
    r.add_argument(
        "--catalog",
        help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm, Phụ lục I của seed 000)",
    )
    r.add_argument("--force", action="store_true", help="ghi đè tệp báo cáo đã có")


def cmd_report(args: argparse.Namespace) -> int:
    """Write the draft and say what it holds and what is left to write."""
    from cchc_xlsx.api import report

    store = args.store or os.environ.get("CCHC_XLSX_STORE") or None
    if store is not None and not os.path.isfile(store):
        store = None if not args.store else store
    result = report(
        args.appendix,
        args.out,
        load_catalog(args.catalog),
        template=args.template,
        store=store,
        format=args.format,
        report_date=args.date,
        force=args.force,
    )
    kind = "Word" if result.format == "docx" else "Markdown"
    print(f"Đã ghi dự thảo báo cáo ({kind}): {result.out}")
    print(
        f"  {result.figures} đoạn viết từ số liệu của biểu; "
        f"{result.targets_met}/{result.targets_graded} mục tiêu có số liệu đánh giá đạt"
        + (
            f" ({result.targets - result.targets_graded} chưa đủ số liệu)"
            if result.targets > result.targets_graded
            else ""
        )
        + f"; {result.charts} biểu đồ."
    )
    if result.to_check:
        print(
            f"  {result.to_check} số liệu đánh dấu “[Cần kiểm tra: …]”: tổng gồm giá trị có lỗi của đơn vị cấp dưới "
            "(ô đỏ trong biểu tổng hợp); hãy kiểm tra trước khi dùng."
        )
    if result.compared_with:
        print(f"  So sánh với cùng kỳ năm trước ({result.compared_with}) theo kho lưu.")
    print(
        f"  Còn {result.placeholders} chỗ “[Cần bổ sung: …]” để cán bộ viết tiếp"
        + (" (tô vàng trong Word)." if result.format == "docx" else ".")
    )
    return 0
