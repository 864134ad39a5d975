"""Reporting periods and their data windows (Nghị định 09/2019/NĐ-CP).

A report's figures run from the 15th of the last month of the previous period
to the 14th of the period's last month; 6-month, 9-month and annual reports
are cumulative from 15/12 of the previous year.
"""

from __future__ import annotations

import datetime as dt
from itertools import pairwise

import pytest

from cchc_xlsx.errors import PeriodError
from cchc_xlsx.periods import parse_period, previous_period, quarters_of, same_period_last_year

D = dt.date

PERIODS = [
    # text, code, kind, label, start, end
    ("2024-Q1", "2024-Q1", "Q1", "Quý I năm 2024", D(2023, 12, 15), D(2024, 3, 14)),
    ("2024-Q2", "2024-Q2", "Q2", "Quý II năm 2024", D(2024, 3, 15), D(2024, 6, 14)),
    ("2024-Q3", "2024-Q3", "Q3", "Quý III năm 2024", D(2024, 6, 15), D(2024, 9, 14)),
    ("2024-Q4", "2024-Q4", "Q4", "Quý IV năm 2024", D(2024, 9, 15), D(2024, 12, 14)),
    ("2024-H1", "2024-H1", "H1", "6 tháng đầu năm 2024", D(2023, 12, 15), D(2024, 6, 14)),
    ("2024-9M", "2024-9M", "9M", "9 tháng năm 2024", D(2023, 12, 15), D(2024, 9, 14)),
    ("2024", "2024", "Y", "năm 2024", D(2023, 12, 15), D(2024, 12, 14)),
]


@pytest.mark.parametrize(("text", "code", "kind", "label", "start", "end"), PERIODS, ids=[p[0] for p in PERIODS])
def test_period_has_its_label_and_data_window(text, code, kind, label, start, end):
    period = parse_period(text)
    assert (period.code, period.kind, period.year) == (code, kind, 2024)
    assert period.label == label
    assert (period.start, period.end) == (start, end)
    assert str(period) == code


@pytest.mark.parametrize(
    ("text", "code"),
    [("2024-q1", "2024-Q1"), ("2024-h1", "2024-H1"), ("2024-9m", "2024-9M"), (" 2024-Q2 ", "2024-Q2")],
)
def test_lowercase_and_surrounding_spaces_are_accepted(text, code):
    assert parse_period(text).code == code


def test_window_label_is_written_the_vietnamese_way():
    assert parse_period("2024-Q1").window_label == "Số liệu từ ngày 15/12/2023 đến ngày 14/3/2024"


@pytest.mark.parametrize(("text", "cumulative"), [("2024-Q1", False), ("2024-Q4", False), ("2024-H1", True), ("2024-9M", True), ("2024", True)])
def test_six_month_nine_month_and_annual_reports_are_cumulative(text, cumulative):
    assert parse_period(text).is_cumulative is cumulative


def test_quarters_tile_the_year_without_gap_or_overlap():
    quarters = [parse_period(f"2024-Q{q}") for q in range(1, 5)]
    for before, after in pairwise(quarters):
        assert after.start == before.end + dt.timedelta(days=1)
    assert quarters[0].start == parse_period("2024").start
    assert quarters[-1].end == parse_period("2024").end


def test_code_parses_back_to_the_same_period():
    for text, *_ in PERIODS:
        period = parse_period(text)
        assert parse_period(period.code) == period


@pytest.mark.parametrize(
    ("text", "quarters"),
    [("2024-Q3", ["2024-Q3"]), ("2024-H1", ["2024-Q1", "2024-Q2"]), ("2024-9M", ["2024-Q1", "2024-Q2", "2024-Q3"]),
     ("2024", ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4"])],
)
def test_quarters_of_a_period(text, quarters):
    assert [q.code for q in quarters_of(parse_period(text))] == quarters


# --------------------------------------------------------------------------- malformed


@pytest.mark.parametrize(
    "text", ["2024Q1", "Q1-2024", "2024-Q5", "2024-Q0", "2024-H2", "2024-6M", "", "abcd", "24-Q1", "2024-Q1-Q2", "2024 Q1"]
)
def test_malformed_period_is_refused_naming_the_accepted_forms(text):
    with pytest.raises(PeriodError) as info:
        parse_period(text)
    message = str(info.value)
    assert f"“{text}” không hợp lệ" in message
    for form in ("2024-Q1", "2024-Q4", "2024-H1", "2024-9M", "2024 (năm)"):
        assert form in message


def test_period_error_is_a_value_error():
    assert issubclass(PeriodError, ValueError)


@pytest.mark.parametrize("text", ["1999", "2101-Q1"])
def test_year_outside_2000_2100_is_refused(text):
    with pytest.raises(PeriodError, match="ngoài khoảng 2000–2100"):
        parse_period(text)


# --------------------------------------------------------------------------- another cut-off day


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [
        ("2024-Q1", D(2023, 12, 21), D(2024, 3, 20)),
        ("2024-Q3", D(2024, 6, 21), D(2024, 9, 20)),
        ("2024-H1", D(2023, 12, 21), D(2024, 6, 20)),
        ("2024", D(2023, 12, 21), D(2024, 12, 20)),
    ],
)
def test_custom_cutoff_day_moves_the_window(text, start, end):
    period = parse_period(text, cutoff_day=20)
    assert (period.start, period.end) == (start, end)
    assert period.label == parse_period(text).label


def test_cutoff_on_the_first_of_the_month():
    period = parse_period("2024-Q2", cutoff_day=1)
    assert (period.start, period.end) == (D(2024, 3, 2), D(2024, 6, 1))


@pytest.mark.parametrize("day", [0, 29, 31])
def test_cutoff_day_must_exist_in_every_month(day):
    with pytest.raises(PeriodError, match="Ngày chốt số liệu"):
        parse_period("2024-Q1", cutoff_day=day)


def test_quarters_of_a_period_keep_its_cutoff_day():
    half = parse_period("2024-H1", cutoff_day=20)
    first, second = quarters_of(half)
    assert (first.start, second.end) == (half.start, half.end)


@pytest.mark.parametrize(
    ("text", "previous", "last_year"),
    [
        ("2024-Q1", "2023-Q4", "2023-Q1"),
        ("2024-Q2", "2024-Q1", "2023-Q2"),
        ("2024-Q3", "2024-Q2", "2023-Q3"),
        ("2024-Q4", "2024-Q3", "2023-Q4"),
        ("2024-H1", "2023-H1", "2023-H1"),
        ("2024-9M", "2023-9M", "2023-9M"),
        ("2024", "2023", "2023"),
    ],
)
def test_previous_period_and_same_period_last_year(text, previous, last_year):
    period = parse_period(text)
    assert previous_period(period).code == previous
    assert same_period_last_year(period).code == last_year
    # the previous period ends where this one's data window starts (a quarter), or a year before
    if period.kind.startswith("Q"):
        assert previous_period(period).end + dt.timedelta(days=1) == period.start
    else:
        assert previous_period(period).end.replace(year=period.year) == period.end


def test_previous_period_keeps_the_cutoff_day_and_stops_at_2000():
    period = parse_period("2024-Q1", cutoff_day=10)
    assert previous_period(period) == parse_period("2023-Q4", cutoff_day=10)
    assert same_period_last_year(parse_period("2024-9M", cutoff_day=10)).end == D(2023, 9, 10)
    with pytest.raises(PeriodError):
        previous_period(parse_period("2000-Q1"))
    with pytest.raises(PeriodError):
        same_period_last_year(parse_period("2000"))
