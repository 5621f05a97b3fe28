"""CareerOneStop Jobs API source against fixture pages served on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.careeronestop import CareerOneStopConfig, CareerOneStopSource

SEARCH = "/v2/jobsearch/user-7/case manager/Ohio/25/DatePosted/DESC/{start}/2/30"


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("COS_USER", "user-7")
    monkeypatch.setenv("COS_TOKEN", "tok-9")


def source(base, http, **keys):
    """A CareerOneStop source named 'cos' whose API base is ``base``."""
    config = CareerOneStopConfig(name="cos", type="careeronestop", user_id="${COS_USER}",
                                 token="${COS_TOKEN}", query="case manager", location="Ohio",
                                 url=base, page_size=2, **keys)
    return CareerOneStopSource(config, http)


def base_of(url):
    return url.split("/user-7/")[0]


def serve_search(httpserver, serve, pages):
    """Serve the given fixture pages at offsets 0, 2, 4...; answers need the bearer token."""
    for number, body in enumerate(pages):
        httpserver.expect_request(
            SEARCH.format(start=number * 2), headers={"Authorization": "Bearer tok-9"},
            query_string={"enableJobDescriptionSnippet": "true", "showFilters": "false"},
        ).respond_with_data(body if isinstance(body, str) else
                            (Path(__file__).parents[2] / "fixtures/sources/careeronestop" /
                             body[1]).read_text(), content_type="application/json")
    return base_of(httpserver.url_for(SEARCH.format(start=0)))


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_pages_by_offset_and_maps_fields(httpserver, serve, http):
    base = serve_search(httpserver, serve, [("cos", "search_page1.json"),
                                            ("cos", "search_page2.json")])
    jobs = by_id(source(base, http).fetch())
    assert len(jobs) == 3
    job = jobs["B1D2E3F4A5C6D7E8F9A0B1C2D3E4F5A6"]
    assert (job.title, job.company) == ("Care Manager RN - Population Health",
                                        "Maple Valley Health System")
    assert (job.city, job.region, job.country) == ("Dayton", "OH", "US")
    assert job.url == "https://careers.maplevalleyhealth.example/jobs/88120"
    assert job.posted_at == datetime(2026, 11, 29, tzinfo=UTC)
    assert job.description.startswith("Coordinate care for high-risk patients")
    assert jobs["C2E3F4A5B6C7D8E9F0A1B2C3D4E5F6A7"].extra == {"Fc": "True"}
    assert jobs["D3F4A5B6C7D8E9F0A1B2C3D4E5F6A7B8"].remote == Remote.REMOTE


def test_empty_search_returns_nothing(httpserver, serve, http):
    base = serve_search(httpserver, serve, [("cos", "search_empty.json")])
    assert source(base, http).fetch() == []


def test_throttled_second_page_fails_the_source(httpserver, serve, http):
    base = serve_search(httpserver, serve, [("cos", "search_page1.json")])
    httpserver.expect_request(SEARCH.format(start=2)).respond_with_data("slow down", status=429)
    with pytest.raises(FetchError, match="429"):
        source(base, http).fetch()


def test_answer_without_jobs_is_a_parse_error(httpserver, serve, http):
    base = serve_search(httpserver, serve, ['{"ErrorMessage": "Invalid token"}'])
    with pytest.raises(ParseError, match="no 'Jobs' list"):
        source(base, http).fetch()


def test_unset_token_is_a_config_error_naming_the_key(http, monkeypatch):
    monkeypatch.delenv("COS_TOKEN")
    with pytest.raises(ConfigError, match=r"sources.cos.token: environment variable COS_TOKEN"):
        source("http://127.0.0.1:9", http).fetch()


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("careeronestop")}, base_dir=Path("."))
    assert isinstance(config.sources[0], CareerOneStopConfig)
