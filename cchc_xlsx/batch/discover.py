"""Finding the files of a batch: every path named or found under a named
folder, in a stable order, with why a file is not read (a lock file, a
temporary file, this tool's own output, a symbolic link)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from cchc_xlsx.atomic import TEMP_PREFIX
from cchc_xlsx.issues import IssueCode
from cchc_xlsx.read.model import XlsxError
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.read.workbook import read_bytes_safely, read_meta
from cchc_xlsx.vocabulary import STORE_APPLICATION_ID

TEMP_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", "~", ".bak")


def walk(
    paths: Sequence[str | Path], outputs: Iterable[Path] = (), scratch: Iterable[Path] = ()
) -> Iterator[tuple[str, FileResult | None]]:
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
            return key, FileResult(key).skip(
                IssueCode.SYMLINK,
                "Liên kết tượng trưng không được theo (để tránh đọc tệp ngoài thư mục); hãy chép tệp thật vào.",
            )
        if _real(key) in out_set:
            return key, FileResult(key).skip(
                IssueCode.OWN_OUTPUT, "Tệp kết quả của chính lần chạy này."
            )
        if name.startswith("~$"):
            return key, FileResult(key).skip(
                IssueCode.LOCK_FILE, "Tệp khóa tạm của Excel (tệp đang mở), không phải biểu mẫu."
            )
        if name.startswith((TEMP_PREFIX, "~", ".~lock")) or name.lower().endswith(TEMP_SUFFIXES):
            return key, FileResult(key).skip(IssueCode.TEMP_FILE, "Tệp tạm, không phải biểu mẫu.")
        if _is_own_report(key):
            return key, FileResult(key).skip(
                IssueCode.OWN_OUTPUT, "Báo cáo JSON/CSV do công cụ này ghi ra, không phải biểu mẫu."
            )
        if _is_own_store(key):
            return key, FileResult(key).skip(
                IssueCode.OWN_OUTPUT,
                "Kho lưu lịch sử của công cụ này (hoặc tệp nhật ký của nó), không phải biểu mẫu.",
            )
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
            yield top, FileResult(top).reject(IssueCode.NOT_FOUND, f"Không tìm thấy “{top}”.")


def _is_own_store(p: str | Path) -> bool:
    """A history store (an SQLite file marked with the store's application id) or its journal."""
    name = os.fspath(p)
    if name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return False  # NOTE: no extra open for every return of the batch
    if name.endswith(("-journal", "-wal", "-shm")) and _is_own_store(name.rsplit("-", 1)[0]):
        return True
    try:
        with open(p, "rb") as fh:
            head = fh.read(72)
    except OSError:
        return False
    return (
        head[:16] == b"SQLite format 3\x00"
        and int.from_bytes(head[68:72], "big") == STORE_APPLICATION_ID
    )


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
