"""`pipeline status` on SQLite and PostgreSQL: the workers holding leases, their heartbeats, and a
lease whose holder stopped renewing."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import yaml
from click.testing import CliRunner
from sqlalchemy import insert

from pipeline.cli import cli
from pipeline.store import Store
from pipeline.store.schema import leases, utcnow


def _status(tmp_path, url: str):
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": url}, "subscribers": [],
        "sources": [{"name": "local", "type": "files", "path": "postings"}]}), encoding="utf-8")
    return CliRunner().invoke(cli, ["status", "--config", str(path)])


def test_status_shows_each_worker_its_heartbeat_and_a_lease_left_by_a_dead_one(tmp_path,
                                                                                db_url):
    then = utcnow() - timedelta(minutes=10)
    with Store(db_url) as store, store.engine.begin() as conn:
        conn.execute(insert(leases).values(
            name="run", owner="dead0000", host="worker-2", pid=77, acquired_at=then,
            heartbeat_at=then, expires_at=then + timedelta(seconds=90)))
    with Store(db_url) as holder:  # a live worker: this process, renewing its lease
        holder.acquire_lock("notify")
        result = _status(tmp_path, db_url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].endswith(", up to date)")
    assert lines[1].startswith("Workers   1: ") and f"(pid {os.getpid()})" in lines[1]
    assert lines[2] == "Leases    2"
    notify_line = next(line for line in lines if line.startswith("  notify"))
    assert f"process {os.getpid()} on " in notify_line and "expires in" in notify_line
    run_line = next(line for line in lines if line.startswith("  run"))
    assert "process 77 on worker-2" in run_line
    beat, expired = re.search(r"heartbeat (\d+)s ago, EXPIRED (\d+)s ago", run_line).groups()
    assert 600 <= int(beat) < 900 and abs(int(beat) - int(expired) - 90) <= 1


def test_status_of_an_empty_database_asks_for_an_upgrade_and_creates_nothing(tmp_path, db_url):
    result = _status(tmp_path, db_url)
    assert result.exit_code == 0, result.output
    assert "(revision none, run `pipeline db upgrade`)" in result.output
    if db_url.startswith("sqlite:///"):  # not even an empty file
        assert not Path(db_url.removeprefix("sqlite:///")).exists()
    with Store(db_url) as store:
        assert store.migrated_from is None  # status did not create the tables
