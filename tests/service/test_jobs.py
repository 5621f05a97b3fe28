"""The scheduler service: its jobs in the database, a real `pipeline schedule` process, locks
(on SQLite and PostgreSQL where a test takes ``db_url``)."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sqlite3
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from aiosmtpd.controller import Controller
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from click.testing import CliRunner
from waiting import HANG_GUARD
from warm import RANKING_GROUP, popen

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.errors import ConfigError, ProfileError
from pipeline.notify import NOTIFY_LOCK
from pipeline.run import queue_stage
from pipeline.service import jobs as schedule
from pipeline.store import Store
from pipeline.store.leases import RUN_LOCK

REPO = Path(__file__).resolve().parents[2]
POSTINGS = [{"source_id": f"cm-{n}", "title": title, "company": f"Employer {n}",
             "url": f"https://jobs.example/{n}", "description": "Care coordination, care "
             "plans, discharge planning and utilization review. Active RN license required."}
            for n, title in enumerate(["RN Case Manager", "Care Coordinator",
                                       "Utilization Review Nurse", "Nurse Case Manager"])]


def write_config(folder: Path, **sections) -> Path:
    """A jobs.yaml in ``folder`` over four care-management postings, one subscriber."""
    (folder / "postings").mkdir(exist_ok=True)
    (folder / "postings" / "postings.jsonl").write_text(
        "\n".join(json.dumps(p) for p in POSTINGS) + "\n", encoding="utf-8")
    config = {"profile": {"path": str(REPO / "models" / "care_manager.yaml")},
              "sources": [{"name": "local", "type": "files", "path": "postings"}],
              "subscribers": [{"email": "dana@example.org", "name": "Dana"}],
              "matching": {"min_score": 0.0}, **sections}
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def _config(tmp_path, sources=None, **sections):
    path = write_config(tmp_path, **sections)
    if sources is not None:
        data = yaml.safe_load(path.read_text())
        data["sources"] = sources
        path.write_text(yaml.safe_dump(data))
    return load_config(path)


SOURCES = [{"name": "local", "type": "files", "path": "postings"},
           {"name": "cron-one", "type": "files", "path": "postings",
            "schedule": {"cron": "15 */6 * * *"}},
           {"name": "every-one", "type": "files", "path": "postings",
            "schedule": {"every": "90m"}},
           {"name": "off", "type": "files", "path": "postings", "enabled": False}]


def test_jobs_have_ids_and_triggers_and_each_worker_keeps_them_in_memory(tmp_path):
    config = _config(tmp_path, SOURCES, schedule={"digests_every": "10m"})
    scheduler = schedule.build_scheduler(config)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"source:local", "source:cron-one", "source:every-one", "digests"}
        assert isinstance(jobs["source:cron-one"].trigger, CronTrigger)
        assert jobs["source:every-one"].trigger.interval.total_seconds() == 5400
        assert jobs["source:local"].trigger.interval.total_seconds() == 6 * 3600
        assert jobs["digests"].trigger.interval.total_seconds() == 600
        assert all(j.coalesce and j.max_instances == 1 and j.misfire_grace_time == 1800
                   for j in jobs.values())
    finally:
        scheduler.shutdown(wait=False)
    database = config.database_url().removeprefix("sqlite:///")
    with sqlite3.connect(database) as conn:  # no job store shared by workers in the database
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert "apscheduler_jobs" not in tables and "schedule_fires" in tables


def test_restarting_replaces_jobs_and_drops_removed_sources(tmp_path, db_url):
    config = _config(tmp_path, SOURCES, database={"url": db_url})
    first = _next_runs(config)
    assert set(first) == {"source:local", "source:cron-one", "source:every-one", "digests"}
    changed = _config(tmp_path, SOURCES[:1] + [{**SOURCES[2], "schedule": {"every": "2h"}}],
                      database={"url": db_url})
    scheduler = schedule.build_scheduler(changed)
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"source:local", "source:every-one", "digests"}
    assert jobs["source:every-one"].trigger.interval.total_seconds() == 7200


def test_a_digest_job_with_nothing_new_never_reads_the_profile(tmp_path):
    """Most digest jobs find nothing new: they make no matcher (no profile read, no
    scikit-learn loaded); one with something new to rank does."""
    profile = tmp_path / "profile.yaml"
    profile.write_text((REPO / "models" / "care_manager.yaml").read_text(encoding="utf-8"),
                       encoding="utf-8")
    config = _config(tmp_path, profile={"path": str(profile)})
    profile.write_text("role: [unclosed\n", encoding="utf-8")  # broken after the start
    with Store(config.database_url()) as store:
        report = queue_stage(config, store)  # Dana is due, nothing is stored
        assert (report.subscribers, report.queued) == (1, 0)
        assert report.lines == ["dana@example.org: nothing new above the threshold"]
        assert CliRunner().invoke(cli, ["fetch", "--config", str(config.path)]).exit_code == 0
        with pytest.raises(ProfileError, match="profile.yaml"):  # now there is: it is read
            queue_stage(config, store)


def _next_runs(config):
    scheduler = schedule.build_scheduler(config)
    runs = {j.id: j.next_run_time for j in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    return runs


def test_bad_intervals_and_crontabs_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="'6 hours' is not an interval"):
        schedule.parse_interval("6 hours", "schedule.digests_every")
    assert schedule.parse_interval("45s", "x").total_seconds() == 45
    with pytest.raises(ConfigError, match=r"sources\[0\].schedule.cron"):  # refused at load
        _config(tmp_path, [{"name": "bad", "type": "files", "path": "postings",
                            "schedule": {"cron": "every day"}}])
    assert isinstance(schedule.source_trigger(_config(tmp_path, SOURCES), 2), IntervalTrigger)


def test_a_job_skips_a_source_another_process_is_fetching(tmp_path, monkeypatch, caplog):
    config = _config(tmp_path)
    store = Store(config.database_url())
    owner = store.acquire_lock("fetch:local")  # what a run by hand fetching it holds
    with caplog.at_level(logging.INFO):
        schedule.fetch_job(str(config.path), "local")
    store.release_lock("fetch:local", owner)
    assert "source local skipped: being fetched right now by process" in caplog.text
    assert store.count_postings() == 0
    later = datetime.now(UTC) + timedelta(hours=6)  # its next due time
    monkeypatch.setattr(schedule, "utcnow", lambda: later)
    with caplog.at_level(logging.INFO, logger="pipeline.service.jobs"):
        schedule.fetch_job(str(config.path), "local")
    assert "fetched local: ok, 4 seen, 4 new" in caplog.text


def test_a_job_of_a_source_gone_from_jobs_yaml_logs_a_warning_and_fetches_nothing(
        tmp_path, caplog):
    """A reload can remove a source a moment before its job fires: a warning, not a traceback."""
    config = _config(tmp_path)
    with caplog.at_level(logging.INFO, logger="pipeline.service.jobs"):
        schedule.fetch_job(str(config.path), "renamed-away")
    assert "source renamed-away: no longer an enabled source in jobs.yaml" in caplog.text
    assert Store(config.database_url()).count_postings() == 0


def _start(config_path, cwd):
    """A `pipeline schedule` process that ranks and sends (forked warm, the ranking libraries
    loaded: tests/warm.py)."""
    return popen(["-m", "pipeline", "schedule", "--config", str(config_path)], cwd=cwd,
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, ranking=True)


@pytest.mark.xdist_group(RANKING_GROUP)
def test_schedule_service_runs_jobs_shows_in_status_and_stops_on_sigterm(tmp_path):
    # On SQLite: the workers of tests/service/test_workers.py run, show in status and let go
    # of their leases on PostgreSQL too, and tests/test_run.py queues and sends there.
    path = write_config(tmp_path, schedule={"digests_every": "1s", "sources_every": "1h"})
    service = _start(path, tmp_path)
    outbox = tmp_path / "out" / "emails"
    deadline = time.monotonic() + HANG_GUARD
    while not (outbox.exists() and list(outbox.glob("*.eml"))):
        assert service.poll() is None, service.communicate()
        assert time.monotonic() < deadline, "no digest was written by the scheduler"
        time.sleep(0.2)
    status = CliRunner().invoke(cli, ["status", "--config", str(path)])
    assert f"pid {service.pid}  running" in status.output, status.output
    service.send_signal(signal.SIGTERM)
    _out, log = service.communicate(timeout=60)
    assert service.returncode == 0, log
    assert "job source:local" in log and "fetched local: ok, 4 seen, 4 new" in log
    assert "digests: 1 subscribers, 1 queued, 1 sent" in log
    assert "received SIGTERM" in log and "scheduler stopped" in log
    assert len(list(outbox.glob("*.eml"))) == 1
    with Store(load_config(path).database_url()) as store:
        assert store.holders() == []  # its worker lease released on the way out


def test_a_manual_run_is_refused_while_another_manual_run_holds_the_run_lock(tmp_path):
    path = write_config(tmp_path)
    store = Store(load_config(path).database_url())
    owner = store.acquire_lock(RUN_LOCK)  # what a running `pipeline run` holds
    try:
        result = CliRunner().invoke(cli, ["run", "--config", str(path)])
    finally:
        store.release_lock(RUN_LOCK, owner)
    assert result.exit_code == 3, result.output
    assert "another run is in progress" in result.stderr


class HoldingServer:
    """aiosmtpd handler recording each Message-ID; it holds its reply to the second message
    until ``gate`` is set, so a signal can be sent while a digest batch is surely in flight."""

    def __init__(self):
        self.message_ids: list[str] = []
        self.gate = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        for line in envelope.content.decode("utf-8", "replace").splitlines():
            if line.lower().startswith("message-id:"):
                self.message_ids.append(line.split(":", 1)[1].strip())
        if len(self.message_ids) == 2:
            self.gate.wait(30)
        return "250 OK"


@pytest.mark.xdist_group(RANKING_GROUP)
def test_sigterm_mid_batch_finishes_the_job_and_delivers_each_digest_once(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = HoldingServer()
    controller = Controller(server, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        path = write_config(
            tmp_path, schedule={"digests_every": "1s", "sources_every": "1h"},
            subscribers=[{"email": f"s{n}@example.org"} for n in range(8)],
            email={"transport": "smtp", "unsubscribe_url": "https://alerts.carealerts.test",
                   "unsubscribe_mailto": None, "smtp": {"host": "127.0.0.1", "port": port,
                                                 "security": "none", "timeout": 10}})
        service = _start(path, tmp_path)
        deadline = time.monotonic() + HANG_GUARD
        while len(server.message_ids) < 2:
            assert service.poll() is None, service.communicate()
            assert time.monotonic() < deadline, "the scheduler sent nothing"
            time.sleep(0.05)
        service.send_signal(signal.SIGTERM)  # the digest job is in the middle of its batch
        time.sleep(0.5)  # the service takes the signal while the second message is held
        server.gate.set()
        _out, log = service.communicate(timeout=60)
        assert service.returncode == 0, log
        # The last digest job is the one the signal interrupted (an earlier one may have run
        # before the fetch job stored any posting, and logged its own empty summary).
        assert log.index("received SIGTERM") < log.rindex("digests: 8 subscribers")
        assert "received SIGTERM" in log and "scheduler stopped" in log
        again = CliRunner().invoke(cli, ["notify", "--config", str(path)])
        assert again.exit_code == 0, again.output
    finally:
        server.gate.set()
        controller.stop()
    assert len(server.message_ids) == 8 and len(set(server.message_ids)) == 8
    store = Store(load_config(path).database_url())
    assert store.outbox_rows(["pending", "failed"]) == []
    assert store.holders() == []  # every lease released on the way out


CHICAGO_EIGHT = [{"name": "morning", "type": "files", "path": "postings",
                  "schedule": {"cron": "0 8 * * *"}}]


def test_cron_is_read_in_schedule_timezone_daylight_saving_included(tmp_path):
    config = _config(tmp_path, CHICAGO_EIGHT, schedule={"timezone": "America/Chicago"})
    trigger = schedule.source_trigger(config, 0)
    winter = trigger.get_next_fire_time(None, datetime(2026, 11, 29, 3, 0, tzinfo=UTC))
    summer = trigger.get_next_fire_time(None, datetime(2026, 7, 1, 3, 0, tzinfo=UTC))
    assert winter == datetime(2026, 11, 29, 14, 0, tzinfo=UTC)  # 08:00 CST is 14:00 UTC
    assert summer == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)  # 08:00 CDT is 13:00 UTC
    utc = schedule.source_trigger(_config(tmp_path, CHICAGO_EIGHT), 0)  # the default zone
    assert utc.get_next_fire_time(None, datetime(2026, 11, 29, 3, 0, tzinfo=UTC)) == \
        datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def test_the_stored_cron_job_runs_at_local_time_and_says_so(tmp_path):
    # a daily time 1.5-2.5 hours ahead: never one just missed, which a starting worker runs at once
    hour = (datetime.now(ZoneInfo("America/Chicago")) + timedelta(hours=2)).hour
    ahead = [{**CHICAGO_EIGHT[0], "schedule": {"cron": f"0 {hour} * * *"}}]
    config = _config(tmp_path, ahead, schedule={"timezone": "America/Chicago"})
    scheduler = schedule.build_scheduler(config)
    try:
        job = scheduler.get_job("source:morning")
        local = job.next_run_time.astimezone(ZoneInfo("America/Chicago"))
        line = schedule.describe_job(job, "America/Chicago")
    finally:
        scheduler.shutdown(wait=False)
    assert (local.hour, local.minute) == (hour, 0)
    assert job.next_run_time > datetime.now(UTC)
    assert line.startswith("source:morning: cron[")
    assert f"next run {local:%Y-%m-%d} {hour:02d}:00:00 America/Chicago" in line


def test_an_unknown_schedule_timezone_names_the_key_and_an_example(tmp_path):
    path = write_config(tmp_path, schedule={"timezone": "Mars/Olympus"})
    with pytest.raises(ConfigError, match=r"schedule\.timezone: unknown time zone "
                                          r"'Mars/Olympus'; use an IANA name like "
                                          r"'America/New_York'"):
        load_config(path)
    result = CliRunner().invoke(cli, ["schedule", "--config", str(path)])
    assert result.exit_code == 2
    assert "schedule.timezone: unknown time zone 'Mars/Olympus'" in result.output


def _remotive_answer() -> dict:
    return {"0-legal-notice": "at most 4 times a day", "jobs": [
        {"id": 7, "url": "https://remotive.example/7", "title": "Remote Care Manager",
         "company_name": "Bluestem Health", "candidate_required_location": "USA",
         "publication_date": "2026-03-01T10:00:00", "description": "<p>Care.</p>"}]}


def _two_remotive(url: str, medical_schedule: dict | None = None) -> list[dict]:
    medical = {"name": "rm-medical", "type": "remotive", "url": url, "category": "medical"}
    if medical_schedule is not None:
        medical["schedule"] = medical_schedule
    return [{"name": "local", "type": "files", "path": "postings"},
            {"name": "rm-search", "type": "remotive", "url": url, "search": "care manager"},
            medical]


FAST_HTTP = {"per_host_interval": 0, "retries": 0, "cache_dir": None}


def test_two_sources_of_a_fetch_limited_board_take_turns_under_the_scheduler(
        httpserver, tmp_path, monkeypatch, db_url):
    """Two jobs firing together would let rm-search win Remotive's fetch every time; one job
    for the board fetches the source fetched longest ago."""
    from pipeline.stages import fetch

    httpserver.expect_request("/remotive").respond_with_json(_remotive_answer())
    config = _config(tmp_path, _two_remotive(httpserver.url_for("/remotive")), http=FAST_HTTP,
                     database={"url": db_url})
    scheduler = schedule.build_scheduler(config)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
    assert set(jobs) == {"source:local", "board:remotive", "digests"}
    board = jobs["board:remotive"]
    assert board.trigger.interval.total_seconds() == 6 * 3600  # both sources' default, 6h
    clock = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    fetched = []
    for hours in (0, 2, 6, 12, 18, 24):
        monkeypatch.setattr(fetch, "utcnow", lambda h=hours: clock + timedelta(hours=h))
        monkeypatch.setattr(schedule, "utcnow", lambda h=hours: clock + timedelta(hours=h))
        before = len(httpserver.log)
        board.func(*board.args)  # what the scheduler calls when the job fires
        with Store(config.database_url()) as store:
            latest = store.source_runs(limit=1)
        fetched.append(latest[0].source if len(httpserver.log) > before else None)
    assert fetched == ["rm-search", None, "rm-medical", "rm-search", "rm-medical", "rm-search"]
    with Store(config.database_url()) as store:
        assert len(store.source_runs("rm-search")) == 3
        assert len(store.source_runs("rm-medical")) == 2
        assert store.source_runs("local") == []  # the board job fetches its board only


def test_a_board_job_fires_on_each_schedule_of_its_sources_also_after_a_restart(
        httpserver, tmp_path):
    url = httpserver.url_for("/remotive")
    config = _config(tmp_path, _two_remotive(url, {"cron": "30 1 * * *"}))
    schedule.build_scheduler(config).shutdown(wait=False)
    again = schedule.build_scheduler(config)
    try:
        job = again.get_job("board:remotive")
    finally:
        again.shutdown(wait=False)
    assert str(job.trigger).startswith("or[interval[6:00:00], cron[")
    start = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    assert job.trigger.get_next_fire_time(None, start.replace(hour=1)) == \
        start.replace(hour=1, minute=30)  # the cron's 01:30 comes before the interval's next
    single = _config(tmp_path, _two_remotive(url)[:2])  # one source: its own job, as before
    assert set(schedule.plan_jobs(single)) == {"source:local", "source:rm-search", "digests"}
    off = _config(tmp_path, _two_remotive(url)[:2] + [
        {"name": "rm-off", "type": "remotive", "url": url, "enabled": False}])
    assert "board:remotive" not in schedule.plan_jobs(off)


def test_schedule_unsubscribe_mail_must_be_a_readable_maildir_or_mbox(tmp_path):
    path = write_config(tmp_path, schedule={"unsubscribe_mail": "mail/inbox"})
    result = CliRunner().invoke(cli, ["schedule", "--config", str(path)])
    assert result.exit_code == 2
    assert "schedule.unsubscribe_mail: no such folder or file" in result.output
    assert str(tmp_path / "mail" / "inbox") in result.output  # resolved beside jobs.yaml
    (tmp_path / "mail" / "inbox" / "new").mkdir(parents=True)
    result = CliRunner().invoke(cli, ["fetch", "--config", str(path)])
    assert result.exit_code == 2
    assert "is a folder but not a Maildir (no cur/, tmp/ inside)" in result.output
    for sub in ("cur", "tmp"):
        (tmp_path / "mail" / "inbox" / sub).mkdir()
    assert CliRunner().invoke(cli, ["fetch", "--config", str(path)]).exit_code == 0
    mbox = tmp_path / "mail" / "alerts.mbox"
    mbox.write_text("", encoding="utf-8")
    path = write_config(tmp_path, schedule={"unsubscribe_mail": str(mbox)})
    assert CliRunner().invoke(cli, ["fetch", "--config", str(path)]).exit_code == 0
    path = write_config(tmp_path)  # the key left out: nothing is checked
    assert CliRunner().invoke(cli, ["fetch", "--config", str(path)]).exit_code == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads every file whatever its mode")
def test_an_unreadable_unsubscribe_mbox_is_refused_naming_the_key(tmp_path):
    mbox = tmp_path / "alerts.mbox"
    mbox.write_text("", encoding="utf-8")
    mbox.chmod(0)
    path = write_config(tmp_path, schedule={"unsubscribe_mail": str(mbox)})
    result = CliRunner().invoke(cli, ["schedule", "--config", str(path)])
    assert result.exit_code == 2
    assert f"schedule.unsubscribe_mail: cannot read '{mbox}': permission denied" in result.output


def test_the_digest_job_relays_while_another_worker_queues(tmp_path, caplog):
    """Queueing digests is one worker's at a time; sending needs no lease: every worker relays."""
    config = _config(tmp_path, email={"transport": "file", "outbox_dir": "mail"})
    schedule.fetch_job(str(config.path), "local")
    with Store(config.database_url()) as store:
        queue_stage(config, store)  # queued by a worker that then stopped before sending
        owner = store.acquire_lock(NOTIFY_LOCK)  # another worker queueing
        try:
            with caplog.at_level(logging.INFO, logger="pipeline.service.jobs"):
                schedule.digest_job(str(config.path))
        finally:
            store.release_lock(NOTIFY_LOCK, owner)
        assert store.outbox_rows(("pending",)) == []
    assert "digests not queued by this worker" in caplog.text
    assert "digests: 0 subscribers, 0 queued, 1 sent, 0 pending, 0 failed" in caplog.text
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_a_cron_job_missed_while_no_worker_ran_runs_at_start_once(tmp_path, db_url):
    """Jobs live in each worker's memory: the database's record of due times tells a starting
    worker that the 10-minutes-ago cron firing never ran (within misfire_grace, 30m)."""
    missed_at = datetime.now(UTC) - timedelta(minutes=10)
    cron = {"cron": f"{missed_at.minute} {missed_at.hour} * * *"}
    config = _config(tmp_path, [{"name": "daily", "type": "files", "path": "postings",
                                 "schedule": cron}], database={"url": db_url})
    scheduler = schedule.build_scheduler(config)
    job = scheduler.get_job("source:daily")
    assert job.next_run_time <= datetime.now(UTC)  # due at once
    scheduler.shutdown(wait=False)
    job.func(*job.args)  # what the scheduler runs
    with Store(db_url) as store:
        assert [run.status for run in store.source_runs("daily")] == ["ok"]
    again = schedule.build_scheduler(config)  # a restart: that due time is done now
    assert again.get_job("source:daily").next_run_time > datetime.now(UTC)
    again.shutdown(wait=False)
