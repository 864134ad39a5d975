"""The catalogue's ``targets:`` section: each target read and checked, every
problem collected with its line (never an exception)."""

from __future__ import annotations

from typing import Any

from cchc_xlsx.catalog.fields import check_keys, code_field, number_field, text_field
from cchc_xlsx.catalog.model import TARGET_COMPARISONS, Row, Target
from cchc_xlsx.catalog.schema import ID_RE, LABEL_LIMIT, keys_of
from cchc_xlsx.catalog.yamlmarks import Collector, Located, line_of


def parse_targets(
    c: Collector, raw: Any, line: int | None, by_code: dict[str, Row], levels: tuple[str, ...]
) -> tuple[Target, ...]:
    """The targets of the ``targets:`` list ``raw`` (None: none)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.add(line, None, "“targets” phải là danh sách mục tiêu")
        return ()
    out: list[Target] = []
    seen: set[str] = set()
    for item in raw:
        target = _parse_target(c, item, line, by_code, levels)
        if target is None:
            continue
        if target.id in seen:
            c.add(target.line, None, f"id mục tiêu “{target.id}” lặp lại")
            continue
        seen.add(target.id)
        out.append(target)
    return tuple(out)


def _parse_target(
    c: Collector, t: Any, line: int | None, by_code: dict[str, Row], cat_levels: tuple[str, ...]
) -> Target | None:
    if not isinstance(t, Located):
        c.add(line, None, "mỗi mục tiêu phải là một bảng có id, code, threshold, text")
        return None
    tid = text_field(c, t, "id", None, required=True)
    where = f"mục tiêu “{tid}”"
    check_keys(c, t, keys_of("target"), where, None)
    ok = bool(tid)
    if tid and not ID_RE.match(tid):
        c.add(line_of(t, "id"), None, f"{where}: id chỉ được gồm chữ không dấu, số, - _ .")
        ok = False
    code = code_field(c, t, "code", None)
    if code is None:
        c.add(line_of(t), None, f"{where}: thiếu “code” (mã dòng có số liệu)")
        ok = False
    elif code not in by_code:
        c.add(line_of(t, "code"), code, f"{where} nhắc đến dòng “{code}” không có trong danh mục")
        ok = False
    elif not by_code[code].is_numeric:
        c.add(
            line_of(t, "code"),
            code,
            f"{where}: dòng “{code}” kiểu {by_code[code].type}, không phải dòng số",
        )
        ok = False
    compare = text_field(c, t, "compare", code) or ">="
    if compare not in TARGET_COMPARISONS:
        c.add(
            line_of(t, "compare"),
            code,
            f"{where}: “compare” phải là một trong {', '.join(TARGET_COMPARISONS)}",
        )
        ok = False
    threshold = number_field(c, t, "threshold", code)
    if threshold is None:
        if "threshold" not in t:
            c.add(line_of(t), code, f"{where}: thiếu “threshold” (ngưỡng)")
        ok = False
    text = text_field(c, t, "text", code, required=True)
    if len(text) > LABEL_LIMIT:
        c.add(line_of(t, "text"), code, f"{where}: nội dung dài quá {LABEL_LIMIT} ký tự")
    years: list[int | None] = []
    for key in ("from_year", "to_year"):
        value = t.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            c.add(line_of(t, key), code, f"{where}: “{key}” phải là một năm (số nguyên)")
            value, ok = None, False
        years.append(value)
    if years[0] is not None and years[1] is not None and years[0] > years[1]:
        c.add(line_of(t, "from_year"), code, f"{where}: “from_year” sau “to_year”")
        ok = False
    levels: tuple[str, ...] = ()
    if "levels" in t:
        lv = t["levels"]
        if not isinstance(lv, list) or not lv:
            c.add(line_of(t, "levels"), code, f"{where}: “levels” phải là danh sách cấp")
            ok = False
        else:
            levels = tuple(str(x) for x in lv)
            for x in levels:
                if x not in cat_levels:
                    c.add(line_of(t, "levels"), code, f"{where}: cấp “{x}” không có trong danh mục")
                    ok = False
    if not ok or code is None or threshold is None or not text:
        return None
    return Target(
        id=tid,
        code=code,
        compare=compare,
        threshold=threshold,
        text=text,
        line=line_of(t) or 0,
        from_year=years[0],
        to_year=years[1],
        levels=levels,
    )
