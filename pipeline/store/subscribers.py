"""Subscribers: who gets digests, with their resume text and settings."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError
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

    @property
    def active(self) -> bool:
        """Receives digests: neither paused nor unsubscribed."""
        return not self.paused and self.unsubscribed_at is None


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
        """
        values = _row_values(config, resume_text, resume_fingerprint, resume_error)
        with self.engine.begin() as conn:
            found = conn.execute(select(subscribers.c.id).where(
                subscribers.c.email == config.email)).first()
            if found is None:
                conn.execute(subscribers.insert().values(
                    **values, from_config=from_config, created_at=utcnow()))
            else:
                _keep_choices(conn, found.id, values)
                conn.execute(update(subscribers).where(subscribers.c.id == found.id)
                             .values(**values, from_config=from_config))
        return self.get_subscriber(config.email)

    def get_subscriber(self, email: str) -> Subscriber:
        """The subscriber with this e-mail; SubscriberError when there is none."""
        email = _valid(email)
        with self.engine.connect() as conn:
            row = conn.execute(select(subscribers).where(subscribers.c.email == email)).first()
        if row is None:
            raise SubscriberError(f"no subscriber {email}; `pipeline subscribers list` shows them")
        return _from_row(row)

    def subscriber_by_id(self, subscriber_id: int) -> Subscriber | None:
        """The subscriber with this id, or None."""
        with self.engine.connect() as conn:
            row = conn.execute(select(subscribers).where(
                subscribers.c.id == subscriber_id)).first()
        return _from_row(row) if row else None

    def list_subscribers(self, active_only: bool = False) -> list[Subscriber]:
        """Every subscriber, by e-mail (only those receiving digests with ``active_only``)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(subscribers).order_by(subscribers.c.email))
            found = [_from_row(r) for r in rows]
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

    def remove_subscriber(self, email: str) -> None:
        """Delete a subscriber and everything stored about them, resume text included.

        On SQLite the freed pages are overwritten (``secure_delete``) and the write-ahead log
        is checkpointed and emptied, so the resume text does not linger in the database files
        (the checkpoint cannot empty the log while another process is reading the database).
        """
        subscriber = self.get_subscriber(email)
        sqlite = self.engine.dialect.name == "sqlite"
        with self.engine.begin() as conn:
            if sqlite:
                conn.exec_driver_sql("PRAGMA secure_delete = ON")
            for table in (deliveries, outbox):
                conn.execute(delete(table).where(table.c.subscriber_id == subscriber.id))
            conn.execute(delete(subscribers).where(subscribers.c.id == subscriber.id))
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
