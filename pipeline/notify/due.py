"""When a subscriber's digest is due.

- ``instant``: on every run (a digest goes out whenever a run finds something new for them).
- ``daily``: the latest "slot" is today's ``send_at`` in the subscriber's time zone if that moment
  has passed, else yesterday's. The digest is due when no digest was queued since that slot. So the
  first run after 08:00 local sends the day's digest; if that run had nothing new, a later run the
  same day may still send one; after one is sent, nothing more until tomorrow's slot.
- ``weekly``: the same with one slot a week, on ``weekday`` at ``send_at``.

Local times follow the subscriber's time zone, daylight saving included.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pipeline.store import Subscriber

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def last_slot(subscriber: Subscriber, now: datetime) -> datetime | None:
    """The latest scheduled send moment at or before ``now`` (None for instant subscribers)."""
    if subscriber.frequency == "instant":
        return None
    zone = ZoneInfo(subscriber.timezone)
    local_now = now.astimezone(zone)
    day = local_now.date()
    step = timedelta(days=1)
    if subscriber.frequency == "weekly":
        day -= timedelta(days=(local_now.weekday() - WEEKDAYS.index(subscriber.weekday)) % 7)
        step = timedelta(days=7)
    slot = datetime.combine(day, subscriber.send_at, tzinfo=zone)
    if slot > local_now:
        slot = datetime.combine(day - step, subscriber.send_at, tzinfo=zone)
    return slot


def is_due(subscriber: Subscriber, now: datetime) -> bool:
    """Whether a digest may be queued for this subscriber now."""
    if not subscriber.active:
        return False
    slot = last_slot(subscriber, now)
    if slot is None:
        return True
    return subscriber.last_digest_at is None or subscriber.last_digest_at < slot


def next_slot(subscriber: Subscriber, now: datetime) -> datetime | None:
    """The next scheduled send moment after ``now`` (None for instant subscribers)."""
    slot = last_slot(subscriber, now)
    if slot is None:
        return None
    days = 7 if subscriber.frequency == "weekly" else 1
    return datetime.combine(slot.date() + timedelta(days=days), subscriber.send_at,
                            tzinfo=slot.tzinfo)
