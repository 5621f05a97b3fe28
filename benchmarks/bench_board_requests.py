"""Benchmark: requests and time per fetch of a large Workday or Oracle employer.

A local threaded server on 127.0.0.1 plays one employer with ``--postings`` postings (2,000 by
default) on Workday (search POSTs of 20, one detail GET per posting) and on Oracle (finder
searches of 25, one ById detail per posting). Each board is fetched twice through the real
``fetch_sources`` (HTTP client, source, SQLite store): the first fetch asks every detail; the
second, with nothing changed on the board, reuses the stored postings and asks only the search
pages. The server counts the requests; the time at the default pacing is what those requests
cost one after another at jobs.yaml's ``http.per_host_interval`` (a board is one host, so its
requests start at least that far apart), measured here with no pacing and no delay.

    python benchmarks/bench_board_requests.py [--postings 2000]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from pipeline.config import HttpConfig, parse_config
from pipeline.http import HttpClient
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store

DEFAULT_INTERVAL = HttpConfig().per_host_interval
DESCRIPTION = "<p>Coordinate care for members after discharge. RN license required.</p>"


def workday(path: str, body: bytes, total: int) -> dict:
    """A Workday answer: a search page (POST) or one posting's detail."""
    if path.endswith("/jobs"):
        asked = json.loads(body)
        ids = range(asked["offset"], min(asked["offset"] + asked["limit"], total))
        return {"total": total, "jobPostings": [
            {"title": f"Care Manager {i}", "externalPath": f"/job/Town/Care-Manager_R{i}",
             "locationsText": "Columbus, OH", "postedOn": "Posted 2 Days Ago",
             "bulletFields": [f"R{i}"]} for i in ids]}
    i = int(path.rsplit("_R", 1)[1])
    return {"jobPostingInfo": {"title": f"Care Manager {i}", "jobDescription": DESCRIPTION,
                               "location": "Columbus, OH", "startDate": "2026-12-01",
                               "timeType": "Full time", "jobReqId": f"R{i}"},
            "hiringOrganization": {"name": "Bench Health"}}


def oracle(path: str, query: dict, total: int) -> dict:
    """An Oracle answer: a finder search page or one requisition's detail."""
    finder = query["finder"][0]
    if path.endswith("recruitingCEJobRequisitions"):
        offset = int(re.search(r"offset=(\d+)", finder)[1])
        limit = int(re.search(r"limit=(\d+)", finder)[1])
        reqs = [{"Id": str(i), "Title": f"Care Manager {i}", "PostedDate": "2026-12-01",
                 "PrimaryLocation": "Columbus, OH, United States"}
                for i in range(offset, min(offset + limit, total))]
        return {"items": [{"TotalJobsCount": total, "requisitionList": reqs}]}
    req_id = re.search(r'Id="(\d+)"', finder)[1]
    return {"items": [{"Id": req_id, "Title": f"Care Manager {req_id}",
                       "ExternalDescriptionStr": DESCRIPTION, "JobSchedule": "Full time",
                       "PrimaryLocation": "Columbus, OH, United States"}]}


def start_server(total: int) -> tuple[ThreadingHTTPServer, list[int]]:
    """The two boards on one local port; the list counts requests answered."""
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: bytes) -> None:
            count[0] += 1
            parts = urlsplit(self.path)
            if parts.path.startswith("/wday/"):
                data = workday(parts.path, body, total)
            else:
                data = oracle(parts.path, parse_qs(parts.query), total)
            raw = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            """A detail, or an Oracle search."""
            self._answer(b"")

        def do_POST(self) -> None:  # noqa: N802
            """A Workday search."""
            self._answer(self.rfile.read(int(self.headers["Content-Length"])))

        def log_message(self, *args: object) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, count


def measure(entry: dict, folder: Path, count: list[int]) -> list[tuple[int, float, int]]:
    """Two fetches of one source: (requests, seconds, postings seen) for each."""
    config = parse_config({"sources": [entry], "database": {"url": f"sqlite:///{folder}/j.db"},
                           "http": {"per_host_interval": 0, "cache_dir": None}},
                          base_dir=folder)
    rows = []
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        for _ in range(2):
            before, started = count[0], time.perf_counter()
            run = fetch_sources(config, store, http).runs[0]
            rows.append((count[0] - before, time.perf_counter() - started, run.seen))
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print requests and time per fetch for each board."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=2000)
    args = parser.parse_args(argv)
    server, count = start_server(args.postings)
    base = f"http://127.0.0.1:{server.server_port}"
    boards = {
        "workday": {"name": "wd", "type": "workday", "url": f"{base}/wday/cxs/bench/Site",
                    "careers_url": "https://bench.wd5.myworkdayjobs.com/Site"},
        "oracle": {"name": "orc", "type": "oracle", "url": f"{base}/hcmRestApi",
                   "careers_url": "https://bench.fa.us2.oraclecloud.com/hcmUI/"
                                  "CandidateExperience/en/sites/CX_1"},
    }
    print(f"{args.postings} postings per employer; default per-host interval "
          f"{DEFAULT_INTERVAL:g} s")
    for board, entry in boards.items():
        with tempfile.TemporaryDirectory() as folder:
            for label, (requests, seconds, seen) in zip(
                    ("first fetch", "unchanged"), measure(entry, Path(folder), count),
                    strict=True):
                paced = requests * DEFAULT_INTERVAL
                print(f"{board:8} {label:12} {requests:5} requests  {seen:5} postings  "
                      f"{seconds:6.1f} s unpaced  ~{paced / 60:5.1f} min at default pacing")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
