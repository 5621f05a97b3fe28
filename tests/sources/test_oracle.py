"""Oracle Recruiting Cloud fetcher (finder search + ById details) against fixtures on 127.0.0.1."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from werkzeug import Request, Response

from pipeline.config import HttpConfig, parse_config
from pipeline.errors import ConfigError, FetchError
from pipeline.http import HttpClient
from pipeline.posting import Remote
from pipeline.sources.oracle import OracleConfig, OracleSource
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store
from tests.sources.conftest import fixture_text

BASE = "/hcmRestApi/resources/latest"
HOST = "ehxy.fa.us2.oraclecloud.com"
CAREERS = f"https://{HOST}/hcmUI/CandidateExperience/en/sites/CX_1"
IDS = ("41207", "41188", "40951")


class Board:
    """An Oracle site on the test server: search pages by finder offset, details by Id."""

    def __init__(self, httpserver, pages=("requisitions_page1.json", "requisitions_page2.json")):
        self.server = httpserver
        self.pages = list(pages)
        self.finders: list[str] = []
        self.details: list[str] = []
        self.failing: set[str] = set()
        self.throttled = 0
        httpserver.expect_request(f"{BASE}/recruitingCEJobRequisitions").respond_with_handler(
            self.search)
        httpserver.expect_request(f"{BASE}/recruitingCEJobRequisitionDetails"
                                  ).respond_with_handler(self.detail)

    @property
    def url(self) -> str:
        return self.server.url_for(BASE)

    def search(self, request: Request) -> Response:
        if self.throttled:
            self.throttled -= 1
            return Response("slow down", status=429, headers={"Retry-After": "0"})
        finder = request.args["finder"]
        self.finders.append(finder)
        offset = int(re.search(r"offset=(\d+)", finder)[1])
        pages = [*self.pages, "requisitions_empty.json"]
        name = pages[min(offset // 2, len(pages) - 1)]
        return Response(fixture_text("oracle", name), content_type="application/json")

    def detail(self, request: Request) -> Response:
        assert request.args["expand"] == "all" and request.args["onlyData"] == "true"
        req_id = re.fullmatch(r'ById;Id="(\d+)",siteNumber=CX_1', request.args["finder"])[1]
        self.details.append(req_id)
        if req_id in self.failing:
            return Response("gateway timeout", status=504)
        return Response(fixture_text("oracle", f"detail_{req_id}.json"),
                        content_type="application/json")


def source(url, http, **keys):
    """An Oracle source named 'orc' pointed at ``url``, two postings per search page."""
    keys = {"careers_url": CAREERS, "page_size": 2, **keys}
    return OracleSource(OracleConfig(name="orc", type="oracle", url=url, **keys), http)


def test_search_pages_then_details_become_postings(httpserver, http):
    board = Board(httpserver)
    jobs = {p.source_id: p for p in source(board.url, http, search="care manager").fetch()}
    assert sorted(jobs) == sorted(IDS)
    assert board.finders == [
        'findReqs;siteNumber=CX_1,limit=2,offset=0,sortBy=POSTING_DATES_DESC,'
        'keyword="care manager"',
        'findReqs;siteNumber=CX_1,limit=2,offset=2,sortBy=POSTING_DATES_DESC,'
        'keyword="care manager"']
    job = jobs["41207"]
    assert job.title == "Care Manager RN - Complex Care"
    assert job.url == f"{CAREERS}/job/41207"
    assert job.company == "Bluestem Health Partners"
    assert (job.city, job.region, job.country) == ("Omaha", "NE", "US")
    assert job.remote is Remote.HYBRID
    assert job.description.startswith("Complex Care team: partner with members")
    assert "Coordinate with PCPs & specialists" in job.description
    assert "Nebraska RN license" in job.description
    assert "made-up nonprofit" not in job.description  # corporate boilerplate left out
    assert (job.salary_min, job.salary_max, job.salary_period) == (36, 54, "hour")
    assert job.posted_at == datetime(2026, 12, 3, 14, 5, tzinfo=UTC)
    assert job.valid_through == datetime(2027, 1, 15, 5, 59, tzinfo=UTC)
    assert job.extra["Category"] == "Nursing"


def test_pay_in_the_description_and_secondary_locations(httpserver, http):
    jobs = {p.source_id: p for p in source(Board(httpserver).url, http).fetch()}
    job = jobs["41188"]
    assert job.location == "Lincoln, NE, United States; Grand Island, NE, United States"
    assert (job.salary_min, job.salary_max, job.salary_period) == (58000, 72000, "year")
    assert job.employment_type == "part-time"
    assert jobs["40951"].remote is Remote.REMOTE


def test_one_failing_detail_skips_that_posting_and_counts_it(httpserver, http):
    board = Board(httpserver)
    board.failing.add("41188")
    orc = source(board.url, http)
    assert sorted(p.source_id for p in orc.fetch()) == ["40951", "41207"]
    assert orc.read_errors == 1 and orc.full_listing is False


def test_empty_site_gives_no_postings(httpserver, http):
    board = Board(httpserver, pages=("requisitions_empty.json",))
    assert source(board.url, http).fetch() == []
    assert len(board.finders) == 1 and board.details == []


def test_throttled_search_is_retried_after_retry_after(httpserver):
    board = Board(httpserver)
    board.throttled = 1
    with HttpClient(HttpConfig(cache_dir=None, per_host_interval=0, retries=1,
                               backoff=0)) as http:
        assert len(source(board.url, http).fetch()) == 3
    assert board.throttled == 0


def test_throttled_past_retries_fails_the_source(httpserver, http):
    board = Board(httpserver)
    board.throttled = 5
    with pytest.raises(FetchError, match="429"):
        source(board.url, http).fetch()


def test_max_age_days_leaves_out_old_requisitions_without_asking_details(httpserver, http):
    board = Board(httpserver)
    jobs = source(board.url, http, max_age_days=30).fetch()
    assert "40951" not in {p.source_id for p in jobs}  # posted 2026-09-15
    assert "40951" not in board.details


def test_second_fetch_reuses_unchanged_requisitions(httpserver, tmp_path):
    board = Board(httpserver)
    config = parse_config({
        "sources": [{"name": "orc", "type": "oracle", "careers_url": CAREERS,
                     "url": board.url, "page_size": 2}],
        "http": {"cache_dir": None, "per_host_interval": 0, "retries": 0},
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"}}, base_dir=tmp_path)
    with Store(config.database_url()) as store, HttpClient(config.http) as http:
        fetch_sources(config, store, http)
        board.details.clear()
        again = fetch_sources(config, store, http).runs[0]
        assert board.details == []
        assert (again.seen, again.changed, again.closed) == (3, 0, 0)


def test_careers_url_gives_host_and_site():
    url = f"https://{HOST}/hcmUI/CandidateExperience/en/sites/healthpartners/requisitions"
    config = parse_config({"sources": [{"name": "orc", "type": "oracle", "careers_url": url}]},
                          base_dir=Path("."))
    orc = OracleSource(config.sources[0])
    assert (orc.endpoint, orc.site) == (f"https://{HOST}/hcmRestApi/resources/latest",
                                        "healthpartners")


def test_a_careers_url_that_is_not_oracle_is_refused_naming_it():
    with pytest.raises(ConfigError, match=r"careers_url.*not an Oracle careers URL"):
        parse_config({"sources": [{"name": "orc", "type": "oracle",
                                   "careers_url": "https://careers.example.org/"}]},
                     base_dir=Path("."))
