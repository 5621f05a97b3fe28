"""``run_once``: one full run composed of the stages (sync subscribers, fetch, match, notify)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.fetch import FetchReport, fetch_sources
from pipeline.http import HttpClient
from pipeline.match import Matcher
from pipeline.notify import NotifyReport, notify
from pipeline.notify.subscribers import sync_subscribers
from pipeline.store import Store
from pipeline.store.leases import RUN_LOCK
from pipeline.store.schema import utcnow

#: ``progress(label, total)`` opens one progress bar and yields its ``tick(item_name)``.
ProgressBars = Callable[[str, int], AbstractContextManager[Callable[[str], None]]]


@dataclass
class RunReport:
    """What one run did, stage by stage."""

    fetch: FetchReport
    notify: NotifyReport
    open_postings: int


def run_once(config: JobsConfig, *, dry_run: bool = False, now: datetime | None = None,
             progress: ProgressBars | None = None) -> RunReport:
    """Fetch every source, then queue and send the digests that are due.

    With ``dry_run`` postings are fetched and stored, but no digest is queued or sent.
    ``progress`` opens one bar per long stage: "Fetching" (one tick per enabled source), then
    "Digests" (one tick per subscriber due).
    Raises LockedError when another run holds the lock.
    """
    now = now or utcnow()
    matcher = Matcher.from_config(config)  # a broken profile stops the run before any fetch
    with Store(config.database_url()) as store, store.holding(RUN_LOCK):
        return _stages(config, store, matcher, dry_run=dry_run, now=now, progress=progress)


def _stages(config: JobsConfig, store: Store, matcher: Matcher, *, dry_run: bool, now: datetime,
            progress: ProgressBars | None) -> RunReport:
    bar = progress or _no_bar
    sync_subscribers(config, store)
    sources = sum(1 for source in config.sources if source.enabled)
    with HttpClient(config.http) as http, bar("Fetching", sources) as tick:
        fetched = fetch_sources(config, store, http, now=now, progress=tick)
    subscribers = len(store.list_subscribers(active_only=True))
    with bar("Digests", subscribers) as tick:
        notified = notify(config, store, matcher, now=now, dry_run=dry_run, progress=tick)
    return RunReport(fetch=fetched, notify=notified, open_postings=store.count_postings(True))


@contextmanager
def _no_bar(_label: str, _total: int):
    """No progress display: a tick that does nothing."""
    yield lambda _item: None
