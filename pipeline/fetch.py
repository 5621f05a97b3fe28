"""The fetch stage: read every enabled source, store its postings, record how each source did.

A source's postings are stored only when the whole source was read; a failing source is recorded
and reported, and the others go on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.errors import PipelineError, SourceError
from pipeline.http import HttpClient
from pipeline.sources import REGISTRY
from pipeline.store import Store
from pipeline.store.runs import SourceRun
from pipeline.store.schema import utcnow

log = logging.getLogger(__name__)


@dataclass
class FetchReport:
    """What one fetch of all sources did."""

    runs: list[SourceRun] = field(default_factory=list)

    @property
    def failed(self) -> list[SourceRun]:
        """The sources that could not be read."""
        return [r for r in self.runs if r.status == "failed"]

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
        """Postings closed because they left their board."""
        return sum(r.closed for r in self.runs)


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
    for source_config in chosen:
        run = _fetch_one(source_config, store, http, now)
        store.record_source_run(run)
        report.runs.append(run)
        if progress:
            progress(source_config.name)
    store.close_expired(now)
    return report


def _fetch_one(source_config, store: Store, http: HttpClient, now: datetime) -> SourceRun:
    source = REGISTRY[source_config.type](source_config, http)
    started = time.monotonic()
    run = SourceRun(source=source.name, started_at=now, status="ok")
    try:
        postings = source.fetch()
    except PipelineError as exc:
        log.warning("source %s failed: %s", source.name, exc)
        run.status, run.error = "failed", str(exc)
    else:
        result = store.upsert_postings(postings, now)
        run.seen, run.new, run.changed = len(postings), len(result.new), len(result.changed)
        if source.full_listing:
            run.closed = store.close_missing(source.name, [p.source_id for p in postings], now)
        run.status = "ok" if postings else "empty"
    run.duration = time.monotonic() - started
    return run
