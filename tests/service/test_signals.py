"""Signals that reach a real `pipeline schedule` process while it is still starting.

The database is kept write-locked by the test, so the service is surely still starting (waiting
to take its lock) when the signal comes; then the database is let go.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from waiting import wait_for
from warm import popen

from pipeline.config import load_config
from pipeline.store import Store
from tests.conftest import write_config

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(),
                                reason="reads which signals a process catches from /proc")


def _catches(pid: int, sig: signal.Signals) -> bool:
    """True once the process has a handler for ``sig`` (SigCgt in /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) >> (sig - 1) & 1)
    return False


def _start_blocked(tmp_path):
    """A `pipeline schedule` that has caught its signals, but cannot start (database locked)."""
    path = write_config(tmp_path, schedule={"sources_every": "1h", "digests_every": "1h"},
                        subscribers=[])  # nobody to rank for: the signals are what is checked
    db_path = load_config(path).database_url().removeprefix("sqlite:///")
    Store(f"sqlite:///{db_path}").close()
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # no other writer until the test lets go
    log = tmp_path / "service.log"
    service = popen(["-m", "pipeline", "schedule", "--config", str(path)], cwd=tmp_path,
                    stdout=subprocess.DEVNULL, stderr=log.open("w"))  # forked warm
    wait_for(lambda: _catches(service.pid, signal.SIGHUP), "the service to catch SIGHUP", service)
    return service, blocker, log


def test_sighup_while_starting_is_kept_and_reloads_once_running(tmp_path):
    service, blocker, log = _start_blocked(tmp_path)
    try:
        service.send_signal(signal.SIGHUP)
        time.sleep(0.2)  # the signal is taken while the database is still locked
        assert service.poll() is None, f"SIGHUP killed the starting service: {log.read_text()}"
        blocker.rollback()
        wait_for(lambda: "received SIGHUP: reloading" in log.read_text(),
                  "waiting for the reload", service)
        assert "scheduler started with" in log.read_text()
    finally:
        blocker.close()
        service.send_signal(signal.SIGTERM)
        service.wait(60)
    assert service.returncode == 0, log.read_text()
    assert "scheduler stopped" in log.read_text()


def test_sigterm_while_starting_stops_cleanly_without_an_error(tmp_path):
    service, blocker, log = _start_blocked(tmp_path)
    try:
        service.send_signal(signal.SIGTERM)
        time.sleep(0.2)
        blocker.rollback()
        service.wait(60)
    finally:
        blocker.close()
        if service.poll() is None:
            service.kill()
    text = log.read_text()
    assert service.returncode == 0, text
    assert "received SIGTERM" in text and "scheduler stopped" in text
    assert "ERROR" not in text and "Traceback" not in text
    assert "fetched local" not in text  # stopped before any job ran
