"""``pipeline schedule``: the long-running service, and how it follows changes of jobs.yaml.

Any number of schedulers (workers) may run against one database, on one machine or several:
each registers itself with the lease ``worker:<host>:<pid>`` (``pipeline status`` lists them)
and claims each firing of a job before running it (``pipeline.service.claims``), so every due
time of a job runs once, on one of them. jobs.yaml is checked every
``WATCH_EVERY`` seconds (mtime and size, then a content hash) and reloaded at once on SIGHUP.
Changed content is checked as the CLI does (``load_config``, ``check_ready``,
``pipeline.run.check_secrets``); a valid one becomes the jobs' config and the jobs are
re-planned (``apply_plan``), with one log line saying what changed. An invalid one logs the
CLI's error text and the service keeps the last good config.

SIGTERM and SIGINT stop the service cleanly: running jobs finish, the locks are released; they
are caught from the start (``pipeline.service.signals``).
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import time
from pathlib import Path

from apscheduler.schedulers.base import BaseScheduler

from pipeline.config import JobsConfig, load_config
from pipeline.config.checks import check_ready
from pipeline.errors import ConfigError
from pipeline.run import check_secrets, open_store
from pipeline.service.jobs import (
    ScheduleChanges,
    apply_plan,
    build_scheduler,
    describe_job,
    use_config,
)
from pipeline.service.signals import ServiceSignals

log = logging.getLogger(__name__)

#: Seconds between two looks at jobs.yaml.
WATCH_EVERY = 60.0


class JobsFile:
    """A config file as last seen: modification time, size and a hash of its content."""

    def __init__(self, path: Path):
        self.path = path
        self._stat = self._read_stat()
        self._digest = self._read_digest()

    def _read_stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _read_digest(self) -> str | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).hexdigest()
        except OSError:
            return None

    def forget(self) -> None:
        """Take the file as never seen, so the next look reports it changed."""
        self._stat = self._digest = None

    def changed(self, force: bool = False) -> bool:
        """True once for each change of content since the last call.

        The content is hashed only when the modification time or size moved (or ``force``); a
        save that leaves the content as it was is no change.
        """
        stat = self._read_stat()
        if stat == self._stat and not force:
            return False
        self._stat = stat
        digest = self._read_digest()
        if digest == self._digest:
            return False
        self._digest = digest
        return True


class Reloader:
    """Re-plans a running scheduler's jobs when its jobs.yaml changes."""

    def __init__(self, scheduler: BaseScheduler, config: JobsConfig, watched: JobsFile):
        self.scheduler = scheduler
        self.config = config  # the last config whose plan was applied
        self.live = config  # the config the jobs run with (``use_config``)
        self.watched = watched

    def check(self, force: bool = False) -> ScheduleChanges | None:
        """Reload when the file's content changed (always with ``force``, as on SIGHUP); the
        changes, or None when there was nothing to reload or the file is invalid."""
        if not self.watched.changed(force) and not force:
            return None
        return self.reload()

    def reload(self) -> ScheduleChanges | None:
        """Load, check and apply the file; on a ConfigError log it and keep the last good one."""
        path = self.watched.path
        try:
            config = load_config(path)
            check_ready(config)
            check_secrets(config, sources=False)  # as `pipeline schedule` checks at start
            if config.database_url() != self.config.database_url():
                raise ConfigError(f"{path}: database.url changed; restart `pipeline schedule` "
                                  "to move to the new database")
            changes = self._replan(config)
        except ConfigError as exc:
            log.error("%s not reloaded, still running on the last good config: %s",
                      path.name, exc)
            return None
        self.config = config
        log.info("reloaded %s: %s", path.name, changes.describe())
        for job_id in changes.added + changes.rescheduled:
            job = self.scheduler.get_job(job_id)
            if job is not None:
                log.info("job %s", describe_job(job, config.schedule.timezone))
        return changes

    def _replan(self, config: JobsConfig) -> ScheduleChanges:
        """Apply ``config``'s plan with ``config`` already live.

        A job the plan adds runs at once, in the scheduler's thread, possibly before
        ``apply_plan`` returns: it must find its source in the config it reads. A plan refused
        (ConfigError: nothing was changed) puts the previous config back. The plan is kept in
        memory: a busy database never delays it.
        """
        previous, self.live = self.live, config
        use_config(config)
        try:
            return apply_plan(self.scheduler, config)
        except BaseException:
            self.live = previous
            use_config(previous)
            raise


#: The lease prefix of a running worker: ``worker:<host>:<pid>``.
WORKER_LEASE = "worker:"


def worker_lease() -> str:
    """This process's worker lease name."""
    return f"{WORKER_LEASE}{socket.gethostname()}:{os.getpid()}"


def run_scheduler(config_path: str, signals: ServiceSignals | None = None) -> None:
    """Run the service until SIGTERM or SIGINT, as one worker among any sharing the database.

    ``signals`` are the ones the caller caught at its start; without them they are caught here.
    """
    signals = signals or ServiceSignals().catch()
    try:
        watched = JobsFile(Path(config_path))  # before loading: an edit made meanwhile is seen
        config = load_config(config_path)
        store = open_store(config)
        # a worker of this name that crashed (a container restarted with the same host name
        # and pid) frees it within the lease time
        with store, store.holding(worker_lease(), wait=store.lease_ttl + 5):
            log.info("worker %s started", worker_lease().removeprefix(WORKER_LEASE))
            _serve(config, watched, signals)
    finally:
        signals.restore()
    log.info("scheduler stopped")


def _serve(config: JobsConfig, watched: JobsFile, signals: ServiceSignals) -> None:
    """Start the jobs, follow jobs.yaml, and return once a stop signal came and jobs finished."""
    scheduler = build_scheduler(config)
    use_config(config)
    for job in scheduler.get_jobs():
        log.info("job %s", describe_job(job, config.schedule.timezone))
    if not signals.stopping:  # a stop asked for while starting: no job runs
        scheduler.resume()
        log.info("scheduler started with %d jobs", len(scheduler.get_jobs()))
        _watch(Reloader(scheduler, config, watched), signals)
    log.info("received %s: stopping once running jobs finish", signals.stop_signal)
    scheduler.shutdown(wait=True)


def _watch(reloader: Reloader, signals: ServiceSignals) -> None:
    """Look at jobs.yaml every WATCH_EVERY seconds, and at once on SIGHUP, until stopping."""
    next_look = time.monotonic() + WATCH_EVERY
    while True:
        signals.wait(1.0)  # a signal wakes it at once
        if signals.stopping:
            return
        if signals.take_hangup():
            log.info("received SIGHUP: reloading %s", reloader.watched.path.name)
            reloader.check(force=True)
        elif time.monotonic() >= next_look:
            reloader.check()
        else:
            continue
        next_look = time.monotonic() + WATCH_EVERY
