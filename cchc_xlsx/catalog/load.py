"""The indicator catalogue: YAML in, a frozen and validated :class:`Catalog` out.

The loader collects every problem of a file (unknown keys, duplicate codes,
dangling references, Excel limits …) with its line and row code, and raises a
single :class:`~cchc_xlsx.errors.CatalogError` listing them all.
The format is documented in ``docs/catalog-format.md``.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import yaml

from cchc_xlsx.catalog.crossrow import automatic_rules, check_cycles, check_row_refs
from cchc_xlsx.catalog.fields import check_keys, text_field
from cchc_xlsx.catalog.model import Catalog, Row, Rule, Sheet
from cchc_xlsx.catalog.rows import parse_row, parse_rule
from cchc_xlsx.catalog.schema import EXCEL_SHEET_NAME_LIMIT, ID_RE, keys_of
from cchc_xlsx.catalog.targets import parse_targets
from cchc_xlsx.catalog.yamlmarks import Collector, LineLoader, Located, line_of, yaml_problem_text
from cchc_xlsx.errors import CatalogError, Problem, os_error_text
from cchc_xlsx.resources import default_catalog_path
from cchc_xlsx.vocabulary import LEVELS


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate a catalogue file (``None``: the bundled default catalogue,
    seed 000's Phụ lục I for levels ``xa``, ``huyen``, ``tinh``).

    Raises :class:`~cchc_xlsx.errors.CatalogError` listing every problem of the
    file with its line and row code (also when the file cannot be read).
    """
    if path is None:
        path = default_catalog_path()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CatalogError(
            [Problem(str(p), None, None, f"không đọc được tệp: {os_error_text(exc)}")]
        ) from exc
    return parse_catalog(raw, str(p))


def parse_catalog(raw: bytes | str, path: str = "<catalog>") -> Catalog:
    """Validate catalogue YAML text; ``path`` is used in messages."""
    c = Collector(path)
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError([Problem(path, None, None, "tệp không phải UTF-8")]) from exc
    try:
        doc = yaml.load(text, Loader=LineLoader)  # noqa: S506 - SafeLoader subclass
    except RecursionError as exc:
        raise CatalogError(
            [Problem(path, None, None, "YAML lồng quá sâu (quá nhiều cấp [ ] hoặc { } lồng nhau)")]
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise CatalogError(
            [Problem(path, line, None, f"YAML không hợp lệ: {yaml_problem_text(exc)}")]
        ) from exc
    if not isinstance(doc, Located):
        raise CatalogError(
            [
                Problem(
                    path,
                    None,
                    None,
                    "tệp phải là một bảng YAML có “catalog” và “rows” hoặc “sheets”",
                )
            ]
        )

    check_keys(c, doc, keys_of("file"), "tệp", None)
    meta = doc.get("catalog")
    if not isinstance(meta, Located):
        c.add(line_of(doc), None, "thiếu phần “catalog” (id, version, title, levels)")
        meta = Located()
        meta.line, meta.key_lines = 1, {}
    check_keys(c, meta, keys_of("catalog"), "“catalog”", None)
    cat_id = text_field(c, meta, "id", None, required=True)
    if cat_id and not ID_RE.match(cat_id):
        c.add(line_of(meta, "id"), None, f"id “{cat_id}” chỉ được gồm chữ không dấu, số, - _ .")
    version = text_field(c, meta, "version", None, required=True)
    title = text_field(c, meta, "title", None, required=True)
    source = text_field(c, meta, "source", None) or text_field(c, meta, "description", None)
    levels_raw = meta.get("levels")
    levels: tuple[str, ...] = ()
    if not isinstance(levels_raw, list) or not levels_raw:
        c.add(
            line_of(meta, "levels"),
            None,
            f"“levels” phải là danh sách cấp, trong số {', '.join(LEVELS)}",
        )
    else:
        levels = tuple(str(x) for x in levels_raw)
        for lv in levels:
            if lv not in LEVELS:
                c.add(
                    line_of(meta, "levels"),
                    None,
                    f"cấp “{lv}” không hợp lệ; dùng {', '.join(LEVELS)}",
                )
        if len(set(levels)) != len(levels):
            c.add(line_of(meta, "levels"), None, "“levels” có cấp lặp lại")

    # sheets
    sheet_specs: list[tuple[str, str, str, list[Any], Located]] = []
    if "sheets" in doc and "rows" in doc:
        c.add(
            line_of(doc, "sheets"),
            None,
            "dùng “rows” (một biểu) hoặc “sheets” (nhiều biểu), không dùng cả hai",
        )
    if "sheets" in doc:
        sheets_raw = doc["sheets"]
        if not isinstance(sheets_raw, list) or not sheets_raw:
            c.add(line_of(doc, "sheets"), None, "“sheets” phải là danh sách biểu")
        else:
            seen_ids: set[str] = set()
            seen_names: set[str] = set()
            for s in sheets_raw:
                if not isinstance(s, Located):
                    c.add(
                        line_of(doc, "sheets"), None, "mỗi biểu phải là một bảng có id, name, rows"
                    )
                    continue
                check_keys(c, s, keys_of("sheet"), "biểu", None)
                sid = text_field(c, s, "id", None, required=True)
                name = text_field(c, s, "name", None, required=True)
                stitle = text_field(c, s, "title", None)
                if sid in seen_ids:
                    c.add(line_of(s, "id"), None, f"id biểu “{sid}” lặp lại")
                seen_ids.add(sid)
                if len(name) > EXCEL_SHEET_NAME_LIMIT:
                    c.add(
                        line_of(s, "name"),
                        None,
                        f"tên biểu “{name}” dài {len(name)} ký tự; Excel cho tối đa {EXCEL_SHEET_NAME_LIMIT}",
                    )
                if any(ch in name for ch in "[]:*?/\\"):
                    c.add(
                        line_of(s, "name"),
                        None,
                        f"tên biểu “{name}” có ký tự Excel không cho phép ([ ] : * ? / \\)",
                    )
                if name.casefold() in seen_names:
                    c.add(line_of(s, "name"), None, f"tên biểu “{name}” lặp lại")
                seen_names.add(name.casefold())
                rows_raw = s.get("rows")
                if not isinstance(rows_raw, list) or not rows_raw:
                    c.add(line_of(s), None, f"biểu “{sid}” không có dòng nào (“rows”)")
                    rows_raw = []
                sheet_specs.append((sid, name, stitle, rows_raw, s))
    else:
        rows_raw = doc.get("rows")
        if not isinstance(rows_raw, list) or not rows_raw:
            c.add(line_of(doc), None, "thiếu danh sách dòng “rows”")
            rows_raw = []
        sheet_specs.append(("bieu", "Biểu", "", rows_raw, doc))

    # rows
    sheets: list[tuple[str, str, str, list[Row]]] = []
    by_code: dict[str, Row] = {}
    for sid, name, stitle, rows_raw, _node in sheet_specs:
        rows: list[Row] = []
        for r in rows_raw:
            row = parse_row(c, r, sid, levels)
            if row is None:
                continue
            if row.code in by_code:
                c.add(
                    row.line, row.code, f"mã “{row.code}” trùng với dòng {by_code[row.code].line}"
                )
                continue
            by_code[row.code] = row
            rows.append(row)
        sheets.append((sid, name, stitle, rows))

    for row in by_code.values():
        check_row_refs(c, row, by_code)
    check_cycles(c, by_code)

    # rules
    rules: list[Rule] = []
    rules_raw = doc.get("rules", [])
    if rules_raw is None:
        rules_raw = []
    if not isinstance(rules_raw, list):
        c.add(line_of(doc, "rules"), None, "“rules” phải là danh sách quy tắc")
        rules_raw = []
    seen_rule_ids: set[str] = set()
    for rr in rules_raw:
        rule = parse_rule(c, rr, by_code, levels)
        if rule is None:
            continue
        if rule.id in seen_rule_ids:
            c.add(rule.line, None, f"id quy tắc “{rule.id}” lặp lại")
            continue
        seen_rule_ids.add(rule.id)
        rules.append(rule)
    rules = automatic_rules(by_code) + rules
    targets = parse_targets(c, doc.get("targets"), line_of(doc, "targets"), by_code, levels)

    if c.problems:
        raise CatalogError(c.problems)

    digest = hashlib.sha256(data).hexdigest()
    return Catalog(
        id=cat_id,
        version=version,
        title=title,
        source=source,
        levels=levels,
        sheets=tuple(Sheet(sid, name, stitle, tuple(rows)) for sid, name, stitle, rows in sheets),
        rules=tuple(rules),
        path=path,
        content_hash=digest,
        _by_code=dict(by_code),
        targets=targets,
    )
