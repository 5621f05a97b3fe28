"""The jobs of ``pipeline schedule`` (APScheduler 3.x); its loop is ``pipeline.service.scheduler``.

    source:<name>     fetch one source on its ``schedule`` (``cron:`` in ``schedule.timezone``,
                      or ``every:``), else ``schedule.sources_every``
    board:<type>      one job for two or more sources of a board with ``min_interval``: fires on
                      each one's schedule and fetches the one fetched longest ago
    digests           every ``schedule.digests_every``: the worker that claims the firing syncs
                      subscribers and queues due digests (under their leases); then every
                      worker relays the outbox at once, each digest claimed by one
    unsubscribe-mail  as often, when ``schedule.unsubscribe_mail`` is set

Each worker keeps its jobs in memory, built from its jobs.yaml, coalesced, one instance each;
``apply_plan`` matches them to a config, keeping unchanged next run times. Every worker sharing
the database fires every job; each firing is claimed there first (``pipeline.service.claims``),
so one worker runs it and a firing held by a worker that died is run by another. Jobs call
``pipeline.run`` with the last good config; the stages take their own short leases (a source's
fetch, de-duplication, the subscriber sync, queueing digests), not the ``run`` lease, so
workers fetch different sources at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED, BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger

from pipeline.config import JobsConfig, load_config
from pipeline.config.values import parse_interval as interval_of
from pipeline.errors import ConfigError, LockedError, MailboxError
from pipeline.notify.mail_unsubscribe import process_mailbox
from pipeline.run import fetch_board_turn, fetch_stage, open_store, queue_stage, relay_stage
from pipeline.service.claims import AlignedInterval, Claim, claimed, due_time, missed
from pipeline.sources import REGISTRY
from pipeline.store import Store
from pipeline.store.schema import utcnow

if TYPE_CHECKING:
    from pipeline.stages.fetch import FetchReport

log = logging.getLogger(__name__)

#: The config each running service's jobs use, by resolved path (see ``use_config``).
_LIVE: dict[str, JobsConfig] = {}
#: The scheduler running each config's jobs, by resolved path (a held firing looks again there).
_SCHEDULERS: dict[str, BaseScheduler] = {}
#: Job ids of the second look of a firing another worker held (``retry:<job id>``).
RETRY = "retry:"


def parse_interval(text: str, key: str) -> timedelta:
    """'30m', '6h', '1d' as a timedelta; ConfigError naming ``key`` otherwise."""
    try:
        return interval_of(text)
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None


def source_trigger(config: JobsConfig, index: int):
    """The trigger of ``config.sources[index]``: its cron (read in ``schedule.timezone``) or
    interval, else the default."""
    source = config.sources[index]
    key = f"sources[{index}].schedule"
    zone = config.schedule.timezone
    if source.schedule and source.schedule.cron:
        try:
            return CronTrigger.from_crontab(source.schedule.cron, timezone=zone)
        except ValueError as exc:
            raise ConfigError(f"{key}.cron: {source.schedule.cron!r} is not a crontab "
                              f"expression ({exc})") from exc
    every = source.schedule.every if source.schedule and source.schedule.every else None
    interval = parse_interval(every or config.schedule.sources_every,
                              f"{key}.every" if every else "schedule.sources_every")
    return AlignedInterval(interval.total_seconds(), zone)


def plan_jobs(config: JobsConfig) -> dict[str, tuple[Callable, list, BaseTrigger]]:
    """Every job this config wants, by id: (function, arguments, trigger).

    ConfigError for a bad schedule, before anything is changed.
    """
    if config.path is None:
        raise ConfigError("the scheduler needs the config loaded from a file (its jobs name it)")
    digests = parse_interval(config.schedule.digests_every, "schedule.digests_every")
    path = str(config.path.resolve())
    wanted: dict[str, tuple[Callable, list, BaseTrigger]] = {}
    boards = shared_boards(config)
    for index, source in enumerate(config.sources):
        if source.type in boards and f"board:{source.type}" not in wanted:
            wanted[f"board:{source.type}"] = (board_job, [path, source.type],
                                              _board_trigger(config, boards[source.type]))
        elif source.enabled and source.type not in boards:
            wanted[f"source:{source.name}"] = (fetch_job, [path, source.name],
                                               source_trigger(config, index))
    wanted["digests"] = (digest_job, [path], AlignedInterval(
        digests.total_seconds(), config.schedule.timezone))
    if config.schedule.unsubscribe_mail is not None:
        wanted["unsubscribe-mail"] = (unsubscribe_mail_job, [path], AlignedInterval(
            digests.total_seconds(), config.schedule.timezone))
    return wanted


def shared_boards(config: JobsConfig) -> dict[str, list[int]]:
    """Boards that limit fetches (``min_interval``) with two or more enabled sources: the
    indexes of those sources in ``config.sources``, by source type."""
    indexes: dict[str, list[int]] = {}
    for index, source in enumerate(config.sources):
        if source.enabled and REGISTRY[source.type].min_interval is not None:
            indexes.setdefault(source.type, []).append(index)
    return {board: found for board, found in indexes.items() if len(found) > 1}


def _board_trigger(config: JobsConfig, indexes: list[int]) -> BaseTrigger:
    """One trigger firing on each distinct schedule of the board's sources."""
    triggers: dict[str, BaseTrigger] = {}
    for index in indexes:
        trigger = source_trigger(config, index)
        triggers.setdefault(_trigger_key(trigger), trigger)
    if len(triggers) == 1:
        return next(iter(triggers.values()))
    return OrTrigger(list(triggers.values()))


@dataclass
class ScheduleChanges:
    """What ``apply_plan`` did to the scheduler's jobs, by job id."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    rescheduled: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.rescheduled)

    def describe(self) -> str:
        """One phrase: '+1 source (acme-lever), -1 source (old), 1 rescheduled (digests)'."""
        parts = [_count(sign, ids) for sign, ids in (("+", self.added), ("-", self.removed))
                 if ids]
        if self.rescheduled:
            parts.append(f"{len(self.rescheduled)} rescheduled ({_names(self.rescheduled)})")
        return ", ".join(parts) or "no schedule changes"


def _names(job_ids: list[str]) -> str:
    return ", ".join(job_id.removeprefix("source:") for job_id in job_ids)


def _count(sign: str, job_ids: list[str]) -> str:
    noun = "source" if len(job_ids) == 1 else "sources"
    if not all(job_id.startswith("source:") for job_id in job_ids):
        noun = "job" if len(job_ids) == 1 else "jobs"
    return f"{sign}{len(job_ids)} {noun} ({_names(job_ids)})"


def apply_plan(scheduler: BaseScheduler, config: JobsConfig) -> ScheduleChanges:
    """Make the scheduler's jobs this config's: add new ones, reschedule changed ones, keep the
    rest (and their next run times), remove those no longer wanted.

    ConfigError, with nothing changed, when a schedule in the config is invalid.
    """
    grace = parse_interval(config.schedule.misfire_grace, "schedule.misfire_grace")
    wanted = plan_jobs(config)
    changes = ScheduleChanges()
    for job_id, (func, args, trigger) in wanted.items():
        done = _place(scheduler, job_id, func, args, trigger, int(grace.total_seconds()))
        if done != "kept":
            getattr(changes, done).append(job_id)
    for job in scheduler.get_jobs():
        if job.id not in wanted and job.id.removeprefix(RETRY) not in wanted:
            log.info("removing job %s: no longer in %s", job.id, config.path)
            job.remove()
            changes.removed.append(job.id)
    return changes


class _Scheduler(BackgroundScheduler):
    """A BackgroundScheduler that submits no job once it is shutting down.

    APScheduler 3's loop runs one more round after ``shutdown`` has stopped the executors (its
    issues #285, #985): each job due then was logged as an ERROR with a traceback ("cannot
    schedule new futures after shutdown") and its next run time was moved on as though it had
    run. The state is read under the job-store lock ``shutdown`` takes, so no round overlaps it.
    """

    def _process_jobs(self):
        with self._jobstores_lock:
            if self.state == STATE_STOPPED:
                return None
            return super()._process_jobs()


def build_scheduler(config: JobsConfig) -> BackgroundScheduler:
    """A background scheduler with this config's jobs (kept in memory), started paused;
    ``resume()`` sets it going."""
    plan_jobs(config)  # a bad schedule stops here, before the database is touched
    grace = parse_interval(config.schedule.misfire_grace, "schedule.misfire_grace")
    scheduler = _Scheduler(
        job_defaults={"coalesce": True, "max_instances": 1,
                      "misfire_grace_time": int(grace.total_seconds())},
        timezone="UTC")
    scheduler.start(paused=True)
    apply_plan(scheduler, config)
    _catch_up(scheduler, config, grace)
    _SCHEDULERS[str(config.path.resolve())] = scheduler
    return scheduler


def _catch_up(scheduler: BaseScheduler, config: JobsConfig, grace: timedelta) -> None:
    """Run at once each cron job that missed its latest due time (within ``grace``) while no
    worker ran; an interval job runs at once anyway, and its claim skips a done due time."""
    now = utcnow()
    with open_store(config) as store:
        for job in scheduler.get_jobs():
            if job.next_run_time is not None and job.next_run_time <= now:
                continue
            if missed(store, job.id, job.trigger, now, grace):
                log.info("job %s missed its last due time while no worker ran: running it now",
                         job.id)
                job.modify(next_run_time=now)


def _trigger_key(trigger: BaseTrigger) -> str:
    """What decides when a trigger fires: its fields, and for a cron its zone too."""
    if isinstance(trigger, OrTrigger):
        return f"or[{', '.join(_trigger_key(part) for part in trigger.triggers)}]"
    if isinstance(trigger, CronTrigger):
        return f"{trigger} in {trigger.timezone}"
    return str(trigger)  # an interval fires alike in every zone


def _place(scheduler: BaseScheduler, job_id: str, func: Callable, args: list,
           trigger: BaseTrigger, grace: int) -> str:
    """Add, reschedule or keep one job; say which ('added', 'rescheduled', 'kept').

    A kept job keeps its stored next run time. A new interval job runs at once, so a fresh
    service fetches and sends without waiting; a rescheduled one runs an interval from now.
    """
    existing = scheduler.get_job(job_id)
    if existing is None or existing.func is not func or existing.args != tuple(args):
        parts = trigger.triggers if isinstance(trigger, OrTrigger) else [trigger]
        crons = all(isinstance(part, CronTrigger) for part in parts)
        first = {} if crons else {"next_run_time": datetime.now(UTC)}
        scheduler.add_job(func, trigger, args=args, id=job_id, name=job_id,
                          replace_existing=True, misfire_grace_time=grace, **first)
        return "added" if existing is None else "rescheduled"
    if existing.misfire_grace_time != grace:
        existing.modify(misfire_grace_time=grace)
    if _trigger_key(existing.trigger) == _trigger_key(trigger):
        return "kept"
    scheduler.reschedule_job(job_id, trigger=trigger)
    return "rescheduled"


def describe_job(job, zone: str) -> str:
    """'source:acme: cron[...], next run 2026-11-30 08:00:00 America/Chicago'."""
    when = "paused" if job.next_run_time is None else \
        f"{job.next_run_time.astimezone(ZoneInfo(zone)):%Y-%m-%d %H:%M:%S} {zone}"
    return f"{job.id}: {job.trigger}, next run {when}"


def use_config(config: JobsConfig) -> None:
    """Make this process's scheduled jobs run with ``config`` (the service's last good one)."""
    if config.path is None:
        raise ConfigError("the scheduler needs the config loaded from a file (its jobs name it)")
    _LIVE[str(config.path.resolve())] = config


def job_config(config_path: str) -> JobsConfig:
    """The config a job runs with: the service's last good one, else the file read afresh."""
    live = _LIVE.get(config_path)
    return live.model_copy(deep=True) if live is not None else load_config(config_path)


@contextmanager
def _claimed_store(config: JobsConfig, job_id: str) -> Iterator[Store | None]:
    """The store, with this firing of the job claimed for this worker; None, with a log line,
    when its due time was run already or another worker runs it (looked at again later)."""
    with ExitStack() as stack:
        store = stack.enter_context(open_store(config))
        job = plan_jobs(config).get(job_id)
        grace = parse_interval(config.schedule.misfire_grace, "schedule.misfire_grace")
        due = due_time(job[2], utcnow(), grace + timedelta(minutes=1)) if job else utcnow()
        claim = stack.enter_context(claimed(store, job_id, due))
        if claim.run:
            log.info("job %s for %s UTC: running here", job_id, f"{claim.due_at:%H:%M:%S}")
        else:
            _not_here(config, claim)
        yield store if claim.run else None


def _not_here(config: JobsConfig, claim: Claim) -> None:
    """Log why this worker does not run a firing; look again when another worker holds it."""
    when = f"{claim.due_at:%H:%M:%S} UTC"
    if claim.retry_at is None:
        log.info("job %s for %s: skipped, %s", claim.job_id, when, claim.why)
        return
    log.info("job %s for %s: %s; looking again at %s UTC", claim.job_id, when, claim.why,
             f"{claim.retry_at:%H:%M:%S}")
    scheduler = _SCHEDULERS.get(str(config.path.resolve()))
    job = plan_jobs(config).get(claim.job_id)
    if job is not None and scheduler is not None and scheduler.state != STATE_STOPPED:
        func, args, _trigger = job
        scheduler.add_job(func, "date", run_date=claim.retry_at, args=args,
                          id=RETRY + claim.job_id, name=RETRY + claim.job_id,
                          replace_existing=True)


def fetch_job(config_path: str, source: str) -> None:
    """Scheduled job: fetch one source and store its postings."""
    config = job_config(config_path)
    if not any(s.enabled and s.name == source for s in config.sources):
        # A reload removed or disabled it a moment before this run fired; its job goes next.
        log.warning("source %s: no longer an enabled source in jobs.yaml; nothing fetched", source)
        return
    with _claimed_store(config, f"source:{source}") as store:
        if store is None:
            return
        report = fetch_stage(config, store, only=source)
    _log_runs(report)


def board_job(config_path: str, board: str) -> None:
    """Scheduled job: fetch the source of a fetch-limited board whose turn it is (the one
    fetched longest ago), so the board's sources take turns (see ``shared_boards``)."""
    config = job_config(config_path)
    sources = [s for s in config.sources if s.enabled and s.type == board]
    if not sources:
        log.warning("board %s: no enabled source of this type is left; nothing fetched", board)
        return
    with _claimed_store(config, f"board:{board}") as store:
        if store is None:
            return
        report = fetch_board_turn(config, store, board)
    _log_runs(report)


def _log_runs(report: FetchReport) -> None:
    """One log line per source a scheduled job fetched."""
    for run in report.runs:
        log.info("fetched %s: %s, %d seen, %d new, %d changed, %d closed in %.1fs%s",
                 run.source, run.status, run.seen, run.new, run.changed, run.closed,
                 run.duration, f" ({run.error})" if run.error else "")


def digest_job(config_path: str) -> None:
    """Scheduled job: queue the digests that are due (unless another worker is queueing them),
    then send the outbox beside every other worker's relay."""
    config = job_config(config_path)
    subscribers = queued = 0
    with _claimed_store(config, "digests") as store:
        if store is not None:
            try:
                report = queue_stage(config, store)
                subscribers, queued = report.subscribers, report.queued
            except LockedError as exc:  # a notify by hand, or a sync, holds its lease
                log.info("digests not queued by this worker: %s", exc)
    with open_store(config) as store:  # every worker relays, each digest claimed by one
        sent = relay_stage(config, store)
    log.info("digests: %d subscribers, %d queued, %d sent, %d pending, %d failed",
             subscribers, queued, sent.sent, sent.pending, sent.failed)
    for line in sent.lines:
        log.info("  %s", line)


def unsubscribe_mail_job(config_path: str) -> None:
    """Scheduled job: unsubscribe those who mailed a request to ``email.unsubscribe_mailto``."""
    config = job_config(config_path)
    path = config.schedule.unsubscribe_mail
    with _claimed_store(config, "unsubscribe-mail") as store:
        if store is None or path is None:
            return
        try:
            report = process_mailbox(config, store, path)
        except MailboxError as exc:
            log.error("unsubscribe mail not read: %s", exc)
            return
    log.info("unsubscribe mail: %s", report.summary())
    for line in report.lines():
        log.info("  %s", line)
