"""One definition of every input value type, compiled twice.

Each type of input row (count, decimal, percent; Có/Không, a choice; text) is
one :class:`ValueType` object that says, once, what a cell of that row may
hold. It compiles to Excel (the template's data validation and the chained
check formula of column E, with ✗/⚠ marks counted by G and H) and to Python
(:meth:`ValueType.read`, which the reader applies to a returned cell), so that
what the commune sees in Excel and what the office reads back cannot drift
apart (tests/test_agreement.py types values into LibreOffice to hold them to it).

``base`` holds the shared parts (a check, the blank and common readings),
``number`` the number types, ``coded`` the coded types and text.
"""

from __future__ import annotations

from cchc_xlsx.catalog.model import Row
from cchc_xlsx.semantics.cells import RawCell, Reading
from cchc_xlsx.semantics.valuetypes.base import (
    MAGNITUDE_MAX,
    MARKS,
    TEXT_MAX,
    ValueCheck,
    ValueType,
    count_marks,
    excel_trim_fold,
)
from cchc_xlsx.semantics.valuetypes.coded import CodedType, TextType
from cchc_xlsx.semantics.valuetypes.number import NumberType

__all__ = [
    "MAGNITUDE_MAX",
    "MARKS",
    "TEXT_MAX",
    "VALUE_TYPES",
    "CodedType",
    "NumberType",
    "TextType",
    "ValueCheck",
    "ValueType",
    "count_marks",
    "excel_trim_fold",
    "read_value",
    "value_type",
]

VALUE_TYPES: dict[str, ValueType] = {
    "count": NumberType("count"),
    "decimal": NumberType("decimal"),
    "percent": NumberType("percent"),
    "boolean": CodedType("boolean"),
    "choice": CodedType("choice"),
    "text": TextType(),
}


def value_type(row: Row) -> ValueType:
    """The value type of an input row (KeyError for headings and formula rows)."""
    return VALUE_TYPES[row.type]


def read_value(row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
    """Interpret ``cell`` as a value of ``row`` (``ref`` names the cell in messages)."""
    return VALUE_TYPES[row.type].read(row, cell, ref, date1904=date1904)
