"""One template per unit, fast: the form is rendered once per level and
period with placeholder identity; each unit's file is that render with its
identity stamped into the shared strings (see ``zipstamp``)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cchc_xlsx.atomic import OutputSet
from cchc_xlsx.catalog.model import Catalog
from cchc_xlsx.errors import OutputError, OutputExistsError, UsageError, os_error_text
from cchc_xlsx.layout.form import FormLayout, build_layout
from cchc_xlsx.periods import Period
from cchc_xlsx.text import escape_text
from cchc_xlsx.units import Unit, Units, slugify
from cchc_xlsx.vocabulary import LEVELS, PreviousState
from cchc_xlsx.write.captions import authority
from cchc_xlsx.write.identity import now_iso
from cchc_xlsx.write.protection import default_password
from cchc_xlsx.write.template import PreviousColumn, render_template
from cchc_xlsx.write.zipstamp import StampableZip

SLUG_MAX = 60  # characters of the unit name's slug in a template's file name
_UNIT_NAME = "@@unit_name@@"  # in captions; upper-cased by the caption template into @@UNIT_NAME@@
_META_UNIT_NAME = "@@meta_unit_name@@"
_UNIT_CODE = "@@unit_code@@"
_UNIT_LEVEL = "@@unit_level@@"
GENERIC_WITH_PREVIOUS = (
    "Biểu chung (đơn vị tự chọn hoặc tự gõ) không có cột số liệu kỳ trước: số liệu kỳ trước "
    "là của từng đơn vị. Hãy tạo biểu riêng cho từng đơn vị (cần danh sách đơn vị, không chọn "
    "biểu chung), hoặc bỏ cột kỳ trước."
)


@dataclass(frozen=True)
class GeneratedFile:
    """One written template."""

    path: Path
    unit: Unit | None
    previous: PreviousState | None = None  # with a reference column: what the store held


def template_filename(period: Period, level: str, unit: Unit | None) -> str:
    """``{period}_{level}_{unit code}_{slug}.xlsx`` (``…_mau_chung.xlsx`` for a generic template)."""
    if unit is None:
        return f"{period.code}_{level}_mau_chung.xlsx"
    code = re.sub(r"[^A-Za-z0-9_-]", "_", unit.code)
    # NOTE: a file name holds at most 255 bytes; a long name's slug is cut at a word
    slug = slugify(unit.name)
    if len(slug) > SLUG_MAX:
        slug = slug[:SLUG_MAX].rsplit("_", 1)[0] or slug[:SLUG_MAX]
    return f"{period.code}_{level}_{code}_{slug}.xlsx"


class Stamper:
    """One render of a level's form, stamped with each unit's identity."""

    def __init__(self, layout: FormLayout, period: Period, generated_at: str, password: str):
        data = render_template(
            layout,
            period,
            unit_name=_UNIT_NAME,
            unit_code=_UNIT_CODE,
            unit_level=_UNIT_LEVEL,
            generated_at=generated_at,
            password=password,
            meta_unit_name=_META_UNIT_NAME,
        )
        self.zip = StampableZip(data)
        self.sst = self.zip.plain["xl/sharedStrings.xml"]
        for ph in (_UNIT_NAME, _UNIT_NAME.upper(), _META_UNIT_NAME, _UNIT_CODE, _UNIT_LEVEL):
            if ph.encode() not in self.sst:
                raise RuntimeError(f"placeholder {ph} missing from the rendered template")

    def stamp(self, unit: Unit) -> bytes:
        sst = (
            self.sst.replace(_META_UNIT_NAME.encode(), _xml(unit.name))
            .replace(_UNIT_NAME.upper().encode(), _xml(authority(unit.name).upper()))
            .replace(_UNIT_NAME.encode(), _xml(authority(unit.name)))
            .replace(_UNIT_CODE.encode(), _xml(unit.code))
            .replace(_UNIT_LEVEL.encode(), _xml(unit.level))
        )
        return self.zip.write({"xl/sharedStrings.xml": sst})


def _xml(text: str) -> bytes:
    return escape_text(text).encode("utf-8")


def write_templates(
    catalog: Catalog,
    level: str,
    period: Period,
    out_dir: str | Path,
    units: Units | None = None,
    *,
    force: bool = False,
    password: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    generated_at: str | None = None,
    generic: bool = False,
    previous: Mapping[str, PreviousColumn] | None = None,
) -> list[GeneratedFile]:
    """Write one template per unit of ``level`` in ``units`` (a single generic one without units).

    ``generic=True`` with ``units``: a single generic template whose unit is chosen
    from a drop-down of the level's units (or typed). ``previous``: by unit code,
    each unit's figures of an earlier period for the reference column (every
    unit's template then differs in more than its identity: each is rendered on
    its own); refused for a generic template, which has no unit of its own.

    Nothing is written when a target exists and ``force`` is false
    (:class:`OutputError`). Every file is written atomically.
    """
    if level not in catalog.levels:
        raise UsageError(
            f"Cấp “{level}” không có trong danh mục {catalog.id} (có: {', '.join(catalog.levels)}).",
            option="level",
        )
    password = default_password() if password is None else password
    generated_at = generated_at or now_iso()
    layout = build_layout(catalog, level)
    out = Path(out_dir)
    if previous is not None and (units is None or generic):
        raise UsageError(GENERIC_WITH_PREVIOUS, option="with_previous")
    targets = _targets(level, units, generic)
    paths = [out / template_filename(period, level, u) for u in targets]
    _refuse_clashes(targets, paths, force)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {out}: {os_error_text(exc)}") from exc
    # NOTE: all or none: every file goes to a temporary beside its target, and
    # the targets are replaced only when all are written (a full disk, a
    # Ctrl-C or a file that cannot be replaced leaves the folder as it was)
    with OutputSet() as outs:
        if units is None or generic:
            written = _write_generic(outs, layout, period, paths[0], units, generated_at, password)
        else:
            written = _write_per_unit(
                outs, layout, period, targets, paths, generated_at, password, progress, previous
            )
        outs.commit()
    if progress and (units is None or generic):
        progress(1, 1)
    return written


def _targets(level: str, units: Units | None, generic: bool) -> list[Unit | None]:
    """The units to write a template for (``[None]``: one generic template)."""
    targets: list[Unit | None] = (
        list(units.at_level(level)) if units is not None and not generic else [None]
    )
    if units is not None and not targets:
        raise UsageError(
            f"Tệp đơn vị {units.path} không có đơn vị nào ở cấp “{level}” ({LEVELS.get(level, level)}).",
            option="level",
        )
    return targets


def _refuse_clashes(targets: list[Unit | None], paths: list[Path], force: bool) -> None:
    """Two units for one file name, a folder where a file must go, or (without
    ``force``) files that exist: refused before anything is written."""
    seen_names: dict[str, Unit | None] = {}
    for u, p in zip(targets, paths):
        key = p.name.casefold()
        if key in seen_names:
            other = seen_names[key]
            raise UsageError(
                f"Hai đơn vị cho cùng một tên tệp {p.name}: {other.code if other else ''} và {u.code if u else ''}; "
                "hãy đổi mã đơn vị trong tệp đơn vị cho khác nhau."
            )
        seen_names[key] = u
    folders = [p for p in paths if p.is_dir()]
    if folders:
        raise UsageError(
            f"“{folders[0]}” là một thư mục, trùng tên với biểu cần ghi; hãy đổi tên hoặc chọn thư mục khác.",
            option="out",
        )
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        shown = "\n".join(f"  - {p}" for p in existing[:10])
        more = f"\n  … và {len(existing) - 10} tệp khác" if len(existing) > 10 else ""
        raise OutputExistsError(
            f"{len(existing)} tệp đã có, không ghi đè:\n{shown}{more}", [str(p) for p in existing]
        )


def _write_generic(
    outs: OutputSet,
    layout: FormLayout,
    period: Period,
    path: Path,
    units: Units | None,
    generated_at: str,
    password: str,
) -> list[GeneratedFile]:
    """One template whose unit is chosen (from ``units`` of its level) or typed in B1."""
    data = render_template(
        layout,
        period,
        unit_name="",
        unit_code="",
        unit_level="",
        generated_at=generated_at,
        password=password,
        generic=True,
        generic_units=units.at_level(layout.level) if units is not None else None,
    )
    outs.path(path).write_bytes(data)
    return [GeneratedFile(path, None)]


def _write_per_unit(
    outs: OutputSet,
    layout: FormLayout,
    period: Period,
    targets: list[Unit | None],
    paths: list[Path],
    generated_at: str,
    password: str,
    progress: Callable[[int, int], None] | None,
    previous: Mapping[str, PreviousColumn] | None = None,
) -> list[GeneratedFile]:
    """One template per unit: the form rendered once, each unit's identity stamped in
    (with ``previous``: each unit's form rendered with its own figures)."""
    written: list[GeneratedFile] = []
    stamper = Stamper(layout, period, generated_at, password) if previous is None else None
    for i, (unit, path) in enumerate(zip(targets, paths)):
        assert unit is not None
        if stamper is not None:
            data = stamper.stamp(unit)
        else:
            assert previous is not None
            data = render_template(
                layout,
                period,
                unit_name=unit.name,
                unit_code=unit.code,
                unit_level=unit.level,
                generated_at=generated_at,
                password=password,
                meta_unit_name=unit.name,
                previous=previous[unit.code],
            )
        outs.path(path).write_bytes(data)
        shown = previous[unit.code].state if previous is not None else None
        written.append(GeneratedFile(path, unit, shown))
        if progress:
            progress(i + 1, len(targets))
    return written
