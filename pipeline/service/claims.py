"""Several ``pipeline schedule`` workers on one database: each due time of a job runs once.

Each worker runs its own APScheduler with an in-memory job store built from its jobs.yaml, and
claims every firing in the database before running it. APScheduler 3's SQLAlchemyJobStore is not
made for two schedulers (each would run every job, and each rewrites the others' next run
times), and a home-made shared job store would be a coordinator of our own; claims on the
existing lease table are short, need nothing beside PostgreSQL (or a SQLite file on one
machine), and survive any worker.

The claim of a firing: the job's lease ``job:<id>`` (``pipeline.store.leases``: compare-and-set,
taken over once its holder stops renewing) guards its row in ``schedule_fires``, the due time it
last ran for. A firing whose due time already finished is skipped; one whose run never finished
(its worker died) is run again; a firing that finds the lease held comes back once the lease
would expire (``Claim.retry_at``), so a worker killed mid-job is replaced by one that fired too.

A worker starting runs at once each cron job whose latest due time (within
``schedule.misfire_grace``) no worker finished (``missed``), as a job store kept in the
database would. Due times are the same on every worker: intervals are counted from ``ANCHOR``
(``AlignedInterval``), crons from the clock, and ``due_time`` names the one a firing is for,
even the first run of a new interval job that a worker starts at once.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.errors import LockedError
from pipeline.store import Store

log = logging.getLogger(__name__)

#: The instant every interval is counted from, so all workers see the same due times.
ANCHOR = datetime(2000, 1, 1, tzinfo=UTC)

#: Seconds after a held claim's lease would expire when the firing looks again.
RETRY_MARGIN = 1.0


class AlignedInterval(IntervalTrigger):
    """An interval trigger whose firings fall on ``ANCHOR`` plus whole intervals, whatever the
    previous firing was (a first run at once does not shift the ones after it)."""

    def __init__(self, seconds: float, timezone: str):
        super().__init__(seconds=seconds, start_date=ANCHOR, timezone=timezone)

    def get_next_fire_time(self, previous_fire_time, now):
        """The first aligned time at or after ``now`` and after ``previous_fire_time``."""
        after = now
        if previous_fire_time is not None:
            after = max(now, previous_fire_time + timedelta(milliseconds=1))
        return super().get_next_fire_time(None, after)

    def last_before(self, now: datetime) -> datetime:
        """The latest aligned time at or before ``now``."""
        start = self.start_date.astimezone(UTC)
        steps = math.floor((now - start).total_seconds() / self.interval_length)
        return start + timedelta(seconds=steps * self.interval_length)


def due_time(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime:
    """The due time a firing at ``now`` runs for: the trigger's latest firing at or before
    ``now`` (looking back ``lookback`` for a cron), else ``now`` to the second."""
    found = _last_firing(trigger, now, lookback)
    return (found or now).astimezone(UTC).replace(microsecond=0)


def _last_firing(trigger: BaseTrigger, now: datetime, lookback: timedelta) -> datetime | None:
    if isinstance(trigger, AlignedInterval):
        return trigger.last_before(now)
    if isinstance(trigger, OrTrigger):
        found = [_last_firing(part, now, lookback) for part in trigger.triggers]
        return max((when for when in found if when is not None), default=None)
    last, when = None, trigger.get_next_fire_time(None, now - lookback)
    while when is not None and when <= now:
        last, when = when, trigger.get_next_fire_time(when, when + timedelta(seconds=1))
    return last


def missed(store: Store, job_id: str, trigger: BaseTrigger, now: datetime,
           grace: timedelta) -> bool:
    """True when the trigger fired within ``grace`` before ``now`` and no worker finished the
    job for that due time (every worker was down then, or died running it)."""
    due = _last_firing(trigger, now, grace)
    if due is None:
        return False
    last = store.last_fire(job_id)
    return last is None or last.due_at < due or last.finished_at is None


@dataclass
class Claim:
    """What a worker may do with one firing: ``run`` it, or not (done elsewhere, or held until
    ``retry_at``)."""

    job_id: str
    due_at: datetime
    run: bool = False
    retry_at: datetime | None = None
    why: str = ""


@contextmanager
def claimed(store: Store, job_id: str, due_at: datetime) -> Iterator[Claim]:
    """Claim the job's firing for ``due_at`` for the block; the run is recorded as finished
    when the block ends without an error."""
    claim = Claim(job_id, due_at)
    name = f"job:{job_id}"
    try:
        owner = store.acquire_lock(name)
    except LockedError:
        _held(store, name, claim)
        yield claim
        return
    try:
        _decide(store, claim)
        yield claim
        if claim.run:
            store.finish_fire(job_id, claim.due_at)
    finally:
        store.release_lock(name, owner)


def _held(store: Store, name: str, claim: Claim) -> None:
    """Fill in a claim whose lease another worker holds: look again when it would expire."""
    holder = store.holder(name)
    expires = holder.expires_at if holder else datetime.now(UTC)
    claim.retry_at = expires + timedelta(seconds=RETRY_MARGIN)
    claim.why = f"running on {holder.describe()}" if holder else "running on another worker"


def _decide(store: Store, claim: Claim) -> None:
    """With the job's lease held: run unless its due time already finished."""
    last = store.last_fire(claim.job_id)
    if last is not None and last.due_at >= claim.due_at:
        if last.finished_at is not None:
            claim.why = f"already run for {last.due_at:%H:%M:%S} UTC"
            return
        claim.due_at = last.due_at  # its worker died mid-run: run it here
        log.warning("job %s: its run for %s UTC never finished (its worker stopped); "
                    "running it here", claim.job_id, last.due_at.strftime("%H:%M:%S"))
    store.start_fire(claim.job_id, claim.due_at)
    claim.run = True
