"""The very hidden sheet that carries a workbook's identity: its name and keys."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cchc_xlsx._version import __version__
from cchc_xlsx.vocabulary import FileKind

META_SHEET = "_cchc_meta"
#: the identity sheet holds one key per row: the key in A, its value in B
META_KEY_COL, META_VALUE_COL = 0, 1


@dataclass(frozen=True)
class Meta:
    """Identity written to the very hidden metadata sheet (key → value rows)."""

    kind: FileKind
    catalog_id: str
    catalog_version: str
    catalog_hash: str
    level: str  # the form's level
    period: str
    layout_fingerprint: str
    unit_code: str
    unit_name: str
    unit_level: str
    generated_at: str
    tool_version: str = __version__
    format: str = "cchc-xlsx/1"

    def items(self) -> list[tuple[str, str]]:
        return [(k, str(getattr(self, k))) for k in META_KEYS]


META_KEYS = (
    "format",
    "kind",
    "tool_version",
    "catalog_id",
    "catalog_version",
    "catalog_hash",
    "level",
    "period",
    "layout_fingerprint",
    "unit_code",
    "unit_name",
    "unit_level",
    "generated_at",
)

#: the identity key of a template that shows the unit's previous-period figures in
#: column I (:data:`~cchc_xlsx.layout.form.COL_PREVIOUS`): that period's code
PREVIOUS_PERIOD_KEY = "previous_period"

#: characters of the states' JSON per identity cell (a cell holds 32,767)
STATE_CHUNK = 30000


@dataclass(frozen=True)
class SummaryIdentity:
    """What a consolidated workbook adds to its identity sheet, so that it can be
    added up one level up: whether it is ``partial`` (some expected unit missing),
    how many values involved in an error it includes (``flagged_values``) or left
    out (``errors_excluded``), ``submitted``/``expected`` units, the level of the
    units it adds (``units_level``), every row's aggregation ``states`` (JSON,
    in chunks of :data:`STATE_CHUNK` characters), and per total the units whose
    values in error feed it (``flagged_totals``) and those of them it leaves out
    (``excluded_totals``); None when read from a book written before these keys."""

    partial: bool
    flagged_values: int
    errors_excluded: bool
    submitted: int
    expected: int
    units_level: str
    states: dict[str, Any]
    flagged_totals: dict[str, list[str]] | None = None
    excluded_totals: dict[str, list[str]] | None = None
    short_units: int = 0  # rolled up across periods: units whose figures lack a period

    def items(self) -> list[tuple[str, str]]:
        """The identity rows (key, value), after :class:`Meta`'s."""
        text = json.dumps(self.states, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        chunks = [text[i : i + STATE_CHUNK] for i in range(0, len(text), STATE_CHUNK)] or [""]
        return [
            ("partial", "1" if self.partial else "0"),
            ("flagged_values", str(self.flagged_values)),
            ("errors_excluded", "1" if self.errors_excluded else "0"),
            ("submitted", str(self.submitted)),
            ("expected", str(self.expected)),
            ("units_level", self.units_level),
            ("flagged_totals", _compact(self.flagged_totals or {})),
            ("excluded_totals", _compact(self.excluded_totals or {})),
            # NOTE: only when there are any: every other book keeps its identity sheet
            *([("short_units", str(self.short_units))] if self.short_units else []),
            ("state_chunks", str(len(chunks))),
        ] + [(f"state.{i}", c) for i, c in enumerate(chunks)]

    @classmethod
    def from_meta(cls, meta: dict[str, str]) -> SummaryIdentity:
        """Read back :meth:`items` from an identity sheet's keys and values.

        Raises ValueError when the states are missing or damaged."""
        n = int(meta.get("state_chunks", "0"))
        states = json.loads("".join(meta.get(f"state.{i}", "") for i in range(n)))
        if not isinstance(states, dict):
            raise ValueError("state")
        return cls(
            partial=meta.get("partial") == "1",
            flagged_values=int(meta.get("flagged_values", "0") or 0),
            errors_excluded=meta.get("errors_excluded") == "1",
            submitted=int(meta.get("submitted", "0") or 0),
            expected=int(meta.get("expected", "0") or 0),
            units_level=meta.get("units_level", ""),
            states=states,
            flagged_totals=_units_by_code(meta.get("flagged_totals")),
            excluded_totals=_units_by_code(meta.get("excluded_totals")),
            short_units=int(meta.get("short_units", "0") or 0),
        )


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _units_by_code(text: str | None) -> dict[str, list[str]] | None:
    """``{code: [unit, …]}`` from its JSON (None when absent); ValueError when damaged."""
    if text is None:
        return None
    value = json.loads(text)
    if not isinstance(value, dict) or not all(
        isinstance(units, list) and all(isinstance(u, str) for u in units)
        for units in value.values()
    ):
        raise ValueError("flagged totals")
    return {str(code): list(units) for code, units in value.items()}
