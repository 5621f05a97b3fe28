"""The postings a report counts: open or closed within the window, each opening once.

A posting counts in a window of N days when it is open now or closed in the last N days: it was
on offer during the window. Duplicates marked by ``pipeline.dedupe`` (``canonical_id`` set) are
left out, and listings left with the same opening key (employer, title, place), such as a closed
canonical listing and the duplicate that took its place, count once (the open one, else the
oldest).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select

from pipeline.normalize.opening import opening_key
from pipeline.posting import Posting
from pipeline.store import Store
from pipeline.store.postings import POSTING_COLUMNS, row_to_posting
from pipeline.store.schema import postings, utcnow

#: The windows a report covers, in days.
WINDOWS = (30, 90)


def window_postings(store: Store, days: int, now: datetime | None = None) -> list[Posting]:
    """Canonical postings open now or closed in the last ``days`` days, one per opening."""
    since = (now or utcnow()) - timedelta(days=days)
    query = select(*POSTING_COLUMNS).where(
        postings.c.canonical_id.is_(None),
        or_(postings.c.closed_at.is_(None), postings.c.closed_at >= since)
    ).order_by(postings.c.closed_at.is_not(None), postings.c.id)
    with store.engine.connect() as conn:
        found = [row_to_posting(row) for row in conn.execute(query)]
    return once_per_opening(found)


def once_per_opening(found: list[Posting]) -> list[Posting]:
    """The first posting of each opening key (postings without an employer are each kept)."""
    seen: set[tuple] = set()
    kept = []
    for posting in found:
        key = opening_key(posting)
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        kept.append(posting)
    return kept
