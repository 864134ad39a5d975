"""The very hidden sheet that carries a workbook's identity: its name and keys."""

from __future__ import annotations

from dataclasses import dataclass

from cchc_xlsx._version import __version__

META_SHEET = "_cchc_meta"


@dataclass(frozen=True)
class Meta:
    """Identity written to the very hidden metadata sheet (key → value rows)."""

    kind: str  # "template" or "consolidated"
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
