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
from typing import Any, Literal, cast

import yaml

from cchc_xlsx.catalog.crossrow import automatic_rules, check_cycles, check_row_refs
from cchc_xlsx.catalog.expressions import RuleSyntaxError, message_placeholders, parse_check
from cchc_xlsx.catalog.model import Catalog, FedBy, Option, Row, Rule, Sheet
from cchc_xlsx.catalog.schema import (
    CODE_RE,
    EXCEL_SHEET_NAME_LIMIT,
    EXCEL_TEXT_LIMIT,
    ID_RE,
    LABEL_LIMIT,
    keys_of,
)
from cchc_xlsx.catalog.yamlmarks import Collector, LineLoader, Located, line_of, yaml_problem_text
from cchc_xlsx.errors import CatalogError, Problem, os_error_text
from cchc_xlsx.text import hidden_characters
from cchc_xlsx.vocabulary import (
    AGGS,
    ALLOWED_AGG,
    DEFAULT_AGG,
    LEVELS,
    PERIOD_AGGS,
    ROW_TYPES,
    Agg,
    PeriodAgg,
    RowType,
)


def _check_keys(
    c: Collector, d: Located, allowed: frozenset[str], where: str, code: str | None
) -> None:
    for dup, ln in d.get("__duplicates__", []):
        c.add(ln, code, f"khóa “{dup}” lặp lại trong {where}")
    for key in d:
        if key == "__duplicates__":
            continue
        if key not in allowed:
            hint = _closest(str(key), allowed)
            extra = f" — có phải “{hint}”?" if hint else ""
            c.add(line_of(d, str(key)), code, f"khóa không hợp lệ “{key}” trong {where}{extra}")


def _closest(word: str, choices: frozenset[str] | tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _text(c: Collector, d: Located, key: str, code: str | None, required: bool = False) -> str:
    value = d.get(key)
    if value is None:
        if required:
            c.add(line_of(d), code, f"thiếu “{key}”")
        return ""
    if isinstance(value, (bool, dict, list)):
        c.add(line_of(d, key), code, f"“{key}” phải là chuỗi ký tự")
        return ""
    text = str(value).strip()
    hidden = hidden_characters(text)
    if hidden:
        c.add(
            line_of(d, key),
            code,
            f"“{key}” có ký tự ẩn hoặc ký tự điều khiển ({', '.join(hidden)}); hãy gõ lại",
        )
    return text


def _code_value(c: Collector, d: Located, key: str, code: str | None) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, float):
        text = getattr(value, "text", "") or str(value)
        c.add(
            line_of(d, key),
            code or text if key == "code" else code,
            f'“{key}: {text}” bị YAML đọc thành số — đặt mã trong dấu ngoặc kép ("{text}")',
        )
        return text
    if isinstance(value, (dict, list, bool)):
        c.add(line_of(d, key), code, f"“{key}” phải là một mã chỉ tiêu")
        return None
    return str(value).strip()


def _bool(c: Collector, d: Located, key: str, code: str | None) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        c.add(line_of(d, key), code, f"“{key}” phải là true hoặc false")
        return False
    return value


def _number(c: Collector, d: Located, key: str, code: str | None) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add(line_of(d, key), code, f"“{key}” phải là một số")
        return None
    return float(value)


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate a catalogue file (``None``: the bundled default catalogue,
    seed 000's Phụ lục I for levels ``xa``, ``huyen``, ``tinh``).

    Raises :class:`~cchc_xlsx.errors.CatalogError` listing every problem of the
    file with its line and row code (also when the file cannot be read).
    """
    if path is None:
        from cchc_xlsx.resources import default_catalog_path

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

    _check_keys(c, doc, keys_of("file"), "tệp", None)
    meta = doc.get("catalog")
    if not isinstance(meta, Located):
        c.add(line_of(doc), None, "thiếu phần “catalog” (id, version, title, levels)")
        meta = Located()
        meta.line, meta.key_lines = 1, {}
    _check_keys(c, meta, keys_of("catalog"), "“catalog”", None)
    cat_id = _text(c, meta, "id", None, required=True)
    if cat_id and not ID_RE.match(cat_id):
        c.add(line_of(meta, "id"), None, f"id “{cat_id}” chỉ được gồm chữ không dấu, số, - _ .")
    version = _text(c, meta, "version", None, required=True)
    title = _text(c, meta, "title", None, required=True)
    source = _text(c, meta, "source", None) or _text(c, meta, "description", None)
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
                _check_keys(c, s, keys_of("sheet"), "biểu", None)
                sid = _text(c, s, "id", None, required=True)
                name = _text(c, s, "name", None, required=True)
                stitle = _text(c, s, "title", None)
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
            row = _parse_row(c, r, sid, levels)
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
        rule = _parse_rule(c, rr, by_code, levels)
        if rule is None:
            continue
        if rule.id in seen_rule_ids:
            c.add(rule.line, None, f"id quy tắc “{rule.id}” lặp lại")
            continue
        seen_rule_ids.add(rule.id)
        rules.append(rule)
    rules = automatic_rules(by_code) + rules

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
    )


def _parse_row(c: Collector, r: Any, sheet: str, cat_levels: tuple[str, ...]) -> Row | None:
    if not isinstance(r, Located):
        c.add(None, None, f"mỗi dòng phải là một bảng có code, label, type (gặp: {r!r})")
        return None
    code = _code_value(c, r, "code", None)
    if not code:
        c.add(line_of(r), None, "dòng thiếu “code”")
        return None
    if not CODE_RE.match(code):
        c.add(
            line_of(r, "code"),
            code,
            f"mã “{code}” chỉ được gồm chữ, số và dấu chấm (ví dụ 3.3.1.a)",
        )
    _check_keys(c, r, keys_of("row"), "dòng", code)
    label = _text(c, r, "label", code, required=True)
    rtype = _text(c, r, "type", code, required=True)
    if rtype and rtype not in ROW_TYPES:
        hint = _closest(rtype, ROW_TYPES)
        c.add(
            line_of(r, "type"),
            code,
            f"kiểu “{rtype}” không hợp lệ; dùng {', '.join(ROW_TYPES)}"
            + (f" — có phải “{hint}”?" if hint else ""),
        )
        rtype = "heading"
    rtype = rtype or "heading"
    line = line_of(r) or 0

    levels = cat_levels
    if "levels" in r:
        lv = r["levels"]
        if not isinstance(lv, list) or not lv:
            c.add(line_of(r, "levels"), code, "“levels” phải là danh sách cấp")
        else:
            levels = tuple(str(x) for x in lv)
            for x in levels:
                if x not in cat_levels:
                    c.add(
                        line_of(r, "levels"),
                        code,
                        f"cấp “{x}” không có trong “catalog.levels” ({', '.join(cat_levels)})",
                    )
            if len(set(levels)) != len(levels):
                c.add(line_of(r, "levels"), code, "“levels” có cấp lặp lại")

    agg = _text(c, r, "agg", code) or DEFAULT_AGG[rtype]
    if agg not in AGGS:
        c.add(
            line_of(r, "agg"), code, f"cách tổng hợp “{agg}” không hợp lệ; dùng {', '.join(AGGS)}"
        )
    elif agg not in ALLOWED_AGG[rtype]:
        c.add(
            line_of(r, "agg"),
            code,
            f"cách tổng hợp “{agg}” không dùng được cho kiểu {rtype}; dùng {', '.join(sorted(ALLOWED_AGG[rtype]))}",
        )
    period_default = "flow" if rtype in ("count", "decimal", "sum") else "stock"
    period_agg = _text(c, r, "period_agg", code) or period_default
    if period_agg not in PERIOD_AGGS:
        c.add(
            line_of(r, "period_agg"),
            code,
            f"“period_agg: {period_agg}” không hợp lệ; dùng {', '.join(PERIOD_AGGS)}",
        )

    options: list[Option] = []
    if rtype == "choice":
        raw_opts = r.get("options")
        if not isinstance(raw_opts, list) or not raw_opts:
            c.add(
                line_of(r),
                code,
                "dòng lựa chọn (choice) phải có “options”: danh sách {value, label}",
            )
        else:
            for o in raw_opts:
                if not isinstance(o, Located):
                    c.add(
                        line_of(r, "options"), code, "mỗi lựa chọn phải là {value: số, label: chữ}"
                    )
                    continue
                _check_keys(c, o, keys_of("option"), "lựa chọn", code)
                v = o.get("value")
                lab = _text(c, o, "label", code, required=True)
                if isinstance(v, bool) or not isinstance(v, int):
                    c.add(line_of(o, "value"), code, "“value” của lựa chọn phải là số nguyên")
                    continue
                options.append(Option(v, lab))
            if len({o.value for o in options}) != len(options):
                c.add(line_of(r, "options"), code, "giá trị lựa chọn lặp lại")
            if len({o.label.casefold() for o in options}) != len(options):
                c.add(line_of(r, "options"), code, "tên lựa chọn lặp lại")
    elif "options" in r:
        c.add(line_of(r, "options"), code, "chỉ dòng kiểu choice mới có “options”")

    terms: tuple[str, ...] = ()
    if "terms" in r:
        t = r["terms"]
        if not isinstance(t, list) or not t:
            c.add(line_of(r, "terms"), code, "“terms” phải là danh sách mã chỉ tiêu")
        else:
            terms = tuple(str(x) for x in t)
    fed_by = None
    if "fed_by" in r:
        fb = r["fed_by"]
        if not isinstance(fb, Located):
            c.add(line_of(r, "fed_by"), code, "“fed_by” phải là {code: mã, agg: sum|count_yes}")
        else:
            _check_keys(c, fb, keys_of("fed_by"), "fed_by", code)
            fcode = _code_value(c, fb, "code", code) or ""
            if not fcode:
                c.add(line_of(fb), code, "“fed_by” thiếu “code”: mã dòng của cấp dưới")
            fagg = _text(c, fb, "agg", code) or "sum"
            if fagg not in ("sum", "count_yes"):
                c.add(line_of(fb, "agg"), code, "“fed_by.agg” phải là sum hoặc count_yes")
            fed_by = FedBy(fcode, cast(Literal["sum", "count_yes"], fagg))

    row = Row(
        code=code,
        label=label,
        type=cast(RowType, rtype),
        sheet=sheet,
        line=line,
        hint=_text(c, r, "hint", code),
        unit=_text(c, r, "unit", code),
        note=_text(c, r, "note", code),
        levels=levels,
        agg=cast(Agg, agg),
        weight=_code_value(c, r, "weight", code),
        period_agg=cast(PeriodAgg, period_agg),
        numerator=_code_value(c, r, "numerator", code),
        denominator=_code_value(c, r, "denominator", code),
        allow_over_100=_bool(c, r, "allow_over_100", code),
        terms=terms,
        part_of=_code_value(c, r, "part_of", code),
        parts_exhaustive=_bool(c, r, "parts_exhaustive", code),
        options=tuple(options),
        required=_bool(c, r, "required", code),
        min=_number(c, r, "min", code),
        max=_number(c, r, "max", code),
        fed_by=fed_by,
    )
    _check_excel_limits(c, row)
    if rtype == "ratio" and (not row.numerator or not row.denominator):
        c.add(line, code, "dòng tỷ lệ (ratio) phải có cả “numerator” và “denominator”")
    if rtype != "ratio" and (row.numerator or row.denominator):
        c.add(line, code, "chỉ dòng kiểu ratio mới có “numerator”/“denominator”")
    if rtype == "sum" and not terms:
        c.add(line, code, "dòng tổng (sum) phải có “terms”")
    if rtype != "sum" and terms:
        c.add(line_of(r, "terms"), code, "chỉ dòng kiểu sum mới có “terms”")
    if agg == "weighted_mean" and not row.weight:
        c.add(line, code, "“agg: weighted_mean” cần “weight”: mã dòng trọng số")
    if row.weight and agg != "weighted_mean":
        c.add(line_of(r, "weight"), code, "“weight” chỉ dùng với “agg: weighted_mean”")
    if rtype in ("heading", "text") and row.required:
        c.add(line_of(r, "required"), code, f"dòng kiểu {rtype} không thể “required”")
    return row


def _check_excel_limits(c: Collector, row: Row) -> None:
    # NOTE: Excel refuses data-validation lists and messages over 255 characters;
    # XlsxWriter only warns and drops the validation.
    if row.options:
        joined = ",".join(o.label for o in row.options)
        if any("," in o.label for o in row.options):
            c.add(
                row.line,
                row.code,
                "tên lựa chọn không được chứa dấu phẩy (danh sách thả xuống của Excel)",
            )
        if len(joined) > EXCEL_TEXT_LIMIT:
            c.add(
                row.line,
                row.code,
                f"danh sách lựa chọn dài {len(joined)} ký tự; Excel cho tối đa {EXCEL_TEXT_LIMIT}",
            )
    if len(row.label) > LABEL_LIMIT:
        c.add(row.line, row.code, f"nhãn dài quá {LABEL_LIMIT} ký tự")


def _parse_rule(
    c: Collector, rr: Any, by_code: dict[str, Row], cat_levels: tuple[str, ...]
) -> Rule | None:
    if not isinstance(rr, Located):
        c.add(None, None, "mỗi quy tắc phải là một bảng có id, check, severity, message")
        return None
    rid = _text(c, rr, "id", None, required=True)
    _check_keys(c, rr, keys_of("rule"), f"quy tắc “{rid}”", None)
    line = line_of(rr) or 0
    text = _text(c, rr, "check", None, required=True)
    severity = _text(c, rr, "severity", None) or "error"
    if severity not in ("error", "warning"):
        c.add(
            line_of(rr, "severity"), None, f"quy tắc “{rid}”: “severity” phải là error hoặc warning"
        )
    message = _text(c, rr, "message", None, required=True)
    if "✗" in message or "⚠" in message:
        # NOTE: the template's check column counts these marks to count errors and warnings
        c.add(
            line_of(rr, "message"),
            None,
            f"quy tắc “{rid}”: thông báo không được chứa ký hiệu ✗ hoặc ⚠ (công cụ dùng để đếm lỗi)",
        )
    if len(message) > EXCEL_TEXT_LIMIT:
        c.add(
            line_of(rr, "message"),
            None,
            f"quy tắc “{rid}”: thông báo dài {len(message)} ký tự; Excel cho tối đa {EXCEL_TEXT_LIMIT}",
        )
    levels: tuple[str, ...] = ()
    if "levels" in rr:
        lv = rr["levels"]
        if not isinstance(lv, list) or not lv:
            c.add(line_of(rr, "levels"), None, f"quy tắc “{rid}”: “levels” phải là danh sách cấp")
        else:
            levels = tuple(str(x) for x in lv)
            for x in levels:
                if x not in cat_levels:
                    c.add(
                        line_of(rr, "levels"),
                        None,
                        f"quy tắc “{rid}”: cấp “{x}” không có trong danh mục",
                    )
            if len(set(levels)) != len(levels):
                c.add(line_of(rr, "levels"), None, f"quy tắc “{rid}”: “levels” có cấp lặp lại")
    if not text:
        return None
    try:
        check = parse_check(text)
    except RuleSyntaxError as exc:
        c.add(line_of(rr, "check"), None, f"quy tắc “{rid}”: biểu thức “{text}” sai: {exc}")
        return None
    ok = True
    for code in check.refs():
        target = by_code.get(code)
        if target is None:
            c.add(
                line_of(rr, "check"),
                code,
                f"quy tắc “{rid}” nhắc đến dòng “{code}” không có trong danh mục",
            )
            ok = False
        elif not target.is_numeric:
            c.add(
                line_of(rr, "check"),
                code,
                f"quy tắc “{rid}” nhắc đến dòng “{code}” kiểu {target.type}, không phải dòng số",
            )
            ok = False
    for code in message_placeholders(message):
        if code not in by_code:
            c.add(
                line_of(rr, "message"),
                code,
                f"thông báo của quy tắc “{rid}” nhắc đến “{{{code}}}” không có trong danh mục",
            )
            ok = False
        elif code not in check.refs():
            c.add(
                line_of(rr, "message"),
                code,
                f"thông báo của quy tắc “{rid}” trích “{{{code}}}” nhưng biểu thức không dùng dòng này",
            )
            ok = False
    if not ok:
        return None
    return Rule(
        rid, check, cast(Literal["error", "warning"], severity), message, "catalog", line, levels
    )
