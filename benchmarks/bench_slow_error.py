"""Benchmark: how long one fetch takes from a board that answers 503 and trickles its body.

The board (``tests/trickle.py``, on 127.0.0.1) sends a 503 whose 100,000-byte body comes one byte
per ``--interval`` seconds; the client uses jobs.yaml's ``http`` defaults (3 retries), without
cache or pacing, unless given ``key=value`` settings. Every byte of a request falls under
``http.request_deadline``, so the fetch should end as a FetchError at that deadline, after one
request (no retry starts once the deadline has passed).

    python benchmarks/bench_slow_error.py [--interval 1.0] [request_deadline=2 ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from trickle import Trickle  # noqa: E402

from pipeline.config import HttpConfig  # noqa: E402
from pipeline.errors import FetchError  # noqa: E402
from pipeline.http import HttpClient  # noqa: E402


def main() -> None:
    """Fetch once from a trickling 503 and print the time it took and how it ended."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between bytes")
    parser.add_argument("settings", nargs="*", help="http settings as key=value")
    args = parser.parse_args()
    settings = dict(setting.split("=", 1) for setting in args.settings)
    config = HttpConfig(**{"cache_dir": None, "per_host_interval": 0, **settings})
    with Trickle(status=503, interval=args.interval) as board, HttpClient(config) as client:
        start = time.monotonic()
        try:
            client.get(board.url, source="slow")
            outcome = "no error (unexpected)"
        except FetchError as exc:
            outcome = f"FetchError: {exc}"
        print(f"fetch time: {time.monotonic() - start:.1f} s, requests: {board.served}")
        print(outcome)


if __name__ == "__main__":
    main()
