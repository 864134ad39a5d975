"""Atomic output: write a temporary file beside the target, then rename it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cchc_xlsx.errors import OutputError, OutputExistsError, os_error_text

TEMP_PREFIX = ".cchc-tmp-"


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def _temporary_beside(p: Path) -> Path:
    """A new empty temporary file in ``p``'s folder (made when missing), named
    so that batches skip it; raises :class:`OutputError` when it cannot be made."""
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=".part", dir=str(p.parent))
        os.close(fd)
    except OSError as exc:
        raise OutputError(f"Không ghi được {p}: {os_error_text(exc)}") from exc
    return Path(name)


@contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """A temporary path beside ``path`` to write the output to; renamed onto
    ``path`` when the block ends without an exception, removed otherwise.

    For writers that need a real file (XlsxWriter with rows streamed to disk, a
    CSV or JSON written piece by piece) rather than the bytes at once.
    """
    p = Path(path)
    tmp = _temporary_beside(p)
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
            raise OutputError(f"Không ghi được {p}: {os_error_text(exc)}") from exc
        raise


class OutputSet:
    """Several outputs written all or none: each is written to a temporary file
    beside its target (:meth:`path`), and only when every one is complete are
    they all renamed onto their targets (:meth:`commit`). On an error, or when
    the block ends without a commit, the temporaries are removed and no target
    is touched::

        with OutputSet() as outs:
            write_book(outs.path("tong_hop.xlsx"))
            write_json(outs.path("tong_hop.json"))
            outs.commit()

    The temporaries are made when asked for, so a folder that cannot be
    written is found before any long work when :meth:`path` is called first.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Path]] = []

    def path(self, target: str | Path) -> Path:
        """A temporary file beside ``target`` (raises :class:`OutputError` when it cannot be made)."""
        p = Path(target)
        blocked = next((a for a in p.parents if a.exists() and not a.is_dir()), None)
        if blocked is not None:
            raise OutputError(f"Không ghi được {p}: “{blocked}” là một tệp, không phải thư mục.")
        tmp = _temporary_beside(p)
        self._pending.append((tmp, p))
        return tmp

    def commit(self) -> None:
        """Rename every temporary onto its target, all or none: targets that
        exist are first moved aside, and put back if any rename fails (a target
        that cannot be replaced, say an immutable file, changes nothing)."""
        umask = os.umask(0)
        os.umask(umask)
        aside: list[tuple[Path, Path]] = []  # (target, its old file moved aside)
        done: list[Path] = []
        try:
            for tmp, target in self._pending:
                os.chmod(tmp, 0o666 & ~umask)
                if target.exists() or target.is_symlink():
                    old = target.with_name(
                        f"{TEMP_PREFIX}old-{os.getpid()}-{len(aside)}-{target.name}"
                    )
                    os.replace(target, old)
                    aside.append((target, old))
            for tmp, target in self._pending:
                os.replace(tmp, target)
                done.append(target)
        except OSError as exc:
            for target in done:
                try:
                    os.unlink(target)
                except OSError:
                    pass
            for target, old in aside:
                try:
                    os.replace(old, target)
                except OSError:
                    pass
            self.discard()
            raise OutputError(
                f"Không ghi được {exc.filename or target}: {os_error_text(exc)}; không tệp kết quả nào bị thay đổi."
            ) from exc
        for _target, old in aside:
            try:
                os.unlink(old)
            except OSError:
                pass
        self._pending.clear()

    def discard(self) -> None:
        """Remove the temporaries not yet renamed."""
        for tmp, _target in self._pending:
            try:
                os.unlink(tmp)
            except OSError:
                pass
        self._pending.clear()

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Raise :class:`OutputExistsError` listing the outputs that exist (unless ``force``)."""
    if force:
        return
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        shown = "\n".join(f"  - {p}" for p in existing[:10])
        more = f"\n  … và {len(existing) - 10} tệp khác" if len(existing) > 10 else ""
        raise OutputExistsError(
            f"{len(existing)} tệp kết quả đã có, không ghi đè:\n{shown}{more}", existing
        )
