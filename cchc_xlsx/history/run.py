"""One run of ``check`` or ``consolidate`` with the history store: open, record, resolve, commit.

The front ends (:mod:`cchc_xlsx.api`) make a :class:`History` from what the
user gave (a store or its path, when the batch was received, files to
prefer, the deadlines), check it before any long work, and call it at three
points: after reading (record the files, settle resubmissions), after the
consolidation (the timeliness of the period, the appendix's sources), and
once every output is in place (commit). Anything that fails before the commit
leaves the store as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from cchc_xlsx.batch.result import CheckResult, Expectation, Settlement
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError, os_error_text
from cchc_xlsx.history.checks import JUMP_FACTOR, HistoryChecks
from cchc_xlsx.history.deadlines import Deadlines, load_deadlines
from cchc_xlsx.history.resubmission import resolve_versions
from cchc_xlsx.history.store import Store, as_timestamp
from cchc_xlsx.history.timeliness import PeriodStatus, period_status
from cchc_xlsx.periods import parse_period

StoreArg = Store | str | os.PathLike[str] | None
WhenArg = dt.datetime | dt.date | str | None
DeadlinesArg = Deadlines | str | os.PathLike[str] | None


@dataclass
class History:
    """What a run does with the store (nothing when ``store`` is None and no file is preferred)."""

    store_arg: StoreArg = None
    received_at: str | None = None
    preferred: dict[str, str] = field(default_factory=dict)  # sha256 → the path given
    deadlines: Deadlines | None = None
    store: Store | None = None
    jump_factor: float | None = None  # the jump check's factor (None: checks.JUMP_FACTOR)
    _owned: bool = False
    _new: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        store: StoreArg = None,
        received_at: WhenArg = None,
        prefer: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
        deadlines: DeadlinesArg = None,
        jump_factor: float | None = None,
    ) -> History:
        """Check the run's history arguments before anything is read; raise
        :class:`UsageError` (``option``: ``received_at``, ``prefer``,
        ``deadlines``) for one that cannot work."""
        when = None
        if received_at is not None:
            if store is None:
                raise UsageError(
                    "Ngày nhận chỉ có ý nghĩa khi ghi vào kho lưu; hãy nêu kho lưu.",
                    option="received_at",
                )
            try:
                when = as_timestamp(received_at)
            except ValueError as exc:
                raise UsageError(str(exc), option="received_at") from None
        chosen: dict[str, str] = {}
        if prefer is not None:
            paths = [prefer] if isinstance(prefer, (str, os.PathLike)) else list(prefer)
            for p in paths:
                path = os.fspath(p)
                try:
                    with open(path, "rb") as fh:
                        chosen[hashlib.sha256(fh.read()).hexdigest()] = path
                except OSError as exc:
                    raise UsageError(
                        f"Không đọc được tệp được chọn “{path}”: {os_error_text(exc)}.",
                        option="prefer",
                    ) from None
        if deadlines is not None and store is None:
            raise UsageError(
                "Hạn nộp chỉ được dùng khi ghi vào kho lưu (để tính đúng hạn, trễ hạn); hãy nêu kho lưu.",
                option="deadlines",
            )
        rules = None
        if isinstance(deadlines, Deadlines):
            rules = deadlines
        elif isinstance(deadlines, (str, os.PathLike)):
            rules = load_deadlines(deadlines)
        elif deadlines is not None:
            raise UsageError(
                f"Hạn nộp phải là Deadlines hoặc đường dẫn tệp YAML (gặp {type(deadlines).__name__}).",
                option="deadlines",
            )
        if jump_factor is not None and store is None:
            raise UsageError(
                "Hệ số đột biến so sánh với các kỳ trước trong kho lưu; hãy nêu kho lưu (--store).",
                option="jump_factor",
            )
        if jump_factor is not None and not (
            isinstance(jump_factor, (int, float)) and jump_factor > 1
        ):
            raise UsageError(
                f"Hệ số đột biến phải là số lớn hơn 1 (gặp “{jump_factor}”).", option="jump_factor"
            )
        return cls(store, when, chosen, rules, jump_factor=jump_factor)

    def refuse_outputs(self, outputs: Iterable[str | os.PathLike[str] | None]) -> None:
        """An output that would be written over the store: :class:`UsageError` (``--force`` or not)."""
        if self.store_arg is None:
            return
        store = self.store_arg.path if isinstance(self.store_arg, Store) else Path(self.store_arg)
        for out in outputs:
            if out is not None and _same_file(Path(out), store):
                raise UsageError(
                    f"Tệp kết quả “{out}” là kho lưu lịch sử; không ghi đè lên kho lưu — hãy chọn tên khác.",
                    option="store",
                )

    @contextmanager
    def opened(self) -> Iterator[History]:
        """Open the store (when given as a path) and start the run; on an error,
        forget what the run recorded; close the store this opened."""
        if self.store_arg is not None:
            if isinstance(self.store_arg, Store):
                self.store = self.store_arg
            else:
                self.store = Store(self.store_arg)
                self._owned = True
            self.store.begin()
        try:
            yield self
        except BaseException:
            if self.store is not None:
                self.store.rollback()
            raise
        finally:
            if self._owned and self.store is not None:
                self.store.close()

    def record(
        self, batch: CheckResult, expect: Expectation, catalog: Catalog | None = None
    ) -> None:
        """Record the batch's files and the expected units; settle which of a unit's files counts;
        with ``catalog``, check each accepted return against the unit's history
        (:mod:`cchc_xlsx.history.checks`)."""
        store = self.store
        if store is not None and self.received_at and batch.period:
            start = parse_period(batch.period).start
            if dt.datetime.fromisoformat(self.received_at).date() < start:
                raise UsageError(
                    f"Ngày nhận {self.received_at[:10]} trước khi kỳ {batch.period} bắt đầu "
                    f"({start.strftime('%d/%m/%Y')}); hãy kiểm tra lại ngày nhận.",
                    option="received_at",
                )
        if store is not None:
            self._new = store.record(batch, received_at=self.received_at).new_files
            if self.deadlines is not None:
                store.remember_deadlines(self.deadlines)
            for sha, path in self.preferred.items():
                if store.file(sha) is None:
                    raise UsageError(
                        f"Tệp được chọn “{path}” không nằm trong các tệp đã đọc, cũng chưa có trong kho lưu.",
                        option="prefer",
                    )
                store.prefer(sha)
            if batch.period and batch.level and batch.expected is not None and expect.units:
                units = expect.units
                store.record_expected(
                    batch.period,
                    batch.level,
                    expect.unit,
                    [(c, units[c].name, units[c].contact) for c in batch.expected],
                )
        elif self.preferred:
            known = {f.sha256 for f in batch.files.iter(status="accepted")}
            for sha, path in self.preferred.items():
                if sha not in known:
                    raise UsageError(
                        f"Tệp được chọn “{path}” không nằm trong các tệp đã đọc và được chấp nhận.",
                        option="prefer",
                    )
        batch.settle(resolve_versions(batch, store, set(self.preferred)))
        if store is not None and catalog is not None and batch.period:
            checks = HistoryChecks(
                store, catalog, batch.period, factor=self.jump_factor or JUMP_FACTOR
            )
            found = [
                Settlement(i, x)
                for i, f in batch.files.items(status="accepted", values=True)
                if f.unit
                for x in checks.check(f.unit, f.level, f.values)
            ]
            batch.settle(found)

    def status(
        self, batch: CheckResult, unit: str | None, names: dict[str, str]
    ) -> PeriodStatus | None:
        """The period's timeliness for the batch's expected units (None without a store or a period)."""
        if self.store is None or not batch.period:
            return None
        expected = (
            [(c, names.get(c, c)) for c in batch.expected] if batch.expected is not None else None
        )
        return period_status(
            self.store,
            batch.period,
            level=batch.level,
            parent=unit,
            expected=expected,
            deadlines=self.deadlines if self.deadlines is not None else self.store.deadlines(),
        )

    def commit(self) -> None:
        """Keep what the run recorded (after every output is in place)."""
        if self.store is not None:
            self.store.commit()


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except OSError:  # pragma: no cover - a path the system cannot resolve
        return False
