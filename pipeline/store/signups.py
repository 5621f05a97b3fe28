"""Sign-ups waiting for confirmation (double opt-in), and the notices mailed through the outbox.

An address has at most one waiting sign-up: while it waits, signing up again neither replaces
it nor mails anything, so an address gets one confirmation message until the link in it is
followed or the sign-up expires (and is purged). A notice is an outbox row that belongs to no
subscriber (``message`` is ``{"kind": "notice", ...}``), sent by the same relay as digests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from pipeline.store.schema import outbox, signups, utcnow


@dataclass(frozen=True)
class Signup:
    """A sign-up waiting for confirmation."""

    id: int
    email: str
    data: dict
    created_at: datetime
    expires_at: datetime


class SignupsMixin:
    """Sign-up rows and notices of ``Store``."""

    def add_signup(self, email: str, data: dict, expires_at: datetime,
                   now: datetime | None = None) -> Signup | None:
        """Record a sign-up; None when the address already has one waiting (nothing changes)."""
        now = now or utcnow()
        self.purge_signups(now)
        try:
            with self.engine.begin() as conn:
                new_id = conn.execute(insert(signups).values(
                    email=email, data=data, created_at=now, expires_at=expires_at)
                ).inserted_primary_key[0]
        except IntegrityError:
            return None
        return Signup(new_id, email, data, now, expires_at)

    def signup(self, signup_id: int, now: datetime | None = None) -> Signup | None:
        """The waiting sign-up with this id, unless it expired."""
        self.purge_signups(now or utcnow())
        with self.engine.connect() as conn:
            row = conn.execute(select(signups).where(signups.c.id == signup_id)).first()
        return Signup(row.id, row.email, row.data, row.created_at, row.expires_at) if row else None

    def remove_signup(self, signup_id: int) -> None:
        """Delete a sign-up (it was confirmed)."""
        with self.engine.begin() as conn:
            conn.execute(delete(signups).where(signups.c.id == signup_id))

    def purge_signups(self, now: datetime | None = None) -> int:
        """Delete expired sign-ups, their data with them; how many went."""
        with self.engine.begin() as conn:
            return conn.execute(delete(signups).where(
                signups.c.expires_at <= (now or utcnow()))).rowcount

    def enqueue_notice(self, recipient: str, message_id: str, subject: str, message: str,
                       now: datetime | None = None) -> int:
        """Queue a message that belongs to no subscriber (a sign-up confirmation)."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            return conn.execute(outbox.insert().values(
                subscriber_id=None, recipient=recipient, message_id=message_id,
                subject=subject, message=message, status="pending", attempts=0,
                created_at=now, next_attempt_at=now)).inserted_primary_key[0]
