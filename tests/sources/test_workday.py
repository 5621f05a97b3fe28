"""Workday fetcher (search POSTs + detail GETs) against fixture bodies served on 127.0.0.1."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug import Request, Response

from pipeline.config import HttpConfig, parse_config
from pipeline.errors import ConfigError, FetchError
from pipeline.http import HttpClient
from pipeline.posting import Remote
from pipeline.sources.workday import WorkdayConfig, WorkdaySource, posted_on
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store
from tests.sources.conftest import fixture_json, fixture_text

API = "/wday/cxs/prairievalley/PVH_Careers"
CAREERS = "https://prairievalley.wd5.myworkdayjobs.com/PVH_Careers"
IDS = ("R10231", "R10198", "R09877")


class Board:
    """A Workday tenant on the test server: search pages by offset, details, a request log."""

    def __init__(self, httpserver, pages=("jobs_page1.json", "jobs_page2.json")):
        self.server = httpserver
        self.pages = [fixture_json("workday", name) for name in pages]
        self.searches: list[dict] = []
        self.details: list[str] = []
        self.failing: set[str] = set()
        self.throttled = 0  # how many searches to answer 429 first
        httpserver.expect_request(f"{API}/jobs", method="POST").respond_with_handler(self.search)
        for page in self.pages:
            for entry in page["jobPostings"]:
                path = entry["externalPath"]
                httpserver.expect_request(API + path, method="GET").respond_with_handler(
                    lambda request, rid=entry["bulletFields"][0]: self.detail(rid))

    @property
    def url(self) -> str:
        return self.server.url_for(API)

    def search(self, request: Request) -> Response:
        if self.throttled:
            self.throttled -= 1
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        body = json.loads(request.data)
        self.searches.append(body)
        index = body["offset"] // 2 if body["offset"] else 0
        page = self.pages[index] if index < len(self.pages) else {"total": 0, "jobPostings": []}
        return Response(json.dumps(page), content_type="application/json")

    def detail(self, requisition: str) -> Response:
        self.details.append(requisition)
        if requisition in self.failing:
            return Response("maintenance", status=503)
        return Response(fixture_text("workday", f"detail_{requisition}.json"),
                        content_type="application/json")


def source(url, http, **keys):
    """A Workday source named 'wd' pointed at ``url``, two postings per search page."""
    keys = {"careers_url": CAREERS, "page_size": 2, **keys}
    return WorkdaySource(WorkdayConfig(name="wd", type="workday", url=url, **keys), http)


def jobs_config(board, tmp_path):
    """A jobs.yaml with the board as its one source and a SQLite file in tmp_path."""
    return parse_config({
        "sources": [{"name": "wd", "type": "workday", "careers_url": CAREERS,
                     "url": board.url, "page_size": 2}],
        "http": {"cache_dir": None, "per_host_interval": 0, "retries": 0},
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"}}, base_dir=tmp_path)


def test_pages_of_search_then_details_become_postings(httpserver, http):
    board = Board(httpserver)
    jobs = {p.source_id: p for p in source(board.url, http, search="care manager").fetch()}
    assert sorted(jobs) == sorted(IDS)
    assert [(s["offset"], s["limit"], s["searchText"]) for s in board.searches] == [
        (0, 2, "care manager"), (2, 2, "care manager")]  # total from page 1; page 2 says 0
    job = jobs["R10231"]
    assert job.title == "RN Care Manager - Transitions of Care"
    assert job.company == "Prairie Valley Health System"  # company code prefix dropped
    assert job.url == CAREERS + "/job/Springfield-IL/RN-Care-Manager---Transitions-of-Care_R10231"
    assert (job.city, job.region, job.country) == ("Springfield", "IL", "US")
    assert job.remote is Remote.HYBRID
    assert "Prairie Valley's Springfield campus" in job.description
    assert (job.salary_min, job.salary_max, job.salary_period) == (38.25, 52.10, "hour")
    assert job.employment_type == "full-time"
    assert job.posted_at == datetime(2026, 12, 4, tzinfo=UTC)
    assert job.extra["jobReqId"] == "R10231"


def test_remote_posting_with_end_date_and_yearly_pay(httpserver, http):
    job = {p.source_id: p for p in source(Board(httpserver).url, http).fetch()}["R10198"]
    assert job.location == "Remote - Illinois; Remote - Indiana"
    assert job.remote is Remote.REMOTE
    assert (job.salary_min, job.salary_max, job.salary_period) == (78000, 96500, "year")
    assert job.employment_type == "part-time"
    assert job.valid_through.date().isoformat() == "2026-12-31"
    assert job.extra["timeLeftToApply"] == "24 days left to apply"


def test_facets_and_company_are_sent_and_shown(httpserver, http):
    board = Board(httpserver)
    facets = {"jobFamilyGroup": ["0a1b2c3d4e5f60718293a4b5c6d7e8f9"]}
    jobs = source(board.url, http, facets=facets, company="Prairie Valley").fetch()
    assert board.searches[0]["appliedFacets"] == facets
    assert {p.company for p in jobs} == {"Prairie Valley"}


def test_one_failing_detail_skips_that_posting_and_counts_it(httpserver, http):
    board = Board(httpserver)
    board.failing.add("R10198")
    wd = source(board.url, http)
    assert sorted(p.source_id for p in wd.fetch()) == ["R09877", "R10231"]
    assert wd.read_errors == 1 and wd.full_listing is False  # so nothing is closed as missing


def test_empty_site_gives_no_postings(httpserver, http):
    board = Board(httpserver, pages=("jobs_empty.json",))
    assert source(board.url, http).fetch() == []
    assert len(board.searches) == 1


def test_throttled_search_is_retried_after_retry_after(httpserver):
    board = Board(httpserver)
    board.throttled = 1
    with HttpClient(HttpConfig(cache_dir=None, per_host_interval=0, retries=1,
                               backoff=0)) as http:
        assert len(source(board.url, http).fetch()) == 3
    assert board.throttled == 0 and len(board.searches) == 2


def test_throttled_search_past_retries_fails_the_source(httpserver, http):
    httpserver.expect_request(f"{API}/jobs", method="POST").respond_with_data(
        "slow down", status=429, headers={"Retry-After": "0"})
    with pytest.raises(FetchError, match="429"):
        source(httpserver.url_for(API), http).fetch()


def test_second_fetch_asks_details_only_for_new_or_changed_postings(httpserver, tmp_path):
    board = Board(httpserver)
    config = jobs_config(board, tmp_path)
    retitled = board.pages[1]["jobPostings"][0]
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        first = fetch_sources(config, store, http)
        assert sorted(board.details) == sorted(IDS) and first.runs[0].new == 3
        board.details.clear()
        retitled["title"] = "Behavioral Health Care Coordinator II"
        second = fetch_sources(config, store, http)
        assert board.details == ["R09877"]  # the two unchanged ones were not asked again
        assert (second.runs[0].seen, second.runs[0].changed, second.runs[0].closed) == (3, 1, 0)
        stored = {p.source_id: p for p in store.all_postings("wd")}
        assert all(p.is_open for p in stored.values())
        assert stored["R10231"].description.startswith("Transitions of Care")


def test_a_reused_posting_has_its_detail_read_again_after_two_weeks(httpserver, tmp_path):
    board = Board(httpserver)
    config = jobs_config(board, tmp_path)
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        fetch_sources(config, store, http)
        board.details.clear()
        stored = {p.source_id: p for p in store.all_postings("wd")}["R10231"]
        weeks_ago = (datetime.now(UTC).date() - timedelta(days=14)).isoformat()
        store.update_extras({stored.id: {**stored.extra, "detail_day": weeks_ago}})
        fetch_sources(config, store, http)
        assert board.details == ["R10231"]


def test_a_changed_posting_whose_detail_fails_stays_open(httpserver, tmp_path):
    board = Board(httpserver)
    config = jobs_config(board, tmp_path)
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        fetch_sources(config, store, http)
        board.pages[1]["jobPostings"][0]["title"] = "Behavioral Health Care Coordinator II"
        board.failing.add("R09877")
        run = fetch_sources(config, store, http).runs[0]
        assert (run.seen, run.closed) == (2, 0) and "could not read 1" in run.error
        assert all(p.is_open for p in store.all_postings("wd"))


def test_max_age_days_leaves_out_old_postings_without_asking_details(httpserver, http):
    board = Board(httpserver)
    jobs = source(board.url, http, max_age_days=30).fetch()
    assert "R09877" not in {p.source_id for p in jobs}  # "Posted 30+ Days Ago"
    assert "R09877" not in board.details


def test_posted_on_words_become_dates():
    now = datetime(2026, 12, 7, 15, 30, tzinfo=UTC)
    today = datetime(2026, 12, 7, tzinfo=UTC)
    assert posted_on("Posted Today", now) == today
    assert posted_on("Posted Yesterday", now) == today - timedelta(days=1)
    assert posted_on("Posted 3 Days Ago", now) == today - timedelta(days=3)
    assert posted_on("Posted 30+ Days Ago", now) == today - timedelta(days=31)
    assert posted_on("Reposted sometime", now) is None


@pytest.mark.parametrize("url", [CAREERS, CAREERS + "/",
                                 "https://prairievalley.wd5.myworkdayjobs.com/en-US/PVH_Careers",
                                 CAREERS + "/job/Peoria-IL/Behavioral-Health_R09877?q=rn"])
def test_careers_url_as_operators_see_it(url):
    config = parse_config({"sources": [{"name": "wd", "type": "workday", "careers_url": url}]},
                          base_dir=Path("."))
    assert WorkdaySource(config.sources[0]).endpoint == (
        "https://prairievalley.wd5.myworkdayjobs.com/wday/cxs/prairievalley/PVH_Careers")


def test_a_careers_url_that_is_not_workday_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"careers_url.*not a Workday careers URL"):
        parse_config({"sources": [{"name": "wd", "type": "workday",
                                   "careers_url": "https://careers.example.org/jobs"}]},
                     base_dir=Path("."))
