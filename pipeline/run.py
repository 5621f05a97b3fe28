"""``run_once``: one full run composed of the stages (sync subscribers, fetch, match, notify)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.fetch import FetchReport, fetch_sources
from pipeline.http import HttpClient
from pipeline.match import Matcher
from pipeline.notify import NotifyReport, notify
from pipeline.store import Store
from pipeline.store.schema import utcnow
from pipeline.subscribers import sync_subscribers

#: Name of the database lock that keeps two runs (or a run and the scheduler) apart.
RUN_LOCK = "run"


@dataclass
class RunReport:
    """What one run did, stage by stage."""

    fetch: FetchReport
    notify: NotifyReport
    open_postings: int


def run_once(config: JobsConfig, *, dry_run: bool = False, now: datetime | None = None,
             progress: Callable[[str], None] | None = None) -> RunReport:
    """Fetch every source, then queue and send the digests that are due.

    With ``dry_run`` postings are fetched and stored, but no digest is queued or sent.
    Raises LockedError when another run holds the lock.
    """
    now = now or utcnow()
    matcher = Matcher.from_config(config)  # a broken profile stops the run before any fetch
    with Store(config.database_url()) as store:
        owner = store.acquire_lock(RUN_LOCK)
        try:
            return _stages(config, store, matcher, dry_run=dry_run, now=now, progress=progress)
        finally:
            store.release_lock(RUN_LOCK, owner)


def _stages(config: JobsConfig, store: Store, matcher: Matcher, *, dry_run: bool, now: datetime,
            progress: Callable[[str], None] | None) -> RunReport:
    sync_subscribers(config, store)
    with HttpClient(config.http) as http:
        fetched = fetch_sources(config, store, http, now=now, progress=progress)
    notified = notify(config, store, matcher, now=now, dry_run=dry_run, progress=progress)
    return RunReport(fetch=fetched, notify=notified, open_postings=store.count_postings(True))
