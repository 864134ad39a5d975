"""The ``cchc-xlsx`` command line. Messages are Vietnamese; exit codes follow DESIGN.md:
0 all accepted, 1 output written but something was rejected/missing/in error,
2 usage, catalogue or I/O error (nothing written).

One module for the command line's words (about 490 lines; the history store's
commands are in :mod:`cchc_xlsx.cli_history`): argparse in
Vietnamese, each command's options, and the lines each command prints; the
work itself is :mod:`cchc_xlsx.api`'s."""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from cchc_xlsx._version import __version__
from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.cli_history import (
    add_commands,
    add_recording_options,
    cmd_feedback,
    cmd_history,
    cmd_rollup,
    cmd_series,
    cmd_status,
    prefer_arg,
    recording_store,
)
from cchc_xlsx.cli_report import add_report_command, cmd_report
from cchc_xlsx.errors import CchcError, OutputExistsError, UsageError, os_error_text
from cchc_xlsx.vocabulary import LEVELS


class _Formatter(argparse.HelpFormatter):
    """argparse's help, with its own words in Vietnamese."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


# argparse's messages (Python 3.10–3.13) in Vietnamese
_ARGPARSE_WORDS = (
    ("the following arguments are required", "thiếu tham số bắt buộc"),
    ("unrecognized arguments", "tham số không hợp lệ"),
    ("invalid choice", "lựa chọn không hợp lệ"),
    ("expected one argument", "cần một giá trị"),
    ("choose from", "chọn một trong"),
    ("ambiguous option", "tùy chọn không rõ"),
    ("could match", "có thể là"),
    ("not allowed with argument", "không dùng được cùng tham số"),
    ("argument ", "tham số "),
)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "tham số"
        self._optionals.title = "tùy chọn"
        self.add_argument(
            "-h",
            "--help",
            action="help",
            default=argparse.SUPPRESS,
            help="in hướng dẫn này rồi thoát",
        )

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        for english, vietnamese in _ARGPARSE_WORDS:
            message = message.replace(english, vietnamese)
        self.exit(2, f"{self.prog}: lỗi: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="cchc-xlsx",
        description="Biểu mẫu thống kê CCHC: tạo biểu Excel có khóa và tự kiểm tra, đọc và kiểm tra biểu đã điền, tổng hợp số liệu.",
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"cchc-xlsx {__version__}",
        help="in phiên bản rồi thoát",
    )
    sub = p.add_subparsers(dest="command", metavar="LỆNH", parser_class=_Parser)

    g = sub.add_parser("generate", help="tạo biểu mẫu Excel cho từng đơn vị")
    g.add_argument("--level", required=True, help="cấp của đơn vị nhận biểu: xa, huyen, so, tinh")
    g.add_argument(
        "--period", required=True, help="kỳ báo cáo: 2024-Q1 … 2024-Q4, 2024-H1, 2024-9M, 2024"
    )
    g.add_argument("--out", required=True, help="thư mục ghi biểu")
    g.add_argument(
        "--units", help="tệp danh sách đơn vị units.csv (không có: một biểu chung, đơn vị tự chọn)"
    )
    g.add_argument(
        "--catalog",
        help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm, Phụ lục I của seed 000)",
    )
    g.add_argument(
        "--generic",
        action="store_true",
        help="với --units: một biểu chung, đơn vị chọn trong danh sách thả xuống",
    )
    g.add_argument("--force", action="store_true", help="ghi đè tệp đã có")
    g.add_argument(
        "--password",
        help="mật khẩu khóa trang tính (mặc định: biến môi trường CCHC_XLSX_PASSWORD hoặc “cchc”)",
    )
    g.add_argument(
        "--with-previous",
        action="store_true",
        help="thêm cột I (khóa, nền xám): số liệu kỳ trước của chính đơn vị, lấy từ kho lưu "
        "(quý trước; báo cáo 6 tháng, 9 tháng, năm: cùng kỳ năm trước)",
    )
    g.add_argument(
        "--store",
        metavar="TỆP",
        help="với --with-previous: kho lưu lịch sử (mặc định: biến môi trường CCHC_XLSX_STORE)",
    )

    c = sub.add_parser("consolidate", help="tổng hợp các biểu đã điền thành biểu tổng hợp")
    c.add_argument("paths", nargs="+", metavar="PATH", help="tệp hoặc thư mục chứa biểu đã điền")
    c.add_argument("--out", required=True, help="tệp .xlsx tổng hợp")
    _reader_options(c)
    c.add_argument("--unit", help="mã đơn vị tổng hợp (đơn vị cấp trên)")
    c.add_argument("--csv", help="ghi số liệu dạng bảng (unit, period, code, value, sha256)")
    c.add_argument(
        "--own-form",
        metavar="FILE",
        help="ghi thêm biểu mẫu của chính đơn vị tổng hợp (--unit), các dòng lấy từ cấp dưới được điền sẵn và khóa",
    )
    c.add_argument(
        "--exclude-errors",
        action="store_true",
        help="không cộng các giá trị có lỗi (mặc định: cộng và tô đỏ)",
    )
    c.add_argument("--force", action="store_true", help="ghi đè các tệp kết quả đã có")
    add_recording_options(c, deadlines=True)
    c.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="in mọi vấn đề của mọi tệp (mặc định: bản tóm tắt)",
    )

    k = sub.add_parser("check", help="đọc và kiểm tra biểu đã điền, không ghi biểu tổng hợp")
    k.add_argument("paths", nargs="+", metavar="PATH", help="tệp hoặc thư mục")
    _reader_options(k)
    k.add_argument("--unit", help="mã đơn vị tổng hợp: chỉ chờ biểu của các đơn vị trực thuộc")
    k.add_argument("--force", action="store_true", help="ghi đè báo cáo JSON đã có")
    add_recording_options(k, deadlines=False)
    k.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="in mọi vấn đề của mọi tệp (mặc định: bản tóm tắt)",
    )

    cat = sub.add_parser("catalog", help="kiểm tra danh mục chỉ tiêu và liệt kê các dòng")
    cat.add_argument("--catalog", help="tệp danh mục (mặc định: danh mục đi kèm)")
    cat.add_argument("--level", help="chỉ liệt kê các dòng của cấp này")
    cat.add_argument(
        "--schema",
        metavar="TỆP",
        help="ghi lược đồ JSON (JSON Schema) của danh mục vào TỆP (“-”: in ra màn hình), "
        "để trình soạn thảo kiểm tra và gợi ý khi sửa danh mục",
    )

    add_commands(sub)
    add_report_command(sub)

    d = sub.add_parser("demo", help="chạy cả chu trình trên dữ liệu ví dụ")
    d.add_argument("--out", default="demo-output", help="thư mục kết quả (mặc định: demo-output)")
    return p


def _reader_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--level", help="cấp của các đơn vị nộp biểu")
    p.add_argument("--period", help="kỳ báo cáo mong đợi")
    p.add_argument("--units", help="tệp danh sách đơn vị units.csv")
    p.add_argument(
        "--catalog",
        help="tệp danh mục chỉ tiêu (mặc định: danh mục đi kèm, Phụ lục I của seed 000)",
    )
    p.add_argument("--json", help="ghi báo cáo JSON")


def _safe_streams() -> None:
    """A terminal or log file that cannot hold Vietnamese (a Windows code page)
    gets "?" for what it cannot hold, never a crash after the work is done."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (
            (getattr(stream, "encoding", None) or "utf-8").lower().replace("-", "").replace("_", "")
        )
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):  # pragma: no cover - a stream that cannot be reconfigured
                pass


def main(argv: Sequence[str] | None = None) -> int:
    _safe_streams()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    handlers: dict[str, Callable[[Any], int]] = {
        "generate": cmd_generate,
        "catalog": cmd_catalog,
        "check": cmd_check,
        "consolidate": cmd_consolidate,
        "demo": cmd_demo,
        "status": cmd_status,
        "history": cmd_history,
        "feedback": cmd_feedback,
        "rollup": cmd_rollup,
        "series": cmd_series,
        "report": cmd_report,
    }
    try:
        return handlers[args.command](args)
    except CchcError as exc:
        print(f"Lỗi: {exc}{_hint(exc)}", file=sys.stderr)
        return 2
    except (
        ImportError
    ) as exc:  # a dependency of the wrong version (XlsxWriter's is checked at import)
        print(f"Lỗi cài đặt: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu; không tệp kết quả nào được ghi dở.", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # the output was piped into a program that stopped reading (| head)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except (
        sqlite3.Error
    ) as exc:  # the batch's records on disk (batch.store): a full disk, most likely
        print(
            f"Lỗi khi ghi tệp tạm của công cụ [{exc}]. Hãy giải phóng chỗ trống trên đĩa "
            "(thư mục tạm của hệ thống), hoặc đặt biến môi trường TMPDIR sang một thư mục còn chỗ rồi chạy lại.",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"Lỗi đọc/ghi tệp{where}: {os_error_text(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug: say so plainly, details on request
        if os.environ.get("CCHC_XLSX_DEBUG"):
            raise
        print(
            f"Lỗi nội bộ của cchc-xlsx ({type(exc).__name__}: {exc}). Đây không phải lỗi của dữ liệu; "
            "hãy chạy lại với CCHC_XLSX_DEBUG=1 để xem chi tiết và báo cho người phát triển.",
            file=sys.stderr,
        )
        return 2


# the library names its arguments; the command line's spelling of each
_OPTIONS = {
    "paths": "PATH",
    "out": "--out",
    "unit": "--unit",
    "units": "--units",
    "level": "--level",
    "period": "--period",
    "catalog": "--catalog",
    "json_path": "--json",
    "csv_path": "--csv",
    "own_form": "--own-form",
    "prefer": "--prefer",
    "received_at": "--received-at",
    "deadlines": "--deadlines",
    "store": "--store",
    "periods": "--periods",
    "with_previous": "--with-previous",
    "appendix": "BIEU_TONG_HOP.xlsx",
    "template": "--template",
    "format": "--format",
    "report_date": "--date",
}


def _hint(exc: CchcError) -> str:
    """What to type differently, in the command line's words."""
    if isinstance(exc, OutputExistsError):
        return "\nDùng --force nếu chắc chắn muốn ghi đè."
    option = getattr(exc, "option", None)
    if isinstance(exc, UsageError) and option in _OPTIONS:
        return f" (tham số {_OPTIONS[option]})"
    return ""


# --------------------------------------------------------------------------- helpers


def load_catalog_arg(value: str | None) -> Catalog:
    return load_catalog(value)


def progress_bar(total: int, desc: str) -> Callable[[int, int], None] | None:
    """A tqdm bar on a terminal; nothing when the output is a file or a pipe."""
    if not sys.stderr.isatty() or os.environ.get("CI"):
        return None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="tệp", leave=False, file=sys.stderr)

    def update(done: int, total_: int) -> None:
        bar.total = total_
        bar.n = done
        bar.refresh()
        if done >= total_:
            bar.close()

    return update


# --------------------------------------------------------------------------- commands


def cmd_catalog(args: argparse.Namespace) -> int:
    from cchc_xlsx.arguments import check_level
    from cchc_xlsx.outputs.console import catalog_listing

    if args.schema:
        return write_schema(args.schema)
    catalog = load_catalog_arg(args.catalog)
    check_level(args.level, catalog)
    print(catalog_listing(catalog, args.level))
    print("\nDanh mục hợp lệ.")
    return 0


def write_schema(target: str) -> int:
    """``catalog --schema FILE``: the catalogue's JSON Schema, for editors ("-": stdout)."""
    import json

    from cchc_xlsx.atomic import atomic_write_bytes
    from cchc_xlsx.catalog.schema import json_schema

    text = json.dumps(json_schema(), ensure_ascii=False, indent=2) + "\n"
    if target == "-":
        sys.stdout.write(text)
        return 0
    atomic_write_bytes(target, text.encode("utf-8"))
    name = Path(target).name
    print(f"Đã ghi lược đồ JSON của danh mục: {target}")
    print(
        "Để VS Code (tiện ích YAML của Red Hat) kiểm tra và gợi ý khi soạn danh mục, "
        f"thêm dòng sau vào đầu tệp .yaml (đường dẫn tính từ tệp danh mục):\n"
        f"# yaml-language-server: $schema={name}"
    )
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import generate
    from cchc_xlsx.arguments import as_period, as_units, check_level

    catalog = load_catalog_arg(args.catalog)
    check_level(args.level, catalog)
    units = as_units(args.units, catalog)
    n = len(units.at_level(args.level)) if units and not args.generic else 1
    store = recording_store(args) if args.with_previous else args.store
    if args.with_previous and store is None:
        raise UsageError(
            "--with-previous lấy số liệu kỳ trước từ kho lưu lịch sử: hãy nêu --store kho.sqlite "
            "hoặc đặt biến môi trường CCHC_XLSX_STORE. Không có tệp nào được ghi."
        )
    files = generate(
        catalog,
        args.level,
        args.period,
        args.out,
        units,
        force=args.force,
        password=args.password,
        progress=progress_bar(n, "Tạo biểu"),
        generic=args.generic,
        with_previous=args.with_previous,
        store=store,
    )
    label = as_period(args.period).label  # type: ignore[union-attr]
    if units is None or args.generic:
        print(
            f"Đã tạo 1 biểu chung (đơn vị tự chọn hoặc tự gõ) {label}, {LEVELS.get(args.level, args.level)}: {files[0].path}"
        )
    else:
        print(
            f"Đã tạo {len(files)} biểu {label}, {LEVELS.get(args.level, args.level)}, trong thư mục {Path(args.out)}"
        )
    if args.with_previous:
        from cchc_xlsx.periods import parse_period, previous_period

        before = previous_period(parse_period(args.period)).label
        shown = sum(1 for f in files if f.previous == "found")
        print(
            f"Cột I (kỳ trước, {before}): số liệu của {shown}/{len(files)} đơn vị, từ kho lưu {store}."
        )
        absent = [f.unit.code for f in files if f.unit is not None and f.previous != "found"]
        if absent:
            more = f" … và {len(absent) - 10} đơn vị khác" if len(absent) > 10 else ""
            print(f"  Không có số liệu kỳ trước: {', '.join(absent[:10])}{more}.")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import check_batch
    from cchc_xlsx.arguments import as_units, check_out
    from cchc_xlsx.atomic import OutputSet, refuse_existing
    from cchc_xlsx.history.run import History
    from cchc_xlsx.outputs.console import print_missing, print_summary
    from cchc_xlsx.outputs.json_report import write_report_json

    catalog = load_catalog_arg(args.catalog)
    units = as_units(args.units, catalog)
    json_path = (
        check_out(args.json, suffix=".json", option="json_path") if args.json is not None else None
    )
    if json_path is not None:
        refuse_existing([json_path], args.force)
    with OutputSet() as outs:
        # NOTE: the report's temporary first: a folder that cannot be written is found before the reading
        tmp = outs.path(json_path) if json_path is not None else None
        result = check_batch(
            args.paths,
            catalog,
            level=args.level,
            period=args.period,
            units=units,
            unit=args.unit,
            progress=progress_bar(0, "Đọc biểu"),
            outputs=[json_path] if json_path is not None else [],
            scratch=[tmp] if tmp is not None else [],
            history=History.of(
                recording_store(args),
                args.received_at,
                prefer_files(args),
                jump_factor=args.jump_factor,
            ),
        )
        names = {u.code: u.name for u in units} if units else {}
        print_summary(
            result,
            sys.stdout,
            names,
            verbose=args.verbose,
            full_list=f"báo cáo JSON {json_path}" if json_path else "",
        )
        print_missing(result.missing_units, names, sys.stdout)
        if tmp is not None:
            with open(tmp, "w", encoding="utf-8") as fh:
                write_report_json(result, fh)
            outs.commit()
            print(f"\nĐã ghi báo cáo JSON: {json_path}")
    return result.exit_code


def cmd_consolidate(args: argparse.Namespace) -> int:
    from cchc_xlsx.api import consolidate
    from cchc_xlsx.arguments import as_units
    from cchc_xlsx.outputs.console import print_consolidation, print_timeliness

    catalog = load_catalog_arg(args.catalog)
    units = as_units(args.units, catalog)
    result = consolidate(
        args.paths,
        catalog,
        args.out,
        level=args.level,
        period=args.period,
        units=units,
        unit=args.unit,
        prefer=prefer_arg(args),
        json_path=args.json,
        csv_path=args.csv,
        own_form=args.own_form,
        force=args.force,
        exclude_errors=args.exclude_errors,
        progress=progress_bar(0, "Đọc biểu"),
        store=recording_store(args),
        received_at=args.received_at,
        deadlines=args.deadlines,
        jump_factor=args.jump_factor,
    )
    print_consolidation(result, sys.stdout, verbose=args.verbose)
    print_timeliness(result, recording_store(args))
    if args.own_form:
        from cchc_xlsx.consolidation.build import own_form_doubtful, own_form_values

        values = own_form_values(result)
        shown = ", ".join(f"{k} = {v}" for k, v in values.items()) or "không có dòng nào"
        print(
            f"Đã ghi biểu mẫu của {result.unit_name or result.unit} (các dòng lấy từ cấp dưới: {shown}): {args.own_form}"
        )
        for code, senders in own_form_doubtful(result).items():
            print(
                f"  Chưa điền sẵn chỉ tiêu {code}: tổng từ cấp dưới có giá trị lỗi của {', '.join(senders[:10])} "
                "(ô đỏ trong biểu tổng hợp). Hãy sửa rồi tổng hợp lại, hoặc tự nhập."
            )
    if args.json:
        print(f"Đã ghi báo cáo JSON: {args.json}")
    if args.csv:
        print(f"Đã ghi số liệu dạng bảng: {args.csv}")
    return result.exit_code


def prefer_files(args: argparse.Namespace) -> list[str] | None:
    """``check --prefer``: files only (``latest`` is consolidate's)."""
    chosen = prefer_arg(args)
    if chosen == "latest":
        raise UsageError(
            "check không chọn tệp mới nhất; --prefer ở đây nhận tệp cần dùng.", option="prefer"
        )
    return chosen


def cmd_demo(args: argparse.Namespace) -> int:
    from cchc_xlsx.demo import run_demo

    return run_demo(Path(args.out))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
