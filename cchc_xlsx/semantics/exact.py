"""Exact decimal arithmetic for totals.

Sums are kept as exact decimal strings, so that adding district totals gives
the very same number as adding all communes at once (float addition is not
associative: 94.69931506849314 vs …315). A typed float is taken as its
shortest repr, which is what was typed.
"""

from __future__ import annotations

from decimal import Context, Decimal

CONTEXT = Context(prec=60)
EXACT_INT = 2**53  # an integer up to this size is exact in a float (and in Excel)


def dec(x: object) -> Decimal:
    """Exact decimal of a number (a float's shortest repr, which is what was typed)."""
    if isinstance(x, str):
        return Decimal(x)
    if isinstance(x, int):
        return Decimal(x)
    return Decimal(repr(float(x)))  # type: ignore[arg-type]


def decimal_text(d: Decimal) -> str:
    """A decimal as a state stores it: exact, without exponent or trailing zeros."""
    text = format(d.normalize(CONTEXT), "f")
    return text


def as_number(x: object) -> float | int | None:
    """A state's decimal string as the number written to workbooks and JSON."""
    if x is None:
        return None
    d = dec(x)
    if d == d.to_integral_value() and abs(d) < EXACT_INT:
        return int(d)
    return float(d)


def number_or_none(v: object) -> float | None:
    """``v`` as a float when it is a number (not a bool), else None."""
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v)


def clean(x: object) -> object:
    """A whole float as an int (2.0 → 2), when it is exact."""
    if isinstance(x, float) and x.is_integer() and abs(x) < EXACT_INT:
        return int(x)
    return x
