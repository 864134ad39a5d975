"""A batch of returned files: find them, read each in an isolated worker, and
compare what each file claims with what was expected (units, level, period).

One hostile file cannot take the run down: each file is parsed in a worker
process with a memory limit and a time limit; a worker that dies or hangs is
replaced and its file is rejected, and the batch goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ._atomic import TEMP_PREFIX
from .catalog import Catalog
from .errors import UsageError
from .issues import Issue, issue
from .layout import FormLayout
from .periods import parse_period
from .reader import FileResult, read_workbook
from .units import Units

WORKER_MEMORY = 1536 * 1024 * 1024  # bytes of address space per worker
FILE_TIMEOUT = 60.0  # seconds per file
TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", "~", ".bak")


@dataclass
class Expectation:
    """What the office expects: the level of the units whose returns are added,
    the period, the units file and the consolidating unit."""

    level: str | None = None
    period: str | None = None
    units: Units | None = None
    unit: str | None = None
    outputs: tuple[Path, ...] = ()

    def expected_units(self) -> list[str] | None:
        if self.units is None or self.level is None:
            return None
        if self.unit:
            return [u.code for u in self.units.descendants(self.unit, self.level)]
        return [u.code for u in self.units.at_level(self.level)]


@dataclass
class Batch:
    """Every path looked at, with what became of it, in a stable order."""

    files: list[FileResult] = field(default_factory=list)
    level: str | None = None  # level of the units (inferred when not given)
    form_level: str | None = None
    period: str | None = None
    expected: list[str] | None = None

    @property
    def accepted(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "accepted"]


# --------------------------------------------------------------------------- discovery


def discover(paths: Sequence[str | Path], outputs: Iterable[Path] = ()) -> tuple[list[str], list[FileResult]]:
    """Files to read, and the paths skipped or missing (with their reason)."""
    out_set = {_real(p) for p in outputs}
    to_read: list[str] = []
    other: list[FileResult] = []
    seen: set[str] = set()

    def consider(p: Path) -> None:
        key = str(p)
        if key in seen:
            return
        seen.add(key)
        name = p.name
        if p.is_symlink():
            other.append(FileResult(key).skip("symlink", "Liên kết tượng trưng không được theo (để tránh đọc tệp ngoài thư mục); hãy chép tệp thật vào."))
        elif _real(p) in out_set:
            other.append(FileResult(key).skip("own-output", "Tệp kết quả của chính lần chạy này."))
        elif name.startswith("~$"):
            other.append(FileResult(key).skip("lock-file", "Tệp khóa tạm của Excel (tệp đang mở), không phải biểu mẫu."))
        elif name.startswith((TEMP_PREFIX, "~", ".~lock")) or name.lower().endswith(TEMP_SUFFIXES):
            other.append(FileResult(key).skip("temp-file", "Tệp tạm, không phải biểu mẫu."))
        elif _is_own_report(p):
            other.append(FileResult(key).skip("own-output", "Báo cáo JSON/CSV do công cụ này ghi ra, không phải biểu mẫu."))
        else:
            to_read.append(key)

    for raw in paths:
        p = Path(raw)
        if p.is_symlink():
            consider(p)
        elif p.is_dir():
            for root, dirs, files in os.walk(p, followlinks=False):
                dirs.sort()
                for d in list(dirs):
                    if (Path(root) / d).is_symlink():
                        consider(Path(root) / d)
                        dirs.remove(d)
                for f in sorted(files):
                    consider(Path(root) / f)
        elif p.exists():
            consider(p)
        else:
            other.append(FileResult(str(p)).reject("not-found", f"Không tìm thấy “{p}”."))
    return to_read, other


def _is_own_report(p: Path) -> bool:
    """A JSON report or tidy CSV written by this tool (sniffed from the first bytes)."""
    suffix = p.suffix.lower()
    if suffix not in (".json", ".csv"):
        return False
    try:
        with open(p, "rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    if suffix == ".csv":
        return head.lstrip(b"\xef\xbb\xbf").startswith(b"unit,period,code,value,sha256")
    text = head.lstrip()
    return text.startswith(b"{") and b'"level"' in text and b'"files"' in text


def _real(p: Path | str) -> str:
    try:
        return str(Path(p).resolve())
    except OSError:
        return str(p)


# --------------------------------------------------------------------------- workers

_CATALOG: Catalog | None = None
_LAYOUTS: dict[str, FormLayout] = {}


def _worker_main(conn: Connection, catalog: Catalog, memory: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not on Linux
        pass
    layouts: dict[str, FormLayout] = {}
    while True:
        try:
            path = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if path is None:
            return
        try:
            result = read_workbook(path, catalog, layouts)
        except MemoryError:
            result = FileResult(path).reject("parse-crash", "Tệp cần quá nhiều bộ nhớ khi đọc; có thể là tệp độc hại.")
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch
            result = FileResult(path).reject("parse-crash", f"Lỗi khi đọc tệp ({type(exc).__name__}: {exc}).")
        conn.send(result)


class _Worker:
    def __init__(self, ctx: Any, catalog: Catalog, memory: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, catalog, memory), daemon=True)
        self.proc.start()
        child.close()
        self.job: tuple[int, str, float] | None = None

    def stop(self, kill: bool = False) -> None:
        try:
            if kill:
                self.proc.kill()
            else:
                self.conn.send(None)
        except (OSError, BrokenPipeError):
            pass
        self.proc.join(timeout=5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join()
        self.conn.close()


def read_files(
    paths: Sequence[str],
    catalog: Catalog,
    *,
    workers: int | None = None,
    timeout: float = FILE_TIMEOUT,
    memory: int = WORKER_MEMORY,
    progress: Callable[[int, int], None] | None = None,
    spill: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Read every path, in isolated worker processes (``workers=0``: in this process).

    ``spill`` is given each result as it arrives (the consolidation moves its
    values to disk there, so that the parent's memory does not grow with the batch)."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 2, max(1, len(paths)))
    results: list[FileResult | None] = [None] * len(paths)
    if workers == 0 or not paths:
        layouts: dict[str, FormLayout] = {}
        for i, p in enumerate(paths):
            results[i] = r = read_workbook(p, catalog, layouts)
            if spill:
                spill(r)
            if progress:
                progress(i + 1, len(paths))
        return [r for r in results if r is not None]
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    pool = [_Worker(ctx, catalog, memory) for _ in range(min(workers, len(paths)))]
    queue: Iterator[tuple[int, str]] = iter(enumerate(paths))
    done = 0

    def feed(w: _Worker) -> None:
        nxt = next(queue, None)
        if nxt is None:
            w.job = None
            return
        i, p = nxt
        w.job = (i, p, time.monotonic())
        w.conn.send(p)

    try:
        for w in pool:
            feed(w)
        while any(w.job for w in pool):
            busy = [w for w in pool if w.job]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for idx, w in enumerate(pool):
                if not w.job:
                    continue
                i, p, started = w.job
                result: FileResult | None = None
                if w.conn in ready:
                    try:
                        result = w.conn.recv()
                    except (EOFError, OSError):
                        result = FileResult(p).reject("parse-crash", "Tệp làm trình đọc dừng bất thường (có thể là tệp độc hại hoặc hỏng nặng).")
                elif w.proc.sentinel in ready or not w.proc.is_alive():
                    result = FileResult(p).reject("parse-crash", "Tệp làm trình đọc dừng bất thường (vượt giới hạn bộ nhớ hoặc tệp hỏng nặng).")
                elif now - started > timeout:
                    result = FileResult(p).reject("parse-timeout", f"Đọc tệp quá {int(timeout)} giây; có thể là tệp độc hại hoặc hỏng nặng.")
                if result is None:
                    continue
                result.path = p  # this process's own string (the worker's copy would be kept twice)
                if spill:
                    spill(result)
                _share_strings(result)
                results[i] = result
                done += 1
                if progress:
                    progress(done, len(paths))
                if result.issues and result.issues[-1].code in ("parse-crash", "parse-timeout") and result.sha256 is None:
                    w.stop(kill=True)
                    pool[idx] = w = _Worker(ctx, catalog, memory)
                feed(w)
    finally:
        for w in pool:
            w.stop()
    return [r for r in results if r is not None]


def _share_strings(r: FileResult) -> None:
    """Use one copy of the strings every file repeats (row codes, status, form,
    level, period …) instead of the copy each file's unpickling makes: half of
    a result's memory, which the parent keeps for every file of the batch."""
    if r.values:
        r.values = {sys.intern(k): v for k, v in r.values.items()}
    for name in ("status", "kind", "catalog_id", "catalog_version", "level", "unit_level", "period", "generated_at"):
        v = getattr(r, name)
        if type(v) is str:
            setattr(r, name, sys.intern(v))


# --------------------------------------------------------------------------- expectations


def read_batch(
    paths: Sequence[str | Path],
    catalog: Catalog,
    expect: Expectation,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    spill: Callable[[FileResult], None] | None = None,
) -> Batch:
    """Find, read and assess every file of a batch (``spill``: see :func:`read_files`)."""
    if expect.period is not None:
        expect.period = parse_period(expect.period).code
    to_read, other = discover(paths, expect.outputs)
    read = read_files(to_read, catalog, workers=workers, progress=progress, spill=spill)
    batch = Batch(files=[])
    by_path = {r.path: r for r in read + other}
    order = [str(Path(p)) for p in to_read] + [r.path for r in other]
    files = [by_path[p] for p in order if p in by_path]
    files.sort(key=lambda r: r.path)
    batch.files = files
    assess(batch, catalog, expect)
    return batch


def assess(batch: Batch, catalog: Catalog, expect: Expectation) -> None:
    """Compare each file's identity with what is expected; mark duplicates."""
    # identical bytes: the first one read counts
    first_of: dict[str, FileResult] = {}
    for f in batch.files:
        if f.status == "skipped" or f.sha256 is None:
            continue
        if f.sha256 in first_of:
            f.status = "skipped"
            f.issues = [issue("duplicate-file", f"Giống hệt tệp {Path(first_of[f.sha256].path).name} đã đọc; chỉ tính một lần.")]
            f.values, f.notes, f.state = {}, {}, None
        else:
            first_of[f.sha256] = f
    live = [f for f in batch.files if f.status == "accepted"]
    # own outputs: a consolidated book of the consolidating unit itself
    if expect.unit:
        for f in live:
            if f.kind == "consolidated" and f.unit == expect.unit and (expect.level is None or f.unit_level != expect.level):
                _drop(f, "skipped", issue("own-output", "Biểu tổng hợp của chính đơn vị tổng hợp (kết quả lần chạy trước), không phải biểu nộp lên."))
        live = [f for f in live if f.status == "accepted"]
    batch.level = expect.level or _most_common([f.unit_level for f in live])
    batch.period = expect.period or _most_common([f.period for f in live if f.period])
    # the form: the one the units of the expected level were issued with
    batch.form_level = _most_common([f.level for f in live if not batch.level or f.unit_level == batch.level]) or _most_common([f.level for f in live])
    if expect.level is not None and expect.level not in catalog.levels:
        raise UsageError(f"Cấp “{expect.level}” không có trong danh mục (có: {', '.join(catalog.levels)}).")
    expected = expect.expected_units() if expect.level else (
        [u.code for u in (expect.units.descendants(expect.unit, batch.level) if expect.unit else expect.units.at_level(batch.level))]
        if expect.units is not None and batch.level else None
    )
    if expect.unit and expect.units is not None and expect.unit not in expect.units:
        raise UsageError(f"Đơn vị tổng hợp “{expect.unit}” không có trong tệp đơn vị {expect.units.path}.")
    batch.expected = expected
    for f in live:
        if f.period is None and batch.period:
            f.period = batch.period
            f.issues.append(issue("metadata-missing", f"Không xác định được kỳ báo cáo trong tệp; coi là kỳ {batch.period}.", severity="warning"))
        if batch.period and f.period != batch.period:
            _drop(f, "rejected", issue("wrong-period", f"Biểu của kỳ {_period_label(f.period)}, còn đang xử lý kỳ {_period_label(batch.period)}; hãy gửi biểu đúng kỳ."))
            continue
        if batch.form_level and f.level != batch.form_level:
            _drop(f, "rejected", issue("wrong-level", f"Biểu mẫu cấp “{f.level}” khác với biểu mẫu của các tệp còn lại (cấp “{batch.form_level}”)."))
            continue
        if batch.level and f.unit_level and f.unit_level != batch.level:
            _drop(f, "rejected", issue("wrong-level", f"Biểu của đơn vị cấp “{f.unit_level}”, còn đang tổng hợp các đơn vị cấp “{batch.level}”."))
            continue
        _attribute(f, expect, batch.level, expected)


def _attribute(f: FileResult, expect: Expectation, level: str | None, expected: list[str] | None) -> None:
    units = expect.units
    if f.unit is None:
        if units is None:
            if f.unit_name:
                f.issues.append(issue("unit-unknown", f"Biểu ghi đơn vị “{f.unit_name}”; cần tệp danh sách đơn vị (--units) để xác định mã đơn vị.", severity="warning"))
            else:
                f.issues.append(issue("unit-unknown", "Biểu không ghi đơn vị báo cáo.", severity="warning"))
            return
        if not f.unit_name:
            _drop(f, "rejected", issue("unit-unknown", "Biểu không ghi tên đơn vị báo cáo (ô B1 để trống); hãy chọn hoặc gõ tên đơn vị rồi gửi lại.", cell="B1"))
            return
        unit, close = units.match_name(f.unit_name, level)
        for hint in f.unit_hints if unit is None else ():
            unit, _near = units.match_name(hint, level)
            if unit is not None:
                break
        if unit is None:
            near = "; gần giống: " + ", ".join(f"{u.name} ({u.code})" for u in close) if close else ""
            what = "trùng với nhiều đơn vị" if close and len(close) > 1 and all(_same(u.name, close[0].name) for u in close) else "không có trong danh sách đơn vị"
            _drop(f, "rejected", issue("unit-unknown", f"Tên đơn vị “{f.unit_name}” {what}{near}.", cell="B1"))
            return
        f.unit = unit.code
        f.issues.append(issue("unit-unknown", f"Đơn vị “{f.unit_name}” được xác định là {unit.name} ({unit.code}).", severity="info"))
    if units is not None:
        u = units.get(f.unit)
        if u is None:
            _drop(f, "rejected", issue("unit-unexpected", f"Mã đơn vị “{f.unit}” của biểu không có trong danh sách đơn vị."))
            return
        if expected is not None and f.unit not in expected:
            scope = f" thuộc {units[expect.unit].name}" if expect.unit and expect.unit in units else ""
            _drop(f, "rejected", issue("unit-unexpected", f"{u.name} ({u.code}) không thuộc các đơn vị cấp “{level}”{scope} đang tổng hợp."))
            return


def mark_conflicts(batch: Batch) -> list[str]:
    """Units with more than one accepted (different) file: each file gets an error. Returns the codes."""
    by_unit: dict[str, list[FileResult]] = {}
    for f in batch.files:
        if f.status == "accepted" and f.unit:
            by_unit.setdefault(f.unit, []).append(f)
    out = []
    for code, files in by_unit.items():
        if len(files) > 1:
            out.append(code)
            names = ", ".join(Path(f.path).name for f in files)
            for f in files:
                f.issues.append(issue("unit-conflict", f"Đơn vị {code} có {len(files)} tệp khác nhau ({names}); khi tổng hợp sẽ không cộng tệp nào (hoặc dùng --prefer latest)."))
    return out


def _same(a: str, b: str) -> bool:
    from .units import fold

    return fold(a) == fold(b)


def _drop(f: FileResult, status: str, why: Issue) -> None:
    f.status = status
    f.issues.append(why)
    f.values, f.state = {}, None


def _most_common(items: Iterable[str | None]) -> str | None:
    c = Counter(i for i in items if i)
    if not c:
        return None
    best = max(c.values())
    return sorted(k for k, v in c.items() if v == best)[0]


def _period_label(code: str | None) -> str:
    if not code:
        return "không rõ"
    try:
        return parse_period(code).label
    except ValueError:
        return code
