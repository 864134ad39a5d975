"""Consolidation: the summed appendix with formula-based totals, the submission
status, the issues and the notes — and reading such a workbook back one level up.

The arithmetic lives in ``aggregate`` (pure); this module places it in a
workbook whose every formula carries its cached value.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from xlsxwriter.exceptions import FileCreateError

from ._atomic import atomic_path, atomic_write_bytes
from ._ooxml import Package, XlsxError
from ._spill import Columns
from ._xlsxwriter import LockedBook, StreamedSheet, UnitCells, discard_row_files
from .aggregate import Accumulator, State, return_value, return_weight, total
from .batch import CheckResult, Expectation, read_batch
from .captions import render_captions
from .catalog import LEVELS, Catalog, Row, Rule
from .checks import check_rules, compute_derived
from .errors import OutputError, UsageError
from .issues import issue
from .layout import (
    FIRST_DATA_ROW,
    ROW_ATTACHED,
    ROW_HEAD1,
    ROW_HEAD2,
    ROW_PERIOD,
    ROW_STATUS,
    ROW_TITLE,
    ROW_UNIT,
    ROW_WINDOW,
    FormLayout,
    a1,
    build_layout,
    col_letter,
    label_text,
    quote_sheet,
    ratio_formula,
    sum_formula,
)
from .outliers import flag_outliers
from .periods import parse_period
from .reader import FileResult
from .rules import excel_string, format_value
from .style import add_formats, print_setup
from .template import (
    Meta,
    default_password,
    now_iso,
    row_height,
    write_meta_sheet,
)
from .units import Units

SUMMARY_SHEET = "Tổng hợp"
SUMMARY_LABEL_WIDTH = 44
SUMMARY_UNIT_WIDTH = 12
SUMMARY_NOTE_WIDTH = 24
STATUS_SHEET = "Tình hình nộp báo cáo"
ISSUES_SHEET = "Kiểm tra"
NOTES_SHEET = "Ghi chú"
WEIGHTS_SHEET = "_cchc_n"
COL_TOTAL = 3
FIRST_UNIT_COL = 4
STATE_CHUNK = 30000
XLSX_MAX_COLS = 16384  # columns A … XFD
_EXACT = 2**53  # an int of at most this size is written as it is (return_value's rule)
MAX_COMMENT = 2000  # characters of a cell comment (Excel allows 32,767; a note is read, not a log)
EXCLUDED_SUFFIX = " (không cộng)"  # after a value left out of the sums: text, so SUM, COUNT and COUNTIF skip it
MAX_UNITS = XLSX_MAX_COLS - FIRST_UNIT_COL - 1  # unit columns between Tổng cộng and Ghi chú

STATUS_TEXT = {
    "submitted": "đã nộp",
    "missing": "chưa nộp",
    "rejected": "bị từ chối",
    "conflict": "nộp trùng",
}


@dataclass(slots=True)
class UnitColumn:
    code: str
    name: str
    status: str = "missing"  # submitted | missing | rejected | conflict
    # the files, by their id in the batch's FileStore (``Consolidation.file_of``):
    # the one added up, and those considered (rejected or conflicting ones)
    file: int | None = None
    files: tuple[int, ...] = ()
    # a consolidated input's states (its Tổng cộng); empty for a return, whose
    # states are added up from its values as they are needed and not kept
    state: dict[str, State] = field(default_factory=dict)
    from_consolidated: bool = False
    # codes of this unit's values involved in an error-level issue, with the messages
    flagged: dict[str, str] = field(default_factory=dict)


@dataclass
class Consolidation:
    """The outcome of one consolidation (:func:`cchc_xlsx.consolidate`).

    ``totals``: the consolidated value of every row that has one, keyed by
    catalogue code (sub-rows included) — counts and sums as numbers; ratio rows
    recomputed from the summed numerator and denominator, in percent points
    (0–100, full precision: rounding is only a display format); means as
    numbers; Có/Không rows as the number of units answering Có; choice rows as
    ``{"option value": number of units}``. A row with no figure is absent.
    ``columns``: one :class:`UnitColumn` per expected unit (units-file order),
    or per unit that sent a file when no units file was given.
    ``batch``: every file read, with its status and issues (:class:`CheckResult`).
    ``unit``, ``unit_name``, ``unit_level``: the consolidating unit (empty
    when none was given). ``partial``: some expected unit is missing,
    rejected or conflicting, or a consolidated input was itself partial.
    ``out``: the workbook written (None when none was asked for).
    """

    batch: CheckResult
    catalog: Catalog
    layout: FormLayout | None
    columns: list[UnitColumn]
    totals: dict[str, object]
    states: dict[str, State]
    unit: str | None
    unit_name: str
    unit_level: str
    partial: bool
    out: Path | None = None
    exclude_errors: bool = False
    # per total: the units whose flagged values it includes (or, excluded, leaves out)
    flagged_totals: dict[str, list[str]] = field(default_factory=dict)

    def values_of(self, col: UnitColumn) -> tuple[dict[str, object], dict[str, str]]:
        """A submitted column's values and notes (read back from disk)."""
        if col.file is None:
            return {}, {}
        return self.batch.files.values(col.file)

    def counted_values(self, col: UnitColumn) -> dict[str, object]:
        """A submitted column's values as added up: without its flagged values
        (and the rows derived from them) when errors are excluded."""
        values = self.values_of(col)[0]
        if not self.exclude_errors or not col.flagged:
            return values
        return without_flagged(self.catalog, values, col.flagged)

    def file_of(self, col: UnitColumn) -> FileResult | None:
        """The file a column adds up (without its values: see :meth:`values_of`)."""
        return None if col.file is None else self.batch.files.get(col.file)

    def files_of(self, col: UnitColumn) -> list[FileResult]:
        """The file added up, else the files considered for the unit (rejected or conflicting)."""
        return [self.batch.files.get(i) for i in ((col.file,) if col.file is not None else col.files)]

    @property
    def missing_units(self) -> list[str]:
        """Codes of the expected units with no accepted file: not sent, or every file rejected."""
        return [c.code for c in self.columns if c.status in ("missing", "rejected")]

    @property
    def conflicting_units(self) -> list[str]:
        """Codes of the units that sent several different accepted files (none of them added)."""
        return [c.code for c in self.columns if c.status == "conflict"]

    @property
    def flagged_values(self) -> int:
        """Number of the added-up units' values involved in an error-level issue
        (red in the summed appendix; left out of the sums when errors are excluded)."""
        return sum(len(c.flagged) for c in self.columns if c.status == "submitted")

    @property
    def submitted(self) -> int:
        """Number of units whose return was added up (DHIS2's "actual reports")."""
        return sum(1 for c in self.columns if c.status == "submitted")

    @property
    def reporting_rate(self) -> float | None:
        """Submitted units as percent points of the expected ones (None when none is expected)."""
        return self.submitted / len(self.columns) * 100 if self.columns else None

    @property
    def exit_code(self) -> int:
        """``0`` when every file was accepted with no error-level issue and every
        expected unit was added up; else ``1`` (the CLI's exit code)."""
        bad = self.batch.files.any_bad() or any(c.status != "submitted" for c in self.columns)
        return 1 if bad else 0

    def as_json(self) -> dict[str, Any]:
        """The JSON report of the contract (``level``, ``period``, ``files``,
        ``missing_units``, ``conflicting_units``, ``totals``, ``totals_flagged``) as a dict."""
        return report_json(self)


def run_consolidation(
    paths: Sequence[str],
    catalog: Catalog,
    expect: Expectation,
    outputs: dict[str, Path | None],
    *,
    prefer: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    password: str = "",
    check_top: Callable[[CheckResult], None] | None = None,
    exclude_errors: bool = False,
) -> Consolidation:
    """Read, check and add up the returns; write each output asked for in
    ``outputs`` (``book``, ``json``, ``csv``, ``own_form``: the paths to write
    them to, temporaries of the caller's :class:`~cchc_xlsx._atomic.OutputSet`).
    ``check_top`` may refuse the batch once its level is known."""
    # NOTE: each file's record and values go to disk as it is read (the batch's
    # FileStore) and come back one file (or, for the summary, one row) at a time
    batch = read_batch(paths, catalog, expect, workers=workers, progress=progress, require_files=True)
    if check_top is not None:
        check_top(batch)
    flag_outliers(batch, catalog)
    result = build_consolidation(batch, catalog, expect.units, expect.unit, prefer, exclude_errors=exclude_errors)
    book, json_out, csv_out, own = (outputs.get(k) for k in ("book", "json", "csv", "own_form"))
    if book is not None:
        write_consolidated_file(result, book, password=password)
    if json_out is not None:
        with open(json_out, "w", encoding="utf-8") as fh:
            write_report_json(result, fh)
    if csv_out is not None:
        with open(csv_out, "w", encoding="utf-8", newline="") as fh:
            write_tidy_csv(result, fh)
    if own is not None:
        write_own_form(result, own, password=password)
    return result


def build_consolidation(
    batch: CheckResult, catalog: Catalog, units: Units | None, unit: str | None, prefer: str | None, *, exclude_errors: bool = False
) -> Consolidation:
    files = batch.files
    rules_by_id = {r.id: r for r in catalog.rules}
    form_level = batch.form_level or batch.level or catalog.levels[0]
    layout = build_layout(catalog, form_level) if form_level in catalog.levels else None
    codes = [rl.code for rl in layout.rows] if layout else []
    # columns: the expected units in units-file order, else the units that sent files
    if batch.expected is not None and units is not None:
        columns = [UnitColumn(c, units[c].name) for c in batch.expected]
    else:
        columns = [UnitColumn(c, n or c) for c, n in files.first_units()]
    # NOTE: states are added up unit by unit as the columns are settled; no unit's state is kept
    acc = Accumulator(catalog, [c for c in codes if catalog.row(c).type not in ("heading", "ratio", "text")])
    partial = False
    for col in columns:
        considered = list(files.items(unit=col.code, status=("accepted", "rejected")))
        col.files = tuple(i for i, _f in considered)
        ok = [(i, f) for i, f in considered if f.status == "accepted"]
        if not ok:
            col.status = "rejected" if considered else "missing"
            partial = True
            continue
        if len(ok) > 1:
            if prefer == "latest":
                ok.sort(key=lambda p: (p[1].generated_at or "", p[1].mtime or 0.0, p[1].path))
                winner = ok[-1][1]
                for _i, f in ok[:-1]:
                    f.status = "skipped"
                    f.issues.append(issue("conflict-resolved", f"{col.name} ({col.code}) nộp nhiều tệp khác nhau; dùng tệp mới hơn {os.path.basename(winner.path)} (đã chọn lấy tệp mới nhất)."))
                    files.save(f)
                winner.issues.append(issue("conflict-resolved", f"Tệp mới nhất trong {len(ok)} tệp của {col.name}; được dùng để tổng hợp."))
                files.save(winner)
                ok = [ok[-1]]
            else:
                col.status = "conflict"
                partial = True
                names = ", ".join(os.path.basename(f.path) for _i, f in ok)
                for _i, f in ok:
                    f.issues.append(issue("unit-conflict", f"{col.name} ({col.code}) nộp {len(ok)} tệp khác nhau ({names}); không tệp nào được cộng. Hãy xóa tệp sai, hoặc tổng hợp lại với lựa chọn lấy tệp mới nhất."))
                    files.save(f)
                continue
        i, f = ok[0]
        col.status = "submitted"
        col.file = i
        col.files = ()
        col.flagged = error_cells(f, rules_by_id)
        partial = partial or bool(f.source.get("partial"))
        if f.kind == "consolidated" and f.state is not None:
            col.state = {c: f.state[c] for c in codes if c in f.state and not (exclude_errors and c in col.flagged)}
            col.from_consolidated = True
            acc.add_states(col.state)
        else:
            values = files.values(i)[0]
            acc.add_values(without_flagged(catalog, values, col.flagged) if exclude_errors and col.flagged else values)
    states = acc.result()
    totals: dict[str, object] = {}
    for code in codes:
        row = catalog.row(code)
        if row.type in ("heading", "text"):
            continue
        v = total(catalog, row, states)
        if v is not None:
            totals[code] = v
    unit_name, unit_level = "", ""
    if unit and units is not None and unit in units:
        unit_name, unit_level = units[unit].name, units[unit].level
    flagged_totals: dict[str, list[str]] = {}
    if any(c.flagged for c in columns):
        feeds = _feeding_rows(catalog, codes)
        for col in columns:
            if col.status == "submitted" and col.flagged:
                for code in codes:
                    if feeds.get(code, frozenset()) & col.flagged.keys():
                        flagged_totals.setdefault(code, []).append(col.code)
    return Consolidation(
        batch, catalog, layout, columns, totals, states, unit, unit_name, unit_level, partial,
        exclude_errors=exclude_errors, flagged_totals=flagged_totals,
    )


def error_cells(f: FileResult, rules_by_id: dict[str, Rule]) -> dict[str, str]:
    """The codes of a file's values involved in an error-level issue (a rule's
    every row, else the issue's row), each with the issues' messages."""
    out: dict[str, str] = {}
    for i in f.issues:
        if i.severity != "error":
            continue
        if i.code == "rule" and i.rule in rules_by_id:
            involved: tuple[str, ...] = rules_by_id[i.rule].refs
        elif i.indicator:
            involved = (i.indicator,)
        else:
            continue
        for code in involved:
            out[code] = f"{out[code]}\n{i.message}" if code in out else i.message
    return out


def without_flagged(catalog: Catalog, values: dict[str, object], flagged: dict[str, str]) -> dict[str, object]:
    """A return's values without those involved in an error, the rows derived
    from them (ratios, sums) computed again from what is left."""
    inputs = {k: v for k, v in values.items() if k not in flagged and catalog.has_row(k) and not catalog.row(k).is_formula}
    derived = compute_derived(catalog, inputs, [k for k in values if catalog.has_row(k)])
    out: dict[str, object] = dict(inputs)
    for k, v in derived.items():
        if v is not None and k not in flagged:
            out[k] = v
    return out


def _feeding_rows(catalog: Catalog, codes: list[str]) -> dict[str, frozenset[str]]:
    """Per row, the rows whose values its total is made of (itself included)."""
    memo: dict[str, frozenset[str]] = {}

    def feeds(code: str) -> frozenset[str]:
        if code not in memo:
            memo[code] = frozenset({code})  # NOTE: cycles are refused by the loader; this guards anyway
            row = catalog.row(code)
            parts = (row.numerator, row.denominator) if row.type == "ratio" else row.terms if row.type == "sum" else ()
            memo[code] = frozenset({code}).union(*(feeds(p) for p in parts if p))
        return memo[code]

    return {c: feeds(c) for c in codes}


# --------------------------------------------------------------------------- the workbook


# NOTE: Excel's tallest row is 409 points. A unit's name is written upwards
# (rotated 90°) in a column 8 characters wide, ~7.5 points per character: a
# name longer than one line wraps into the column's next line, so the header
# is capped and names beyond three lines are shortened (the status sheet has
# them in full).
EXCEL_MAX_ROW_HEIGHT = 409
HEADER_CHARS_PER_LINE = int((EXCEL_MAX_ROW_HEIGHT - 12) / 7.5)
HEADER_MAX_CHARS = 3 * HEADER_CHARS_PER_LINE


def header_name(name: str) -> str:
    """A unit's name as its column header shows it (shortened beyond three lines)."""
    return name if len(name) <= HEADER_MAX_CHARS else name[: HEADER_MAX_CHARS - 1].rstrip() + "…"


def header_height(longest: int) -> float:
    """Points for the unit header row whose longest name has ``longest`` characters."""
    return min(EXCEL_MAX_ROW_HEIGHT, max(60, 7.5 * longest + 12))


def check_unit_count(n: int) -> None:
    """Refuse more units than the summary sheet has columns for."""
    if n > MAX_UNITS:
        raise UsageError(
            f"Không thể tổng hợp {n} đơn vị trong một biểu: mỗi đơn vị là một cột của trang “{SUMMARY_SHEET}”, "
            f"mà một trang tính Excel chỉ có {XLSX_MAX_COLS} cột, đủ cho tối đa {MAX_UNITS} đơn vị. "
            "Hãy tổng hợp theo từng cấp (mỗi đơn vị cấp trên một biểu tổng hợp riêng), rồi tổng hợp các biểu đó."
        )


def write_consolidated_file(res: Consolidation, path: str | Path, password: str = "") -> None:
    """Write the consolidated workbook to ``path`` (atomically: a temporary file
    beside it, renamed when complete). Rows are streamed to disk as they are
    written, so memory does not grow with the number of units."""
    check_unit_count(len(res.columns))
    with atomic_path(path) as tmp:
        wb = LockedBook(str(tmp), {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
        wb.structure_password = password
        try:
            _fill_workbook(wb, res, password)
            wb.close()
        except FileCreateError as exc:
            raise OutputError(f"Không ghi được {path}: {exc}") from exc
        finally:
            discard_row_files(wb)


def write_consolidated(res: Consolidation, password: str = "") -> bytes:
    """The consolidated workbook's bytes (written to a temporary file and read back)."""
    with tempfile.TemporaryDirectory(prefix="cchc-") as d:
        path = Path(d) / "tong_hop.xlsx"
        write_consolidated_file(res, path, password)
        return path.read_bytes()


def _fill_workbook(wb: Any, res: Consolidation, password: str) -> None:
    import datetime as dt

    wb.set_properties({"title": res.catalog.title, "author": "cchc-xlsx", "created": dt.datetime(2000, 1, 1)})
    fmts = add_formats(wb)
    ws = wb.add_worksheet(SUMMARY_SHEET, worksheet_class=StreamedSheet)
    _write_summary(wb, ws, fmts, res)
    _write_status(wb.add_worksheet(STATUS_SHEET, worksheet_class=StreamedSheet), fmts, res)
    _write_issues(wb.add_worksheet(ISSUES_SHEET, worksheet_class=StreamedSheet), fmts, res)
    _write_notes(wb.add_worksheet(NOTES_SHEET, worksheet_class=StreamedSheet), fmts, res)
    layout = res.layout
    period = res.batch.period or ""
    meta = Meta(
        kind="consolidated",
        catalog_id=res.catalog.id,
        catalog_version=res.catalog.version,
        catalog_hash=res.catalog.content_hash,
        level=layout.level if layout else "",
        period=period,
        layout_fingerprint=layout.fingerprint if layout else "",
        unit_code=res.unit or "",
        unit_name=res.unit_name,
        unit_level=res.unit_level,
        generated_at=now_iso(),
    )
    state_text = json.dumps(res.states, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    chunks = [state_text[i : i + STATE_CHUNK] for i in range(0, len(state_text), STATE_CHUNK)] or [""]
    extra = [
        ("partial", "1" if res.partial else "0"),
        ("flagged_values", str(res.flagged_values)),
        ("errors_excluded", "1" if res.exclude_errors else "0"),
        ("submitted", str(res.submitted)),
        ("expected", str(len(res.columns))),
        ("units_level", res.batch.level or ""),
        ("state_chunks", str(len(chunks))),
    ] + [(f"state.{i}", c) for i, c in enumerate(chunks)]
    write_meta_sheet(wb, meta, password, extra)


def _merge_down(ws: Any, first_row: int, last_row: int, col: int, text: str, fmt: Any) -> None:
    """``merge_range`` of one column over rows, for a streamed sheet: the first
    cell now; the formatted blanks below are written with their own rows."""
    ws.merge.append([first_row, col, last_row, col])
    ws.write_string(first_row, col, text, fmt)


def _write_summary(wb: Any, ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    layout = res.layout
    n_units = len(res.columns)
    note_col = FIRST_UNIT_COL + n_units
    period = parse_period(res.batch.period) if res.batch.period else None
    form_level_name = LEVELS.get(layout.level, layout.level) if layout else ""
    caps = render_captions(
        "consolidated_captions.j2",
        unit_name=res.unit_name,
        catalog_title=res.catalog.title,
        period_label=period.label if period else "kỳ chưa xác định",
        window_label=period.window_label if period else "",
        form_level_name=form_level_name,
        partial=res.partial,
        flagged=res.flagged_values,
        excluded=res.exclude_errors,
        submitted=res.submitted,
        expected=len(res.columns),
        sheet_title="",
    )
    # NOTE: the sheet is streamed: rows top to bottom, each row's height set before the next row
    ws.set_column(0, 0, 9)
    ws.set_column(1, 1, SUMMARY_LABEL_WIDTH)
    ws.set_column(2, 2, SUMMARY_UNIT_WIDTH)
    ws.set_column(COL_TOTAL, COL_TOTAL, 13)
    if n_units:
        ws.set_column(FIRST_UNIT_COL, FIRST_UNIT_COL + n_units - 1, 8)
    ws.set_column(note_col, note_col, SUMMARY_NOTE_WIDTH)
    # the title block spans what is printed on the first page
    last = COL_TOTAL + min(n_units, 8) if n_units > 12 else max(note_col, 5)
    ws.merge_range(ROW_UNIT, 0, ROW_UNIT, 2, caps["unit_line"], fmts["unit_line"])
    ws.merge_range(ROW_TITLE, 0, ROW_TITLE, last, caps["title"], fmts["title"])
    ws.set_row(ROW_TITLE, 36)
    ws.merge_range(ROW_PERIOD, 0, ROW_PERIOD, last, caps["period"], fmts["caption"])
    ws.merge_range(ROW_ATTACHED, 0, ROW_ATTACHED, last, caps["attached"], fmts["caption"])
    window_fmt = fmts["partial_window"] if res.partial else fmts["window"]
    ws.merge_range(ROW_WINDOW, 0, ROW_WINDOW, last, caps["window"], window_fmt)
    ws.merge_range(ROW_STATUS, 0, ROW_STATUS, 2, f"Tình hình nộp báo cáo: {res.submitted}/{len(res.columns)} đơn vị đã nộp", fmts["unit_line"])
    h = fmts["header"]
    merged = ((0, "STT"), (1, "Chỉ tiêu"), (2, "Đơn vị tính"), (COL_TOTAL, "Tổng cộng"))
    for c, text in merged:
        _merge_down(ws, ROW_HEAD1, ROW_HEAD2, c, text, h)
    unit_header = fmts["unit_header"]
    for i, col in enumerate(res.columns):
        ws.write_string(ROW_HEAD1, FIRST_UNIT_COL + i, header_name(col.name), unit_header)
    _merge_down(ws, ROW_HEAD1, ROW_HEAD2, note_col, "Ghi chú", h)
    longest = max((len(header_name(c.name)) for c in res.columns), default=8)
    ws.set_row(ROW_HEAD1, header_height(longest))
    for c, _text in merged:
        ws.write_blank(ROW_HEAD2, c, None, h)
    for i, col in enumerate(res.columns):
        ws.write_string(ROW_HEAD2, FIRST_UNIT_COL + i, col.code, h)
    ws.write_blank(ROW_HEAD2, note_col, None, h)
    weights = wb.add_worksheet(WEIGHTS_SHEET, worksheet_class=StreamedSheet)
    weights.hide()
    if layout is not None:
        ctx = _SummaryContext(res, fmts, note_col)
        try:
            for i, rl in enumerate(layout.rows):
                _write_summary_row(ws, weights, ctx, rl.row, FIRST_DATA_ROW + i)
        finally:
            ctx.cols.close()
    ws.freeze_panes(FIRST_DATA_ROW, FIRST_UNIT_COL)
    print_setup(ws, (ROW_HEAD1, ROW_HEAD2), landscape=True)
    # NOTE: a dozen unit columns fit one A3 landscape page wide; beyond that the
    # pages run across at full size with STT, label, unit and total repeated.
    ws.set_paper(8)
    ws.repeat_columns(0, COL_TOTAL)
    if n_units > 12:
        ws.set_print_scale(100)
    ws.protect("", {"format_columns": True, "format_rows": True, "autofilter": True, "sort": False})


def _row_index(res: Consolidation) -> dict[str, int]:
    assert res.layout is not None
    return {rl.code: FIRST_DATA_ROW + i for i, rl in enumerate(res.layout.rows)}


class _SummaryContext:
    """What every row of the summary needs, computed once."""

    def __init__(self, res: Consolidation, fmts: dict[str, Any], note_col: int):
        self.res = res
        self.fmts = fmts
        self.note_col = note_col
        self.idx = _row_index(res)
        n = len(res.columns)
        self.first = col_letter(FIRST_UNIT_COL)
        self.last = col_letter(FIRST_UNIT_COL + max(n, 1) - 1)
        self.letters = [col_letter(FIRST_UNIT_COL + i) for i in range(n)]
        # the units that count (their index in res.columns); the others stay blank.
        # NOTE: arrays, not a tuple per unit: a unit's column costs 4 bytes here
        self.counted = array("i", (i for i, col in enumerate(res.columns) if col.status == "submitted"))
        self.any_consolidated = any(res.columns[i].from_consolidated for i in self.counted)
        # the returns' values, turned from one column per unit into one row per code
        assert res.layout is not None
        rows = [rl.row for rl in res.layout.rows]
        self.cols = Columns([r.code for r in rows] + [r.weight for r in rows if r.weight], n)
        # code → {unit index: the messages} of the values involved in an error
        self.flags: dict[str, dict[int, str]] = {}
        # code → {unit index: the value} of those left out (errors excluded)
        self.excluded: dict[str, dict[int, object]] = {}
        try:
            for i in self.counted:
                col = res.columns[i]
                self.cols.add(i, res.counted_values(col))
                if col.flagged:
                    values = res.values_of(col)[0] if res.exclude_errors and not col.from_consolidated else {}
                    for code, message in col.flagged.items():
                        self.flags.setdefault(code, {})[i] = message
                        if code in values and values[code] is not None:
                            self.excluded.setdefault(code, {})[i] = values[code]
        except BaseException:
            self.cols.close()
            raise

    def cell_format(self, code: str, i: int, name: str) -> Any:
        """The format ``name`` of unit column ``i``'s cell of ``code`` (red when involved in an error)."""
        flags = self.flags.get(code)
        return self.fmts[name + "_error"] if flags is not None and i in flags else self.fmts[name]

    @property
    def submitted(self) -> Iterator[tuple[int, str, UnitColumn]]:
        """(sheet column, column letter, unit) of each unit that counts."""
        letters, columns = self.letters, self.res.columns
        for i in self.counted:
            yield FIRST_UNIT_COL + i, letters[i], columns[i]

    def row_values(self, row: Row) -> _RowValues:
        """Per unit column, the values of ``row`` (and of its weight row) as a small mapping."""
        return _RowValues(row, self.cols.row(row.code), self.cols.row(row.weight) if row.weight else None)


class _RowValues:
    """A row's values of every unit column; ``[i]`` is column i's as the mapping
    ``return_value`` and ``return_weight`` read (made when asked: one at a time)."""

    def __init__(self, row: Row, own: list[object], weights: list[object] | None):
        self.code, self.weight, self.own, self.weights = row.code, row.weight, own, weights

    def __getitem__(self, i: int) -> dict[str, object]:
        if self.weights is None or not self.weight:
            return {self.code: self.own[i]}
        return {self.code: self.own[i], self.weight: self.weights[i]}


def _write_summary_row(ws: Any, weights: Any, ctx: _SummaryContext, row: Row, r: int) -> None:
    res, fmts, note_col, idx = ctx.res, ctx.fmts, ctx.note_col, ctx.idx
    cat = res.catalog
    bold = row.depth <= 2
    label = label_text(row)
    ws.write_string(r, 0, row.code, fmts["stt_bold" if bold else "stt"])
    ws.write_string(r, 1, label, fmts["label_bold" if bold else "label"])
    # NOTE: neither Excel nor LibreOffice grows a row for wrapped text written by XlsxWriter
    height = row_height(label, SUMMARY_LABEL_WIDTH, row.unit, SUMMARY_UNIT_WIDTH, bold)
    ws.write_string(r, 2, row.unit, fmts["unit"])
    rng = f"{ctx.first}{r + 1}:{ctx.last}{r + 1}"
    wrng = f"{quote_sheet(WEIGHTS_SHEET)}!{rng}"
    tot = res.totals.get(row.code)
    note = row.note
    blank = fmts["blank"]
    # unit columns: blank for the units that do not count (their weight is a blank, i.e. 0)
    cells = UnitCells(ws, r, ctx.letters, FIRST_UNIT_COL, gap=blank)
    if row.type == "heading":
        ws.write_blank(r, COL_TOTAL, None, blank)
        cells.flush()
        ws.write_string(r, note_col, note, fmts["label"])
        ws.set_row(r, max(height, row_height(note, SUMMARY_NOTE_WIDTH)))
        return
    if row.type == "ratio":
        nr, dr = idx[row.numerator or ""] + 1, idx[row.denominator or ""] + 1
        own = ctx.cols.row(row.code)
        for c, L, col in ctx.submitted:
            v = own[c - FIRST_UNIT_COL] if not col.from_consolidated else total(cat, row, col.state)
            cells.write_formula(r, c, ratio_formula(f"{L}{nr}", f"{L}{dr}"), ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value_ratio"), _cache(v))
    elif row.type == "sum":
        terms = [idx[t] + 1 for t in row.terms]
        values = ctx.row_values(row)
        for c, L, col in ctx.submitted:
            if col.from_consolidated:
                v = total(cat, row, {row.code: col.state[row.code]}) if row.code in col.state else None
            else:
                v = return_value(cat, row, values[c - FIRST_UNIT_COL])
            cells.write_formula(r, c, sum_formula([f"{L}{t}" for t in terms]), ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value"), _cache(v))
    elif row.type == "text":
        own = ctx.cols.row(row.code)
        for c, _L, _col in ctx.submitted:
            text = own[c - FIRST_UNIT_COL]
            if isinstance(text, str):
                cells.write_string(r, c, text, ctx.cell_format(row.code, c - FIRST_UNIT_COL, "value_text"))
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
        who = ", ".join(names.get(u, u) for u in flagged_units[:10]) + ("…" if len(flagged_units) > 10 else "")
        if res.exclude_errors:
            text = f"Không cộng giá trị có lỗi của {len(flagged_units)} đơn vị: {who} (ô đỏ)."
        else:
            text = f"Gồm giá trị có lỗi của {len(flagged_units)} đơn vị: {who} (ô đỏ); tổng có thể sai."
        _comment(ws, r, COL_TOTAL, text)
        note = _join(note, text)
    # the total
    if row.type == "ratio":
        f = ratio_formula(f"D{idx[row.numerator or '']+1}", f"D{idx[row.denominator or '']+1}")
        ws.write_formula(r, COL_TOTAL, f, fmts["total_ratio"], _cache(tot))
        note = _join(note, f"Tỷ lệ = tổng {row.numerator} / tổng {row.denominator} × 100")
    elif row.type == "sum":
        f = sum_formula([f"D{idx[t]+1}" for t in row.terms])
        ws.write_formula(r, COL_TOTAL, f, fmts["total"], _cache(tot))
    elif row.type == "text":
        ws.write_blank(r, COL_TOTAL, None, blank)
        note = _join(note, "Nội dung từng đơn vị: xem trang Ghi chú")
    elif row.agg == "sum":
        ws.write_formula(r, COL_TOTAL, f'IF(COUNT({rng})=0,"",SUM({rng}))', fmts["total"], _cache(tot))
    elif row.agg in ("min", "max"):
        fn = row.agg.upper()
        ws.write_formula(r, COL_TOTAL, f'IF(COUNT({rng})=0,"",{fn}({rng}))', fmts["total"], _cache(tot))
        note = _join(note, "Giá trị nhỏ nhất" if row.agg == "min" else "Giá trị lớn nhất")
    elif row.agg in ("mean", "weighted_mean"):
        f = f'IF(SUM({wrng})=0,"",SUMPRODUCT({rng},{wrng})/SUM({wrng}))'
        ws.write_formula(r, COL_TOTAL, f, fmts["total_ratio"], _cache(tot))
        st = res.states.get(row.code, {})
        if row.agg == "mean":
            note = _join(note, f"Trung bình cộng của {st.get('n', 0)} đơn vị có số liệu")
        else:
            note = _join(note, f"Trung bình có trọng số theo {row.weight} ({st.get('n', 0)} đơn vị có số liệu)")
    elif row.agg == "count_yes":
        f = f'IF(SUM({wrng})=0,"",COUNTIF({rng},"Có")+SUM({rng}))'
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
            parts = [f'{excel_string(o.label + ": ")}&COUNTIF({rng},{excel_string(o.label)})' for o in row.options]
            f = f'IF(SUM({wrng})=0,"",' + '&"; "&'.join(parts) + ")"
            ws.write_formula(r, COL_TOTAL, f, fmts["total_text"], text)
            note = _join(note, "Số đơn vị theo từng lựa chọn")
    ws.write_string(r, note_col, note, fmts["label"])
    note_lines = row_height(note, SUMMARY_NOTE_WIDTH)
    total_lines = row_height(_options_text(row, res.states.get(row.code, {})), 13) if row.agg == "count_options" else 0
    ws.set_row(r, max(height, note_lines, total_lines))


def _comment(ws: Any, r: int, c: int, text: str) -> None:
    """A cell comment, on the row being written (a streamed sheet refuses earlier rows)."""
    if ws.write_comment(r, c, text[:MAX_COMMENT], {"x_scale": 2.5, "y_scale": 2}) != 0:  # pragma: no cover - a bug
        raise RuntimeError(f"comment at {r},{c} refused")


def _write_flags(ws: Any, ctx: _SummaryContext, row: Row, r: int) -> None:
    """The messages of the unit cells of this row involved in an error, as comments."""
    flags = ctx.flags.get(row.code)
    if not flags:
        return
    lead = "Không cộng vào tổng vì có lỗi:\n" if ctx.res.exclude_errors else "Có lỗi:\n"
    for i, message in sorted(flags.items()):
        if ctx.res.columns[i].status == "submitted":
            _comment(ws, r, FIRST_UNIT_COL + i, lead + message)


def _uses_weights(row: Row, ctx: _SummaryContext) -> bool:
    """Whether the row's Tổng cộng formula reads the hidden weights sheet."""
    if row.agg in ("mean", "weighted_mean", "count_yes"):
        return True
    return row.agg == "count_options" and not ctx.any_consolidated


def _write_unit_cells(cells: UnitCells, weights: Any, ctx: _SummaryContext, row: Row) -> None:
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


def _unit_cells(cells: UnitCells, wcells: UnitCells, ctx: _SummaryContext, row: Row, with_weights: bool, own: list[object]) -> None:
    cat, code, agg, r = ctx.res.catalog, row.code, row.agg, cells.r
    blank = ctx.fmts["blank"]
    excluded = ctx.excluded.get(code, {})

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
                    cells.write_number(r, c, int(st.get("yes", 0)), ctx.cell_format(code, c - FIRST_UNIT_COL, "value"))
                else:
                    cells.write_blank(r, c, None, blank)
            else:
                v = own[c - FIRST_UNIT_COL]
                n = 1 if v in (0, 1) and not isinstance(v, bool) else 0
                if n:
                    cells.write_string(r, c, "Có" if v else "Không", ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text"))
                elif not left_out(c, "Có" if excluded.get(c - FIRST_UNIT_COL) else "Không"):
                    cells.write_blank(r, c, None, blank)
            if with_weights and n:
                wcells.write_number(r, c, n)
        return
    if agg == "count_options":
        labels: dict[str, str] = {}
        for o in row.options:
            labels.setdefault(str(o.value), o.label)  # the first option of a value, as option_by_value
        for c, _L, col in ctx.submitted:
            if col.from_consolidated:
                st = col.state.get(code, {})
                n = int(st.get("n", 0))
                if n:
                    cells.write_string(r, c, _options_text(row, st), ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text"))
                else:
                    cells.write_blank(r, c, None, blank)
            else:
                v = own[c - FIRST_UNIT_COL]
                label = labels.get(str(v)) if isinstance(v, int) and not isinstance(v, bool) else None
                n = 1 if label is not None else 0
                if label is not None:
                    cells.write_string(r, c, label, ctx.cell_format(code, c - FIRST_UNIT_COL, "value_text"))
                elif not left_out(c, labels.get(str(excluded.get(c - FIRST_UNIT_COL)), "")):
                    cells.write_blank(r, c, None, blank)
            if with_weights and n:
                wcells.write_number(r, c, n)
        return
    name = "value" if agg == "sum" else "value_ratio"
    fmt, flags = ctx.fmts[name], ctx.flags.get(code)
    values = _RowValues(row, own, ctx.cols.row(row.weight) if row.weight else None)
    plain_row = not flags and not excluded and agg in ("sum", "mean", "min", "max")
    write_number, write_blank = cells.write_number, cells.write_blank
    for c, _L, col in ctx.submitted:
        if col.from_consolidated:
            st = col.state.get(code, {})
            v = total(cat, row, {code: st})
            weight: float = (float(st.get("w", 0)) if st.get("wsum") is not None else 0) if agg == "weighted_mean" else int(st.get("n", 0))
        elif plain_row:
            # NOTE: the common case (a plain number of a return, no flag): return_value without the mapping
            v = own[c - FIRST_UNIT_COL]
            if v.__class__ is int or v.__class__ is float:
                if with_weights:
                    wcells.write_number(r, c, 1)
                write_number(r, c, v if v.__class__ is float or -_EXACT < v < _EXACT else float(v), fmt)
            else:
                write_blank(r, c, None, blank)
            continue
        else:
            mine = values[c - FIRST_UNIT_COL]
            v = return_value(cat, row, mine)
            weight = return_weight(row, mine) if with_weights else 0
        if isinstance(v, (int, float)):
            write_number(r, c, v, ctx.cell_format(code, c - FIRST_UNIT_COL, name) if flags else fmt)
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
    return f"{a}. {b}" if a else b


def _write_table(ws: Any, fmts: dict[str, Any], headers: list[str], rows: Iterable[list[object]], widths: list[int]) -> None:
    """A header row and rows, written as they come (the sheet may be streamed)."""
    for c, h in enumerate(headers):
        ws.write_string(0, c, h, fmts["header"])
        ws.set_column(c, c, widths[c])
    value, label = fmts["value"], fmts["label"]
    count = 0
    for r, values in enumerate(rows, start=1):
        count = r
        for c, v in enumerate(values):
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(r, c, v, value)
            else:
                ws.write_string(r, c, "" if v is None else str(v), label)
    ws.freeze_panes(1, 0)
    if count:
        ws.autofilter(0, 0, count, len(headers) - 1)
    print_setup(ws, (0, 0), landscape=True)


def _status_rows(res: Consolidation) -> Iterator[list[object]]:
    for i, col in enumerate(res.columns, start=1):
        files = res.files_of(col)
        f = files[0] if files else None
        status = STATUS_TEXT[col.status]
        if col.file is not None and f is not None and f.source.get("partial"):
            status += f" (biểu tổng hợp chưa đầy đủ: {f.source.get('submitted')}/{f.source.get('expected')})"
        yield [
            i, col.code, col.name, status,
            "; ".join(os.path.basename(x.path) for x in files) if files else "",
            "; ".join(x.sha256 or "" for x in files) if files else "",
            (f.unit_name or f.unit or "") if f else "",
            (f.period or "") if f else "",
            sum(x.errors for x in files),
            sum(x.warnings for x in files),
        ]
    known = {c.code for c in res.columns}
    for f in res.batch.files.iter():
        if f.unit not in known:
            yield ["", f.unit or "", f.unit_name or "", {"accepted": "đã đọc", "rejected": "bị từ chối", "skipped": "bỏ qua"}[f.status],
                   os.path.basename(f.path), f.sha256 or "", f.unit_name or "", f.period or "", f.errors, f.warnings]
    yield ["", "", f"{res.submitted}/{len(res.columns)} đơn vị đã nộp", "", "", "", "", "", "", ""]


def _write_status(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(ws, fmts, ["STT", "Mã đơn vị", "Tên đơn vị", "Tình trạng", "Tệp", "SHA-256", "Đơn vị ghi trong biểu", "Kỳ ghi trong biểu", "Số lỗi", "Số cảnh báo"], _status_rows(res), [5, 10, 28, 22, 40, 20, 24, 12, 8, 10])


SEVERITY_TEXT = {"error": "Lỗi", "warning": "Cảnh báo", "info": "Thông tin"}


def _issue_rows(res: Consolidation) -> Iterator[list[object]]:
    names = {c.code: c.name for c in res.columns}
    for f in res.batch.files.iter():
        for i in f.issues:
            yield [os.path.basename(f.path), names.get(f.unit or "", f.unit or ""), i.indicator or "", i.cell or "", SEVERITY_TEXT[i.severity], i.code, i.message]
    for c in res.columns:
        if c.status == "missing":
            yield ["", c.name, "", "", "Lỗi", "unit-missing", f"{c.name} ({c.code}) chưa nộp báo cáo."]


def _write_issues(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(ws, fmts, ["Tệp", "Đơn vị", "Chỉ tiêu", "Ô", "Mức độ", "Mã", "Nội dung"], _issue_rows(res), [36, 24, 10, 8, 10, 18, 90])


def _note_rows(res: Consolidation) -> Iterator[list[object]]:
    text_codes = {rl.code for rl in res.layout.rows if rl.row.type == "text"} if res.layout else set()
    for col in res.columns:
        if col.status != "submitted" or col.file is None:
            continue
        values, notes = res.values_of(col)
        for code, text in notes.items():
            yield [col.code, col.name, code, "Ghi chú", text]
        for code, v in values.items():
            if isinstance(v, str) and (code in text_codes or (res.catalog.has_row(code) and res.catalog.row(code).type == "text")):
                yield [col.code, col.name, code, "Nội dung", v]


def _write_notes(ws: Any, fmts: dict[str, Any], res: Consolidation) -> None:
    _write_table(ws, fmts, ["Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Loại", "Nội dung"], _note_rows(res), [10, 26, 10, 10, 90])


# --------------------------------------------------------------------------- reading it back


def read_consolidated(res: FileResult, pkg: Package, meta: dict[str, str], layout: FormLayout) -> None:
    """Read a consolidated workbook as one unit's return (its ``Tổng cộng`` column)."""
    try:
        n = int(meta.get("state_chunks", "0"))
        state = json.loads("".join(meta.get(f"state.{i}", "") for i in range(n)))
        if not isinstance(state, dict):
            raise ValueError("state")
    except (ValueError, json.JSONDecodeError) as exc:
        raise XlsxError("not-our-template", "Thông tin tổng hợp trong biểu tổng hợp bị hỏng.") from exc
    info = pkg.sheet(SUMMARY_SHEET)
    if info is None:
        raise XlsxError("layout-changed", f"Thiếu trang “{SUMMARY_SHEET}” của biểu tổng hợp.")
    sd = pkg.read_sheet(info, FIRST_DATA_ROW + len(layout.rows) + 5, COL_TOTAL)
    catalog = layout.catalog
    totals: dict[str, object] = {}
    for i, rl in enumerate(layout.rows):
        r = FIRST_DATA_ROW + i
        cell = sd.cells.get((r, 0))
        code = "" if cell is None or cell.value is None else str(cell.value).strip()
        if code != rl.code:
            raise XlsxError("layout-changed", f"Ô {a1(r, 0)} của biểu tổng hợp phải là mã {rl.code} nhưng là “{code}”: cấu trúc biểu đã bị thay đổi.")
        if rl.row.type in ("heading", "text"):
            continue
        expected = total(catalog, rl.row, state)
        if expected is None:
            continue
        if not isinstance(expected, dict):
            totals[rl.code] = expected
        shown = sd.cells.get((r, COL_TOTAL))
        if (
            isinstance(expected, (int, float))
            and shown is not None
            and shown.kind == "n"
            and abs(float(shown.value) - float(expected)) > 1e-6 * max(1.0, abs(float(expected)))  # type: ignore[arg-type]
        ):
            res.issues.append(issue("formula-replaced", f"Ô {a1(r, COL_TOTAL)} (chỉ tiêu {rl.code}) ghi {format_value(float(shown.value))} nhưng tổng tính từ số liệu là {format_value(float(expected))}; dùng số tính lại.", indicator=rl.code, cell=a1(r, COL_TOTAL)))  # type: ignore[arg-type]
    notes_info = pkg.sheet(NOTES_SHEET)
    if notes_info is not None:
        nd = pkg.read_sheet(notes_info, 100000, 4)
        for r in sorted({r for (r, _c) in nd.cells if r > 0}):
            vals = [nd.cells.get((r, c)) for c in range(5)]
            texts = ["" if v is None or v.value is None else str(v.value) for v in vals]
            unit_name, code, text = texts[1], texts[2], texts[4]
            if code and text and (not catalog.has_row(code) or catalog.row(code).type != "text"):
                line = f"{unit_name}: {text}" if unit_name else text
                res.notes[code] = f"{res.notes[code]}\n{line}" if code in res.notes else line
    res.state = state
    res.values = totals
    res.source = {
        "partial": meta.get("partial") == "1",
        "submitted": int(meta.get("submitted", "0") or 0),
        "expected": int(meta.get("expected", "0") or 0),
    }
    if res.source["partial"]:
        res.issues.append(issue("partial-source", f"Biểu tổng hợp của {res.unit_name or res.unit} chưa đầy đủ: {res.source['submitted']}/{res.source['expected']} đơn vị cấp dưới đã nộp."))
    flagged = int(meta.get("flagged_values", "0") or 0)
    if flagged and meta.get("errors_excluded") != "1":
        res.issues.append(issue("source-errors", f"Biểu tổng hợp của {res.unit_name or res.unit} cộng cả {flagged} giá trị có lỗi của cấp dưới (ô đỏ trong biểu đó); tổng có thể sai."))
    res.issues.extend(check_rules(layout.rules, totals, {rl.code: a1(FIRST_DATA_ROW + i, COL_TOTAL) for i, rl in enumerate(layout.rows)}))


# --------------------------------------------------------------------------- reports


def _file_json(f: FileResult) -> dict[str, Any]:
    return {"path": f.path, "unit": f.unit, "status": f.status, "sha256": f.sha256, "issues": [i.as_json() for i in f.issues]}


def report_json(res: Consolidation | CheckResult, totals: dict[str, object] | None = None, *, files: bool = True) -> dict[str, Any]:
    """The contract's JSON report (``files=False``: with an empty list of files)."""
    batch = res.batch if isinstance(res, Consolidation) else res
    out: dict[str, Any] = {
        "level": batch.level,
        "period": batch.period,
        "files": [_file_json(f) for f in batch.files.iter()] if files else [],
    }
    if isinstance(res, Consolidation):
        out["missing_units"] = res.missing_units
        out["conflicting_units"] = [c.code for c in res.columns if c.status == "conflict"]
        out["totals"] = {k: _finite(v) for k, v in res.totals.items()}
        out["totals_flagged"] = {code: {"units": units, "excluded": res.exclude_errors} for code, units in res.flagged_totals.items()}
    else:
        out["missing_units"] = batch.missing_units
        out["conflicting_units"] = batch.conflicting_units
        if totals is not None:
            out["totals"] = totals
    return out


def _finite(v: object) -> object:
    """A total as JSON can hold it (never Infinity or NaN, which are not JSON)."""
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_report_json(res: Consolidation | CheckResult, fh: TextIO) -> None:
    """:func:`report_json` as ``json.dump(…, ensure_ascii=False, indent=2)`` writes it
    (and a final newline), made one file's entry at a time: for ten thousand
    files the whole report was some 4 MiB of dicts held at once."""
    text = json.dumps(report_json(res, files=False), ensure_ascii=False, indent=2)
    head, tail = text.split('"files": []', 1)  # the first occurrence: only level and period come before
    fh.write(head + '"files": [')
    batch = res.batch if isinstance(res, Consolidation) else res
    n = 0
    for n, f in enumerate(batch.files.iter(), start=1):
        entry = json.dumps(_file_json(f), ensure_ascii=False, indent=2)
        fh.write(("," if n > 1 else "") + "\n    " + entry.replace("\n", "\n    "))
    fh.write(("\n  ]" if n else "]") + tail + "\n")


def tidy_csv(res: Consolidation) -> str:
    """unit, period, code, value, source sha256 — one line per unit and row with a value."""
    buf = io.StringIO()
    write_tidy_csv(res, buf)
    return buf.getvalue()


def write_tidy_csv(res: Consolidation, fh: TextIO) -> None:
    """:func:`tidy_csv`, written line by line to ``fh``."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(["unit", "period", "code", "value", "sha256"])
    period = res.batch.period or ""
    rows = [rl.row for rl in res.layout.rows if rl.row.type != "heading"] if res.layout else []
    for col in res.columns:
        f = res.file_of(col)
        if col.status != "submitted" or f is None:
            continue
        sha = f.sha256
        values = res.values_of(col)[0]
        for row in rows:
            code = row.code
            v = values.get(code)
            if col.from_consolidated and row.type != "text":
                v = total(res.catalog, row, col.state) if row.type == "ratio" else total(res.catalog, row, {code: col.state[code]}) if code in col.state else None
            if v is None:
                continue
            if isinstance(v, dict):
                v = json.dumps(v, ensure_ascii=False, sort_keys=True)
            w.writerow([col.code, period, code, v, sha])


# --------------------------------------------------------------------------- the level's own form


def own_form_values(res: Consolidation) -> dict[str, object]:
    """Values of the consolidating unit's own rows that its lower level feeds (``fed_by``)."""
    if not res.unit_level:
        return {}
    out: dict[str, object] = {}
    for row in res.catalog.rows_for_level(res.unit_level):
        fb = row.fed_by
        if fb is None:
            continue
        if fb.agg == "count_yes":
            st = res.states.get(fb.code)
            if st is not None and st.get("n"):
                out[row.code] = int(st.get("yes", 0))
        else:
            v = res.totals.get(fb.code)
            if isinstance(v, (int, float)):
                out[row.code] = v
    return out


def write_own_form(res: Consolidation, path: str | Path, password: str | None = None) -> dict[str, object]:
    """Write the consolidating unit's own template (its level's form) with the rows
    fed by its lower level pre-filled and locked; its own rows stay open.
    Returns the pre-filled values."""
    from .template import render_template

    if not res.unit or not res.unit_level or res.unit_level not in res.catalog.levels:
        raise UsageError("Cần đơn vị tổng hợp (có trong tệp danh sách đơn vị) để ghi biểu của chính đơn vị đó.", option="unit")
    if not res.batch.period:
        raise UsageError("Chưa xác định được kỳ báo cáo để ghi biểu của đơn vị tổng hợp; hãy nêu rõ kỳ báo cáo.", option="period")
    layout = build_layout(res.catalog, res.unit_level)
    values = own_form_values(res)
    fed = [r for r in res.catalog.rows_for_level(res.unit_level) if r.fed_by]
    data = render_template(
        layout, parse_period(res.batch.period),
        unit_name=res.unit_name, unit_code=res.unit, unit_level=res.unit_level,
        generated_at=now_iso(), password=default_password() if password is None else password,
        prefill=values, locked_codes=frozenset(r.code for r in fed),
    )
    atomic_write_bytes(path, data)
    return values
