"""Claims on outbox rows: several relay workers share the outbox, each row sent by one of them.

A relay claims a small batch of due pending rows for itself until an expiry, in one short
transaction: on PostgreSQL the rows are picked with ``SELECT ... FOR UPDATE SKIP LOCKED`` (a
worker never waits on another's pick) and then marked; on SQLite one ``UPDATE`` picks and marks
them (SQLite runs one writer at a time). Either way the claim is set only on rows still free, a
compare-and-set. Just before handing a row to the server the claimer
records the try (``sending_at``) and extends its claim, again only if the row is still its own;
recording the outcome (``mark_*``) clears both. A claim whose worker died is taken over once it
expires; a row taken over with ``sending_at`` set was in flight when its worker died, and the
relay counts that try as one unknown outcome.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Boolean, bindparam, exists, or_, select, update

from pipeline.store.outbox import OutboxRow
from pipeline.store.schema import outbox, postings, subscribers, utcnow

#: ``begin_send``'s statement, built once: the row still pending and the worker's.
_BEGIN = (update(outbox).where(outbox.c.id == bindparam("row"),
                               outbox.c.claimed_by == bindparam("worker"),
                               outbox.c.status == "pending")
          .values(sending_at=bindparam("sending_at"), claimed_until=bindparam("claimed_until")))
#: ... and for a digest: its subscriber still receiving digests, none of its postings closed.
_BEGIN_DIGEST = _BEGIN.where(
    or_(bindparam("any_subscriber", type_=Boolean), exists().where(
        subscribers.c.id == bindparam("subscriber"), subscribers.c.paused.is_(False),
        subscribers.c.unsubscribed_at.is_(None), subscribers.c.removed_at.is_(None),
        subscribers.c.purged_at.is_(None))),
    ~exists().where(postings.c.id.in_(bindparam("postings", expanding=True)),
                    postings.c.closed_at.is_not(None)))


def worker_name() -> str:
    """This relay's name in claims: 'web-1 pid 4242 #1f2e3d4c' (a new one per relay)."""
    return f"{socket.gethostname()} pid {os.getpid()} #{uuid.uuid4().hex[:8]}"


class ClaimsMixin:
    """Outbox claim queries of ``Store``."""

    def claim_outbox(self, worker: str, *, ttl: float, limit: int, due_by: datetime,
                     after: int = 0) -> list[OutboxRow]:
        """Claim for ``worker`` up to ``limit`` pending rows due by ``due_by`` with an id above
        ``after`` that nobody holds (or whose claim expired); the rows claimed, oldest first."""
        now = utcnow()
        free = or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now)
        claimable = (outbox.c.status == "pending", free, outbox.c.id > after,
                     or_(outbox.c.next_attempt_at.is_(None), outbox.c.next_attempt_at <= due_by))
        pick = select(outbox.c.id).where(*claimable).order_by(outbox.c.id).limit(limit)
        values = {"claimed_by": worker, "claimed_until": now + timedelta(seconds=ttl)}
        with self.engine.begin() as conn:
            if self.engine.dialect.name == "postgresql":  # lock the batch, skip others' rows
                ids = list(conn.execute(pick.with_for_update(skip_locked=True)).scalars())
                chosen = outbox.c.id.in_(ids)
            else:  # one UPDATE: SQLite runs one writer at a time
                chosen = outbox.c.id.in_(pick.scalar_subquery())
            claim = update(outbox).where(chosen, *claimable).values(**values)
            rows = [OutboxRow(**row._mapping) for row in conn.execute(claim.returning(*outbox.c))]
        return sorted(rows, key=lambda row: row.id)

    def begin_send(self, outbox_id: int, worker: str, ttl: float, *,
                   subscriber_id: int | None = None, posting_ids: Iterable[int] = ()) -> bool:
        """Record that ``worker`` hands the row to the server now, extending its claim by ``ttl``
        seconds; False (send nothing) when the row is no longer pending and claimed by it, or,
        checked in the same statement, the subscriber ``subscriber_id`` no longer receives
        digests or one of ``posting_ids`` has closed."""
        now = utcnow()
        values = {"row": outbox_id, "worker": worker, "sending_at": now,
                  "claimed_until": now + timedelta(seconds=ttl)}
        ids = list(posting_ids)
        if subscriber_id is None and not ids:
            query = _BEGIN
        else:
            query = _BEGIN_DIGEST
            values.update(subscriber=subscriber_id if subscriber_id is not None else -1,
                          any_subscriber=subscriber_id is None, postings=ids)
        with self.engine.begin() as conn:
            return conn.execute(query, values).rowcount == 1

    def release_claims(self, worker: str) -> int:
        """Give back the rows ``worker`` claimed and never began sending; how many."""
        query = (update(outbox).where(outbox.c.claimed_by == worker,
                                      outbox.c.sending_at.is_(None))
                 .values(claimed_by=None, claimed_until=None))
        with self.engine.begin() as conn:
            return conn.execute(query).rowcount
