"""A batch of returned files: find them, read each in an isolated worker, and
compare what each file claims with what was expected (units, level, period).

One hostile file cannot take the run down: each file is parsed in a worker
process with a memory limit and a time limit; a worker that dies or hangs is
replaced and its file is rejected, and the batch goes on.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from ._atomic import TEMP_PREFIX
from ._store import FileStore, Packed, pack, unpack
from .catalog import LEVELS, Catalog
from .errors import UsageError
from .issues import Issue, issue
from .layout import FormLayout
from .periods import parse_period
from .reader import FileResult, read_workbook
from .units import Units

WORKER_MEMORY = 1536 * 1024 * 1024  # bytes of address space per worker
FILE_TIMEOUT = 60.0  # seconds per file
IN_FLIGHT = 2  # files sent to a worker ahead of its answers
TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", "~", ".bak")


@dataclass
class Expectation:
    """What the office expects: the level of the units whose returns are added,
    the period, the units file and the consolidating unit."""

    level: str | None = None
    period: str | None = None
    units: Units | None = None
    unit: str | None = None
    outputs: tuple[Path, ...] = ()  # this run's outputs: skipped with a note when found among the inputs
    scratch: tuple[Path, ...] = ()  # this run's temporaries: not looked at, not listed

    def expected_units(self) -> list[str] | None:
        if self.units is None or self.level is None:
            return None
        if self.unit:
            return [u.code for u in self.units.descendants(self.unit, self.level)]
        return [u.code for u in self.units.at_level(self.level)]


@dataclass
class CheckResult:
    """What reading and checking a batch of returned files found (:func:`cchc_xlsx.check`).

    ``files``: every path looked at, each a :class:`FileResult` with its status
    (``accepted``, ``rejected`` or ``skipped``), unit, period, values and
    issues, in path order; a sequence kept on disk (:class:`FileStore`), so a
    batch of ten thousand files does not fill memory. A list given here is
    copied into one.
    ``level``: the level of the units whose returns were read (given, or the
    commonest of the accepted files); ``form_level``: the level of the form
    they filled in; ``period``: the period code (``"2024-Q1"``); ``expected``:
    the codes of the units expected to send a return (``None`` without a
    units file).
    """

    files: FileStore = field(default_factory=FileStore)
    level: str | None = None  # level of the units (inferred when not given)
    form_level: str | None = None
    period: str | None = None
    expected: list[str] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.files, FileStore):
            self.files = FileStore(self.files)

    @property
    def accepted(self) -> list[FileResult]:
        """The accepted files, with their values."""
        return list(self.files.iter(status="accepted", values=True))

    @property
    def counts(self) -> dict[str, int]:
        """Number of files per status: ``{"accepted": 19, "rejected": 1, "skipped": 3}``."""
        statuses = self.files.statuses()
        return {s: int(statuses.get(s, 0)) for s in ("accepted", "rejected", "skipped")}

    @property
    def missing_units(self) -> list[str]:
        """Codes of the expected units with no accepted file (not sent, or every file rejected)."""
        if self.expected is None:
            return []
        seen = {f.unit for f in self.files.iter(status="accepted")}
        return [u for u in self.expected if u not in seen]

    @property
    def conflicting_units(self) -> list[str]:
        """Codes of the units with more than one accepted, different file."""
        return self.files.units_with_several()

    @property
    def exit_code(self) -> int:
        """``0`` when every file was accepted with no error-level issue and no
        expected unit is missing or conflicting; else ``1`` (the CLI's exit code)."""
        bad = self.files.any_bad() or bool(self.missing_units) or bool(self.conflicting_units)
        return 1 if bad else 0


# --------------------------------------------------------------------------- discovery


def walk(paths: Sequence[str | Path], outputs: Iterable[Path] = (), scratch: Iterable[Path] = ()) -> Iterator[tuple[str, FileResult | None]]:
    """Every path named or found under a named folder, in a stable order, with
    why it is not read (None: to be read). A path may come more than once.
    ``scratch`` (this run's own temporaries) are left out altogether."""
    # NOTE: plain strings and os.path, not a Path per file: pathlib interns every
    # name, and the interpreter's table of interned strings never shrinks
    out_set = {_real(p) for p in outputs}
    hidden = {_real(p) for p in scratch}

    def consider(key: str) -> tuple[str, FileResult | None]:
        name = os.path.basename(key)
        if os.path.islink(key):
            return key, FileResult(key).skip("symlink", "Liên kết tượng trưng không được theo (để tránh đọc tệp ngoài thư mục); hãy chép tệp thật vào.")
        if _real(key) in out_set:
            return key, FileResult(key).skip("own-output", "Tệp kết quả của chính lần chạy này.")
        if name.startswith("~$"):
            return key, FileResult(key).skip("lock-file", "Tệp khóa tạm của Excel (tệp đang mở), không phải biểu mẫu.")
        if name.startswith((TEMP_PREFIX, "~", ".~lock")) or name.lower().endswith(TEMP_SUFFIXES):
            return key, FileResult(key).skip("temp-file", "Tệp tạm, không phải biểu mẫu.")
        if _is_own_report(key):
            return key, FileResult(key).skip("own-output", "Báo cáo JSON/CSV do công cụ này ghi ra, không phải biểu mẫu.")
        return key, None

    for raw in paths:
        top = str(Path(raw))
        if os.path.islink(top):
            yield consider(top)
        elif os.path.isdir(top):
            for root, dirs, files in os.walk(top, followlinks=False):
                prefix = "" if root == "." else root if root.endswith(os.sep) else root + os.sep
                if prefix.startswith("." + os.sep):  # as Path writes it: "a/b", not "./a/b"
                    prefix = prefix[2:]
                dirs.sort()
                for d in list(dirs):
                    if os.path.islink(prefix + d):
                        yield consider(prefix + d)
                        dirs.remove(d)
                for f in sorted(files):
                    if hidden and _real(prefix + f) in hidden:
                        continue
                    yield consider(prefix + f)
        elif os.path.exists(top):
            yield consider(top)
        else:
            yield top, FileResult(top).reject("not-found", f"Không tìm thấy “{top}”.")


def _is_own_report(p: str | Path) -> bool:
    """A JSON report or tidy CSV written by this tool (sniffed from the first bytes)."""
    suffix = os.path.splitext(p)[1].lower()
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


def is_own_output(p: str | Path) -> bool:
    """A consolidated workbook, JSON report or tidy CSV written by this tool (safe to replace)."""
    if _is_own_report(p):
        return True
    if os.path.splitext(p)[1].lower() != ".xlsx":
        return False
    from ._ooxml import Package, XlsxError
    from .reader import read_bytes_safely, read_meta

    try:
        data, _st = read_bytes_safely(os.fspath(p))
        meta = read_meta(Package(data, os.path.basename(p)))
    except (OSError, XlsxError):
        return False
    return meta is not None and meta.get("kind") == "consolidated"


def _real(p: Path | str) -> str:
    try:
        return os.path.realpath(p)
    except OSError:
        return str(p)


# --------------------------------------------------------------------------- workers

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
        crashed = True
        try:
            result = read_workbook(path, catalog, layouts)
            crashed = False
        except MemoryError:
            result = FileResult(path).reject("parse-crash", "Tệp cần quá nhiều bộ nhớ khi đọc; có thể là tệp độc hại.")
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch
            result = FileResult(path).reject("parse-crash", f"Lỗi khi đọc tệp ({type(exc).__name__}: {exc}).")
        # packed here, in parallel: the parent stores the bytes as they come
        conn.send((pack(result), crashed))


class _Worker:
    def __init__(self, ctx: Any, catalog: Catalog, memory: int):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, catalog, memory), daemon=True)
        self.proc.start()
        child.close()
        self.jobs: deque[tuple[int, str]] = deque()  # sent, not yet answered, in order
        self.started = 0.0  # when the first of them began (for the time limit)

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
) -> list[FileResult]:
    """Read every path, in isolated worker processes (``workers=0``: in this process); results in the paths' order."""
    results: list[FileResult | None] = [None] * len(paths)
    for i, packed in read_packed(paths, len(paths), catalog, workers=workers, timeout=timeout, memory=memory, progress=progress):
        results[i] = unpack(packed)
    return [r for r in results if r is not None]


def read_packed(
    paths: Iterable[str],
    total: int,
    catalog: Catalog,
    *,
    workers: int | None = None,
    timeout: float = FILE_TIMEOUT,
    memory: int = WORKER_MEMORY,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[int, Packed]]:
    """``(index, packed result)`` of each of ``total`` paths, as each is read (see
    :func:`read_files`; packed for :class:`FileStore`, not kept here)."""
    if workers is None:
        workers = min(os.cpu_count() or 1, 2, max(1, total))
    if workers == 0 or total <= 0:
        layouts: dict[str, FormLayout] = {}
        for i, p in enumerate(paths):
            yield i, pack(read_workbook(p, catalog, layouts))
            if progress:
                progress(i + 1, total)
        return
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    pool = [_Worker(ctx, catalog, memory) for _ in range(min(workers, total))]
    queue: Iterator[tuple[int, str]] = iter(enumerate(paths))
    retry: deque[tuple[int, str]] = deque()  # sent to a worker that was then replaced, not read
    done = 0

    def feed(w: _Worker) -> None:
        # NOTE: IN_FLIGHT files per worker, so that a worker never waits for
        # this process (busy storing, or waiting for a core) to be given its next file
        while len(w.jobs) < IN_FLIGHT:
            nxt = retry.popleft() if retry else next(queue, None)
            if nxt is None:
                return
            if not w.jobs:
                w.started = time.monotonic()
            w.jobs.append(nxt)
            w.conn.send(nxt[1])

    try:
        for w in pool:
            feed(w)
        while any(w.jobs for w in pool):
            busy = [w for w in pool if w.jobs]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for idx, w in enumerate(pool):
                if not w.jobs:
                    continue
                i, p = w.jobs[0]
                packed: Packed | None = None
                crashed = True
                if w.conn in ready:
                    try:
                        packed, crashed = w.conn.recv()
                    except (EOFError, OSError):
                        packed = pack(FileResult(p).reject("parse-crash", "Tệp làm trình đọc dừng bất thường (có thể là tệp độc hại hoặc hỏng nặng)."))
                elif w.proc.sentinel in ready or not w.proc.is_alive():
                    packed = pack(FileResult(p).reject("parse-crash", "Tệp làm trình đọc dừng bất thường (vượt giới hạn bộ nhớ hoặc tệp hỏng nặng)."))
                elif now - w.started > timeout:
                    packed = pack(FileResult(p).reject("parse-timeout", f"Đọc tệp quá {int(timeout)} giây; có thể là tệp độc hại hoặc hỏng nặng."))
                if packed is None:
                    continue
                w.jobs.popleft()
                w.started = time.monotonic()  # the worker goes on to its next file
                done += 1
                if crashed:  # a worker that failed or hung is not trusted with the next file
                    retry.extend(w.jobs)  # the files sent after this one go to its successor
                    w.jobs.clear()
                    w.stop(kill=True)
                    pool[idx] = w = _Worker(ctx, catalog, memory)
                feed(w)
                yield i, packed
                if progress:
                    progress(done, total)
    finally:
        for w in pool:
            w.stop()


# --------------------------------------------------------------------------- expectations


def read_batch(
    paths: Sequence[str | Path],
    catalog: Catalog,
    expect: Expectation,
    *,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    require_files: bool = False,
) -> CheckResult:
    """Find, read and assess every file of a batch. Each file's record goes to
    disk as it is read (:class:`FileStore`): nothing is kept per file here.

    ``require_files``: raise :class:`UsageError` before reading anything when
    the paths hold no file to read (an empty folder, or only lock and
    temporary files)."""
    if expect.period is not None:
        expect.period = parse_period(expect.period).code
    store = FileStore()
    for key, skipped in walk(paths, expect.outputs, expect.scratch):
        if store.note_path(key, to_read=skipped is None) and skipped is not None:
            store.add(skipped)
    if require_files and store.count_to_read() == 0:
        shown = ", ".join(f"“{p}”" for p in list(paths)[:5])
        found = len(store)
        what = f"chỉ có {found} tệp tạm, tệp khóa hoặc kết quả của công cụ (được bỏ qua)" if found else "không có tệp nào"
        store.close()
        raise UsageError(f"Không tìm thấy biểu nào để đọc trong {shown}: {what}. Hãy kiểm tra lại đường dẫn thư mục chứa các biểu nộp về.", option="paths")
    for _i, packed in read_packed(store.to_read(), store.count_to_read(), catalog, workers=workers, progress=progress):
        store.add_packed(packed)
    batch = CheckResult(files=store)
    assess(batch, catalog, expect)
    return batch


def assess(batch: CheckResult, catalog: Catalog, expect: Expectation) -> None:
    """Compare each file's identity with what is expected; mark duplicates."""
    files = batch.files
    # identical bytes: the first one (in path order) counts
    for _id, f, first in files.later_duplicates():
        f.status = "skipped"
        f.issues = [issue("duplicate-file", f"Giống hệt tệp {os.path.basename(first)} đã đọc; chỉ tính một lần.")]
        f.values, f.notes, f.state = {}, {}, None
        files.save(f)
    # own outputs: a consolidated book of the consolidating unit itself
    if expect.unit:
        for _id, f in files.items(status="accepted", kind="consolidated", unit=expect.unit):
            if expect.level is None or f.unit_level != expect.level:
                _drop(f, "skipped", issue("own-output", "Biểu tổng hợp của chính đơn vị tổng hợp (kết quả lần chạy trước), không phải biểu nộp lên."))
                files.save(f)
    batch.level = expect.level or files.most_common("unit_level", status="accepted")
    batch.period = expect.period or files.most_common("period", status="accepted")
    # the form: the one the units of the expected level were issued with
    batch.form_level = (
        files.most_common("level", status="accepted", same=("unit_level", batch.level) if batch.level else None)
        or files.most_common("level", status="accepted")
    )
    if expect.level is not None and expect.level not in catalog.levels:
        raise UsageError(f"Cấp “{expect.level}” không có trong danh mục (có: {', '.join(catalog.levels)}).")
    expected = expect.expected_units() if expect.level else (
        [u.code for u in (expect.units.descendants(expect.unit, batch.level) if expect.unit else expect.units.at_level(batch.level))]
        if expect.units is not None and batch.level else None
    )
    if expect.unit and expect.units is not None and expect.unit not in expect.units:
        raise UsageError(f"Đơn vị tổng hợp “{expect.unit}” không có trong tệp đơn vị {expect.units.path}.")
    batch.expected = expected
    expected_set = frozenset(expected) if expected is not None else None
    for _id, f in files.items(status="accepted"):
        before = (f.status, len(f.issues), f.unit, f.period)
        _settle(f, batch, expect, expected_set)
        if (f.status, len(f.issues), f.unit, f.period) != before:
            files.save(f)


def _settle(f: FileResult, batch: CheckResult, expect: Expectation, expected: frozenset[str] | None) -> None:
    """One accepted file against the batch's period, form and units."""
    if f.period is None and batch.period:
        f.period = batch.period
        f.issues.append(issue("metadata-missing", f"Không xác định được kỳ báo cáo trong tệp; coi là kỳ {batch.period}.", severity="warning"))
    if batch.period and f.period != batch.period:
        _drop(f, "rejected", issue("wrong-period", f"Biểu của kỳ {_period_label(f.period)}, còn đang xử lý kỳ {_period_label(batch.period)}; hãy gửi biểu đúng kỳ."))
        return
    if batch.form_level and f.level != batch.form_level:
        _drop(f, "rejected", issue("wrong-level", f"Biểu mẫu {_level(f.level)} khác với biểu mẫu của các tệp còn lại ({_level(batch.form_level)})."))
        return
    if batch.level and f.unit_level and f.unit_level != batch.level:
        _drop(f, "rejected", issue("wrong-level", f"Biểu của đơn vị {_level(f.unit_level)}, còn đang tổng hợp các đơn vị {_level(batch.level)}."))
        return
    _attribute(f, expect, batch.level, expected)


def _attribute(f: FileResult, expect: Expectation, level: str | None, expected: frozenset[str] | None) -> None:
    units = expect.units
    if f.unit is None:
        if units is None:
            if f.unit_name:
                f.issues.append(issue("unit-unknown", f"Biểu ghi đơn vị “{f.unit_name}”; cần tệp danh sách đơn vị để xác định mã đơn vị.", severity="warning"))
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
            _drop(f, "rejected", issue("unit-unexpected", f"{u.name} ({u.code}) không thuộc các đơn vị {_level(level)}{scope} đang tổng hợp."))
            return


def mark_conflicts(batch: CheckResult) -> list[str]:
    """Units with more than one accepted (different) file: each file gets an error. Returns the codes."""
    out = batch.files.units_with_several()
    for code in out:
        files = list(batch.files.items(status="accepted", unit=code))
        names = ", ".join(os.path.basename(f.path) for _id, f in files)
        for _id, f in files:
            f.issues.append(issue("unit-conflict", f"Đơn vị {code} có {len(files)} tệp khác nhau ({names}); khi tổng hợp sẽ không cộng tệp nào, trừ khi chọn lấy tệp mới nhất."))
            batch.files.save(f)
    return out


def _same(a: str, b: str) -> bool:
    from .units import fold

    return fold(a) == fold(b)


def _drop(f: FileResult, status: str, why: Issue) -> None:
    f.status = status
    f.issues.append(why)
    f.values, f.state = {}, None


def _level(code: str | None) -> str:
    """``cấp xã (xa)``: a level as a message names it."""
    return f"{LEVELS.get(code, code)} ({code})" if code else "không rõ cấp"


def _period_label(code: str | None) -> str:
    if not code:
        return "không rõ"
    try:
        return parse_period(code).label
    except ValueError:
        return code
