"""Two real `pipeline schedule` workers on one database (SQLite and PostgreSQL): every due time of
a source fetched once, by either worker; a board's fetch limit held across them and a run by
hand; a worker with nothing to rank never loads the ranking libraries; a worker killed mid-fetch
replaced by the other once its lease expires."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from warm import popen

from pipeline.cli import cli
from pipeline.store import Store
from pipeline.store.fires import Fire

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{name}</title>
<item><title>RN Case Manager {name}</title><link>https://jobs.example/{name}/1</link>
<guid>{name}-1</guid><description>Care coordination and discharge planning.</description></item>
<item><title>Care Coordinator {name}</title><link>https://jobs.example/{name}/2</link>
<guid>{name}-2</guid><description>Utilization review, care plans.</description></item>
</channel></rss>"""

REMOTIVE = {"jobs": [{"id": 7, "url": "https://remotive.example/7", "title": "Remote Care Manager",
                      "company_name": "Bluestem Health", "candidate_required_location": "USA",
                      "publication_date": "2026-03-01T10:00:00", "description": "<p>Care.</p>"}]}

FIRE = Fire("", datetime.now(UTC), None)  # no fire recorded yet
FAST_HTTP = {"per_host_interval": 0, "retries": 0, "cache_dir": None}
#: Seconds a test waits for the workers before calling them hung (not a speed check).
HANG_GUARD = 120


class Boards(ThreadingHTTPServer):
    """Feeds on 127.0.0.1 counting requests per path; the first request of a path in ``hang``
    gets no answer until ``release`` is set."""

    daemon_threads = True

    def __init__(self, hang: set[str] = frozenset()):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hang, self.release = set(hang), threading.Event()
        self.requests: Counter[str] = Counter()
        self.lock = threading.Lock()
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.requests[path] += 1
            first = self.server.requests[path] == 1
        if first and path in self.server.hang:
            self.server.release.wait()
        if path == "/remotive":
            body, kind = json.dumps(REMOTIVE).encode(), "application/json"
        else:
            body, kind = RSS.format(name=path.rsplit("/", 1)[1]).encode(), "application/rss+xml"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Worker:
    """One `pipeline schedule` process (forked warm: tests/warm.py); its log lines collected
    from a thread."""

    def __init__(self, path: Path):
        self.process = popen(["-m", "pipeline", "schedule", "--config", str(path)],
                             cwd=path.parent, stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        self.new: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self.lines.append(line)
            self.new.put(line)

    def log(self) -> str:
        """Everything logged so far."""
        return "".join(self.lines)

    def claims(self) -> list[tuple[str, str]]:
        """(job id, due time) of every firing this worker ran."""
        return re.findall(r"job (\S+) for (\S+) UTC: running here", self.log())

    def stop(self) -> None:
        """SIGTERM, and wait for a clean exit."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=90)


def _config(folder: Path, url: str, sources: list[dict], **schedule) -> Path:
    """jobs.yaml over ``sources``; short leases, so a dead worker is replaced within seconds
    (long enough that a loaded machine's late heartbeats never let a live one's expire)."""
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": url}, "http": FAST_HTTP, "subscribers": [],
        "schedule": {"digests_every": "1h", "lease_ttl": "4s", **schedule},
        "sources": sources}, sort_keys=False), encoding="utf-8")
    return path


def _rss(server: Boards, *names: str) -> list[dict]:
    return [{"name": name, "type": "rss", "feed": server.url(f"/feed/{name}")} for name in names]


def ranking_libraries(pid: int) -> set[str]:
    """Which of scikit-learn, SciPy and pandas the process has loaded (its mapped files; none
    seen where there is no /proc)."""
    maps = Path(f"/proc/{pid}/maps").read_text() if Path("/proc/self/maps").exists() else ""
    return {name for name in ("sklearn", "scipy", "pandas") if f"/{name}/" in maps}


def _wait(condition, workers: list[Worker], what: str) -> None:
    deadline = time.monotonic() + HANG_GUARD
    while not condition():
        for worker in workers:
            assert worker.process.poll() is None, f"a worker stopped:\n{worker.log()}"
        assert time.monotonic() < deadline, f"{what}; logs:\n" + "\n".join(
            w.log() for w in workers)
        time.sleep(0.1)


@pytest.fixture
def boards():
    """Start ``Boards`` servers; stop them (answering any held request) afterwards."""
    started: list[Boards] = []

    def start(hang: set[str] = frozenset()) -> Boards:
        started.append(Boards(hang))
        return started[-1]

    yield start
    for server in started:
        server.release.set()
        server.shutdown()
        server.server_close()


def test_two_workers_fetch_each_due_time_once_and_hold_a_board_limit(tmp_path, db_url,
                                                                     boards):
    server = boards()
    feeds = ["s1", "s2", "s3", "s4"]
    remotive = [{"name": "rm-search", "type": "remotive", "url": server.url("/remotive"),
                 "search": "care manager"},
                {"name": "rm-medical", "type": "remotive", "url": server.url("/remotive"),
                 "category": "medical"}]
    path = _config(tmp_path, db_url, _rss(server, *feeds) + remotive, sources_every="1s")
    workers = [Worker(path), Worker(path)]
    try:
        def three_due_times_each_and_both_fetching() -> bool:
            due = Counter(job for w in workers for job, _ in w.claims())
            return all(due[f"source:{name}"] >= 3 for name in feeds) and all(
                any(job.startswith("source:") for job, _ in w.claims()) for w in workers)

        # a worker started late under load may find the first due times taken: wait until
        # both have fetched, as both do once both run
        _wait(three_due_times_each_and_both_fetching, workers,
              "each source was not run for 3 due times, or a worker never fetched")
        # nothing to rank (no subscriber) or compare (no employer's postings alike): a worker
        # that only fetches never loads the ranking libraries (about a second of each start)
        assert [ranking_libraries(w.process.pid) for w in workers] == [set(), set()]
        by_hand = CliRunner().invoke(cli, ["fetch", "--config", str(path), "--source",
                                           "rm-medical"])
        assert by_hand.exit_code == 0, by_hand.output
    finally:
        for worker in workers:
            worker.stop()
    claims = [claim for w in workers for claim in w.claims()]
    assert len(claims) == len(set(claims)), claims  # no due time of a job ran twice
    for name in feeds:
        ran = sum(1 for job, _ in claims if job == f"source:{name}")
        assert server.requests[f"/feed/{name}"] == ran, (name, server.requests, claims)
    assert all(any(job.startswith("source:") for job, _ in w.claims()) for w in workers), \
        [w.claims() for w in workers]  # both workers did some of the fetching
    assert server.requests["/remotive"] == 1  # Remotive's limit: once in 6 hours, in all
    assert "Remotive allows at most 4 fetches a day" in by_hand.output
    assert all(w.process.returncode == 0 for w in workers), [w.log() for w in workers]
    with Store(db_url) as store:
        assert store.count_postings() == 2 * len(feeds) + 1
        assert store.holders() == []


def test_a_worker_killed_mid_fetch_is_replaced_once_its_lease_expires(tmp_path, db_url, boards):
    server = boards(hang={"/feed/slow"})
    path = _config(tmp_path, db_url, _rss(server, "slow", "s2", "s3"), sources_every="1h")
    workers = [Worker(path), Worker(path)]
    try:
        _wait(lambda: server.requests["/feed/slow"] == 1, workers, "slow was never fetched")
        with Store(db_url) as store:
            _wait(lambda: store.holder("job:source:slow") is not None, workers, "no lease")
            pid = store.holder("job:source:slow").pid
        victim = next(w for w in workers if w.process.pid == pid)
        survivor = next(w for w in workers if w is not victim)
        _wait(lambda: "job source:slow for" in survivor.log() and "looking again at"
              in survivor.log(), workers, "the other worker never fired slow")
        with Store(db_url) as store:  # the other jobs done: only slow's is in flight
            _wait(lambda: all((store.last_fire(f"source:{name}") or FIRE).finished_at
                              for name in ("s2", "s3")), workers, "s2 and s3 not fetched")
        os.kill(pid, signal.SIGKILL)
        victim.process.wait(timeout=30)
        with Store(db_url) as store:
            _wait(lambda: any(r.status == "ok" for r in store.source_runs("slow")),
                  [survivor], "the survivor never fetched slow")
            dead = next(h for h in store.holders() if h.name.startswith("worker:")
                        and h.pid == pid)
            _wait(lambda: dead.expired(), [survivor], "the dead worker's lease never expired")
        status = CliRunner().invoke(cli, ["status", "--config", str(path)])
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.stop()
    assert survivor.process.returncode == 0, survivor.log()
    assert "never finished (its worker stopped); running it here" in survivor.log()
    assert server.requests == {"/feed/slow": 2, "/feed/s2": 1, "/feed/s3": 1}, \
        victim.log() + survivor.log()
    with Store(db_url) as store:
        assert {p.source for p in store.open_postings()} == {"slow", "s2", "s3"}
        assert len(store.open_postings()) == 6  # nothing lost
    assert status.exit_code == 0, status.output
    assert f"pid {pid}  STALE" in status.output
    assert f"pid {survivor.process.pid}  running" in status.output
