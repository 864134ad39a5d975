"""A cell as the reader finds it, a value as it reads it, a validation as the template writes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, NamedTuple

from cchc_xlsx.issues import Issue

Value = float | int | str | None


class RawCell(NamedTuple):
    """What the workbook holds in a cell, before interpretation (a tuple: made by the thousand).

    ``kind``: ``n`` number, ``s`` string, ``b`` boolean, ``e`` error, ``None`` empty.
    ``fmt``: what the cell's number format makes of a number (:data:`FORMAT_KINDS`),
    set by the reader for input cells; ``""`` is General or a plain number format.
    ``style``: the cell's style index, from which the reader learns ``fmt``.
    """

    kind: str | None
    value: str | float | bool | None
    formula: str | None = None
    fmt: str = ""
    style: int | None = None


EMPTY = RawCell(None, None)


@dataclass(frozen=True)
class Reading:
    """A cell's value as read (None: blank, or left out) and the issues found."""

    value: Value
    issues: tuple[Issue, ...] = ()


@dataclass(frozen=True)
class Validation:
    """What a value cell accepts; turned into an Excel data validation by the writer."""

    kind: Literal["integer", "decimal", "list", "length"]  # Excel data validation types
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    input_title: str = ""
    input_message: str = ""
    error_title: str = ""
    error_message: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "min": self.minimum,
            "max": self.maximum,
            "choices": list(self.choices),
            "input_title": self.input_title,
            "input_message": self.input_message,
            "error_title": self.error_title,
            "error_message": self.error_message,
        }
