"""Resubmissions: which of a unit's returns in a batch counts, by the store's order or the office's choice.

A unit that sent a corrected return sends a second file for the same period:
the newer one supersedes the older (both stay in the store). "Newer" is the
order received (:class:`~cchc_xlsx.history.store.Store`), or the office's
explicit choice (``prefer``), never file-system dates alone. Two files of a
unit received at the same instant, with no choice, stay a conflict: nothing is
guessed.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Collection
from typing import NamedTuple

from cchc_xlsx.batch.result import CheckResult, Settlement
from cchc_xlsx.history.deadlines import local_time
from cchc_xlsx.history.store import Store, Version
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.vocabulary import Severity


class _File(NamedTuple):
    """What resolving a unit's versions needs of one file of the batch."""

    sha256: str | None
    path: str
    unit: str | None
    unit_name: str | None


def resolve_versions(
    batch: CheckResult, store: Store | None, preferred: Collection[str] = ()
) -> list[Settlement]:
    """Decide, for each unit with several accepted files in ``batch``, which one
    counts: the store's current version (files already recorded), else the one
    whose sha256 is in ``preferred``. The others are set aside (``skipped``,
    :attr:`IssueCode.SUPERSEDED`); the one kept is marked
    :attr:`IssueCode.RESUBMITTED`. With a store, a unit's file that an
    already recorded newer version supersedes gets
    :attr:`IssueCode.NEWER_VERSION_RECORDED` (a warning: it is still added,
    since it is what was given). Returns the settlements for
    :meth:`CheckResult.settle`."""
    if store is None and not preferred:
        return []
    # NOTE: a few fields per file, not the records (ten thousand of them at the memory peak)
    by_unit: dict[tuple[str, str | None], list[tuple[int, _File]]] = defaultdict(list)
    for i, f in batch.files.items(status="accepted"):
        if f.unit:
            by_unit[(f.unit, f.period)].append((i, _File(f.sha256, f.path, f.unit, f.unit_name)))
    versions: dict[tuple[str, str | None], list[Version]] = defaultdict(list)
    if store is not None:
        for period in {p for _u, p in by_unit if p}:
            for v in store.versions(period):
                if v.unit:
                    versions[(v.unit, period)].append(v)
    out: list[Settlement] = []
    for key, files in by_unit.items():
        known = [v for v in versions.get(key, []) if v.status == "accepted"]
        number = {v.sha256: v for v in known}
        current = next((v for v in known if v.current), None)
        winner: tuple[int, _File] | None = None
        same = [p for p in files if current is not None and _same_content(p[1], current, number)]
        if same:
            # the current version, or a copy of it with the same figures (re-saved: other bytes)
            winner = next((p for p in same if p[1].sha256 == current.sha256), same[-1])  # type: ignore[union-attr]
        elif len(files) > 1 and store is None:
            chosen = [p for p in files if p[1].sha256 in preferred]
            winner = chosen[0] if len(chosen) == 1 else None
        elif current is not None:
            # the store's current version is not among the inputs: the newest given counts, with a warning
            ranked = sorted(
                files, key=lambda p: number[p[1].sha256].number if p[1].sha256 in number else 0
            )
            winner = ranked[-1]
            out.append(
                Settlement(
                    winner[0],
                    issue(
                        IssueCode.NEWER_VERSION_RECORDED,
                        f"Kho lưu đang dùng một bản khác của đơn vị này (tệp {os.path.basename(current.path)}, "
                        f"nhận lúc {local_time(current.received_at)}), không nằm trong các tệp đang đọc; "
                        f"số liệu được cộng là của tệp này{_copy_of(number.get(winner[1].sha256 or ''))}. "
                        "Hãy đưa bản đang dùng vào, hoặc chọn bản cần dùng (lựa chọn prefer).",
                    ),
                )
            )
        if winner is None:
            continue  # no decision: a conflict, as without a store
        w_id, w = winner
        losers = [p for p in files if p[0] != w_id]
        wv = number.get(w.sha256 or "")
        if losers or (wv is not None and wv.number > 1):
            older = ", ".join(os.path.basename(f.path) for _i, f in losers)
            how = (
                "được chọn"
                if (wv is not None and wv.preferred) or w.sha256 in preferred
                else "mới nhất"
            )
            text = f"Bản nộp {how}" + (f" (lần {wv.number})" if wv is not None else "")
            text += f" của {w.unit_name or w.unit}; được dùng để tổng hợp"
            text += f", thay cho {older}." if older else "."
            out.append(Settlement(w_id, issue(IssueCode.RESUBMITTED, text)))
        for i, lf in losers:
            lv = number.get(lf.sha256 or "")
            text = (
                f"Đã có bản nộp {'được chọn' if (wv is not None and wv.preferred) or w.sha256 in preferred else 'mới hơn'} của "
                f"{w.unit_name or w.unit}: {w.path}. Tệp này được giữ lại"
                f"{' trong kho lưu' if store is not None else ''} nhưng không được cộng."
            )
            severity: Severity | None = None
            if (
                lv is not None
                and wv is not None
                and lv.same_as is not None
                and lv.number > wv.number
            ):
                # NOTE: figures of an earlier version arriving later: a re-saved old file, or a
                # unit going back to what it sent first; only a person can tell, so say it
                severity = "warning"
                text = (
                    f"Tệp này có số liệu giống hệt bản nộp lần {lv.same_as} của {w.unit_name or w.unit}, "
                    f"bản đã được thay bởi {w.path}; nên không được coi là bản mới và không được cộng. "
                    "Nếu đơn vị thật sự gửi lại các số liệu này, hãy chọn tệp này (lựa chọn prefer)."
                )
            elif lv is not None and lv.n_values == 0:
                text = (
                    f"Tệp này là biểu trống (không có số liệu nào); {w.unit_name or w.unit} đã có bản "
                    f"nộp có số liệu: {w.path}. Tệp trống không thay được bản đó và không được cộng."
                )
            out.append(
                Settlement(
                    i,
                    issue(IssueCode.SUPERSEDED, text, severity=severity),
                    "skipped",
                )
            )
    return out


def _same_content(f: _File, current: Version, number: dict[str, Version]) -> bool:
    """Whether a batch file is the current version, or a copy of it with the same figures."""
    if f.sha256 == current.sha256:
        return True
    v = number.get(f.sha256 or "")
    return v is not None and v.content is not None and v.content == current.content


def _copy_of(v: Version | None) -> str:
    """`` (số liệu giống bản nộp lần 1)`` when a file is a copy of an earlier version's figures."""
    return f" (số liệu giống hệt bản nộp lần {v.same_as})" if v is not None and v.same_as else ""
