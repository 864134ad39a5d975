"""A unit's own figures of an earlier period, as the store holds them: what a
template's reference column shows (``generate --with-previous``)."""

from __future__ import annotations

from collections.abc import Iterable

from cchc_xlsx.history.store import Store
from cchc_xlsx.vocabulary import PreviousState


def previous_figures(
    store: Store, period: str, *, form_id: str, level: str, units: Iterable[str]
) -> dict[str, tuple[PreviousState, dict[str, object]]]:
    """For each of ``units``: what the store holds of its return of ``period`` on
    the form ``form_id`` at ``level``, and the values (by catalogue code) of its
    current version. A unit whose versions are in conflict, or that has only
    rejected or no returns, has no values."""
    wanted = set(units)
    seen: dict[str, PreviousState] = {}
    out: dict[str, tuple[PreviousState, dict[str, object]]] = {}
    for v in store.versions(period):
        if v.unit not in wanted or v.form_id != form_id or v.level != level:
            continue
        if v.current:
            values = store.values(v.sha256)
            out[v.unit] = ("found" if values else "blank", values)
        elif v.status == "accepted":
            seen[v.unit] = "conflict"
    for code in wanted:
        if code not in out:
            out[code] = (seen.get(code, "missing"), {})
    return out
