"""The template writer: one locked, self-checking workbook per unit (XlsxWriter).

Reads like the workbook it writes: title block, header rows, indicator rows,
lists sheet, metadata, protection. The form is rendered once per level and
period with placeholder identity; each unit's file is that render with its
identity stamped into the shared strings (see ``_zipstamp``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter

from ._atomic import OutputSet
from ._version import __version__
from ._xml import escape_text
from ._zipstamp import StampableZip
from .captions import authority, render_captions
from .catalog import LEVELS, Catalog
from .errors import OutputError, OutputExistsError, UsageError, os_error_text
from .layout import (
    COL_CHECK,
    COL_LABEL,
    COL_NERR,
    COL_NOTE,
    COL_NWARN,
    COL_STT,
    COL_UNIT,
    COL_VALUE,
    FIRST_DATA_ROW,
    LISTS_SHEET,
    META_SHEET,
    NOTE_VALIDATION,
    ROW_ATTACHED,
    ROW_HEAD1,
    ROW_HEAD2,
    ROW_PERIOD,
    ROW_STATUS,
    ROW_TITLE,
    ROW_UNIT,
    ROW_WINDOW,
    FormLayout,
    RowLayout,
    Validation,
    a1,
    build_layout,
    defined_name,
    label_text,
    quote_sheet,
)
from .periods import Period
from .style import add_formats, print_setup
from .units import Unit, Units, slugify

DEFAULT_PASSWORD = "cchc"
SLUG_MAX = 60  # characters of the unit name's slug in a template's file name
PASSWORD_ENV = "CCHC_XLSX_PASSWORD"
_UNIT_NAME = "@@unit_name@@"  # in captions; upper-cased by the caption template into @@UNIT_NAME@@
_META_UNIT_NAME = "@@meta_unit_name@@"
_UNIT_CODE = "@@unit_code@@"
_UNIT_LEVEL = "@@unit_level@@"


def default_password() -> str:
    """The sheet password: ``$CCHC_XLSX_PASSWORD`` or ``cchc``. Protection prevents
    accidents, not attacks; the reader checks the layout itself."""
    return os.environ.get(PASSWORD_ENV, DEFAULT_PASSWORD)


@dataclass(frozen=True)
class Meta:
    """Identity written to the very hidden metadata sheet (key → value rows)."""

    kind: str  # "template" or "consolidated"
    catalog_id: str
    catalog_version: str
    catalog_hash: str
    level: str  # the form's level
    period: str
    layout_fingerprint: str
    unit_code: str
    unit_name: str
    unit_level: str
    generated_at: str
    tool_version: str = __version__
    format: str = "cchc-xlsx/1"

    def items(self) -> list[tuple[str, str]]:
        return [(k, str(getattr(self, k))) for k in META_KEYS]


META_KEYS = (
    "format", "kind", "tool_version", "catalog_id", "catalog_version", "catalog_hash", "level",
    "period", "layout_fingerprint", "unit_code", "unit_name", "unit_level", "generated_at",
)


@dataclass(frozen=True)
class GeneratedFile:
    """One written template."""

    path: Path
    unit: Unit | None


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


def render_template(
    layout: FormLayout,
    period: Period,
    *,
    unit_name: str,
    unit_code: str,
    unit_level: str,
    generated_at: str,
    password: str,
    generic_units: Sequence[Unit] | None = None,
    generic: bool = False,
    prefill: dict[str, Any] | None = None,
    locked_codes: frozenset[str] = frozenset(),
    meta_unit_name: str | None = None,
) -> bytes:
    """Render one workbook and return its bytes.

    ``generic``: the unit is chosen or typed in B1 (a drop-down of
    ``generic_units`` when given). ``prefill``/``locked_codes``: values written
    into input cells, and inputs that stay locked (a higher level's own form
    fed by its lower level's returns).
    """
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False})
    # NOTE: a fixed creation date makes the same input give the same bytes.
    wb.set_properties({"title": layout.catalog.title, "author": "cchc-xlsx", "created": dt.datetime(2000, 1, 1)})
    fmts = add_formats(wb)
    caps = render_captions(
        "form_captions.j2",
        unit_name=unit_name,
        catalog_title=layout.catalog.title,
        period_label=period.label,
        window_label=period.window_label,
        sheet_title="",
    )
    sheets = []
    for si, sl in enumerate(layout.sheets):
        ws = wb.add_worksheet(sl.name)
        sheets.append(ws)
        _write_title_block(ws, fmts, caps, sl.title, si, layout, generic)
        _write_header(ws, fmts)
        for rl in sl.rows:
            _write_row(ws, fmts, rl, prefill or {}, locked_codes)
        _write_rule_highlights(ws, fmts, layout, si)
        _set_columns(ws)
        ws.freeze_panes(FIRST_DATA_ROW, 0)
        print_setup(ws, (ROW_HEAD1, ROW_HEAD2))
        ws.print_area(0, COL_STT, max(sl.last_row, FIRST_DATA_ROW), COL_NOTE)
        ws.protect(password, {"format_columns": False, "format_rows": False, "select_locked_cells": True, "select_unlocked_cells": True})
    if generic:
        _write_unit_chooser(wb, sheets[0], fmts, generic_units or ())
    _write_defined_names(wb, layout)
    meta = Meta(
        kind="template",
        catalog_id=layout.catalog.id,
        catalog_version=layout.catalog.version,
        catalog_hash=layout.catalog.content_hash,
        level=layout.level,
        period=period.code,
        layout_fingerprint=layout.fingerprint,
        unit_code=unit_code,
        unit_name=unit_name if meta_unit_name is None else meta_unit_name,
        unit_level=unit_level,
        generated_at=generated_at,
    )
    write_meta_sheet(wb, meta, password)
    wb.close()
    return protect_structure(buf.getvalue(), password)


def _write_title_block(ws: Any, fmts: dict[str, Any], caps: dict[str, str], sheet_title: str, si: int, layout: FormLayout, generic: bool) -> None:
    last = COL_NOTE
    if generic:
        ws.write_string(ROW_UNIT, COL_STT, "Đơn vị:", fmts["unit_line"])
        if si > 0:
            first = quote_sheet(layout.sheets[0].name)
            ws.merge_range(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_UNIT, "", fmts["unit_line"])
            ws.write_formula(ROW_UNIT, COL_LABEL, f'IF({first}!B1="","",{first}!B1)', fmts["unit_line"], "")
    else:
        ws.merge_range(ROW_UNIT, COL_STT, ROW_UNIT, COL_UNIT, caps["unit_line"], fmts["unit_line"])
    title = caps["title"] + (f" — {sheet_title.upper()}" if sheet_title else "")
    ws.merge_range(ROW_TITLE, COL_STT, ROW_TITLE, last, title, fmts["title"])
    ws.set_row(ROW_TITLE, 36)
    ws.merge_range(ROW_PERIOD, COL_STT, ROW_PERIOD, last, caps["period"], fmts["caption"])
    ws.merge_range(ROW_ATTACHED, COL_STT, ROW_ATTACHED, last, caps["attached"], fmts["caption"])
    ws.merge_range(ROW_WINDOW, COL_STT, ROW_WINDOW, last, caps["window"], fmts["window"])
    ws.merge_range(ROW_STATUS, COL_STT, ROW_STATUS, COL_UNIT, "Kiểm tra số liệu:", fmts["status_label"])
    ws.merge_range(ROW_STATUS, COL_VALUE, ROW_STATUS, COL_NOTE, "", fmts["status"])
    if si == 0:
        ws.write_formula(ROW_STATUS, COL_VALUE, layout.status_formula, fmts["status"], "Không có lỗi")
    else:
        ws.write_formula(ROW_STATUS, COL_VALUE, f"{quote_sheet(layout.sheets[0].name)}!{a1(ROW_STATUS, COL_VALUE)}", fmts["status"], "Không có lỗi")


def _write_header(ws: Any, fmts: dict[str, Any]) -> None:
    h = fmts["header"]
    ws.merge_range(ROW_HEAD1, COL_STT, ROW_HEAD2, COL_STT, "STT", h)
    ws.merge_range(ROW_HEAD1, COL_LABEL, ROW_HEAD2, COL_LABEL, "Chỉ tiêu thống kê (Sử dụng trong kỳ báo cáo hàng quý, 6 tháng, năm)", h)
    ws.merge_range(ROW_HEAD1, COL_UNIT, ROW_HEAD1, COL_VALUE, "Kết quả thống kê", h)
    ws.write_string(ROW_HEAD2, COL_UNIT, "Đơn vị tính", h)
    ws.write_string(ROW_HEAD2, COL_VALUE, "Số liệu", h)
    ws.merge_range(ROW_HEAD1, COL_NOTE, ROW_HEAD2, COL_NOTE, "Ghi chú", h)
    ws.merge_range(ROW_HEAD1, COL_CHECK, ROW_HEAD2, COL_CHECK, "Kiểm tra (tự động)", h)
    ws.set_row(ROW_HEAD1, 21)
    ws.set_row(ROW_HEAD2, 21)
    ws.write_string(ROW_HEAD1, COL_NERR, "Số lỗi")
    ws.write_string(ROW_HEAD1, COL_NWARN, "Số cảnh báo")


def _write_row(ws: Any, fmts: dict[str, Any], rl: RowLayout, prefill: dict[str, Any], locked_codes: frozenset[str]) -> None:
    row, r = rl.row, rl.r
    bold = row.depth <= 2
    # NOTE: neither Excel nor LibreOffice grows a row for wrapped text written by
    # XlsxWriter, so the height is estimated from the label's length.
    ws.set_row(r, row_height(label_text(row), LABEL_WIDTH, row.unit, UNIT_WIDTH, bold))
    ws.write_string(r, COL_STT, row.code, fmts["stt_bold" if bold else "stt"])
    lab = fmts["label_bold" if bold else "label"]
    if row.hint:
        ws.write_rich_string(r, COL_LABEL, *( [fmts["bold"], row.label] if bold else [row.label]), fmts["italic"], f" ({row.hint})", lab)
    else:
        ws.write_string(r, COL_LABEL, row.label, lab)
    ws.write_string(r, COL_UNIT, row.unit, fmts["unit"])
    if rl.formula:
        fmt = fmts["formula"] if row.type == "ratio" else fmts["formula_sum"]
        ws.write_formula(r, COL_VALUE, rl.formula, fmt, "")
    elif row.is_input:
        locked = row.code in locked_codes
        fmt_name = "input_text" if row.type == "text" else "input_choice" if row.type in ("boolean", "choice") else "input_number"
        fmt = fmts["formula_sum"] if locked else fmts[fmt_name]
        value = prefill.get(row.code)
        if value is None:
            ws.write_blank(r, COL_VALUE, None, fmt)
        elif isinstance(value, str):
            ws.write_string(r, COL_VALUE, value, fmt)
        else:
            ws.write_number(r, COL_VALUE, value, fmt)
        if rl.validation and not locked:
            ws.data_validation(r, COL_VALUE, r, COL_VALUE, _validation_options(rl.validation))
            if rl.value_check:
                ws.conditional_format(r, COL_VALUE, r, COL_VALUE, {"type": "formula", "criteria": "=" + rl.value_check, "format": fmts["error_highlight"]})
    else:
        ws.write_blank(r, COL_VALUE, None, fmts["blank"])
    ws.write_blank(r, COL_NOTE, None, fmts["note"])
    ws.data_validation(r, COL_NOTE, r, COL_NOTE, _validation_options(NOTE_VALIDATION))
    if rl.check_formula:
        ws.write_formula(r, COL_CHECK, rl.check_formula, fmts["check"], "")
        ws.write_formula(r, COL_NERR, rl.error_count_formula or "0", fmts["hidden_count"], 0)
        ws.write_formula(r, COL_NWARN, rl.warning_count_formula or "0", fmts["hidden_count"], 0)
    else:
        ws.write_blank(r, COL_CHECK, None, fmts["check"])


def _write_rule_highlights(ws: Any, fmts: dict[str, Any], layout: FormLayout, si: int) -> None:
    """Conditional formats that turn the cells of a broken rule red (they survive paste)."""
    for rule in layout.rules:
        anchor = layout[rule.refs[0]]
        if anchor.sheet != si:
            continue
        cells = [layout[c] for c in rule.refs if layout[c].sheet == si]
        cond = rule.check.excel_violated(lambda code: layout.cell_ref(code, si, absolute=True))
        first = cells[0]
        multi = " ".join(a1(c.r, COL_VALUE) for c in cells)
        ws.conditional_format(first.r, COL_VALUE, first.r, COL_VALUE, {"type": "formula", "criteria": "=" + cond, "format": fmts["error_highlight"], "multi_range": multi})


def _validation_options(v: Validation) -> dict[str, Any]:
    opts: dict[str, Any] = {
        "input_title": v.input_title,
        "input_message": v.input_message,
        "error_title": v.error_title,
        "error_message": v.error_message,
        "error_type": "stop",
        "ignore_blank": True,
    }
    if v.kind in ("integer", "decimal"):
        opts["validate"] = v.kind
        if v.minimum is not None and v.maximum is not None:
            opts.update(criteria="between", minimum=v.minimum, maximum=v.maximum)
        elif v.minimum is not None:
            opts.update(criteria=">=", value=v.minimum)
        elif v.maximum is not None:
            opts.update(criteria="<=", value=v.maximum)
        else:
            opts.update(criteria="between", minimum=-1e307, maximum=1e307)
    elif v.kind == "list":
        opts.update(validate="list", source=list(v.choices))
    elif v.kind == "length":
        opts.update(validate="length", criteria="<=", value=int(v.maximum or 0))
    return opts


LABEL_WIDTH = 62
UNIT_WIDTH = 16


def row_height(label: str, width: int, unit: str = "", unit_width: int = 14, bold: bool = False) -> float:
    """Points for a row whose label (and unit) wrap in columns of these widths."""
    import math

    per_line = max(1.0, width * (0.95 if bold else 1.05))
    lines = max(math.ceil(len(label) / per_line), math.ceil(len(unit) / max(1.0, unit_width * 1.05)), 1)
    return 16.5 * lines + 1


def _set_columns(ws: Any) -> None:
    ws.set_column(COL_STT, COL_STT, 9)
    ws.set_column(COL_LABEL, COL_LABEL, LABEL_WIDTH)
    ws.set_column(COL_UNIT, COL_UNIT, UNIT_WIDTH)
    ws.set_column(COL_VALUE, COL_VALUE, 13)
    ws.set_column(COL_NOTE, COL_NOTE, 24)
    ws.set_column(COL_CHECK, COL_CHECK, 40)
    ws.set_column(COL_NERR, COL_NWARN, 8, None, {"hidden": True})


def _write_unit_chooser(wb: Any, ws: Any, fmts: dict[str, Any], units: Sequence[Unit]) -> None:
    fmt = wb.add_format({"font_name": "Times New Roman", "font_size": 12, "bold": True, "locked": False, "bg_color": "#FFF2CC", "border": 1})
    ws.merge_range(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_UNIT, "", fmt)
    opts: dict[str, Any] = {
        "input_title": "Đơn vị báo cáo",
        "input_message": "Chọn hoặc gõ tên đơn vị của mình (ví dụ: Xã Tân Lập).",
        "error_type": "warning",
        "error_title": "Đơn vị không có trong danh sách",
        "error_message": "Tên này không có trong danh sách; hãy kiểm tra lại.",
    }
    if units:
        lists = wb.add_worksheet(LISTS_SHEET)
        for i, u in enumerate(units):
            lists.write_string(i, 0, u.name)
        lists.hide()
        lists.protect("", {})
        opts.update(validate="list", source=f"={quote_sheet(LISTS_SHEET)}!$A$1:$A${len(units)}")
        ws.data_validation(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_LABEL, opts)
    else:
        opts.update(validate="length", criteria="<=", value=200)
        ws.data_validation(ROW_UNIT, COL_LABEL, ROW_UNIT, COL_LABEL, opts)


def _write_defined_names(wb: Any, layout: FormLayout) -> None:
    for rl in layout.inputs:
        sheet = layout.sheets[rl.sheet].name
        wb.define_name(defined_name(rl.code), f"={quote_sheet(sheet)}!{a1(rl.r, COL_VALUE, True)}")


def write_meta_sheet(wb: Any, meta: Meta, password: str, extra: Iterable[tuple[str, str]] = ()) -> Any:
    """The very hidden sheet that carries a workbook's identity (key in A, value in B)."""
    ws = wb.add_worksheet(META_SHEET)
    for i, (key, value) in enumerate(list(meta.items()) + list(extra)):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
    ws.very_hidden()
    ws.protect(password)
    return ws


def legacy_password_hash(password: str) -> str:
    """Excel's 16-bit legacy password hash (the one XlsxWriter uses for sheets)."""
    h = 0
    for i, ch in enumerate(password):
        c = ord(ch) << (i + 1)
        h ^= (c & 0x7FFF) | (c >> 15)
    h ^= len(password)
    h ^= 0xCE4B
    return f"{h:X}"


def protect_structure(xlsx: bytes, password: str) -> bytes:
    """Add ``<workbookProtection lockStructure="1"/>`` to ``xl/workbook.xml``.

    NOTE: XlsxWriter cannot protect the workbook structure; the element has to
    go right before ``<bookViews>``, as the schema orders it.
    """
    z = StampableZip(xlsx)
    wbxml = z.plain["xl/workbook.xml"]
    pw = f' workbookPassword="{legacy_password_hash(password)}"' if password else ""
    tag = f'<workbookProtection{pw} lockStructure="1"/>'.encode()
    if b"<bookViews>" not in wbxml:
        raise RuntimeError("unexpected workbook.xml from XlsxWriter")
    return z.write({"xl/workbook.xml": wbxml.replace(b"<bookViews>", tag + b"<bookViews>", 1)})


class _Stamper:
    """One render of a level's form, stamped with each unit's identity."""

    def __init__(self, layout: FormLayout, period: Period, generated_at: str, password: str):
        data = render_template(
            layout, period, unit_name=_UNIT_NAME, unit_code=_UNIT_CODE, unit_level=_UNIT_LEVEL,
            generated_at=generated_at, password=password, meta_unit_name=_META_UNIT_NAME,
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


def now_iso() -> str:
    """Generation time: ``$SOURCE_DATE_EPOCH`` when set (reproducible builds), else now (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    t = dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc) if epoch else dt.datetime.now(dt.timezone.utc)
    return t.replace(microsecond=0).isoformat()


def generate(
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
) -> list[GeneratedFile]:
    """Write one template per unit of ``level`` in ``units`` (a single generic one without units).

    ``generic=True`` with ``units``: a single generic template whose unit is chosen
    from a drop-down of the level's units (or typed).

    Nothing is written when a target exists and ``force`` is false
    (:class:`OutputError`). Every file is written atomically.
    """
    if level not in catalog.levels:
        raise UsageError(f"Cấp “{level}” không có trong danh mục {catalog.id} (có: {', '.join(catalog.levels)}).", option="level")
    password = default_password() if password is None else password
    generated_at = generated_at or now_iso()
    layout = build_layout(catalog, level)
    out = Path(out_dir)
    targets: list[Unit | None] = list(units.at_level(level)) if units is not None and not generic else [None]
    if units is not None and not targets:
        raise UsageError(f"Tệp đơn vị {units.path} không có đơn vị nào ở cấp “{level}” ({LEVELS.get(level, level)}).", option="level")
    paths = [out / template_filename(period, level, u) for u in targets]
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
        raise UsageError(f"“{folders[0]}” là một thư mục, trùng tên với biểu cần ghi; hãy đổi tên hoặc chọn thư mục khác.", option="out")
    existing = [p for p in paths if p.exists()]
    if existing and not force:
        shown = "\n".join(f"  - {p}" for p in existing[:10])
        more = f"\n  … và {len(existing) - 10} tệp khác" if len(existing) > 10 else ""
        raise OutputExistsError(f"{len(existing)} tệp đã có, không ghi đè:\n{shown}{more}", [str(p) for p in existing])
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"Không tạo được thư mục {out}: {os_error_text(exc)}") from exc
    written: list[GeneratedFile] = []
    # NOTE: all or none: every file goes to a temporary beside its target, and
    # the targets are replaced only when all are written (a full disk, a
    # Ctrl-C or a file that cannot be replaced leaves the folder as it was)
    with OutputSet() as outs:
        if units is None or generic:
            data = render_template(
                layout, period, unit_name="", unit_code="", unit_level="", generated_at=generated_at,
                password=password, generic=True, generic_units=units.at_level(level) if units is not None else None,
            )
            outs.path(paths[0]).write_bytes(data)
            written.append(GeneratedFile(paths[0], None))
        else:
            stamper = _Stamper(layout, period, generated_at, password)
            for i, (unit, path) in enumerate(zip(targets, paths)):
                assert unit is not None
                outs.path(path).write_bytes(stamper.stamp(unit))
                written.append(GeneratedFile(path, unit))
                if progress:
                    progress(i + 1, len(targets))
        outs.commit()
    if progress and (units is None or generic):
        progress(1, 1)
    return written

