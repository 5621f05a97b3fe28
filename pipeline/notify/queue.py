"""Queueing digests: every due subscriber's postings chosen in one pass, then outboxed."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

import numpy as np

from pipeline.config import Filters, JobsConfig
from pipeline.match.feedback import Taste
from pipeline.notify.digest import History, choose, digest_items, select_matches
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
    [(_, matches)] = list(choose_digests(config, store, matcher, [subscriber], postings))
    return matches


def choose_digests(config: JobsConfig, store: Store, matcher, subscribers: list[Subscriber],
                   postings: list, every_open: Callable[[], list] | None = None,
                   ) -> Iterator[tuple[Subscriber, list]]:
    """(subscriber, the matches of their next digest) for each subscriber, in order.

    ``postings`` are the open postings, or only those that can be news to some subscriber
    (first seen since the oldest last digest among them) with ``every_open`` reading them all,
    which only a refit of the kept index and a ranking of one's own need.

    A ``Matcher`` scores every subscriber in one pass over one index of ``postings`` (kept in
    the database between runs, ``pipeline.match.kept``), only over the postings first seen
    since some subscriber's last digest, applies the digest rules to the ranked candidates and
    explains only the postings chosen.
    A subscriber with feedback gets a ranking of their own (their feedback moves the resume and
    reorders postings by their explanations), as does every subscriber of a ranker with only
    ``rank`` (one resume at a time).
    """
    if not postings:  # nothing new for anyone (or nobody due): the matcher is not even asked,
        for subscriber in subscribers:  # so a ``MatcherOnFirstUse`` is never made
            yield subscriber, []
        return
    tastes = Taste.of_many(store, [s.id for s in subscribers])  # "more like this", "not for me"
    histories = History.of_many(store, subscribers)  # what each one already had
    every = cache(every_open) if every_open is not None else (lambda: postings)
    if not hasattr(matcher, "scored_many"):
        for subscriber in subscribers:
            yield subscriber, _one_by_one(config, store, matcher, subscriber, every(),
                                          tastes[subscriber.id], histories[subscriber.id])
        return
    plain = [s for s in subscribers if not tastes[s.id]]
    chosen = {s.id: matches for s, matches in _one_pass(
        config, store, matcher, plain, postings, histories,
        every if every_open is not None else None)}
    for subscriber in subscribers:
        yield subscriber, (chosen[subscriber.id] if subscriber.id in chosen else _one_by_one(
            config, store, matcher, subscriber, every(), tastes[subscriber.id],
            histories[subscriber.id]))


def _one_by_one(config: JobsConfig, store: Store, matcher, subscriber: Subscriber,
                postings: list, taste: Taste, history: History) -> list:
    """One subscriber's next digest from a ranking of their own: for a ranker with only
    ``rank``, and for a subscriber whose feedback moves their resume and reorders postings."""
    threshold = _threshold(config, subscriber)
    matches = taste.adjust(matcher.rank(postings, resume_text=taste.resume(subscriber.resume_text),
                                        filters=digest_filters(subscriber), min_score=threshold))
    return select_matches(matches, subscriber, store, min_score=threshold,
                          max_per_employer=config.email.max_per_employer, history=history)


def _one_pass(config: JobsConfig, store: Store, matcher, subscribers: list[Subscriber],
              postings: list, histories: dict[int, History],
              every_open: Callable[[], list] | None) -> Iterator[tuple[Subscriber, list]]:
    """Every subscriber's next digest from one scoring pass over one index (``choose_digests``)."""
    if not postings or not subscribers:
        yield from ((subscriber, []) for subscriber in subscribers)
        return
    # the index's modules: loaded only to rank
    from pipeline.match.kept import kept_index, kept_resumes

    index, rows_of = kept_index(matcher, postings, store, every_open=every_open)
    seen = np.full(len(index), -np.inf)  # rows of closed or changed postings: never news
    seen[rows_of] = [p.first_seen.timestamp() if p.first_seen else np.inf for p in postings]
    since = np.array([s.last_digest_at.timestamp() if s.last_digest_at else -np.inf
                      for s in subscribers])
    thresholds = [_threshold(config, s) for s in subscribers]
    texts, filters = [s.resume_text for s in subscribers], [digest_filters(s) for s in subscribers]
    resumes = matcher.read_resumes(  # each read once (or kept with the fit), scored, explained
        index, texts, filters, read=lambda fitted, some: kept_resumes(store, fitted, some))
    scored = matcher.scored_many(
        index, texts, filters, thresholds, rows=np.flatnonzero(seen > since.min()),
        keep=lambda i, rows: seen[rows] > since[i], parsed=resumes)
    openness: dict[int, bool] = {}  # looked up once per posting in the pass
    for i, rows, scores, order in scored:
        subscriber = subscribers[i]
        shown = np.round(scores, 4)  # the score a digest shows, and orders by
        order = order[np.argsort(-shown[order], kind="stable")]
        candidates = ((index.postings[rows[j]], float(shown[j]), int(rows[j])) for j in order)
        chosen = choose(candidates, subscriber, store, min_score=thresholds[i],
                        max_per_employer=config.email.max_per_employer,
                        history=histories[subscriber.id], openness=openness)
        yield subscriber, matcher.explain(index, chosen, resume=resumes[i])


def _anything_new(store: Store, subscribers: list[Subscriber]) -> bool:
    """Whether some open posting was first seen after some subscriber's last digest (without
    one, nothing can go into a digest, and no posting needs loading or ranking)."""
    if not subscribers:
        return False
    if any(s.last_digest_at is None for s in subscribers):
        return True
    newest = store.newest_first_seen()
    return newest is not None and newest > min(s.last_digest_at for s in subscribers)


def _oldest_digest(subscribers: list[Subscriber]) -> datetime | None:
    """The oldest last digest among ``subscribers``: only postings first seen after it can be
    news to any of them (None when one has had no digest yet: everything open can be)."""
    if not subscribers or any(s.last_digest_at is None for s in subscribers):
        return None
    return min(s.last_digest_at for s in subscribers)


def digest_filters(subscriber: Subscriber) -> Filters:
    """The subscriber's filters for their next digest: a first digest holds no posting older
    than ``FIRST_DIGEST_MAX_AGE_DAYS`` unless their own ``max_age_days`` says otherwise."""
    if subscriber.last_digest_at is None:
        return subscriber.filters.for_first_digest()
    return subscriber.filters


def _threshold(config: JobsConfig, subscriber: Subscriber) -> float:
    """The subscriber's minimum score, else the config's."""
    return (subscriber.min_score if subscriber.min_score is not None
            else config.matching.min_score)


def queue_digest(config: JobsConfig, store: Store, subscriber: Subscriber, matches: list,
                 now: datetime) -> int:
    """Put one digest in the outbox, recording its postings as given, in one transaction."""
    return store.enqueue_digests([outbox_digest(config, subscriber, matches)], now)[0]


def outbox_digest(config: JobsConfig, subscriber: Subscriber, matches: list,
                  shown: dict | None = None) -> tuple:
    """What ``Store.enqueue_digests`` stores for one digest of ``matches`` (``shown``: see
    ``digest_items``)."""
    items = digest_items(matches, shown)
    return (subscriber.id, subscriber.email, new_message_id(config.email.sender),
            subject_for(items), json.dumps({"items": items}, ensure_ascii=False),
            {item["posting_id"]: item["score"] for item in items})


def queue_due(config: JobsConfig, store: Store, matcher, *, now: datetime, dry_run: bool = False,
              progress: Callable[[str], None] | None = None) -> QueueReport:
    """Queue a digest for every active subscriber that is due and has something new, all in
    one transaction (a run stopped before it queued them all queues none)."""
    report = QueueReport()
    subscribers = store.list_subscribers(active_only=True)
    report.subscribers = len(subscribers)
    due = [s for s in subscribers if is_due(s, now)]
    oldest = _oldest_digest(due)
    postings = store.open_postings(first_seen_after=oldest) if _anything_new(store, due) else []
    every_open = store.open_postings if oldest is not None else None
    digests = []
    shown: dict = {}  # what each posting shows in any digest: worked out once per pass
    for subscriber, matches in choose_digests(config, store, matcher, due, postings, every_open):
        if progress:
            progress(subscriber.email)
        if not matches:
            report.lines.append(f"{subscriber.email}: nothing new above the threshold")
            continue
        if dry_run:
            report.lines.append(f"{subscriber.email}: would get {len(matches)} postings")
        else:
            digests.append(outbox_digest(config, subscriber, matches, shown))
            report.lines.append(f"{subscriber.email}: queued {len(matches)} postings")
        report.queued += 1
    if digests:
        store.enqueue_digests(digests, now)
    log.info("queued %d digests for %d due subscribers", report.queued, len(due))
    return report
