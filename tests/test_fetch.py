"""The fetch stage against real sources: a local HTTP server, local files and a real SQLite file."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from in_flight import InFlight
from local_server import LocalServer
from pytest_httpserver import HTTPServer
from trickle import Trickle
from werkzeug import Request, Response

from pipeline.config import parse_config
from pipeline.errors import ConfigError, UnknownNameError
from pipeline.http import HttpClient
from pipeline.sources import REGISTRY
from pipeline.stages import fetch as fetch_module
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
LONG_TEXT = ("Coordinate care for members with complex needs, build care plans with physicians, "
             "and follow up after discharge. ") * 4


def gh_job(job_id: int, title: str = "Nurse Case Manager", location: str = "Columbus, OH",
           company: str = "Acme Health", content: str = "<p>Coordinate care.</p>") -> dict:
    """One job in Greenhouse's board format."""
    return {"id": job_id, "title": title, "location": {"name": location},
            "absolute_url": f"https://boards.example.org/acme/jobs/{job_id}",
            "updated_at": "2026-03-01T09:00:00-05:00", "company_name": company,
            "content": content.replace("<", "&lt;").replace(">", "&gt;")}


def board(*jobs: dict) -> str:
    """A Greenhouse board body."""
    return json.dumps({"jobs": list(jobs), "meta": {"total": len(jobs)}})


def write_postings(path, *postings: dict) -> None:
    """A files-source JSON file of postings."""
    path.write_text(json.dumps(list(postings)), encoding="utf-8")


def make_config(tmp_path, sources: list[dict], **http) -> object:
    """A validated config with a SQLite file in tmp_path and fast HTTP settings."""
    settings = {"per_host_interval": 0, "retries": 0, "cache_dir": None, **http}
    return parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
                         "http": settings, "sources": sources}, base_dir=tmp_path)


def run(config, now=NOW, only=None):
    """One fetch with a fresh store and client; returns (report, store)."""
    store = Store(config.database_url())
    with HttpClient(config.http) as http:
        report = fetch_sources(config, store, http, only=only, now=now)
    return report, store


def test_healthy_sources_are_stored_and_faulty_ones_reported(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/good/jobs").respond_with_data(
        board(gh_job(1), gh_job(2, "Care Coordinator")), content_type="application/json")
    httpserver.expect_request("/down/jobs").respond_with_data("oops", status=500)
    httpserver.expect_request("/html/jobs").respond_with_data(
        "<html><body>Moved</body></html>", content_type="text/html")
    httpserver.expect_request("/broken/jobs").respond_with_data(
        '{"jobs": [', content_type="application/json")
    sources = [{"name": name, "type": "greenhouse", "board": name,
                "url": httpserver.url_for(f"/{name}/jobs")}
               for name in ("good", "down", "html", "broken")]
    sources.append({"name": "local", "type": "files", "path": str(tmp_path / "missing")})
    report, store = run(make_config(tmp_path, sources))
    status = {r.source: r.status for r in report.runs}
    assert status == {"good": "ok", "down": "failed", "html": "failed", "broken": "failed",
                      "local": "failed"}
    errors = {r.source: r.error for r in report.failed}
    assert "HTTP 500" in errors["down"]
    assert "HTML page" in errors["html"]
    assert "malformed JSON" in errors["broken"]
    assert "does not exist" in errors["local"]
    assert sorted(p.title for p in store.open_postings()) == ["Care Coordinator",
                                                              "Nurse Case Manager"]
    recorded = {r.source: r for r in store.source_runs(limit=10)}
    assert recorded["good"].seen == 2 and recorded["good"].new == 2
    assert recorded["down"].status == "failed" and "HTTP 500" in recorded["down"].error


def test_a_crashing_parser_is_recorded_and_others_go_on(httpserver, tmp_path, monkeypatch):
    class Crashing(REGISTRY["greenhouse"]):
        def fetch(self):
            if self.name == "buggy":
                raise KeyError("title")
            return super().fetch()

    monkeypatch.setitem(fetch_module.REGISTRY, "greenhouse", Crashing)
    httpserver.expect_request("/ok/jobs").respond_with_data(board(gh_job(1)),
                                                            content_type="application/json")
    sources = [{"name": n, "type": "greenhouse", "board": n, "url": httpserver.url_for("/ok/jobs")}
               for n in ("buggy", "fine")]
    report, store = run(make_config(tmp_path, sources))
    assert [(r.source, r.status) for r in report.runs] == [("buggy", "failed"), ("fine", "ok")]
    assert "unexpected KeyError" in report.failed[0].error
    assert store.count_postings() == 1


def test_postings_gone_from_a_full_listing_are_closed(tmp_path):
    path = tmp_path / "postings.json"
    first = [{"source_id": str(i), "title": f"Care Manager {i}", "company": f"Employer {i}"}
             for i in range(3)]
    write_postings(path, *first)
    config = make_config(tmp_path, [{"name": "local", "type": "files", "path": str(path)}])
    run(config)
    write_postings(path, *first[:2])
    report, store = run(config, now=NOW + timedelta(hours=6))
    assert report.runs[0].closed == 1
    assert sorted(p.source_id for p in store.open_postings()) == ["0", "1"]
    closed = [p for p in store.all_postings() if p.closed_at is not None]
    assert [p.source_id for p in closed] == ["2"]


def test_a_failed_fetch_closes_nothing(tmp_path):
    path = tmp_path / "postings.json"
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"})
    config = make_config(tmp_path, [{"name": "local", "type": "files", "path": str(path)}])
    run(config)
    path.write_text("{not json", encoding="utf-8")
    report, store = run(config)
    assert report.runs[0].status == "failed"
    assert store.count_postings(open_only=True) == 1


def test_empty_answer_after_postings_is_suspicious_and_closes_nothing_until_repeated(tmp_path):
    path = tmp_path / "postings.json"
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"})
    config = make_config(tmp_path, [{"name": "local", "type": "files", "path": str(path)}])
    run(config)
    write_postings(path)
    report, store = run(config, now=NOW + timedelta(hours=1))
    assert report.runs[0].status == "empty" and report.runs[0].suspicious
    assert report.suspicious and store.count_postings(open_only=True) == 1
    report, store = run(config, now=NOW + timedelta(hours=2))
    assert not report.runs[0].suspicious and report.runs[0].closed == 1
    assert store.count_postings(open_only=True) == 0


def test_postings_past_valid_through_are_closed(tmp_path):
    path = tmp_path / "postings.json"
    write_postings(path,
                   {"source_id": "old", "title": "Care Manager", "company": "A",
                    "valid_through": (NOW - timedelta(days=1)).isoformat()},
                   {"source_id": "open", "title": "Care Manager", "company": "B",
                    "valid_through": (NOW + timedelta(days=30)).isoformat()})
    report, store = run(make_config(tmp_path, [{"name": "l", "type": "files", "path": str(path)}]))
    assert report.expired == 1 and report.closed == 1
    assert [p.source_id for p in store.open_postings()] == ["open"]


def test_same_job_on_two_boards_is_alerted_once(httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/a/jobs").respond_with_data(
        board(gh_job(1, content=LONG_TEXT)), content_type="application/json")
    httpserver.expect_request("/b/jobs").respond_with_data(
        board(gh_job(77, content=LONG_TEXT)), content_type="application/json")
    sources = [{"name": n, "type": "greenhouse", "board": n,
                "url": httpserver.url_for(f"/{n}/jobs")} for n in ("a", "b")]
    report, store = run(make_config(tmp_path, sources))
    assert report.dedupe.duplicates == 1
    [kept] = store.open_postings()
    assert [d["source"] for d in kept.extra["duplicate_listings"]] == ["b"]


def test_only_names_an_unknown_source(tmp_path):
    config = make_config(tmp_path, [{"name": "l", "type": "files", "path": str(tmp_path)}])
    with pytest.raises(UnknownNameError, match="no enabled source named 'nope'"):
        run(config, only="nope")


def test_sources_are_fetched_concurrently_within_the_per_host_limit(tmp_path):
    served = InFlight(delay=0.2)
    slow_board = served.handler(lambda request: Response(
        board(gh_job(int(request.path.split("/")[1]))), content_type="application/json"))

    server = LocalServer(host="127.0.0.1", threaded=True)
    server.start()
    try:
        for i in range(1, 9):
            server.expect_request(f"/{i}/jobs").respond_with_handler(slow_board)
        sources = [{"name": f"s{i}", "type": "greenhouse", "board": f"b{i}",
                    "url": server.url_for(f"/{i}/jobs")} for i in range(1, 9)]
        config = make_config(tmp_path, sources, concurrency=8, per_host_concurrency=3)
        report, store = run(config)
    finally:
        server.clear()
        server.stop()
    assert [r.status for r in report.runs] == ["ok"] * 8
    assert served.most == 3  # fetched in parallel, never more than three at the one host
    assert store.count_postings() == 8


def test_sources_command_shows_the_last_runs_of_every_source(httpserver: HTTPServer, tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    path = tmp_path / "postings.json"
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"})
    httpserver.expect_request("/down").respond_with_data("no", status=503)
    config = tmp_path / "jobs.yaml"
    config.write_text(
        "database: {url: 'sqlite:///jobs.db'}\n"
        "http: {retries: 0, per_host_interval: 0, cache_dir: null}\n"
        "sources:\n"
        f"  - {{name: local, type: files, path: {path}}}\n"
        f"  - {{name: down, type: greenhouse, board: x, url: '{httpserver.url_for('/down')}'}}\n"
        f"  - {{name: later, type: files, path: {path}, enabled: false}}\n", encoding="utf-8")
    fetched = CliRunner().invoke(cli, ["fetch", "--config", str(config)])
    assert fetched.exit_code == 0, fetched.output
    assert "down: failed" in fetched.output and "HTTP 503" in fetched.output
    shown = CliRunner().invoke(cli, ["sources", "--config", str(config), "--limit", "2"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert any("local" in line and "ok" in line and " 1 " in line for line in lines)
    assert any("down" in line and "failed" in line for line in lines)
    assert any("later" in line and "never fetched" in line for line in lines)


def test_a_board_listing_one_id_twice_is_stored_once(tmp_path):
    path = tmp_path / "postings.json"
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"},
                   {"source_id": "1", "title": "Care Manager (updated)", "company": "A"})
    report, store = run(make_config(tmp_path, [{"name": "l", "type": "files", "path": str(path)}]))
    assert report.runs[0].status == "ok" and report.runs[0].seen == 1
    assert [p.title for p in store.open_postings()] == ["Care Manager (updated)"]


def test_a_job_is_open_all_day_on_its_closing_date(httpserver: HTTPServer, tmp_path):
    job = {**gh_job(1), "application_deadline": NOW.date().isoformat()}
    httpserver.expect_request("/gh/jobs").respond_with_data(board(job),
                                                            content_type="application/json")
    config = make_config(tmp_path, [{"name": "gh", "type": "greenhouse", "board": "gh",
                                     "url": httpserver.url_for("/gh/jobs")}])
    report, store = run(config, now=NOW.replace(hour=23, minute=0))
    assert report.expired == 0 and store.count_postings(open_only=True) == 1
    report, store = run(config, now=NOW + timedelta(days=1))
    assert report.expired == 1 and store.count_postings(open_only=True) == 0


def test_a_posting_the_database_refuses_is_skipped_and_the_rest_stored(tmp_path):
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    write_postings(good, {"source_id": "g", "title": "Care Coordinator", "company": "G"})
    write_postings(bad, {"source_id": "1", "title": "Care Manager", "company": "A"},
                   {"source_id": "2", "title": "Case Manager", "company": "B"})
    config = make_config(tmp_path, [{"name": "bad", "type": "files", "path": str(bad)},
                                    {"name": "good", "type": "files", "path": str(good)}])
    store = Store(config.database_url())
    with store.engine.begin() as conn:  # the database itself refuses the second posting
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON postings "
                             "WHEN NEW.source_id = '2' BEGIN SELECT RAISE(ABORT, 'disk says no'); "
                             "END")
    report, store = run(config)
    assert [(r.source, r.status) for r in report.runs] == [("bad", "ok"), ("good", "ok")]
    assert report.runs[0].error == ("could not store 1 of its postings "
                                    "(first: 2: IntegrityError: disk says no)")
    assert [p.source_id for p in store.all_postings()] == ["1", "g"]


def test_a_posting_whose_update_the_database_refuses_stays_open(tmp_path):
    """A full listing closes what it no longer lists, not what it lists but could not store."""
    path = tmp_path / "postings.json"
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"},
                   {"source_id": "2", "title": "Case Manager", "company": "B"})
    config = make_config(tmp_path, [{"name": "l", "type": "files", "path": str(path)}])
    _, store = run(config)
    with store.engine.begin() as conn:  # the database refuses the change of the second one
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE UPDATE OF title ON postings "
                             "WHEN NEW.source_id = '2' BEGIN SELECT RAISE(ABORT, 'disk says no'); "
                             "END")
    write_postings(path, {"source_id": "1", "title": "Care Manager", "company": "A"},
                   {"source_id": "2", "title": "Senior Case Manager", "company": "B"})
    report, store = run(config, now=NOW + timedelta(hours=1))
    assert (report.runs[0].status, report.runs[0].closed) == ("ok", 0)
    assert "could not store 1 of its postings (first: 2:" in report.runs[0].error
    assert [(p.source_id, p.title) for p in store.open_postings()] == [
        ("1", "Care Manager"), ("2", "Case Manager")]


def test_dates_a_board_put_in_extra_are_stored_as_text(tmp_path):
    path = tmp_path / "postings.yaml"
    path.write_text("- {source_id: '1', title: Care Manager, extra: {deadline: 2026-01-05}}\n",
                    encoding="utf-8")
    report, store = run(make_config(tmp_path, [{"name": "l", "type": "files", "path": str(path)}]))
    assert report.runs[0].status == "ok", report.runs[0].error
    assert store.open_postings()[0].extra["deadline"] == "2026-01-05"


def test_a_state_written_out_meets_its_code_so_the_job_is_kept_once(tmp_path):
    page, board_file = tmp_path / "page.json", tmp_path / "board.json"
    job = {"title": "Care Manager", "company": "Lakeside Health", "city": "Springfield"}
    write_postings(page, {**job, "source_id": "p1", "region": "Illinois", "country": "US"})
    write_postings(board_file, {**job, "source_id": "b1", "region": "IL", "country": "US"})
    report, store = run(make_config(tmp_path, [
        {"name": "careers", "type": "files", "path": str(page)},
        {"name": "board", "type": "files", "path": str(board_file)}]))
    assert report.dedupe.duplicates == 1
    [kept] = store.open_postings()
    assert (kept.source, kept.region) == ("careers", "IL")


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"


def test_every_kind_of_fault_beside_healthy_boards_of_every_kind(tmp_path):
    """The issue's fault list in one run: each faulty source reported, every healthy one stored."""
    server = LocalServer(host="127.0.0.1", threaded=True)  # a hung board must not hold the others
    server.start()
    calls: list[int] = []

    def limited_then_ok(request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(board(gh_job(5)), content_type="application/json")

    def hung(request: Request) -> Response:
        time.sleep(1.0)
        return Response("{}", content_type="application/json")

    def fixture(board_name: str, name: str) -> str:
        return (FIXTURES / board_name / name).read_text(encoding="utf-8")

    html = "text/html; charset=utf-8"
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    server.expect_request("/ashby").respond_with_data(fixture("ashby", "job-board.json"),
                                                      content_type="application/json")
    server.expect_request("/page").respond_with_data(fixture("jsonld", "rn-care-manager.html"),
                                                     content_type=html)  # a broken block too
    server.expect_request("/remotive").respond_with_data(fixture("remotive", "empty.json"),
                                                         content_type="application/json")
    server.expect_request("/limited").respond_with_handler(limited_then_ok)
    server.expect_request("/hung").respond_with_handler(hung)
    server.expect_request("/big").respond_with_data("[" + " " * 20_000 + "]",
                                                    content_type="application/json")
    server.expect_request("/latin").respond_with_data(
        board(gh_job(9, title="Gestionnaire de cas, santé")).encode("cp1252"),
        content_type="application/json; charset=utf-8")  # declared wrong
    url = server.url_for
    sources = [
        {"name": "ashby", "type": "ashby", "board": "b", "url": url("/ashby")},
        {"name": "careers", "type": "jsonld", "pages": [url("/page")]},
        {"name": "remotive", "type": "remotive", "url": url("/remotive")},
        {"name": "limited", "type": "greenhouse", "board": "l", "url": url("/limited")},
        {"name": "latin", "type": "greenhouse", "board": "f", "url": url("/latin")},
        {"name": "hung", "type": "workable", "account": "h", "url": url("/hung")},
        {"name": "big", "type": "lever", "site": "s", "url": url("/big")},
        {"name": "refused", "type": "greenhouse", "board": "r",
         "url": f"http://127.0.0.1:{_free_port()}/jobs"},
    ]
    try:
        report, store = run(make_config(tmp_path, sources, retries=1, backoff=0.01,
                                        read_timeout=0.4, max_body_bytes=10_000))
    finally:
        server.clear()
        server.stop()
    status = {r.source: (r.status, r.error or "") for r in report.runs}
    assert {name: s for name, (s, _) in status.items()} == {
        "ashby": "ok", "careers": "ok", "remotive": "empty", "limited": "ok", "latin": "ok",
        "hung": "failed", "big": "failed", "refused": "failed"}
    assert "timed out" in status["hung"][1]
    assert "10000-byte limit" in status["big"][1]
    assert "connection refused" in status["refused"][1]
    titles = {p.source: p.title for p in store.open_postings()}
    assert titles["careers"] == "RN Care Manager"  # the good block beside the broken one
    assert titles["latin"] == "Gestionnaire de cas, santé"
    assert {"ashby", "limited"} <= set(titles)


def _free_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Text no database or e-mail can hold: cleaned where postings enter the model, for every source.

#: A lone surrogate and a NUL byte: valid JSON escapes that UTF-8 and PostgreSQL cannot hold.
HOSTILE = "\ud800 Case\u0000 Manager"


def test_a_lone_surrogate_and_nul_from_a_board_are_cleaned_and_the_board_stored(
        httpserver: HTTPServer, tmp_path):
    hostile = gh_job(1, title=HOSTILE, company="Acme\u0000 Health",
                     content="<p>Coordinate care\ud800.</p>")
    body = board(hostile, gh_job(2, "Care Coordinator"))
    assert "\\ud800" in body and "\\u0000" in body  # the JSON escapes a board would send
    httpserver.expect_request("/gh/jobs").respond_with_data(body,
                                                            content_type="application/json")
    later = tmp_path / "later.json"
    write_postings(later, {"source_id": "l1", "title": "Care Manager", "company": "Later"})
    config = make_config(tmp_path, [
        {"name": "gh", "type": "greenhouse", "board": "gh",
         "url": httpserver.url_for("/gh/jobs")},
        {"name": "later", "type": "files", "path": str(later)}])
    report, store = run(config)
    assert [(r.source, r.status, r.seen, r.error) for r in report.runs] == [
        ("gh", "ok", 2, None), ("later", "ok", 1, None)]
    stored = {p.source_id: p for p in store.all_postings()}
    assert stored["1"].title == "\ufffd Case Manager"
    assert stored["1"].company == "Acme Health"
    assert stored["1"].description.encode("utf-8").startswith(b"Coordinate care")
    assert sorted(stored) == ["1", "2", "l1"]


def test_a_lone_surrogate_and_nul_in_local_files_are_cleaned_everywhere(tmp_path):
    path = tmp_path / "postings.jsonl"
    record = {"source_id": "s\u0000 1", "title": HOSTILE, "location": "Columbus\u0007, OH",
              "extra": {"team\ud800": ["Care\u0000 Team", {"lead": "Dana\udfff"}]}}
    path.write_text(json.dumps(record) + "\n", encoding="utf-8")  # escapes, as a file holds them
    report, store = run(make_config(tmp_path, [{"name": "l", "type": "files", "path": str(path)}]))
    assert report.runs[0].status == "ok", report.runs[0].error
    [posting] = store.all_postings()
    assert (posting.source_id, posting.title, posting.location) == (
        "s 1", "\ufffd Case Manager", "Columbus, OH")
    assert posting.extra == {"team\ufffd": ["Care Team", {"lead": "Dana\ufffd"}],
                             "file": str(path), "file_stamp": posting.extra["file_stamp"]}


def test_a_503_that_trickles_its_body_fails_its_source_and_the_next_is_stored(
        httpserver: HTTPServer, tmp_path):
    httpserver.expect_request("/good/jobs").respond_with_data(board(gh_job(1)),
                                                              content_type="application/json")
    with Trickle(status=503) as slow:
        config = make_config(tmp_path, [
            {"name": "slow", "type": "greenhouse", "board": "slow", "url": slow.url},
            {"name": "good", "type": "greenhouse", "board": "good",
             "url": httpserver.url_for("/good/jobs")}],
            retries=3, read_timeout=0.5, request_deadline=1)
        report, store = run(config)
    assert [(r.source, r.status) for r in report.runs] == [("slow", "failed"), ("good", "ok")]
    assert "HTTP 503 body still arriving at the 1-s request deadline" in report.runs[0].error
    assert [p.source for p in store.all_postings()] == ["good"]


def test_a_source_max_age_days_leaves_out_older_postings_and_counts_them(tmp_path):
    path = tmp_path / "postings.json"
    write_postings(path, *[{"source_id": sid, "title": "Nurse Case Manager", "company": "Acme",
                            "url": f"https://jobs.example/{sid}", "description": LONG_TEXT,
                            **({"posted_at": (NOW - timedelta(days=days)).isoformat()}
                               if days is not None else {})}
                           for sid, days in [("new", 2), ("old", 45), ("undated", None)]])
    config = make_config(tmp_path, [{"name": "local", "type": "files", "path": str(path),
                                     "max_age_days": 30}])
    report, store = run(config)
    assert sorted(p.source_id for p in store.all_postings()) == ["new", "undated"]
    assert report.too_old == {"local": 1} and report.runs[0].new == 2


def test_max_age_days_must_be_a_whole_number_of_days(tmp_path):
    with pytest.raises(ConfigError, match="max_age_days"):
        make_config(tmp_path, [{"name": "local", "type": "files", "path": "x",
                                "max_age_days": "30"}])


@pytest.mark.parametrize("key", ["max_age_days", "stale_after_days"])
def test_a_board_with_its_own_keys_checks_the_shared_day_counts_too(tmp_path, key):
    with pytest.raises(ConfigError, match=key):
        make_config(tmp_path, [{"name": "w", "type": "workday", key: "30",
                                "careers_url": "https://acme.wd5.myworkdayjobs.com/Careers"}])


FETCH_PROBE = """
import sys
from pipeline.config import load_config
from pipeline.run import fetch_stage
from pipeline.store import Store
config = load_config(sys.argv[1])
with Store(config.database_url()) as store:
    report = fetch_stage(config, store)
heavy = ("sklearn", "bs4", "feedparser", "alembic", "requests", "urllib3")
print(report.new, report.dedupe.groups, sorted(m for m in heavy if m in sys.modules))
"""


def test_fetching_local_files_loads_no_library_it_does_not_use(tmp_path):
    """Start-up costs every run: the fetch stage of local files imports no scikit-learn, no
    HTML or feed parser, no HTTP library, and no Alembic for a database already at the current
    schema."""
    folder = tmp_path / "postings"
    folder.mkdir()
    text = "Coordinate care for members after discharge with their physicians. " * 5
    write_postings(folder / "a.json", *[
        {"source_id": str(i), "title": "RN Case Manager", "company": "Acme Health",
         "location": city, "description": text} for i, city in enumerate(["Dayton", "Akron"])])
    (tmp_path / "jobs.yaml").write_text(json.dumps({
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "sources": [{"name": "local", "type": "files", "path": str(folder)}]}))
    Store(f"sqlite:///{tmp_path / 'jobs.db'}").close()  # made at the current schema
    done = subprocess.run([sys.executable, "-c", FETCH_PROBE, str(tmp_path / "jobs.yaml")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split("\n")[0] == "2 1 []"
