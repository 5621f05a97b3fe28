"""Benchmark: 1, 2 and 4 `pipeline schedule` workers sharing one PostgreSQL database.

    python benchmarks/bench_workers.py [--workers 1,2,4] [--sources 200] [--latency 0.2]
                                       [--digests 5000] [--quick] [--no-kill]

What it measures. For each worker count it makes a fresh database (a copy of one seeded with
``--digests`` subscribers, each with one digest queued in the outbox through the project's own
store), writes one jobs.yaml per worker folder (``--sources`` Greenhouse boards served from
127.0.0.1, each answering after ``--latency`` seconds; SMTP to a local aiosmtpd server), starts
that many ``pipeline schedule --config jobs.yaml`` processes as an operator does, and waits until
every source has a recorded fetch and the mail server has every queued Message-ID. Then SIGTERM.

Reported per run: wall time from the first process start (Python start-up included) until both
were done, sources/s and digests/s over the time each part took, the ratio of each to one worker,
CPU seconds of all worker processes (user + system, restarts included; the PostgreSQL server's
own CPU is not counted), duplicated source requests (a board requested more than once: each is
due once a day), duplicated messages (one Message-ID received twice), lost digests (queued, never
received) and sources never fetched. A worker that exits on its own (exit 3: another worker holds
the ``schedule`` lease) is restarted after ``--restart-delay`` seconds, as systemd's
``Restart=on-failure`` or compose's ``restart: unless-stopped`` would; the restarts are counted.

The kill run starts ``--kill-workers`` workers and sends SIGKILL to the one relaying (holder of
the ``notify`` lease, else of the ``run`` lease, else the first) once ``--kill-at`` of the digests
arrived; it is not restarted. It reports the time to finish, lost and duplicated digests (at most
the one in flight may be duplicated). A run with no progress for ``--stall`` seconds, or longer
than ``--timeout``, stops and is reported unfinished with what was left.

PostgreSQL: ``PIPELINE_BENCH_POSTGRES_URL`` (a role that may create databases), else the
server ``scripts/with-postgres.sh`` starts for this run. Wall times move with the machine's load;
the CPU seconds are what to compare between runs on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import workers_harness as harness  # noqa: E402

ROOT = harness.ROOT
UNDER_PG = "PIPELINE_BENCH_UNDER_WITH_POSTGRES"


@dataclass
class Worker:
    """One ``pipeline schedule`` process slot: its folder, process, restarts and exits."""

    folder: Path  # its log; the jobs.yaml is one path for all, as on identical machines
    config: Path
    proc: subprocess.Popen | None = None
    exits: list[int] = field(default_factory=list)
    down_since: float | None = None
    killed: bool = False


class Fleet:
    """Starts, restarts (after an exit of their own), kills and stops worker processes."""

    def __init__(self, workers: list[Worker], restart_delay: float):
        self.workers = workers
        self.restart_delay = restart_delay
        self.env = {**os.environ, "PIPELINE_SECRET": "bench-workers-secret"}
        self.command = _pipeline_command()

    def _start(self, worker: Worker) -> None:
        log = (worker.folder / "worker.log").open("ab")
        worker.proc = subprocess.Popen([*self.command, "schedule", "--config", str(worker.config)],
                                       cwd=worker.folder, env=self.env, stdout=log,
                                       stderr=subprocess.STDOUT)
        log.close()
        worker.down_since = None

    def start(self) -> None:
        """Start every worker."""
        for worker in self.workers:
            self._start(worker)

    def supervise(self) -> None:
        """Restart, after the delay, a worker that exited on its own (not one killed here)."""
        now = time.monotonic()
        for worker in self.workers:
            if worker.killed or worker.proc is None:
                continue
            if worker.down_since is None and worker.proc.poll() is not None:
                worker.exits.append(worker.proc.returncode)
                worker.down_since = now
            if worker.down_since is not None and now - worker.down_since >= self.restart_delay:
                self._start(worker)

    def kill(self, pid: int | None) -> int:
        """SIGKILL the worker with ``pid`` (else the first one running); the pid killed."""
        alive = [w for w in self.workers if w.proc and w.proc.poll() is None and not w.killed]
        victim = next((w for w in alive if w.proc.pid == pid), alive[0])
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        victim.killed = True
        return victim.proc.pid

    def pids(self) -> set[int]:
        """The pids of the workers running now."""
        return {w.proc.pid for w in self.workers if w.proc and w.proc.poll() is None}

    def stop(self, wait: float = 120.0) -> int:
        """SIGTERM every running worker, wait for each; SIGKILL one still running after ``wait``
        seconds. How many had to be killed."""
        running = [w for w in self.workers if w.proc and w.proc.poll() is None]
        for worker in running:
            worker.proc.send_signal(signal.SIGTERM)
        forced = 0
        deadline = time.monotonic() + wait
        for worker in running:
            try:
                worker.proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                worker.proc.kill()
                worker.proc.wait()
                forced += 1
            worker.exits.append(worker.proc.returncode)
        return forced


def _pipeline_command() -> list[str]:
    """The ``pipeline`` console script beside this interpreter, else ``python -m pipeline``."""
    script = Path(sys.executable).parent / "pipeline"
    return [str(script)] if script.exists() else [sys.executable, "-m", "pipeline"]


@dataclass
class Result:
    """What one run measured."""

    label: str
    workers: int
    finished: bool = False
    wall: float = 0.0
    sources_at: float | None = None  # when the last source fetched so far was recorded
    digests_at: float | None = None  # when the last new Message-ID so far arrived
    received: int = 0
    cpu: float = 0.0
    fetched: int = 0
    dup_requests: int = 0
    dup_messages: int = 0
    lost: int = 0
    restarts: int = 0
    forced_stops: int = 0
    killed_pid: int | None = None
    killed_at: float | None = None
    holders: set[int] = field(default_factory=set)
    outbox: dict[str, int] = field(default_factory=dict)


class Run:
    """One scenario: fresh database, N workers, poll until done, stall or timeout."""

    def __init__(self, args, dbs: harness.Databases, boards: harness.BoardServer,
                 mail: harness.MailCounter, folder: Path):
        self.args, self.dbs, self.boards, self.mail, self.folder = args, dbs, boards, mail, folder

    def fleet(self, label: str, workers: int) -> tuple[Fleet, str]:
        """A fleet of ``workers`` on a fresh copy of the seeded database, and that database."""
        url = self.dbs.create(label, template="seed")
        config = harness.write_config(self.folder / label, url, self.boards, self.mail.port)
        slots = []
        for n in range(workers):
            folder = self.folder / label / f"worker{n}"
            folder.mkdir()
            slots.append(Worker(folder=folder, config=config))
        return Fleet(slots, self.args.restart_delay), url

    def __call__(self, label: str, workers: int, kill: bool = False) -> Result:
        """Run the scenario and measure it."""
        self.boards.reset()
        self.mail.reset()
        fleet, url = self.fleet(label, workers)
        engine = harness.watcher(url)
        result = Result(label=label, workers=workers)
        cpu_before = _children_cpu()
        start = time.monotonic()
        fleet.start()
        try:
            self._wait(fleet, engine, result, start, kill)
        finally:
            result.forced_stops = fleet.stop()
        result.cpu = _children_cpu() - cpu_before
        result.restarts = sum(max(0, len(w.exits) - 1) for w in fleet.workers)
        self._count(engine, result)
        engine.dispose()
        if not result.finished:
            _show_logs(fleet)
        return result

    def _wait(self, fleet: Fleet, engine, result: Result, start: float, kill: bool) -> None:
        """Poll the database and the servers until both parts are done (or stall / time out)."""
        args, last, changed = self.args, None, start
        while True:
            time.sleep(0.25)
            fleet.supervise()
            self._poll(fleet, engine, result, time.monotonic() - start)
            if result.fetched >= args.sources and result.received >= args.digests:
                result.finished = True
                return
            state = (result.fetched, sum(self.mail.by_id.values()))  # not the restarts
            if state != last:
                last, changed = state, time.monotonic()
            if kill and result.killed_pid is None and \
                    result.received >= args.kill_at * args.digests:
                result.killed_pid = fleet.kill(_relaying(engine, fleet.pids()))
                result.killed_at = result.wall
            if time.monotonic() - changed > args.stall or result.wall > args.timeout:
                return

    def _poll(self, fleet: Fleet, engine, result: Result, elapsed: float) -> None:
        """Read the progress; note when the sources fetched and digests received last grew."""
        fetched, result.outbox = harness.progress(engine)
        received = len(self.mail.by_id)
        result.holders |= set(harness.lease_pids(engine).values()) & fleet.pids()
        if fetched > result.fetched:
            result.fetched, result.sources_at = fetched, elapsed
        if received > result.received:
            result.received, result.digests_at = received, elapsed
        result.wall = elapsed

    def _count(self, engine, result: Result) -> None:
        """Duplicates and losses, from the servers' counters and the queued Message-IDs."""
        queued = harness.message_ids(engine)
        received = self.mail.by_id
        result.dup_messages = sum(n - 1 for n in received.values() if n > 1)
        result.lost = len(queued - set(received))
        result.dup_requests = sum(n - 1 for n in self.boards.requests.values() if n > 1)
        result.fetched, result.outbox = harness.progress(engine)


def _relaying(engine, pids: set[int]) -> int | None:
    """The worker relaying digests now: holder of ``notify``, else of ``run``, if one of ours."""
    held = harness.lease_pids(engine)
    for name in ("notify", "run"):
        if held.get(name) in pids:
            return held[name]
    return None


def _children_cpu() -> float:
    """User + system CPU seconds of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _show_logs(fleet: Fleet, lines: int = 8) -> None:
    """The last lines of each worker's log, for an unfinished run."""
    for n, worker in enumerate(fleet.workers):
        log = worker.folder / "worker.log"
        tail = log.read_text(errors="replace").splitlines()[-lines:] if log.exists() else []
        print(f"  worker{n} exits {worker.exits}, log tail:", file=sys.stderr)
        for line in tail:
            print(f"    {line[:160]}", file=sys.stderr)


def _rate(count: int, seconds: float | None) -> str:
    return f"{count / seconds:7.1f}" if seconds else "      -"


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:5.2f}x" if value and base else "     -"


def print_table(results: list[Result], args) -> None:
    """One line per run, the scaling ratios against the first (one worker) run."""
    legend = (f"Time until each of {args.sources} sources was fetched and each of "
              f"{args.digests} queued digests was received, with N `pipeline schedule` "
              "processes on one PostgreSQL database. src/s, dig/s: sources fetched, digests "
              "received, over the time until the last of them (from the first start); x1: "
              "against the first run; cpu s: all worker processes (not PostgreSQL, not this "
              "script); dup req: extra requests to a board (each is due once); dup msg: a "
              "Message-ID received again; lost: queued, never received; restarts: worker "
              "exits on its own (3: lease held elsewhere), started again; holders: workers "
              "seen holding a lease.")
    print("\n" + textwrap.fill(legend, 100) + "\n")
    print(f"{'run':<8} {'workers':>7} {'done':>5} {'wall s':>7} {'src/s':>7} {'x1':>6} "
          f"{'dig/s':>7} {'x1':>6} {'cpu s':>6} {'dup req':>7} {'dup msg':>7} {'lost':>5} "
          f"{'unfetched':>9} {'restarts':>8} {'holders':>7}")
    for r in results:
        print(_row(r, results[0], args))
    for r in results:
        notes = [f"outbox {r.outbox}"]
        if r.killed_pid:
            notes.append(f"killed pid {r.killed_pid} at {r.killed_at:.1f}s, "
                         f"{r.wall - r.killed_at:.1f}s from the kill to the end")
        if r.forced_stops:
            notes.append(f"{r.forced_stops} worker(s) ignored SIGTERM for 120s: killed")
        print(f"  {r.label}: " + "; ".join(notes))


def _done(r: Result) -> None:
    """One line as each run ends."""
    print(f"{r.label}: {'done' if r.finished else 'NOT finished'} in {r.wall:.1f}s, "
          f"{r.fetched} sources fetched, {r.cpu:.1f} CPU s", flush=True)


def _row(r: Result, base: Result, args) -> str:
    """One run's line of the table."""
    base_src = base.fetched / base.sources_at if base.sources_at else None
    base_dig = base.received / base.digests_at if base.digests_at else None
    src = r.fetched / r.sources_at if r.sources_at else None
    dig = r.received / r.digests_at if r.digests_at else None
    return (f"{r.label:<8} {r.workers:>7} {'yes' if r.finished else 'NO':>5} {r.wall:7.1f} "
            f"{_rate(r.fetched, r.sources_at)} {_ratio(src, base_src)} "
            f"{_rate(r.received, r.digests_at)} {_ratio(dig, base_dig)} {r.cpu:6.1f} "
            f"{r.dup_requests:>7} {r.dup_messages:>7} {r.lost:>5} "
            f"{args.sources - r.fetched:>9} {r.restarts:>8} {len(r.holders):>7}")


def postgres_url() -> str | None:
    """The server to use: PIPELINE_BENCH_POSTGRES_URL, else one started by
    scripts/with-postgres.sh for this run (this script runs again under it)."""
    url = os.environ.get("PIPELINE_BENCH_POSTGRES_URL")
    if url or os.environ.get(UNDER_PG):
        return url or os.environ.get("PIPELINE_TEST_POSTGRES_URL")
    os.environ[UNDER_PG] = "1"
    os.execvp("bash", ["bash", str(ROOT / "scripts" / "with-postgres.sh"), sys.executable,
                       *sys.argv])
    return None


def parse_args() -> argparse.Namespace:
    """The knobs; ``--quick`` (or ``--small``, as run_all passes) shrinks the run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", help="worker counts, comma-separated: default 1,2,4 "
                        "(--quick: 1,2)")
    parser.add_argument("--sources", type=int, help="default 200 (--quick: 20)")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per board answer")
    parser.add_argument("--digests", type=int, help="default 5000 (--quick: 300)")
    parser.add_argument("--quick", "--small", action="store_true",
                        help="a short run: 20 sources, 300 digests, workers 1,2")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 run")
    parser.add_argument("--kill-workers", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.5,
                        help="share of the digests received before the kill")
    parser.add_argument("--restart-delay", type=float, default=5.0)
    parser.add_argument("--stall", type=float, default=150.0,
                        help="give up after this many seconds without progress")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    quick = args.quick
    args.sources = args.sources or (20 if quick else 200)
    args.digests = args.digests or (300 if quick else 5000)
    args.workers = args.workers or ("1,2" if quick else "1,2,4")
    try:
        args.counts = [int(n) for n in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers: {args.workers!r} is not a comma-separated list of numbers")
    if not args.counts or min(args.counts) < 1:
        parser.error(f"--workers: {args.workers!r}: each count must be 1 or more")
    return args


def main() -> int:
    """Seed once, run every worker count and the kill run, print the table."""
    args = parse_args()
    url = postgres_url()
    if not url:
        print("bench_workers: no PostgreSQL server (set PIPELINE_BENCH_POSTGRES_URL or install "
              "postgresql for scripts/with-postgres.sh); nothing measured", file=sys.stderr)
        return 1
    print(f"{args.sources} sources at {args.latency}s, {args.digests} digests; "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    dbs = harness.Databases(url)
    boards = harness.BoardServer(args.sources, args.latency)
    mail = harness.MailCounter()
    try:
        seeded = time.monotonic()
        harness.seed(dbs.create("seed"), args.digests)
        print(f"seeded in {time.monotonic() - seeded:.1f}s", flush=True)
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as folder:
            run = Run(args, dbs, boards, mail, Path(folder))
            results = []
            for n in args.counts:
                results.append(run(f"w{n}", n))
                _done(results[-1])
            if not args.no_kill:
                results.append(run("kill", args.kill_workers, kill=True))
                _done(results[-1])
    finally:
        mail.stop()
        boards.stop()
        dbs.drop_all()
    print_table(results, args)
    return 0 if all(r.finished and not r.lost for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
