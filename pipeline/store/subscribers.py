"""Subscribers: who gets digests, with their resume text and settings.

A subscriber taken out of jobs.yaml is *removed* (no digests, data kept, undone by putting them
back); a removed subscriber is *purged* after the grace period, or at once by
``pipeline subscribers remove``: name, resume, settings and digests are deleted and the row
becomes a tombstone whose ``email`` is a SHA-256 of the address. The tombstone keeps the record of
the postings sent (``deliveries``), so an address put back, in jobs.yaml or from the CLI, takes
the tombstone over and never gets a posting it already had. The address itself is not kept
(only someone who already knows it can match it to the hash).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from pydantic import ValidationError, field_validator
from sqlalchemy import delete, select, update

from pipeline.config import SubscriberConfig, check_email
from pipeline.errors import SubscriberError
from pipeline.store.outbox import cancel_pending
from pipeline.store.schema import deliveries, outbox, subscribers, utcnow

#: SubscriberConfig fields kept in the ``settings`` JSON column.
_SETTINGS = [name for name in SubscriberConfig.model_fields
             if name not in {"email", "name", "resume", "paused"}]


class Subscriber(SubscriberConfig):
    """A subscriber as stored: the config fields plus database state."""

    id: int
    resume_text: str | None = None
    #: ``size:mtime_ns:sha256`` of the resume file when it was last looked at
    resume_fingerprint: str | None = None
    #: Why the resume file could not be read (``resume_text`` is then the last good one, if any)
    resume_error: str | None = None
    from_config: bool = False
    created_at: datetime | None = None
    unsubscribed_at: datetime | None = None
    last_digest_at: datetime | None = None
    removed_at: datetime | None = None

    # An address is checked when it is saved; one saved before a stricter check is read as is.
    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return value

    @property
    def active(self) -> bool:
        """Receives digests: neither paused, unsubscribed nor removed."""
        return not self.paused and self.unsubscribed_at is None and self.removed_at is None


def tombstone_key(email: str) -> str:
    """What a purged subscriber's ``email`` becomes: a hash that recognises the address."""
    return "sha256:" + hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()


#: Subscribers that are not tombstones.
_LIVE = subscribers.c.purged_at.is_(None)


def _row_values(config: SubscriberConfig, resume_text: str | None, fingerprint: str | None,
                error: str | None) -> dict:
    return {
        "email": config.email,
        "name": config.name,
        "resume_path": str(config.resume) if config.resume else None,
        "resume_text": resume_text,
        "resume_fingerprint": fingerprint,
        "resume_error": error,
        "paused": config.paused,
        "settings": config.model_dump(mode="json", include=set(_SETTINGS)),
    }


#: Key of the ``settings`` JSON listing what the subscriber chose on the preferences page.
CHOSEN = "chosen_by_subscriber"


def _from_row(row) -> Subscriber:
    settings = {k: v for k, v in row.settings.items() if k != CHOSEN}
    return Subscriber.model_validate({
        **settings, "id": row.id, "email": row.email, "name": row.name,
        "resume": row.resume_path, "resume_text": row.resume_text, "paused": row.paused,
        "resume_fingerprint": row.resume_fingerprint, "resume_error": row.resume_error,
        "from_config": row.from_config, "created_at": row.created_at,
        "unsubscribed_at": row.unsubscribed_at, "last_digest_at": row.last_digest_at,
        "removed_at": row.removed_at,
    })


class SubscribersMixin:
    """Subscriber queries of ``Store``."""

    def save_subscriber(self, config: SubscriberConfig, resume_text: str | None = None,
                        from_config: bool = False, *, resume_fingerprint: str | None = None,
                        resume_error: str | None = None) -> Subscriber:
        """Add a subscriber, or update the one with that e-mail; return it as stored.

        ``resume_fingerprint`` identifies the resume file ``resume_text`` was read from;
        ``resume_error`` says why it could not be read this time. Updating never clears an
        unsubscribe: a subscriber who left stays out even when jobs.yaml still lists them.
        Saving undoes a removal; a purged address takes its tombstone over, with the record of
        the postings it was sent.
        """
        values = _row_values(config, resume_text, resume_fingerprint, resume_error)
        with self.engine.begin() as conn:
            found = conn.execute(select(subscribers.c.id).where(
                subscribers.c.email.in_([config.email, tombstone_key(config.email)]))
                .order_by(subscribers.c.purged_at.is_not(None))).first()
            if found is None:
                conn.execute(subscribers.insert().values(
                    **values, from_config=from_config, created_at=utcnow()))
            else:
                _keep_choices(conn, found.id, values)
                conn.execute(update(subscribers).where(subscribers.c.id == found.id)
                             .values(**values, from_config=from_config, removed_at=None,
                                     purged_at=None))
        return self.get_subscriber(config.email)

    def get_subscriber(self, email: str) -> Subscriber:
        """The subscriber with this e-mail; SubscriberError when there is none."""
        email = _valid(email)
        with self.engine.connect() as conn:
            row = conn.execute(select(subscribers).where(subscribers.c.email == email,
                                                         _LIVE)).first()
        if row is None:
            raise SubscriberError(f"no subscriber {email}; `pipeline subscribers list` shows them")
        return _from_row(row)

    def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        """The subscriber with this id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(subscribers).where(
                subscribers.c.id == subscriber_id, _LIVE)).first()
        return _from_row(row) if row else None

    def subscribers_by_id(self, subscriber_ids: Iterable[int]) -> dict[int, Subscriber]:
        """The subscribers with these ids (one query), by id; ids not found are left out."""
        ids = sorted(set(subscriber_ids))
        with self.engine.connect() as conn:
            rows = conn.execute(select(subscribers).where(subscribers.c.id.in_(ids), _LIVE))
            return {row.id: _from_row(row) for row in rows}

    def list_subscribers(self, active_only: bool = False) -> list[Subscriber]:
        """Every subscriber, by e-mail (only those receiving digests with ``active_only``).

        Sorted here, by code point: a database's collation (PostgreSQL's en-US, say) would put
        ``élise@`` before ``zoe@`` where SQLite puts it after.
        """
        with self.engine.connect() as conn:
            found = sorted((_from_row(r) for r in conn.execute(select(subscribers).where(_LIVE))),
                           key=lambda subscriber: subscriber.email)
        return [s for s in found if s.active] if active_only else found

    def set_paused(self, email: str, paused: bool) -> Subscriber:
        """Pause or resume a subscriber's digests."""
        subscriber = self.get_subscriber(email)
        with self.engine.begin() as conn:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber.id)
                         .values(paused=paused))
        return self.get_subscriber(email)

    def update_settings(self, subscriber_id: int, by_subscriber: bool = False,
                        **settings) -> None:
        """Change some of a subscriber's settings (frequency, min_score, filters, paused...).

        Settings the subscriber chose themselves (``by_subscriber``, the preferences page) are
        remembered, and a later sync from jobs.yaml keeps them.
        """
        with self.engine.begin() as conn:
            row = conn.execute(select(subscribers).where(
                subscribers.c.id == subscriber_id)).first()
            if row is None:
                raise SubscriberError(f"no subscriber with id {subscriber_id}")
            chosen = set(row.settings.get(CHOSEN, []))
            if by_subscriber:
                chosen |= set(settings)
            paused = settings.pop("paused", row.paused)
            merged = {**row.settings, **settings, CHOSEN: sorted(chosen)}
            try:
                SubscriberConfig.model_validate({
                    **{k: v for k, v in merged.items() if k != CHOSEN}, "email": row.email})
            except ValidationError as exc:
                first = exc.errors()[0]
                raise SubscriberError(f"{'.'.join(map(str, first['loc']))}: "
                                      f"{first['msg'].removeprefix('Value error, ')}") from exc
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id)
                         .values(settings=merged, paused=paused))

    def set_resume_text(self, subscriber_id: int, resume_text: str | None) -> None:
        """Replace (or with None, remove) a subscriber's resume, uploaded on their own page."""
        with self.engine.begin() as conn:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id).values(
                resume_text=resume_text, resume_path=None, resume_fingerprint=None,
                resume_error=None))

    def unsubscribe(self, subscriber_id: int, now: datetime | None = None) -> None:
        """Stop all digests at once; pending ones are cancelled (their postings unsent)."""
        with self.engine.begin() as conn:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id)
                         .values(unsubscribed_at=now or utcnow()))
            cancel_pending(conn, "unsubscribed", subscriber_id=subscriber_id)

    def resubscribe(self, subscriber_id: int) -> None:
        """Undo an unsubscribe."""
        with self.engine.begin() as conn:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id)
                         .values(unsubscribed_at=None))

    def set_removed(self, subscriber_id: int, when: datetime | None) -> None:
        """Mark a subscriber removed from jobs.yaml at ``when`` (no digests, pending ones
        cancelled, data kept), or active again with ``None``."""
        with self.engine.begin() as conn:
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber_id)
                         .values(removed_at=when))
            if when is not None:
                cancel_pending(conn, "removed from jobs.yaml", subscriber_id=subscriber_id)

    def purge_removed(self, before: datetime) -> list[str]:
        """Purge every subscriber removed before ``before``; return their addresses."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(subscribers.c.email).where(
                _LIVE, subscribers.c.removed_at < before)).all()
        for row in rows:
            self.purge_subscriber(row.email)
        return [row.email for row in rows]

    def purge_subscriber(self, email: str) -> None:
        """Delete what is stored about a subscriber (name, resume text, settings, digests),
        keeping a tombstone with the postings they were sent (see the module docstring).

        On SQLite the freed pages are overwritten (``secure_delete``) and the write-ahead log
        is checkpointed and emptied, so the resume text does not linger in the database files
        (the checkpoint cannot empty the log while another process is reading the database).
        """
        subscriber = self.get_subscriber(email)
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            cancel_pending(conn, "removed", subscriber_id=subscriber.id)
            conn.execute(update(deliveries).where(deliveries.c.subscriber_id == subscriber.id)
                         .values(outbox_id=None))
            conn.execute(delete(outbox).where(outbox.c.subscriber_id == subscriber.id))
            now = utcnow()
            conn.execute(update(subscribers).where(subscribers.c.id == subscriber.id).values(
                email=tombstone_key(subscriber.email), name=None, resume_path=None,
                resume_text=None, settings={}, paused=False,
                removed_at=subscriber.removed_at or now, purged_at=now))
        if sqlite:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _keep_choices(conn, subscriber_id: int, values: dict) -> None:
    """Keep, in ``values`` about to be saved, the settings the subscriber chose themselves."""
    row = conn.execute(select(subscribers).where(subscribers.c.id == subscriber_id)).first()
    chosen = row.settings.get(CHOSEN, [])
    for key in chosen:
        if key == "paused":
            values["paused"] = row.paused
        elif key in row.settings:
            values["settings"][key] = row.settings[key]
    if chosen:
        values["settings"][CHOSEN] = chosen


def _valid(email: str) -> str:
    try:
        return check_email(email)
    except ValueError as exc:
        raise SubscriberError(str(exc)) from exc
