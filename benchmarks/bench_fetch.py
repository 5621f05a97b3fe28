"""Benchmark: one concurrent fetch of 100 sources vs the same sources one after another.

Every source is a Greenhouse board served from 127.0.0.1 by a threaded HTTP server that answers
each request after 200 ms. The boards are spread over 25 local ports, four boards each (each port
is its own host to the client's per-host limits), the way real sources sit on different boards'
hosts. Both runs go through the real ``fetch_sources`` (HTTP client, parsing, SQLite store), in
one process: first sequentially (``http.concurrency: 1``), then concurrently. Concurrency,
per-host limit and per-host interval are jobs.yaml's defaults unless given. The servers count
requests in flight per port, so the per-host limit is checked on the server side too.

What bounds the speed-up: ``concurrency`` (at 8, 100 sources of 200 ms cannot beat 8x, and
overhead leaves ~7.6x; hence the default of 16) and, when many sources share a host, the per-host
interval (with the default 0.5 s, ten boards on one host take at least 4.5 s however many threads
run: politeness first).

    python benchmarks/bench_fetch.py [--sources 100] [--ports 25] [--concurrency N]
                                     [--per-host N] [--interval SECONDS]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from pipeline.config import HttpConfig, parse_config
from pipeline.http import HttpClient
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store

DEFAULTS = HttpConfig()  # the benchmark runs at jobs.yaml's defaults unless told otherwise


class Counter:
    """Requests in flight on one port, and the most seen at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = 0
        self.peak = 0

    def enter(self) -> None:
        """A request started."""
        with self.lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        """A request finished."""
        with self.lock:
            self.now -= 1


def board_body(board: int) -> bytes:
    """A small Greenhouse board: two jobs with escaped HTML content."""
    jobs = [{"id": board * 10 + n, "title": f"Nurse Case Manager {board}-{n}",
             "location": {"name": "Columbus, OH"}, "company_name": f"Employer {board}",
             "updated_at": "2026-03-01T09:00:00Z",
             "absolute_url": f"https://example.org/{board}/{n}",
             "content": "&lt;p&gt;Coordinate care for members.&lt;/p&gt;"} for n in range(2)]
    return json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}}).encode()


def start_server(delay: float) -> tuple[ThreadingHTTPServer, Counter]:
    """A threaded server on a free local port that answers every GET after ``delay`` seconds."""
    counter = Counter()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            """Wait, then answer with the board named by the path."""
            counter.enter()
            try:
                time.sleep(delay)
                body = board_body(int(self.path.split("/")[1]))
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            finally:
                counter.leave()

        def log_message(self, *args) -> None:
            """Keep the benchmark's output to its figures."""
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counter


def make_config(folder: Path, urls: list[str], concurrency: int, per_host: int, interval: float):
    """The benchmark's config: one Greenhouse source per URL, caching off."""
    return parse_config({
        "database": {"url": f"sqlite:///{folder / 'jobs.db'}"},
        "http": {"concurrency": concurrency, "per_host_concurrency": per_host,
                 "per_host_interval": interval, "retries": 0, "cache_dir": None},
        "sources": [{"name": f"board{i}", "type": "greenhouse", "board": f"b{i}", "url": url}
                    for i, url in enumerate(urls)],
    }, base_dir=folder)


def timed_fetch(urls: list[str], concurrency: int, per_host: int,
                interval: float) -> tuple[float, int, dict]:
    """Wall time of one fetch of all sources; postings stored; client-side peak per host."""
    with tempfile.TemporaryDirectory() as folder:
        config = make_config(Path(folder), urls, concurrency, per_host, interval)
        with Store(config.database_url()) as store, HttpClient(config.http) as http:
            started = time.perf_counter()
            report = fetch_sources(config, store, http)
            elapsed = time.perf_counter() - started
            failed = [r.source for r in report.failed]
            if failed:
                sys.exit(f"benchmark broken: sources failed: {failed[:5]}")
            return elapsed, report.seen, http.peak_in_flight()


def main() -> None:
    """Run both fetches and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=100)
    parser.add_argument("--ports", type=int, default=25)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--concurrency", type=int, default=DEFAULTS.concurrency)
    parser.add_argument("--per-host", type=int, default=DEFAULTS.per_host_concurrency)
    parser.add_argument("--interval", type=float, default=DEFAULTS.per_host_interval)
    args = parser.parse_args()
    servers = [start_server(args.delay) for _ in range(args.ports)]
    urls = [f"http://127.0.0.1:{servers[i % args.ports][0].server_port}/{i}/jobs"
            for i in range(args.sources)]
    sequential, seen_seq, _ = timed_fetch(urls, 1, args.per_host, args.interval)
    concurrent, seen_con, client_peaks = timed_fetch(urls, args.concurrency, args.per_host,
                                                     args.interval)
    server_peak = max(counter.peak for _, counter in servers)
    print(f"sources: {args.sources} on {args.ports} local ports, server delay "
          f"{args.delay * 1000:.0f} ms, per-host limit {args.per_host}, "
          f"per-host interval {args.interval} s, concurrency {args.concurrency}")
    print(f"sequential: {sequential:6.2f} s  ({seen_seq} postings)")
    print(f"concurrent: {concurrent:6.2f} s  ({seen_con} postings)")
    print(f"speed-up:   {sequential / concurrent:6.1f}x (target >= 8x)")
    print(f"max in flight per host: server-side {server_peak}, client-side "
          f"{max(client_peaks.values())} (limit {args.per_host})")
    for server, _ in servers:
        server.shutdown()


if __name__ == "__main__":
    main()
