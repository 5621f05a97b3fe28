"""The running service follows jobs.yaml: edits re-plan the jobs, broken edits change nothing."""

from __future__ import annotations

import logging
import os
import queue
import signal
import sqlite3
import subprocess
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from apscheduler.events import EVENT_JOB_ADDED, EVENT_JOB_ERROR, EVENT_JOB_EXECUTED
from click.testing import CliRunner
from test_jobs import SOURCES, write_config
from waiting import HANG_GUARD
from warm import popen

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.errors import ConfigError
from pipeline.service import jobs as schedule
from pipeline.service import scheduler as schedule_service
from pipeline.service.scheduler import JobsFile, Reloader
from pipeline.service.signals import ServiceSignals
from pipeline.store import Store, leases
from pipeline.store.leases import LOCK_WAIT

#: Seconds to wait for a job before calling the test hung: a lease may make it wait for the
#: start-up jobs, each of which waits at most ``LOCK_WAIT`` for one.
LOCK_WAIT_GUARD = 3 * LOCK_WAIT


def _rewrite(path: Path, **changes) -> None:
    """Save jobs.yaml with some top-level sections replaced, as an editor would a second later."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.update(changes)
    _save(path, yaml.safe_dump(data, sort_keys=False))


def _save(path: Path, text: str) -> None:
    before = path.stat().st_mtime_ns
    path.write_text(text, encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


@pytest.fixture
def service(tmp_path):
    """(path of jobs.yaml, scheduler with its jobs, reloader), the scheduler paused as built."""
    path = write_config(tmp_path)
    _rewrite(path, sources=SOURCES)
    config = load_config(path)
    watched = JobsFile(path)
    scheduler = schedule.build_scheduler(config)
    schedule.use_config(config)
    yield path, scheduler, Reloader(scheduler, config, watched)
    scheduler.shutdown(wait=False)


def _jobs(scheduler) -> dict:
    return {job.id: job for job in scheduler.get_jobs()}


def test_editing_jobs_yaml_adds_removes_and_reschedules_jobs(service, caplog):
    path, scheduler, reloader = service
    assert reloader.check() is None  # nothing changed yet
    before = _jobs(scheduler)
    sources = [SOURCES[0], {**SOURCES[2], "schedule": {"every": "2h"}},
               {"name": "acme-lever", "type": "files", "path": "postings"}]
    _rewrite(path, sources=sources, schedule={"digests_every": "30m"})
    with caplog.at_level(logging.INFO, logger="pipeline.service.scheduler"):
        changes = reloader.check()
    assert changes.added == ["source:acme-lever"] and changes.removed == ["source:cron-one"]
    assert sorted(changes.rescheduled) == ["digests", "source:every-one"]
    assert "reloaded jobs.yaml: +1 source (acme-lever), -1 source (cron-one), " \
           "2 rescheduled (every-one, digests)" in caplog.text
    after = _jobs(scheduler)
    assert set(after) == {"source:local", "source:every-one", "source:acme-lever", "digests"}
    assert after["source:every-one"].trigger.interval.total_seconds() == 7200
    assert after["digests"].trigger.interval.total_seconds() == 1800
    assert after["source:local"].next_run_time == before["source:local"].next_run_time
    live = schedule.job_config(str(path.resolve()))  # what the jobs run with from now on
    assert [s.name for s in live.sources] == ["local", "every-one", "acme-lever"]


def test_a_source_added_by_a_reload_runs_its_first_fetch_with_the_new_config(service,
                                                                            monkeypatch):
    path, scheduler, reloader = service
    # the added job waits for the start-up runs' run lock: looked at every 50 ms, not 2 s
    monkeypatch.setattr(leases, "_POLL", 0.05)
    config_seen_when_added: list[list[str]] = []
    finished: queue.Queue = queue.Queue()

    def added(event) -> None:  # in the reloading thread, the moment the job becomes due
        if event.job_id == "source:acme-lever":
            live = schedule.job_config(str(path.resolve()))
            config_seen_when_added.append([s.name for s in live.sources])

    def done(event) -> None:
        if event.job_id == "source:acme-lever":
            finished.put(event)

    scheduler.add_listener(added, EVENT_JOB_ADDED)
    scheduler.add_listener(done, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
    scheduler.resume()  # the start-up runs go too; the run lock takes them one at a time
    _rewrite(path, sources=SOURCES + [{"name": "acme-lever", "type": "files",
                                       "path": "postings"}])
    assert reloader.check().added == ["source:acme-lever"]
    assert config_seen_when_added == [[s["name"] for s in SOURCES] + ["acme-lever"]]
    first = finished.get(timeout=LOCK_WAIT_GUARD)  # a hang guard, not a speed check
    assert first.exception is None, first.traceback
    store = Store(reloader.config.database_url())
    try:
        runs = store.source_runs("acme-lever")
    finally:
        store.close()
    assert [(run.status, run.seen) for run in runs] == [("ok", 4)]
    assert scheduler.get_job("source:acme-lever").next_run_time > first.scheduled_run_time


def test_a_refused_plan_puts_the_previous_config_back(service, monkeypatch, caplog):
    path, scheduler, reloader = service
    before = set(_jobs(scheduler))

    def refuse(_scheduler, _config):  # check_ready catches every real case before the plan
        raise ConfigError("schedule refused")

    monkeypatch.setattr(schedule_service, "apply_plan", refuse)
    _rewrite(path, sources=SOURCES[:1])
    with caplog.at_level(logging.ERROR, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
    assert "still running on the last good config: schedule refused" in caplog.text
    live = schedule.job_config(str(path.resolve()))
    assert [s.name for s in live.sources] == [s["name"] for s in SOURCES]
    assert set(_jobs(scheduler)) == before


def test_a_new_schedule_timezone_moves_cron_jobs_only(service):
    path, scheduler, reloader = service
    _rewrite(path, schedule={"timezone": "Asia/Tokyo"})
    changes = reloader.check()
    assert changes.rescheduled == ["source:cron-one"] and not changes.added + changes.removed
    assert str(_jobs(scheduler)["source:cron-one"].trigger.timezone) == "Asia/Tokyo"


def test_a_save_that_keeps_the_content_is_no_change(service, caplog):
    path, _scheduler, reloader = service
    _save(path, path.read_text(encoding="utf-8"))
    with caplog.at_level(logging.INFO, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
    assert "reloaded" not in caplog.text
    assert reloader.check(force=True).describe() == "no schedule changes"  # SIGHUP reloads


@pytest.mark.parametrize("broken", [
    {"schedule": {"timezone": "Mars/Olympus"}},
    {"sources": [{"name": "bad", "type": "files", "path": "postings",
                  "schedule": {"cron": "every day"}}]},
    {"subscribers": [{"email": "dana@example.org", "resume": "missing.pdf"}]},
])
def test_a_broken_jobs_yaml_keeps_the_old_jobs_and_reports_the_cli_error(service, caplog,
                                                                          broken):
    path, scheduler, reloader = service
    before = {job_id: str(job.trigger) for job_id, job in _jobs(scheduler).items()}
    _rewrite(path, **broken)
    cli_error = CliRunner().invoke(cli, ["schedule", "--config", str(path)])
    assert cli_error.exit_code == 2
    message = cli_error.output.strip().removeprefix("Error: ")
    with caplog.at_level(logging.INFO, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
        assert reloader.check() is None  # reported once, not at every look
    assert caplog.text.count("jobs.yaml not reloaded, still running on the last good config: "
                             + message) == 1
    assert {job_id: str(job.trigger) for job_id, job in _jobs(scheduler).items()} == before
    live = schedule.job_config(str(path.resolve()))
    assert [s.name for s in live.sources] == [s["name"] for s in SOURCES]
    _rewrite(path, sources=SOURCES[:1], subscribers=[], schedule={})  # fixed
    assert sorted(reloader.check().removed) == ["source:cron-one", "source:every-one"]


def test_invalid_yaml_is_reported_with_its_line(service, caplog):
    path, scheduler, reloader = service
    before = set(_jobs(scheduler))
    _save(path, path.read_text(encoding="utf-8") + "schedule:\n\tdigests_every: 5m\n")
    with caplog.at_level(logging.ERROR, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
    assert "not valid YAML: line" in caplog.text and "indent with spaces" in caplog.text
    assert set(_jobs(scheduler)) == before


@pytest.mark.parametrize(("kind", "says"), [
    ("missing", "no such file"), ("folder", "not a file"), ("unreadable", "cannot read it")])
def test_a_reload_whose_dkim_key_cannot_be_read_keeps_the_last_good_config(service, caplog,
                                                                           kind, says):
    path, scheduler, reloader = service
    key = path.parent / "dkim.pem"
    if kind == "folder":
        key.mkdir()
    elif kind == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads a file whatever its mode")
        key.write_text("-----BEGIN PRIVATE KEY-----\n", encoding="ascii")
        key.chmod(0)
    before = {job_id: str(job.trigger) for job_id, job in _jobs(scheduler).items()}
    dkim = {"domain": "example.org", "selector": "alerts", "private_key_file": "dkim.pem"}
    _rewrite(path, sources=SOURCES[:1], email={"dkim": dkim})  # would drop two jobs
    cli_error = CliRunner().invoke(cli, ["schedule", "--config", str(path)])
    assert cli_error.exit_code == 2
    message = cli_error.output.strip().removeprefix("Error: ")
    assert f"email.dkim.private_key_file {str(key)!r}: {says}" in message
    with caplog.at_level(logging.INFO, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
    assert caplog.text.count("jobs.yaml not reloaded, still running on the last good config: "
                             + message) == 1
    assert {job_id: str(job.trigger) for job_id, job in _jobs(scheduler).items()} == before
    live = schedule.job_config(str(path.resolve()))
    assert [s.name for s in live.sources] == [s["name"] for s in SOURCES]
    assert live.email.dkim is None and reloader.config.email.dkim is None
    if key.is_dir():
        key.rmdir()
    key.unlink(missing_ok=True)
    subprocess.run(["openssl", "genrsa", "-out", str(key), "2048"], check=True,
                   capture_output=True)  # the key fixed, jobs.yaml unchanged: SIGHUP reloads
    assert sorted(reloader.check(force=True).removed) == ["source:cron-one", "source:every-one"]
    assert schedule.job_config(str(path.resolve())).email.dkim.selector == "alerts"


def test_the_service_loop_looks_at_the_file_without_a_signal(service, monkeypatch):
    path, scheduler, reloader = service
    monkeypatch.setattr(schedule_service, "WATCH_EVERY", 0.0)  # look at every wake-up
    signals = ServiceSignals()  # not caught: the test stops the loop itself
    loop = threading.Thread(target=schedule_service._watch, args=(reloader, signals))
    loop.start()
    try:
        _rewrite(path, sources=SOURCES[:1])
        deadline = time.monotonic() + HANG_GUARD
        while "source:cron-one" in _jobs(scheduler):
            assert time.monotonic() < deadline, "the edit was never picked up"
            time.sleep(0.1)
    finally:
        signals.stop()
        loop.join(timeout=30)
    assert set(_jobs(scheduler)) == {"source:local", "digests"}


@pytest.fixture
def short_busy_wait(monkeypatch):
    """SQLite connections made from now on give up on a locked database after 0.2 s, not 30 s."""
    monkeypatch.setattr("pipeline.store.BUSY_TIMEOUT_MS", 200)


def test_a_busy_database_does_not_delay_a_reload(short_busy_wait, service, caplog):
    """Each worker keeps its jobs in memory: a long write by another process cannot make a
    reload fail or wait."""
    path, scheduler, reloader = service
    _rewrite(path, sources=SOURCES + [{"name": "acme-lever", "type": "files",
                                       "path": "postings"}])
    holder = sqlite3.connect(reloader.config.database_url().removeprefix("sqlite:///"))
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the database
    try:
        assert reloader.check().added == ["source:acme-lever"]
    finally:
        holder.rollback()
        holder.close()
    live = schedule.job_config(str(path.resolve()))
    assert [s.name for s in live.sources] == [s["name"] for s in SOURCES] + ["acme-lever"]
    assert "source:acme-lever" in _jobs(scheduler)


class LogReader:
    """The service's stderr, line by line, from a thread; ``wait_for`` returns the line seen."""

    def __init__(self, stream):
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=lambda: [self.lines.put(line) for line in stream],
                         daemon=True).start()

    def wait_for(self, text: str, process: subprocess.Popen) -> str:
        deadline = time.monotonic() + HANG_GUARD
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert process.poll() is None, "".join(self.seen)
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"no {text!r} in the log:\n{''.join(self.seen)}")


def test_the_running_service_reloads_on_sighup_and_survives_a_broken_file(tmp_path):
    path = write_config(tmp_path, schedule={"timezone": "America/Chicago",
                                            "digests_every": "1h", "sources_every": "1h"})
    # a daily time 1.5-2.5 hours ahead: never one just missed, which a starting worker runs at once
    hour = (datetime.now(ZoneInfo("America/Chicago")) + timedelta(hours=2)).hour
    _rewrite(path, sources=[{"name": "local", "type": "files", "path": "postings",
                             "schedule": {"cron": f"30 {hour} * * *"}}],
             subscribers=[])  # nobody to rank for: the reloads are what this test is about
    service = popen(["-m", "pipeline", "schedule", "--config", str(path)], cwd=tmp_path,
                    stderr=subprocess.PIPE, text=True)  # forked warm: tests/warm.py
    log = LogReader(service.stderr)
    try:
        line = log.wait_for("job source:local:", service)
        assert f" {hour:02d}:30:00 America/Chicago" in line
        log.wait_for("scheduler started with 2 jobs", service)
        _rewrite(path, sources=[{"name": "local", "type": "files", "path": "postings"},
                                {"name": "acme-lever", "type": "files", "path": "postings"}])
        service.send_signal(signal.SIGHUP)
        log.wait_for("reloaded jobs.yaml: +1 source (acme-lever), 1 rescheduled (local)",
                     service)
        _rewrite(path, schedule={"timezone": "Nowhere/Special"})
        service.send_signal(signal.SIGHUP)
        line = log.wait_for("jobs.yaml not reloaded", service)
        assert "schedule.timezone: unknown time zone 'Nowhere/Special'" in line
        assert service.poll() is None
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(timeout=60)
    assert service.returncode == 0, "".join(log.seen)


@pytest.mark.parametrize("text", ["", "  \n\n", "# every line commented out\n",
                                  "database:\n  url: sqlite:///data/jobs.db\n"])
def test_an_empty_or_truncated_reload_keeps_the_last_good_config(service, caplog, text):
    """A jobs.yaml caught half-written (or emptied) by an editor is not "no sources, no
    subscribers": the running service keeps its jobs and its subscribers."""
    path, scheduler, reloader = service
    before = set(_jobs(scheduler))
    _save(path, text)
    with caplog.at_level(logging.ERROR, logger="pipeline.service.scheduler"):
        assert reloader.check() is None
    assert f"jobs.yaml not reloaded, still running on the last good config: {path}" \
        in caplog.text
    assert set(_jobs(scheduler)) == before
    live = schedule.job_config(str(path.resolve()))
    assert [s.name for s in live.sources] == [s["name"] for s in SOURCES]
    assert [s.email for s in live.subscribers] == ["dana@example.org"]
