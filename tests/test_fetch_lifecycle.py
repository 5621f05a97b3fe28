"""When stored postings close: partial feeds, the stale rule, read errors, sources no longer
configured; and boards that limit fetches (per board, with slack for a lock-delayed run).

Real parts only: feeds and Remotive answers served by a local HTTP server, a real SQLite file,
and the CLI through click's runner. Time is passed to ``fetch_sources`` as ``now``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from pipeline.cli import cli
from pipeline.config import load_config, parse_config
from pipeline.errors import ConfigError
from pipeline.http import HttpClient
from pipeline.posting import Posting
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store
from pipeline.store.leases import LOCK_WAIT

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
RSS_TYPE = "application/rss+xml"


def feed(*ids: int) -> str:
    """An RSS 2.0 job feed of the given items, newest first, as job feeds list them."""
    items = "".join(
        f"<item><title>Nurse Case Manager {i}</title><guid>https://jobs.example.org/job-{i}</guid>"
        f"<link>https://jobs.example.org/{i}</link>"
        f"<pubDate>{format_datetime(NOW - timedelta(days=i))}</pubDate>"
        f"<description>&lt;p&gt;Coordinate care for members ({i}).&lt;/p&gt;</description></item>"
        for i in ids)
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>Care jobs</title>'
            f"<link>https://jobs.example.org/</link><description>jobs</description>{items}"
            "</channel></rss>")


class Board:
    """A local server whose answer a test changes between fetches; it counts the requests."""

    def __init__(self, server: HTTPServer, path: str, content_type: str):
        self.body, self.status, self.requests = "", 200, 0
        self.content_type = content_type
        server.expect_request(path).respond_with_handler(self._answer)
        self.url = server.url_for(path)

    def _answer(self, request: Request) -> Response:
        self.requests += 1
        return Response(self.body, status=self.status, content_type=self.content_type)


def config_of(tmp_path, sources: list[dict], **sections) -> object:
    """A validated config with a SQLite file in tmp_path and fast HTTP settings."""
    http = {"per_host_interval": 0, "retries": 0, "cache_dir": None}
    return parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"}, "http": http,
                         "sources": sources, **sections}, base_dir=tmp_path)


def fetch(config, now, only=None):
    """One fetch with a fresh store and client; returns (report, open source ids by source)."""
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        report = fetch_sources(config, store, http, only=only, now=now)
        open_ids: dict[str, list[str]] = {}
        for posting in store.open_postings():
            short = posting.source_id.rsplit("/", 1)[-1]  # a feed's guid URL: its last part
            open_ids.setdefault(posting.source, []).append(short)
    return report, open_ids


def rss_source(board: Board, name: str = "feed", **extra) -> dict:
    return {"name": name, "type": "rss", "feed": board.url, **extra}


def test_a_feed_of_the_latest_items_closes_nothing_that_scrolls_off(httpserver, tmp_path):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board)])
    board.body = feed(1, 2, 3)
    fetch(config, NOW)
    board.body = feed(0, 1, 2)  # a new job pushed job 3 off the end of the feed
    report, open_ids = fetch(config, NOW + timedelta(days=1))
    assert (report.runs[0].status, report.runs[0].closed) == ("ok", 0)
    assert sorted(open_ids["feed"]) == ["job-0", "job-1", "job-2", "job-3"]


def test_a_feed_declared_full_listing_closes_what_it_no_longer_shows(httpserver, tmp_path):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board, full_listing=True)])
    board.body = feed(1, 2, 3)
    fetch(config, NOW)
    board.body = feed(1, 2)
    report, open_ids = fetch(config, NOW + timedelta(days=1))
    assert report.runs[0].closed == 1
    assert sorted(open_ids["feed"]) == ["job-1", "job-2"]


def test_a_full_listing_feed_with_an_unreadable_item_closes_nothing(httpserver, tmp_path):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board, full_listing=True)])
    board.body = feed(1, 2)
    fetch(config, NOW)
    board.body = feed(1).replace("</channel>", "<item><guid>https://jobs.example.org/job-2</guid></item></channel>")
    report, open_ids = fetch(config, NOW + timedelta(days=1))  # job 2 lost its title
    assert report.runs[0].closed == 0
    assert sorted(open_ids["feed"]) == ["job-1", "job-2"]


def test_a_posting_not_shown_for_stale_after_days_is_closed(httpserver, tmp_path):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board)])  # default: 30 days
    board.body = feed(1, 2, 3)
    fetch(config, NOW)
    board.body = feed(1, 2)
    report, open_ids = fetch(config, NOW + timedelta(days=29))
    assert report.runs[0].closed == 0 and len(open_ids["feed"]) == 3
    report, open_ids = fetch(config, NOW + timedelta(days=31))
    assert (report.runs[0].closed, report.closed) == (1, 1)
    assert sorted(open_ids["feed"]) == ["job-1", "job-2"]
    board.body = feed(1, 2, 3)  # shown again: open again
    _, open_ids = fetch(config, NOW + timedelta(days=32))
    assert sorted(open_ids["feed"]) == ["job-1", "job-2", "job-3"]


@pytest.mark.parametrize(("sections", "own", "closes_after"), [
    ({"postings": {"stale_after_days": 10}}, {}, 10),
    ({"postings": {"stale_after_days": 10}}, {"stale_after_days": 3}, 3),
])
def test_stale_after_days_from_the_postings_section_or_the_source(
        httpserver, tmp_path, sections, own, closes_after):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board, **own)], **sections)
    board.body = feed(1, 2)
    fetch(config, NOW)
    board.body = feed(1)
    _, open_ids = fetch(config, NOW + timedelta(days=closes_after, hours=-1))
    assert sorted(open_ids["feed"]) == ["job-1", "job-2"]
    _, open_ids = fetch(config, NOW + timedelta(days=closes_after, hours=1))
    assert open_ids["feed"] == ["job-1"]


def test_a_failing_source_closes_nothing_as_stale_while_a_healthy_one_does(httpserver, tmp_path):
    down = Board(httpserver, "/down.rss", RSS_TYPE)
    up = Board(httpserver, "/up.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(down, "down"), rss_source(up, "up")])
    down.body = up.body = feed(1, 2)
    fetch(config, NOW)
    down.status, down.body = 503, "unavailable"
    up.body = feed(1)
    report, open_ids = fetch(config, NOW + timedelta(days=40))
    assert {r.source: r.status for r in report.runs} == {"down": "failed", "up": "ok"}
    assert sorted(open_ids["down"]) == ["job-1", "job-2"]  # a failing board keeps everything
    assert open_ids["up"] == ["job-1"]


def test_an_empty_answer_after_postings_closes_nothing_as_stale(httpserver, tmp_path):
    board = Board(httpserver, "/jobs.rss", RSS_TYPE)
    config = config_of(tmp_path, [rss_source(board)])
    board.body = feed(1, 2)
    fetch(config, NOW)
    board.body = feed()
    report, open_ids = fetch(config, NOW + timedelta(days=40))
    assert report.runs[0].suspicious and report.closed == 0
    assert len(open_ids["feed"]) == 2


def greenhouse_jobs(*ids: int) -> str:
    """A Greenhouse board answer with the given job ids, none with pay ranges inline."""
    jobs = [{"id": i, "title": f"RN Care Manager {i}", "absolute_url": f"https://gh.example/{i}",
             "location": {"name": "Columbus, OH"}, "content": "&lt;p&gt;Care.&lt;/p&gt;",
             "updated_at": "2026-03-01T10:00:00-05:00"} for i in ids]
    return json.dumps({"jobs": jobs, "meta": {"total": len(jobs)}})


def test_a_posting_that_cannot_be_read_is_not_taken_for_gone_and_closes_only_as_stale(
        httpserver, tmp_path):
    """A failing detail call means the posting is still listed: it stays open for weeks. Only
    when it has not been readable for stale_after_days is it closed, so one item that never
    reads cannot stop the source from ever closing; it reopens once it reads again."""
    board = Board(httpserver, "/gh/jobs", "application/json")
    pay_ok = Board(httpserver, "/gh/jobs/1", "application/json")
    pay_down = Board(httpserver, "/gh/jobs/2", "application/json")
    latest = Board(httpserver, "/latest.rss", RSS_TYPE)
    config = config_of(tmp_path, [
        {"name": "gh", "type": "greenhouse", "board": "acme", "url": board.url,
         "pay_transparency": True},
        rss_source(latest, "latest")])
    board.body = greenhouse_jobs(1, 2)
    pay_ok.body = pay_down.body = json.dumps({"pay_input_ranges": []})
    latest.body = feed(1, 2, 3)
    fetch(config, NOW)
    pay_down.status, pay_down.body = 502, "<html>Bad gateway</html>"  # job 2 is still listed
    latest.body = feed(1, 2)  # a healthy latest-N feed: job 3 scrolled off
    for day in (1, 10, 29):
        report, open_ids = fetch(config, NOW + timedelta(days=day))
        gh, _ = report.runs
        assert (gh.status, gh.seen, gh.closed) == ("ok", 1, 0)
        assert gh.error == "could not read 1 of its postings or pages; none closed as missing"
        assert sorted(open_ids["gh"]) == ["1", "2"], f"day {day}: still listed, only unreadable"
    report, open_ids = fetch(config, NOW + timedelta(days=31))
    gh, feed_run = report.runs
    assert (gh.closed, open_ids["gh"]) == (1, ["1"]), "unreadable for 31 days: closed as stale"
    assert feed_run.closed == 1 and sorted(open_ids["latest"]) == ["job-1", "job-2"]
    pay_down.status, pay_down.body = 200, json.dumps({"pay_input_ranges": []})
    report, open_ids = fetch(config, NOW + timedelta(days=32))
    assert (report.runs[0].error, sorted(open_ids["gh"])) == (None, ["1", "2"]), "reads again"
    board.body = greenhouse_jobs(1)  # read cleanly, and the full listing no longer has job 2
    report, open_ids = fetch(config, NOW + timedelta(days=33))
    assert (report.runs[0].closed, open_ids["gh"]) == (1, ["1"])


def test_postings_of_sources_no_longer_configured_close_after_stale_after_days(
        httpserver, tmp_path):
    kept, old, paused = (Board(httpserver, f"/{n}.rss", RSS_TYPE) for n in ("kept", "old", "off"))
    kept.body = old.body = paused.body = feed(1, 2)
    sources = [rss_source(kept, "kept"), rss_source(old, "old"), rss_source(paused, "paused")]
    fetch(config_of(tmp_path, sources), NOW)
    # "old" removed (or renamed: "renamed" reads the same feed), "paused" disabled.
    later = config_of(tmp_path, [rss_source(kept, "kept"), rss_source(old, "renamed"),
                                 rss_source(paused, "paused", enabled=False)],
                      postings={"stale_after_days": 20})
    report, open_ids = fetch(later, NOW + timedelta(days=19))
    assert report.unconfigured == 0 and len(open_ids["old"]) == len(open_ids["paused"]) == 2
    report, open_ids = fetch(later, NOW + timedelta(days=21))
    assert (report.unconfigured, report.closed) == (4, 4)
    assert set(open_ids) == {"kept", "renamed"} and len(open_ids["kept"]) == 2
    assert [r.source for r in report.runs] == ["kept", "renamed"]


def test_a_disabled_source_s_postings_close_after_its_own_stale_after_days(httpserver, tmp_path):
    board = Board(httpserver, "/off.rss", RSS_TYPE)
    board.body = feed(1, 2)
    fetch(config_of(tmp_path, [rss_source(board, "off")]), NOW)
    disabled = config_of(tmp_path, [rss_source(board, "off", enabled=False, stale_after_days=5)])
    report, open_ids = fetch(disabled, NOW + timedelta(days=4))
    assert report.unconfigured == 0 and len(open_ids["off"]) == 2
    report, open_ids = fetch(disabled, NOW + timedelta(days=6))  # not the global 30 days
    assert report.unconfigured == 2 and "off" not in open_ids


def test_pipeline_run_reports_postings_closed_for_sources_no_longer_configured(make_config):
    config_file = make_config()
    config = load_config(config_file)
    retired = [Posting(source="retired-feed", source_id=str(i), title=f"Care Manager {i}")
               for i in (1, 2, 3)]
    long_ago = datetime.now(UTC) - timedelta(days=45)
    with Store(config.database_url()) as store:
        store.upsert_postings(retired[:2], now=long_ago)
        store.upsert_postings(retired[2:], now=long_ago + timedelta(days=30))  # 15 days ago
    result = CliRunner().invoke(cli, ["run", "--config", str(config_file), "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "  closed 2 postings of sources no longer configured\n" in result.output
    with Store(config.database_url()) as store:
        still = [p.source_id for p in store.open_postings() if p.source == "retired-feed"]
    assert still == ["3"]


def remotive_jobs(*ids: int) -> str:
    """A Remotive answer with the given job ids."""
    jobs = [{"id": i, "url": f"https://remotive.example/{i}", "title": f"Care Manager {i}",
             "company_name": "Bluestem Health", "candidate_required_location": "USA",
             "publication_date": "2026-03-01T10:00:00", "description": "<p>Care.</p>"}
            for i in ids]
    return json.dumps({"0-legal-notice": "at most 4 times a day", "jobs": jobs})


def test_remotive_is_skipped_within_six_hours_whatever_the_schedule(httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    config = config_of(tmp_path, [{"name": "remotive", "type": "remotive", "url": board.url,
                                     "schedule": {"cron": "*/5 * * * *"}}])
    board.body = remotive_jobs(1, 2)
    fetch(config, NOW)
    board.body = remotive_jobs(1)
    report, open_ids = fetch(config, NOW + timedelta(hours=2))
    assert board.requests == 1 and report.runs == [] and report.failed == []
    (skipped,) = report.skipped
    assert (skipped.source, skipped.status, skipped.error) == (
        "remotive", "skipped",
        "Remotive allows at most 4 fetches a day; next fetch after 18:00 UTC")
    assert sorted(open_ids["remotive"]) == ["1", "2"]  # nothing closed, nothing changed
    report, open_ids = fetch(config, NOW + timedelta(hours=6))
    assert board.requests == 2 and report.skipped == []
    assert report.runs[0].closed == 1 and open_ids["remotive"] == ["1"]


def test_a_failed_remotive_fetch_counts_and_a_scheduler_jitter_is_not_skipped(
        httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    config = config_of(tmp_path, [{"name": "remotive", "type": "remotive", "url": board.url}])
    board.status, board.body = 429, "slow down"
    report, _ = fetch(config, NOW + timedelta(seconds=1))
    assert report.failed[0].source == "remotive"
    report, _ = fetch(config, NOW + timedelta(hours=5, minutes=50))  # asked too soon after a 429
    assert board.requests == 1 and report.skipped[0].error.endswith("after 18:01 UTC")
    board.status, board.body = 200, remotive_jobs(1)
    report, open_ids = fetch(config, NOW + timedelta(hours=6))  # a second early: still fetched
    assert board.requests == 2 and report.runs[0].status == "ok" and open_ids["remotive"] == ["1"]


def test_a_next_fetch_on_another_day_names_the_date(httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    config = config_of(tmp_path, [{"name": "remotive", "type": "remotive", "url": board.url}])
    board.body = remotive_jobs(1)
    evening = NOW.replace(hour=21, minute=30)
    fetch(config, evening)
    report, _ = fetch(config, evening + timedelta(hours=1))
    assert report.skipped[0].error.endswith("next fetch after 2026-03-03 03:30 UTC")


def test_the_cli_reports_a_skipped_source_and_exits_0(httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    board.body = remotive_jobs(1, 2)
    config = tmp_path / "jobs.yaml"
    config.write_text(
        "database: {url: 'sqlite:///jobs.db'}\n"
        "http: {retries: 0, per_host_interval: 0, cache_dir: null}\n"
        f"sources:\n  - {{name: remotive, type: remotive, url: '{board.url}'}}\n",
        encoding="utf-8")
    first = CliRunner().invoke(cli, ["fetch", "--config", str(config)])
    assert first.exit_code == 0, first.output
    assert "remotive: ok, 2 seen, 2 new" in first.output
    second = CliRunner().invoke(cli, ["fetch", "--config", str(config), "--source", "remotive"])
    assert second.exit_code == 0, second.output
    assert "remotive: skipped: Remotive allows at most 4 fetches a day; next fetch after " in (
        second.output)
    assert board.requests == 1
    with Store(f"sqlite:///{tmp_path / 'jobs.db'}") as store:
        assert [r.status for r in store.source_runs("remotive")] == ["ok"]  # a skip is no fetch
        assert store.count_postings(open_only=True) == 2


def test_pipeline_run_reports_the_skip_and_its_exit_status_is_unchanged(httpserver, make_config):
    board = Board(httpserver, "/remotive", "application/json")
    board.body = remotive_jobs(1)
    config_file = make_config(http={"retries": 0, "cache_dir": None, "per_host_interval": 0})
    text = config_file.read_text()
    config_file.write_text(text.replace("sources:\n", "sources:\n- name: remotive\n  type: "
                                        f"remotive\n  url: '{board.url}'\n"))
    first = CliRunner().invoke(cli, ["run", "--config", str(config_file), "--dry-run"])
    assert first.exit_code == 0, first.output
    assert "Sources: 2 fetched, 0 failed; postings: 5 seen" in first.output
    second = CliRunner().invoke(cli, ["run", "--config", str(config_file), "--strict"])
    assert second.exit_code == 0, second.output
    assert "Sources: 1 fetched, 0 failed, 1 skipped;" in second.output
    assert "  remotive: skipped: Remotive allows at most 4 fetches a day; next fetch after " in (
        second.output)
    assert board.requests == 1


def load_error(tmp_path, text: str) -> str:
    """The ConfigError message for a jobs.yaml holding ``text``."""
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    return str(caught.value)


@pytest.mark.parametrize(("text", "expected"), [
    ("postings: {stale_after_days: 0}\n",
     "postings.stale_after_days: write a whole number of days, 1 or more, like 30 (got 0)"),
    ("postings: {stale_after_days: '30'}\n", "1 or more, like 30 (got '30')"),
    ("postings: {stale_after_days: 2.5}\n", "1 or more, like 30 (got 2.5)"),
    ("postings: {stale_days: 30}\n",
     "postings.stale_days: unknown key 'stale_days'; allowed keys here: stale_after_days"),
    ("sources:\n  - {name: f, type: rss, feed: 'https://x.example/f', stale_after_days: -1}\n",
     "sources[0].stale_after_days: write a whole number of days, 1 or more, like 30 (got -1)"),
    ("sources:\n  - {name: f, type: rss, feed: 'https://x.example/f', full_listing: maybe}\n",
     "sources[0].full_listing: write true (the feed lists every open job) or false (default) "
     "(got 'maybe')"),
    ("sources:\n  - {name: f, type: rss, feed: 'https://x.example/f', full_listng: true}\n",
     "sources[0].full_listng: unknown key 'full_listng'; allowed keys here: "),
])
def test_bad_lifecycle_settings_name_the_key_and_what_is_allowed(tmp_path, text, expected):
    assert expected in load_error(tmp_path, text)


def test_lifecycle_settings_and_their_defaults_load(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text("postings: {stale_after_days: 14}\nsources:\n"
                    "  - {name: own, type: rss, feed: 'https://x.example/f', full_listing: true,"
                    " stale_after_days: 60}\n"
                    "  - {name: wwr, type: rss, feed: 'https://x.example/g'}\n", encoding="utf-8")
    config = load_config(path)
    assert config.postings.stale_after_days == 14
    assert [(s.full_listing, s.stale_after_days) for s in config.sources] == [
        (True, 60), (False, None)]
    assert load_config(tmp_path / "jobs.yaml").postings.stale_after_days == 14
    path.write_text("sources:\n  - {name: own, type: rss, feed: 'https://x.example/f'}\n",
                    encoding="utf-8")
    assert load_config(path).postings.stale_after_days == 30


def remotive_source(board: Board, name: str = "remotive", **extra) -> dict:
    return {"name": name, "type": "remotive", "url": board.url, **extra}


def test_a_run_that_waited_for_the_lock_does_not_push_the_next_fetch_six_hours(
        httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    config = config_of(tmp_path, [remotive_source(board)])
    board.body = remotive_jobs(1)
    fetch(config, NOW + timedelta(seconds=LOCK_WAIT))  # the 12:00 job got the lock at 12:05
    report, _ = fetch(config, NOW + timedelta(hours=5))
    assert board.requests == 1 and report.skipped[0].error.endswith("after 18:05 UTC")
    report, _ = fetch(config, NOW + timedelta(hours=6))  # the 18:00 firing
    assert board.requests == 2 and report.skipped == [] and report.runs[0].status == "ok"


def test_two_remotive_sources_share_remotive_s_four_fetches_a_day(httpserver, tmp_path):
    board = Board(httpserver, "/remotive", "application/json")
    config = config_of(tmp_path, [remotive_source(board, "rm-search", search="care manager"),
                                  remotive_source(board, "rm-medical", category="medical")])
    board.body = remotive_jobs(1, 2)
    fetched = []
    for hours in (0, 2, 6, 12, 18):
        report, _ = fetch(config, NOW + timedelta(hours=hours))
        fetched.append([r.source for r in report.runs])
        if hours == 0:
            assert report.skipped[0].error == (
                "Remotive allows at most 4 fetches a day; rm-search fetches it in this run; "
                "next fetch after 18:00 UTC")
        if hours == 2:
            assert [r.error for r in report.skipped][1] == (
                "Remotive allows at most 4 fetches a day; rm-search fetched it at 12:00 UTC; "
                "next fetch after 18:00 UTC")
    assert fetched == [["rm-search"], [], ["rm-medical"], ["rm-search"], ["rm-medical"]]
    assert board.requests == 4  # one request per 6 hours for the board, the sources take turns
    renamed = config_of(tmp_path, [remotive_source(board, "rm-care", search="care")])
    report, _ = fetch(renamed, NOW + timedelta(hours=20))  # a renamed source: same board
    assert report.runs == [] and board.requests == 4
    assert "rm-medical fetched it at 06:00 UTC" in report.skipped[0].error
