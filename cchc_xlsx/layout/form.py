"""FormLayout: where every row, input, formula, validation and rule of a form lives.

Pure: computed once from a catalogue and a level, shared by the template
writer and the reader, so the two can never disagree about a cell.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from cchc_xlsx.catalog.expressions import excel_message
from cchc_xlsx.catalog.model import Catalog, Row, Rule
from cchc_xlsx.layout.a1 import a1, quote_sheet
from cchc_xlsx.semantics.cells import Validation
from cchc_xlsx.semantics.valuetypes import value_type
from cchc_xlsx.semantics.valuetypes.base import MARKS, count_marks

# columns of the form (zero-based)
COL_STT, COL_LABEL, COL_UNIT, COL_VALUE, COL_NOTE, COL_CHECK, COL_NERR, COL_NWARN = range(8)
# optional, locked: the unit's own figures of the previous period, for reference
# (only in templates generated with them; the identity sheet then names the period)
COL_PREVIOUS = 8
# rows of the title block and header (zero-based)
ROW_UNIT, ROW_TITLE, ROW_PERIOD, ROW_ATTACHED, ROW_WINDOW, ROW_STATUS = range(6)
ROW_HEAD1, ROW_HEAD2 = 6, 7
FIRST_DATA_ROW = 8
# the cell where a generic template's unit is chosen or typed (B1)
UNIT_INPUT_CELL = (ROW_UNIT, COL_LABEL)
LISTS_SHEET = "_cchc_lists"
LIST_COL = 0  # the units of a generic template's drop-down, one per row of column A
NOTE_MAX = 500
FORMAT_VERSION = "1"


@dataclass(frozen=True)
class RowLayout:
    """One catalogue row placed on a sheet."""

    row: Row
    sheet: int
    r: int
    formula: str | None = None  # column D, without the leading "="
    validation: Validation | None = None
    check_formula: str | None = None  # column F
    error_count_formula: str | None = None  # column G (hidden)
    warning_count_formula: str | None = None  # column H (hidden)
    rules: tuple[Rule, ...] = ()
    value_check: str | None = (
        None  # Excel condition TRUE when the typed value is an error (the cell turns red)
    )

    @property
    def code(self) -> str:
        return self.row.code

    @property
    def is_input(self) -> bool:
        return self.row.is_input


@dataclass(frozen=True)
class SheetLayout:
    name: str
    title: str
    rows: tuple[RowLayout, ...]

    @property
    def last_row(self) -> int:
        return self.rows[-1].r if self.rows else FIRST_DATA_ROW - 1


@dataclass(frozen=True)
class FormLayout:
    """The complete placement of one catalogue's form at one level."""

    catalog: Catalog
    level: str
    sheets: tuple[SheetLayout, ...]
    rules: tuple[Rule, ...]
    fingerprint: str
    status_formula: str
    _by_code: Mapping[str, RowLayout] = field(default_factory=dict, repr=False, compare=False)

    def __getitem__(self, code: str) -> RowLayout:
        return self._by_code[code]

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    @property
    def rows(self) -> tuple[RowLayout, ...]:
        return tuple(r for s in self.sheets for r in s.rows)

    @property
    def inputs(self) -> tuple[RowLayout, ...]:
        return tuple(r for r in self.rows if r.is_input)

    def cell_ref(self, code: str, from_sheet: int, absolute: bool = False) -> str:
        """The A1 reference of a row's value cell, seen from ``from_sheet``."""
        rl = self._by_code[code]
        ref = a1(rl.r, COL_VALUE, absolute)
        if rl.sheet != from_sheet:
            return f"{quote_sheet(self.sheets[rl.sheet].name)}!{ref}"
        return ref


NOTE_VALIDATION = Validation(
    "length",
    0,
    NOTE_MAX,
    input_title="Ghi chú",
    input_message=f"Ghi chú cho chỉ tiêu này, tối đa {NOTE_MAX} ký tự.",
    error_title="Ghi chú quá dài",
    error_message=f"Ghi chú tối đa {NOTE_MAX} ký tự.",
)


def ratio_formula(num: str, den: str) -> str:
    """Ratio in percent points, blank when a part is blank or the denominator is 0."""
    return f'IF(AND(COUNT({num})=1,COUNT({den})=1),IF({den}=0,"",{num}/{den}*100),"")'


def sum_formula(refs: list[str]) -> str:
    joined = ",".join(refs)
    return f'IF(COUNT({joined})=0,"",SUM({joined}))'


def build_layout(catalog: Catalog, level: str) -> FormLayout:
    """Place every row of ``catalog`` that appears at ``level``."""
    if level not in catalog.levels:
        raise ValueError(f"level {level!r} not in catalogue levels {catalog.levels}")
    present = {r.code for r in catalog.rows_for_level(level)}
    # first pass: positions
    positions: dict[str, tuple[int, int]] = {}
    sheet_rows: list[list[Row]] = []
    sheet_meta: list[tuple[str, str]] = []
    for si, sheet in enumerate(s for s in catalog.sheets if any(r.code in present for r in s.rows)):
        rows = [r for r in sheet.rows if r.code in present]
        for i, row in enumerate(rows):
            positions[row.code] = (si, FIRST_DATA_ROW + i)
        sheet_rows.append(rows)
        name = sheet.name if len(catalog.sheets) > 1 else "Phụ lục"
        sheet_meta.append((name, sheet.title))
    names = [m[0] for m in sheet_meta]

    def ref_from(si: int, absolute: bool = False) -> Callable[[str], str]:
        def cell_of(code: str) -> str:
            osi, r = positions[code]
            ref = a1(r, COL_VALUE, absolute)
            return ref if osi == si else f"{quote_sheet(names[osi])}!{ref}"

        return cell_of

    rules = catalog.rules_for_level(level)
    anchored: dict[str, list[Rule]] = {}
    for rule in rules:
        anchored.setdefault(rule.refs[0], []).append(rule)

    sheets: list[SheetLayout] = []
    by_code: dict[str, RowLayout] = {}
    for si, rows in enumerate(sheet_rows):
        cell_of = ref_from(si)
        out: list[RowLayout] = []
        for row in rows:
            _, r = positions[row.code]
            formula = None
            if row.type == "ratio" and row.numerator and row.denominator:
                formula = ratio_formula(cell_of(row.numerator), cell_of(row.denominator))
            elif row.type == "sum":
                formula = sum_formula([cell_of(t) for t in row.terms])
            own = a1(r, COL_VALUE)
            vtype = value_type(row) if row.is_input else None
            vcheck = vtype.error_condition(row, own) if vtype else None
            row_rules = tuple(anchored.get(row.code, ()))
            msg_parts: list[str] = []
            if vtype is not None:
                text = vtype.check_text(row, own)
                if text:
                    msg_parts.append(text)
            for rule in row_rules:
                cond = rule.check.excel_violated(cell_of)
                msg = excel_message(f"{MARKS[rule.severity]} {rule.message}. ", cell_of)
                msg_parts.append(f'IF({cond},{msg},"")')
            check = f"TRIM({'&'.join(msg_parts)})" if msg_parts else None
            fcell = a1(r, COL_CHECK)
            rl = RowLayout(
                row=row,
                sheet=si,
                r=r,
                formula=formula,
                validation=vtype.validation(row) if vtype else None,
                check_formula=check,
                error_count_formula=count_marks(fcell, "error") if check else None,
                warning_count_formula=count_marks(fcell, "warning") if check else None,
                rules=row_rules,
                value_check=vcheck,
            )
            out.append(rl)
            by_code[row.code] = rl
        sheets.append(SheetLayout(sheet_meta[si][0], sheet_meta[si][1], tuple(out)))

    status = _status_formula(sheets)
    layout = FormLayout(catalog, level, tuple(sheets), rules, "", status, by_code)
    fp = fingerprint(layout)
    return FormLayout(catalog, level, tuple(sheets), rules, fp, status, by_code)


def _status_formula(sheets: list[SheetLayout]) -> str:
    def total(col: int) -> str:
        parts = []
        for si, s in enumerate(sheets):
            rng = (
                f"{a1(FIRST_DATA_ROW, col, True)}:{a1(max(s.last_row, FIRST_DATA_ROW), col, True)}"
            )
            parts.append(rng if si == 0 else f"{quote_sheet(s.name)}!{rng}")
        return "SUM(" + ",".join(parts) + ")"

    e, w = total(COL_NERR), total(COL_NWARN)
    return (
        f'IF({e}+{w}=0,"Không có lỗi",'
        f'IF({e}>0,"Còn "&{e}&" lỗi cần sửa","Không có lỗi")'
        f'&IF({w}>0,", "&{w}&" cảnh báo cần xem lại",""))'
    )


def fingerprint(layout: FormLayout) -> str:
    """Hash of everything that must not change after issue: codes, labels, units,
    which cells are inputs, formulas and validations."""
    payload = {
        "format": FORMAT_VERSION,
        "level": layout.level,
        "sheets": [
            {
                "name": s.name,
                "rows": [
                    [
                        rl.r,
                        rl.row.code,
                        rl.row.label,
                        rl.row.hint,
                        rl.row.unit,
                        rl.row.type,
                        rl.is_input,
                        rl.formula,
                        rl.validation.as_dict() if rl.validation else None,
                        rl.check_formula,
                    ]
                    for rl in s.rows
                ],
            }
            for s in layout.sheets
        ],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def label_text(row: Row) -> str:
    """The label as printed in column B (hint in brackets after it)."""
    return f"{row.label} ({row.hint})" if row.hint else row.label
