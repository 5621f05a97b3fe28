"""The notifier: choose each subscriber's postings, queue digests in the outbox, send them.

    notify(config, store, matcher)   queue the digests that are due, then relay the outbox
    queue_digests(...)               queue them only (one queuer at a time: the notify lease)
    relay(config, store)             send the outbox (any number at once: rows are claimed)
    preview(...)                     the HTML of a subscriber's next digest, nothing recorded

Modules: ``due`` (when a digest is due), ``digest`` (which postings, as stored data), ``render``
(Jinja2 templates, CSS inlined), ``message`` (headers), ``tokens`` (signed links), ``transport``
(file / SMTP), ``queue`` and ``relay`` (the outbox).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.notify.digest import digest_items
from pipeline.notify.queue import next_digest, queue_due
from pipeline.notify.relay import RelayReport, links, relay, with_feedback_links
from pipeline.notify.render import render_digest
from pipeline.notify.tokens import signer_for
from pipeline.store import Store
from pipeline.store.schema import utcnow

__all__ = ["NotifyReport", "RelayReport", "notify", "preview", "queue_digests", "relay",
           "retry_outbox"]

#: Name of the database lock held while digests are queued (one queuer; relays need none).
NOTIFY_LOCK = "notify"


@dataclass
class NotifyReport:
    """What one notify did: subscribers considered, digests queued / sent / failed / pending."""

    subscribers: int = 0
    queued: int = 0
    sent: int = 0
    failed: int = 0
    pending: int = 0
    maybe_delivered: int = 0
    lines: list[str] = field(default_factory=list)


def retry_outbox(config: JobsConfig, store: Store,
                 ids: list[int] | None = None) -> tuple[int, RelayReport]:
    """Requeue failed digests (``ids``, else all; a maybe-delivered one only by its id) and
    send the outbox now, beside any other relay: (requeued, report)."""
    return store.requeue(ids), relay(config, store)


def queue_digests(config: JobsConfig, store: Store, matcher, *, now: datetime | None = None,
                  dry_run: bool = False,
                  progress: Callable[[str], None] | None = None) -> NotifyReport:
    """Queue every due digest under the notify lease (one queuer at a time, so no subscriber
    gets two digests of the same postings); LockedError if another process is queueing."""
    now = now or utcnow()
    with store.holding(NOTIFY_LOCK):
        queued = queue_due(config, store, matcher, now=now, dry_run=dry_run, progress=progress)
        if not dry_run:
            store.purge_signups(now)  # unconfirmed sign-ups past their expiry, data and all
    report = NotifyReport(subscribers=queued.subscribers, queued=queued.queued,
                          lines=list(queued.lines))
    report.pending = len(store.outbox_rows(("pending",)))
    return report


def notify(config: JobsConfig, store: Store, matcher, *, now: datetime | None = None,
           dry_run: bool = False, progress: Callable[[str], None] | None = None,
           transport=None) -> NotifyReport:
    """Queue every due digest (LockedError if another process is queueing), then send the
    outbox beside any other relay."""
    now = now or utcnow()
    report = queue_digests(config, store, matcher, now=now, dry_run=dry_run, progress=progress)
    if dry_run:
        return report
    sent = relay(config, store, transport, now=now)
    report.sent, report.failed, report.pending = sent.sent, sent.failed, sent.pending
    report.maybe_delivered = sent.maybe_delivered
    report.lines.extend(sent.lines)
    return report


def preview(config: JobsConfig, store: Store, matcher, email: str,
            now: datetime | None = None) -> tuple[str, str] | None:
    """(subject, HTML) of the subscriber's next digest, ignoring when it is due; None when
    nothing new is above their threshold. Records nothing."""
    now = now or utcnow()
    subscriber = store.get_subscriber(email)
    matches = next_digest(config, store, matcher, subscriber, store.open_postings())
    if not matches:
        return None
    signer = signer_for(config, store)
    unsubscribe_url, preferences_url = links(config, signer.token(subscriber))
    items = with_feedback_links(config, signer, subscriber, digest_items(matches))
    subject, _text, html = render_digest(
        items, now=now, name=subscriber.name, frequency=subscriber.frequency,
        unsubscribe_url=unsubscribe_url, preferences_url=preferences_url)
    return subject, html
