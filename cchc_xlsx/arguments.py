"""The arguments of the verbs, as a person gives them: coerced (a path or
many, a period string, a catalogue or units path) and checked before any long
work, with what to change named (:class:`UsageError`'s ``option``)."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from cchc_xlsx.batch.discover import is_own_output
from cchc_xlsx.catalog.load import load_catalog
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import UsageError
from cchc_xlsx.periods import Period, parse_period
from cchc_xlsx.units import Unit, Units, load_units
from cchc_xlsx.vocabulary import LEVELS

PathArg = str | os.PathLike[str]
Paths = PathArg | Iterable[PathArg]
CatalogArg = Catalog | PathArg | None
UnitsArg = Units | PathArg | None
PeriodArg = Period | str | None
Progress = Callable[[int, int], None]


def as_paths(paths: Paths) -> list[str]:
    """One path or many, as a list of strings (``"nop_ve"`` is one folder, not five letters)."""
    if isinstance(paths, (str, os.PathLike)):
        return [os.fspath(paths)]
    if isinstance(paths, bytes):
        raise UsageError(
            "Đường dẫn phải là chuỗi ký tự hoặc Path, không phải bytes.", option="paths"
        )
    if not hasattr(paths, "__iter__"):
        raise UsageError(
            f"Đường dẫn phải là chuỗi ký tự, Path hoặc danh sách các đường dẫn (gặp {type(paths).__name__}).",
            option="paths",
        )
    out: list[str] = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise UsageError(
                f"Đường dẫn phải là chuỗi ký tự hoặc Path (gặp {type(p).__name__}).", option="paths"
            )
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
    raise UsageError(
        f"Danh mục phải là Catalog hoặc đường dẫn tệp YAML (gặp {type(catalog).__name__}).",
        option="catalog",
    )


def as_units(units: UnitsArg, catalog: Catalog) -> Units | None:
    """A loaded units register; a path is loaded."""
    if units is None or isinstance(units, Units):
        return units
    if isinstance(units, (str, os.PathLike)):
        return load_units(units, catalog.levels)
    raise UsageError(
        f"Danh sách đơn vị phải là Units hoặc đường dẫn tệp CSV (gặp {type(units).__name__}).",
        option="units",
    )


def as_period(period: PeriodArg) -> Period | None:
    """A :class:`Period`; a string is parsed (:class:`~cchc_xlsx.errors.PeriodError` when it is not one)."""
    if period is None or isinstance(period, Period):
        return period
    return parse_period(str(period))


def check_level(level: str | None, catalog: Catalog) -> None:
    """Refuse a level the catalogue's form does not have."""
    if level is not None and level not in catalog.levels:
        known = ", ".join(f"{lv} ({LEVELS.get(lv, lv)})" for lv in catalog.levels)
        raise UsageError(
            f"Cấp “{level}” không có trong danh mục {catalog.id}; các cấp của biểu mẫu này: {known}.",
            option="level",
        )


def _unit_text(u: Unit) -> str:
    return f"{u.code} ({u.name})"


def check_unit(unit: str | None, units: Units | None, level: str | None) -> None:
    """Refuse a consolidating unit that is unknown, or has no unit of ``level`` below it."""
    if unit is None:
        return
    if units is None:
        raise UsageError(
            f"Đơn vị tổng hợp “{unit}” cần tệp danh sách đơn vị để biết các đơn vị cấp dưới.",
            option="units",
        )
    if unit not in units:
        raise UsageError(
            f"Đơn vị tổng hợp “{unit}” không có trong tệp danh sách đơn vị {units.path}.",
            option="unit",
        )
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
        raise UsageError(
            f"“{text}” là một thư mục; hãy nêu tên tệp kết quả (ví dụ {p / example}).",
            option=option,
        )
    if required and p.suffix.lower() != suffix:
        stem = p.name.rstrip(". ")
        stem = stem[: -len(p.suffix)] if p.suffix and stem.endswith(p.suffix) else stem
        shown = f"{stem}{suffix}" if stem and stem != suffix else example
        raise UsageError(
            f"Tệp kết quả “{text}” phải có đuôi {suffix} (ví dụ {shown}).", option=option
        )
    return p


def refuse_inputs_as_outputs(
    targets: Iterable[Path], inputs: Sequence[str], protected: Iterable[str]
) -> None:
    """Refuse an output that is an input: a returned file (named, or inside a
    folder being read — unless it is this tool's own output), the units file
    or the catalogue. Overwriting is not what ``force`` is for."""

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
        inside = (
            any(real.startswith(f) for f in folders)
            and os.path.exists(real)
            and not is_own_output(real)
        )
        if real in files or inside:
            raise UsageError(
                f"Tệp kết quả “{target}” là một tệp đầu vào (biểu nộp về, danh sách đơn vị hoặc danh mục); "
                "không ghi đè lên tệp đầu vào — hãy chọn tên khác.",
                option="out",
            )


def check_inputs(paths: Sequence[str]) -> None:
    """Refuse paths that do not exist (all of them named at once)."""
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        shown = ", ".join(f"“{p}”" for p in missing[:10])
        raise UsageError(
            f"Không tìm thấy {shown}. Hãy kiểm tra lại tên tệp hoặc thư mục.", option="paths"
        )
