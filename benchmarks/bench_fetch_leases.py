"""Benchmark: CPU seconds of ``pipeline fetch`` over many local feeds, for one or more checkouts.

Each source is fetched under a lease of its own (``pipeline.stages.fetch_leases``); this shows
what those leases cost a whole fetch. A threaded server on 127.0.0.1 serves ``--feeds`` RSS
feeds of 20 items; each checkout's ``pipeline fetch`` runs ``--repeats`` times as a subprocess
on a fresh SQLite file, and its CPU time (user + system, of the child) is printed. CPU seconds,
not wall time: the machine may be shared. Compare with another commit through a worktree:

    git worktree add --detach /tmp/main main
    python benchmarks/bench_fetch_leases.py /tmp/main . [--feeds 60] [--repeats 3] [--small]

Without a checkout it measures this tree.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

ITEM = ("<item><title>RN Case Manager {i}</title><link>https://jobs.example/{feed}/{i}</link>"
        "<guid>{feed}-{i}</guid><description>Care coordination {i}.</description></item>")


class _Feeds(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        feed = self.path.rsplit("/", 1)[1]
        items = "".join(ITEM.format(i=i, feed=feed) for i in range(20))
        body = (f"<?xml version='1.0'?><rss version='2.0'><channel><title>{feed}</title>"
                f"{items}</channel></rss>").encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def fetch_cpu(checkout: Path, port: int, feeds: int) -> float:
    """CPU seconds of one ``pipeline fetch`` of ``checkout`` over ``feeds`` feeds."""
    folder = Path(tempfile.mkdtemp())
    config = {"database": {"url": f"sqlite:///{folder}/jobs.db"}, "subscribers": [],
              "http": {"per_host_interval": 0, "retries": 0, "cache_dir": None},
              "sources": [{"name": f"f{n}", "type": "rss",
                           "feed": f"http://127.0.0.1:{port}/feed/f{n}"} for n in range(feeds)]}
    (folder / "jobs.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run([sys.executable, "-m", "pipeline", "fetch", "--config",
                           str(folder / "jobs.yaml")], cwd=folder, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(checkout.resolve())))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(done.stderr[-2000:])
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    """Print each checkout's CPU seconds per fetch, and the least of its repeats."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkouts", nargs="*", type=Path, default=[Path(__file__).parents[1]])
    parser.add_argument("--feeds", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--small", action="store_true", help="10 feeds, once")
    args = parser.parse_args()
    if args.small:
        args.feeds, args.repeats = 10, 1
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Feeds)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    for checkout in args.checkouts:
        runs = [fetch_cpu(checkout, server.server_address[1], args.feeds)
                for _ in range(args.repeats)]
        print(f"{checkout}: {args.feeds} feeds, CPU s per fetch "
              f"{' '.join(f'{run:.2f}' for run in runs)} (least {min(runs):.2f})")
    server.shutdown()


if __name__ == "__main__":
    main()
