"""Reading files in isolated worker processes.

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
from multiprocessing.connection import Connection, wait
from typing import Any

from cchc_xlsx.batch.store import Packed, pack, unpack
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.layout.form import FormLayout
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.workbook import read_workbook

WORKER_MEMORY = 1536 * 1024 * 1024  # bytes of address space per worker
FILE_TIMEOUT = 60.0  # seconds per file
IN_FLIGHT = 2  # files sent to a worker ahead of its answers


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
            result = FileResult(path).reject(
                IssueCode.PARSE_CRASH, "Tệp cần quá nhiều bộ nhớ khi đọc; có thể là tệp độc hại."
            )
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the batch
            result = FileResult(path).reject(
                IssueCode.PARSE_CRASH, f"Lỗi khi đọc tệp ({type(exc).__name__}: {exc})."
            )
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
    for i, packed in read_packed(
        paths,
        len(paths),
        catalog,
        workers=workers,
        timeout=timeout,
        memory=memory,
        progress=progress,
    ):
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
                        packed = pack(
                            FileResult(p).reject(
                                IssueCode.PARSE_CRASH,
                                "Tệp làm trình đọc dừng bất thường (có thể là tệp độc hại hoặc hỏng nặng).",
                            )
                        )
                elif w.proc.sentinel in ready or not w.proc.is_alive():
                    packed = pack(
                        FileResult(p).reject(
                            IssueCode.PARSE_CRASH,
                            "Tệp làm trình đọc dừng bất thường (vượt giới hạn bộ nhớ hoặc tệp hỏng nặng).",
                        )
                    )
                elif now - w.started > timeout:
                    packed = pack(
                        FileResult(p).reject(
                            IssueCode.PARSE_TIMEOUT,
                            f"Đọc tệp quá {int(timeout)} giây; có thể là tệp độc hại hoặc hỏng nặng.",
                        )
                    )
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
