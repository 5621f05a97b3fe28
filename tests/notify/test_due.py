"""When a daily or weekly digest is due, in the subscriber's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

from pipeline.notify.due import is_due, last_slot, next_slot
from pipeline.store import Subscriber


def _sub(**fields) -> Subscriber:
    return Subscriber(id=1, email="a@example.org", **fields)


def test_instant_is_always_due_while_active():
    assert is_due(_sub(), datetime(2026, 1, 1, tzinfo=UTC))
    assert not is_due(_sub(paused=True), datetime(2026, 1, 1, tzinfo=UTC))


def test_daily_due_after_the_local_send_time_once_a_day():
    sub = _sub(frequency="daily", send_at=time(8, 0), timezone="America/Chicago")
    # 13:59 UTC is 07:59 in Chicago (CST, UTC-6): yesterday's digest was already sent
    sent_yesterday = sub.model_copy(update={"last_digest_at": datetime(2026, 1, 14, 14, 5,
                                                                       tzinfo=UTC)})
    assert not is_due(sent_yesterday, datetime(2026, 1, 15, 13, 59, tzinfo=UTC))
    assert is_due(sent_yesterday, datetime(2026, 1, 15, 14, 0, tzinfo=UTC))
    sent_today = sub.model_copy(update={"last_digest_at": datetime(2026, 1, 15, 14, 1,
                                                                   tzinfo=UTC)})
    assert not is_due(sent_today, datetime(2026, 1, 15, 23, 0, tzinfo=UTC))
    assert is_due(sub, datetime(2026, 1, 15, 3, 0, tzinfo=UTC))  # never sent: due at once


def test_daily_follows_daylight_saving():
    sub = _sub(frequency="daily", send_at=time(8, 0), timezone="America/New_York")
    assert last_slot(sub, datetime(2026, 1, 15, 18, tzinfo=UTC)).astimezone(UTC).hour == 13
    assert last_slot(sub, datetime(2026, 7, 15, 18, tzinfo=UTC)).astimezone(UTC).hour == 12


def test_weekly_on_its_weekday():
    sub = _sub(frequency="weekly", weekday="wed", send_at=time(9, 30), timezone="UTC",
               last_digest_at=datetime(2026, 1, 7, 9, 31, tzinfo=UTC))  # a Wednesday
    assert not is_due(sub, datetime(2026, 1, 13, 12, tzinfo=UTC))  # Tuesday
    assert not is_due(sub, datetime(2026, 1, 14, 9, 29, tzinfo=UTC))
    assert is_due(sub, datetime(2026, 1, 14, 9, 30, tzinfo=UTC))
    assert next_slot(sub, datetime(2026, 1, 14, 10, tzinfo=UTC)) == \
        datetime(2026, 1, 21, 9, 30, tzinfo=UTC)
