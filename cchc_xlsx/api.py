"""The verbs of a quarterly script: :func:`generate`, :func:`check`, :func:`consolidate`.

Each takes what a person has at hand — a path as ``str`` or ``os.PathLike``,
one or a list; a period as ``"2024-Q1"`` or a :class:`Period`; a catalogue or
units file as a path or as the loaded object — and checks its arguments before
any long work: a mistake raises :class:`UsageError` (``option`` names the
argument) or :class:`OutputExistsError`, and nothing is read or written.
Problems in the returned files are never exceptions: they are issues of the
result.

(Over 400 lines: each public verb's documentation — shapes, units, errors —
is half of it; the work is done elsewhere.)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Callable, Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from typing import Literal

from cchc_xlsx import units as units_module
from cchc_xlsx.arguments import (
    CatalogArg,
    PathArg,
    Paths,
    PeriodArg,
    Progress,
    UnitsArg,
    as_catalog,
    as_paths,
    as_period,
    as_units,
    check_inputs,
    check_level,
    check_out,
    check_unit,
    refuse_inputs_as_outputs,
    single_top,
)
from cchc_xlsx.atomic import OutputSet, refuse_existing
from cchc_xlsx.batch.assess import mark_conflicts, read_batch, single_period
from cchc_xlsx.batch.outliers import flag_outliers
from cchc_xlsx.batch.result import CheckResult, Expectation
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.consolidation.build import build_consolidation
from cchc_xlsx.consolidation.model import Consolidation
from cchc_xlsx.consolidation.rollup import (
    PeriodVersions,
    rollup_consolidation,
    same_period_last_year,
)
from cchc_xlsx.consolidation.series import Series, unit_series
from cchc_xlsx.errors import UsageError
from cchc_xlsx.history.previous import previous_figures
from cchc_xlsx.history.run import DeadlinesArg, History, StoreArg, WhenArg
from cchc_xlsx.history.store import Store, existing_store
from cchc_xlsx.layout.summary import check_unit_count
from cchc_xlsx.outputs.feedback import FeedbackResult, write_feedback
from cchc_xlsx.outputs.json_report import write_report_json
from cchc_xlsx.outputs.report.make import ReportResult
from cchc_xlsx.outputs.tidy_csv import write_tidy_csv
from cchc_xlsx.periods import Period, previous_period
from cchc_xlsx.units import Units
from cchc_xlsx.write.consolidated import write_consolidated_file
from cchc_xlsx.write.generate import GENERIC_WITH_PREVIOUS, GeneratedFile, write_templates
from cchc_xlsx.write.own_form import write_own_form
from cchc_xlsx.write.protection import default_password
from cchc_xlsx.write.series import write_series_file
from cchc_xlsx.write.template import PreviousColumn

__all__ = ["check", "consolidate", "feedback", "generate", "report", "rollup", "series"]


def load_units(path: PathArg, catalog: CatalogArg | Iterable[str] = None) -> Units:
    """Load a units register (``code,name,level,parent``; comma or semicolon
    separated, UTF-8 with or without BOM); raise :class:`UnitsError` listing
    every problem with its line.

    ``catalog``: a :class:`Catalog`, a catalogue's path, or level codes — the
    levels it adds to the standard ones (``xa``, ``huyen``, ``so``, ``tinh``);
    units at levels the form does not use are kept and simply not addressed.
    """
    if isinstance(catalog, (str, os.PathLike)):
        catalog = as_catalog(catalog)
    return units_module.load_units(path, catalog)


def generate(
    catalog: CatalogArg,
    level: str,
    period: Period | str,
    out_dir: PathArg,
    units: UnitsArg = None,
    *,
    force: bool = False,
    password: str | None = None,
    generic: bool = False,
    progress: Progress | None = None,
    generated_at: str | None = None,
    with_previous: bool = False,
    store: StoreArg = None,
) -> list[GeneratedFile]:
    """Write one locked, self-checking template per unit of ``level`` in ``units``
    into the folder ``out_dir`` (created when missing), named
    ``{period}_{level}_{unit code}_{slug}.xlsx``. Without ``units`` (or with
    ``generic=True``): one template whose unit is typed or chosen in B1.

    ``catalog``: a :class:`Catalog`, a catalogue path, or None for the bundled
    default. ``period``: ``"2024-Q1"`` … or a :class:`Period`. ``password``:
    the sheet password (default ``$CCHC_XLSX_PASSWORD`` or ``cchc``).

    Returns one :class:`GeneratedFile` per file, in units-file order. Raises
    :class:`UsageError` (a level the catalogue lacks, no unit at that level),
    :class:`OutputExistsError` (a file exists and ``force`` is false: nothing
    is written), :class:`OutputError`, :class:`CatalogError`,
    :class:`UnitsError`, :class:`PeriodError`; with ``with_previous``,
    :class:`UsageError` without a ``store`` or for a generic template, and
    :class:`StoreError` when the store cannot be opened.
    """
    if store is not None and not with_previous:
        raise UsageError(
            "Kho lưu chỉ dùng khi tạo biểu có cột số liệu kỳ trước; hãy bỏ kho lưu, "
            "hoặc chọn thêm cột kỳ trước.",
            option="store",
        )
    if with_previous and store is None:
        raise UsageError(
            "Cột số liệu kỳ trước lấy từ kho lưu lịch sử: hãy nêu kho lưu (tệp SQLite đã ghi "
            "khi kiểm tra, tổng hợp các kỳ trước).",
            option="store",
        )
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    assert per is not None
    reg = as_units(units, cat)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"“{out}” là một tệp, không phải thư mục; hãy nêu thư mục để ghi các biểu mẫu.",
            option="out",
        )
    previous = None
    if with_previous:
        if reg is None or generic:
            raise UsageError(GENERIC_WITH_PREVIOUS, option="with_previous")
        previous = previous_columns(store, cat, level, per, reg)
    return write_templates(
        cat,
        level,
        per,
        out,
        reg,
        force=force,
        password=password,
        progress=progress,
        generated_at=generated_at,
        generic=generic,
        previous=previous,
    )


def previous_columns(
    store: StoreArg, catalog: Catalog, level: str, period: Period, units: Units
) -> dict[str, PreviousColumn]:
    """Each unit's reference column: its figures of the period before ``period``,
    from the store (opened, never created, and closed again when given as a path);
    for a 6-month, 9-month or annual period, the unit's own report of it, else
    its quarters rolled up (:func:`rollup`'s rules) when none is missing."""
    before = previous_period(period)
    with existing_store(store) as db:
        found = previous_figures(
            db,
            before.code,
            form_id=catalog.id,
            level=level,
            units=[u.code for u in units.at_level(level)],
        )
        if before.is_cumulative:
            # NOTE: a unit that reports by quarters has no return of the 6-month, 9-month
            # or annual period itself: its figures are those quarters rolled up, when complete
            versions = PeriodVersions(db, before, level, catalog)
            for u in units.at_level(level):
                if found[u.code][0] != "missing":
                    continue
                got = versions.of_unit(u.code, u.name, before)
                if got is not None and got.cover.complete and got.rolled.values:
                    found[u.code] = ("found", dict(got.rolled.values))
    return {code: PreviousColumn(before, values, state) for code, (state, values) in found.items()}


def check(
    paths: Paths,
    catalog: CatalogArg = None,
    *,
    level: str | None = None,
    period: PeriodArg = None,
    units: UnitsArg = None,
    unit: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    store: StoreArg = None,
    received_at: WhenArg = None,
    prefer: Paths | None = None,
    jump_factor: float | None = None,
) -> CheckResult:
    """Read and check returned workbooks; write nothing but, with ``store``, their record.

    ``paths``: files and folders (folders are searched recursively; lock files,
    temporary files, this tool's outputs and byte-identical copies are skipped
    with a note). ``level``: the level of the units that send the returns
    (inferred from the files when None). ``period``: the expected period.
    ``units``: the units register, to know which units are expected and to
    identify returns by name; ``unit``: the consolidating unit whose
    descendants at ``level`` are expected (all units of ``level`` when None).
    ``store``: a :class:`Store` or its path: every accepted or rejected file is
    recorded in it (:meth:`Store.record`; ``received_at``: when a batch kept
    elsewhere arrived, a date or a Vietnam-time datetime, default now), and a
    unit's older returns are superseded by its newer ones
    (:func:`~cchc_xlsx.history.resubmission.resolve_versions`). ``prefer``:
    files to count for their unit whatever their order (kept in the store).
    With a store, each accepted return is also checked against the unit's
    history (warnings ``copied-forward``, ``cumulative-decreased``, ``jump``:
    :mod:`cchc_xlsx.history.checks`; ``jump_factor``: how many times the
    median of the unit's earlier periods is a jump, default 3).

    Returns a :class:`CheckResult`: every file with its status and issues,
    ``missing_units``, ``conflicting_units`` and ``exit_code``. Raises
    :class:`UsageError` before reading anything when a path does not exist,
    no file is found, or ``level``/``unit`` do not fit the catalogue and the
    units file; :class:`CatalogError`, :class:`UnitsError`, :class:`PeriodError`;
    :class:`StoreError` when the store cannot be used (nothing is recorded).
    """
    return check_batch(
        paths,
        catalog,
        level=level,
        period=period,
        units=units,
        unit=unit,
        workers=workers,
        progress=progress,
        history=History.of(store, received_at, prefer, jump_factor=jump_factor),
    )


def check_batch(
    paths: Paths,
    catalog: CatalogArg = None,
    *,
    level: str | None = None,
    period: PeriodArg = None,
    units: UnitsArg = None,
    unit: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
    outputs: Sequence[Path] = (),
    scratch: Sequence[Path] = (),
    history: History | None = None,
) -> CheckResult:
    """:func:`check`, for a front end that writes outputs of its own: ``outputs``
    are skipped with a note when found among the inputs, ``scratch`` (their
    temporaries) not looked at."""
    inputs = as_paths(paths)
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    reg = as_units(units, cat)
    check_unit(unit, reg, level)
    check_inputs(inputs)
    expect = Expectation(
        level=level,
        period=per.code if per else None,
        units=reg,
        unit=unit,
        outputs=tuple(outputs),
        scratch=tuple(scratch),
    )
    hist = history or History()
    hist.refuse_outputs(outputs)
    with hist.opened():
        result = read_batch(
            inputs, cat, expect, workers=workers, progress=progress, require_files=True
        )
        hist.record(result, expect, cat)
        mark_conflicts(result)
        flag_outliers(result, cat)
        hist.commit()
    return result


def consolidate(
    paths: Paths,
    catalog: CatalogArg = None,
    out: PathArg | None = None,
    *,
    level: str | None = None,
    period: PeriodArg = None,
    units: UnitsArg = None,
    unit: str | None = None,
    prefer: Literal["latest"] | Paths | None = None,
    json_path: PathArg | None = None,
    csv_path: PathArg | None = None,
    own_form: PathArg | None = None,
    exclude_errors: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    password: str | None = None,
    store: StoreArg = None,
    received_at: WhenArg = None,
    deadlines: DeadlinesArg = None,
    jump_factor: float | None = None,
) -> Consolidation:
    """Read, check and add up returned workbooks into the consolidated appendix.

    Arguments as :func:`check`; ``unit`` is also the unit named in the title
    (when None and ``units`` is given, the one top unit above every unit of
    ``level``; several such units are a :class:`UsageError`). Outputs, each
    optional: ``out`` the consolidated workbook (``.xlsx``: the summed
    appendix with ratios as formulas over summed parts, the submission status,
    the issues and the notes), ``json_path`` the JSON report (``level``,
    ``period``, every file with its status and issues, ``missing_units``,
    ``totals`` keyed by catalogue code, ``totals_flagged``: :meth:`Consolidation.as_json`),
    ``csv_path`` one line per unit and row (unit, period, code, value,
    sha256), ``own_form`` the consolidating unit's own template with the rows
    fed by its units pre-filled. They are written all or none: when one cannot
    be written, none is left behind. ``prefer="latest"``: when a unit sent
    several different files, add up the newest (by generation time, then
    modification time) instead of none; files (one path or several): count
    each for its unit whatever the order received (kept in the store).
    ``store``, ``received_at``: as :func:`check`; with a store the newest
    return received of each unit counts, the appendix's status sheet and the
    JSON report (``timeliness``) say which units reported on time, late or
    not at all against ``deadlines`` (a :class:`Deadlines` or its YAML file;
    default :mod:`cchc_xlsx.history.deadlines`), and the store records which
    version of each unit the appendix added; when the store holds the same
    period of the year before, the appendix gains the columns "Cùng kỳ năm
    trước", "Tăng/giảm" and "Tăng/giảm (%)" (formulas with cached values) and
    the JSON report ``same_period_last_year``; ``jump_factor`` as in :func:`check`. ``exclude_errors``: leave out of the
    sums every value involved in an error-level issue (they are red in the
    appendix either way, and the title says which was done).

    Returns a :class:`Consolidation` (``totals`` keyed by catalogue code, ratios
    in percent points; ``columns``; ``missing_units``; ``submitted``;
    ``exit_code``). Raises :class:`UsageError` before reading anything for a
    path that does not exist, an ``out`` that is a folder or not ``.xlsx``, a
    ``unit`` that is not above the units of ``level``, several top units and
    no ``unit``, or no file found; :class:`OutputExistsError` when an output
    exists and ``force`` is false; :class:`OutputError` when an output cannot
    be written; :class:`CatalogError`, :class:`UnitsError`, :class:`PeriodError`;
    :class:`StoreError` when the store cannot be used (nothing is recorded).
    """
    inputs = as_paths(paths)
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    reg = as_units(units, cat)
    check_unit(unit, reg, level)
    latest = prefer == "latest"
    history = History.of(
        store, received_at, None if latest else prefer, deadlines, jump_factor=jump_factor
    )
    targets = _appendix_targets(out, json_path, csv_path, own_form)
    named = [p for p in targets.values() if p is not None]
    check_inputs(inputs)
    history.refuse_outputs(named)
    refuse_inputs_as_outputs(named, inputs, [cat.path, reg.path if reg is not None else ""])
    refuse_existing(named, force)
    if own_form is not None and unit is None and (reg is None or level is None):
        raise UsageError(
            "Cần đơn vị tổng hợp (có trong tệp danh sách đơn vị) để ghi biểu của chính đơn vị đó.",
            option="unit",
        )

    def check_top(batch: CheckResult) -> None:
        """After reading: one period, and the top unit when none was named."""
        nonlocal unit
        if per is None:
            single_period(batch)
        if unit is None and reg is not None and batch.level:
            unit = single_top(reg, batch.level)
            expect.unit = unit

    if unit is None and reg is not None and level is not None:
        unit = single_top(reg, level)
    expect = Expectation(
        level=level, period=per.code if per else None, units=reg, unit=unit, outputs=tuple(named)
    )
    expected = expect.expected_units()
    if expected is not None and out is not None:
        check_unit_count(len(expected))  # before reading thousands of files for nothing
    with OutputSet() as outs:
        # NOTE: the temporaries are made first, so that a folder that cannot be
        # written is found before the returns are read
        temps = {k: (outs.path(p) if p is not None else None) for k, p in targets.items()}
        expect.scratch = tuple(p for p in temps.values() if p is not None)
        with history.opened():
            result = run_consolidation(
                inputs,
                cat,
                expect,
                temps,
                prefer="latest" if latest else None,
                workers=workers,
                progress=progress,
                password=default_password() if password is None else password,
                check_top=check_top,
                exclude_errors=exclude_errors,
                history=history,
                book=targets["book"],
            )
            outs.commit()
            history.commit()
    result.out = targets["book"]
    return result


def run_consolidation(
    paths: Sequence[str],
    catalog: Catalog,
    expect: Expectation,
    outputs: dict[str, Path | None],
    *,
    prefer: Literal["latest"] | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    password: str = "",
    check_top: Callable[[CheckResult], None] | None = None,
    exclude_errors: bool = False,
    history: History | None = None,
    book: Path | None = None,
) -> Consolidation:
    """Read, check and add up the returns; write each output asked for in
    ``outputs`` (``book``, ``json``, ``csv``, ``own_form``: the paths to write
    them to, temporaries of the caller's :class:`~cchc_xlsx.atomic.OutputSet`).
    ``check_top`` may refuse the batch once its level is known. ``history``:
    the run's store (recorded after reading; the appendix ``book``, its final
    path, recorded with the version of each unit it adds)."""
    # NOTE: each file's record and values go to disk as it is read (the batch's
    # FileStore) and come back one file (or, for the summary, one row) at a time
    batch = read_batch(
        paths, catalog, expect, workers=workers, progress=progress, require_files=True
    )
    if check_top is not None:
        check_top(batch)
    if history is not None:
        history.record(batch, expect, catalog)
    flag_outliers(batch, catalog)
    result = build_consolidation(
        batch, catalog, expect.units, expect.unit, prefer, exclude_errors=exclude_errors
    )
    batch.settle(result.settlements)
    if history is not None and history.store is not None:
        result.timeliness = history.status(
            batch, expect.unit, {c.code: c.name for c in result.columns}
        )
        if batch.period and batch.form_level:
            result.last_year = same_period_last_year(
                history.store,
                catalog,
                batch.period,
                batch.form_level,
                unit=expect.unit,
                units=expect.units,
            )
        if book is not None:
            history.store.record_appendix(
                book,
                period=batch.period,
                level=batch.level,
                unit=expect.unit,
                sources={
                    c.code: f.sha256
                    for c in result.columns
                    if (f := result.file_of(c)) is not None and f.sha256 and c.status == "submitted"
                },
            )
    _write_appendix(result, outputs, password)
    return result


def _appendix_targets(
    out: PathArg | None,
    json_path: PathArg | None,
    csv_path: PathArg | None,
    own_form: PathArg | None = None,
) -> dict[str, Path | None]:
    """The outputs of an appendix (``book``, ``json``, ``csv``, ``own_form``),
    checked: the right suffix, not a folder, no two the same."""
    targets: dict[str, Path | None] = {
        "book": check_out(out, suffix=".xlsx", option="out", required=True)
        if out is not None
        else None,
        "json": check_out(json_path, suffix=".json", option="json_path")
        if json_path is not None
        else None,
        "csv": check_out(csv_path, suffix=".csv", option="csv_path")
        if csv_path is not None
        else None,
        "own_form": check_out(own_form, suffix=".xlsx", option="own_form", required=True)
        if own_form is not None
        else None,
    }
    named = [p for p in targets.values() if p is not None]
    if len({os.path.abspath(p) for p in named}) != len(named):
        raise UsageError("Hai tệp kết quả trùng tên; hãy đặt tên khác nhau.", option="out")
    return targets


def _write_appendix(result: Consolidation, outputs: dict[str, Path | None], password: str) -> None:
    """Write each output of ``outputs`` that is not None (temporaries of an OutputSet)."""
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


def feedback(
    store: StoreArg,
    period: Period | str,
    out_dir: PathArg,
    catalog: CatalogArg = None,
    *,
    unit: str | None = None,
    office: str | None = None,
    force: bool = False,
    password: str | None = None,
    deadlines: DeadlinesArg = None,
) -> FeedbackResult:
    """Write, into the folder ``out_dir``, a feedback workbook for each unit whose
    current return of ``period`` in the history ``store`` has errors or warnings
    (or whose only returns were rejected): a copy of the unit's own workbook,
    the cells concerned red or yellow with the message as a comment, a first
    sheet "Phản hồi" listing each problem and what to do; still a valid return,
    which supersedes the old one when it comes back corrected. Named
    ``{period}_{level}_{unit}_{slug}_phan_hoi.xlsx``. For the units expected
    (as the last run with a units file recorded) that have no usable return:
    ``nhac_nop_{period}.txt`` and ``.xlsx``, the reminder list.

    ``unit``: only that unit, or the units under it. ``deadlines``: a
    :class:`Deadlines` or its YAML file for the reminder's date (default: the
    file last given to a run with this store, else the built-in rule). ``office``: the sending
    office's name, printed on the sheet. Raises :class:`StoreError` (no store),
    :class:`UsageError` (an unknown ``unit``), :class:`OutputExistsError`
    (a file exists and ``force`` is false: nothing is written).
    """
    return write_feedback(
        store,
        as_period(period),
        Path(out_dir),
        as_catalog(catalog),
        unit=unit,
        office=office,
        force=force,
        password=default_password() if password is None else password,
        deadlines=History.of(None, None, None, deadlines).deadlines,
    )


def _report_day(text: str) -> dt.date:
    """``06/03/2024`` (as an office writes it) or ``2024-03-06``; ValueError otherwise."""
    text = text.strip()
    if "/" in text:
        return dt.datetime.strptime(text, "%d/%m/%Y").date()
    return dt.date.fromisoformat(text)


def rollup(
    store: StoreArg,
    period: Period | str,
    level: str,
    out: PathArg | None = None,
    catalog: CatalogArg = None,
    *,
    unit: str | None = None,
    units: UnitsArg = None,
    json_path: PathArg | None = None,
    csv_path: PathArg | None = None,
    exclude_errors: bool = False,
    force: bool = False,
    password: str | None = None,
) -> Consolidation:
    """The appendix of a longer period (``2024-H1``, ``2024-9M``, ``2024``; a
    quarter works too) from the returns of ``level`` recorded in the history
    ``store``, written like :func:`consolidate` writes a period's appendix
    (same workbook, JSON and CSV; it rolls up a level like any other).

    Each expected unit's column is its returns of the period's year added up
    row by row by the catalogue's ``period_agg``: ``flow`` rows add up,
    ``stock`` and ``cumulative`` ("lũy kế") rows take the value at the end of
    the period; ratio and sum rows are computed again from the rolled-up
    parts (percent points), never averaged. A 6-month, 9-month or annual
    report in the store is the unit's own figure for its quarters and is never
    added to them; when the store also holds the shorter returns that make it
    up (:func:`~cchc_xlsx.semantics.period_aggregation.against_parts`), each
    row where the two disagree has a ``cumulative-mismatch`` warning. A period missing
    for a unit is named in its column (status sheet) and every value that
    lacks it has a ``period-incomplete`` warning (yellow cell; the total's note
    says how many units). The returns' own errors and warnings are carried
    over with the period named (``exclude_errors`` as in :func:`consolidate`).

    ``unit``: the consolidating unit (its units of ``level`` are the columns);
    ``units``: the units file (else the registers the store kept for those
    periods, else every unit with a return). Returns a :class:`Consolidation`
    (``totals`` keyed by catalogue code). Raises :class:`StoreError` (no
    store), :class:`UsageError` (a level the catalogue lacks; no return of
    that year at that level; a summed appendix stored at that level: roll up
    the level below, then consolidate those appendices), :class:`OutputExistsError`,
    :class:`OutputError`, :class:`PeriodError`.
    """
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    assert per is not None
    reg = as_units(units, cat)
    if unit is not None and reg is not None:
        check_unit(unit, reg, level)
    targets = _appendix_targets(out, json_path, csv_path)
    named = [p for p in targets.values() if p is not None]
    with existing_store(store) as db:
        History.of(db).refuse_outputs(named)  # never over the store, --force or not
        refuse_inputs_as_outputs(named, [], [cat.path, reg.path if reg is not None else ""])
        refuse_existing(named, force)
        result, _made = rollup_consolidation(
            db, cat, per, level, unit=unit, units=reg, exclude_errors=exclude_errors
        )
        result.last_year = same_period_last_year(db, cat, per, level, unit=unit, units=reg)
        with OutputSet() as outs:
            temps = {k: (outs.path(p) if p is not None else None) for k, p in targets.items()}
            _write_appendix(result, temps, default_password() if password is None else password)
            outs.commit()
    result.out = targets["book"]
    return result


def series(
    source: StoreArg | Paths,
    unit: str,
    periods: str | Sequence[Period | str],
    out: PathArg | None = None,
    catalog: CatalogArg = None,
    *,
    level: str | None = None,
    units: UnitsArg = None,
    force: bool = False,
    from_returns: bool | None = None,
) -> Series:
    """A unit's figures over several periods, one column per period, like seed
    003's Phụ lục 1–7 (``periods``: ``"2021..2025"``, ``"2024-Q1..2025-Q2"``,
    ``"2021,2022,2025-Q1"`` or a list of periods). A year that the store holds
    only in part is printed ``Năm 2025 (tính đến 14/3/2025)`` with its values
    marked. Each column is rolled up as :func:`rollup` does (ratios per period
    from that period's parts, in percent points); for a consolidating unit
    (``level`` below its own, or the store holds only returns of the units
    under it), the total of its units of ``level`` per period.

    ``source``: the history store (a :class:`Store` or its path), or returned
    workbooks of several periods (a folder, ``.xlsx`` files, or a list of
    them), read and checked into a temporary store first (their summary is
    ``Series.read``); ``from_returns`` forces one reading or the other. ``out``: the
    workbook (.xlsx; sheets "Qua các kỳ" and "Nguồn số liệu"). Returns the
    :class:`~cchc_xlsx.consolidation.series.Series`. Raises
    :class:`StoreError`, :class:`UsageError` (the store knows nothing of the
    unit; a level the catalogue lacks), :class:`PeriodError`,
    :class:`OutputExistsError`, :class:`OutputError`.
    """
    import tempfile

    from cchc_xlsx.periods import period_range

    cat = as_catalog(catalog)
    if level is not None:
        check_level(level, cat)
    reg = as_units(units, cat)
    pers = (
        period_range(periods)
        if isinstance(periods, str)
        else [p if isinstance(p, Period) else as_period(p) for p in periods]
    )
    if not pers:
        raise UsageError("Chưa nêu kỳ nào.", option="periods")
    target = check_out(out, suffix=".xlsx", option="out", required=True) if out else None
    if from_returns is None:
        from_returns = not isinstance(source, Store) and (
            not isinstance(source, (str, os.PathLike))
            or os.path.isdir(source)
            or os.fspath(source).lower().endswith((".xlsx", ".xlsm"))
        )
    read: CheckResult | None = None
    with tempfile.TemporaryDirectory(prefix="cchc-series-") as scratch, ExitStack() as stack:
        if from_returns:
            inputs = as_paths(source)  # type: ignore[arg-type]
            check_inputs(inputs)
            if target is not None:
                refuse_inputs_as_outputs([target], inputs, [cat.path, reg.path if reg else ""])
                refuse_existing([target], force)
            db = stack.enter_context(Store(os.path.join(scratch, "kho.sqlite")))
            read = read_batch(
                inputs,
                cat,
                Expectation(level=level, units=reg, mixed_periods=True),
                require_files=True,
            )
            db.begin()
            db.record(read)
            db.commit()
        else:
            db = stack.enter_context(existing_store(source))  # type: ignore[arg-type]
            if target is not None:
                refuse_inputs_as_outputs([target], [str(db.path)], [cat.path])
                refuse_existing([target], force)
        result = unit_series(
            db,
            cat,
            unit,
            [p for p in pers if p is not None],
            level=level,
            units=reg,
            prefix="biểu đã đọc" if from_returns else "kho lưu",
        )
        if read is not None:
            result = dataclasses.replace(result, read=read)
        if target is not None:
            write_series_file(result, target)
    return result


def report(
    appendix: PathArg,
    out: PathArg,
    catalog: CatalogArg = None,
    *,
    template: PathArg | None = None,
    store: PathArg | None = None,
    format: Literal["docx", "md"] | None = None,
    report_date: dt.date | str | None = None,
    force: bool = False,
) -> ReportResult:
    """Write the draft of the narrative report (Báo cáo … công tác cải cách hành
    chính) of the consolidated workbook ``appendix`` (written by
    :func:`consolidate` with ``catalog``) to ``out``: a Word document from the
    bundled template or ``template`` (an edited copy of it), or Markdown
    (``format="md"``; None: from ``out``'s suffix, ``.docx`` or ``.md``).

    Every statement the appendix supports is written from its figures (counts,
    ratios with their parts, the units that sent, the targets of the catalogue
    graded, the charts); the rest is a marked placeholder ("[Cần bổ sung: …]").
    With ``store`` (the history store), the figures are compared with the same
    period of the previous year when the store has it from every unit that sent.
    ``report_date``: the date line (a date, ``"06/03/2024"`` or ``"2024-03-06"``; None: left blank).

    Returns a :class:`ReportResult`. Raises :class:`UsageError` (``option``:
    ``appendix``, ``out``, ``template``, ``format``, ``report_date``),
    :class:`OutputExistsError` (``out`` exists and ``force`` is false),
    :class:`TemplateError` (a broken or unknown tag of the template, named),
    :class:`StoreError`, :class:`CatalogError`; nothing is written then.
    """
    from cchc_xlsx.outputs.report.make import write_report

    cat = as_catalog(catalog)
    source = Path(os.fspath(appendix))
    if not source.is_file():
        raise UsageError(f"Không thấy biểu tổng hợp “{source}”.", option="appendix")
    target = Path(os.fspath(out))
    fmt = format or ("md" if target.suffix.lower() == ".md" else "docx")
    if fmt not in ("docx", "md"):
        raise UsageError(
            f"Định dạng báo cáo “{fmt}” không hợp lệ; dùng docx hoặc md.", option="format"
        )
    target = check_out(target, suffix=f".{fmt}", option="out", required=True)
    tpl = Path(os.fspath(template)) if template is not None else None
    if tpl is not None and not tpl.is_file():
        raise UsageError(f"Không thấy mẫu báo cáo “{tpl}”.", option="template")
    kept = Path(os.fspath(store)) if store is not None else None
    if kept is not None and not kept.is_file():
        raise UsageError(f"Không thấy kho lưu “{kept}”.", option="store")
    day: dt.date | None
    try:
        day = _report_day(report_date) if isinstance(report_date, str) else report_date
    except ValueError:
        raise UsageError(
            f"Ngày “{report_date}” không hợp lệ; viết theo dạng 06/03/2024 hoặc 2024-03-06.",
            option="report_date",
        ) from None
    refuse_inputs_as_outputs([target], [str(source)], [str(tpl or ""), cat.path, str(kept or "")])
    refuse_existing([target], force)
    return write_report(source, cat, target, template=tpl, store=kept, format=fmt, report_date=day)
