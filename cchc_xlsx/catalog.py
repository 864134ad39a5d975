"""The indicator catalogue: YAML in, a frozen and validated :class:`Catalog` out.

The loader collects every problem of a file (unknown keys, duplicate codes,
dangling references, Excel limits …) with its line and row code, and raises a
single :class:`~cchc_xlsx.errors.CatalogError` listing them all.
The format is documented in ``docs/catalog-format.md``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ._xml import hidden_characters
from .errors import CatalogError, Problem, os_error_text
from .rules import Check, RuleSyntaxError, message_placeholders, parse_check

LEVELS = {"xa": "cấp xã", "huyen": "cấp huyện", "so": "sở, ngành", "tinh": "cấp tỉnh"}

ROW_TYPES = ("heading", "count", "decimal", "percent", "ratio", "boolean", "choice", "text", "sum")
INPUT_TYPES = frozenset({"count", "decimal", "percent", "boolean", "choice", "text"})
NUMBER_TYPES = frozenset({"count", "decimal", "sum"})  # may be a ratio's numerator/denominator
NUMERIC_TYPES = frozenset({"count", "decimal", "percent", "ratio", "sum"})
AGGS = ("sum", "ratio", "count_yes", "count_options", "mean", "weighted_mean", "min", "max", "none")
PERIOD_AGGS = ("flow", "stock", "cumulative")
DEFAULT_AGG = {
    "count": "sum",
    "decimal": "sum",
    "sum": "sum",
    "percent": "mean",
    "ratio": "ratio",
    "boolean": "count_yes",
    "choice": "count_options",
    "text": "none",
    "heading": "none",
}
# which aggregations make sense for which type
ALLOWED_AGG = {
    "count": {"sum", "mean", "weighted_mean", "min", "max"},
    "decimal": {"sum", "mean", "weighted_mean", "min", "max"},
    "sum": {"sum"},
    "percent": {"mean", "weighted_mean", "min", "max"},
    "ratio": {"ratio"},
    "boolean": {"count_yes"},
    "choice": {"count_options"},
    "text": {"none"},
    "heading": {"none"},
}

EXCEL_TEXT_LIMIT = 255
EXCEL_TITLE_LIMIT = 32
EXCEL_SHEET_NAME_LIMIT = 31
_CODE_RE = re.compile(r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$")
_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")

_CATALOG_KEYS = {"id", "version", "title", "source", "levels", "description"}
_TOP_KEYS = {"catalog", "rows", "sheets", "rules"}
_SHEET_KEYS = {"id", "name", "title", "rows"}
_ROW_KEYS = {
    "code", "label", "hint", "unit", "note", "type", "levels", "agg", "weight", "period_agg",
    "numerator", "denominator", "allow_over_100", "terms", "part_of", "parts_exhaustive",
    "options", "required", "min", "max", "fed_by",
}
_RULE_KEYS = {"id", "check", "severity", "message", "levels"}
_OPTION_KEYS = {"value", "label"}
_FED_BY_KEYS = {"code", "agg"}


@dataclass(frozen=True)
class Option:
    """One coded answer of a choice row (``Trực tuyến`` = 0)."""

    value: int
    label: str


@dataclass(frozen=True)
class FedBy:
    """A higher level's own row that is pre-filled from the lower level's returns."""

    code: str
    agg: str


@dataclass(frozen=True)
class Row:
    """One row of the form."""

    code: str
    label: str
    type: str
    sheet: str
    line: int
    hint: str = ""
    unit: str = ""
    note: str = ""
    levels: tuple[str, ...] = ()
    agg: str = "none"
    weight: str | None = None
    period_agg: str = "flow"
    numerator: str | None = None
    denominator: str | None = None
    allow_over_100: bool = False
    terms: tuple[str, ...] = ()
    part_of: str | None = None
    parts_exhaustive: bool = False
    options: tuple[Option, ...] = ()
    required: bool = False
    min: float | None = None
    max: float | None = None
    fed_by: FedBy | None = None

    @property
    def is_input(self) -> bool:
        """A person types this row's value (column D is unlocked)."""
        return self.type in INPUT_TYPES

    @property
    def is_formula(self) -> bool:
        """This row's value is a locked formula (ratio, sum)."""
        return self.type in ("ratio", "sum")

    @property
    def is_numeric(self) -> bool:
        return self.type in NUMERIC_TYPES

    @property
    def depth(self) -> int:
        """1 for ``3``, 2 for ``3.3``, 3 for ``3.3.1`` …"""
        return self.code.count(".") + 1

    def bounds(self) -> tuple[float | None, float | None]:
        """The lowest and highest value allowed (type bounds narrowed by ``min``/``max``)."""
        lo: float | None = 0.0 if self.type in ("count", "decimal", "percent") else None
        hi: float | None = 100.0 if self.type == "percent" else None
        if self.min is not None:
            lo = self.min if lo is None else max(lo, self.min)
        if self.max is not None:
            hi = self.max if hi is None else min(hi, self.max)
        return lo, hi

    def option_by_value(self, value: int) -> Option | None:
        for opt in self.options:
            if opt.value == value:
                return opt
        return None


@dataclass(frozen=True)
class Rule:
    """A rule between rows, compiled both to Python (:meth:`Check.holds`) and to Excel."""

    id: str
    check: Check
    severity: str
    message: str
    origin: str  # "catalog", "ratio", "part", "parts_sum"
    line: int
    levels: tuple[str, ...] = ()

    @property
    def refs(self) -> tuple[str, ...]:
        return self.check.refs()


@dataclass(frozen=True)
class Sheet:
    """One sheet of the form (a single-form catalogue has one)."""

    id: str
    name: str
    title: str
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class Catalog:
    """A validated catalogue. Build it with :func:`load_catalog`."""

    id: str
    version: str
    title: str
    source: str
    levels: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    rules: tuple[Rule, ...]
    path: str
    content_hash: str
    _by_code: Mapping[str, Row] = field(default_factory=dict, repr=False, compare=False)

    @property
    def rows(self) -> tuple[Row, ...]:
        return tuple(r for s in self.sheets for r in s.rows)

    def row(self, code: str) -> Row:
        return self._by_code[code]

    def has_row(self, code: str) -> bool:
        return code in self._by_code

    def rows_for_level(self, level: str) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if level in r.levels)

    def rules_for_level(self, level: str) -> tuple[Rule, ...]:
        present = {r.code for r in self.rows_for_level(level)}
        return tuple(
            rule
            for rule in self.rules
            if all(c in present for c in rule.refs) and (not rule.levels or level in rule.levels)
        )

    def parts_of(self, code: str) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.part_of == code)


# --------------------------------------------------------------------------- YAML with lines


class _Located(dict):  # type: ignore[type-arg,unused-ignore]
    """A mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _Located:
    result = _Located()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    dups: list[tuple[str, int]] = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            dups.append((str(key), key_node.start_mark.line + 1))
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[str(key)] = key_node.start_mark.line + 1
    if dups:
        result.key_lines["__duplicates__"] = 0
        result["__duplicates__"] = dups
    return result


class _YamlFloat(float):
    """A float that remembers how it was written (``1.10`` stays ``1.10``)."""

    text: str = ""


def _construct_float(loader: _LineLoader, node: yaml.ScalarNode) -> _YamlFloat:
    value = _YamlFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.text = str(node.value)
    return value


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


# --------------------------------------------------------------------------- the loader

# PyYAML's problems, said in Vietnamese (the English text follows in brackets)
_YAML_PROBLEMS = (
    ("mapping values are not allowed", "dấu “:” không đúng chỗ — thường do một chuỗi có dấu “:” mà thiếu dấu ngoặc kép, hoặc thụt lề sai"),
    ("could not find expected ':'", "thiếu dấu “:” sau tên khóa"),
    ("cannot start any token", "có ký tự không được phép ở đầu một giá trị (Tab? YAML chỉ thụt lề bằng dấu cách)"),
    ("did not find expected key", "thụt lề không đều hoặc thiếu tên khóa"),
    ("did not find expected '-' indicator", "các mục của danh sách thụt lề không đều"),
    ("expected <block end>", "thụt lề không khớp với các dòng phía trên"),
    ("unexpected end of stream", "tệp kết thúc giữa chừng (thiếu dấu ngoặc kép đóng?)"),
    ("unknown escape character", "chuỗi trong ngoặc kép có dấu “\\” không hợp lệ (dùng ngoặc đơn ' thay cho ngoặc kép)"),
    ("undefined alias", "dùng bí danh “*…” chưa được khai báo"),
    ("expected a comment or a line break", "có nội dung thừa sau giá trị trên cùng một dòng"),
    ("found duplicate anchor", "neo “&…” bị khai báo hai lần"),
    ("expected ',' or ']'", "danh sách trong ngoặc vuông thiếu dấu phẩy hoặc dấu “]”"),
    ("expected ',' or '}'", "bảng trong ngoặc nhọn thiếu dấu phẩy hoặc dấu “}”"),
    ("special characters are not allowed", "tệp có ký tự điều khiển không được phép"),
)


def yaml_problem_text(exc: Exception) -> str:
    """A PyYAML error in Vietnamese, PyYAML's own words in brackets."""
    problem = str(getattr(exc, "problem", None) or exc).strip()
    for needle, vn in _YAML_PROBLEMS:
        if needle in problem:
            return f"{vn} [{problem}]"
    return f"cú pháp YAML sai [{problem}]"


class _Collector:
    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, code: str | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))


def _line(d: Any, key: str | None = None) -> int | None:
    if isinstance(d, _Located):
        if key is not None and key in d.key_lines:
            return d.key_lines[key]
        return d.line
    return None


def _check_keys(c: _Collector, d: _Located, allowed: set[str], where: str, code: str | None) -> None:
    for dup, ln in d.get("__duplicates__", []):
        c.add(ln, code, f"khóa “{dup}” lặp lại trong {where}")
    for key in d:
        if key == "__duplicates__":
            continue
        if key not in allowed:
            hint = _closest(str(key), allowed)
            extra = f" — có phải “{hint}”?" if hint else ""
            c.add(_line(d, str(key)), code, f"khóa không hợp lệ “{key}” trong {where}{extra}")


def _closest(word: str, choices: set[str] | tuple[str, ...]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _text(c: _Collector, d: _Located, key: str, code: str | None, required: bool = False) -> str:
    value = d.get(key)
    if value is None:
        if required:
            c.add(_line(d), code, f"thiếu “{key}”")
        return ""
    if isinstance(value, (bool, dict, list)):
        c.add(_line(d, key), code, f"“{key}” phải là chuỗi ký tự")
        return ""
    text = str(value).strip()
    hidden = hidden_characters(text)
    if hidden:
        c.add(_line(d, key), code, f"“{key}” có ký tự ẩn hoặc ký tự điều khiển ({', '.join(hidden)}); hãy gõ lại")
    return text


def _code_value(c: _Collector, d: _Located, key: str, code: str | None) -> str | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, float):
        text = getattr(value, "text", "") or str(value)
        c.add(_line(d, key), code or text if key == "code" else code, f"“{key}: {text}” bị YAML đọc thành số — đặt mã trong dấu ngoặc kép (\"{text}\")")
        return text
    if isinstance(value, (dict, list, bool)):
        c.add(_line(d, key), code, f"“{key}” phải là một mã chỉ tiêu")
        return None
    return str(value).strip()


def _bool(c: _Collector, d: _Located, key: str, code: str | None) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        c.add(_line(d, key), code, f"“{key}” phải là true hoặc false")
        return False
    return value


def _number(c: _Collector, d: _Located, key: str, code: str | None) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add(_line(d, key), code, f"“{key}” phải là một số")
        return None
    return float(value)


def load_catalog(path: str | os.PathLike[str] | None = None) -> Catalog:
    """Load and validate a catalogue file (``None``: the bundled default catalogue,
    seed 000's Phụ lục I for levels ``xa``, ``huyen``, ``tinh``).

    Raises :class:`~cchc_xlsx.errors.CatalogError` listing every problem of the
    file with its line and row code (also when the file cannot be read).
    """
    if path is None:
        from .resources import default_catalog_path

        path = default_catalog_path()
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CatalogError([Problem(str(p), None, None, f"không đọc được tệp: {os_error_text(exc)}")]) from exc
    return parse_catalog(raw, str(p))


def parse_catalog(raw: bytes | str, path: str = "<catalog>") -> Catalog:
    """Validate catalogue YAML text; ``path`` is used in messages."""
    c = _Collector(path)
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogError([Problem(path, None, None, "tệp không phải UTF-8")]) from exc
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except RecursionError as exc:
        raise CatalogError([Problem(path, None, None, "YAML lồng quá sâu (quá nhiều cấp [ ] hoặc { } lồng nhau)")]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise CatalogError([Problem(path, line, None, f"YAML không hợp lệ: {yaml_problem_text(exc)}")]) from exc
    if not isinstance(doc, _Located):
        raise CatalogError([Problem(path, None, None, "tệp phải là một bảng YAML có “catalog” và “rows” hoặc “sheets”")])

    _check_keys(c, doc, _TOP_KEYS, "tệp", None)
    meta = doc.get("catalog")
    if not isinstance(meta, _Located):
        c.add(_line(doc), None, "thiếu phần “catalog” (id, version, title, levels)")
        meta = _Located()
        meta.line, meta.key_lines = 1, {}
    _check_keys(c, meta, _CATALOG_KEYS, "“catalog”", None)
    cat_id = _text(c, meta, "id", None, required=True)
    if cat_id and not _ID_RE.match(cat_id):
        c.add(_line(meta, "id"), None, f"id “{cat_id}” chỉ được gồm chữ không dấu, số, - _ .")
    version = _text(c, meta, "version", None, required=True)
    title = _text(c, meta, "title", None, required=True)
    source = _text(c, meta, "source", None) or _text(c, meta, "description", None)
    levels_raw = meta.get("levels")
    levels: tuple[str, ...] = ()
    if not isinstance(levels_raw, list) or not levels_raw:
        c.add(_line(meta, "levels"), None, f"“levels” phải là danh sách cấp, trong số {', '.join(LEVELS)}")
    else:
        levels = tuple(str(x) for x in levels_raw)
        for lv in levels:
            if lv not in LEVELS:
                c.add(_line(meta, "levels"), None, f"cấp “{lv}” không hợp lệ; dùng {', '.join(LEVELS)}")
        if len(set(levels)) != len(levels):
            c.add(_line(meta, "levels"), None, "“levels” có cấp lặp lại")

    # sheets
    sheet_specs: list[tuple[str, str, str, list[Any], _Located]] = []
    if "sheets" in doc and "rows" in doc:
        c.add(_line(doc, "sheets"), None, "dùng “rows” (một biểu) hoặc “sheets” (nhiều biểu), không dùng cả hai")
    if "sheets" in doc:
        sheets_raw = doc["sheets"]
        if not isinstance(sheets_raw, list) or not sheets_raw:
            c.add(_line(doc, "sheets"), None, "“sheets” phải là danh sách biểu")
        else:
            seen_ids: set[str] = set()
            seen_names: set[str] = set()
            for s in sheets_raw:
                if not isinstance(s, _Located):
                    c.add(_line(doc, "sheets"), None, "mỗi biểu phải là một bảng có id, name, rows")
                    continue
                _check_keys(c, s, _SHEET_KEYS, "biểu", None)
                sid = _text(c, s, "id", None, required=True)
                name = _text(c, s, "name", None, required=True)
                stitle = _text(c, s, "title", None)
                if sid in seen_ids:
                    c.add(_line(s, "id"), None, f"id biểu “{sid}” lặp lại")
                seen_ids.add(sid)
                if len(name) > EXCEL_SHEET_NAME_LIMIT:
                    c.add(_line(s, "name"), None, f"tên biểu “{name}” dài {len(name)} ký tự; Excel cho tối đa {EXCEL_SHEET_NAME_LIMIT}")
                if any(ch in name for ch in "[]:*?/\\"):
                    c.add(_line(s, "name"), None, f"tên biểu “{name}” có ký tự Excel không cho phép ([ ] : * ? / \\)")
                if name.casefold() in seen_names:
                    c.add(_line(s, "name"), None, f"tên biểu “{name}” lặp lại")
                seen_names.add(name.casefold())
                rows_raw = s.get("rows")
                if not isinstance(rows_raw, list) or not rows_raw:
                    c.add(_line(s), None, f"biểu “{sid}” không có dòng nào (“rows”)")
                    rows_raw = []
                sheet_specs.append((sid, name, stitle, rows_raw, s))
    else:
        rows_raw = doc.get("rows")
        if not isinstance(rows_raw, list) or not rows_raw:
            c.add(_line(doc), None, "thiếu danh sách dòng “rows”")
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
                c.add(row.line, row.code, f"mã “{row.code}” trùng với dòng {by_code[row.code].line}")
                continue
            by_code[row.code] = row
            rows.append(row)
        sheets.append((sid, name, stitle, rows))

    for row in by_code.values():
        _check_row_refs(c, row, by_code)
    _check_cycles(c, by_code)

    # rules
    rules: list[Rule] = []
    rules_raw = doc.get("rules", [])
    if rules_raw is None:
        rules_raw = []
    if not isinstance(rules_raw, list):
        c.add(_line(doc, "rules"), None, "“rules” phải là danh sách quy tắc")
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
    rules = _automatic_rules(by_code) + rules

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


def _parse_row(c: _Collector, r: Any, sheet: str, cat_levels: tuple[str, ...]) -> Row | None:
    if not isinstance(r, _Located):
        c.add(None, None, f"mỗi dòng phải là một bảng có code, label, type (gặp: {r!r})")
        return None
    code = _code_value(c, r, "code", None)
    if not code:
        c.add(_line(r), None, "dòng thiếu “code”")
        return None
    if not _CODE_RE.match(code):
        c.add(_line(r, "code"), code, f"mã “{code}” chỉ được gồm chữ, số và dấu chấm (ví dụ 3.3.1.a)")
    _check_keys(c, r, _ROW_KEYS, "dòng", code)
    label = _text(c, r, "label", code, required=True)
    rtype = _text(c, r, "type", code, required=True)
    if rtype and rtype not in ROW_TYPES:
        hint = _closest(rtype, ROW_TYPES)
        c.add(_line(r, "type"), code, f"kiểu “{rtype}” không hợp lệ; dùng {', '.join(ROW_TYPES)}" + (f" — có phải “{hint}”?" if hint else ""))
        rtype = "heading"
    rtype = rtype or "heading"
    line = _line(r) or 0

    levels = cat_levels
    if "levels" in r:
        lv = r["levels"]
        if not isinstance(lv, list) or not lv:
            c.add(_line(r, "levels"), code, "“levels” phải là danh sách cấp")
        else:
            levels = tuple(str(x) for x in lv)
            for x in levels:
                if x not in cat_levels:
                    c.add(_line(r, "levels"), code, f"cấp “{x}” không có trong “catalog.levels” ({', '.join(cat_levels)})")

    agg = _text(c, r, "agg", code) or DEFAULT_AGG[rtype]
    if agg not in AGGS:
        c.add(_line(r, "agg"), code, f"cách tổng hợp “{agg}” không hợp lệ; dùng {', '.join(AGGS)}")
    elif agg not in ALLOWED_AGG[rtype]:
        c.add(_line(r, "agg"), code, f"cách tổng hợp “{agg}” không dùng được cho kiểu {rtype}; dùng {', '.join(sorted(ALLOWED_AGG[rtype]))}")
    period_default = "flow" if rtype in ("count", "decimal", "sum") else "stock"
    period_agg = _text(c, r, "period_agg", code) or period_default
    if period_agg not in PERIOD_AGGS:
        c.add(_line(r, "period_agg"), code, f"“period_agg: {period_agg}” không hợp lệ; dùng {', '.join(PERIOD_AGGS)}")

    options: list[Option] = []
    if rtype == "choice":
        raw_opts = r.get("options")
        if not isinstance(raw_opts, list) or not raw_opts:
            c.add(_line(r), code, "dòng lựa chọn (choice) phải có “options”: danh sách {value, label}")
        else:
            for o in raw_opts:
                if not isinstance(o, _Located):
                    c.add(_line(r, "options"), code, "mỗi lựa chọn phải là {value: số, label: chữ}")
                    continue
                _check_keys(c, o, _OPTION_KEYS, "lựa chọn", code)
                v = o.get("value")
                lab = _text(c, o, "label", code, required=True)
                if isinstance(v, bool) or not isinstance(v, int):
                    c.add(_line(o, "value"), code, "“value” của lựa chọn phải là số nguyên")
                    continue
                options.append(Option(v, lab))
            if len({o.value for o in options}) != len(options):
                c.add(_line(r, "options"), code, "giá trị lựa chọn lặp lại")
            if len({o.label.casefold() for o in options}) != len(options):
                c.add(_line(r, "options"), code, "tên lựa chọn lặp lại")
    elif "options" in r:
        c.add(_line(r, "options"), code, "chỉ dòng kiểu choice mới có “options”")

    terms: tuple[str, ...] = ()
    if "terms" in r:
        t = r["terms"]
        if not isinstance(t, list) or not t:
            c.add(_line(r, "terms"), code, "“terms” phải là danh sách mã chỉ tiêu")
        else:
            terms = tuple(str(x) for x in t)
    fed_by = None
    if "fed_by" in r:
        fb = r["fed_by"]
        if not isinstance(fb, _Located):
            c.add(_line(r, "fed_by"), code, "“fed_by” phải là {code: mã, agg: sum|count_yes}")
        else:
            _check_keys(c, fb, _FED_BY_KEYS, "fed_by", code)
            fcode = _code_value(c, fb, "code", code) or ""
            fagg = _text(c, fb, "agg", code) or "sum"
            if fagg not in ("sum", "count_yes"):
                c.add(_line(fb, "agg"), code, "“fed_by.agg” phải là sum hoặc count_yes")
            fed_by = FedBy(fcode, fagg)

    row = Row(
        code=code,
        label=label,
        type=rtype,
        sheet=sheet,
        line=line,
        hint=_text(c, r, "hint", code),
        unit=_text(c, r, "unit", code),
        note=_text(c, r, "note", code),
        levels=levels,
        agg=agg,
        weight=_code_value(c, r, "weight", code),
        period_agg=period_agg,
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
        c.add(_line(r, "terms"), code, "chỉ dòng kiểu sum mới có “terms”")
    if agg == "weighted_mean" and not row.weight:
        c.add(line, code, "“agg: weighted_mean” cần “weight”: mã dòng trọng số")
    if row.weight and agg != "weighted_mean":
        c.add(_line(r, "weight"), code, "“weight” chỉ dùng với “agg: weighted_mean”")
    if rtype in ("heading", "text") and row.required:
        c.add(_line(r, "required"), code, f"dòng kiểu {rtype} không thể “required”")
    return row


def _check_excel_limits(c: _Collector, row: Row) -> None:
    # NOTE: Excel refuses data-validation lists and messages over 255 characters;
    # XlsxWriter only warns and drops the validation.
    if row.options:
        joined = ",".join(o.label for o in row.options)
        if any("," in o.label for o in row.options):
            c.add(row.line, row.code, "tên lựa chọn không được chứa dấu phẩy (danh sách thả xuống của Excel)")
        if len(joined) > EXCEL_TEXT_LIMIT:
            c.add(row.line, row.code, f"danh sách lựa chọn dài {len(joined)} ký tự; Excel cho tối đa {EXCEL_TEXT_LIMIT}")
    if len(row.label) > 1000:
        c.add(row.line, row.code, "nhãn dài quá 1000 ký tự")


def _check_row_refs(c: _Collector, row: Row, by_code: dict[str, Row]) -> None:
    def need(ref: str | None, what: str, kinds: frozenset[str] | None) -> Row | None:
        if ref is None:
            return None
        target = by_code.get(ref)
        if target is None:
            c.add(row.line, row.code, f"{what} “{ref}” không có trong danh mục")
            return None
        if kinds is not None and target.type not in kinds:
            c.add(row.line, row.code, f"{what} “{ref}” là dòng kiểu {target.type}, phải là dòng số ({', '.join(sorted(kinds))})")
        missing = [lv for lv in row.levels if lv not in target.levels]
        if missing:
            c.add(row.line, row.code, f"{what} “{ref}” không có ở cấp {', '.join(missing)} mà dòng này có")
        return target

    need(row.numerator, "tử số", NUMBER_TYPES)
    need(row.denominator, "mẫu số", NUMBER_TYPES)
    if row.numerator and row.numerator == row.denominator:
        c.add(row.line, row.code, "tử số và mẫu số là cùng một dòng")
    for t in row.terms:
        need(t, "số hạng", NUMBER_TYPES)
    if row.weight:
        need(row.weight, "dòng trọng số", NUMBER_TYPES)
    if row.part_of:
        whole = by_code.get(row.part_of)
        if whole is None:
            c.add(row.line, row.code, f"“part_of” “{row.part_of}” không có trong danh mục")
        else:
            if row.type not in NUMBER_TYPES | {"percent"} or whole.type not in NUMBER_TYPES | {"percent"}:
                c.add(row.line, row.code, f"“part_of”: cả phần ({row.type}) và tổng ({whole.type}) phải là dòng số")
            elif (row.type == "percent") != (whole.type == "percent"):
                c.add(row.line, row.code, "“part_of”: phần và tổng phải cùng là số lượng hoặc cùng là phần trăm")
    if row.fed_by is not None:
        source = by_code.get(row.fed_by.code)
        if source is None:
            c.add(row.line, row.code, f"“fed_by” “{row.fed_by.code}” không có trong danh mục")
        elif row.fed_by.agg == "sum" and source.type not in NUMBER_TYPES:
            c.add(row.line, row.code, f"“fed_by” “{row.fed_by.code}” phải là dòng số để cộng (sum)")
        elif row.fed_by.agg == "count_yes" and source.type != "boolean":
            c.add(row.line, row.code, f"“fed_by” “{row.fed_by.code}” phải là dòng Có/Không để đếm (count_yes)")
        elif row.type not in ("count", "decimal"):
            c.add(row.line, row.code, "chỉ dòng số (count, decimal) mới có “fed_by”")
    if row.parts_exhaustive and not any(r.part_of == row.code for r in by_code.values()):
        c.add(row.line, row.code, "“parts_exhaustive” nhưng không dòng nào có “part_of” trỏ đến dòng này")


def _check_cycles(c: _Collector, by_code: dict[str, Row]) -> None:
    def deps(row: Row) -> tuple[str, ...]:
        d: tuple[str, ...] = row.terms
        if row.numerator:
            d += (row.numerator,)
        if row.denominator:
            d += (row.denominator,)
        return tuple(x for x in d if x in by_code)

    state: dict[str, int] = {}
    reported: set[frozenset[str]] = set()

    def visit(code: str, stack: list[str]) -> None:
        state[code] = 1
        stack.append(code)
        for d in deps(by_code[code]):
            if state.get(d) == 1:
                cycle = stack[stack.index(d) :]
                key = frozenset(cycle)
                if key not in reported:
                    reported.add(key)
                    c.add(by_code[d].line, d, "vòng lặp giữa các dòng tính toán: " + " → ".join(cycle + [d]))
            elif state.get(d) is None:
                visit(d, stack)
        stack.pop()
        state[code] = 2

    for code in by_code:
        if state.get(code) is None:
            visit(code, [])


def _parse_rule(c: _Collector, rr: Any, by_code: dict[str, Row], cat_levels: tuple[str, ...]) -> Rule | None:
    if not isinstance(rr, _Located):
        c.add(None, None, "mỗi quy tắc phải là một bảng có id, check, severity, message")
        return None
    rid = _text(c, rr, "id", None, required=True)
    _check_keys(c, rr, _RULE_KEYS, f"quy tắc “{rid}”", None)
    line = _line(rr) or 0
    text = _text(c, rr, "check", None, required=True)
    severity = _text(c, rr, "severity", None) or "error"
    if severity not in ("error", "warning"):
        c.add(_line(rr, "severity"), None, f"quy tắc “{rid}”: “severity” phải là error hoặc warning")
    message = _text(c, rr, "message", None, required=True)
    if "✗" in message or "⚠" in message:
        # NOTE: the template's check column counts these marks to count errors and warnings
        c.add(_line(rr, "message"), None, f"quy tắc “{rid}”: thông báo không được chứa ký hiệu ✗ hoặc ⚠ (công cụ dùng để đếm lỗi)")
    if len(message) > EXCEL_TEXT_LIMIT:
        c.add(_line(rr, "message"), None, f"quy tắc “{rid}”: thông báo dài {len(message)} ký tự; Excel cho tối đa {EXCEL_TEXT_LIMIT}")
    levels: tuple[str, ...] = ()
    if "levels" in rr:
        lv = rr["levels"]
        if not isinstance(lv, list):
            c.add(_line(rr, "levels"), None, f"quy tắc “{rid}”: “levels” phải là danh sách cấp")
        else:
            levels = tuple(str(x) for x in lv)
            for x in levels:
                if x not in cat_levels:
                    c.add(_line(rr, "levels"), None, f"quy tắc “{rid}”: cấp “{x}” không có trong danh mục")
    if not text:
        return None
    try:
        check = parse_check(text)
    except RuleSyntaxError as exc:
        c.add(_line(rr, "check"), None, f"quy tắc “{rid}”: biểu thức “{text}” sai: {exc}")
        return None
    ok = True
    for code in check.refs():
        target = by_code.get(code)
        if target is None:
            c.add(_line(rr, "check"), code, f"quy tắc “{rid}” nhắc đến dòng “{code}” không có trong danh mục")
            ok = False
        elif not target.is_numeric:
            c.add(_line(rr, "check"), code, f"quy tắc “{rid}” nhắc đến dòng “{code}” kiểu {target.type}, không phải dòng số")
            ok = False
    for code in message_placeholders(message):
        if code not in by_code:
            c.add(_line(rr, "message"), code, f"thông báo của quy tắc “{rid}” nhắc đến “{{{code}}}” không có trong danh mục")
            ok = False
        elif code not in check.refs():
            c.add(_line(rr, "message"), code, f"thông báo của quy tắc “{rid}” trích “{{{code}}}” nhưng biểu thức không dùng dòng này")
            ok = False
    if not ok:
        return None
    return Rule(rid, check, severity, message, "catalog", line, levels)


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _automatic_rules(by_code: dict[str, Row]) -> list[Rule]:
    rules: list[Rule] = []
    for row in by_code.values():
        if row.type == "ratio" and row.numerator and row.denominator and not row.allow_over_100:
            n, d = by_code.get(row.numerator), by_code.get(row.denominator)
            if n and d:
                msg = _fit(f"{row.numerator} ({{{n.code}}}) không được lớn hơn {d.code} ({{{d.code}}}): {_short(n.label)} > {_short(d.label)}")
                rules.append(Rule(f"auto-ratio-{row.code}", parse_check(f"{{{n.code}}} <= {{{d.code}}}"), "error", msg, "ratio", row.line))
        if row.part_of and row.part_of in by_code:
            w = by_code[row.part_of]
            msg = _fit(f"Trong đó {row.code} ({{{row.code}}}) lớn hơn tổng {w.code} ({{{w.code}}}): {_short(row.label)}")
            rules.append(Rule(f"auto-part-{row.code}", parse_check(f"{{{row.code}}} <= {{{w.code}}}"), "error", msg, "part", row.line))
    for row in by_code.values():
        if row.parts_exhaustive:
            parts = [r for r in by_code.values() if r.part_of == row.code]
            if parts:
                lhs = " + ".join(f"{{{p.code}}}" for p in parts)
                msg = _fit(f"Tổng các phần ({' + '.join(p.code for p in parts)}) phải bằng {row.code} ({{{row.code}}})")
                rules.append(Rule(f"auto-parts-{row.code}", parse_check(f"{lhs} == {{{row.code}}}"), "error", msg, "parts_sum", row.line))
    return rules


def _fit(message: str) -> str:
    if len(message) <= EXCEL_TEXT_LIMIT:
        return message
    return message[: EXCEL_TEXT_LIMIT - 1] + "…"



