"""Date parsing: every result is an aware UTC datetime."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from pipeline.normalize import parse_date, parse_deadline

MOMENT = datetime(2024, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("value", [
    "2024-01-15T10:00:00Z",
    "2024-01-15T10:00:00+00:00",
    "2024-01-15T05:00:00-05:00",
    "2024-01-15T10:00:00",  # no zone: taken as UTC
    "2024-01-15 10:00:00",
    1705312800,  # epoch seconds
    1705312800000,  # epoch milliseconds (Lever createdAt)
    "1705312800",
    "1705312800000",
    1705312800.0,
    "Mon, 15 Jan 2024 10:00:00 GMT",  # RFC 822, as RSS sends it
    "Mon, 15 Jan 2024 11:00:00 +0100",
    datetime(2024, 1, 15, 10, 0),
    datetime(2024, 1, 15, 11, 0, tzinfo=timezone(timedelta(hours=1))),
])
def test_every_format_gives_the_same_utc_moment(value):
    parsed = parse_date(value)
    assert parsed == MOMENT
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)


def test_date_only_is_midnight_utc():
    assert parse_date("2024-01-15") == datetime(2024, 1, 15, tzinfo=UTC)
    assert parse_date(date(2024, 1, 15)) == datetime(2024, 1, 15, tzinfo=UTC)


def test_fractional_seconds_are_kept():
    assert parse_date("2024-01-15T10:00:00.250Z") == MOMENT + timedelta(milliseconds=250)


@pytest.mark.parametrize("value", [None, "", "   ", "not a date", True, "soon"])
def test_unreadable_values_give_none(value):
    assert parse_date(value) is None


def test_a_value_without_zone_is_read_in_the_boards_zone():
    eastern = ZoneInfo("America/New_York")
    assert parse_date("2026-12-15T23:59:59.9970", zone=eastern) == datetime(
        2026, 12, 16, 4, 59, 59, 997000, tzinfo=UTC)  # EST is UTC-5
    assert parse_date("2026-07-01T09:00:00", zone=eastern) == datetime(
        2026, 7, 1, 13, 0, tzinfo=UTC)  # EDT is UTC-4
    assert parse_date("2026-07-01", zone=eastern) == datetime(2026, 7, 1, 4, 0, tzinfo=UTC)
    assert parse_date("2026-07-01T09:00:00Z", zone=eastern) == datetime(
        2026, 7, 1, 9, 0, tzinfo=UTC)  # a stated zone wins


def test_a_closing_date_alone_lasts_the_whole_day():
    assert parse_deadline("2026-12-18") == datetime(2026, 12, 18, 23, 59, 59, tzinfo=UTC)
    assert parse_deadline(date(2026, 12, 18)) == datetime(2026, 12, 18, 23, 59, 59, tzinfo=UTC)
    assert parse_deadline("2026-12-18", zone=ZoneInfo("America/Chicago")) == datetime(
        2026, 12, 19, 5, 59, 59, tzinfo=UTC)
    assert parse_deadline("2026-12-18T12:00:00Z") == datetime(2026, 12, 18, 12, tzinfo=UTC)
    assert parse_deadline("2026-02-30") is None
    assert parse_deadline(None) is None
