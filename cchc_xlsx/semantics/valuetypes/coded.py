"""The coded types (Có/Không, a choice among options) and free text."""

from __future__ import annotations

from cchc_xlsx.catalog.expressions import excel_string
from cchc_xlsx.catalog.model import Row
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.semantics.cells import RawCell, Reading, Validation
from cchc_xlsx.semantics.numbers import as_stored, shown
from cchc_xlsx.semantics.valuetypes.base import (
    TEXT_MAX,
    ValueCheck,
    ValueType,
    common_reading,
    cut,
    error_reading,
    excel_trim_fold,
    required_checks,
)


class CodedType(ValueType):
    """Có/Không and choices: a label, case aside and trimmed as Excel's TRIM does, or its numeric code."""

    def __init__(self, name: str):
        self.name = name
        self.what = "giá trị trong danh sách"

    def options(self, row: Row) -> list[tuple[str, int]]:
        if self.name == "boolean":
            return [("Có", 1), ("Không", 0)]
        return [(o.label, o.value) for o in row.options]

    def validation(self, row: Row) -> Validation:
        labels = tuple(label for label, _v in self.options(row))
        return Validation(
            "list",
            choices=labels,
            input_title=cut(f"Chỉ tiêu {row.code}", 32),
            input_message=cut("Chọn trong danh sách: " + "; ".join(labels) + ".", 255),
            error_title="Giá trị không có trong danh sách",
            error_message=cut(
                "Hãy chọn một giá trị trong danh sách: " + "; ".join(labels) + ".", 255
            ),
        )

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        opts = self.options(row)
        labels = ",".join(f"TRIM({ref})<>{excel_string(label)}" for label, _v in opts)
        codes = ",".join(f"{ref}<>{value}" for _l, value in dict.fromkeys(opts))
        cond = f'IF(ISERROR({ref}),TRUE,IF(ISLOGICAL({ref}),TRUE,IF(ISNUMBER({ref}),AND({codes}),IF(ISTEXT({ref}),AND({ref}<>"",{labels}),{ref}<>""))))'
        names = "; ".join(label for label, _v in opts)
        return (
            *required_checks(row, ref),
            ValueCheck(
                "choice",
                cond,
                f"{row.code}: hãy chọn một giá trị trong danh sách ({names}).",
                "error",
            ),
        )

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = common_reading(row, cell, ref)
        if common is not None:
            return common
        opts = self.options(row)
        names = "; ".join(label for label, _v in opts)
        if cell.kind == "n":
            number = float(cell.value)  # type: ignore[arg-type]
            if number.is_integer() and any(v == int(number) for _l, v in opts):
                return Reading(int(number))
            return error_reading(
                row,
                ref,
                IssueCode.INVALID_CHOICE,
                f"Ô {ref} (chỉ tiêu {row.code}): “{as_stored(cell.value)}” không có trong danh sách ({names}).",
            )
        raw = str(cell.value)
        key = excel_trim_fold(raw)
        for label, value in opts:
            if key == excel_trim_fold(label):
                return Reading(value)
        return error_reading(
            row,
            ref,
            IssueCode.INVALID_CHOICE,
            f"Ô {ref} (chỉ tiêu {row.code}): {shown(raw)} không có trong danh sách ({names}).",
        )


class TextType(ValueType):
    """Free text, kept as typed (at most 255 characters without a warning)."""

    name = "text"
    what = "nội dung"

    def validation(self, row: Row) -> Validation:
        return Validation(
            "length",
            0,
            TEXT_MAX,
            input_title=cut(f"Chỉ tiêu {row.code}", 32),
            input_message=f"Nhập nội dung, tối đa {TEXT_MAX} ký tự.",
            error_title="Nội dung quá dài",
            error_message=f"Tối đa {TEXT_MAX} ký tự.",
        )

    def checks(self, row: Row, ref: str) -> tuple[ValueCheck, ...]:
        return (
            *required_checks(row, ref),
            ValueCheck(
                "length",
                f"LEN({ref})>{TEXT_MAX}",
                f"{row.code}: nội dung dài quá {TEXT_MAX} ký tự.",
                "warning",
            ),
        )

    def read(self, row: Row, cell: RawCell, ref: str, *, date1904: bool = False) -> Reading:
        common = common_reading(row, cell, ref)
        if common is not None:
            return common
        text = str(cell.value) if cell.kind == "s" else as_stored(cell.value)
        if len(text) > TEXT_MAX:
            return Reading(
                text,
                (
                    issue(
                        IssueCode.TEXT_TOO_LONG,
                        f"Ô {ref}: nội dung dài {len(text)} ký tự (tối đa {TEXT_MAX}).",
                        indicator=row.code,
                        cell=ref,
                    ),
                ),
            )
        return Reading(text)
