"""The files of a batch, kept on disk (issue 5: memory must not grow with the
number of files).

A consolidation looks at every returned file several times after all of them
are read: duplicates by checksum, the most common period and level, the
units' expected files, conflicts, the status and issues sheets, the JSON
report. Kept as Python objects, the records cost the parent some 1.5 KiB per
file (path, checksum, issues, values); here they live in a private temporary
SQLite database (the standard library's ``sqlite3``: sorting, grouping and
indexes on disk, with a bounded page cache) and are made into
:class:`FileResult` objects one at a time, when they are looked at.

* ``f`` holds one row per file: the columns the batch is queried by, the
  record pickled without its values and notes (``rec``), and those pickled
  apart (``data``, only for accepted files) since most passes do not need them;
* ``q`` is discovery's list of paths (to read, or already accounted for), so
  that a path named twice is looked at once and the paths to read are not a
  list in memory.

Iteration is in path order (the order of every report), a page of rows at a
time; a record changed while iterating is written back with :meth:`save`.
The database is deleted when the store is closed or collected.
"""

from __future__ import annotations

import pickle
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from cchc_xlsx.read.record import FileResult

PAGE = 256  # rows fetched at a time
_COLS = (
    "status",
    "sha256",
    "unit",
    "unit_name",
    "kind",
    "level",
    "unit_level",
    "period",
    "errors",
    "warnings",
)
_FILTERS = ("status", "unit", "kind", "sha256")
Packed = tuple[Any, ...]


def _key(path: str) -> bytes:
    """A path as stored: UTF-8 bytes sort in code-point order, as Python sorts str
    (``surrogatepass`` keeps the undecodable names a file system can give)."""
    return path.encode("utf-8", "surrogatepass")


def _path(key: bytes) -> str:
    return key.decode("utf-8", "surrogatepass")


def pack(f: FileResult) -> Packed:
    """A result as the store keeps it (made in the worker that read the file)."""
    values, notes = f.values, f.notes
    f.values, f.notes = {}, {}
    try:
        rec = pickle.dumps(f, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        f.values, f.notes = values, notes
    data = (
        pickle.dumps((values, notes), protocol=pickle.HIGHEST_PROTOCOL)
        if f.status == "accepted" and (values or notes)
        else None
    )
    return (
        _key(f.path),
        f.status,
        f.sha256,
        f.unit,
        f.unit_name,
        f.kind,
        f.level,
        f.unit_level,
        f.period,
        f.errors,
        f.warnings,
        rec,
        data,
    )


def unpack(packed: Packed) -> FileResult:
    """The :class:`FileResult` of :func:`pack` (values and notes included)."""
    return _load(packed[-2], packed[-1])


def _load(rec: bytes, data: bytes | None) -> FileResult:
    f: FileResult = pickle.loads(rec)
    if data is not None:
        f.values, f.notes = pickle.loads(data)
    return f


def _where(filters: dict[str, Any], extra: str = "") -> tuple[str, list[Any]]:
    parts: list[str] = []
    args: list[Any] = []
    for name, want in filters.items():
        if name not in _FILTERS:
            raise TypeError(f"unknown filter {name!r}")
        if want is None:
            continue
        if isinstance(want, tuple):
            parts.append(f"{name} IN ({', '.join('?' * len(want))})")
            args.extend(want)
        else:
            parts.append(f"{name} = ?")
            args.append(want)
    if extra:
        parts.append(extra)
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


class FileStore:
    """Every file of a batch, in path order, on disk; a sequence of :class:`FileResult`."""

    def __init__(self, files: Iterable[FileResult] = ()) -> None:
        # "": a private temporary database on disk, deleted when closed
        self._db = sqlite3.connect("", isolation_level=None, check_same_thread=False)
        for pragma in (
            "journal_mode=OFF",
            "synchronous=OFF",
            "cache_size=-1024",
            "temp_store=FILE",
        ):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute(
            "CREATE TABLE f (id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, status TEXT, sha256 TEXT, unit TEXT,"
            " unit_name TEXT, kind TEXT, level TEXT, unit_level TEXT, period TEXT, errors INTEGER, warnings INTEGER,"
            " rec BLOB NOT NULL, data BLOB)"
        )
        self._db.execute("CREATE INDEX f_unit ON f (unit, path)")
        self._db.execute("CREATE INDEX f_sha ON f (sha256, path)")
        self._db.execute(
            "CREATE TABLE q (id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, todo INTEGER NOT NULL)"
        )
        self._db.execute(
            "BEGIN"
        )  # one transaction, never committed: nothing here outlives the store
        for f in files:
            self.add(f)

    # ----------------------------------------------------------------- discovery

    def note_path(self, path: str, to_read: bool) -> bool:
        """Record a path found by discovery; False when it was already found."""
        cur = self._db.execute(
            "INSERT OR IGNORE INTO q (path, todo) VALUES (?, ?)", (_key(path), int(to_read))
        )
        return cur.rowcount == 1

    def to_read(self) -> Iterator[str]:
        """The paths to read, in the order found."""
        last = 0
        while True:
            rows = self._db.execute(
                "SELECT id, path FROM q WHERE todo = 1 AND id > ? ORDER BY id LIMIT ?", (last, PAGE)
            ).fetchall()
            for _id, key in rows:
                yield _path(key)
            if len(rows) < PAGE:
                return
            last = rows[-1][0]

    def count_to_read(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM q WHERE todo = 1").fetchone()[0])

    # ----------------------------------------------------------------- writing

    def add(self, f: FileResult) -> None:
        """Keep a file's record (a path already kept is not added again)."""
        self.add_packed(pack(f))

    def add_packed(self, packed: Packed) -> None:
        self._db.execute(
            f"INSERT OR IGNORE INTO f (path, {', '.join(_COLS)}, rec, data) VALUES ({', '.join('?' * 13)})",
            packed,
        )

    def save(self, f: FileResult) -> None:
        """Write back a changed record. Its values and notes are kept as they
        were stored while it stays accepted, and dropped when it does not."""
        p = pack(f)
        self._db.execute(
            f"UPDATE f SET {', '.join(c + ' = ?' for c in _COLS)}, rec = ?,"
            " data = CASE WHEN ? = 'accepted' THEN data ELSE NULL END WHERE path = ?",
            (*p[1:12], f.status, p[0]),
        )

    # ----------------------------------------------------------------- reading

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM f").fetchone()[0])

    def __bool__(self) -> bool:
        return self._db.execute("SELECT 1 FROM f LIMIT 1").fetchone() is not None

    def __iter__(self) -> Iterator[FileResult]:
        return self.iter(values=True)

    def __getitem__(self, i: int) -> FileResult:
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("file index out of range")
        rec, data = self._db.execute(
            "SELECT rec, data FROM f ORDER BY path LIMIT 1 OFFSET ?", (i,)
        ).fetchone()
        return _load(rec, data)

    def iter(self, *, values: bool = False, **filters: Any) -> Iterator[FileResult]:
        """The files (those whose columns equal ``filters``, a tuple meaning any
        of), in path order; with their values and notes only when ``values``."""
        for _id, f in self.items(values=values, **filters):
            yield f

    def items(self, *, values: bool = False, **filters: Any) -> Iterator[tuple[int, FileResult]]:
        """``(id, file)`` of :meth:`iter`; records may be saved meanwhile."""
        data = "data" if values else "NULL"
        last = b""
        while True:
            where, args = _where(filters, "path > ?")
            rows = self._db.execute(
                f"SELECT id, path, rec, {data} FROM f{where} ORDER BY path LIMIT ?",
                (*args, last, PAGE),
            ).fetchall()
            for id_, _k, rec, blob in rows:
                yield id_, _load(rec, blob)
            if len(rows) < PAGE:
                return
            last = rows[-1][1]

    def ordered(self, order_by: str) -> Iterator[FileResult]:
        """Every file in another order (an SQL ``ORDER BY`` of the columns), without values; read-only."""
        cur = self._db.cursor()
        cur.execute(f"SELECT rec FROM f ORDER BY {order_by}")
        while rows := cur.fetchmany(PAGE):
            for (rec,) in rows:
                yield _load(rec, None)

    def get(self, id_: int, *, values: bool = False) -> FileResult:
        rec, data = self._db.execute(
            f"SELECT rec, {'data' if values else 'NULL'} FROM f WHERE id = ?", (id_,)
        ).fetchone()
        return _load(rec, data)

    def values(self, id_: int) -> tuple[dict[str, object], dict[str, str]]:
        """A file's values and notes (empty once it is no longer accepted)."""
        row = self._db.execute("SELECT data FROM f WHERE id = ?", (id_,)).fetchone()
        if row is None or row[0] is None:
            return {}, {}
        values, notes = pickle.loads(row[0])
        return values, notes

    # ----------------------------------------------------------------- questions

    def how_many(self, **filters: Any) -> int:
        where, args = _where(filters)
        return int(self._db.execute(f"SELECT COUNT(*) FROM f{where}", args).fetchone()[0])

    def statuses(self) -> Counter[str]:
        return Counter(
            dict(self._db.execute("SELECT status, COUNT(*) FROM f GROUP BY status").fetchall())
        )

    def any_bad(self) -> bool:
        """A file rejected, or read with an error (a file set aside — a version a newer
        one replaced, a copy — adds nothing, so its errors do not count)."""
        return (
            self._db.execute(
                "SELECT 1 FROM f WHERE status = 'rejected' OR (errors > 0 AND status != 'skipped') LIMIT 1"
            ).fetchone()
            is not None
        )

    def most_common(
        self, column: str, *, same: tuple[str, str] | None = None, **filters: Any
    ) -> str | None:
        """The commonest non-empty value of ``column`` (ties: the smallest), among
        ``filters`` and, with ``same=(other, value)``, the files whose ``other`` is ``value``."""
        if column not in _COLS:
            raise TypeError(f"unknown column {column!r}")
        where, args = _where(filters, f"{column} IS NOT NULL AND {column} != ''")
        if same is not None:
            if same[0] not in _COLS:
                raise TypeError(f"unknown column {same[0]!r}")
            where += f" AND {same[0]} = ?"
            args.append(same[1])
        row = self._db.execute(
            f"SELECT {column}, COUNT(*) AS n FROM f{where} GROUP BY {column} ORDER BY n DESC, {column} LIMIT 1",
            args,
        ).fetchone()
        return None if row is None else str(row[0])

    def counts_of(self, column: str, **filters: Any) -> Counter[str]:
        """How many files have each non-empty value of ``column`` (among ``filters``)."""
        if column not in _COLS:
            raise TypeError(f"unknown column {column!r}")
        where, args = _where(filters, f"{column} IS NOT NULL AND {column} != ''")
        return Counter(
            dict(
                self._db.execute(
                    f"SELECT {column}, COUNT(*) FROM f{where} GROUP BY {column}", args
                ).fetchall()
            )
        )

    def first_units(self) -> Iterator[tuple[str, str | None]]:
        """Each unit of the accepted files once, with the unit name of its first file (in path order)."""
        cur = self._db.cursor()
        cur.execute(
            "SELECT unit, unit_name FROM f AS a WHERE status = 'accepted' AND unit IS NOT NULL AND unit != ''"
            " AND path = (SELECT MIN(path) FROM f AS b WHERE b.unit = a.unit AND b.status = 'accepted') ORDER BY unit"
        )
        while rows := cur.fetchmany(PAGE):
            yield from rows

    def later_duplicates(self) -> Iterator[tuple[int, FileResult, str]]:
        """``(id, file, first path)`` of each accepted file that has the same bytes
        as an accepted one before it in path order (a rejected file stays
        rejected: the same junk sent under several names is not one file)."""
        last = b""
        while True:
            rows = self._db.execute(
                "SELECT a.id, a.path, a.rec, (SELECT MIN(b.path) FROM f AS b WHERE b.sha256 = a.sha256 AND b.status = 'accepted') AS first"
                " FROM f AS a WHERE a.status = 'accepted' AND a.sha256 IS NOT NULL AND a.path > ? AND a.path > first"
                " ORDER BY a.path LIMIT ?",
                (last, PAGE),
            ).fetchall()
            for id_, _k, rec, first in rows:
                yield id_, _load(rec, None), _path(first)
            if len(rows) < PAGE:
                return
            last = rows[-1][1]

    def units_with_several(self) -> list[str]:
        """Units with more than one accepted file."""
        rows = self._db.execute(
            "SELECT unit FROM f WHERE status = 'accepted' AND unit IS NOT NULL AND unit != '' GROUP BY unit HAVING COUNT(*) > 1 ORDER BY unit"
        )
        return [u for (u,) in rows]

    def close(self) -> None:
        self._db.close()

    def __del__(self) -> None:
        # closed, not left to the connection's own finaliser (which warns from Python 3.13)
        db = getattr(self, "_db", None)
        if db is not None:
            try:
                db.close()
            except (
                sqlite3.Error
            ):  # pragma: no cover - closing twice is allowed; anything else is moot here
                pass

    def __repr__(self) -> str:
        return f"<FileStore of {len(self)} files>"
