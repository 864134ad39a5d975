"""Rules between rows, the Python side: parsing, evaluation, messages.

A rule is ``LEFT OP RIGHT``, each side a sum of ``{code}`` references and
numbers. It is checked only when every row it names has a number; a blank is
"no data", not zero. Comparisons tolerate floating-point noise.
"""

from __future__ import annotations

import math
import re

import pytest

from cchc_xlsx.catalog.expressions import (
    RuleSyntaxError,
    format_value,
    message_placeholders,
    parse_check,
    render_message,
)

# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(
    ("text", "left", "op", "right"),
    [
        ("{1.4.2} + {1.4.3} <= {1.4.1}", [(1, "1.4.2"), (1, "1.4.3")], "<=", [(1, "1.4.1")]),
        ("{7.2.3.a} == {7.2.1.b} + {7.2.2.b}", [(1, "7.2.3.a")], "==", [(1, "7.2.1.b"), (1, "7.2.2.b")]),
        ("{3.3.1.b}<{3.3.1.a}", [(1, "3.3.1.b")], "<", [(1, "3.3.1.a")]),
        ("{a} >= {b} - {c}", [(1, "a")], ">=", [(1, "b"), (-1, "c")]),
        ("-{a} > 0", [(-1, "a")], ">", [(1, 0.0)]),
        ("{a} - 2.5 != -1", [(1, "a"), (-1, 2.5)], "!=", [(-1, 1.0)]),
        ("{ BM3.1.4 } <= 100", [(1, "BM3.1.4")], "<=", [(1, 100.0)]),
        ("  {a} <= {b}  ", [(1, "a")], "<=", [(1, "b")]),
    ],
)
def test_valid_check_is_parsed_into_signed_terms(text, left, op, right):
    def terms(side):
        return [(t.sign, t.code if t.code is not None else t.constant) for t in side.terms]

    check = parse_check(text)
    assert (terms(check.left), check.op, terms(check.right)) == (left, op, right)
    assert check.text == text.strip()


def test_refs_lists_each_row_once_in_order_of_appearance():
    assert parse_check("{b} + {a} <= {b} + {c}").refs() == ("b", "a", "c")


BAD_CHECKS = [
    ("", "thiếu phép so sánh"),
    ("{1.1} + {1.2}", "thiếu phép so sánh"),
    ("{1.1} <=", "thiếu số hạng sau phép so sánh"),
    ("{1.1} <= {1.2} +", "thiếu số hạng sau phép so sánh"),
    ("<= {1.1}", "thiếu số hạng trước phép so sánh"),
    ("{1.1} <= {1.2} <= {1.3}", "chỉ được một phép so sánh"),
    ("{1.1} {1.2} <= 3", "thiếu dấu + hoặc -"),
    ("{1.1} + + {1.2} <= 3", "hai dấu liền nhau"),
    # two signs in a row are refused at the start of a side too (not "the last one wins")
    ("{1.1} <= - -{1.2}", "hai dấu liền nhau"),
    ("-+{1.1} <= 0", "hai dấu liền nhau"),
    ("{1.1} = {1.2}", "không hiểu"),
    ("{1.1} =< 3", "không hiểu"),
    ("{1.1} * 2 <= 3", "không hiểu"),
    ("{1.1} <= .5", "không hiểu"),
    ("{} <= 1", "mã chỉ tiêu trống"),
    ("1 <= 2", "không nhắc đến chỉ tiêu nào"),
]


@pytest.mark.parametrize(("text", "reason"), BAD_CHECKS, ids=[text or "empty" for text, _ in BAD_CHECKS])
def test_bad_check_raises_rule_syntax_error_saying_why(text, reason):
    with pytest.raises(RuleSyntaxError, match=re.escape(reason)):
        parse_check(text)


def test_rule_syntax_error_is_a_value_error():
    assert issubclass(RuleSyntaxError, ValueError)


# --------------------------------------------------------------------------- evaluation


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("{a} <= {b}", {"a": 3, "b": 3}, True),
        ("{a} <= {b}", {"a": 4, "b": 3}, False),
        ("{a} < {b}", {"a": 2, "b": 3}, True),
        ("{a} < {b}", {"a": 3, "b": 3}, False),
        ("{a} >= {b}", {"a": 3, "b": 3}, True),
        ("{a} >= {b}", {"a": 2, "b": 3}, False),
        ("{a} > {b}", {"a": 4, "b": 3}, True),
        ("{a} > {b}", {"a": 3, "b": 3}, False),
        ("{a} == {b}", {"a": 3, "b": 3.0}, True),
        ("{a} == {b}", {"a": 3, "b": 4}, False),
        ("{a} != {b}", {"a": 3, "b": 4}, True),
        ("{a} != {b}", {"a": 3, "b": 3}, False),
        # seed 000: 1 + 0 + 0 tasks done or overdue out of 6 assigned
        ("{1.4.2} + {1.4.3} + {1.4.4} <= {1.4.1}", {"1.4.1": 6, "1.4.2": 1, "1.4.3": 0, "1.4.4": 0}, True),
        ("{1.4.2} + {1.4.3} + {1.4.4} <= {1.4.1}", {"1.4.1": 6, "1.4.2": 5, "1.4.3": 1, "1.4.4": 1}, False),
        # seed 000: 75 procedures online = 13 partial + 62 full
        ("{7.2.3.a} == {7.2.1.b} + {7.2.2.b}", {"7.2.3.a": 75, "7.2.1.b": 13, "7.2.2.b": 62}, True),
        ("-{a} + 2.5 > {b} - 1", {"a": 1, "b": 0}, True),
        ("{a} <= 100", {"a": 100.5}, False),
    ],
)
def test_check_holds_or_not_when_every_row_has_a_number(text, values, expected):
    assert parse_check(text).holds(values) is expected


@pytest.mark.parametrize(
    "values",
    [
        {"a": 1},
        {"a": 1, "b": None},
        {"a": None, "b": None},
        {"a": 1, "b": "5"},
        {"a": 1, "b": True},
        {"a": 1, "b": math.nan},
        {"a": 1, "b": math.inf},
    ],
    ids=["missing", "none", "all-none", "text", "bool", "nan", "inf"],
)
def test_check_is_not_checked_when_a_row_has_no_number(values):
    assert parse_check("{a} <= {b}").holds(values) is None


def test_zero_is_a_number_not_a_blank():
    assert parse_check("{a} <= {b}").holds({"a": 1, "b": 0}) is False


@pytest.mark.parametrize(
    ("op", "expected"),
    [("==", True), ("<=", True), (">=", True), ("<", False), (">", False), ("!=", False)],
)
def test_floating_point_noise_is_tolerated(op, expected):
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point
    assert parse_check(f"{{a}} + {{b}} {op} {{c}}").holds({"a": 0.1, "b": 0.2, "c": 0.3}) is expected


@pytest.mark.parametrize(
    ("a", "b", "total"),
    [
        (6544133.7, 8667047.7, 15211181.4),  # Triệu đồng at province level: ~15 000 tỷ đồng
        (1234.56, 7890.12, 9124.68),
    ],
)
def test_tolerance_holds_for_large_decimal_amounts(a, b, total):
    assert parse_check("{a} + {b} == {c}").holds({"a": a, "b": b, "c": total}) is True


def test_a_real_difference_is_not_hidden_by_the_tolerance():
    assert parse_check("{a} <= {b}").holds({"a": 100.001, "b": 100}) is False
    assert parse_check("{a} == {b}").holds({"a": 18.75, "b": 19}) is False


# --------------------------------------------------------------------------- messages


def test_message_placeholders_are_the_quoted_codes():
    message = "Đã hoàn thành ({1.4.2} đúng hạn + { 1.4.3 } quá hạn) vượt tổng số ({1.4.1})"
    assert message_placeholders(message) == ["1.4.2", "1.4.3", "1.4.1"]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3, "3"),
        (3.0, "3"),
        (0.0, "0"),
        (100.0, "100"),
        (-4.0, "-4"),
        (59.375, "59.375"),
        (18.75, "18.75"),
        (0.1 + 0.2, "0.3"),
        (None, ""),
    ],
)
def test_value_is_quoted_like_a_person_writes_it(value, text):
    assert format_value(value) == text


@pytest.mark.parametrize("value", [1 / 3, 2.5e-7, 1e-10, 12345678.9, 1e20])
def test_quoted_value_reads_back_as_the_same_number(value):
    assert float(format_value(value)) == pytest.approx(value, rel=1e-9)


def test_render_message_quotes_each_rows_value():
    message = "Số nhiệm vụ đã hoàn thành ({1.4.2}) vượt tổng số nhiệm vụ được giao ({ 1.4.1 })"
    rendered = render_message(message, {"1.4.2": 7.0, "1.4.1": 6})
    assert rendered == "Số nhiệm vụ đã hoàn thành (7) vượt tổng số nhiệm vụ được giao (6)"


def test_render_message_without_placeholders_is_unchanged():
    assert render_message("Số liệu không hợp lệ", {"1.1": 3}) == "Số liệu không hợp lệ"
