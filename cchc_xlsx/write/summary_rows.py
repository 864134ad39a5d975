"""The rows of the summed appendix: per form row, the Tổng cộng formula with its
cached total, one cell per unit (a value involved in an error red, with the
message as a comment; a weight for a weighted mean on the hidden weights
sheet), and the note.

One concept, one module (about 440 lines): what a row of the appendix shows
for each aggregation type and each state of a unit's value is decided here,
in one place, next to the formula that recomputes it in Excel."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterator
from typing import Any

from cchc_xlsx.batch.columns import Columns
from cchc_xlsx.catalog.expressions import format_value
from cchc_xlsx.catalog.model import Row
from cchc_xlsx.consolidation.model import Consolidation, UnitColumn
from cchc_xlsx.layout.a1 import a1, col_letter, quote_sheet
from cchc_xlsx.layout.form import (
    COL_LABEL,
    COL_STT,
    COL_UNIT,
    label_text,
    ratio_formula,
    sum_formula,
)
from cchc_xlsx.layout.summary import (
    COL_TOTAL,
    FIRST_UNIT_COL,
    SUMMARY_LABEL_WIDTH,
    SUMMARY_NOTE_WIDTH,
    SUMMARY_UNIT_WIDTH,
    WEIGHTS_SHEET,
    row_index,
)
from cchc_xlsx.semantics.aggregation_types import AGGREGATION_TYPES, State
from cchc_xlsx.semantics.aggregations import return_value, return_weight, total
from cchc_xlsx.write.style import row_height
from cchc_xlsx.write.xlsxwriter_private import UnitCells

_EXACT = 2**53  # an int of at most this size is written as it is (return_value's rule)

MAX_COMMENT = 2000  # characters of a cell comment (Excel allows 32,767; a note is read, not a log)

LEFT_OUT_TEXT = "(không cộng)"  # a unit's value in error that could not be added
EXCLUDED_SUFFIX = (
    " (không cộng)"  # after a value left out of the sums: text, so SUM, COUNT and COUNTIF skip it
)


class SummaryContext:
    """What every row of the summary needs, computed once."""

    def __init__(self, res: Consolidation, fmts: dict[str, Any], note_col: int):
        self.res = res
        self.fmts = fmts
        self.note_col = note_col
        assert res.layout is not None
        self.idx = row_index(res.layout)
        n = len(res.columns)
        self.first = col_letter(FIRST_UNIT_COL)
        self.last = col_letter(FIRST_UNIT_COL + max(n, 1) - 1)
        self.letters = [col_letter(FIRST_UNIT_COL + i) for i in range(n)]
        # the "Cùng kỳ" columns compare the same units, complete both years (else yellow)
        last = res.last_year
        self.same_units = last is None or last.like_for_like(res)
        # the units that count (their index in res.columns); the others stay blank.
        # NOTE: arrays, not a tuple per unit: a unit's column costs 4 bytes here
        self.counted = array(
            "i", (i for i, col in enumerate(res.columns) if col.status == "submitted")
        )
        self.any_consolidated = any(res.columns[i].from_consolidated for i in self.counted)
        # the returns' values, turned from one column per unit into one row per code
        assert res.layout is not None
        rows = [rl.row for rl in res.layout.rows]
        self.cols = Columns([r.code for r in rows] + [r.weight for r in rows if r.weight], n)
        # code → {unit index: the messages} of the values involved in an error
        self.flags: dict[str, dict[int, str]] = {}
        # code → {unit index: the value} of those left out (errors excluded)
        self.excluded: dict[str, dict[int, object]] = {}
        # code → {unit index: the messages} of the values with a warning
        self.doubts: dict[str, dict[int, str]] = {}
        try:
            for i in self.counted:
                col = res.columns[i]
                self.cols.add(i, res.counted_values(col))
                for code, message in col.doubtful.items():
                    self.doubts.setdefault(code, {})[i] = message
                if col.flagged:
                    values = (
                        res.values_of(col)[0]
                        if res.exclude_errors and not col.from_consolidated
                        else {}
                    )
                    for code, message in col.flagged.items():
                        self.flags.setdefault(code, {})[i] = message
                        if code in values and values[code] is not None:
                            self.excluded.setdefault(code, {})[i] = values[code]
        except BaseException:
            self.cols.close()
            raise

    def cell_format(self, code: str, i: int, name: str) -> Any:
        """The format ``name`` of unit column ``i``'s cell of ``code`` (red when
        involved in an error, yellow when it has a warning)."""
        flags = self.flags.get(code)
        if flags is not None and i in flags:
            return self.fmts[name + "_error"]
        doubts = self.doubts.get(code)
        if doubts is not None and i in doubts:
            return self.fmts[name + "_warning"]
        return self.fmts[name]

    @property
    def submitted(self) -> Iterator[tuple[int, str, UnitColumn]]:
        """(sheet column, column letter, unit) of each unit that counts."""
        letters, columns = self.letters, self.res.columns
        for i in self.counted:
            yield FIRST_UNIT_COL + i, letters[i], columns[i]

    def row_values(self, row: Row) -> _RowValues:
        """Per unit column, the values of ``row`` (and of its weight row) as a small mapping."""
        return _RowValues(
            row, self.cols.row(row.code), self.cols.row(row.weight) if row.weight else None
        )


class _RowValues:
    """A row's values of every unit column; ``[i]`` is column i's as the mapping
    ``return_value`` and ``return_weight`` read (made when asked: one at a time)."""

    def __init__(self, row: Row, own: list[object], weights: list[object] | None):
        self.code, self.weight, self.own, self.weights = row.code, row.weight, own, weights

    def __getitem__(self, i: int) -> dict[str, object]:
        if self.weights is None or not self.weight:
            return {self.code: self.own[i]}
        return {self.code: self.own[i], self.weight: self.weights[i]}


def write_summary_row(ws: Any, weights: Any, ctx: SummaryContext, row: Row, r: int) -> None:
    res, fmts, note_col, idx = ctx.res, ctx.fmts, ctx.note_col, ctx.idx
    cat = res.catalog
    bold = row.depth <= 2
    label = label_text(row)
    ws.write_string(r, COL_STT, row.code, fmts["stt_bold" if bold else "stt"])
    ws.write_string(r, COL_LABEL, label, fmts["label_bold" if bold else "label"])
    # NOTE: neither Excel nor LibreOffice grows a row for wrapped text written by XlsxWriter
    height = row_height(label, SUMMARY_LABEL_WIDTH, row.unit, SUMMARY_UNIT_WIDTH, bold)
    ws.write_string(r, COL_UNIT, row.unit, fmts["unit"])
    rng = f"{ctx.first}{r + 1}:{ctx.last}{r + 1}"
    wrng = f"{quote_sheet(WEIGHTS_SHEET)}!{rng}"
    tot = res.totals.get(row.code)
    note = row.note
    if row.code in res.row_notes:
        note = _join(note, res.row_notes[row.code])
    blank = fmts["blank"]
    # unit columns: blank for the units that do not count (their weight is a blank, i.e. 0)
    cells = UnitCells(ws, r, ctx.letters, FIRST_UNIT_COL, gap=blank)
    if row.type == "heading":
        ws.write_blank(r, COL_TOTAL, None, blank)
        cells.flush()
        ws.write_string(r, note_col, note, fmts["label"])
        _write_last_year(ws, ctx, row, r)
        ws.set_row(r, max(height, row_height(note, SUMMARY_NOTE_WIDTH)))
        return
    if row.type == "ratio":
        nr, dr = idx[row.numerator or ""] + 1, idx[row.denominator or ""] + 1
        own = ctx.cols.row(row.code)
        for c, L, col in ctx.submitted:
            v = own[c - FIRST_UNIT_COL] if not col.from_consolidated else total(cat, row, col.state)
            cells.write_formula(
                r,
                c,
                ratio_formula(f"{L}{nr}", f"{L}{dr}"),
                ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value_ratio"),
                _cache(v),
            )
    elif row.type == "sum":
        terms = [idx[t] + 1 for t in row.terms]
        values = ctx.row_values(row)
        for c, L, col in ctx.submitted:
            if col.from_consolidated:
                v = (
                    total(cat, row, {row.code: col.state[row.code]})
                    if row.code in col.state
                    else None
                )
            else:
                v = return_value(cat, row, values[c - FIRST_UNIT_COL])
            cells.write_formula(
                r,
                c,
                sum_formula([f"{L}{t}" for t in terms]),
                ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value"),
                _cache(v),
            )
    elif row.type == "text":
        own = ctx.cols.row(row.code)
        for c, _L, _col in ctx.submitted:
            text = own[c - FIRST_UNIT_COL]
            if isinstance(text, str):
                cells.write_string(
                    r, c, text, ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value_text")
                )
            else:
                cells.write_blank(r, c, None, blank)
    else:
        _write_unit_cells(cells, weights, ctx, row)
    cells.flush()
    _write_flags(ws, ctx, row, r)
    flagged_units = res.flagged_totals.get(row.code)
    if flagged_units:
        fmts = {**fmts, **{k: fmts[k + "_flagged"] for k in ("total", "total_ratio", "total_text")}}
        names = {c.code: c.name for c in res.columns}
        who = ", ".join(names.get(u, u) for u in flagged_units[:10]) + (
            "…" if len(flagged_units) > 10 else ""
        )
        out = res.excluded_totals.get(row.code, [])
        if res.exclude_errors:
            text = f"Không cộng giá trị có lỗi của {len(flagged_units)} đơn vị: {who} (ô đỏ)."
        elif len(out) == len(flagged_units):
            text = (
                f"Thiếu giá trị có lỗi (không đọc được, không cộng) của {len(out)} đơn vị: {who} (ô đỏ); "
                "tổng chưa đủ."
            )
        else:
            text = f"Gồm giá trị có lỗi của {len(flagged_units)} đơn vị: {who} (ô đỏ); tổng có thể sai."
            if out:
                text += f" Trong đó {len(out)} đơn vị có giá trị không đọc được, không cộng."
        _comment(ws, r, COL_TOTAL, text)
        note = _join(note, text)
    row_doubts = ctx.doubts.get(row.code)
    if row_doubts:
        note = _join(note, f"Gồm giá trị cần xem lại của {len(row_doubts)} đơn vị (ô vàng).")
    # the total
    if row.type == "ratio":
        f = ratio_formula(
            a1(idx[row.numerator or ""], COL_TOTAL), a1(idx[row.denominator or ""], COL_TOTAL)
        )
        ws.write_formula(r, COL_TOTAL, f, fmts["total_ratio"], _cache(tot))
        note = _join(note, f"Tỷ lệ = tổng {row.numerator} / tổng {row.denominator} × 100")
    elif row.type == "sum":
        f = sum_formula([a1(idx[t], COL_TOTAL) for t in row.terms])
        ws.write_formula(r, COL_TOTAL, f, fmts["total"], _cache(tot))
    elif row.type == "text":
        ws.write_blank(r, COL_TOTAL, None, blank)
        note = _join(note, "Nội dung từng đơn vị: xem trang Ghi chú")
    elif row.agg in ("sum", "min", "max"):
        f = _total_formula(row, rng, wrng)
        ws.write_formula(r, COL_TOTAL, f, fmts["total"], _cache(tot))
        if row.agg != "sum":
            note = _join(note, "Giá trị nhỏ nhất" if row.agg == "min" else "Giá trị lớn nhất")
    elif row.agg in ("mean", "weighted_mean"):
        f = _total_formula(row, rng, wrng)
        ws.write_formula(r, COL_TOTAL, f, fmts["total_ratio"], _cache(tot))
        st = res.states.get(row.code, {})
        if row.agg == "mean":
            note = _join(note, f"Trung bình cộng của {st.get('n', 0)} đơn vị có số liệu")
        else:
            note = _join(
                note,
                f"Trung bình có trọng số theo {row.weight} ({st.get('n', 0)} đơn vị có số liệu)",
            )
    elif row.agg == "count_yes":
        f = _total_formula(row, rng, wrng)
        ws.write_formula(r, COL_TOTAL, f, fmts["total"], _cache(tot))
        st = res.states.get(row.code, {})
        answered = int(st.get("n", 0))
        if answered:
            share = format_value(round(int(st.get("yes", 0)) / answered * 100, 2))
            note = _join(note, f"Số đơn vị trả lời Có: {st.get('yes', 0)}/{answered} ({share}%)")
    elif row.agg == "count_options":
        st = res.states.get(row.code, {})
        text = _options_text(row, st) if st.get("n") else ""
        if ctx.any_consolidated:
            ws.write_string(r, COL_TOTAL, text, fmts["total_text"])
            note = _join(note, "Số đơn vị theo từng lựa chọn (cộng từ các biểu tổng hợp)")
        else:
            f = _total_formula(row, rng, wrng)
            ws.write_formula(r, COL_TOTAL, f, fmts["total_text"], text)
            note = _join(note, "Số đơn vị theo từng lựa chọn")
    ws.write_string(r, note_col, note, fmts["label"])
    _write_last_year(ws, ctx, row, r)
    note_lines = row_height(note, SUMMARY_NOTE_WIDTH)
    total_lines = (
        row_height(_options_text(row, res.states.get(row.code, {})), 13)
        if row.agg == "count_options"
        else 0
    )
    ws.set_row(r, max(height, note_lines, total_lines))


def _write_last_year(ws: Any, ctx: SummaryContext, row: Row, r: int) -> None:
    """The "Cùng kỳ năm trước" columns after Ghi chú: last year's total, the
    difference (in the row's unit; percent points for a ratio) and, for counts
    and sums, the change in percent — formulas over Tổng cộng, values cached."""
    last = ctx.res.last_year
    if last is None:
        return
    fmts, c0 = ctx.fmts, ctx.note_col + 1
    blank = fmts["blank"]
    before = last.totals.get(row.code)
    now = ctx.res.totals.get(row.code)
    numeric = isinstance(before, (int, float)) and not isinstance(before, bool)
    if row.type in ("heading", "text") or not (numeric or isinstance(before, dict)):
        for k in range(3):
            ws.write_blank(r, c0 + k, None, blank)
        return
    if isinstance(before, dict):  # a choice row: units per option
        ws.write_string(r, c0, _options_text(row, {"counts": before}), fmts["total_text"])
        ws.write_blank(r, c0 + 1, None, blank)
        ws.write_blank(r, c0 + 2, None, blank)
        return
    rate = row.type in ("ratio", "percent") or row.agg in ("mean", "weighted_mean")
    assert isinstance(before, (int, float))
    if not ctx.same_units:
        fmts = {**fmts, "value": fmts["value_warning"], "value_ratio": fmts["value_ratio_warning"]}
    ws.write_number(r, c0, before, fmts["value_ratio" if rate else "value"])
    cur, prev = a1(r, COL_TOTAL), a1(r, c0)
    diff, pct = last.change(row.code, now)
    both = f"AND(COUNT({cur})=1,COUNT({prev})=1)"
    ws.write_formula(
        r,
        c0 + 1,
        f'IF({both},{cur}-{prev},"")',
        fmts["value_ratio" if rate else "value"],
        "" if diff is None else diff,
    )
    if rate:
        ws.write_blank(r, c0 + 2, None, blank)
    else:
        ws.write_formula(
            r,
            c0 + 2,
            f'IF({both},IF({prev}=0,"",({cur}-{prev})/{prev}*100),"")',
            fmts["value_ratio"],
            "" if pct is None else pct,
        )


def _total_formula(row: Row, values: str, weights: str) -> str:
    """The row's Tổng cộng formula, as its aggregation type defines it."""
    formula = AGGREGATION_TYPES[row.agg].excel_total(row, values, weights)
    if formula is None:  # pragma: no cover - ratios and "none" rows are written otherwise
        raise ValueError(f"aggregation {row.agg!r} has no Excel total")
    return formula


def _comment(ws: Any, r: int, c: int, text: str) -> None:
    """A cell comment, on the row being written (a streamed sheet refuses earlier rows)."""
    if (
        ws.write_comment(r, c, text[:MAX_COMMENT], {"x_scale": 2.5, "y_scale": 2}) != 0
    ):  # pragma: no cover - a bug
        raise RuntimeError(f"comment at {r},{c} refused")


def _write_flags(ws: Any, ctx: SummaryContext, row: Row, r: int) -> None:
    """The messages of the unit cells of this row involved in an error, as comments."""
    flags = ctx.flags.get(row.code, {})
    doubts = ctx.doubts.get(row.code, {})
    if not flags and not doubts:
        return
    lead = "Không cộng vào tổng vì có lỗi:\n" if ctx.res.exclude_errors else "Có lỗi:\n"
    notes = {i: lead + message for i, message in flags.items()}
    for i, message in doubts.items():
        notes.setdefault(i, "Cần xem lại:\n" + message)
    for i, text in sorted(notes.items()):
        if ctx.res.columns[i].status == "submitted":
            _comment(ws, r, FIRST_UNIT_COL + i, text)


def _uses_weights(row: Row, ctx: SummaryContext) -> bool:
    """Whether the row's Tổng cộng formula reads the hidden weights sheet."""
    # NOTE: choices added up from consolidated books are written as text, not a formula
    if row.agg == "count_options" and ctx.any_consolidated:
        return False
    return AGGREGATION_TYPES[row.agg].uses_weights


def _write_unit_cells(cells: UnitCells, weights: Any, ctx: SummaryContext, row: Row) -> None:
    """The submitted units' cells of an input row, and their weights when the
    total's formula uses them (a weight of 0 is left blank: SUM and SUMPRODUCT
    count a blank as 0)."""
    with_weights = _uses_weights(row, ctx)
    own = ctx.cols.row(row.code)  # every unit column's value of the row
    wcells = UnitCells(weights, cells.r, ctx.letters, FIRST_UNIT_COL)
    try:
        _unit_cells(cells, wcells, ctx, row, with_weights, own)
    finally:
        wcells.flush()


def _unit_cells(
    cells: UnitCells,
    wcells: UnitCells,
    ctx: SummaryContext,
    row: Row,
    with_weights: bool,
    own: list[object],
) -> None:
    cat, code, agg, r = ctx.res.catalog, row.code, row.agg, cells.r
    excluded = ctx.excluded.get(code, {})
    flagged_here = ctx.flags.get(code, {})
    if flagged_here:
        # NOTE: a unit's value in error that could not be added (unreadable, left out,
        # blank) is not a silent gap: the cell says so, in red, as text that SUM skips
        marker = cells.write_string, ctx.fmts["value_text_error"]

        def write_blank_or_mark(r: int, c: int, _v: None, fmt: Any) -> None:
            if c - FIRST_UNIT_COL in flagged_here:
                marker[0](r, c, LEFT_OUT_TEXT, marker[1])
            else:
                cells.write_blank(r, c, None, fmt)

        blank_writer: Callable[[int, int, None, Any], None] = write_blank_or_mark
    else:
        blank_writer = cells.write_blank
    blank = ctx.fmts["blank"]

    def left_out(c: int, text: str) -> bool:
        # NOTE: a value left out of the sums stays visible, as text (SUM, COUNT and COUNTIF skip it)
        i = c - FIRST_UNIT_COL
        if i not in excluded:
            return False
        cells.write_string(r, c, text + EXCLUDED_SUFFIX, ctx.fmts["value_text_error"])
        return True

    if agg == "count_yes":
        for c, _L, col in ctx.submitted:
            if col.from_consolidated:
                st = col.state.get(code, {})
                n = int(st.get("n", 0))
                if n:
                    cells.write_number(
                        r,
                        c,
                        int(st.get("yes", 0)),
                        ctx.cell_format(code, c - FIRST_UNIT_COL, "value"),
                    )
                else:
                    blank_writer(r, c, None, blank)
            else:
                v = own[c - FIRST_UNIT_COL]
                n = 1 if v in (0, 1) and not isinstance(v, bool) else 0
                if n:
                    cells.write_string(
                        r,
                        c,
                        "Có" if v else "Không",
                        ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text"),
                    )
                elif not left_out(c, "Có" if excluded.get(c - FIRST_UNIT_COL) else "Không"):
                    blank_writer(r, c, None, blank)
            if with_weights and n:
                wcells.write_number(r, c, n)
        return
    if agg == "count_options":
        labels: dict[str, str] = {}
        for o in row.options:
            labels.setdefault(
                str(o.value), o.label
            )  # the first option of a value, as option_by_value
        for c, _L, col in ctx.submitted:
            if col.from_consolidated:
                st = col.state.get(code, {})
                n = int(st.get("n", 0))
                if n:
                    cells.write_string(
                        r,
                        c,
                        _options_text(row, st),
                        ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text"),
                    )
                else:
                    blank_writer(r, c, None, blank)
            else:
                v = own[c - FIRST_UNIT_COL]
                label = (
                    labels.get(str(v)) if isinstance(v, int) and not isinstance(v, bool) else None
                )
                n = 1 if label is not None else 0
                if label is not None:
                    cells.write_string(
                        r, c, label, ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text")
                    )
                elif not left_out(c, labels.get(str(excluded.get(c - FIRST_UNIT_COL)), "")):
                    blank_writer(r, c, None, blank)
            if with_weights and n:
                wcells.write_number(r, c, n)
        return
    name = "value" if agg == "sum" else "value_ratio"
    fmt, flags = ctx.fmts[name], ctx.flags.get(code)
    values = _RowValues(row, own, ctx.cols.row(row.weight) if row.weight else None)
    doubts = ctx.doubts.get(code)
    plain_row = not flags and not doubts and not excluded and agg in ("sum", "mean", "min", "max")
    write_number, write_blank = cells.write_number, blank_writer
    for c, _L, col in ctx.submitted:
        if col.from_consolidated:
            st = col.state.get(code, {})
            v = total(cat, row, {code: st})
            weight: float = (
                (float(st.get("w", 0)) if st.get("wsum") is not None else 0)
                if agg == "weighted_mean"
                else int(st.get("n", 0))
            )
        elif plain_row:
            # NOTE: the common case (a plain number of a return, no flag): return_value without the mapping
            v = own[c - FIRST_UNIT_COL]
            if v.__class__ is int or v.__class__ is float:
                if with_weights:
                    wcells.write_number(r, c, 1)
                write_number(
                    r, c, v if v.__class__ is float or -_EXACT < v < _EXACT else float(v), fmt
                )
            else:
                write_blank(r, c, None, blank)
            continue
        else:
            mine = values[c - FIRST_UNIT_COL]
            v = return_value(cat, row, mine)
            weight = return_weight(row, mine) if with_weights else 0
        if isinstance(v, (int, float)):
            write_number(
                r, c, v, ctx.cell_format(code, c - FIRST_UNIT_COL, name) if flags or doubts else fmt
            )
        elif not left_out(c, format_value(excluded.get(c - FIRST_UNIT_COL))):  # type: ignore[arg-type]
            write_blank(r, c, None, blank)
        if with_weights and weight:
            wcells.write_number(r, c, weight)


def _options_text(row: Row, st: State) -> str:
    counts = st.get("counts", {})
    return "; ".join(f"{o.label}: {counts.get(str(o.value), 0)}" for o in row.options)


def _cache(v: object) -> Any:
    if v is None:
        return ""
    if isinstance(v, dict):
        return ""
    return v


def _join(a: str, b: str) -> str:
    if not a:
        return b
    return f"{a} {b}" if a.rstrip().endswith((".", ":", ";")) else f"{a}. {b}"
