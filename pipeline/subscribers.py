"""Subscribers as the operator manages them: added from the CLI or declared in jobs.yaml.

``sync_subscribers`` keeps the database in step with jobs.yaml: every subscriber listed there is
added or updated (resume re-read), and a subscriber that came from jobs.yaml but is no longer
listed is marked removed: no digests, data kept, active again when put back. Removed subscribers
are purged once ``database.purge_removed_after_days`` have passed (``pipeline subscribers remove``
purges at once); a purged address put back never gets a posting it already had (see
``pipeline.store.subscribers``). Subscribers added from the CLI are left alone. An unsubscribe
(from the one-click link or the mailto address) is never undone by a sync.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import ValidationError

from pipeline.config import JobsConfig, SubscriberConfig
from pipeline.errors import ResumeError, SubscriberError
from pipeline.match.resume import read_resume
from pipeline.store import Store, Subscriber
from pipeline.store.schema import utcnow

if TYPE_CHECKING:
    from pipeline.notify.tokens import LinkSigner

log = logging.getLogger(__name__)


def resume_text(config: SubscriberConfig) -> str | None:
    """The text of a subscriber's resume; SubscriberError naming the subscriber when unreadable."""
    if config.resume is None:
        return None
    try:
        return read_resume(config.resume)
    except ResumeError as exc:
        raise SubscriberError(f"subscriber {config.email}: {exc}") from exc


def add_subscriber(store: Store, config: SubscriberConfig, from_config: bool = False) -> Subscriber:
    """Add a subscriber (or update the one with this e-mail), reading the resume first."""
    return store.save_subscriber(config, resume_text(config), from_config=from_config)


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
    for sub in config.subscribers:
        add_subscriber(store, sub, from_config=True)
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
