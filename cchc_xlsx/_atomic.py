"""Atomic output: write a temporary file beside the target, then rename it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import OutputError

TEMP_PREFIX = ".cchc-tmp-"


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write the output to; renamed onto
    ``path`` when the block ends without an exception, removed otherwise.

    For writers that need a real file (XlsxWriter with rows streamed to disk, a
    CSV or JSON written piece by piece) rather than the bytes at once.
    """
    p = Path(path)
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=str(p.parent))
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"Không ghi được {p}: {exc.strerror or exc}") from exc
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, p)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise OutputError(f"Không ghi được {p}: {exc.strerror or exc}") from exc
        raise
