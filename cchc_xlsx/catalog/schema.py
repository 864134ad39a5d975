"""The catalogue's schema, in one place.

Each part of a catalogue file (the file itself, ``catalog``, a sheet, a row, an
option, ``fed_by``, a rule) is a table of :class:`Field`: its key, the kind of
value, whether it is required, the words it may take and a Vietnamese
description. The loader (:mod:`cchc_xlsx.catalog.load`) takes the allowed keys
from these tables (and the words from :mod:`cchc_xlsx.vocabulary`, as these
tables do); :func:`json_schema` turns the same tables into the JSON Schema
(draft-07, the draft VS Code's YAML extension supports in full) that editors
use to complete and check a catalogue while an officer edits it (``cchc-xlsx
catalog --schema``; ``catalog.schema.json``, shipped in the package, is tested
to be current and to agree with the loader on valid and invalid catalogues).

The JSON Schema says what one value may be; what only the whole file can say
(a code used before it is defined, a ratio whose parts are missing, a cycle of
sums, Excel's limit on a drop-down list) stays with the loader, which reports
every problem with its line at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from cchc_xlsx.vocabulary import AGGS, LEVELS, PERIOD_AGGS, ROW_TYPES

# the comparisons a target may use (cchc_xlsx.catalog.model.TARGET_COMPARISONS)
TARGET_COMPARISONS = (">=", ">", "<=", "<", "==")

EXCEL_TEXT_LIMIT = 255  # a data-validation list or message (Excel's limit)
EXCEL_SHEET_NAME_LIMIT = 31
LABEL_LIMIT = 1000
CODE_PATTERN = r"^[A-Za-z0-9]+(\.[A-Za-z0-9]+)*$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
SHEET_NAME_PATTERN = r"^[^\[\]:*?/\\]*$"
CODE_RE = re.compile(CODE_PATTERN)
ID_RE = re.compile(ID_PATTERN)

Kind = Literal[
    "text",  # a string (a YAML number is taken as its text: ``version: 2024``)
    "code",  # a catalogue code: 1.2, 3.3.1.a (quoted when YAML would read a number)
    "codes",  # a non-empty list of codes
    "word",  # one of Field.words
    "words",  # a non-empty list of Field.words
    "bool",
    "number",
    "integer",
    "part",  # a mapping: the part named by Field.part
    "parts",  # a non-empty list of Field.part
]


@dataclass(frozen=True)
class Field:
    """One key of one part of a catalogue file."""

    key: str
    kind: Kind
    description: str
    required: bool = False
    words: tuple[str, ...] = ()
    part: str = ""
    pattern: str = ""
    max_length: int | None = None


PARTS: dict[str, tuple[Field, ...]] = {
    "file": (
        Field(
            "catalog",
            "part",
            "Thông tin danh mục: id, version, title, levels.",
            True,
            part="catalog",
        ),
        Field(
            "rows", "parts", "Các dòng của biểu (một biểu). Dùng “rows” hoặc “sheets”.", part="row"
        ),
        Field(
            "sheets",
            "parts",
            "Các biểu (nhiều biểu trong một tệp). Dùng “rows” hoặc “sheets”.",
            part="sheet",
        ),
        Field("rules", "parts", "Quy tắc kiểm tra giữa các dòng.", part="rule"),
        Field(
            "targets",
            "parts",
            "Mục tiêu (chương trình, kế hoạch CCHC) được đánh giá Đạt/Không đạt từ số liệu.",
            part="target",
        ),
    ),
    "catalog": (
        Field("id", "text", "Mã danh mục (chữ không dấu, số, - _ .).", True, pattern=ID_PATTERN),
        Field("version", "text", "Phiên bản danh mục.", True),
        Field("title", "text", "Tên danh mục, in trên biểu.", True),
        Field("source", "text", "Nguồn: văn bản quy định biểu."),
        Field("description", "text", "Mô tả (dùng khi không có “source”)."),
        Field(
            "levels",
            "words",
            "Các cấp dùng danh mục: xa, huyen, so, tinh.",
            True,
            words=tuple(LEVELS),
        ),
    ),
    "sheet": (
        Field("id", "text", "Mã biểu.", True),
        Field(
            "name",
            "text",
            "Tên trang tính (tối đa 31 ký tự, không có [ ] : * ? / \\).",
            True,
            pattern=SHEET_NAME_PATTERN,
            max_length=EXCEL_SHEET_NAME_LIMIT,
        ),
        Field("title", "text", "Tiêu đề biểu."),
        Field("rows", "parts", "Các dòng của biểu.", True, part="row"),
    ),
    "row": (
        Field(
            "code",
            "code",
            'Mã chỉ tiêu, ví dụ 3.3.1.a (đặt trong ngoặc kép nếu giống số: "1.2").',
            True,
        ),
        Field("label", "text", "Tên chỉ tiêu như trên biểu.", True, max_length=LABEL_LIMIT),
        Field("type", "word", "Kiểu dòng.", True, words=ROW_TYPES),
        Field("hint", "text", "Hướng dẫn nhập, hiện khi chọn ô."),
        Field("unit", "text", "Đơn vị tính (TTHC, hồ sơ, %, …)."),
        Field("note", "text", "Ghi chú in trên biểu."),
        Field(
            "levels",
            "words",
            "Các cấp có dòng này (mặc định: mọi cấp của danh mục).",
            words=tuple(LEVELS),
        ),
        Field("agg", "word", "Cách cộng các đơn vị (DHIS2 aggregation type).", words=AGGS),
        Field("weight", "code", "Dòng trọng số (với agg: weighted_mean)."),
        Field(
            "period_agg",
            "word",
            "Cách cộng qua các kỳ: flow, stock, cumulative.",
            words=PERIOD_AGGS,
        ),
        Field("numerator", "code", "Tử số (dòng kiểu ratio)."),
        Field("denominator", "code", "Mẫu số (dòng kiểu ratio)."),
        Field("allow_over_100", "bool", "Cho phép tỷ lệ trên 100%."),
        Field("terms", "codes", "Các dòng cộng lại (dòng kiểu sum)."),
        Field("part_of", "code", "Dòng tổng mà dòng này là một phần."),
        Field("parts_exhaustive", "bool", "Các phần cộng lại phải bằng dòng tổng."),
        Field("options", "parts", "Các lựa chọn (dòng kiểu choice).", part="option"),
        Field("required", "bool", "Bắt buộc nhập."),
        Field("min", "number", "Giá trị nhỏ nhất."),
        Field("max", "number", "Giá trị lớn nhất."),
        Field(
            "fed_by", "part", "Ở cấp trên, dòng này lấy từ một dòng của cấp dưới.", part="fed_by"
        ),
    ),
    "option": (
        Field("value", "integer", "Giá trị số của lựa chọn.", True),
        Field("label", "text", "Tên lựa chọn (không có dấu phẩy).", True, pattern=r"^[^,]*$"),
    ),
    "fed_by": (
        Field("code", "code", "Mã dòng của cấp dưới.", True),
        Field(
            "agg",
            "word",
            "sum: cộng; count_yes: đếm số đơn vị trả lời Có.",
            words=("sum", "count_yes"),
        ),
    ),
    "rule": (
        Field("id", "text", "Mã quy tắc.", True),
        Field("check", "text", "Biểu thức so sánh, ví dụ: 1.2.2 <= 1.2.1", True),
        Field(
            "severity", "word", "error (lỗi) hoặc warning (cảnh báo).", words=("error", "warning")
        ),
        Field(
            "message",
            "text",
            "Thông báo khi vi phạm; {mã} trích giá trị.",
            True,
            max_length=EXCEL_TEXT_LIMIT,
        ),
        Field("levels", "words", "Các cấp áp dụng.", words=tuple(LEVELS)),
    ),
    "target": (
        Field("id", "text", "Mã mục tiêu (chữ không dấu, số, - _ .).", True, pattern=ID_PATTERN),
        Field("code", "code", "Mã dòng có số liệu so với mục tiêu (tỷ lệ, số lượng).", True),
        Field(
            "compare",
            "word",
            "Cách so sánh số liệu với ngưỡng (mặc định >=: “tối thiểu”).",
            words=TARGET_COMPARISONS,
        ),
        Field("threshold", "number", "Ngưỡng (tỷ lệ tính theo điểm phần trăm: 80 là 80%).", True),
        Field(
            "text",
            "text",
            "Nội dung mục tiêu như in trong báo cáo.",
            True,
            max_length=LABEL_LIMIT,
        ),
        Field("from_year", "integer", "Áp dụng từ năm (báo cáo của năm này trở đi)."),
        Field("to_year", "integer", "Áp dụng đến năm."),
        Field("levels", "words", "Các cấp áp dụng (mặc định: mọi cấp).", words=tuple(LEVELS)),
    ),
}


def keys_of(part: str) -> frozenset[str]:
    """The keys allowed in ``part`` (a key of :data:`PARTS`)."""
    return frozenset(f.key for f in PARTS[part])


def field(part: str, key: str) -> Field:
    """The :class:`Field` of ``key`` in ``part``; ``KeyError`` when there is none."""
    for f in PARTS[part]:
        if f.key == key:
            return f
    raise KeyError(f"{part}.{key}")


def _value_schema(f: Field) -> dict[str, Any]:
    out: dict[str, Any]
    if f.kind == "text":
        out = {"type": ["string", "number"]}
        if f.pattern:
            out["pattern"] = f.pattern
        if f.max_length is not None:
            out["maxLength"] = f.max_length
    elif f.kind == "code":
        out = {"$ref": "#/definitions/code"}
    elif f.kind == "codes":
        out = {"type": "array", "minItems": 1, "items": {"$ref": "#/definitions/code"}}
    elif f.kind == "word":
        out = {"enum": list(f.words)}
    elif f.kind == "words":
        out = {
            "type": "array",
            "minItems": 1,
            "uniqueItems": True,
            "items": {"enum": list(f.words)},
        }
    elif f.kind == "bool":
        out = {"type": "boolean"}
    elif f.kind == "number":
        out = {"type": "number"}
    elif f.kind == "integer":
        out = {"type": "integer"}
    elif f.kind == "part":
        out = {"$ref": f"#/definitions/{f.part}"}
    else:  # parts
        out = {"type": "array", "minItems": 1, "items": {"$ref": f"#/definitions/{f.part}"}}
    return {"description": f.description, **out}


def _object_schema(part: str) -> dict[str, Any]:
    fields = PARTS[part]
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.key: _value_schema(f) for f in fields},
    }
    required = [f.key for f in fields if f.required]
    if required:
        out["required"] = required
    return out


def json_schema() -> dict[str, Any]:
    """The catalogue's JSON Schema (draft-07), as a dict, made from :data:`PARTS`.

    Beyond each key's value it says the rules of one row that an editor can
    show while typing: a ratio needs ``numerator`` and ``denominator``, a sum
    needs ``terms``, a choice needs ``options``, and a file has ``rows`` or
    ``sheets``, not both.
    """
    defs: dict[str, Any] = {
        "code": {
            "description": "Mã chỉ tiêu: chữ, số và dấu chấm, ví dụ 3.3.1.a",
            "anyOf": [
                {"type": "string", "pattern": CODE_PATTERN},
                {"type": "integer", "minimum": 0},
            ],
        }
    }
    for part in PARTS:
        if part != "file":
            defs[part] = _object_schema(part)
    defs["row"]["allOf"] = [
        {
            "if": {"properties": {"type": {"const": "ratio"}}, "required": ["type"]},
            "then": {"required": ["numerator", "denominator"]},
        },
        {
            "if": {"properties": {"type": {"const": "sum"}}, "required": ["type"]},
            "then": {"required": ["terms"]},
        },
        {
            "if": {"properties": {"type": {"const": "choice"}}, "required": ["type"]},
            "then": {"required": ["options"]},
        },
    ]
    top = _object_schema("file")
    top["oneOf"] = [{"required": ["rows"]}, {"required": ["sheets"]}]
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "Danh mục chỉ tiêu cchc-xlsx (indicator_catalog.yaml)",
        **top,
        "definitions": defs,
    }
