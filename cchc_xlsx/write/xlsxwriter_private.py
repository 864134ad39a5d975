"""Every use of XlsxWriter's private names, in one place, for the version checked here.

The consolidated workbook is written through subclasses of XlsxWriter's
``Worksheet`` and ``Workbook`` that stream a sheet's rows to disk and write
the thousands of unit cells as ready XML (see :class:`UnitCells`). They rely
on names XlsxWriter does not publish (``_write_cell``, ``_prepare_formula``,
``_get_xf_index`` …), which changed in 3.2.x: the installed version is checked
when this module is imported, and anything but the tested 3.3 series stops
with a message saying what to install. Tests compare the XML written here
with XlsxWriter's own for the same cells.
"""

from __future__ import annotations

import io
import math
import os
from collections.abc import Sequence
from typing import Any, NamedTuple

import xlsxwriter
from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast  # noqa: E402
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet  # noqa: E402

from cchc_xlsx.write.protection import legacy_password_hash

TESTED_SERIES = (3, 3)  # XlsxWriter 3.3.0 and 3.3.1 are tested


def _series(version: str) -> tuple[int, ...]:
    parts: list[int] = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


if (
    _series(xlsxwriter.__version__) != TESTED_SERIES
):  # pragma: no cover - depends on the installed package
    raise ImportError(
        f"cchc-xlsx cần XlsxWriter 3.3.x nhưng đang có XlsxWriter {xlsxwriter.__version__}. "
        "Hãy cài đúng phiên bản: pip install 'xlsxwriter>=3.3.0,<3.4' "
        f"(cchc-xlsx needs XlsxWriter 3.3.x, found {xlsxwriter.__version__})."
    )


class Sheet(Worksheet):
    """A worksheet whose formulas are written as they are given.

    XlsxWriter runs some thirty regular expressions over every formula to add
    the ``_xlfn.`` prefix of Excel's newer functions; ours use none of them
    (IF, AND, COUNT, COUNTIF, SUM, SUMPRODUCT, MIN, MAX — a test checks every
    formula of a consolidated book against XlsxWriter's own preparation).
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula[1:] if formula.startswith("=") else formula

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        # NOTE: the two commonest cells (a formatted number or blank) written
        # exactly as XlsxWriter writes them, without its per-attribute escaping
        # (a cell reference and a format index need none); the rest as it does.
        fmt = cell.format
        if cell.__class__ is RawCells:
            for xml in cell.xml:
                self.fh.write(xml)
            return
        if fmt:
            kind = cell.__class__
            if kind is CellNumberTuple:
                self.fh.write(
                    f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"><v>{cell.number:.16G}</v></c>'
                )
                return
            if kind is CellBlankTuple:
                self.fh.write(
                    f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"/>'
                )
                return
        super()._write_cell(row, col, cell)


class RawCells(NamedTuple):
    """The ready XML of a run of cells of one row (see :class:`UnitCells`)."""

    xml: Sequence[str]  # pieces, written one after the other
    format: None = None


def _xml_text(text: str) -> str:
    """Escaped as XlsxWriter escapes element text (``&``, ``<``, ``>``; not quotes)."""
    if "&" in text or "<" in text or ">" in text:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


_FORMULA_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


class UnitCells:
    """The unit columns' cells of one row of a streamed sheet, made as XML in
    column order and handed to the sheet as a single cell.

    NOTE: a consolidation of thousands of units writes hundreds of thousands
    of these cells. Through XlsxWriter's ``write_*`` (A1-argument conversion,
    dimension checks, a tuple per cell stored in a dict, an attribute list per
    cell when written out) they took three quarters of the time after the
    reading. Each cell is written here exactly as XlsxWriter writes it — the
    same methods, the same bytes (a test compares the two) — strings through
    XlsxWriter itself.
    """

    CHUNK = 256  # cells joined into one string at a time

    def __init__(self, ws: Any, r: int, letters: Sequence[str], first_col: int, gap: Any = None):
        self.ws, self.r, self.row = ws, r, str(r + 1)
        self.first_col = first_col
        self.letters = letters
        self.gap = gap  # the format of the blank cells where nothing is written (None: no cell)
        self.next = 0  # the index of the next unit column
        # NOTE: cells are written left to right and joined CHUNK at a time, so
        # that a row of thousands of units holds a few long strings, not a
        # string object per cell (most of the peak memory of writing a wide row)
        self.buf: list[str] = []
        self.chunks: list[str] = []
        self.tails: dict[tuple[str, Any], str | None] = {}

    def _at(self, c: int) -> int:
        """The index of unit column ``c``, after the blanks of the columns skipped before it."""
        i = c - self.first_col
        if i != self.next:  # NOTE: the common case (the next column) checks nothing more
            if i < self.next or i >= len(self.letters):
                raise ValueError(
                    f"unit cells are written left to right, once each: column {c} after {self.next + self.first_col}"
                )
            self._fill(i)
        self.next = i + 1
        return i

    def _fill(self, upto: int) -> None:
        if self.gap is not None and upto > self.next:
            s, row, letters = f' s="{self.gap._get_xf_index()}"', self.row, self.letters
            for j in range(self.next, upto):
                self._put(f'<c r="{letters[j]}{row}"{s}/>')
        self.next = upto

    def _put(self, xml: str) -> None:
        self.buf.append(xml)
        if len(self.buf) >= self.CHUNK:
            self._join()

    def _join(self) -> None:
        self.chunks.append("".join(self.buf))
        self.buf.clear()

    def write_number(self, r: int, c: int, v: float, fmt: Any = None) -> None:
        if not math.isfinite(
            v
        ):  # never from a return (the reader refuses them); XlsxWriter would raise
            self.write_blank(r, c, None, fmt)
            return
        i = self._at(c)
        s = f' s="{fmt._get_xf_index()}"' if fmt else ""
        self._put(f'<c r="{self.letters[i]}{self.row}"{s}><v>{v:.16G}</v></c>')

    def write_blank(self, r: int, c: int, _none: None, fmt: Any) -> None:
        # XlsxWriter writes a blank only when it has a format
        i = self._at(c)
        if fmt:
            self._put(f'<c r="{self.letters[i]}{self.row}" s="{fmt._get_xf_index()}"/>')

    def write_formula(self, r: int, c: int, formula: str, fmt: Any, value: Any) -> None:
        i = self._at(c)
        t = ""
        if isinstance(value, bool):
            t, value = ' t="b"', int(value)
        elif isinstance(value, str) and value:
            t = ' t="e"' if value in _FORMULA_ERRORS else ' t="str"'
            value = _xml_text(value)
        s = f' s="{fmt._get_xf_index()}"' if fmt else ""
        self._put(
            f'<c r="{self.letters[i]}{self.row}"{s}{t}><f>{_xml_text(formula)}</f><v>{value}</v></c>'
        )

    def write_string(self, r: int, c: int, text: str, fmt: Any) -> None:
        # the XML after the cell reference, made by XlsxWriter once per text and format
        i = self._at(c)
        head = f'<c r="{self.letters[i]}{self.row}"'
        key = (text, fmt)
        tail = self.tails.get(key)
        if tail is None:
            xml = cell_xml(self.ws, r, c, CellStringTuple(text, fmt))
            tail = self.tails[key] = xml[len(head) :] if xml.startswith(head) else None
            if tail is None:  # pragma: no cover - XlsxWriter changed its cell layout
                self._put(xml)
                return
        self._put(head + tail)

    def flush(self) -> None:
        """Hand the row's cells to the sheet (nothing when every cell is empty)."""
        self._fill(len(self.letters))
        if self.buf:
            self._join()
        if self.chunks:
            self.ws.write_raw(
                self.r, self.first_col, self.first_col + len(self.letters) - 1, tuple(self.chunks)
            )
        self.chunks = []


def cell_xml(ws: Any, r: int, c: int, cell: Any) -> str:
    """The XML XlsxWriter writes for ``cell`` at (r, c) of ``ws``."""
    fh, ws.fh = ws.fh, io.StringIO()
    try:
        ws._write_cell(r, c, cell)
        return str(ws.fh.getvalue())
    finally:
        ws.fh = fh


class StreamedSheet(Sheet):
    """A worksheet whose rows go to a temporary file as soon as the next row is
    begun (XlsxWriter's ``constant_memory`` mode, for this sheet alone).

    Rows must be written top to bottom, and a row's height set before the next
    row is begun; strings are written in the cells (inline) rather than in the
    shared strings table. Memory does not grow with the number of units.
    """

    def _initialize(self, init_data: dict[str, Any]) -> None:
        super()._initialize({**init_data, "constant_memory": True})

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        # NOTE: XlsxWriter writes any string shaped like "<r>…</r>" as raw XML
        # (the form of its own rich strings); a note typed in a return must stay
        # text, never become markup of the consolidated workbook.
        if (
            cell.__class__ is CellStringTuple
            and cell.string.startswith("<r>")
            and cell.string.endswith("</r>")
        ):
            attributes: list[tuple[str, object]] = [("r", xl_rowcol_to_cell_fast(row, col))]
            if cell.format:
                attributes.append(("s", cell.format._get_xf_index()))
            elif row in self.row_info and self.row_info[row].row_format:
                attributes.append(("s", self.row_info[row].row_format._get_xf_index()))
            elif col in self.col_info and self.col_info[col].column_format is not None:
                attributes.append(("s", self.col_info[col].column_format._get_xf_index()))
            string = self._escape_control_characters(cell.string)
            self._xml_inline_string(string, _preserve_whitespace(string), attributes)
            return
        super()._write_cell(row, col, cell)

    def write_raw(self, row: int, first_col: int, last_col: int, xml: Sequence[str]) -> None:
        """Ready XML of the cells ``first_col..last_col`` of ``row`` (no other cell of
        the row may lie between them), as XlsxWriter's ``write_*`` would store them."""
        if self._check_dimensions(row, first_col) or self._check_dimensions(row, last_col):
            raise ValueError(
                f"cells {row},{first_col}..{last_col} outside the sheet or already written"
            )
        if row > self.previous_row:
            self._write_single_row(row)
        self.table[row][first_col] = RawCells(xml)


class LockedBook(xlsxwriter.Workbook):
    """A workbook whose structure is locked: ``<workbookProtection>`` right
    before ``<bookViews>``, the element :func:`cchc_xlsx.write.protection.protect_structure` adds
    to a rendered workbook's bytes, written here while the file is made."""

    structure_password = ""

    def _write_book_views(self) -> None:
        attributes: list[tuple[str, object]] = []
        if self.structure_password:
            attributes.append(("workbookPassword", legacy_password_hash(self.structure_password)))
        attributes.append(("lockStructure", 1))
        self._xml_empty_tag("workbookProtection", attributes)
        super()._write_book_views()


def discard_row_files(wb: Any) -> None:
    """Remove the row files of streamed sheets that were not assembled (an error)."""
    for ws in wb.worksheets():
        name = getattr(ws, "row_data_filename", None)
        if not name or not ws.constant_memory:
            continue
        try:
            ws.row_data_fh.close()
        except (AttributeError, OSError):
            pass
        try:
            os.unlink(name)
        except OSError:
            pass
