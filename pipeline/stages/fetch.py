"""The fetch stage: read every enabled source concurrently, store postings, record source health.

Sources are read in a thread pool (``http.concurrency``); ``Source.reuses_stored`` sources get
their stored postings first; postings older than a source's ``max_age_days`` are left out and
counted (``FetchReport.too_old``). Storing runs on the calling thread in config order, one
transaction per fully read source; a failing source is recorded with its error, the others go on.
Closing: a full listing read without errors (``read_errors`` 0) closes its missing postings,
unless a source that had postings suddenly returns none (``suspicious``, until that repeats);
any source read closes postings not shown for ``stale_after_days``; postings of sources no
longer configured close after ``postings.stale_after_days``; postings past ``valid_through``
close; then duplicates are grouped (``pipeline.dedupe``). A board with ``min_interval`` is
skipped (``FetchReport.skipped``, with its next allowed time) when any source of its type
fetched it sooner, up to ``EARLY_SLACK`` early; its due sources take turns, longest ago first.
Each source is fetched under its lease and the closing under the dedupe lease
(``pipeline.stages.fetch_leases``), so processes sharing the database split the work.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from pipeline.config import JobsConfig
from pipeline.dedupe import DedupeReport, dedupe_postings
from pipeline.errors import LockedError, PipelineError, UnknownNameError
from pipeline.normalize import canonical_region, with_residency
from pipeline.posting import Posting, StoredPosting, clean_text
from pipeline.sources import REGISTRY
from pipeline.sources.base import Source, SourceConfig
from pipeline.stages.fetch_leases import DEDUPE_LOCK, FetchLeases
from pipeline.store import Store
from pipeline.store.leases import LOCK_WAIT
from pipeline.store.runs import SourceRun
from pipeline.store.schema import utcnow

if TYPE_CHECKING:
    from pipeline.http import HttpClient

log = logging.getLogger(__name__)

#: How early a run may come before a board's ``min_interval`` has passed and still fetch it.
#: A fetch is recorded as starting when its run started, which may come late (a firing run
#: after a busy moment, or on another worker once a lease expired): without this slack a
#: 00:00 fetch that started at 00:05 would make the 06:00 firing skip Remotive until 12:00. Two
#: minutes more cover scheduler jitter. So fetches of a 6-hour board are at least 5 h 53 min
#: apart: one per firing of a 6-hourly schedule, 4 a day; only runs timed by hand to the minute
#: could squeeze a fifth into 24 hours.
EARLY_SLACK = timedelta(seconds=LOCK_WAIT) + timedelta(minutes=2)


@dataclass
class FetchReport:
    """What one fetch of all sources did."""

    runs: list[SourceRun] = field(default_factory=list)
    skipped: list[SourceRun] = field(default_factory=list)
    expired: int = 0
    unconfigured: int = 0  # postings closed because their source is no longer enabled
    dedupe: DedupeReport = field(default_factory=DedupeReport)
    too_old: dict[str, int] = field(default_factory=dict)  # per source: left out by max_age_days

    @property
    def failed(self) -> list[SourceRun]:
        """The sources that could not be read."""
        return [r for r in self.runs if r.status == "failed"]

    @property
    def suspicious(self) -> list[SourceRun]:
        """Sources that returned nothing where they returned postings before."""
        return [r for r in self.runs if r.suspicious]

    @property
    def seen(self) -> int:
        """Postings read from all sources."""
        return sum(r.seen for r in self.runs)

    @property
    def new(self) -> int:
        """Postings stored for the first time."""
        return sum(r.new for r in self.runs)

    @property
    def closed(self) -> int:
        """Postings closed: left their board, went stale, expired, or their source is gone."""
        return sum(r.closed for r in self.runs) + self.expired + self.unconfigured


@dataclass
class _Outcome:
    """What reading one source gave, before anything is stored."""

    config: SourceConfig
    full_listing: bool
    postings: list[Posting | StoredPosting] | None
    error: str | None
    duration: float
    read_errors: int = 0
    too_old: int = 0


def fetch_sources(config: JobsConfig, store: Store, http: HttpClient | None = None, *,
                  only: str | None = None, now: datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> FetchReport:
    """Fetch every enabled source (or only the one named), store postings, record source health.

    The sources share ``http``; without it, one client is opened for this fetch when a due
    source reads the network (``config.http``), none for local files alone."""
    now = now or utcnow()
    chosen = [s for s in config.sources if s.enabled and (only is None or s.name == only)]
    if only is not None and not chosen:
        names = ", ".join(s.name for s in config.sources if s.enabled) or "none"
        raise UnknownNameError(f"--source: no enabled source named {only!r} in "
                               f"{config.path or 'jobs.yaml'}; enabled sources: {names}")
    report = FetchReport()
    held = FetchLeases(store)
    try:
        due = _due(chosen, config.sources, store, now, report, progress, held)
        workers = max(1, min(config.http.concurrency, len(due)))
        with (_client(due, config, http) as http,
              ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool):
            futures: list[Future[_Outcome]] = [
                pool.submit(read_source, c, http, stored_postings(c, store), now)
                for c in due]
            for future in futures:  # config order: stored while later sources are still read
                outcome = future.result()
                stale_days = outcome.config.stale_after_days or config.postings.stale_after_days
                run = _store_outcome(outcome, store, now, timedelta(days=stale_days))
                store.record_source_run(run)
                held.release(outcome.config)
                report.runs.append(run)
                if outcome.too_old:
                    report.too_old[outcome.config.name] = outcome.too_old
                if progress:
                    progress(outcome.config.name)
    finally:
        held.release_all()
    _close_and_dedupe(config, store, now, report)
    return report


@contextmanager
def _client(due: list[SourceConfig], config: JobsConfig,
            given: HttpClient | None) -> Iterator[HttpClient | None]:
    """``given``, else a client open while the due sources are read if any reads the network
    (requests, urllib3 and the charset detector load only then)."""
    if given is not None or not any(REGISTRY[c.type].reads_network for c in due):
        yield given
        return
    from pipeline.http import HttpClient

    with HttpClient(config.http) as http:
        yield http


def _close_and_dedupe(config: JobsConfig, store: Store, now: datetime,
                      report: FetchReport) -> None:
    """Close what left or outlived its source, then group duplicates, under the dedupe lease
    (one process at a time); skipped with a warning while another keeps it past LOCK_WAIT."""
    try:
        with store.holding(DEDUPE_LOCK, wait=LOCK_WAIT):
            report.unconfigured = close_unconfigured(config.sources, store, now,
                                                     config.postings.stale_after_days)
            report.expired = store.close_expired(now)
            report.dedupe = dedupe_postings(store)
    except LockedError as exc:
        log.warning("closing and de-duplication skipped this time (the next fetch does "
                    "them): %s", exc)


def _due(chosen: list[SourceConfig], sources: list[SourceConfig], store: Store, now: datetime,
         report: FetchReport, progress: Callable[[str], None] | None,
         held: FetchLeases) -> list[SourceConfig]:
    """The chosen sources that may be fetched now (``sources``: all configured), their fetch
    leases taken (``held``); the others go into ``report.skipped``."""
    due = []
    turns = board_turns(chosen, store)
    for source_config in chosen:
        names = [s.name for s in sources if s.type == source_config.type]
        skipped = held.take(source_config) or skip_if_too_early(
            source_config, store, now, names=names, turn=turns.get(source_config.type))
        if skipped is None:
            due.append(source_config)
            continue
        held.release(source_config)
        log.info("source %s skipped: %s", skipped.source, skipped.error)
        report.skipped.append(skipped)
        if progress:
            progress(source_config.name)
    return due


def board_turns(chosen: list[SourceConfig], store: Store) -> dict[str, str]:
    """For each fetch-limited board, the chosen source whose turn it is: fetched longest ago.

    A source never fetched comes first; config order breaks ties.
    """
    turns: dict[str, tuple[datetime, str]] = {}
    for source_config in chosen:
        if REGISTRY[source_config.type].min_interval is None:
            continue
        last = store.last_fetched(source_config.name) or datetime.min.replace(tzinfo=UTC)
        current = turns.get(source_config.type)
        if current is None or last < current[0]:
            turns[source_config.type] = (last, source_config.name)
    return {board: name for board, (_, name) in turns.items()}


def skip_if_too_early(source_config: SourceConfig, store: Store, now: datetime, *,
                      names: Iterable[str] = (), turn: str | None = None) -> SourceRun | None:
    """A ``skipped`` run saying why when the board's ``min_interval`` has not passed, else None.

    The interval is the board's (the source type's): the latest fetch by any source of that type
    counts, including sources since renamed or removed; ``names`` are this type's sources, whose
    runs recorded before runs named their board count too. ``turn``: the source of this board
    fetched in this run (the others are skipped).
    """
    kind = REGISTRY[source_config.type]
    if not kind.min_interval:
        return None
    names = {source_config.name, *names}
    last = store.last_board_fetch(source_config.type, names)
    if last is not None and now < last[0] + kind.min_interval - EARLY_SLACK:
        when, who = last
        by = "" if who == source_config.name else f"; {who} fetched it at {when:%H:%M} UTC"
    elif turn is not None and turn != source_config.name:
        when, by = now, f"; {turn} fetches it in this run"
    else:
        return None
    allowed = _next_minute(when + kind.min_interval)
    shown = f"{allowed:%H:%M}" if allowed.date() == now.date() else f"{allowed:%Y-%m-%d %H:%M}"
    return SourceRun(source=source_config.name, started_at=now, status="skipped",
                     board=source_config.type,
                     error=f"{kind.min_interval_reason}{by}; next fetch after {shown} UTC")


def close_unconfigured(sources: list[SourceConfig], store: Store, now: datetime,
                       stale_after_days: int) -> int:
    """Close postings of sources not enabled among ``sources``, unseen for stale_after_days (a
    disabled source's own setting, else ``stale_after_days``: ``postings.stale_after_days``).

    A removed, renamed or disabled source is never fetched, so its postings would otherwise stay
    open forever, ranked and sent to new subscribers. Returns how many were closed.
    """
    enabled = [source.name for source in sources if source.enabled]
    own = [s for s in sources if not s.enabled and s.stale_after_days is not None]
    closed = sum(store.close_stale(s.name, now - timedelta(days=s.stale_after_days), now)
                 for s in own)
    before = now - timedelta(days=stale_after_days)
    closed += store.close_unconfigured(enabled + [s.name for s in own], before, now)
    if closed:
        log.info("closed %d postings of sources no longer configured", closed)
    return closed


def _next_minute(when: datetime) -> datetime:
    """``when`` rounded up to a whole minute (so "after 13:05" is never a few seconds early)."""
    whole = when.replace(second=0, microsecond=0)
    return whole if whole == when else whole + timedelta(minutes=1)


def stored_postings(source_config: SourceConfig, store: Store) -> dict[str, StoredPosting]:
    """The source's stored postings by source_id, for a source that reuses them (else none)."""
    if not REGISTRY[source_config.type].reuses_stored:
        return {}
    kind = REGISTRY[source_config.type]
    return {p.source_id: p for p in store.postings_as_stored(source_config.name,
                                                             kind.stored_extra)}


def read_source(source_config: SourceConfig, http: HttpClient | None,
                previous: dict[str, StoredPosting] | None = None,
                now: datetime | None = None) -> _Outcome:
    """Read one source completely at ``now`` (runs in a worker thread); never raises."""
    started = time.monotonic()
    full_listing, read_errors, too_old = True, 0, 0
    try:
        source: Source = REGISTRY[source_config.type](source_config, http)
        source.previous = previous or {}
        postings = _own(source.fetch(), source.name)
        full_listing = source.full_listing  # after fetch: a source may learn it read only part
        read_errors, error = source.read_errors, None
        postings, too_old = recent(postings, source_config.max_age_days,
                                   now or utcnow())
    except PipelineError as exc:
        postings, error = None, clean_text(str(exc))  # it may quote what the board sent
        log.warning("source %s failed: %s", source_config.name, error)
    except Exception as exc:  # a bug in one parser must not sink the run: record it, go on
        postings, error = None, clean_text(f"unexpected {type(exc).__name__}: {exc}")
        log.exception("source %s crashed", source_config.name)
    return _Outcome(source_config, full_listing, postings, error, time.monotonic() - started,
                    read_errors, too_old)


def recent(postings: list[Posting | StoredPosting], max_age_days: int | None,
           now: datetime) -> tuple[list[Posting | StoredPosting], int]:
    """(the postings posted at most ``max_age_days`` before ``now`` or giving no date, how many
    were left out); all of them when ``max_age_days`` is None."""
    if max_age_days is None:
        return postings, 0
    oldest = now - timedelta(days=max_age_days)
    kept = [p for p in postings if p.posted_at is None or p.posted_at >= oldest]
    if len(kept) < len(postings):
        log.info("left out %d postings older than %d days", len(postings) - len(kept),
                 max_age_days)
    return kept, len(postings) - len(kept)


def _own(postings: list[Posting | StoredPosting], name: str) -> list[Posting | StoredPosting]:
    """The postings stamped with the source's name, one per board id (the last one wins).

    Regions sent as names become codes ('Illinois' -> 'IL') whatever the source, so filters and
    de-duplication see one form; the states a job's text restricts it to go in
    ``extra["residency"]`` (see ``pipeline.normalize.residency``), read once: a stored posting
    a source hands back unchanged (``StoredPosting``) keeps what was read when it was stored.
    """
    unique: dict[str, Posting | StoredPosting] = {}
    for posting in postings:
        if isinstance(posting, StoredPosting):
            unique[posting.source_id] = posting
            continue
        region, country = canonical_region(posting.region, posting.country)
        if (posting.source, posting.region, posting.country) != (name, region, country):
            posting = posting.model_copy(
                update={"source": name, "region": region, "country": country})
        unique[posting.source_id] = posting if posting.id is not None else with_residency(posting)
    return list(unique.values())


def _store_outcome(outcome: _Outcome, store: Store, now: datetime,
                   stale_after: timedelta) -> SourceRun:
    """Store one source's postings, close what left its board or went stale; the run says how."""
    name = outcome.config.name
    run = SourceRun(source=name, started_at=now, status="failed", duration=outcome.duration,
                    error=outcome.error, board=outcome.config.type)
    if outcome.postings is None:
        return run
    postings = outcome.postings
    run.suspicious = not postings and _had_postings(store, name)
    try:
        result = store.upsert_postings(postings, now)
        if outcome.full_listing and not run.suspicious and not outcome.read_errors:
            run.closed = store.close_missing(name, [p.source_id for p in postings], now) \
                if result.skipped else store.close_unseen(name, now)
        if not run.suspicious:  # unread for stale_after_days counts as gone, errors or not
            run.closed += store.close_stale(name, now - stale_after, now)
    except (SQLAlchemyError, ValueError, TypeError, ArithmeticError) as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]  # not the whole SQL
        run.error = clean_text(f"could not store postings: {type(exc).__name__}: {reason}")
        log.error("source %s: %s", name, run.error)
        return run
    run.seen, run.new, run.changed = len(postings), len(result.new), len(result.changed)
    run.status = "ok" if postings else "empty"
    run.error = _partial(run, outcome.read_errors, result.skipped)
    return run


def _partial(run: SourceRun, read_errors: int, unstored: list[str]) -> str | None:
    """What a source stored only in part says: suspicious, postings unread or not stored."""
    if run.suspicious:
        return "returned no postings where the last run had some; nothing closed"
    parts = []
    if read_errors:
        parts.append(f"could not read {read_errors} of its postings or pages; "
                     "none closed as missing")
    if unstored:
        parts.append(f"could not store {len(unstored)} of its postings (first: {unstored[0]})")
    return "; ".join(parts) or None


def _had_postings(store: Store, name: str) -> bool:
    """Whether the source's last recorded successful run saw postings."""
    for run in store.source_runs(name, limit=5):
        if run.status != "failed":
            return run.seen > 0
    return False
