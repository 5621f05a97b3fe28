"""``pipeline schedule``: the long-running service (APScheduler 3.x).

Jobs, each with an explicit id so restarting replaces them instead of adding copies:

    source:<name>   fetch one source, on its own ``schedule`` from jobs.yaml
                    (``cron: '0 */6 * * *'`` or ``every: 6h``), else ``schedule.sources_every``
    digests         every ``schedule.digests_every``: sync subscribers, queue the digests that are
                    due (each subscriber's frequency, time and zone decide) and relay the outbox

The job store is a ``SQLAlchemyJobStore`` in the pipeline's own database (table
``apscheduler_jobs``), so next run times survive a restart. Every job has ``coalesce`` (runs missed
while the service was down collapse into one), ``max_instances=1`` and ``misfire_grace_time``.

Only one scheduler runs per database (the ``schedule`` lock), and every job takes the ``run`` lock
that ``pipeline run`` takes, so a job and a manual run never overlap: whichever comes second waits
(a job, up to ``LOCK_WAIT`` seconds, then skips with a log line) or is refused (``pipeline run``).
SIGTERM and SIGINT stop the service cleanly: running jobs finish, the locks are released.
"""

from __future__ import annotations

import logging
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipeline.config import JobsConfig, load_config
from pipeline.errors import ConfigError, LockedError
from pipeline.store import Store

log = logging.getLogger(__name__)

SCHEDULE_LOCK = "schedule"
RUN_LOCK = "run"
#: Seconds a job waits for a manual run (or another job) to finish before skipping this time.
LOCK_WAIT = 300.0
_INTERVAL = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_interval(text: str, key: str) -> timedelta:
    """'30m', '6h', '1d' as a timedelta; ConfigError naming ``key`` otherwise."""
    match = _INTERVAL.match(text or "")
    if not match or int(match.group(1)) == 0:
        raise ConfigError(f"{key}: {text!r} is not an interval; write a number and a unit, "
                          "like '30m', '6h' or '1d' (units s, m, h, d, w)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def source_trigger(config: JobsConfig, index: int):
    """The trigger of ``config.sources[index]``: its cron or interval, else the default."""
    source = config.sources[index]
    key = f"sources[{index}].schedule"
    if source.schedule and source.schedule.cron:
        try:
            return CronTrigger.from_crontab(source.schedule.cron, timezone="UTC")
        except ValueError as exc:
            raise ConfigError(f"{key}.cron: {source.schedule.cron!r} is not a crontab "
                              f"expression ({exc})") from exc
    every = source.schedule.every if source.schedule and source.schedule.every else None
    interval = parse_interval(every or config.schedule.sources_every,
                              f"{key}.every" if every else "schedule.sources_every")
    return IntervalTrigger(seconds=interval.total_seconds())


def build_scheduler(config: JobsConfig) -> BackgroundScheduler:
    """A background scheduler with this config's jobs in the database job store, started paused.

    Jobs of sources no longer in the config are removed; ``resume()`` sets it going.
    """
    if config.path is None:
        raise ConfigError("the scheduler needs the config loaded from a file (its jobs name it)")
    grace = parse_interval(config.schedule.misfire_grace, "schedule.misfire_grace")
    digests = parse_interval(config.schedule.digests_every, "schedule.digests_every")
    Store(config.database_url()).close()  # creates the database (and its folder) if new
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=config.database_url())},
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(grace.total_seconds())},
        timezone="UTC")
    path = str(config.path.resolve())
    wanted = {}
    for index, source in enumerate(config.sources):
        if source.enabled:
            wanted[f"source:{source.name}"] = (fetch_job, [path, source.name],
                                               source_trigger(config, index))
    wanted["digests"] = (digest_job, [path], IntervalTrigger(seconds=digests.total_seconds()))
    scheduler.start(paused=True)  # the job store must be open to add and prune jobs
    for job_id, (func, args, trigger) in wanted.items():
        _add_or_keep(scheduler, job_id, func, args, trigger)
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            log.info("removing job %s: no longer in %s", job.id, config.path)
            job.remove()
    return scheduler


def _add_or_keep(scheduler: BackgroundScheduler, job_id: str, func, args: list, trigger) -> None:
    """Keep a stored job whose schedule is unchanged (and its next run time); else (re)place it.

    A new interval job runs at once, so a fresh service fetches and sends without waiting.
    """
    existing = scheduler.get_job(job_id)
    if existing is not None and str(existing.trigger) == str(trigger) and existing.args == \
            tuple(args):
        return
    first = {} if isinstance(trigger, CronTrigger) else {"next_run_time": datetime.now(UTC)}
    scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id, replace_existing=True,
                      **first)


@contextmanager
def _locked_store(config: JobsConfig) -> Iterator[Store | None]:
    """The store with the run lock held, waiting up to LOCK_WAIT; None if it stays taken.

    The lock is released and the store closed on the way out, whatever the job did.
    """
    store = Store(config.database_url())
    deadline = time.monotonic() + LOCK_WAIT
    owner = None
    try:
        while owner is None:
            try:
                owner = store.acquire_lock(RUN_LOCK)
            except LockedError as exc:
                if time.monotonic() >= deadline:
                    log.warning("skipped this time: %s", exc)
                    break
                time.sleep(2)
        yield store if owner else None
    finally:
        if owner:
            store.release_lock(RUN_LOCK, owner)
        store.close()


def fetch_job(config_path: str, source: str) -> None:
    """Scheduled job: fetch one source and store its postings."""
    from pipeline.fetch import fetch_sources
    from pipeline.http import HttpClient

    config = load_config(config_path)
    with _locked_store(config) as store:
        if store is None:
            return
        with HttpClient(config.http) as http:
            report = fetch_sources(config, store, http, only=source)
    for run in report.runs:
        log.info("fetched %s: %s, %d seen, %d new, %d changed, %d closed in %.1fs%s",
                 run.source, run.status, run.seen, run.new, run.changed, run.closed,
                 run.duration, f" ({run.error})" if run.error else "")


def digest_job(config_path: str) -> None:
    """Scheduled job: queue the digests that are due and send the outbox."""
    from pipeline.match import Matcher
    from pipeline.notify import notify
    from pipeline.subscribers import sync_subscribers

    config = load_config(config_path)
    with _locked_store(config) as store:
        if store is None:
            return
        sync_subscribers(config, store)
        report = notify(config, store, Matcher.from_config(config))
    log.info("digests: %d subscribers, %d queued, %d sent, %d pending, %d failed",
             report.subscribers, report.queued, report.sent, report.pending, report.failed)
    for line in report.lines:
        log.info("  %s", line)


def run_scheduler(config_path: str) -> None:
    """Run the service until SIGTERM or SIGINT; LockedError if another scheduler runs."""
    config = load_config(config_path)
    store = Store(config.database_url())
    owner = store.acquire_lock(SCHEDULE_LOCK)
    stopping = threading.Event()

    def stop(signum, _frame):
        log.info("received %s: stopping once running jobs finish", signal.Signals(signum).name)
        stopping.set()

    try:
        scheduler = build_scheduler(config)
        previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        for job in scheduler.get_jobs():
            log.info("job %s: %s, next run %s", job.id, job.trigger, job.next_run_time)
        scheduler.resume()
        log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
        while not stopping.wait(1.0):
            pass
        scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    finally:
        store.release_lock(SCHEDULE_LOCK, owner)
        store.close()
    log.info("scheduler stopped")
