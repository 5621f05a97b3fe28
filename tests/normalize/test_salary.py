"""Salary parsing from every shape boards send."""

from __future__ import annotations

import pytest

from pipeline.normalize import Salary, annualize, parse_period, parse_salary


@pytest.mark.parametrize(("text", "expected"), [
    ("$25-$32/hr", Salary(25, 32, "USD", "hour")),
    ("$85,000 - $95,000", Salary(85_000, 95_000, "USD", "year")),
    ("Negotiable", Salary(None, None, None, None)),
    ("$120,000+", Salary(120_000, None, "USD", "year")),
    ("USD 90k-110k per year", Salary(90_000, 110_000, "USD", "year")),
    ("£30,000", Salary(30_000, 30_000, "GBP", "year")),
    ("90-110k EUR", Salary(90_000, 110_000, "EUR", "year")),
    ("OTE $25k - $35k", Salary(25_000, 35_000, "USD", "year")),
    ("Up to $40 per hour", Salary(None, 40, "USD", "hour")),
    ("$4,500 - $6,000 monthly", Salary(4_500, 6_000, "USD", "month")),
    ("$3k - $10k", Salary(3_000, 10_000, "USD", None)),  # could be monthly: left unknown
    ("", Salary()),
])
def test_free_text(text, expected):
    assert parse_salary(text) == expected


def test_cents_as_greenhouse_sends_them():
    assert parse_salary((8_500_000, 9_500_000), currency="usd", cents=True) == Salary(
        85_000, 95_000, "USD", "year")


def test_numeric_strings_with_a_period_code_as_usajobs_sends_them():
    assert parse_salary(("72,553.00", "94,317.00"), period="PA") == Salary(
        72_553, 94_317, None, "year")
    assert parse_salary(("31.50", "40.95"), currency="USD", period="Per Hour") == Salary(
        31.5, 40.95, "USD", "hour")


def test_single_number_and_zero_meaning_unknown():
    assert parse_salary(60_000, currency="USD") == Salary(60_000, 60_000, "USD", "year")
    assert parse_salary((0, 0)) == Salary()
    assert parse_salary(None) == Salary()


def test_text_period_beats_the_default_period():
    assert parse_salary("$30/hr", period="year").period == "hour"


def test_reversed_range_is_ordered():
    assert parse_salary((95_000, 85_000)) == Salary(85_000, 95_000, None, "year")


@pytest.mark.parametrize(("value", "period"), [
    ("per-year-salary", "year"), ("per-hour-wage", "hour"), ("per-month-salary", "month"),
    ("PA", "year"), ("PH", "hour"), ("PD", "day"), ("PM", "month"), ("Per Year", "year"),
    ("Per Hour", "hour"), ("HOUR", "hour"), ("YEAR", "year"), ("1 YEAR", "year"),
    ("monthly", "month"), ("annual", "year"), ("hourly", "hour"), ("weekly", "week"),
    ("daily", "day"), ("PW", None), ("Bi-weekly", None), ("Fee Basis", None), (None, None),
])
def test_period_words_and_codes(value, period):
    assert parse_period(value) == period


def test_annualized_figures_for_filtering():
    assert parse_salary("$25-$32/hr").annual() == (25 * 2080, 32 * 2080)
    assert parse_salary("$3k - $10k").annual() == (None, None)
    assert annualize(5_000, "month") == 60_000
