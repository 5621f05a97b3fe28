"""The outbox: digests queued for delivery, and the postings each subscriber has been sent.

A digest row and the delivery rows of its postings are written in one transaction, so a posting
is recorded as "given to this subscriber" exactly when a digest holding it is queued. A relay then
sends pending rows and marks them sent; a crash between the two leaves the row pending, and the
same Message-ID is reused when it is sent again.

States: ``pending`` (due at ``next_attempt_at``), ``sent``, ``failed`` (never delivered, with the
reason), ``cancelled`` (dropped unsent), and ``maybe-delivered``: tries sent the whole message but
no reply came (``unknown_outcomes`` counts them), so it may have arrived; such a row is never
sent again unless an operator requeues it by its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, delete, func, select, update

from pipeline.posting import Posting
from pipeline.store.postings import POSTING_COLUMNS, row_to_posting
from pipeline.store.schema import deliveries, outbox, postings, subscribers, utcnow

#: The final state of a digest that may have been delivered (sent whole, never answered).
MAYBE_DELIVERED = "maybe-delivered"
#: Subscribers whose deliveries ``delivered_postings_of`` reads in one query.
_SUBSCRIBERS_PER_QUERY = 500


@dataclass
class OutboxRow:
    """One queued digest."""

    id: int
    subscriber_id: int | None
    recipient: str
    message_id: str
    subject: str
    message: str
    status: str
    attempts: int
    last_error: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    sent_at: datetime | None
    unknown_outcomes: int = 0
    claimed_by: str | None = None
    claimed_until: datetime | None = None
    sending_at: datetime | None = None


#: ``mark_sent``'s statement, built once (it runs for every message).
_SENT = (update(outbox).where(outbox.c.id == bindparam("row"))
         .values(status="sent", sent_at=bindparam("sent_at"), last_error=None,
                 attempts=outbox.c.attempts + 1, claimed_by=None, claimed_until=None,
                 sending_at=None))


class OutboxMixin:
    """Outbox and delivery queries of ``Store``."""

    def sent_posting_ids(self, subscriber_id: int) -> set[int]:
        """Postings already put in a digest for this subscriber (never to be sent again)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(deliveries.c.posting_id).where(
                deliveries.c.subscriber_id == subscriber_id))
            return {r.posting_id for r in rows}

    def delivered_postings(self, subscriber_id: int) -> list[Posting]:
        """Every posting already put in a digest for this subscriber, open or closed."""
        query = (select(*POSTING_COLUMNS).join(deliveries, deliveries.c.posting_id == postings.c.id)
                 .where(deliveries.c.subscriber_id == subscriber_id))
        with self.engine.connect() as conn:
            return [row_to_posting(row) for row in conn.execute(query)]

    def delivered_postings_of(self, subscriber_ids: Iterable[int]) -> dict[int, list[Posting]]:
        """``delivered_postings`` of many subscribers in two queries a few hundred subscribers
        at a time; each posting is built once however many subscribers had it."""
        ids = sorted(set(subscriber_ids))
        had: dict[int, list[Posting]] = {i: [] for i in ids}
        built: dict[int, Posting] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _SUBSCRIBERS_PER_QUERY):
                some = ids[start:start + _SUBSCRIBERS_PER_QUERY]
                pairs = conn.execute(select(deliveries.c.subscriber_id, deliveries.c.posting_id)
                                     .where(deliveries.c.subscriber_id.in_(some))).all()
                wanted = select(deliveries.c.posting_id).where(
                    deliveries.c.subscriber_id.in_(some))
                for row in conn.execute(select(*POSTING_COLUMNS).where(
                        postings.c.id.in_(wanted))):
                    if row.id not in built:
                        built[row.id] = row_to_posting(row)
                for subscriber_id, posting_id in pairs:
                    if posting_id in built:
                        had[subscriber_id].append(built[posting_id])
        return had

    def enqueue_digest(self, subscriber_id: int, recipient: str, message_id: str, subject: str,
                       message: str, scores: dict[int, float], now: datetime | None = None) -> int:
        """Queue a digest and record its postings as delivered, in one transaction."""
        return self.enqueue_digests([(subscriber_id, recipient, message_id, subject, message,
                                      scores)], now)[0]

    def enqueue_digests(self, digests: list[tuple], now: datetime | None = None) -> list[int]:
        """Queue digests, each (subscriber_id, recipient, message_id, subject, message, scores),
        recording their postings as delivered, all in one transaction; their outbox ids."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            ids = _insert_digests(conn, digests, now)
            _record_deliveries(conn, digests, ids, now)
        return ids

    def outbox_rows(self, statuses: Iterable[str] = ("pending", "failed")) -> list[OutboxRow]:
        """Outbox rows in the given states, oldest first."""
        query = select(outbox).where(outbox.c.status.in_(list(statuses))).order_by(outbox.c.id)
        with self.engine.connect() as conn:
            return [OutboxRow(**r._mapping) for r in conn.execute(query)]

    def mark_sent(self, outbox_id: int, now: datetime | None = None) -> None:
        """The server accepted the digest."""
        with self.engine.begin() as conn:
            conn.execute(_SENT, {"row": outbox_id, "sent_at": now or utcnow()})

    def mark_retry(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        """Sending failed for now; try again at ``next_attempt_at``."""
        self._set_outbox(outbox_id, last_error=error, next_attempt_at=next_attempt_at,
                         attempts=outbox.c.attempts + 1)

    def mark_unknown(self, outbox_id: int, error: str, next_attempt_at: datetime) -> None:
        """Sent whole but not answered: maybe delivered; one more try at ``next_attempt_at``."""
        self._set_outbox(outbox_id, last_error=error, next_attempt_at=next_attempt_at,
                         attempts=outbox.c.attempts + 1,
                         unknown_outcomes=outbox.c.unknown_outcomes + 1)

    def mark_maybe_delivered(self, outbox_id: int, error: str, *, unknown: bool = True) -> None:
        """Give up on a row that may have been delivered; it is never sent again by itself.

        ``unknown``: this try's own outcome is unknown too (else it failed before the message).
        """
        self._set_outbox(outbox_id, status=MAYBE_DELIVERED, last_error=error,
                         attempts=outbox.c.attempts + 1,
                         unknown_outcomes=outbox.c.unknown_outcomes + int(unknown))

    def mark_failed(self, outbox_id: int, error: str) -> None:
        """Sending can never succeed; keep the row with the reason."""
        self._set_outbox(outbox_id, status="failed", last_error=error,
                         attempts=outbox.c.attempts + 1)

    def requeue(self, outbox_ids: Iterable[int] | None = None, now: datetime | None = None) -> int:
        """Put failed rows (all, or these) back to pending, due now; waiting pending ones too.

        Attempts start again from zero, so a requeued digest gets the full retry budget. A
        ``maybe-delivered`` row is requeued only by its id; its unknown outcomes are kept, so
        one more try without a reply makes it ``maybe-delivered`` again.
        """
        query = update(outbox).where(outbox.c.status.in_(["failed", "pending"]))
        if outbox_ids is not None:
            query = update(outbox).where(outbox.c.status.in_(["failed", "pending",
                                                              MAYBE_DELIVERED]),
                                         outbox.c.id.in_(list(outbox_ids)))
        with self.engine.begin() as conn:
            return conn.execute(query.values(status="pending", attempts=0,
                                             next_attempt_at=now or utcnow())).rowcount

    def outbox_rows_by_id(self, outbox_ids: Iterable[int]) -> dict[int, OutboxRow]:
        """Outbox rows as they are now (one query), by id; ids not found are left out."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(outbox).where(outbox.c.id.in_(list(outbox_ids))))
            return {row.id: OutboxRow(**row._mapping) for row in rows}

    def still_open(self, posting_ids: Iterable[int]) -> set[int]:
        """Which of these postings are still open (one query; checked just before sending)."""
        ids = list(posting_ids)
        # By id, then filtered: for "id IN (...) AND closed_at IS NULL" SQLite takes the
        # open-postings index and scans every open posting, once per call.
        with self.engine.connect() as conn:
            rows = conn.execute(select(postings.c.id, postings.c.closed_at).where(
                postings.c.id.in_(ids)))
            return {row.id for row in rows if row.closed_at is None}

    def release_postings(self, outbox_id: int, posting_ids: Iterable[int], *,
                         claimed_by: str | None = None) -> bool:
        """Take postings out of a queued digest (closed before sending): they count as unsent.
        With ``claimed_by``, only while that relay still claims the pending row; False if not."""
        with self.engine.begin() as conn:
            if not _hold_claim(conn, outbox_id, claimed_by):
                return False
            conn.execute(delete(deliveries).where(deliveries.c.outbox_id == outbox_id,
                                                  deliveries.c.posting_id.in_(list(posting_ids))))
        return True

    def cancel_outbox(self, outbox_id: int, reason: str, *,
                      claimed_by: str | None = None) -> bool:
        """Drop a pending digest unsent (paused, all closed); its postings count as unsent.
        With ``claimed_by``, only while that relay still claims the pending row; False if not."""
        with self.engine.begin() as conn:
            if not _hold_claim(conn, outbox_id, claimed_by):
                return False
            cancel_pending(conn, reason, outbox_id=outbox_id)
        return True

    def _set_outbox(self, outbox_id: int, **values) -> None:
        """Record an outcome: the row's values, its claim and send in flight cleared."""
        values.update(claimed_by=None, claimed_until=None, sending_at=None)
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == outbox_id).values(**values))


def _hold_claim(conn, outbox_id: int, claimed_by: str | None) -> bool:
    """Whether ``claimed_by`` still claims the pending row (always, for None), locking it for
    the rest of the transaction with a write that changes nothing: a relay taking an expired
    claim over waits for this transaction, then finds the row no longer pending."""
    if claimed_by is None:
        return True
    return conn.execute(update(outbox).where(
        outbox.c.id == outbox_id, outbox.c.claimed_by == claimed_by,
        outbox.c.status == "pending").values(claimed_by=claimed_by)).rowcount == 1


def cancel_pending(conn, reason: str, *, outbox_id: int | None = None,
                   subscriber_id: int | None = None) -> None:
    """Cancel pending digests (one, or all of a subscriber's) as if they had never been queued.

    Their postings count as unsent again, and the subscriber's ``last_digest_at`` goes back to
    their latest digest not cancelled: the postings of a digest dropped because the subscriber
    paused or unsubscribed are still new to them when they resume or undo. A digest an earlier
    try may have delivered (unknown outcome) becomes ``maybe-delivered`` instead, postings kept.
    """
    query = select(outbox.c.id, outbox.c.subscriber_id, outbox.c.unknown_outcomes).where(
        outbox.c.status == "pending")
    if outbox_id is not None:
        query = query.where(outbox.c.id == outbox_id)
    if subscriber_id is not None:
        query = query.where(outbox.c.subscriber_id == subscriber_id)
    rows = conn.execute(query).all()
    maybe = [row.id for row in rows if row.unknown_outcomes]
    if maybe:
        conn.execute(update(outbox).where(outbox.c.id.in_(maybe)).values(
            status=MAYBE_DELIVERED, last_error=f"{reason}; an earlier try may have been delivered"))
    rows = [row for row in rows if not row.unknown_outcomes]
    if not rows:
        return
    ids = [row.id for row in rows]
    conn.execute(delete(deliveries).where(deliveries.c.outbox_id.in_(ids)))
    conn.execute(update(outbox).where(outbox.c.id.in_(ids))
                 .values(status="cancelled", last_error=reason))
    for owner in {row.subscriber_id for row in rows} - {None}:
        latest = conn.execute(select(func.max(outbox.c.created_at)).where(
            outbox.c.subscriber_id == owner, outbox.c.status != "cancelled")).scalar()
        conn.execute(update(subscribers).where(subscribers.c.id == owner)
                     .values(last_digest_at=latest))


def _insert_digests(conn, digests: list[tuple], now: datetime) -> list[int]:
    """Insert pending digests on ``conn`` (one executemany), then read their outbox ids by
    their unique Message-IDs (a few hundred at a time); the ids, in order."""
    if not digests:
        return []
    rows = [{"subscriber_id": subscriber_id, "recipient": recipient, "message_id": message_id,
             "subject": subject, "message": message, "status": "pending", "attempts": 0,
             "created_at": now, "next_attempt_at": now}
            for subscriber_id, recipient, message_id, subject, message, *_ in digests]
    conn.execute(outbox.insert(), rows)
    message_ids = [row["message_id"] for row in rows]
    id_of = {}
    for start in range(0, len(message_ids), _SUBSCRIBERS_PER_QUERY):
        some = message_ids[start:start + _SUBSCRIBERS_PER_QUERY]
        id_of.update(conn.execute(select(outbox.c.message_id, outbox.c.id).where(
            outbox.c.message_id.in_(some))).all())
    return [id_of[message_id] for message_id in message_ids]


def _record_deliveries(conn, digests: list[tuple], ids: list[int], now: datetime) -> None:
    """The deliveries of every digest queued (one statement) and each subscriber's
    ``last_digest_at`` (one statement per ``_SUBSCRIBERS_PER_QUERY`` subscribers)."""
    rows = [{"subscriber_id": digest[0], "posting_id": posting_id, "outbox_id": outbox_id,
             "score": score, "created_at": now}
            for digest, outbox_id in zip(digests, ids, strict=True)
            for posting_id, score in digest[5].items()]
    if rows:
        conn.execute(deliveries.insert(), rows)
    who = sorted({digest[0] for digest in digests})
    for start in range(0, len(who), _SUBSCRIBERS_PER_QUERY):
        conn.execute(update(subscribers).where(
            subscribers.c.id.in_(who[start:start + _SUBSCRIBERS_PER_QUERY]))
            .values(last_digest_at=now))
