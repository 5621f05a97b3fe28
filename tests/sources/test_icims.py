"""iCIMS classic portal source against fixture listing and job pages served on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import FetchError, ParseError
from pipeline.sources.icims import IcimsConfig, IcimsSource
from tests.sources.conftest import fixture_text

HTML = "text/html"
JOBS = {"5120": "rn-care-manager", "5133": "social-work-case-manager",
        "5141": "utilization-review-nurse"}


@pytest.fixture(autouse=True)
def robots(serve):
    """The portal's robots.txt lets crawlers read the listing and job pages."""
    serve("/robots.txt", "User-agent: *\nDisallow: /jobs/login\n", content_type="text/plain")


def source(url, http, **keys):
    """An iCIMS source named 'icims' whose requests go to ``url``."""
    config = IcimsConfig(name="icims", type="icims", company="Lakeshore Health",
                         portal="https://careers-lakeshorehealth.icims.com", url=url, **keys)
    return IcimsSource(config, http)


def serve_portal(serve, skip=(), **query):
    """Both listing pages and every job page; returns the portal's base URL."""
    for page in (0, 1):
        url = serve("/jobs/search", ("icims", f"search_page{page}.html"),
                    query={"pr": str(page), "in_iframe": "1", **query}, content_type=HTML)
    for job_id, slug in JOBS.items():
        if job_id not in skip:
            serve(f"/jobs/{job_id}/{slug}/job", ("icims", f"job_{job_id}.html"),
                  query={"in_iframe": "1"}, content_type=HTML)
    return url.rsplit("/jobs/", 1)[0]


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_job_page_json_ld_is_read(serve, http):
    portal = source(serve_portal(serve), http)
    jobs = by_id(portal.fetch())
    assert sorted(jobs) == ["5120", "5133", "5141"]
    job = jobs["5120"]
    assert (job.title, job.company) == ("RN Care Manager", "Lakeshore Health")
    assert job.url == "https://careers-lakeshorehealth.icims.com/jobs/5120/rn-care-manager/job"
    assert (job.city, job.region, job.country) == ("Columbus", "OH", "US")
    assert (job.salary_min, job.salary_max, job.salary_period) == (38.5, 47.25, "hour")
    assert job.posted_at == datetime(2026, 11, 25, tzinfo=UTC)
    assert job.employment_type == "full-time"
    assert "CCM preferred" in job.description
    assert job.extra["Category"] == "Nursing"
    assert portal.full_listing is True


def test_job_page_without_json_ld_uses_card_and_page_text(serve, http):
    jobs = by_id(source(serve_portal(serve), http).fetch())
    job = jobs["5133"]
    assert (job.title, job.location, job.city, job.region) == (
        "Social Work Case Manager", "US-OH-Toledo", "Toledo", "OH")
    assert "discharge planning and community resources" in job.description
    assert "LSW or LISW in Ohio" in job.description
    assert job.extra["Job ID"] == "2026-5133"
    assert jobs["5141"].country == "US" and jobs["5141"].region is None


def test_listing_card_fields_are_cleaned_like_every_posting_field(serve, http):
    """A control character in a card's field is dropped, also for a job read from its JSON-LD
    (whose posting takes the card's fields after it was built)."""
    page = fixture_text("icims", "search_page0.html")
    page = page.replace("<span>Nursing<", "<span>Nurs\x01ing<")
    serve("/jobs/search", page, query={"pr": "0", "in_iframe": "1"}, content_type=HTML)
    jobs = by_id(source(serve_portal(serve), http).fetch())
    assert jobs["5120"].extra["Category"] == "Nursing"


def test_failed_job_page_skips_that_job_and_keeps_it_open(serve, http, caplog):
    base = serve_portal(serve, skip={"5133"})
    serve("/jobs/5133/social-work-case-manager/job", "<html>busy</html>", status=503,
          content_type=HTML)
    portal = source(base, http)
    with caplog.at_level(logging.WARNING):
        assert sorted(by_id(portal.fetch())) == ["5120", "5141"]
    assert "job 5133: page unavailable" in caplog.text
    assert portal.full_listing is False and portal.read_errors == 1


def test_keyword_search_is_sent_and_never_the_full_listing(serve, http):
    portal = source(serve_portal(serve, searchKeyword="case manager"), http,
                    query="case manager")
    assert len(portal.fetch()) == 3
    assert portal.full_listing is False


def test_empty_portal_returns_nothing(serve, http):
    url = serve("/jobs/search", ("icims", "search_empty.html"), content_type=HTML)
    assert source(url.rsplit("/jobs/", 1)[0], http).fetch() == []


def test_throttled_listing_fails_the_source(serve, http):
    url = serve("/jobs/search", "Too many requests", status=429, content_type="text/plain")
    with pytest.raises(FetchError, match="429"):
        source(url.rsplit("/jobs/", 1)[0], http).fetch()


def test_page_that_is_not_an_icims_listing_is_a_parse_error(serve, http):
    url = serve("/jobs/search", "<html><body><h1>Welcome</h1></body></html>",
                content_type=HTML)
    with pytest.raises(ParseError, match="no iCIMS job cards"):
        source(url.rsplit("/jobs/", 1)[0], http).fetch()


def test_robots_txt_is_honoured(httpserver, http):
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /jobs/\n")
    with pytest.raises(FetchError, match="disallowed by the site's robots.txt"):
        source(httpserver.url_for("/"), http).fetch()


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("icims")}, base_dir=Path("."))
    assert isinstance(config.sources[0], IcimsConfig)
