"""Subscribers as the operator manages them: added from the CLI or declared in jobs.yaml.

``sync_subscribers`` adds or updates every subscriber listed in jobs.yaml and marks removed (no
digests, data kept) one that came from jobs.yaml and is not listed; removed subscribers are
purged after ``database.purge_removed_after_days``. Subscribers added from the CLI are left
alone, and an unsubscribe is never undone by a sync.

A resume file is read only when new or changed (size + mtime + SHA-256). An unreadable one is
refused by ``add_subscriber``; a sync logs a warning naming the subscriber and the file and keeps
their last good resume text. A sync reads the stored subscribers in one query and writes only
those whose jobs.yaml entry or resume changed: a run with nothing changed writes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pipeline.config import JobsConfig, SubscriberConfig
from pipeline.errors import ResumeError, SubscriberError
from pipeline.match.resume import read_resume, same_content
from pipeline.store import Store, Subscriber
from pipeline.store.schema import utcnow

if TYPE_CHECKING:
    from pipeline.notify.tokens import LinkSigner

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResumeState:
    """A subscriber's resume as stored: its text, the file's fingerprint, why it failed to read."""

    text: str | None = None
    fingerprint: str | None = None
    error: str | None = None


def resume_state(config: SubscriberConfig, stored: Subscriber | None) -> ResumeState:
    """The resume of ``config``, read only when the file is new or changed since ``stored``.

    A file that cannot be read gives the reason, with the last good text kept (None if never).
    """
    if config.resume is None:
        return ResumeState()
    same_path = stored is not None and str(stored.resume) == str(config.resume)
    unchanged, now = same_content(stored.resume_fingerprint if same_path else None,
                                  config.resume)
    if unchanged:
        return ResumeState(stored.resume_text, now, stored.resume_error)
    try:
        return ResumeState(read_resume(config.resume), now)
    except ResumeError as exc:
        return ResumeState(stored.resume_text if stored else None, now, str(exc))


def add_subscriber(store: Store, config: SubscriberConfig, from_config: bool = False) -> Subscriber:
    """Add a subscriber (or update the one with this e-mail); SubscriberError naming them when
    their resume cannot be read (nothing is saved then)."""
    resume = resume_state(config, _stored(store, config.email))
    if resume.error:
        raise SubscriberError(f"subscriber {config.email}: {resume.error}")
    return _save(store, config, resume, from_config)


def sync_subscriber(store: Store, config: SubscriberConfig,
                    stored: Subscriber | None = None, *, looked_up: bool = False) -> Subscriber:
    """Add or update a jobs.yaml subscriber (``stored``: as the database holds them, looked up
    when not given, unless ``looked_up`` says None means not stored); an unreadable resume is
    logged, not raised. Nothing is written when neither the entry nor the resume changed."""
    if stored is None and not looked_up:
        stored = _stored(store, config.email)
    resume = resume_state(config, stored)
    if _unchanged(stored, config, resume):
        saved = stored
    else:
        saved = _save(store, config, resume, from_config=True)
    if resume.error:
        log.warning("subscriber %s: %s; their digests use %s", config.email, resume.error,
                    fallback(saved))
    return saved


def fallback(subscriber: Subscriber) -> str:
    """What a subscriber's digests are matched with while their resume cannot be read."""
    if subscriber.resume_text:
        return f"the last resume text read ({len(subscriber.resume_text)} characters)"
    return "the role profile alone"


def _unchanged(stored: Subscriber | None, config: SubscriberConfig, resume: ResumeState) -> bool:
    """Whether saving ``config`` with ``resume`` would leave the stored jobs.yaml subscriber as
    it is (a choice made on the preferences page differs from jobs.yaml: that one is saved, and
    ``save_subscriber`` keeps the choice)."""
    if stored is None or not stored.from_config or stored.removed_at is not None:
        return False
    if (resume.text, resume.fingerprint, resume.error) != (
            stored.resume_text, stored.resume_fingerprint, stored.resume_error):
        return False
    return stored.model_dump(include=set(SubscriberConfig.model_fields)) == config.model_dump()


def _stored(store: Store, email: str) -> Subscriber | None:
    try:
        return store.get_subscriber(email)
    except SubscriberError:
        return None


def _save(store: Store, config: SubscriberConfig, resume: ResumeState,
          from_config: bool) -> Subscriber:
    return store.save_subscriber(config, resume.text, from_config=from_config,
                                 resume_fingerprint=resume.fingerprint,
                                 resume_error=resume.error)


def subscriber_config(**fields) -> SubscriberConfig:
    """Validate subscriber fields; SubscriberError with the field and what is wrong."""
    try:
        return SubscriberConfig.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "subscriber"
        raise SubscriberError(f"{where}: {first['msg'].removeprefix('Value error, ')}") from exc


def sync_subscribers(config: JobsConfig, store: Store, now: datetime | None = None) -> None:
    """Make the database's jobs.yaml subscribers match jobs.yaml (add, update, mark removed,
    restore), and purge those removed longer than the grace period."""
    now = now or utcnow()
    stored = {s.email: s for s in store.list_subscribers()}
    for sub in config.subscribers:
        sync_subscriber(store, sub, stored.get(sub.email), looked_up=True)
    _follow_removals(config, store, now)
    grace = timedelta(days=config.database.purge_removed_after_days)
    for email in store.purge_removed(before=now - grace):
        log.warning("subscriber %s was taken out of jobs.yaml over %s ago: data purged",
                    email, grace)


def _follow_removals(config: JobsConfig, store: Store, now: datetime) -> None:
    """Mark removed the jobs.yaml subscribers no longer listed; restore those listed again."""
    listed = {sub.email for sub in config.subscribers}
    for stored in store.list_subscribers():
        if stored.email in listed and stored.removed_at is not None:
            store.set_removed(stored.id, None)
            log.warning("subscriber %s is back in jobs.yaml: active again", stored.email)
        elif stored.from_config and stored.email not in listed and stored.removed_at is None:
            store.set_removed(stored.id, now)
            log.warning("subscriber %s is no longer in jobs.yaml: removed (no digests); their "
                        "data is purged after %d days unless they are put back", stored.email,
                        config.database.purge_removed_after_days)


def removable(config: JobsConfig, store: Store, email: str) -> Subscriber:
    """The subscriber ``remove_subscriber`` would purge; SubscriberError when there is none
    or jobs.yaml still lists them."""
    stored = store.get_subscriber(email)
    if any(sub.email == stored.email for sub in config.subscribers):
        where = config.path or "jobs.yaml"
        raise SubscriberError(f"{stored.email} is listed in {where}; remove them there "
                              "first, or pause them with `pipeline subscribers pause`")
    return stored


def remove_subscriber(config: JobsConfig, store: Store, email: str) -> None:
    """Purge a subscriber's data now, keeping what stops a repeat of their postings (see
    ``Store.purge_subscriber``); refused while jobs.yaml still lists them."""
    store.purge_subscriber(removable(config, store, email).email)


def unsubscribe_by_token(store: Store, signer: LinkSigner, token: str) -> tuple[Subscriber, bool]:
    """Unsubscribe whoever a signed link token names: the web one-click and the mailto both.

    Returns the subscriber and whether this call unsubscribed them (False when they already
    were); SubscriberError when the token is forged, altered or names a subscription that no
    longer exists. Pending digests are cancelled, and no jobs.yaml sync undoes it.
    """
    found = signer.subscriber(store, token)
    if found.unsubscribed_at is not None:
        return found, False
    store.unsubscribe(found.id)
    log.info("unsubscribed subscriber %s", found.id)
    return found, True
