"""The verbs of a quarterly script: :func:`generate`, :func:`check`, :func:`consolidate`.

Each takes what a person has at hand — a path as ``str`` or ``os.PathLike``,
one or a list; a period as ``"2024-Q1"`` or a :class:`Period`; a catalogue or
units file as a path or as the loaded object — and checks its arguments before
any long work: a mistake raises :class:`UsageError` (``option`` names the
argument) or :class:`OutputExistsError`, and nothing is read or written.
Problems in the returned files are never exceptions: they are issues of the
result.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ._atomic import OutputSet
from .batch import CheckResult, Expectation, mark_conflicts, read_batch
from .catalog import LEVELS, Catalog, load_catalog
from .consolidation import Consolidation, check_unit_count, run_consolidation
from .errors import OutputExistsError, UsageError
from .outliers import flag_outliers
from .periods import Period, parse_period
from .template import GeneratedFile, default_password
from .template import generate as _generate
from .units import Unit, Units, load_units

PathArg = str | os.PathLike[str]
Paths = PathArg | Iterable[PathArg]
CatalogArg = Catalog | PathArg | None
UnitsArg = Units | PathArg | None
PeriodArg = Period | str | None
Progress = Callable[[int, int], None]

__all__ = ["check", "consolidate", "generate"]


# --------------------------------------------------------------------------- arguments


def as_paths(paths: Paths) -> list[str]:
    """One path or many, as a list of strings (``"nop_ve"`` is one folder, not five letters)."""
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    if isinstance(paths, bytes):
        raise UsageError("Đường dẫn phải là chuỗi ký tự hoặc Path, không phải bytes.", option="paths")
    if not hasattr(paths, "__iter__"):
        raise UsageError(f"Đường dẫn phải là chuỗi ký tự, Path hoặc danh sách các đường dẫn (gặp {type(paths).__name__}).", option="paths")
    out: list[str] = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise UsageError(f"Đường dẫn phải là chuỗi ký tự hoặc Path (gặp {type(p).__name__}).", option="paths")
        out.append(os.fspath(p))
    if not out:
        raise UsageError("Chưa nêu tệp hoặc thư mục nào để đọc.", option="paths")
    return out


def as_catalog(catalog: CatalogArg) -> Catalog:
    """A loaded catalogue; a path is loaded, None is the bundled default."""
    if isinstance(catalog, Catalog):
        return catalog
    if catalog is None or isinstance(catalog, (str, os.PathLike)):
        return load_catalog(catalog)
    raise UsageError(f"Danh mục phải là Catalog hoặc đường dẫn tệp YAML (gặp {type(catalog).__name__}).", option="catalog")


def as_units(units: UnitsArg, catalog: Catalog) -> Units | None:
    """A loaded units register; a path is loaded."""
    if units is None or isinstance(units, Units):
        return units
    if isinstance(units, (str, os.PathLike)):
        return load_units(units, catalog.levels)
    raise UsageError(f"Danh sách đơn vị phải là Units hoặc đường dẫn tệp CSV (gặp {type(units).__name__}).", option="units")


def as_period(period: PeriodArg) -> Period | None:
    """A :class:`Period`; a string is parsed (:class:`~cchc_xlsx.errors.PeriodError` when it is not one)."""
    if period is None or isinstance(period, Period):
        return period
    return parse_period(str(period))


def check_level(level: str | None, catalog: Catalog) -> None:
    """Refuse a level the catalogue's form does not have."""
    if level is not None and level not in catalog.levels:
        known = ", ".join(f"{lv} ({LEVELS.get(lv, lv)})" for lv in catalog.levels)
        raise UsageError(f"Cấp “{level}” không có trong danh mục {catalog.id}; các cấp của biểu mẫu này: {known}.", option="level")


def _unit_text(u: Unit) -> str:
    return f"{u.code} ({u.name})"


def check_unit(unit: str | None, units: Units | None, level: str | None) -> None:
    """Refuse a consolidating unit that is unknown, or has no unit of ``level`` below it."""
    if unit is None:
        return
    if units is None:
        raise UsageError(f"Đơn vị tổng hợp “{unit}” cần tệp danh sách đơn vị để biết các đơn vị cấp dưới.", option="units")
    if unit not in units:
        raise UsageError(f"Đơn vị tổng hợp “{unit}” không có trong tệp danh sách đơn vị {units.path}.", option="unit")
    if level is None or units.descendants(unit, level):
        return
    u = units[unit]
    above = [a for a in _consolidators(units, level)]
    shown = ", ".join(_unit_text(a) for a in above[:10]) + ("…" if len(above) > 10 else "")
    hint = f" Các đơn vị có đơn vị cấp “{level}” trực thuộc: {shown}." if above else ""
    raise UsageError(
        f"{u.name} ({u.code}, {LEVELS.get(u.level, u.level)}) không có đơn vị {LEVELS.get(level, level)} nào trực thuộc "
        f"trong {units.path}: đơn vị tổng hợp phải là cấp trên của các đơn vị nộp biểu.{hint}",
        option="unit",
    )


def _consolidators(units: Units, level: str) -> list[Unit]:
    """Units with at least one unit of ``level`` below them, in file order."""
    codes: set[str] = set()
    for u in units.at_level(level):
        codes.update(a.code for a in units.ancestors(u.code))
    return [u for u in units if u.code in codes]


def single_top(units: Units, level: str) -> str | None:
    """The consolidating unit implied when none is named: the one top unit above
    every unit of ``level`` (None when those units have no parent). Several top
    units raise :class:`UsageError` naming them, since one appendix must not mix them."""
    tops: dict[str, Unit] = {}
    orphans = False  # units of the level with no parent at all
    for u in units.at_level(level):
        chain = units.ancestors(u.code)
        if chain:
            tops.setdefault(chain[-1].code, chain[-1])
        else:
            orphans = True
    if len(tops) <= 1:
        return next(iter(tops)) if tops and not orphans else None
    shown = ", ".join(_unit_text(t) for t in list(tops.values())[:10])
    raise UsageError(
        f"Các đơn vị {LEVELS.get(level, level)} trong {units.path} thuộc {len(tops)} đơn vị cấp cao nhất khác nhau "
        f"({shown}); một biểu tổng hợp không gộp chúng. Hãy chọn đơn vị tổng hợp là một trong số đó.",
        option="unit",
    )


def check_out(path: PathArg, *, suffix: str, option: str, required: bool = False) -> Path:
    """An output path: a file name (not a folder), ending in ``suffix`` when ``required``."""
    text = os.fspath(path)
    if not text.strip():
        raise UsageError("Chưa nêu tên tệp kết quả.", option=option)
    p = Path(text)
    example = f"tong_hop{suffix}"
    if p.is_dir() or text.endswith(("/", os.sep)):
        raise UsageError(f"“{text}” là một thư mục; hãy nêu tên tệp kết quả (ví dụ {p / example}).", option=option)
    if required and p.suffix.lower() != suffix:
        stem = p.name.rstrip(". ")
        stem = stem[: -len(p.suffix)] if p.suffix and stem.endswith(p.suffix) else stem
        shown = f"{stem}{suffix}" if stem and stem != suffix else example
        raise UsageError(f"Tệp kết quả “{text}” phải có đuôi {suffix} (ví dụ {shown}).", option=option)
    return p


def refuse_inputs_as_outputs(targets: Iterable[Path], inputs: Sequence[str], protected: Iterable[str]) -> None:
    """Refuse an output that is an input: a returned file (named, or inside a
    folder being read — unless it is this tool's own output), the units file
    or the catalogue. Overwriting is not what ``force`` is for."""
    from .batch import is_own_output

    files = {os.path.realpath(p) for p in protected if p}
    folders: list[str] = []
    for p in inputs:
        real = os.path.realpath(p)
        if os.path.isdir(real):
            folders.append(real.rstrip(os.sep) + os.sep)
        else:
            files.add(real)
    for target in targets:
        real = os.path.realpath(target)
        inside = any(real.startswith(f) for f in folders) and os.path.exists(real) and not is_own_output(real)
        if real in files or inside:
            raise UsageError(
                f"Tệp kết quả “{target}” là một tệp đầu vào (biểu nộp về, danh sách đơn vị hoặc danh mục); "
                "không ghi đè lên tệp đầu vào — hãy chọn tên khác.",
                option="out",
            )


def refuse_existing(paths: Iterable[Path], force: bool) -> None:
    """Raise :class:`OutputExistsError` listing the outputs that exist (unless ``force``)."""
    if force:
        return
    existing = [str(p) for p in paths if p.exists()]
    if existing:
        shown = "\n".join(f"  - {p}" for p in existing[:10])
        more = f"\n  … và {len(existing) - 10} tệp khác" if len(existing) > 10 else ""
        raise OutputExistsError(f"{len(existing)} tệp kết quả đã có, không ghi đè:\n{shown}{more}", existing)


def single_period(batch: CheckResult) -> None:
    """Refuse a batch of returns of several periods when none was named: which
    one is being consolidated must not be a guess."""
    periods = batch.files.counts_of("period", status=("accepted", "rejected"))
    if len(periods) > 1:
        from .periods import parse_period

        def label(code: str) -> str:
            try:
                return parse_period(code).label
            except ValueError:
                return code

        shown = ", ".join(f"{label(p)}: {n} tệp" for p, n in periods.most_common())
        raise UsageError(f"Các biểu nộp về thuộc nhiều kỳ báo cáo khác nhau ({shown}); hãy nêu rõ kỳ báo cáo cần tổng hợp.", option="period")


def check_inputs(paths: Sequence[str]) -> None:
    """Refuse paths that do not exist (all of them named at once)."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        shown = ", ".join(f"“{p}”" for p in missing[:10])
        raise UsageError(f"Không tìm thấy {shown}. Hãy kiểm tra lại tên tệp hoặc thư mục.", option="paths")


# --------------------------------------------------------------------------- verbs


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
    :class:`UnitsError`, :class:`PeriodError`.
    """
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    assert per is not None
    reg = as_units(units, cat)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise UsageError(f"“{out}” là một tệp, không phải thư mục; hãy nêu thư mục để ghi các biểu mẫu.", option="out")
    return _generate(cat, level, per, out, reg, force=force, password=password, progress=progress, generated_at=generated_at, generic=generic)


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
) -> CheckResult:
    """Read and check returned workbooks; write nothing.

    ``paths``: files and folders (folders are searched recursively; lock files,
    temporary files, this tool's outputs and byte-identical copies are skipped
    with a note). ``level``: the level of the units that send the returns
    (inferred from the files when None). ``period``: the expected period.
    ``units``: the units register, to know which units are expected and to
    identify returns by name; ``unit``: the consolidating unit whose
    descendants at ``level`` are expected (all units of ``level`` when None).

    Returns a :class:`CheckResult`: every file with its status and issues,
    ``missing_units``, ``conflicting_units`` and ``exit_code``. Raises
    :class:`UsageError` before reading anything when a path does not exist,
    no file is found, or ``level``/``unit`` do not fit the catalogue and the
    units file; :class:`CatalogError`, :class:`UnitsError`, :class:`PeriodError`.
    """
    return check_batch(paths, catalog, level=level, period=period, units=units, unit=unit, workers=workers, progress=progress)


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
    expect = Expectation(level=level, period=per.code if per else None, units=reg, unit=unit, outputs=tuple(outputs), scratch=tuple(scratch))
    result = read_batch(inputs, cat, expect, workers=workers, progress=progress, require_files=True)
    mark_conflicts(result)
    flag_outliers(result, cat)
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
    prefer: str | None = None,
    json_path: PathArg | None = None,
    csv_path: PathArg | None = None,
    own_form: PathArg | None = None,
    exclude_errors: bool = False,
    force: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
    password: str | None = None,
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
    modification time) instead of none. ``exclude_errors``: leave out of the
    sums every value involved in an error-level issue (they are red in the
    appendix either way, and the title says which was done).

    Returns a :class:`Consolidation` (``totals`` keyed by catalogue code, ratios
    in percent points; ``columns``; ``missing_units``; ``submitted``;
    ``exit_code``). Raises :class:`UsageError` before reading anything for a
    path that does not exist, an ``out`` that is a folder or not ``.xlsx``, a
    ``unit`` that is not above the units of ``level``, several top units and
    no ``unit``, or no file found; :class:`OutputExistsError` when an output
    exists and ``force`` is false; :class:`OutputError` when an output cannot
    be written; :class:`CatalogError`, :class:`UnitsError`, :class:`PeriodError`.
    """
    inputs = as_paths(paths)
    cat = as_catalog(catalog)
    check_level(level, cat)
    per = as_period(period)
    reg = as_units(units, cat)
    check_unit(unit, reg, level)
    if prefer not in (None, "latest"):
        raise UsageError(f"Cách chọn tệp “{prefer}” không hợp lệ; chỉ có “latest” (lấy tệp mới nhất).", option="prefer")
    targets: dict[str, Path | None] = {
        "book": check_out(out, suffix=".xlsx", option="out", required=True) if out is not None else None,
        "json": check_out(json_path, suffix=".json", option="json_path") if json_path is not None else None,
        "csv": check_out(csv_path, suffix=".csv", option="csv_path") if csv_path is not None else None,
        "own_form": check_out(own_form, suffix=".xlsx", option="own_form", required=True) if own_form is not None else None,
    }
    named = [p for p in targets.values() if p is not None]
    if len({os.path.abspath(p) for p in named}) != len(named):
        raise UsageError("Hai tệp kết quả trùng tên; hãy đặt tên khác nhau.", option="out")
    check_inputs(inputs)
    refuse_inputs_as_outputs(named, inputs, [cat.path, reg.path if reg is not None else ""])
    refuse_existing(named, force)
    if own_form is not None and unit is None and (reg is None or level is None):
        raise UsageError("Cần đơn vị tổng hợp (có trong tệp danh sách đơn vị) để ghi biểu của chính đơn vị đó.", option="unit")

    def check_batch(batch: CheckResult) -> None:
        nonlocal unit
        if per is None:
            single_period(batch)
        if unit is None and reg is not None and batch.level:
            unit = single_top(reg, batch.level)
            expect.unit = unit

    if unit is None and reg is not None and level is not None:
        unit = single_top(reg, level)
    expect = Expectation(level=level, period=per.code if per else None, units=reg, unit=unit, outputs=tuple(named))
    expected = expect.expected_units()
    if expected is not None and out is not None:
        check_unit_count(len(expected))  # before reading thousands of files for nothing
    with OutputSet() as outs:
        # NOTE: the temporaries are made first, so that a folder that cannot be
        # written is found before the returns are read
        temps = {k: (outs.path(p) if p is not None else None) for k, p in targets.items()}
        expect.scratch = tuple(p for p in temps.values() if p is not None)
        result = run_consolidation(
            inputs, cat, expect, temps,
            prefer=prefer, workers=workers, progress=progress,
            password=default_password() if password is None else password,
            check_top=check_batch,
            exclude_errors=exclude_errors,
        )
        outs.commit()
    result.out = targets["book"]
    return result
