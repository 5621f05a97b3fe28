"""Dates from every format the boards use, always as time-zone-aware UTC datetimes.

Accepted: ``datetime`` / ``date`` objects; ISO 8601 with or without a time zone (no zone means
UTC, or the board's own zone given as ``zone``: USAJOBS writes US Eastern time), date-only
strings; epoch seconds and epoch milliseconds as numbers or digit strings (told apart by
magnitude: above 10^11 it is milliseconds, i.e. any date after 1973 in ms); RFC 822 dates as RSS
feeds send them. Anything unreadable gives None, never an exception. ``parse_deadline`` reads a
closing date: a date alone means the end of that day, so a job is not closed a day early.
"""

from __future__ import annotations

import email.utils
import re
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from dateutil import parser as date_parser

MS_THRESHOLD = 100_000_000_000  # 10^11: as seconds that is year 5138, as ms it is 1973
_DIGITS = re.compile(r"^-?\d+(\.\d+)?$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_date(value: Any, *, zone: tzinfo = UTC) -> datetime | None:
    """A tz-aware UTC datetime from ISO text, a date, epoch s/ms or RFC 822; None if unreadable.

    A value without a time zone is read as local time in ``zone`` (UTC unless the board says).
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _utc(value, zone)
    if isinstance(value, date):
        return _utc(datetime(value.year, value.month, value.day), zone)
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    text = str(value).strip()
    if not text:
        return None
    if _DIGITS.match(text) and len(text.split(".")[0].lstrip("-")) >= 9:
        return _from_epoch(float(text))
    return _from_text(text, zone)


def parse_deadline(value: Any, *, zone: tzinfo = UTC) -> datetime | None:
    """Like ``parse_date``, but a date without a time is the last second of that day in ``zone``."""
    day = None
    if isinstance(value, date) and not isinstance(value, datetime):
        day = value
    elif isinstance(value, str) and _DATE_ONLY.match(value.strip()):
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            return None
    if day is None:
        return parse_date(value, zone=zone)
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=zone).astimezone(UTC)


def _from_epoch(number: float) -> datetime | None:
    """Epoch seconds or milliseconds, told apart by magnitude."""
    if number >= MS_THRESHOLD:
        number /= 1000
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _from_text(text: str, zone: tzinfo) -> datetime | None:
    """ISO 8601 first (fast, strict), then RFC 822, then dateutil's lenient parser."""
    try:
        return _utc(datetime.fromisoformat(text.replace("Z", "+00:00")), zone)
    except ValueError:
        pass  # not ISO; try the other formats
    try:
        return _utc(email.utils.parsedate_to_datetime(text), zone)
    except (TypeError, ValueError, IndexError):
        pass  # not RFC 822 either
    try:
        return _utc(date_parser.parse(text), zone)
    except (ValueError, OverflowError, date_parser.ParserError):
        return None


def _utc(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """The same moment in UTC; a naive datetime is taken to be local time in ``zone``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)
