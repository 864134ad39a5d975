"""The office's history store: every return it has seen, kept across runs in one SQLite file.

What it holds (schema in :mod:`cchc_xlsx.history.schema`): each file by content
(sha256, size, the first path, when it was first seen and received, unit,
period, form id and version, status and issues as first read), the values of
each accepted file, every path a content was found at, the office's explicit
choice of a unit's version, the units expected per period, and every appendix
consolidated with the store with the version of each unit it added.

Recording is idempotent (the same bytes recorded again change nothing) and
transactional: a run's records are committed together at its end, so a run
that is interrupted leaves the store as it was. Two processes that write the
same store take turns: the second waits up to ``timeout`` seconds, then
raises :class:`~cchc_xlsx.errors.StoreError`; SQLite's locking keeps the file
consistent either way.

(Over 400 lines: one concept, every SQL statement that touches the store is
here, so that the schema and its queries are read together.)

Versions: the accepted returns of one unit, period and form are its versions,
in the order they were received (``received_at``: the first time the store
saw the bytes, or the date given for a batch that arrived earlier). The
current version is the one the office preferred, else the last received; two
versions received at the same instant with no preference leave the unit
without a current version (a conflict to settle with ``prefer``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from itertools import groupby
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from cchc_xlsx._version import __version__
from cchc_xlsx.batch.result import CheckResult
from cchc_xlsx.errors import StoreError, os_error_text
from cchc_xlsx.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION
from cchc_xlsx.issues import Issue, IssueCode
from cchc_xlsx.read.record import FileResult, Return

if TYPE_CHECKING:  # pragma: no cover - deadlines and timeliness import this module
    from cchc_xlsx.history.deadlines import Deadlines
    from cchc_xlsx.history.timeliness import PeriodStatus

ENV_STORE = "CCHC_XLSX_STORE"
DEFAULT_STORE = "cchc-xlsx.sqlite"  # in the current folder
DEFAULT_TIMEOUT = 60.0  # seconds a writer waits for another one


def default_store_path() -> Path:
    """``$CCHC_XLSX_STORE`` when set, else ``cchc-xlsx.sqlite`` in the current folder."""
    return Path(os.environ.get(ENV_STORE) or DEFAULT_STORE)


def now_utc() -> str:
    """The current time as the store writes it (ISO 8601, UTC, microseconds)."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="microseconds")


def as_timestamp(when: dt.datetime | dt.date | str) -> str:
    """A time given by a person (a date, or a naive time: Vietnam's) as the store writes it."""
    from cchc_xlsx.history.deadlines import VIETNAM

    if not isinstance(when, (str, dt.date)):
        raise ValueError(
            f"Ngày nhận phải là ngày (2024-04-10) hoặc ngày giờ, không phải “{when!r}”."
        )
    if isinstance(when, str):
        text = when.strip()
        if not re.fullmatch(
            r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?", text
        ):
            raise ValueError(f"“{when}” không phải ngày giờ dạng 2024-04-10 hoặc 2024-04-10T09:30.")
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"“{when}” không phải ngày giờ có thật (dạng 2024-04-10 hoặc 2024-04-10T09:30)."
            ) from None
        if len(text) == 10:
            when = when.replace(hour=12)  # a date alone: midday, far from either edge of the day
    if not isinstance(when, dt.datetime):
        when = dt.datetime(when.year, when.month, when.day, 12)
    if when.tzinfo is None:
        when = when.replace(tzinfo=VIETNAM)
    if when > dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1):
        raise ValueError(
            f"Ngày nhận {when.date().isoformat()} ở tương lai; hãy nêu ngày đã nhận các tệp."
        )
    if when.year < 2000:
        raise ValueError(f"Ngày nhận {when.date().isoformat()} quá xa; hãy kiểm tra lại năm.")
    return when.astimezone(dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Version:
    """One recorded file of a unit for a period: ``number`` counts the unit's
    files of that period and form from 1 in the order received; ``current``:
    the version that counts; ``preferred``: chosen by the office."""

    sha256: str
    path: str
    unit: str | None
    unit_name: str | None
    level: str | None
    period: str | None
    form_id: str | None
    form_version: str | None
    status: str  # accepted | rejected
    first_seen_at: str
    received_at: str
    errors: int
    warnings: int
    number: int = 0
    current: bool = False
    preferred: bool = False
    unit_level: str | None = None  # the sending unit's level (a district's summed appendix: huyen)
    content: str | None = None  # digest of the values and notes read (same figures, same content)
    n_values: int = 0  # values read (0: a blank or unusable return)
    same_as: int | None = None  # the earlier version with the same content (a re-saved copy)

    @property
    def superseded(self) -> bool:
        """An accepted version that another version of the same unit replaced."""
        return self.status == "accepted" and not self.current


@dataclass(frozen=True)
class Recorded:
    """What recording a batch did: ``new`` files, files ``known`` already (unchanged)."""

    new: int
    known: int
    new_files: frozenset[str] = frozenset()  # their sha256


# NOTE: a file rejected for what this run expected (another period, level or
# consolidating unit) is not a bad return: it is a return of another run, not recorded here
_CONTEXTUAL = frozenset({IssueCode.WRONG_PERIOD, IssueCode.WRONG_LEVEL, IssueCode.UNIT_UNEXPECTED})

# NOTE: what a run decided about a file against the others it read (a conflict,
# a version chosen, an outlier among these units) is not the file's own problem:
# not recorded, so that the same bytes always carry the same issues
RUN_RELATIVE = frozenset(
    {
        IssueCode.UNIT_CONFLICT,
        IssueCode.CONFLICT_RESOLVED,
        IssueCode.SUPERSEDED,
        IssueCode.RESUBMITTED,
        IssueCode.NEWER_VERSION_RECORDED,
        IssueCode.OUTLIER,
        IssueCode.DUPLICATE_FILE,
        IssueCode.COPIED_FORWARD,
        IssueCode.CUMULATIVE_DECREASED,
        IssueCode.JUMP,
        IssueCode.PERIOD_INCOMPLETE,
        IssueCode.CUMULATIVE_MISMATCH,
    }
)


def content_digest(values: dict[str, object], notes: dict[str, str]) -> str:
    """A digest of what a return says (its values and notes), whatever its bytes."""
    text = json.dumps([values, notes], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_VERSION_COLUMNS = (
    "sha256, path, unit, unit_name, level, period, form_id, form_version, status,"
    " first_seen_at, received_at, errors, warnings, unit_level, content, n_values"
)


class Store:
    """An office's history store (one SQLite file; created when missing).

    ``Store(path)`` opens or creates it (``path`` None: :func:`default_store_path`)
    and brings an older schema up to date. Use it as a context manager, or call
    :meth:`close`. Raises :class:`StoreError` when the file is not a store, was
    written by a newer cchc-xlsx, cannot be opened, or stays locked by another
    process for ``timeout`` seconds.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        create: bool = True,
    ) -> None:
        self.path = Path(path) if path is not None else default_store_path()
        if not create and not self.path.exists():
            raise StoreError(
                f"Chưa có kho lưu “{self.path}”. Hãy chạy check hoặc consolidate với --store "
                f"“{self.path}” trước, hoặc nêu đúng đường dẫn kho lưu (--store hoặc biến {ENV_STORE})."
            )
        if self.path.is_dir():
            raise StoreError(
                f"“{self.path}” là một thư mục; kho lưu phải là một tệp (ví dụ {DEFAULT_STORE})."
            )
        try:
            self._db = sqlite3.connect(self.path, timeout=timeout, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"Không mở được kho lưu “{self.path}” [{exc}].") from None
        self._in_run = False
        try:
            self._db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except BaseException:
            self._db.close()
            raise

    # -- opening, transactions ----------------------------------------------------------

    def _fail(self, exc: Exception, doing: str) -> StoreError:
        text = str(exc)
        if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
            return StoreError(
                f"Kho lưu “{self.path}” đang được một lần chạy khác ghi; đã chờ mà chưa xong. "
                "Hãy chạy lại sau khi lần chạy kia kết thúc. Không có gì được ghi."
            )
        if isinstance(exc, sqlite3.DatabaseError) and (
            "not a database" in text or "malformed" in text
        ):
            return StoreError(
                f"“{self.path}” không phải kho lưu của cchc-xlsx, hoặc đã hỏng [{text}]. "
                "Hãy nêu đúng tệp kho lưu; đừng ghi đè lên tệp này."
            )
        if isinstance(exc, OSError):
            return StoreError(f"Lỗi khi {doing} kho lưu “{self.path}”: {os_error_text(exc)}.")
        return StoreError(f"Lỗi khi {doing} kho lưu “{self.path}” [{text}]. Không có gì được ghi.")

    def _migrate(self) -> None:
        db = self._db
        try:
            db.execute("BEGIN IMMEDIATE")
            app, version = (
                db.execute("PRAGMA application_id").fetchone()[0],
                db.execute("PRAGMA user_version").fetchone()[0],
            )
            tables = db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if app != APPLICATION_ID and (tables or version):
                db.execute("ROLLBACK")
                raise StoreError(
                    f"“{self.path}” là một cơ sở dữ liệu SQLite khác, không phải kho lưu của "
                    "cchc-xlsx. Hãy nêu một tệp kho lưu khác."
                )
            if version > SCHEMA_VERSION:
                db.execute("ROLLBACK")
                raise StoreError(
                    f"Kho lưu “{self.path}” do phiên bản mới hơn của cchc-xlsx ghi (lược đồ "
                    f"{version}, bản này hiểu đến {SCHEMA_VERSION}). Hãy cập nhật cchc-xlsx."
                )
            for step in range(version + 1, SCHEMA_VERSION + 1):
                for statement in MIGRATIONS[step]:
                    db.execute(statement)
            if version < SCHEMA_VERSION:
                db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                db.execute(
                    "INSERT OR REPLACE INTO meta VALUES ('written_by', ?)",
                    (f"cchc-xlsx {__version__}",),
                )
            db.execute("COMMIT")
        except StoreError:
            raise
        except (sqlite3.Error, OSError) as exc:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise self._fail(exc, "mở") from None

    @property
    def schema_version(self) -> int:
        """The schema version of the open store (``PRAGMA user_version``)."""
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    def begin(self) -> None:
        """Start a run: everything recorded until :meth:`commit` is kept together or not at all.
        Waits for another writer up to the store's timeout (then :class:`StoreError`)."""
        if self._in_run:
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise self._fail(exc, "ghi vào") from None
        self._in_run = True

    def commit(self) -> None:
        """Keep what the run recorded."""
        if self._in_run:
            try:
                self._db.execute("COMMIT")
            except sqlite3.Error as exc:
                self.rollback()
                raise self._fail(exc, "ghi vào") from None
            self._in_run = False

    def rollback(self) -> None:
        """Forget what the run recorded."""
        if self._in_run:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._in_run = False

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Statements that belong to the open run, or, outside a run, a transaction of their own."""
        single = not self._in_run
        if single:
            self.begin()
        try:
            yield
        except sqlite3.Error as exc:
            if single:
                self.rollback()
            raise self._fail(exc, "ghi vào") from None
        except BaseException:
            if single:
                self.rollback()
            raise
        if single:
            self.commit()

    def _write(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self._writing():
            return self._db.execute(sql, args)

    def close(self) -> None:
        """Close the store; a run not committed is forgotten."""
        if getattr(self, "_db", None) is not None:
            self.rollback()
            self._db.close()
            self._db = None  # type: ignore[assignment]

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # pragma: no cover - interpreter shutdown
            pass

    def __repr__(self) -> str:
        return f"Store({str(self.path)!r})"

    # -- recording ----------------------------------------------------------------------

    def record(self, batch: CheckResult, *, received_at: str | None = None) -> Recorded:
        """Record every accepted or rejected file of ``batch`` (skipped ones are not
        returns, nor are files rejected only as another period's, level's or
        office's) with its values, issues and notes. A file whose bytes are
        already in the store keeps its first record; only the path it was found
        at is added. ``received_at``: when a batch that was kept elsewhere was
        received (:func:`as_timestamp`); default now. Part of the current run
        (:meth:`begin`) when one is open, else committed at once."""
        seen = now_utc()
        received = received_at or seen
        new = known = 0
        added: set[str] = set()
        with self._writing():
            for f in batch.files.iter(values=True):
                if f.status == "skipped" or not f.sha256:
                    continue
                if f.status == "rejected" and any(i.code in _CONTEXTUAL for i in f.issues):
                    continue
                if self._record_file(f, seen, received):
                    new += 1
                    added.add(f.sha256)
                else:
                    known += 1
        return Recorded(new, known, frozenset(added))

    def _record_file(self, f: FileResult, seen: str, received: str) -> bool:
        db = self._db
        kept = [i for i in f.issues if i.code not in RUN_RELATIVE]
        cur = db.execute(
            "INSERT OR IGNORE INTO files VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                f.sha256,
                f.size,
                os.path.abspath(f.path),
                seen,
                received,
                f.unit,
                f.unit_name,
                f.unit_level,
                f.level,
                f.period,
                f.catalog_id,
                f.catalog_version,
                f.kind,
                f.status,
                content_digest(f.values, f.notes) if f.status == "accepted" else None,
                sum(1 for v in f.values.values() if v is not None) if f.status == "accepted" else 0,
                sum(1 for i in kept if i.severity == "error"),
                sum(1 for i in kept if i.severity == "warning"),
                json.dumps([i.as_json() for i in kept], ensure_ascii=False),
                json.dumps(f.notes, ensure_ascii=False),
            ),
        )
        added = cur.rowcount == 1
        if added and f.status == "accepted":
            db.executemany(
                "INSERT INTO file_values VALUES (?,?,?)",
                [
                    (f.sha256, code, json.dumps(v, ensure_ascii=False))
                    for code, v in f.values.items()
                    if v is not None
                ],
            )
        db.execute(
            "INSERT OR IGNORE INTO sightings VALUES (?,?,?)",
            (f.sha256, os.path.abspath(f.path), seen),
        )
        return added

    def record_expected(
        self,
        period: str,
        level: str,
        parent: str | None,
        units: Iterable[tuple[str, str] | tuple[str, str, str]],
    ) -> None:
        """The units (code, name, and contact when known) expected to report
        ``period`` at ``level`` under ``parent`` (None: every unit of the
        level), as the run's register says."""
        # NOTE: the same register again changes nothing (not even its time)
        self._write(
            "INSERT INTO expected VALUES (?,?,?,?,?) ON CONFLICT (period, level, parent) DO UPDATE"
            " SET units = excluded.units, recorded_at = excluded.recorded_at"
            " WHERE units != excluded.units",
            (period, level, parent or "", json.dumps(list(units), ensure_ascii=False), now_utc()),
        )

    def record_appendix(
        self,
        path: str | os.PathLike[str],
        *,
        period: str | None,
        level: str | None,
        unit: str | None,
        sources: dict[str, str],
    ) -> None:
        """An appendix written with the store: which version (sha256) of each unit it added."""
        self._write(
            "INSERT INTO appendices (written_at, path, period, level, unit, sources) VALUES (?,?,?,?,?,?)",
            (now_utc(), os.path.abspath(path), period, level, unit, json.dumps(sources)),
        )

    def remember_deadlines(self, deadlines: Deadlines) -> None:
        """Keep a province's deadlines file (a :class:`~cchc_xlsx.history.deadlines.Deadlines`
        read from YAML) for the runs and commands that are not given one."""
        if deadlines.text is None:
            return
        for key, value in (
            ("deadlines_text", deadlines.text),
            ("deadlines_source", deadlines.source),
        ):
            self._write(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value"
                " WHERE value != excluded.value",
                (key, value or ""),
            )

    def deadlines(self) -> Deadlines:
        """The deadlines last given to a run with this store (a
        :class:`~cchc_xlsx.history.deadlines.Deadlines`), else the built-in default."""
        from cchc_xlsx.history.deadlines import Deadlines, parse_deadlines

        rows = dict(self._db.execute("SELECT key, value FROM meta WHERE key LIKE 'deadlines_%'"))
        if not rows.get("deadlines_text"):
            return Deadlines()
        return parse_deadlines(rows["deadlines_text"], rows.get("deadlines_source") or "kho lưu")

    def prefer(self, sha256: str) -> Version:
        """Make the recorded file ``sha256`` its unit's current version for its period
        and form (the office's choice, kept until another is made). Raises
        :class:`StoreError` when the store does not hold it as an accepted return."""
        row = self._db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM files WHERE sha256 = ?", (sha256,)
        ).fetchone()
        if row is None or row[8] != "accepted" or not row[2] or not row[5]:
            raise StoreError(
                "Tệp được chọn chưa có trong kho lưu như một bản nộp hợp lệ (đã đọc, đúng đơn vị và kỳ); "
                "hãy đưa nó vào cùng lần chạy."
            )
        self._write(
            "INSERT OR REPLACE INTO preferred VALUES (?,?,?,?,?)",
            (row[2], row[5], row[6] or "", sha256, now_utc()),
        )
        return _version(row)

    # -- reading ------------------------------------------------------------------------

    def periods(self) -> list[str]:
        """The periods the store holds returns of."""
        from cchc_xlsx.periods import parse_period

        rows = [
            r[0]
            for r in self._db.execute("SELECT DISTINCT period FROM files WHERE period IS NOT NULL")
        ]
        return sorted(rows, key=lambda p: (parse_period(p).end, parse_period(p).start))

    def file(self, sha256: str) -> Version | None:
        """The record of one file (its version number and currency not worked out)."""
        row = self._db.execute(
            f"SELECT {_VERSION_COLUMNS} FROM files WHERE sha256 = ?", (sha256,)
        ).fetchone()
        return _version(row) if row else None

    def versions(self, period: str, unit: str | None = None) -> list[Version]:
        """The recorded files of ``period`` (of one ``unit`` when given), by unit then
        in the order received, each numbered and marked current, preferred or not."""
        sql = f"SELECT {_VERSION_COLUMNS} FROM files WHERE period = ?"
        args: list[Any] = [period]
        if unit is not None:
            sql += " AND unit = ?"
            args.append(unit)
        sql += " ORDER BY unit, form_id, received_at, first_seen_at, sha256"
        rows = [_version(r) for r in self._db.execute(sql, args)]
        chosen = {
            (u, p, fid): (sha, at)
            for u, p, fid, sha, at in self._db.execute(
                "SELECT unit, period, form_id, sha256, chosen_at FROM preferred WHERE period = ?",
                (period,),
            )
        }
        out: list[Version] = []
        for (unit_code, form_id), group in groupby(rows, key=lambda v: (v.unit, v.form_id)):
            out += _number(list(group), chosen.get((unit_code, period, form_id or "")))
        return out

    def current(self, period: str) -> dict[str, Version]:
        """Each unit's current version for ``period`` (units in conflict are left out)."""
        return {v.unit: v for v in self.versions(period) if v.current and v.unit}

    def values(self, sha256: str) -> dict[str, object]:
        """The values recorded for one accepted file, by catalogue code."""
        return {
            code: json.loads(v)
            for code, v in self._db.execute(
                "SELECT code, value FROM file_values WHERE sha256 = ?", (sha256,)
            )
        }

    def return_of(self, sha256: str) -> Return:
        """One recorded file as a :class:`Return` (values, notes and issues as recorded)."""
        row = self._db.execute(
            "SELECT path, unit, unit_name, level, period, kind, issues, notes, status FROM files"
            " WHERE sha256 = ?",
            (sha256,),
        ).fetchone()
        if row is None:
            raise StoreError(f"Kho lưu không có tệp {sha256[:12]}….")
        path, unit, name, level, period, kind, issues, notes, status = row
        return Return(
            path=path,
            unit=unit,
            unit_name=name,
            level=level,
            period=period,
            kind=kind,
            values=self.values(sha256) if status == "accepted" else {},
            notes=json.loads(notes),
            issues=tuple(_issue(d) for d in json.loads(issues)),
        )

    def expected(
        self, period: str, level: str | None = None, parent: str | None = None
    ) -> list[tuple[str, str]] | None:
        """The units last recorded as expected for ``period`` (at ``level`` under
        ``parent`` when given; the most recent record otherwise), or None."""
        sql = "SELECT units FROM expected WHERE period = ?"
        args: list[Any] = [period]
        if level is not None:
            sql += " AND level = ?"
            args.append(level)
        if parent is not None:
            sql += " AND parent = ?"
            args.append(parent)
        row = self._db.execute(sql + " ORDER BY recorded_at DESC LIMIT 1", args).fetchone()
        return [(str(u[0]), str(u[1])) for u in json.loads(row[0])] if row else None

    def expected_all(self, period: str, level: str | None = None) -> list[tuple[str, str]]:
        """Every unit (code, name) any recorded register expects for ``period`` (at
        ``level`` when given), in register order."""
        out: dict[str, str] = {}
        sql = "SELECT units FROM expected WHERE period = ?"
        args: list[Any] = [period]
        if level is not None:
            sql += " AND level = ?"
            args.append(level)
        for (units,) in self._db.execute(sql + " ORDER BY recorded_at", args):
            for u in json.loads(units):
                out.setdefault(str(u[0]), str(u[1]))
        return list(out.items())

    def contacts(self, period: str, parent: str | None = None) -> dict[str, str]:
        """The units register's ``contact`` of each expected unit of ``period`` (when it had one)."""
        sql = "SELECT units FROM expected WHERE period = ?"
        args: list[Any] = [period]
        if parent is not None:
            sql += " AND parent = ?"
            args.append(parent)
        out: dict[str, str] = {}
        for (units,) in self._db.execute(sql + " ORDER BY recorded_at", args):
            out.update({str(u[0]): str(u[2]) for u in json.loads(units) if len(u) > 2 and u[2]})
        return out

    def appendices(self, period: str | None = None) -> list[dict[str, Any]]:
        """The appendices written with the store (newest last): when, where, and the
        sha256 of the version of each unit they added."""
        sql = "SELECT written_at, path, period, level, unit, sources FROM appendices"
        args: list[Any] = []
        if period is not None:
            sql += " WHERE period = ?"
            args.append(period)
        return [
            {
                "written_at": w,
                "path": p,
                "period": per,
                "level": lv,
                "unit": u,
                "sources": json.loads(s),
            }
            for w, p, per, lv, u, s in self._db.execute(sql + " ORDER BY id", args)
        ]

    def status(
        self,
        period: str,
        *,
        level: str | None = None,
        parent: str | None = None,
        expected: Sequence[tuple[str, str]] | None = None,
        deadlines: Deadlines | None = None,
    ) -> PeriodStatus:
        """The reporting status of ``period``: a
        :class:`~cchc_xlsx.history.timeliness.PeriodStatus` (on time, late,
        rejected, missing per expected unit; reporting rates in percent points).
        Arguments as :func:`~cchc_xlsx.history.timeliness.period_status`."""
        from cchc_xlsx.history.timeliness import period_status

        return period_status(
            self,
            period,
            level=level,
            parent=parent,
            expected=expected,
            deadlines=deadlines if deadlines is not None else self.deadlines(),
        )

    def history(
        self,
        *,
        units: Iterable[str] | None = None,
        codes: Iterable[str] | None = None,
        periods: Iterable[str] | None = None,
    ) -> Iterator[tuple[str, str, str, object, str]]:
        """(period, unit, code, value, sha256) of the current version of each unit,
        period by period, filtered by ``units``, ``codes`` and ``periods``."""
        want_units = set(units) if units is not None else None
        want_codes = set(codes) if codes is not None else None
        for period in periods if periods is not None else self.periods():
            for unit, v in sorted(self.current(period).items()):
                if want_units is not None and unit not in want_units:
                    continue
                for code, value in sorted(
                    self.values(v.sha256).items(), key=lambda kv: _code_key(kv[0])
                ):
                    if want_codes is None or code in want_codes:
                        yield period, unit, code, value, v.sha256


@contextmanager
def existing_store(store: Store | str | os.PathLike[str] | None) -> Iterator[Store]:
    """``store`` itself when it is a :class:`Store` (left open for its owner), else
    the existing store at that path (None: :func:`default_store_path`), closed on
    leaving. Raises :class:`StoreError` when there is none: reading never creates one."""
    if isinstance(store, Store):
        yield store
        return
    db = Store(store, create=False)
    try:
        yield db
    finally:
        db.close()


def _version(row: Sequence[Any]) -> Version:
    """A row of ``_VERSION_COLUMNS`` as a :class:`Version` (not yet numbered)."""
    (sha, path, unit, name, level, period, form_id, form_version, status, first, received,
     errors, warnings, unit_level, content, n_values) = row  # fmt: skip
    return Version(
        sha, path, unit, name, level, period, form_id, form_version, status, first, received,
        errors, warnings, unit_level=unit_level, content=content, n_values=n_values,
    )  # fmt: skip


def _number(group: list[Version], preferred: tuple[str, str] | None) -> list[Version]:
    """Number a unit's versions (in the order received) and mark the current one.

    A copy with the same content as an earlier version (a file re-saved by
    Excel or LibreOffice: other bytes, the same figures) is that version again:
    it takes its place in the order. The current version is the last content
    received; ties on the time received go to the one first seen later (a later
    run); two first seen in the same run at the same time are a conflict (none
    is current). A blank return (no figure) never replaces one with figures.
    The office's choice (``preferred``: sha256 and when it was made) holds
    until a version with figures not seen before the choice arrives."""
    first_of: dict[str, Version] = {}
    numbered: list[Version] = []
    for n, v in enumerate(group, start=1):
        same = first_of.get(v.content) if v.content else None
        if v.content and same is None:
            first_of[v.content] = replace(v, number=n)
        numbered.append(replace(v, number=n, same_as=same.number if same is not None else None))
    accepted = [v for v in numbered if v.status == "accepted"]

    def rank(v: Version) -> tuple[str, str]:
        origin = first_of.get(v.content) if v.content else None
        src = origin if origin is not None else v
        return (src.received_at, src.first_seen_at)

    current: str | None = None
    pref_sha, pref_at = preferred if preferred else (None, "")
    if pref_sha and any(v.sha256 == pref_sha for v in accepted):
        # NOTE: only figures not seen before the choice end it (not a re-saved copy)
        known = {v.content or v.sha256 for v in accepted if v.first_seen_at <= pref_at}
        if not any(
            v.first_seen_at > pref_at and (v.content or v.sha256) not in known for v in accepted
        ):
            current = pref_sha
    # a blank return never replaces one with figures
    candidates = [v for v in accepted if v.n_values > 0] or accepted
    if current is None and candidates:
        top = max(rank(v) for v in candidates)
        best = [v for v in candidates if rank(v) == top]
        contents = {v.content or v.sha256 for v in best}
        if len(contents) == 1:
            current = best[-1].sha256  # one content: its latest copy
    return [
        replace(v, current=v.sha256 == current, preferred=v.sha256 == pref_sha) for v in numbered
    ]


def _issue(d: dict[str, Any]) -> Issue:
    known = {c.value: c for c in IssueCode}
    # NOTE: a code of a later release is kept as the nearest one of this release
    code = known.get(d["code"]) or (IssueCode.RULE if d.get("rule") else IssueCode.UNREADABLE)
    return Issue(
        d["severity"], code, d["message"], d.get("indicator"), d.get("cell"), d.get("rule")
    )


def _code_key(code: str) -> tuple[Any, ...]:
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in code.split("."))
