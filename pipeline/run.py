"""The one composer of the stages: fetch -> store -> dedupe -> match -> notify.

The CLI commands (``run``, ``fetch``, ``notify``) and the scheduler's jobs all call these:

    run_once(config)            one full run under the run lock: sync, fetch, queue and send
    fetch_once(config)          the fetch stage alone, under the run lock
    notify_once(config)         the notify stage alone (it takes its own lock)
    locked_store(config, wait)  the store with the run lock held: the one place it is taken
    open_store(config)          the store, its leases lasting ``schedule.lease_ttl``
    sync_stage(config, store)   subscribers synced under their own short lease
    fetch_stage, fetch_board_turn, notify_stage   one stage on a store the caller locked
    queue_stage, relay_stage    notify in two: queue (the notify lease), relay (no lock needed)
    check_secrets(config)       what a command that fetches or sends needs, checked before work

The stages live in ``pipeline.stages.fetch`` and ``pipeline.notify``. The run lock keeps two
runs by hand apart; scheduled jobs do not take it: the steps that must stay single take their
own short leases (each source's fetch, de-duplication, the subscriber sync, queueing digests),
so a run by hand is safe beside ``pipeline schedule`` workers and they fetch side by side.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from pipeline import match
from pipeline.config import JobsConfig
from pipeline.config.checks import check_secrets as check_variables
from pipeline.config.values import parse_interval
from pipeline.notify import NotifyReport, RelayReport, notify, queue_digests, relay
from pipeline.notify.dkim_sign import check_signing_key
from pipeline.notify.subscribers import sync_subscribers
from pipeline.store import Store
from pipeline.store.leases import LOCK_WAIT, RUN_LOCK
from pipeline.store.schema import utcnow

if TYPE_CHECKING:
    from pipeline.match import Matcher
    from pipeline.stages.fetch import FetchReport

#: The lease of the subscriber sync (jobs.yaml's subscribers into the database).
SYNC_LOCK = "subscribers"

#: ``progress(label, total)`` opens one progress bar and yields its ``tick(item_name)``.
ProgressBars = Callable[[str, int], AbstractContextManager[Callable[[str], None]]]
#: ``tick(item_name)``: one step of a progress bar.
Tick = Callable[[str], None]


@dataclass
class RunReport:
    """What one run did, stage by stage."""

    fetch: FetchReport
    notify: NotifyReport
    open_postings: int


def check_secrets(config: JobsConfig, *, sources: bool = True, smtp: bool = True) -> None:
    """ConfigError when a ``${VARIABLE}`` the command reads is unset (the enabled sources' when
    ``sources``; the SMTP login and DKIM key's when ``smtp``), or when sending and the DKIM key
    cannot be read or cannot sign."""
    check_variables(config, sources=sources, smtp=smtp)
    if smtp:
        check_signing_key(config)


@contextmanager
def locked_store(config: JobsConfig, *, wait: float = 0.0) -> Iterator[Store]:
    """The store with the run lock held for the block, waiting up to ``wait`` seconds for it;
    LockedError when another run, fetch or scheduled job keeps holding it."""
    with open_store(config) as store, store.holding(RUN_LOCK, wait):
        yield store


def open_store(config: JobsConfig) -> Store:
    """The config's store, whose leases outlive a silent holder by ``schedule.lease_ttl``."""
    store = Store(config.database_url())
    store.lease_ttl = parse_interval(config.schedule.lease_ttl).total_seconds()
    return store


def sync_stage(config: JobsConfig, store: Store) -> None:
    """Sync the config's subscribers into the store under the subscribers lease (waiting up to
    LOCK_WAIT for another process's sync); LockedError if it stays held."""
    with store.holding(SYNC_LOCK, wait=LOCK_WAIT):
        sync_subscribers(config, store)


def run_once(config: JobsConfig, *, dry_run: bool = False, now: datetime | None = None,
             progress: ProgressBars | None = None) -> RunReport:
    """Fetch every source, then queue and send the digests that are due.

    With ``dry_run`` postings are fetched and stored, but no digest is queued or sent.
    ``progress`` opens one bar per long stage: "Fetching" (one tick per enabled source), then
    "Digests" (one tick per subscriber due).
    Raises LockedError when another run holds the lock.
    """
    now = now or utcnow()
    bar = progress or _no_bar
    matcher = match.Matcher.from_config(config)  # a broken profile stops the run before fetching
    with locked_store(config) as store:
        sync_stage(config, store)
        with bar("Fetching", _enabled(config)) as tick:
            fetched = fetch_stage(config, store, now=now, progress=tick)
        subscribers = len(store.list_subscribers(active_only=True))
        with bar("Digests", subscribers) as tick:
            notified = notify_stage(config, store, matcher, now=now, dry_run=dry_run,
                                    progress=tick, sync=False)
        return RunReport(fetch=fetched, notify=notified, open_postings=store.count_postings(True))


def fetch_once(config: JobsConfig, *, only: str | None = None,
               progress: ProgressBars | None = None) -> FetchReport:
    """Fetch every enabled source (or only the one named) under the run lock; LockedError when
    another run holds it."""
    bar = progress or _no_bar
    with locked_store(config) as store, bar("Fetching", 1 if only else _enabled(config)) as tick:
        return fetch_stage(config, store, only=only, progress=tick)


def notify_once(config: JobsConfig, *, dry_run: bool = False) -> NotifyReport:
    """Sync subscribers, queue the digests that are due and send the outbox."""
    with open_store(config) as store:
        return notify_stage(config, store, dry_run=dry_run)


def fetch_stage(config: JobsConfig, store: Store, *, only: str | None = None,
                now: datetime | None = None, progress: Tick | None = None) -> FetchReport:
    """Fetch the enabled sources (or only the one named) into ``store``: stored, closed, deduped
    (the boards' modules are imported here: a notify or relay process needs none)."""
    from pipeline.stages.fetch import fetch_sources

    return fetch_sources(config, store, only=only, now=now, progress=progress)


def fetch_board_turn(config: JobsConfig, store: Store, board: str) -> FetchReport:
    """Fetch the enabled source of a fetch-limited board whose turn it is (fetched longest ago),
    the rule ``fetch_stage`` applies within one run."""
    from pipeline.stages.fetch import FetchReport, board_turns

    sources = [s for s in config.sources if s.enabled and s.type == board]
    if not sources:
        return FetchReport()
    turn = board_turns(sources, store).get(board, sources[0].name)
    return fetch_stage(config, store, only=turn)


def notify_stage(config: JobsConfig, store: Store, matcher: Matcher | None = None, *,
                 now: datetime | None = None, dry_run: bool = False,
                 progress: Tick | None = None, sync: bool = True) -> NotifyReport:
    """Queue the digests that are due (matching each subscriber) and send the outbox; first
    sync the subscribers of ``config`` into ``store`` unless ``sync`` is False. Without a
    ``matcher`` the config's is made only if some subscriber has something new."""
    if sync:
        sync_stage(config, store)
    return notify(config, store, matcher or MatcherOnFirstUse(config), now=now, dry_run=dry_run,
                  progress=progress)


def queue_stage(config: JobsConfig, store: Store, *, sync: bool = True) -> NotifyReport:
    """Queue the digests that are due, sending none (one queuer at a time: LockedError while
    another process queues); first sync the subscribers of ``config`` unless ``sync`` is False."""
    if sync:
        sync_stage(config, store)
    return queue_digests(config, store, MatcherOnFirstUse(config))


def relay_stage(config: JobsConfig, store: Store) -> RelayReport:
    """Send the outbox; any number of workers may at once (each digest is claimed by one)."""
    return relay(config, store)


class MatcherOnFirstUse:
    """The config's ``Matcher``, made (its modules imported, the profile read) when first
    asked for anything: a digest job with nothing new for anyone due, as most are, costs
    neither."""

    def __init__(self, config: JobsConfig):
        self._config = config
        self._matcher: Matcher | None = None

    def __getattr__(self, name: str):
        """The attribute of the made matcher, making it the first time."""
        if name.startswith("_"):
            raise AttributeError(name)
        if self._matcher is None:
            self._matcher = match.Matcher.from_config(self._config)
        return getattr(self._matcher, name)


def _enabled(config: JobsConfig) -> int:
    """How many sources are enabled."""
    return sum(1 for source in config.sources if source.enabled)


@contextmanager
def _no_bar(_label: str, _total: int):
    """No progress display: a tick that does nothing."""
    yield lambda _item: None
