"""A catalogue's rows and rules, each parsed from its YAML mapping: every problem
collected with its line and row code (the whole file's checks are in
:mod:`cchc_xlsx.catalog.load` and :mod:`cchc_xlsx.catalog.crossrow`)."""

from __future__ import annotations

from typing import Any, cast

from cchc_xlsx.catalog.expressions import RuleSyntaxError, message_placeholders, parse_check
from cchc_xlsx.catalog.fields import (
    bool_field,
    check_keys,
    closest,
    code_field,
    number_field,
    text_field,
)
from cchc_xlsx.catalog.model import FedBy, Option, Row, Rule
from cchc_xlsx.catalog.schema import CODE_RE, EXCEL_TEXT_LIMIT, LABEL_LIMIT, keys_of
from cchc_xlsx.catalog.yamlmarks import Collector, Located, line_of
from cchc_xlsx.vocabulary import (
    AGGS,
    ALLOWED_AGG,
    DEFAULT_AGG,
    PERIOD_AGGS,
    ROW_TYPES,
    Agg,
    FedAgg,
    PeriodAgg,
    RowType,
    RuleSeverity,
)


def parse_row(c: Collector, r: Any, sheet: str, cat_levels: tuple[str, ...]) -> Row | None:
    if not isinstance(r, Located):
        c.add(None, None, f"mỗi dòng phải là một bảng có code, label, type (gặp: {r!r})")
        return None
    code = code_field(c, r, "code", None)
    if not code:
        c.add(line_of(r), None, "dòng thiếu “code”")
        return None
    if not CODE_RE.match(code):
        c.add(
            line_of(r, "code"),
            code,
            f"mã “{code}” chỉ được gồm chữ, số và dấu chấm (ví dụ 3.3.1.a)",
        )
    check_keys(c, r, keys_of("row"), "dòng", code)
    label = text_field(c, r, "label", code, required=True)
    rtype = text_field(c, r, "type", code, required=True)
    if rtype and rtype not in ROW_TYPES:
        hint = closest(rtype, ROW_TYPES)
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

    agg = text_field(c, r, "agg", code) or DEFAULT_AGG[cast(RowType, rtype)]
    if agg not in AGGS:
        c.add(
            line_of(r, "agg"), code, f"cách tổng hợp “{agg}” không hợp lệ; dùng {', '.join(AGGS)}"
        )
    elif agg not in ALLOWED_AGG[cast(RowType, rtype)]:
        c.add(
            line_of(r, "agg"),
            code,
            f"cách tổng hợp “{agg}” không dùng được cho kiểu {rtype}; dùng {', '.join(sorted(ALLOWED_AGG[cast(RowType, rtype)]))}",
        )
    period_default = "flow" if rtype in ("count", "decimal", "sum") else "stock"
    period_agg = text_field(c, r, "period_agg", code) or period_default
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
                check_keys(c, o, keys_of("option"), "lựa chọn", code)
                v = o.get("value")
                lab = text_field(c, o, "label", code, required=True)
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
            check_keys(c, fb, keys_of("fed_by"), "fed_by", code)
            fcode = code_field(c, fb, "code", code) or ""
            if not fcode:
                c.add(line_of(fb), code, "“fed_by” thiếu “code”: mã dòng của cấp dưới")
            fagg = text_field(c, fb, "agg", code) or "sum"
            if fagg not in ("sum", "count_yes"):
                c.add(line_of(fb, "agg"), code, "“fed_by.agg” phải là sum hoặc count_yes")
            fed_by = FedBy(fcode, cast(FedAgg, fagg))

    row = Row(
        code=code,
        label=label,
        type=cast(RowType, rtype),
        sheet=sheet,
        line=line,
        hint=text_field(c, r, "hint", code),
        unit=text_field(c, r, "unit", code),
        note=text_field(c, r, "note", code),
        levels=levels,
        agg=cast(Agg, agg),
        weight=code_field(c, r, "weight", code),
        period_agg=cast(PeriodAgg, period_agg),
        numerator=code_field(c, r, "numerator", code),
        denominator=code_field(c, r, "denominator", code),
        allow_over_100=bool_field(c, r, "allow_over_100", code),
        terms=terms,
        part_of=code_field(c, r, "part_of", code),
        parts_exhaustive=bool_field(c, r, "parts_exhaustive", code),
        options=tuple(options),
        required=bool_field(c, r, "required", code),
        min=number_field(c, r, "min", code),
        max=number_field(c, r, "max", code),
        fed_by=fed_by,
    )
    check_excel_limits(c, row)
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


def check_excel_limits(c: Collector, row: Row) -> None:
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


def parse_rule(
    c: Collector, rr: Any, by_code: dict[str, Row], cat_levels: tuple[str, ...]
) -> Rule | None:
    if not isinstance(rr, Located):
        c.add(None, None, "mỗi quy tắc phải là một bảng có id, check, severity, message")
        return None
    rid = text_field(c, rr, "id", None, required=True)
    check_keys(c, rr, keys_of("rule"), f"quy tắc “{rid}”", None)
    line = line_of(rr) or 0
    text = text_field(c, rr, "check", None, required=True)
    severity = text_field(c, rr, "severity", None) or "error"
    if severity not in ("error", "warning"):
        c.add(
            line_of(rr, "severity"), None, f"quy tắc “{rid}”: “severity” phải là error hoặc warning"
        )
    message = text_field(c, rr, "message", None, required=True)
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
    return Rule(rid, check, cast(RuleSeverity, severity), message, "catalog", line, levels)
