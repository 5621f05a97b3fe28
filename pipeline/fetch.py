"""The fetch stage: read every enabled source concurrently, store postings, record source health.

Sources are read in a thread pool (``http.concurrency`` at once; the HTTP client keeps each host
within its own limits). Storing happens on the calling thread, in config order, each source as
soon as it and those before it are read: the database sees one writer, the same inputs give the
same ids, and storing overlaps the reading of later sources. A source's postings are
stored only when the whole source was read, in one transaction; a failing source (any error, even
a bug in its parser) is recorded with its error and the others go on. After a successful full
listing (``Source.full_listing``) the source's postings missing from it are closed, except when
the source suddenly returned nothing where it had postings before: that run is flagged
``suspicious`` and nothing is closed until an empty answer repeats. Then postings past
``valid_through`` are closed and duplicates are grouped (``pipeline.dedupe``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from pipeline.config import JobsConfig
from pipeline.dedupe import DedupeReport, dedupe_postings
from pipeline.errors import PipelineError, SourceError
from pipeline.http import HttpClient
from pipeline.normalize import canonical_region
from pipeline.posting import Posting
from pipeline.sources import REGISTRY
from pipeline.sources.base import Source, SourceConfig
from pipeline.store import Store
from pipeline.store.runs import SourceRun
from pipeline.store.schema import utcnow

log = logging.getLogger(__name__)


@dataclass
class FetchReport:
    """What one fetch of all sources did."""

    runs: list[SourceRun] = field(default_factory=list)
    expired: int = 0
    dedupe: DedupeReport = field(default_factory=DedupeReport)

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
        """Postings closed because they left their board or expired."""
        return sum(r.closed for r in self.runs) + self.expired


@dataclass
class _Outcome:
    """What reading one source gave, before anything is stored."""

    config: SourceConfig
    full_listing: bool
    postings: list[Posting] | None
    error: str | None
    duration: float


def fetch_sources(config: JobsConfig, store: Store, http: HttpClient, *, only: str | None = None,
                  now: datetime | None = None,
                  progress: Callable[[str], None] | None = None) -> FetchReport:
    """Fetch every enabled source (or only the one named), store postings, record source health."""
    now = now or utcnow()
    chosen = [s for s in config.sources if s.enabled and (only is None or s.name == only)]
    if only is not None and not chosen:
        names = ", ".join(s.name for s in config.sources) or "none configured"
        raise SourceError(f"no enabled source named {only!r}; sources: {names}")
    report = FetchReport()
    workers = max(1, min(config.http.concurrency, len(chosen)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
        futures: list[Future[_Outcome]] = [pool.submit(read_source, c, http) for c in chosen]
        for future in futures:  # config order: stored while later sources are still read
            outcome = future.result()
            run = _store_outcome(outcome, store, now)
            store.record_source_run(run)
            report.runs.append(run)
            if progress:
                progress(outcome.config.name)
    report.expired = store.close_expired(now)
    report.dedupe = dedupe_postings(store)
    return report


def read_source(source_config: SourceConfig, http: HttpClient) -> _Outcome:
    """Read one source completely (runs in a worker thread); never raises."""
    started = time.monotonic()
    full_listing = True
    try:
        source: Source = REGISTRY[source_config.type](source_config, http)
        postings = _own(source.fetch(), source.name)
        full_listing = source.full_listing  # after fetch: a source may learn it read only part
        error = None
    except PipelineError as exc:
        postings, error = None, str(exc)
        log.warning("source %s failed: %s", source_config.name, exc)
    except Exception as exc:  # a bug in one parser must not sink the run: record it, go on
        postings, error = None, f"unexpected {type(exc).__name__}: {exc}"
        log.exception("source %s crashed", source_config.name)
    return _Outcome(source_config, full_listing, postings, error, time.monotonic() - started)


def _own(postings: list[Posting], name: str) -> list[Posting]:
    """The postings stamped with the source's name, one per board id (the last one wins).

    Regions sent as names become codes ('Illinois' -> 'IL') whatever the source, so filters and
    de-duplication see one form.
    """
    unique: dict[str, Posting] = {}
    for posting in postings:
        region, country = canonical_region(posting.region, posting.country)
        if (posting.source, posting.region, posting.country) != (name, region, country):
            posting = posting.model_copy(
                update={"source": name, "region": region, "country": country})
        unique[posting.source_id] = posting
    return list(unique.values())


def _store_outcome(outcome: _Outcome, store: Store, now: datetime) -> SourceRun:
    """Store one source's postings and close what left its board; the run record says how."""
    name = outcome.config.name
    run = SourceRun(source=name, started_at=now, status="failed", duration=outcome.duration,
                    error=outcome.error)
    if outcome.postings is None:
        return run
    postings = outcome.postings
    run.suspicious = not postings and _had_postings(store, name)
    try:
        result = store.upsert_postings(postings, now)
        if outcome.full_listing and not run.suspicious:
            run.closed = store.close_missing(name, [p.source_id for p in postings], now)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]  # not the whole SQL
        run.error = f"could not store postings: {type(exc).__name__}: {reason}"
        log.error("source %s: %s", name, run.error)
        return run
    run.seen, run.new, run.changed = len(postings), len(result.new), len(result.changed)
    run.status = "ok" if postings else "empty"
    if run.suspicious:
        run.error = "returned no postings where the last run had some; nothing closed"
    return run


def _had_postings(store: Store, name: str) -> bool:
    """Whether the source's last recorded successful run saw postings."""
    for run in store.source_runs(name, limit=5):
        if run.status != "failed":
            return run.seen > 0
    return False
