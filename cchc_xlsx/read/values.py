"""Reading a form's values: the cells' text, labels compared as a person sees them,
every input and note read by its value type, the derived rows and the rules checked."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.issues import IssueCode, issue
from cchc_xlsx.layout.form import COL_NOTE, COL_VALUE, FormLayout, RowLayout, build_layout
from cchc_xlsx.read.model import SheetData
from cchc_xlsx.read.package import Package
from cchc_xlsx.read.record import FileResult
from cchc_xlsx.semantics.cells import EMPTY, RawCell
from cchc_xlsx.semantics.derived import check_rules, compute_derived
from cchc_xlsx.semantics.numbers import format_vn
from cchc_xlsx.semantics.valuetypes import read_value


def layout_for(catalog: Catalog, level: str, layouts: dict[str, FormLayout]) -> FormLayout:
    if level not in layouts:
        layouts[level] = build_layout(catalog, level)
    return layouts[level]


def cell_text(cell: RawCell) -> str:
    if cell.value is None:
        return ""
    if cell.kind == "n" and isinstance(cell.value, float) and cell.value.is_integer():
        return str(int(cell.value))
    return str(cell.value)


def normalise_label(text: str) -> str:
    """A label as compared: Unicode NFC, format characters (Cf) dropped, every
    run of spaces of any kind one space, case ignored — differences a person
    cannot see, or an office's re-save makes, are not edits."""
    t = unicodedata.normalize("NFC", str(text))
    t = "".join(ch for ch in t if unicodedata.category(ch) != "Cf")
    return " ".join(t.split()).casefold()


def collect_values(
    res: FileResult,
    layout: FormLayout,
    catalog: Catalog,
    pkg: Package,
    where: Callable[[RowLayout], tuple[SheetData, int, str]],
) -> None:
    """Read every input and note of ``layout`` (``where`` says on which sheet and row a row is),
    compute the derived rows and check the rules."""
    cell_of: dict[str, str] = {}
    typed = False
    edited, values, date1904 = res.edited, res.values, pkg.date1904
    for rl in layout.rows:
        row = rl.row
        code = row.code
        sd, r, ref = where(rl)
        cell_of[code] = ref
        cells = sd.cells
        note = cells.get((r, COL_NOTE))
        if note is not None and note.value not in (None, ""):
            res.notes[code] = cell_text(note).strip()
        if not row.is_input or code in edited:
            continue  # NOTE: a row whose label or unit was edited may mean something else: left out
        cell = cells.get((r, COL_VALUE), EMPTY)
        if cell.kind is not None and cell.value != "":
            typed = True
        if cell.kind == "n" and cell.style:
            kind = pkg.format_kind_of(cell.style)
            if kind:
                cell = cell._replace(fmt=kind)
        reading = read_value(row, cell, ref, date1904=date1904)
        if reading.issues:
            res.issues.extend(reading.issues)
        if reading.value is not None:
            values[code] = reading.value
    if not typed and not res.notes:
        res.issues.append(
            issue(
                IssueCode.EMPTY_FORM,
                "Biểu không có số liệu nào: mọi ô nhập đều trống. Có thể đơn vị đã gửi nhầm biểu mẫu chưa điền; hãy hỏi lại đơn vị.",
            )
        )
    _check_weights(res, layout, cell_of)
    _check_ratio_parts(res, layout, cell_of)
    derived = compute_derived(catalog, res.values, [rl.code for rl in layout.rows])
    all_values: dict[str, object] = {
        **res.values,
        **{k: v for k, v in derived.items() if v is not None},
    }
    res.issues.extend(check_rules(layout.rules, all_values, cell_of))
    res.values = all_values


def _check_ratio_parts(res: FileResult, layout: FormLayout, cell_of: dict[str, str]) -> None:
    """A ratio's numerator typed with its denominator blank: the consolidated
    ratio (summed numerators over summed denominators) would count this unit's
    numerator over the others' denominators — 950/750, 126,67 % — so it is an
    error on the denominator (the consolidator leaves both parts out with
    ``--exclude-errors`` and marks the total). The other way round, a
    denominator with the numerator blank, adds up as a numerator of 0, which
    is what the template's formula shows: no issue. A zero numerator needs no
    denominator."""
    in_error = {i.indicator for i in res.issues if i.severity == "error" and i.indicator}
    for rl in layout.rows:
        row = rl.row
        num, den = row.numerator, row.denominator
        if row.type != "ratio" or not num or not den or num not in cell_of or den not in cell_of:
            continue
        n, d = res.values.get(num), res.values.get(den)
        if (
            isinstance(n, (int, float))
            and not isinstance(n, bool)
            and n != 0
            and d is None
            and den not in in_error
            and num not in in_error
        ):
            res.issues.append(
                issue(
                    IssueCode.RATIO_PART_MISSING,
                    f"Tỷ lệ {row.code}: tử số {num} (ô {cell_of[num]}) là {format_vn(n)} nhưng mẫu số "
                    f"{den} (ô {cell_of[den]}) để trống, nên tỷ lệ của biểu tổng hợp sẽ sai. "
                    f"Hãy nhập {den}.",
                    indicator=den,
                    cell=cell_of[den],
                )
            )


def _check_weights(res: FileResult, layout: FormLayout, cell_of: dict[str, str]) -> None:
    """A figure of a weighted-mean row whose weight cell is blank weighs nothing:
    it would be left out of the mean without a word, so it is an error on the row.
    (A weight in error is not repeated here: the consolidator carries that error
    to the mean it weighs.)"""
    in_error = {i.indicator for i in res.issues if i.severity == "error" and i.indicator}
    for rl in layout.rows:
        row = rl.row
        weight = row.weight
        if row.agg != "weighted_mean" or not weight or weight not in cell_of:
            continue
        value, w = res.values.get(row.code), res.values.get(weight)
        if (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and (w is None or isinstance(w, bool))
            and weight not in in_error
        ):
            res.issues.append(
                issue(
                    IssueCode.WEIGHT_MISSING,
                    f"Ô {cell_of[row.code]} (chỉ tiêu {row.code}) có số liệu nhưng trọng số {weight} "
                    f"(ô {cell_of[weight]}) để trống: giá trị này không được tính vào trung bình có trọng số. "
                    f"Hãy nhập {weight} (nhập 0 nếu không có).",
                    indicator=row.code,
                    cell=cell_of[weight],
                )
            )
