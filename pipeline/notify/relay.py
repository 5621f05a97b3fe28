"""The outbox relay: send pending digests, mark each sent, retry or fail the ones that did not go.

A digest is queued with its Message-ID before anything is sent, and marked sent only after the
transport took it, so a crash re-sends at most the one message in flight, with the same
Message-ID. Any number of relays run at once (every scheduler worker, `pipeline notify`, the
sign-up page): each claims small batches of due rows (``pipeline.store.claims``) and records each
try before handing it to the server, so each digest is sent by one relay. A row taken over from a
relay that died mid-send counts as one unknown outcome. Each claimed batch is read again before
sending (its rows, subscribers and postings in three queries): cancelled or paused digests are
skipped, postings closed since queueing are dropped; recording the try checks the same in one
statement, so a row changed after that read is read again before it goes.
Each message's bytes are written (and DKIM-signed) once per try; a row that cannot be built or
signed fails for good and the batch goes on. A transient failure is retried after ``retry_backoff``
seconds in this run, then ``retry_delay`` later (doubling, at most 6 hours) up to
``max_attempts``; a permanent one fails the row; an unusable server stops this relay. A row whose
outcome is unknown (sent, no reply) gets one later try, then stays ``maybe-delivered`` until an
operator requeues it (``pipeline outbox --retry ID``).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.errors import MessageError

from pipeline.config import JobsConfig
from pipeline.errors import (
    OutcomeUnknownError,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from pipeline.notify.dkim_sign import DkimSigner, load_signer
from pipeline.notify.message import Outgoing, build_message
from pipeline.notify.notice import compose_notice, is_notice
from pipeline.notify.render import render_digest
from pipeline.notify.tokens import LinkSigner, signer_for
from pipeline.notify.transport import ServerUnavailable, make_transport
from pipeline.report.links import digest_report_url
from pipeline.store import Store, Subscriber
from pipeline.store.claims import worker_name
from pipeline.store.outbox import OutboxRow
from pipeline.store.schema import utcnow

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = timedelta(hours=6)
#: Tries of a digest that may end without a reply before it is marked maybe-delivered.
MAX_UNKNOWN_OUTCOMES = 2
#: Outbox rows a relay claims at a time: small, so concurrent relays share the work evenly and
#: a dead relay's claims hold back few digests.
CLAIM_BATCH = 10


@dataclass
class RelayReport:
    """What one relay did."""

    sent: int = 0
    failed: int = 0
    retrying: int = 0
    cancelled: int = 0
    maybe_delivered: int = 0
    pending: int = 0
    lines: list[str] = field(default_factory=list)


def links(config: JobsConfig, token: str) -> tuple[str, str]:
    """(unsubscribe URL, preferences URL) of a subscriber's token."""
    base = config.email.unsubscribe_url.rstrip("/")
    return f"{base}/unsubscribe/{token}", f"{base}/preferences/{token}"


def with_feedback_links(config: JobsConfig, signer: LinkSigner, subscriber: Subscriber,
                        items: list[dict]) -> list[dict]:
    """The items, each with its signed "more like this" and "not for me" URLs."""
    base = config.email.unsubscribe_url.rstrip("/")
    linked = []
    for item in items:
        token = signer.posting_token(subscriber, item["posting_id"])
        linked.append({**item, "more_url": f"{base}/feedback/{token}/more",
                       "not_url": f"{base}/feedback/{token}/not"})
    return linked


def compose(config: JobsConfig, signer: LinkSigner, subscriber: Subscriber, row: OutboxRow,
            items: list[dict], now: datetime, store: Store | None = None) -> Outgoing:
    """The message of an outbox row (its bytes and envelope), rendered from its stored items
    (with ``store``, the report link when the subscriber's ``report`` setting puts it in this
    digest)."""
    token = signer.token(subscriber)
    unsubscribe_url, preferences_url = links(config, token)
    report = digest_report_url(config, store, subscriber, token, row.created_at, row.id) if (
        store is not None) else None
    subject, text, html = render_digest(
        with_feedback_links(config, signer, subscriber, items), now=now, name=subscriber.name,
        frequency=subscriber.frequency, unsubscribe_url=unsubscribe_url,
        preferences_url=preferences_url, report_url=report)
    return build_message(config.email, recipient=row.recipient, name=subscriber.name,
                         message_id=row.message_id, subject=subject, text=text, html=html,
                         date=now, unsubscribe_url=unsubscribe_url, token=token)


def relay(config: JobsConfig, store: Store, transport=None, *, now: datetime | None = None,
          sleep: Callable[[float], None] = time.sleep) -> RelayReport:
    """Send every due pending digest no other relay holds, in claimed batches; what happened."""
    now = now or utcnow()
    report = RelayReport()
    worker = worker_name()
    try:
        rows = _claim(config, store, worker, now)
        if rows:
            job = _Relay(config, store, signer_for(config, store), report, now, sleep,
                         dkim=load_signer(config), worker=worker)
            with transport or make_transport(config.email) as sender:
                while rows and job.send_batch(sender, rows):
                    rows = _claim(config, store, worker, now, after=rows[-1].id)
    finally:
        store.release_claims(worker)  # rows claimed but never begun: free for other relays now
    report.pending = len(store.outbox_rows(("pending",)))
    return report


def _claim(config: JobsConfig, store: Store, worker: str, now: datetime,
           after: int = 0) -> list[OutboxRow]:
    """The next batch of due rows claimed by ``worker`` (ids above ``after``)."""
    return store.claim_outbox(worker, ttl=config.email.claim_ttl, limit=CLAIM_BATCH, due_by=now,
                              after=after)


@dataclass
class _Current:
    """What the rows of a claimed batch are now: read once per batch (three queries), and read
    again for a row only when ``begin_send`` finds it changed since."""

    rows: dict[int, OutboxRow]
    subscribers: dict[int, Subscriber]
    items: dict[int, list]
    open_ids: set[int]
    notices: set[int] = field(default_factory=set)

    @classmethod
    def read(cls, store: Store, rows: list[OutboxRow]) -> _Current:
        """The rows, their subscribers and which of their postings are still open (each
        pending row's stored message parsed once)."""
        current = store.outbox_rows_by_id(row.id for row in rows)
        stored = {row.id: json.loads(row.message) for row in current.values()
                  if row.status == "pending"}
        notices = {row_id for row_id, message in stored.items() if is_notice(message)}
        items = {row_id: message["items"] for row_id, message in stored.items()
                 if row_id not in notices}
        subscribers = store.subscribers_by_id(
            current[row_id].subscriber_id for row_id in items if current[row_id].subscriber_id)
        posting_ids = {item["posting_id"] for some in items.values() for item in some}
        return cls(current, subscribers, items,
                   store.still_open(posting_ids) if posting_ids else set(), notices)


def _ready(store: Store, row: OutboxRow, report: RelayReport,
           read: _Current) -> tuple[Subscriber | None, list] | None:
    """The subscriber and still-open items of a row still to be sent, else None (cancelled)."""
    current = read.rows.get(row.id)
    if current is None or current.status != "pending":
        return None
    if row.id in read.notices:  # a sign-up confirmation: nothing to re-check
        return None, []
    subscriber = read.subscribers.get(row.subscriber_id) if row.subscriber_id else None
    reason = None
    if subscriber is None or not subscriber.active:
        reason = "unsubscribed" if subscriber is None or subscriber.unsubscribed_at else "paused"
    items = read.items[row.id]
    still_open = [item for item in items if item["posting_id"] in read.open_ids]
    # writes only while this relay still claims the row: one that took it over may be sending it
    if len(still_open) < len(items) and not store.release_postings(
            row.id, [i["posting_id"] for i in items if i not in still_open],
            claimed_by=row.claimed_by):
        return None
    if reason is None and not still_open:
        reason = "every posting closed before sending"
    if reason:
        # maybe-delivered instead if a try may have arrived
        if not store.cancel_outbox(row.id, reason, claimed_by=row.claimed_by):
            return None
        if current.unknown_outcomes:
            report.maybe_delivered += 1
            report.lines.append(f"{row.recipient}: not tried again ({reason}); an earlier "
                                "try may have been delivered")
        else:
            report.cancelled += 1
            report.lines.append(f"{row.recipient}: digest cancelled ({reason})")
        return None
    return subscriber, still_open


@dataclass
class _Relay:
    """One relay batch: sends rows and records each outcome."""

    config: JobsConfig
    store: Store
    signer: LinkSigner
    report: RelayReport
    now: datetime
    sleep: Callable[[float], None]
    dkim: DkimSigner | None = None
    worker: str = ""
    current: _Current = field(default_factory=lambda: _Current({}, {}, {}, set()))

    def send_batch(self, sender, rows: list[OutboxRow]) -> bool:
        """Send claimed rows in order; False when the server became unusable (the rest of the
        batch then waits for a later run)."""
        self.current = _Current.read(self.store, rows)
        for done, row in enumerate(rows):
            error = self.send(sender, row)
            if error:
                for waiting in rows[done:]:
                    self.retry_later(waiting, error)
                return False
        return True

    def send(self, sender, row: OutboxRow) -> str | None:
        """Send one row with in-run retries; the error when the server is unusable, else None."""
        if row.sending_at is not None:  # its claimer died mid-send: the message may have arrived
            self.unknown(row, "the relay sending it stopped before the outcome was recorded "
                         f"(claimed by {row.claimed_by}, sending since "
                         f"{row.sending_at:%Y-%m-%d %H:%M:%S} UTC)")
            return None
        ready = _ready(self.store, row, self.report, self.current)
        if ready is None:
            return None
        subscriber, items = ready
        email = self.config.email
        for attempt in range(email.send_retries + 1):
            sent_at = utcnow()
            mail = self.prepare(subscriber, row, items, sent_at)
            if mail is None:
                return None
            if not self.begin(row, subscriber, items):  # changed since read: read it again
                ready = _ready(self.store, row, self.report, _Current.read(self.store, [row]))
                if ready is None:
                    return None
                subscriber, items = ready
                mail = self.prepare(subscriber, row, items, sent_at)
                if mail is None or not self.begin(row, subscriber, items):
                    return None  # e.g. its claim expired and another relay took it over
            try:
                sender.send(mail)
            except PermanentDeliveryError as exc:
                self.failed(row, str(exc))
                return None
            except OutcomeUnknownError as exc:  # maybe delivered: never resent in this run
                self.unknown(row, str(exc))
                return None
            except TransientDeliveryError as exc:  # ServerUnavailable included
                log.info("digest %s to %s: %s (try %d)", row.id, row.recipient, exc, attempt + 1)
                error, unusable = str(exc), isinstance(exc, ServerUnavailable)
                if attempt < email.send_retries:
                    self.sleep(email.retry_backoff * 2 ** attempt)
                continue
            self.store.mark_sent(row.id, sent_at)
            self.report.sent += 1
            log.info("sent digest %s to %s (%d postings)", row.id, row.recipient, len(items))
            return None
        if unusable:  # still no server after the in-run retries: the batch waits
            return error
        self.retry_later(row, error)
        return None

    def begin(self, row: OutboxRow, subscriber: Subscriber | None, items: list) -> bool:
        """Record the try just before sending, if the row is still pending and this relay's,
        its subscriber still receives digests and none of its postings closed (one statement)."""
        return self.store.begin_send(
            row.id, self.worker, self.config.email.claim_ttl,
            subscriber_id=subscriber.id if subscriber is not None else None,
            posting_ids=[item["posting_id"] for item in items])

    def prepare(self, subscriber: Subscriber, row: OutboxRow, items: list,
                sent_at: datetime) -> Outgoing | None:
        """The bytes to send, signed last; None (the row failed for good) if they cannot be made."""
        try:
            mail = compose_notice(self.config, row, sent_at) if subscriber is None else (
                compose(self.config, self.signer, subscriber, row, items, sent_at, self.store))
            if self.dkim:  # signed last, so every header and byte of the body is final
                mail = replace(mail, raw=self.dkim.sign(mail.raw))
        except PermanentDeliveryError as exc:  # e.g. a domain IDNA refuses: the reason says it
            self.failed(row, str(exc))
            return None
        except (ValueError, MessageError) as exc:  # this row's own data no header can carry
            log.exception("digest %s to %s cannot be built", row.id, row.recipient)
            self.failed(row, f"the message cannot be built: {type(exc).__name__}: {exc}")
            return None
        except Exception as exc:  # maybe passing or shared by every row (a template mid-deploy,
            # no file handles left): try again later, never fail the whole queue in one run
            log.exception("digest %s to %s could not be built now", row.id, row.recipient)
            self.retry_later(row, f"the message could not be built: {type(exc).__name__}: {exc}")
            return None
        return mail

    def failed(self, row: OutboxRow, error: str) -> None:
        """Mark a row failed for good, with the reason."""
        self.store.mark_failed(row.id, error)
        self.report.failed += 1
        self.report.lines.append(f"{row.recipient}: FAILED, {error}")
        log.warning("digest %s to %s failed: %s", row.id, row.recipient, error)

    def unknown(self, row: OutboxRow, error: str) -> None:
        """The message went out whole, unanswered: one more try later, then maybe-delivered."""
        if (row.unknown_outcomes + 1 >= MAX_UNKNOWN_OUTCOMES
                or row.attempts + 1 >= self.config.email.max_attempts):
            self.maybe_delivered(row, error, unknown=True)
            return
        delay = self.delay(row)
        self.store.mark_unknown(row.id, error, self.now + delay)
        self.report.retrying += 1
        self.report.lines.append(f"{row.recipient}: outcome unknown, not resent in this run; "
                                 f"one more try in {delay}: {error}")
        log.warning("digest %s to %s: outcome unknown (%s); one more try in %s", row.id,
                    row.recipient, error, delay)

    def maybe_delivered(self, row: OutboxRow, error: str, *, unknown: bool) -> None:
        """Give up on a row an unanswered try may have delivered; never resent by itself."""
        tries = row.unknown_outcomes + int(unknown)
        reason = (f"may have been delivered: {tries} {'try' if tries == 1 else 'tries'} sent "
                  "the whole message without a reply; not sent again unless requeued by its "
                  f"id. Last: {error}")
        self.store.mark_maybe_delivered(row.id, reason, unknown=unknown)
        self.report.maybe_delivered += 1
        self.report.lines.append(f"{row.recipient}: MAY HAVE BEEN DELIVERED, {reason}")
        log.warning("digest %s to %s %s", row.id, row.recipient, reason)

    def delay(self, row: OutboxRow) -> timedelta:
        """How long a row waits for its next try: ``retry_delay``, doubled per attempt, capped."""
        retry_delay = timedelta(seconds=self.config.email.retry_delay)
        return max(retry_delay, min(retry_delay * 2 ** row.attempts, MAX_RETRY_DELAY))

    def retry_later(self, row: OutboxRow, error: str) -> None:
        """Leave a row for a later run, backing off; fail it after ``max_attempts``."""
        attempts = row.attempts + 1
        if attempts >= self.config.email.max_attempts:
            if row.unknown_outcomes:  # an earlier try may have arrived: not "failed"
                self.maybe_delivered(row, error, unknown=False)
                return
            self.failed(row, f"gave up after {attempts} attempts: {error}")
            return
        delay = self.delay(row)
        self.store.mark_retry(row.id, error, self.now + delay)
        self.report.retrying += 1
        self.report.lines.append(f"{row.recipient}: not sent yet, retry in {delay}: {error}")
        log.warning("digest %s to %s not sent (%s); retry in %s", row.id, row.recipient, error,
                    delay)
