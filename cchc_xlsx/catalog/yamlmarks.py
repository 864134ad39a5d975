"""YAML read with the line of every key, and PyYAML's problems said in Vietnamese."""

from __future__ import annotations

from typing import Any

import yaml

from cchc_xlsx.errors import Problem


class Located(dict):  # type: ignore[type-arg,unused-ignore]
    """A mapping that remembers the line of each key (1-based)."""

    line: int = 0
    key_lines: dict[str, int]


class LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: LineLoader, node: yaml.MappingNode) -> Located:
    result = Located()
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


def _construct_float(loader: LineLoader, node: yaml.ScalarNode) -> _YamlFloat:
    value = _YamlFloat(yaml.SafeLoader.construct_yaml_float(loader, node))
    value.text = str(node.value)
    return value


LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
LineLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)


# PyYAML's problems, said in Vietnamese (the English text follows in brackets)
_YAML_PROBLEMS = (
    (
        "mapping values are not allowed",
        "dấu “:” không đúng chỗ — thường do một chuỗi có dấu “:” mà thiếu dấu ngoặc kép, hoặc thụt lề sai",
    ),
    ("could not find expected ':'", "thiếu dấu “:” sau tên khóa"),
    (
        "cannot start any token",
        "có ký tự không được phép ở đầu một giá trị (Tab? YAML chỉ thụt lề bằng dấu cách)",
    ),
    ("did not find expected key", "thụt lề không đều hoặc thiếu tên khóa"),
    ("did not find expected '-' indicator", "các mục của danh sách thụt lề không đều"),
    ("expected <block end>", "thụt lề không khớp với các dòng phía trên"),
    ("unexpected end of stream", "tệp kết thúc giữa chừng (thiếu dấu ngoặc kép đóng?)"),
    (
        "unknown escape character",
        "chuỗi trong ngoặc kép có dấu “\\” không hợp lệ (dùng ngoặc đơn ' thay cho ngoặc kép)",
    ),
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


class Collector:
    """Gathers every problem of one catalogue file before any is raised."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, line: int | None, code: str | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, code, message))


def line_of(d: Any, key: str | None = None) -> int | None:
    if isinstance(d, Located):
        if key is not None and key in d.key_lines:
            return d.key_lines[key]
        return d.line
    return None
