"""Benchmark: render and send 1,000 digests to a local SMTP server (aiosmtpd on 127.0.0.1).

    python benchmarks/bench_notify.py [--digests 1000] [--postings 10]

Queues one digest of ``--postings`` postings for each of ``--digests`` subscribers in a fresh
SQLite file, then times the relay (re-check postings open, render text + HTML with inlined CSS,
build the message, send over one SMTP connection, mark sent). Also times rendering alone. Prints
digests per second and peak memory (resident set size of the process). Target: >= 50 digests/s.
"""

from __future__ import annotations

import argparse
import resource
import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import SubscriberConfig, parse_config  # noqa: E402
from pipeline.match import Explanation, Match  # noqa: E402
from pipeline.notify import relay  # noqa: E402
from pipeline.notify.digest import digest_items  # noqa: E402
from pipeline.notify.queue import queue_digest  # noqa: E402
from pipeline.notify.render import render_digest  # noqa: E402
from pipeline.posting import Posting  # noqa: E402
from pipeline.store import Store  # noqa: E402


class Counter:
    """SMTP handler that only counts."""

    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postings(count: int) -> list[Posting]:
    return [Posting(source="bench", source_id=str(n), title=f"RN Case Manager {n}",
                    company=f"Employer {n % 97}", location="Columbus, OH",
                    url=f"https://jobs.example/{n}", salary_min=78000, salary_max=92000,
                    salary_currency="USD", salary_period="year",
                    posted_at=datetime(2026, 11, 20, tzinfo=UTC),
                    description="Coordinate care for members with complex needs. " * 8)
            for n in range(count)]


def _queue(config, store: Store, digests: int, per_digest: int) -> None:
    store.upsert_postings(_postings(max(200, per_digest)))
    postings = store.open_postings()
    why = Explanation(title_match="rn case manager", title_score=1.0,
                      skills=["care coordination", "discharge planning"], credentials=["RN"],
                      missing_credentials=["CCM"])
    now = datetime.now(UTC)
    for n in range(digests):
        sub = store.save_subscriber(SubscriberConfig(email=f"s{n}@example.org", name=f"S {n}"))
        chosen = [postings[(n + k) % len(postings)] for k in range(per_digest)]
        queue_digest(config, store, sub, [Match(posting=p, score=0.9 - k / 100, why=why)
                                          for k, p in enumerate(chosen)], now)


def _render_only(count: int, per_digest: int) -> float:
    why = Explanation(title_match="rn case manager", skills=["care coordination"])
    items = digest_items([Match(posting=p.model_copy(update={"id": i}), score=0.8, why=why)
                          for i, p in enumerate(_postings(per_digest))])
    start = time.perf_counter()
    for _ in range(count):
        render_digest(items, now=datetime.now(UTC), name="S", frequency="daily",
                      unsubscribe_url="https://a.example/u/t", preferences_url="https://a/p/t")
    return time.perf_counter() - start


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--digests", type=int, default=1000)
    parser.add_argument("--postings", type=int, default=10, help="postings per digest")
    args = parser.parse_args()
    counter, port = Counter(), _free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        config = parse_config({
            "database": {"url": f"sqlite:///{Path(folder) / 'bench.db'}"},
            "email": {"transport": "smtp", "unsubscribe_url": "https://alerts.carealerts.test",
                      "unsubscribe_mailto": None,
                      "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}},
            base_dir=Path(folder))
        store = Store(config.database_url())
        _queue(config, store, args.digests, args.postings)
        start = time.perf_counter()
        report = relay(config, store)
        elapsed = time.perf_counter() - start
        store.close()
    controller.stop()
    render_seconds = _render_only(args.digests, args.postings)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"digests sent:            {report.sent} (server received {counter.count}, "
          f"{args.postings} postings each)")
    print(f"render + send + record:  {elapsed:.2f} s = {report.sent / elapsed:.0f} digests/s "
          "(target >= 50)")
    print(f"render only:             {render_seconds:.2f} s = "
          f"{args.digests / render_seconds:.0f} digests/s")
    print(f"peak memory (RSS):       {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
