"""Benchmark: requests per fetch and time for a 2,000-posting employer, per new source.

Each source reads a synthetic 2,000-posting board in its own format, served from 127.0.0.1 by a
threaded HTTP server that counts requests. The fetch runs through the real source and HTTP client
without pacing (``measured``); the time at jobs.yaml's default pacing is then
``requests x per_host_interval`` at least (every request goes to one host, and the client starts
one request per interval there), which is what an operator waits for.

iCIMS classic listings are taken to show 20 jobs a page; the aggregators (Adzuna, CareerOneStop)
are searches capped by ``max_pages`` (their defaults read a window of 500 / 1,000 postings, which
is shown too).

    python benchmarks/bench_sources_2000.py [--postings 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from pipeline.config import HttpConfig
from pipeline.http import HttpClient
from pipeline.sources.adzuna import AdzunaConfig, AdzunaSource
from pipeline.sources.careeronestop import CareerOneStopConfig, CareerOneStopSource
from pipeline.sources.icims import IcimsConfig, IcimsSource
from pipeline.sources.jibe import JibeConfig, JibeSource

ICIMS_PAGE = 20


def jibe_body(n: int, query: dict) -> str:
    page, limit = int(query["page"][0]), int(query["limit"][0])
    jobs = [{"data": {"req_id": str(i), "title": f"Care Manager {i}", "city": "Columbus",
                      "state": "Ohio", "country_code": "US", "description": "<p>Care.</p>",
                      "posted_date": "2026-11-24T15:02:00+0000"}}
            for i in range((page - 1) * limit, min(page * limit, n))]
    return json.dumps({"jobs": jobs, "totalCount": n})


def adzuna_body(n: int, path: str, query: dict) -> str:
    page, size = int(path.rsplit("/", 1)[1]), int(query["results_per_page"][0])
    results = [{"id": str(i), "title": f"Case Manager {i}", "description": "Care.",
                "created": "2026-11-30T14:05:11Z", "location": {"area": ["US", "Ohio"]}}
               for i in range((page - 1) * size, min(page * size, n))]
    return json.dumps({"count": n, "results": results})


def cos_body(n: int, path: str) -> str:
    parts = path.split("/")
    start, size = int(parts[-3]), int(parts[-2])
    jobs = [{"JvId": f"J{i}", "JobTitle": f"Care Manager {i}", "Location": "Dayton, OH",
             "AccquisitionDate": "2026-11-29T00:00:00"} for i in range(start, min(start + size, n))]
    return json.dumps({"Jobcount": str(n), "Jobs": jobs})


def icims_body(n: int, path: str, query: dict) -> str:
    if path.startswith("/jobs/search"):
        page = int(query["pr"][0])
        cards = "".join(
            f'<li class="iCIMS_JobCardItem"><div class="header"><span class="sr-only">Job '
            f'Locations</span><span>US-OH-Columbus</span></div><a class="iCIMS_Anchor" '
            f'href="/jobs/{i}/care-manager/job"><h3>Care Manager {i}</h3></a></li>'
            for i in range(page * ICIMS_PAGE, min((page + 1) * ICIMS_PAGE, n)))
        last = (page + 1) * ICIMS_PAGE >= n
        more = "" if last else f'<a href="/jobs/search?pr={page + 1}">Next</a>'
        return f'<html><body><ul class="iCIMS_JobCards">{cards}</ul>{more}</body></html>'
    return '<html><body><div class="iCIMS_JobContent"><p>Coordinate care.</p></div></body></html>'


def serve(n: int) -> tuple[ThreadingHTTPServer, dict]:
    """A local server answering every board's format; returns it and its request counter."""
    counts = {"requests": 0}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            with lock:
                counts["requests"] += 1
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            if parts.path == "/robots.txt":
                body, status = "", 404
            elif parts.path.startswith("/api/jobs"):
                body, status = jibe_body(n, query), 200
            elif parts.path.startswith("/adzuna/"):
                body, status = adzuna_body(n, parts.path, query), 200
            elif parts.path.startswith("/cos/"):
                body, status = cos_body(n, parts.path), 200
            else:
                body, status = icims_body(n, parts.path, query), 200
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, counts


def sources(base: str, n: int) -> list:
    """Each new source at its defaults, and with enough pages to read all ``n`` postings."""
    os.environ.setdefault("BENCH_KEY", "k")
    keys = {"app_id": "${BENCH_KEY}", "app_key": "${BENCH_KEY}"}
    cos = {"user_id": "${BENCH_KEY}", "token": "${BENCH_KEY}"}
    return [
        ("icims (defaults)", IcimsSource(IcimsConfig(name="i", type="icims", portal=base,
                                                     url=base))),
        ("jibe (defaults)", JibeSource(JibeConfig(name="j", type="jibe", api=f"{base}/api/jobs"))),
        ("adzuna (defaults: 10 pages)", AdzunaSource(AdzunaConfig(
            name="a", type="adzuna", query="case manager", url=f"{base}/adzuna", **keys))),
        ("adzuna (all 2,000: 40 pages)", AdzunaSource(AdzunaConfig(
            name="a", type="adzuna", query="case manager", url=f"{base}/adzuna", max_pages=40,
            **keys))),
        ("careeronestop (defaults: 10 pages)", CareerOneStopSource(CareerOneStopConfig(
            name="c", type="careeronestop", query="case manager", url=f"{base}/cos", **cos))),
        ("careeronestop (all 2,000: 20 pages)", CareerOneStopSource(CareerOneStopConfig(
            name="c", type="careeronestop", query="case manager", url=f"{base}/cos",
            max_pages=20, **cos))),
    ]


def main() -> None:
    """Run every source once against the synthetic board and print one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=2000)
    n = parser.parse_args().postings
    interval = HttpConfig().per_host_interval
    server, counts = serve(n)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for label, source in sources(base, n):
            with HttpClient(HttpConfig(cache_dir=None, per_host_interval=0, retries=0)) as http:
                source.http = http
                counts["requests"] = 0
                started = time.perf_counter()
                postings = source.fetch()
                seconds = time.perf_counter() - started
            requests = counts["requests"]
            print(json.dumps({"source": label, "postings": len(postings), "requests": requests,
                              "measured_s": round(seconds, 2),
                              "at_default_pacing_s": round(max(seconds, requests * interval), 1),
                              "per_host_interval": interval}))
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
