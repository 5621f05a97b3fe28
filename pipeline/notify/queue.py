"""Queueing digests: for each due subscriber, choose postings and put a digest in the outbox."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.match.feedback import Taste
from pipeline.notify.digest import digest_items, select_matches
from pipeline.notify.due import is_due
from pipeline.notify.message import new_message_id
from pipeline.notify.render import subject_for
from pipeline.store import Store, Subscriber

log = logging.getLogger(__name__)


@dataclass
class QueueReport:
    """What queueing did."""

    subscribers: int = 0
    queued: int = 0
    lines: list[str] = field(default_factory=list)


def next_digest(config: JobsConfig, store: Store, matcher, subscriber: Subscriber,
                postings: list) -> list:
    """The matches the subscriber's next digest would hold (nothing is recorded)."""
    threshold = (subscriber.min_score if subscriber.min_score is not None
                 else config.matching.min_score)
    taste = Taste.of(store, subscriber.id)  # their feedback: "more like this", "not for me"
    matches = taste.adjust(matcher.rank(postings, resume_text=taste.resume(subscriber.resume_text),
                                        filters=subscriber.filters, min_score=threshold))
    return select_matches(matches, subscriber, store, min_score=threshold,
                          max_per_employer=config.email.max_per_employer)


def queue_digest(config: JobsConfig, store: Store, subscriber: Subscriber, matches: list,
                 now: datetime) -> int:
    """Put one digest in the outbox, recording its postings as given, in one transaction."""
    items = digest_items(matches)
    return store.enqueue_digest(
        subscriber.id, subscriber.email, new_message_id(config.email.sender),
        subject_for(items), json.dumps({"items": items}, ensure_ascii=False),
        {item["posting_id"]: item["score"] for item in items}, now=now)


def queue_due(config: JobsConfig, store: Store, matcher, *, now: datetime, dry_run: bool = False,
              progress: Callable[[str], None] | None = None) -> QueueReport:
    """Queue a digest for every active subscriber that is due and has something new."""
    report = QueueReport()
    subscribers = store.list_subscribers(active_only=True)
    report.subscribers = len(subscribers)
    due = [s for s in subscribers if is_due(s, now)]
    postings = store.open_postings() if due else []
    for subscriber in due:
        matches = next_digest(config, store, matcher, subscriber, postings)
        if progress:
            progress(subscriber.email)
        if not matches:
            report.lines.append(f"{subscriber.email}: nothing new above the threshold")
            continue
        if dry_run:
            report.lines.append(f"{subscriber.email}: would get {len(matches)} postings")
        else:
            queue_digest(config, store, subscriber, matches, now)
            report.lines.append(f"{subscriber.email}: queued {len(matches)} postings")
        report.queued += 1
    log.info("queued %d digests for %d due subscribers", report.queued, len(due))
    return report
