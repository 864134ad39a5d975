"""Reading one key of a catalogue mapping: its value as text, code, true/false or
number, or a problem with its line (never an exception)."""

from __future__ import annotations

import difflib

from cchc_xlsx.catalog.yamlmarks import Collector, Located, line_of
from cchc_xlsx.text import hidden_characters


def check_keys(
    c: Collector, d: Located, allowed: frozenset[str], where: str, code: str | None
) -> None:
    for dup, ln in d.get("__duplicates__", []):
        c.add(ln, code, f"khóa “{dup}” lặp lại trong {where}")
    for key in d:
        if key == "__duplicates__":
            continue
        if key not in allowed:
            hint = closest(str(key), allowed)
            extra = f" — có phải “{hint}”?" if hint else ""
            c.add(line_of(d, str(key)), code, f"khóa không hợp lệ “{key}” trong {where}{extra}")


def closest(word: str, choices: frozenset[str] | tuple[str, ...]) -> str | None:

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def text_field(c: Collector, d: Located, key: str, code: str | None, required: bool = False) -> str:
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


def code_field(c: Collector, d: Located, key: str, code: str | None) -> str | None:
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


def bool_field(c: Collector, d: Located, key: str, code: str | None) -> bool:
    value = d.get(key, False)
    if not isinstance(value, bool):
        c.add(line_of(d, key), code, f"“{key}” phải là true hoặc false")
        return False
    return value


def number_field(c: Collector, d: Located, key: str, code: str | None) -> float | None:
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add(line_of(d, key), code, f"“{key}” phải là một số")
        return None
    return float(value)
