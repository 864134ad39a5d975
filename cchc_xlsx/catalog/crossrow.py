"""What a catalogue's rows say of each other: references checked, cycles
refused, and the rules the rows imply (a ratio's parts, "trong đó" parts)."""

from __future__ import annotations

from cchc_xlsx.catalog.expressions import parse_check
from cchc_xlsx.catalog.model import Row, Rule
from cchc_xlsx.catalog.schema import EXCEL_TEXT_LIMIT
from cchc_xlsx.catalog.yamlmarks import Collector
from cchc_xlsx.vocabulary import NUMBER_TYPES


def check_row_refs(c: Collector, row: Row, by_code: dict[str, Row]) -> None:
    def need(ref: str | None, what: str, kinds: frozenset[str] | None) -> Row | None:
        if ref is None:
            return None
        target = by_code.get(ref)
        if target is None:
            c.add(row.line, row.code, f"{what} “{ref}” không có trong danh mục")
            return None
        if kinds is not None and target.type not in kinds:
            c.add(
                row.line,
                row.code,
                f"{what} “{ref}” là dòng kiểu {target.type}, phải là dòng số ({', '.join(sorted(kinds))})",
            )
        missing = [lv for lv in row.levels if lv not in target.levels]
        if missing:
            c.add(
                row.line,
                row.code,
                f"{what} “{ref}” không có ở cấp {', '.join(missing)} mà dòng này có",
            )
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
            if row.type not in NUMBER_TYPES | {"percent"} or whole.type not in NUMBER_TYPES | {
                "percent"
            }:
                c.add(
                    row.line,
                    row.code,
                    f"“part_of”: cả phần ({row.type}) và tổng ({whole.type}) phải là dòng số",
                )
            elif (row.type == "percent") != (whole.type == "percent"):
                c.add(
                    row.line,
                    row.code,
                    "“part_of”: phần và tổng phải cùng là số lượng hoặc cùng là phần trăm",
                )
    if row.fed_by is not None and row.fed_by.code:
        source = by_code.get(row.fed_by.code)
        if source is None:
            c.add(row.line, row.code, f"“fed_by” “{row.fed_by.code}” không có trong danh mục")
        elif row.fed_by.agg == "sum" and source.type not in NUMBER_TYPES:
            c.add(row.line, row.code, f"“fed_by” “{row.fed_by.code}” phải là dòng số để cộng (sum)")
        elif row.fed_by.agg == "count_yes" and source.type != "boolean":
            c.add(
                row.line,
                row.code,
                f"“fed_by” “{row.fed_by.code}” phải là dòng Có/Không để đếm (count_yes)",
            )
        elif row.type not in ("count", "decimal"):
            c.add(row.line, row.code, "chỉ dòng số (count, decimal) mới có “fed_by”")
    if row.parts_exhaustive and not any(r.part_of == row.code for r in by_code.values()):
        c.add(
            row.line,
            row.code,
            "“parts_exhaustive” nhưng không dòng nào có “part_of” trỏ đến dòng này",
        )


def check_cycles(c: Collector, by_code: dict[str, Row]) -> None:
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
                    c.add(
                        by_code[d].line,
                        d,
                        "vòng lặp giữa các dòng tính toán: " + " → ".join(cycle + [d]),
                    )
            elif state.get(d) is None:
                visit(d, stack)
        stack.pop()
        state[code] = 2

    for code in by_code:
        if state.get(code) is None:
            visit(code, [])


def _short(label: str, limit: int = 60) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def automatic_rules(by_code: dict[str, Row]) -> list[Rule]:
    rules: list[Rule] = []
    for row in by_code.values():
        if row.type == "ratio" and row.numerator and row.denominator and not row.allow_over_100:
            n, d = by_code.get(row.numerator), by_code.get(row.denominator)
            if n and d:
                msg = _fit(
                    f"{row.numerator} ({{{n.code}}}) không được lớn hơn {d.code} ({{{d.code}}}): {_short(n.label)} > {_short(d.label)}"
                )
                rules.append(
                    Rule(
                        f"auto-ratio-{row.code}",
                        parse_check(f"{{{n.code}}} <= {{{d.code}}}"),
                        "error",
                        msg,
                        "ratio",
                        row.line,
                    )
                )
        if row.part_of and row.part_of in by_code:
            w = by_code[row.part_of]
            msg = _fit(
                f"Trong đó {row.code} ({{{row.code}}}) lớn hơn tổng {w.code} ({{{w.code}}}): {_short(row.label)}"
            )
            rules.append(
                Rule(
                    f"auto-part-{row.code}",
                    parse_check(f"{{{row.code}}} <= {{{w.code}}}"),
                    "error",
                    msg,
                    "part",
                    row.line,
                )
            )
    for row in by_code.values():
        if row.parts_exhaustive:
            parts = [r for r in by_code.values() if r.part_of == row.code]
            if parts:
                lhs = " + ".join(f"{{{p.code}}}" for p in parts)
                msg = _fit(
                    f"Tổng các phần ({' + '.join(p.code for p in parts)}) phải bằng {row.code} ({{{row.code}}})"
                )
                rules.append(
                    Rule(
                        f"auto-parts-{row.code}",
                        parse_check(f"{lhs} == {{{row.code}}}"),
                        "error",
                        msg,
                        "parts_sum",
                        row.line,
                    )
                )
    return rules


def _fit(message: str) -> str:
    if len(message) <= EXCEL_TEXT_LIMIT:
        return message
    return message[: EXCEL_TEXT_LIMIT - 1] + "…"
