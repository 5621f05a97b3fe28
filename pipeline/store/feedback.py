"""Feedback: what each subscriber said about postings through a digest's feedback links.

One row per subscriber and posting, so a link followed twice records one judgment; a later
click on the other link (or another reason) replaces the earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select, update

from pipeline.posting import Posting
from pipeline.store.postings import POSTING_COLUMNS, row_to_posting
from pipeline.store.schema import feedback, postings, subscribers, utcnow

#: The verdicts a feedback link records.
VERDICTS = ("more", "not")
#: The one-click reasons of "not for me", with the words the page shows.
REASONS = {"location": "Wrong location", "pay": "Pay too low", "role": "Wrong role",
           "license": "Needs a license I don't have", "employer": "Not this employer"}


@dataclass(frozen=True)
class Judgment:
    """One subscriber's verdict on one posting."""

    subscriber_id: int
    posting: Posting
    verdict: str
    reason: str | None
    created_at: datetime


class FeedbackMixin:
    """Record and read feedback."""

    def record_feedback(self, subscriber_id: int, posting_id: int, verdict: str,
                        reason: str | None = None, now: datetime | None = None) -> None:
        """Record (or replace) a subscriber's verdict on a posting; the same one twice is a
        no-op. ValueError for a verdict or reason not in VERDICTS / REASONS."""
        if verdict not in VERDICTS or (reason is not None and reason not in REASONS):
            raise ValueError(f"unknown feedback {verdict!r} / {reason!r}")
        key = (feedback.c.subscriber_id == subscriber_id) & (feedback.c.posting_id == posting_id)
        with self.engine.begin() as conn:
            found = conn.execute(select(feedback.c.verdict, feedback.c.reason).where(key)).first()
            if found is None:
                conn.execute(insert(feedback).values(
                    subscriber_id=subscriber_id, posting_id=posting_id, verdict=verdict,
                    reason=reason, created_at=now or utcnow()))
            elif tuple(found) != (verdict, reason):
                conn.execute(update(feedback).where(key).values(
                    verdict=verdict, reason=reason, created_at=now or utcnow()))

    def feedback_of(self, subscriber_id: int | None = None) -> list[Judgment]:
        """The judgments of one subscriber (None: of everyone), oldest first, with postings."""
        query = (select(*POSTING_COLUMNS, feedback.c.subscriber_id, feedback.c.verdict,
                        feedback.c.reason, feedback.c.created_at.label("judged_at"))
                 .select_from(feedback)
                 .join(postings, postings.c.id == feedback.c.posting_id)
                 .join(subscribers, subscribers.c.id == feedback.c.subscriber_id)
                 .where(subscribers.c.purged_at.is_(None))
                 .order_by(feedback.c.created_at, feedback.c.posting_id))
        if subscriber_id is not None:
            query = query.where(feedback.c.subscriber_id == subscriber_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [Judgment(row.subscriber_id, row_to_posting(row), row.verdict, row.reason,
                         row.judged_at) for row in rows]

    def forget_feedback(self, subscriber_id: int) -> int:
        """Delete a subscriber's feedback (their data is being deleted); how many rows went."""
        with self.engine.begin() as conn:
            return conn.execute(delete(feedback).where(
                feedback.c.subscriber_id == subscriber_id)).rowcount
