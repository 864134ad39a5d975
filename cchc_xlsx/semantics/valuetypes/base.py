"""What every value type shares: a check (:class:`ValueCheck`), the base class
:class:`ValueType`, and the readings of a blank or plainly wrong cell."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from cchc_xlsx.catalog.expressions import excel_string
from cchc_xlsx.catalog.model import Row
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.semantics.cells import RawCell, Reading, Validation
from cchc_xlsx.vocabulary import RuleSeverity

TEXT_MAX = 255
# NOTE: Excel keeps 15 significant digits: a figure of 10^15 or more is not one a
# form can hold exactly, and sums of such figures overflow
MAGNITUDE_MAX = 1e15


@dataclass(frozen=True)
class ValueCheck:
    """One Excel condition of a value cell (TRUE when the check fails) and the
    message the template's check column prints then.

    ``name``: ``formula``, ``required``, ``number`` (text, TRUE/FALSE or an error value in a
    number cell), ``date`` (a date or time format), ``magnitude`` (10^15 or
    more: beyond Excel's 15 digits), ``range``, ``integer``,
    ``percent-fraction``, ``choice``, ``length``.
    """

    name: str
    condition: str
    message: str
    severity: RuleSeverity
    # the condition as the check column's chain of IFs may write it, knowing
    # that the checks before it failed: not an error value, a boolean or text,
    # and not blank (None: the same as ``condition``)
    chained: str | None = None

    @property
    def shown(self) -> str:
        """The message as the check column shows it, after its mark (``✗`` an
        error, ``⚠`` a warning: the hidden counts G and H count the marks)."""
        return f"{MARKS[self.severity]} {self.message} "


# NOTE: the check column's messages start with a mark per severity; the
# hidden error and warning counts (G, H) count the marks in the text, so that
# no condition is written twice (a form's sheet is read by every consolidation)
MARKS = {"error": "✗", "warning": "⚠"}


def count_marks(ref: str, severity: RuleSeverity) -> str:
    """Excel: how many messages of ``severity`` the check text in ``ref`` holds."""
    mark = excel_string(MARKS[severity])
    return f'LEN({ref})-LEN(SUBSTITUTE({ref},{mark},""))'


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def excel_trim_fold(text: str) -> str:
    """A text compared as Excel compares a trimmed text: spaces (U+0020 only)
    trimmed and runs of them made one (``TRIM``), case ignored, Unicode NFC."""
    return unicodedata.normalize("NFC", re.sub(" +", " ", text).strip(" ")).casefold()


class ValueType:
    """The rules of one row type; see the module's docstring."""

    name = ""
    #: words for what the cell must hold, in the check column's messages
    what = ""

    def validation(self, row: Row) -> Validation | None:
        """The Excel data validation of the row's value cell (None: none)."""
        return None

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        """Excel conditions over the value cell ``ref``, in the order the reader
        checks them: the check column shows the first that holds."""
        return required_checks(row, ref)

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        """Interpret what a returned cell holds (``ref`` names it in messages)."""
        raise NotImplementedError

    # the template's compilation of :meth:`checks`

    #: whether a blank cell ends the chain of checks (the checks after it hold only for a value)
    blank_ends = False

    def check_text(self, row: Row, ref: str) -> str | None:
        """The check column's expression for the value: the marked message of
        the first failing check, else "". Written as one chain of IFs in the
        checks' order, each check after a blank or a non-number exits with the
        condition it needs there (``ValueCheck.chained``)."""
        checks = list(self.checks(row, ref))
        out = '""'
        after_blank = [c for c in checks if c.name not in ("formula", "number", "required")]
        before_blank = [c for c in checks if c.name in ("formula", "number")]
        required = next((c for c in checks if c.name == "required"), None)
        if not self.blank_ends:
            after_blank, before_blank = (
                [c for c in checks if c.name != "formula"],
                [c for c in checks if c.name == "formula"],
            )
            required = None
        for c in reversed(after_blank):
            out = f"IF({c.chained or c.condition},{excel_string(c.shown)},{out})"
        if self.blank_ends:
            out = f'IF({ref}="",{excel_string(required.shown) if required else chr(34) * 2},{out})'
        for c in reversed(before_blank):
            out = f"IF({c.condition},{excel_string(c.shown)},{out})"
        return None if out == '""' else out

    def error_condition(self, row: Row, ref: str) -> str | None:
        """TRUE when the check column shows an error (and the cell turns red)."""
        return _any(c.condition for c in self.checks(row, ref) if c.severity == "error")


def _any(conditions: object) -> str | None:
    parts = list(conditions)  # type: ignore[call-overload]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"OR({','.join(parts)})"


def required_checks(row: Row, ref: str) -> tuple[ValueCheck, ...]:
    """The checks every value cell starts with: a formula typed into it (the
    reader wants the figure itself), then a required row left blank."""
    # NOTE: ISFORMULA is an Excel 2013 function: the file spells it _xlfn.ISFORMULA
    out = [
        ValueCheck(
            "formula",
            f"_xlfn.ISFORMULA({ref})",
            f"{row.code}: hãy nhập số liệu, không nhập công thức.",
            "error",
        )
    ]
    if row.required:
        out.append(
            ValueCheck(
                "required", f'{ref}=""', f"{row.code}: chỉ tiêu bắt buộc, chưa nhập.", "warning"
            )
        )
    return tuple(out)


def blank_reading(row: Row, ref: str) -> Reading:
    if row.required:
        return Reading(
            None,
            (
                issue(
                    IssueCode.REQUIRED_BLANK,
                    f"Chỉ tiêu {row.code} bắt buộc nhưng ô {ref} để trống.",
                    indicator=row.code,
                    cell=ref,
                ),
            ),
        )
    return Reading(None)


def error_reading(row: Row, ref: str, code: IssueCode, msg: str) -> Reading:
    return Reading(None, (issue(code, msg, indicator=row.code, cell=ref),))


def common_reading(row: Row, cell: RawCell, ref: str) -> Reading | None:
    """What every type reads the same way: formulas, TRUE/FALSE, error values, and
    a blank cell (empty, or an empty text); None when the type must read the cell."""
    if cell.formula:
        return error_reading(
            row,
            ref,
            IssueCode.FORMULA_IN_INPUT,
            f"Ô {ref} (chỉ tiêu {row.code}) chứa công thức “={cell.formula}”; hãy nhập số liệu trực tiếp.",
        )
    if cell.kind == "b":
        return error_reading(
            row,
            ref,
            IssueCode.BOOLEAN_VALUE,
            f"Ô {ref} (chỉ tiêu {row.code}) chứa giá trị {'TRUE' if cell.value else 'FALSE'}; hãy nhập số liệu.",
        )
    if cell.kind == "e":
        return error_reading(
            row,
            ref,
            IssueCode.ERROR_VALUE,
            f"Ô {ref} (chỉ tiêu {row.code}) chứa lỗi {cell.value}; hãy nhập số liệu.",
        )
    if cell.kind is None or (cell.kind == "s" and str(cell.value) == ""):
        return blank_reading(row, ref)
    return None
