"""Cell references: zero-based ``(row, col)`` inside, A1 strings only at the edges."""

from __future__ import annotations


def col_letter(col: int) -> str:
    s = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        s = chr(65 + rem) + s
    return s


def a1(row: int, col: int, absolute: bool = False) -> str:
    """``(8, 3)`` → ``D9`` (``$D$9`` when absolute)."""
    if absolute:
        return f"${col_letter(col)}${row + 1}"
    return f"{col_letter(col)}{row + 1}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def defined_name(code: str) -> str:
    """Workbook-scoped name of an input cell: ``3.3.1.a`` → ``CCHC_3_3_1_a``.

    NOTE: a name that looks like a cell reference (``CT001``) is invalid in Excel;
    the ``CCHC_`` prefix and the underscores keep ours from ever looking like one.
    """
    return "CCHC_" + code.replace(".", "_")


def col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1
