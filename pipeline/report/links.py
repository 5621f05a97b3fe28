"""The report's link in digests: its URL, and whether this digest carries it.

With ``report: monthly`` (a subscriber setting, off by default) the first digest queued in each
calendar month (UTC) links to the subscriber's report, so the link comes about once a month
whatever the digest frequency. Whether a digest carries it follows from the outbox, so rendering
the same digest again gives the same message.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from pipeline.config import JobsConfig
from pipeline.store import Store, Subscriber
from pipeline.store.schema import outbox


def report_url(config: JobsConfig, token: str) -> str:
    """The signed address of a subscriber's report page."""
    return f"{config.email.unsubscribe_url.rstrip('/')}/report/{token}"


def first_of_month(store: Store, subscriber_id: int, when: datetime,
                   before_id: int | None = None) -> bool:
    """Whether no digest of this subscriber was queued earlier in ``when``'s month (earlier:
    with an outbox id below ``before_id`` when given)."""
    start = when.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    query = select(outbox.c.id).where(outbox.c.subscriber_id == subscriber_id,
                                      outbox.c.created_at >= start,
                                      outbox.c.created_at <= when)
    if before_id is not None:
        query = query.where(outbox.c.id < before_id)
    with store.engine.connect() as conn:
        return conn.execute(query.limit(1)).first() is None


def digest_report_url(config: JobsConfig, store: Store, subscriber: Subscriber, token: str,
                      when: datetime, outbox_id: int | None = None) -> str | None:
    """The report link for this digest, or None (setting off, or not the month's first)."""
    if subscriber.report != "monthly":
        return None
    if not first_of_month(store, subscriber.id, when, outbox_id):
        return None
    return report_url(config, token)
