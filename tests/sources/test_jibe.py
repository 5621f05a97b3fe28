"""Jibe career-site API source against fixture pages served on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.jibe import JibeConfig, JibeSource

PATH = "/api/jobs"


def source(url, http, **keys):
    """A Jibe source named 'jibe' pointed at ``url``, two jobs a page."""
    config = JibeConfig(name="jibe", type="jibe", api="https://jobs.example.org/api/jobs",
                        url=url, limit=2, **keys)
    return JibeSource(config, http)


def serve_pages(serve, **query):
    serve(PATH, ("jibe", "jobs_page1.json"), query={"limit": "2", "page": "1", **query})
    return serve(PATH, ("jibe", "jobs_page2.json"), query={"limit": "2", "page": "2", **query})


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_reads_every_page_and_maps_fields(serve, http):
    site = source(serve_pages(serve), http)
    jobs = by_id(site.fetch())
    assert sorted(jobs) == ["30112", "30118", "30125"]
    job = jobs["30112"]
    assert (job.title, job.company) == ("RN Care Manager - Inpatient", "Harborview Health Network")
    assert (job.city, job.region, job.country) == ("New Haven", "CT", "US")
    assert job.posted_at == datetime(2026, 11, 24, 15, 2, tzinfo=UTC)
    assert job.employment_type == "full-time"
    assert job.description.startswith("Coordinate discharge planning")
    assert "Current RN license" in job.description and "Plan safe discharges" in job.description
    assert job.url == "https://careers-harborview.icims.com/jobs/30112/login"
    assert job.extra["categories"] == ["Nursing"] and job.extra["tags6"] == ["On-site"]
    assert jobs["30118"].remote == Remote.REMOTE
    assert site.full_listing is True


def test_keywords_narrow_the_listing_so_nothing_closes_as_missing(serve, http):
    site = source(serve_pages(serve, keywords="case manager"), http, query="case manager")
    assert len(site.fetch()) == 3
    assert site.full_listing is False


def test_empty_site_returns_nothing(serve, http):
    url = serve(PATH, ("jibe", "jobs_empty.json"))
    assert source(url, http).fetch() == []


def test_throttled_page_fails_the_source(serve, http):
    serve(PATH, ("jibe", "jobs_page1.json"), query={"limit": "2", "page": "1"})
    url = serve(PATH, "Too many requests", query={"limit": "2", "page": "2"}, status=429,
                content_type="text/plain")
    with pytest.raises(FetchError, match="429"):
        source(url, http).fetch()


def test_job_without_title_is_skipped_and_keeps_the_listing_open(serve, http, board_json):
    page = board_json("jibe", "jobs_page1.json")
    page["jobs"][0]["data"]["title"] = ""
    serve(PATH, page, query={"limit": "2", "page": "1"})
    url = serve(PATH, ("jibe", "jobs_page2.json"), query={"limit": "2", "page": "2"})
    site = source(url, http)
    assert sorted(by_id(site.fetch())) == ["30118", "30125"]
    assert site.full_listing is False and site.read_errors == 1


def test_answer_without_jobs_is_a_parse_error(serve, http):
    url = serve(PATH, {"error": "not found"})
    with pytest.raises(ParseError, match="no 'jobs' list"):
        source(url, http).fetch()


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("jibe")}, base_dir=Path("."))
    assert isinstance(config.sources[0], JibeConfig)
