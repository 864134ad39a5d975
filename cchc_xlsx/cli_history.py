"""The command line's words for the history store: ``--store`` and its options on
``check`` and ``consolidate``, and the ``status``, ``history`` and ``feedback`` commands.

The work is :mod:`cchc_xlsx.history`'s; this module parses, prints and writes."""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from cchc_xlsx.errors import UsageError
from cchc_xlsx.vocabulary import LEVELS

STORE_HELP = (
    "kho lưu lịch sử (tệp SQLite; mặc định: biến môi trường CCHC_XLSX_STORE, "
    "nếu không có thì cchc-xlsx.sqlite trong thư mục hiện tại)"
)


def add_recording_options(p: argparse.ArgumentParser, *, deadlines: bool) -> None:
    """``--store``, ``--received-at``, ``--prefer`` (and ``--deadlines``) on check/consolidate."""
    p.add_argument(
        "--store",
        metavar="TỆP",
        help="ghi các tệp đã đọc vào kho lưu lịch sử (tệp SQLite; mặc định: biến môi trường "
        "CCHC_XLSX_STORE nếu có, nếu không thì không ghi)",
    )
    p.add_argument(
        "--received-at",
        metavar="NGÀY",
        help="ngày (giờ) nhận các tệp, khi ghi vào kho lưu một đợt đã nhận từ trước: 2024-04-10 hoặc 2024-04-10T09:30",
    )
    p.add_argument(
        "--prefer",
        action="append",
        metavar="latest|TỆP",
        help="khi một đơn vị nộp nhiều tệp: TỆP là bản được dùng (nêu nhiều lần cho nhiều đơn vị; "
        "ghi nhớ trong kho lưu); latest: lấy tệp mới nhất theo thời điểm tạo",
    )
    p.add_argument(
        "--jump-factor",
        type=_factor,
        metavar="HỆ_SỐ",
        help="với kho lưu: cảnh báo số liệu lớn hơn HỆ_SỐ lần (hoặc nhỏ hơn 1/HỆ_SỐ) trung vị "
        "các kỳ trước của đơn vị (mặc định 3)",
    )
    if deadlines:
        p.add_argument(
            "--deadlines", metavar="TỆP", help="tệp hạn nộp (YAML) thay cho hạn mặc định"
        )


def _factor(text: str) -> float:
    """``--jump-factor``: a number above 1 (a Vietnamese message otherwise)."""
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}” không phải là số (ví dụ: 3 hoặc 2,5)") from None
    if not value > 1:
        raise argparse.ArgumentTypeError(f"hệ số phải lớn hơn 1 (gặp {text})")
    return value


def recording_store(args: argparse.Namespace) -> str | None:
    """The store check/consolidate record into: ``--store``, else ``$CCHC_XLSX_STORE``, else none."""
    from cchc_xlsx.history.store import ENV_STORE

    return args.store or os.environ.get(ENV_STORE) or None


def prefer_arg(args: argparse.Namespace) -> Any:
    """``--prefer``: ``"latest"`` alone, or the files to prefer."""
    given = args.prefer or []
    if "latest" in given:
        if len(given) > 1:
            raise UsageError(
                "--prefer latest không dùng cùng với --prefer TỆP; hãy chọn một cách.",
                option="prefer",
            )
        return "latest"
    return given or None


def add_commands(sub: Any) -> None:
    """The ``status``, ``history``, ``feedback``, ``rollup`` and ``series`` commands."""
    r = sub.add_parser(
        "rollup",
        help="biểu tổng hợp 6 tháng, 9 tháng, năm cộng dồn từ các kỳ ngắn hơn trong kho lưu",
    )
    r.add_argument("--store", metavar="TỆP", help=STORE_HELP)
    r.add_argument(
        "--period",
        required=True,
        help="kỳ cần cộng dồn: 2024 (năm), 2024-H1, 2024-9M (một quý, 2024-Q1: lập lại từ kho lưu)",
    )
    r.add_argument("--level", required=True, help="cấp của các đơn vị nộp biểu: xa, huyen …")
    r.add_argument("--unit", help="mã đơn vị tổng hợp: các đơn vị trực thuộc là các cột")
    r.add_argument("--units", help="tệp danh sách đơn vị (mặc định: danh sách ghi trong kho lưu)")
    r.add_argument("--catalog", help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm)")
    r.add_argument("--out", required=True, help="tệp biểu tổng hợp .xlsx")
    r.add_argument("--json", metavar="TỆP", help="ghi báo cáo JSON")
    r.add_argument("--csv", metavar="TỆP", help="ghi số liệu dạng bảng (CSV)")
    r.add_argument("--exclude-errors", action="store_true", help="không cộng các giá trị có lỗi")
    r.add_argument("--force", action="store_true", help="ghi đè tệp đã có")
    r.add_argument("--verbose", "-v", action="store_true", help="in mọi vấn đề")

    t = sub.add_parser(
        "series", help="bảng số liệu qua nhiều kỳ của một đơn vị (mỗi kỳ một cột), theo kho lưu"
    )
    t.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="các biểu đã nộp của nhiều kỳ (tệp hoặc thư mục), khi không dùng kho lưu",
    )
    t.add_argument("--store", metavar="TỆP", help=STORE_HELP)
    t.add_argument("--unit", required=True, help="mã đơn vị")
    t.add_argument(
        "--periods", required=True, help="các kỳ: 2021..2025, 2024-Q1..2025-Q2, 2021,2022,2025-Q1"
    )
    t.add_argument(
        "--level",
        help="cấp của các biểu dùng (mặc định: cấp của chính đơn vị; cấp dưới: tổng các đơn vị trực thuộc)",
    )
    t.add_argument("--units", help="tệp danh sách đơn vị")
    t.add_argument("--catalog", help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm)")
    t.add_argument("--out", required=True, help="tệp .xlsx")
    t.add_argument("--force", action="store_true", help="ghi đè tệp đã có")

    s = sub.add_parser("status", help="tình hình nộp báo cáo của một kỳ, theo kho lưu")
    s.add_argument("--store", metavar="TỆP", help=STORE_HELP)
    s.add_argument("--period", required=True, help="kỳ báo cáo: 2024-Q1 …")
    s.add_argument("--level", help="cấp của các đơn vị nộp biểu")
    s.add_argument("--unit", help="mã đơn vị tổng hợp: chỉ các đơn vị trực thuộc")
    s.add_argument("--units", help="tệp danh sách đơn vị (mặc định: danh sách ghi lần chạy trước)")
    s.add_argument("--deadlines", metavar="TỆP", help="tệp hạn nộp (YAML)")
    s.add_argument("--json", metavar="TỆP", help="ghi ra JSON (“-”: màn hình)")
    s.add_argument("--csv", metavar="TỆP", help="ghi ra CSV (“-”: màn hình)")
    s.add_argument("--force", action="store_true", help="ghi đè tệp JSON/CSV đã có")

    f = sub.add_parser(
        "feedback", help="phiếu phản hồi cho các đơn vị có biểu lỗi, và danh sách nhắc nộp"
    )
    f.add_argument("--store", metavar="TỆP", help=STORE_HELP)
    f.add_argument("--period", required=True, help="kỳ báo cáo: 2024-Q1 …")
    f.add_argument("--out", required=True, help="thư mục ghi phiếu phản hồi")
    f.add_argument("--unit", help="chỉ đơn vị này, hoặc các đơn vị trực thuộc nó")
    f.add_argument("--office", help="tên cơ quan gửi phản hồi (in trên phiếu)")
    f.add_argument("--catalog", help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm)")
    f.add_argument(
        "--deadlines",
        metavar="TỆP",
        help="tệp hạn nộp (YAML; mặc định: tệp đã dùng lần trước với kho lưu)",
    )
    f.add_argument("--force", action="store_true", help="ghi đè tệp đã có")

    h = sub.add_parser("history", help="số liệu và các bản nộp qua các kỳ, theo kho lưu")
    h.add_argument("--store", metavar="TỆP", help=STORE_HELP)
    h.add_argument("--unit", action="append", help="mã đơn vị (nêu nhiều lần được)")
    h.add_argument("--code", action="append", help="mã chỉ tiêu (nêu nhiều lần được)")
    h.add_argument("--periods", help="các kỳ: 2023-Q1..2024-Q4, hoặc 2024-Q1,2024-Q2")
    h.add_argument(
        "--versions", action="store_true", help="liệt kê các bản nộp (tệp) thay vì số liệu"
    )
    h.add_argument("--json", metavar="TỆP", help="ghi ra JSON (“-”: màn hình)")
    h.add_argument("--csv", metavar="TỆP", help="ghi ra CSV (“-”: màn hình)")
    h.add_argument("--force", action="store_true", help="ghi đè tệp JSON/CSV đã có")


def cmd_rollup(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import rollup
    from cchc_xlsx.arguments import as_units
    from cchc_xlsx.catalog.load import load_catalog
    from cchc_xlsx.outputs.console import print_consolidation

    catalog = load_catalog(args.catalog)
    result = rollup(
        args.store,  # the API opens it (else the default store) and closes it
        args.period,
        args.level,
        args.out,
        catalog,
        unit=args.unit,
        units=as_units(args.units, catalog),
        json_path=args.json,
        csv_path=args.csv,
        exclude_errors=args.exclude_errors,
        force=args.force,
    )
    print_consolidation(result, sys.stdout, verbose=args.verbose)
    short = [(c, f) for c in result.columns if (f := result.file_of(c)) and "(thiếu" in f.path]
    if short:
        print(f"Thiếu kỳ ({len(short)} đơn vị; số của họ chưa đầy đủ, ô vàng):")
        for col, f in short:
            print(f"  {col.name} ({col.code}): {f.path}")
    if result.last_year is not None:
        print(
            f"So sánh với cùng kỳ năm trước ({result.last_year.label}, "
            f"{result.last_year.submitted}/{result.last_year.expected} đơn vị): các cột sau “Ghi chú”."
        )
    if args.json:
        print(f"Đã ghi báo cáo JSON: {args.json}")
    if args.csv:
        print(f"Đã ghi số liệu dạng bảng: {args.csv}")
    return result.exit_code  # a unit short of a period has an error: exit 1


def cmd_series(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import series
    from cchc_xlsx.arguments import as_units
    from cchc_xlsx.catalog.load import load_catalog

    if args.paths and args.store:
        raise UsageError(
            "Nêu hoặc các biểu đã nộp, hoặc kho lưu (--store), không nêu cả hai.", option="store"
        )
    catalog = load_catalog(args.catalog)
    result = series(
        args.paths if args.paths else args.store,
        args.unit,
        args.periods,
        args.out,
        catalog,
        level=args.level,
        units=as_units(args.units, catalog),
        force=args.force,
        from_returns=bool(args.paths),
    )
    if result.read is not None:
        from cchc_xlsx.outputs.console import print_summary

        print_summary(result.read, sys.stdout)
        print()
    what = f"tổng các đơn vị cấp {result.level}" if result.consolidated else "số liệu của đơn vị"
    print(f"{result.unit_name} ({result.unit}), {what}:")
    for col in result.columns:
        flag = "" if col.complete else " — CHƯA ĐẦY ĐỦ"
        if col.flagged:
            flag += f" ({len(col.flagged)} ô vàng cần xem lại)"
        print(f"  {col.label}: {col.sources}{flag}")
    print(f"Đã ghi bảng số liệu qua các kỳ: {args.out}")
    # NOTE: as rollup: a period or a unit missing, or a return read that has a problem, is exit 1
    bad = not result.complete or (result.read is not None and result.read.exit_code != 0)
    return 1 if bad else 0


def cmd_feedback(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import feedback
    from cchc_xlsx.catalog.load import load_catalog

    result = feedback(
        args.store,
        args.period,
        args.out,
        load_catalog(args.catalog),
        unit=args.unit,
        office=args.office,
        force=args.force,
        deadlines=args.deadlines,
    )
    for code, path in result.workbooks.items():
        print(f"Phiếu phản hồi cho {code}: {path}")
    for code, why in result.not_written.items():
        print(f"Không ghi phiếu phản hồi cho {code}: {why}")
    if not result.workbooks:
        print("Không đơn vị nào có biểu cần phản hồi (không lỗi, không cảnh báo).")
    if result.reminder_text is not None:
        print(f"\n{len(result.missing)} đơn vị chưa có biểu dùng được; danh sách nhắc nộp:")
        print(f"  {result.reminder_text}\n  {result.reminder_book}\n")
        print(result.reminder_text.read_text("utf-8"), end="")
    return 0


def _open(args: argparse.Namespace) -> Any:
    from cchc_xlsx.history.store import Store

    return Store(args.store, create=False)


def _check_targets(args: argparse.Namespace, inputs: Iterable[str | None]) -> None:
    """``--json``/``--csv`` files: never over the store or an input; never over a file without ``--force``."""
    from cchc_xlsx.arguments import check_out
    from cchc_xlsx.atomic import refuse_existing
    from cchc_xlsx.history.store import default_store_path

    store = Path(args.store) if args.store else default_store_path()
    targets = []
    for value, suffix, option in (
        (args.json, ".json", "json_path"),
        (args.csv, ".csv", "csv_path"),
    ):
        if value is None or value == "-":
            continue
        path = check_out(value, suffix=suffix, option=option, required=True)
        for other in [str(store), *inputs]:
            if other and os.path.realpath(path) == os.path.realpath(other):
                raise UsageError(
                    f"Tệp kết quả “{value}” là một tệp đầu vào (kho lưu hoặc danh sách đơn vị); "
                    "không ghi đè — hãy chọn tên khác.",
                    option=option,
                )
        if not path.parent.is_dir():
            raise UsageError(f"Không có thư mục “{path.parent}” để ghi “{value}”.", option=option)
        targets.append(path)
    refuse_existing(targets, args.force)


def _emit(target: str, text: str, what: str) -> None:
    from cchc_xlsx.atomic import atomic_write_bytes

    if target == "-":
        sys.stdout.write(text)
        return
    atomic_write_bytes(target, text.encode("utf-8"))
    print(f"Đã ghi {what}: {target}")


def _csv(header: list[str], rows: Iterable[Sequence[Any]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x:.1f}".replace(".", ",") + " %"


def cmd_status(args: argparse.Namespace) -> int:
    from cchc_xlsx.history.deadlines import load_deadlines, local_time
    from cchc_xlsx.history.timeliness import STATE_TEXT, period_status
    from cchc_xlsx.periods import parse_period
    from cchc_xlsx.units import load_units

    period = parse_period(args.period).code
    _check_targets(args, [args.units, args.deadlines])
    if args.level is not None and args.level not in LEVELS:
        raise UsageError(
            f"Cấp “{args.level}” không có; dùng một trong {', '.join(LEVELS)}.", option="level"
        )
    rules = load_deadlines(args.deadlines) if args.deadlines else None
    expected = None
    if args.units:
        units = load_units(args.units)
        if not args.level:
            raise UsageError(
                "Với --units, hãy nêu --level (cấp của các đơn vị nộp biểu).", option="level"
            )
        if args.unit and args.unit not in units:
            raise UsageError(f"Không có đơn vị “{args.unit}” trong {args.units}.", option="unit")
        expected = [
            (u.code, u.name)
            for u in (
                units.descendants(args.unit, args.level)
                if args.unit
                else units.at_level(args.level)
            )
        ]
    with _open(args) as store:
        if expected is None and args.unit and store.expected(period, args.level, args.unit) is None:
            raise UsageError(
                f"Kho lưu chưa có danh sách các đơn vị trực thuộc “{args.unit}” cho kỳ {period} "
                "(chưa lần chạy nào ghi với --units và --unit này). Hãy nêu --units và --level.",
                option="unit",
            )
        registered = (
            expected is not None or store.expected(period, args.level, args.unit) is not None
        )
        st = period_status(
            store,
            period,
            level=args.level,
            parent=args.unit,
            expected=expected,
            deadlines=rules if rules is not None else store.deadlines(),
        )
    if args.json:
        _emit(args.json, json.dumps(st.as_json(), ensure_ascii=False, indent=2) + "\n", "JSON")
    if args.csv:
        rows = [
            [
                u.unit,
                u.name,
                u.state,
                u.received_at or "",
                u.days_late if u.days_late is not None else "",
                u.versions,
                u.superseded,
                u.current.sha256 if u.current else "",
                u.current.path if u.current else "",
            ]
            for u in st.units
        ]
        header = [
            "unit",
            "name",
            "state",
            "received_at",
            "days_late",
            "versions",
            "superseded",
            "sha256",
            "path",
        ]
        _emit(args.csv, _csv(header, rows), "CSV")
    if args.json == "-" or args.csv == "-":
        return 0
    print(f"Kỳ {period}: hạn nộp {st.deadline.strftime('%d/%m/%Y')} ({st.deadline_source})")
    if not st.units:
        print(
            "Kho lưu chưa có biểu nào của kỳ này, cũng chưa biết các đơn vị phải nộp (hãy nêu --units và --level)."
        )
        return 0
    width = max(len(u.name) for u in st.units)
    shown = [
        f"trễ {u.days_late} ngày" if u.state == "late" else STATE_TEXT[u.state] for u in st.units
    ]
    sw = max(len(x) for x in shown)
    for u, state in zip(st.units, shown):
        when = local_time(u.received_at) if u.received_at else ""
        more = f", {u.versions} bản" if u.versions > 1 else ""
        print(f"  {u.unit:<8} {u.name:<{width}}  {state:<{sw}}  {when}{more}")
    print(
        f"Đã nộp {st.received}/{st.expected} (tỷ lệ báo cáo {_pct(st.reporting_rate)}), đúng hạn "
        f"{st.count('on_time')} ({_pct(st.on_time_rate)}), trễ {st.count('late')}, bị từ chối "
        f"{st.count('rejected')}, chưa nộp {st.count('missing')}."
    )
    if not registered:
        print(
            "Lưu ý: kho lưu chưa có danh sách đơn vị phải nộp cho kỳ này, nên chỉ tính các đơn vị đã gửi "
            "tệp; tỷ lệ báo cáo thật có thể thấp hơn. Hãy nêu --units và --level."
        )
    return 0


def _periods(text: str | None, known: list[str]) -> list[str]:
    from cchc_xlsx.periods import parse_period

    if not text:
        return known
    if ".." in text:
        a_text, b_text = text.split("..", 1)
        a, b = parse_period(a_text), parse_period(b_text)
        if b.end < a.end:
            raise UsageError(
                f"Khoảng kỳ “{text}” ngược: kỳ đầu phải trước kỳ cuối (ví dụ {b.code}..{a.code}).",
                option="periods",
            )
        return [p for p in known if a.end <= parse_period(p).end <= b.end]
    return [parse_period(p).code for p in text.split(",") if p.strip()]


#: a recorded file's part among its unit's versions (``history --versions``)
VERSION_STATE_TEXT = {
    "current": "đang dùng",
    "superseded": "bị thay",
    "copy": "bản sao",
    "conflict": "chưa chọn",
    "blank": "biểu trống",
    "rejected": "bị từ chối",
}


def _state(v: Any, decided: bool) -> str:
    """``current``, ``superseded``, ``copy`` (the figures of an earlier version),
    ``conflict`` (no version chosen among same-time ones), ``blank`` or ``rejected``."""
    if v.status != "accepted":
        return "rejected"
    if v.current:
        return "current"
    if not decided:
        return "conflict"
    if v.n_values == 0:
        return "blank"
    return "copy" if v.same_as is not None else "superseded"


def cmd_history(args: argparse.Namespace) -> int:
    from cchc_xlsx.history.deadlines import local_time

    _check_targets(args, [])
    with _open(args) as store:
        periods = _periods(args.periods, store.periods())
        if args.versions:
            header = [
                "period",
                "unit",
                "number",
                "status",
                "state",
                "received_at",
                "sha256",
                "path",
            ]
            rows: list[list[Any]] = []
            for p in periods:
                versions = store.versions(p)
                decided = {v.unit for v in versions if v.current}
                rows += [
                    [
                        v.period,
                        v.unit or "",
                        v.number,
                        v.status,
                        _state(v, v.unit in decided),
                        v.received_at,
                        v.sha256,
                        v.path,
                    ]
                    for v in versions
                    if not args.unit or v.unit in args.unit
                ]
        else:
            header = ["period", "unit", "code", "value", "sha256"]
            rows = [
                list(r) for r in store.history(units=args.unit, codes=args.code, periods=periods)
            ]
    if args.json:
        _emit(
            args.json,
            json.dumps([dict(zip(header, r)) for r in rows], ensure_ascii=False, indent=2) + "\n",
            "JSON",
        )
    if args.csv:
        _emit(args.csv, _csv(header, rows), "CSV")
    if args.json == "-" or args.csv == "-":
        return 0
    if not rows:
        print("Kho lưu không có gì khớp với điều kiện đã nêu.")
        return 0
    if args.versions:
        print(
            f"  {'Kỳ':<8} {'Đơn vị':<8} {'Bản':<5}  {'Tình trạng':<10} {'Nhận lúc':<16}  {'SHA-256':<12}  Tệp"
        )
        for period, unit, n, _status, state, received, sha, path in rows:
            mark = VERSION_STATE_TEXT[state]
            print(
                f"  {period:<8} {unit:<8} bản {n}  {mark:<10} {local_time(received)}  {sha[:12]}  {path}"
            )
        return 0
    print(f"  {'Kỳ':<8} {'Đơn vị':<8} {'Chỉ tiêu':<10} Số liệu")
    for period, unit, code, value, _sha in rows:
        shown = (
            f"{value:,}".replace(",", ".")
            if isinstance(value, int) and not isinstance(value, bool)
            else value
        )
        if isinstance(value, float):
            shown = f"{value:g}".replace(".", ",")
        print(f"  {period:<8} {unit:<8} {code:<10} {shown}")
    return 0
