"""Adzuna search source against the project's fixture pages served on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.adzuna import AdzunaConfig, AdzunaSource

KEYS = {"app_id": "id-1", "app_key": "key-2"}


@pytest.fixture(autouse=True)
def keys(monkeypatch):
    monkeypatch.setenv("ADZUNA_APP_ID", "id-1")
    monkeypatch.setenv("ADZUNA_APP_KEY", "key-2")


def source(base, http, **keys):
    """An Adzuna source named 'az' whose API base is ``base``."""
    config = AdzunaConfig(name="az", type="adzuna", app_id="${ADZUNA_APP_ID}",
                          app_key="${ADZUNA_APP_KEY}", query="case manager", url=base,
                          results_per_page=2, **keys)
    return AdzunaSource(config, http)


def page(n, **extra):
    return {**KEYS, "results_per_page": "2", "what": "case manager", "sort_by": "date",
            "max_days_old": "30", "page": n, **extra}


def serve_pages(serve, **extra):
    """Two pages of the search; returns the API base URL."""
    for n in (1, 2):
        query = {k: v for k, v in page(n, **extra).items() if k != "page"}
        url = serve(f"/v1/api/jobs/us/search/{n}", ("adzuna", f"search_page{n}.json"),
                    query=query)
    return url.rsplit("/us/search/", 1)[0]


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_reads_every_page_and_maps_fields(serve, http):
    base = serve_pages(serve)
    jobs = by_id(source(base, http).fetch())
    assert sorted(jobs) == ["4410023001", "4410023017", "4410023042"]
    job = jobs["4410023001"]
    assert (job.title, job.company) == ("RN Case Manager - Home Health", "Lakeshore Home Care")
    assert (job.city, job.region, job.country) == ("Toledo", "OH", "US")
    assert (job.salary_min, job.salary_max, job.salary_currency, job.salary_period) == (
        78000.0, 92000.0, "USD", "year")
    assert job.employment_type == "full-time"
    assert job.posted_at == datetime(2026, 11, 30, 14, 5, 11, tzinfo=UTC)
    assert job.description.startswith("Lakeshore Home Care is hiring an RN Case Manager")
    assert job.extra["category"] == "Healthcare & Nursing Jobs"


def test_predicted_salary_is_not_taken_for_the_posting_pay(serve, http):
    job = by_id(source(serve_pages(serve), http).fetch())["4410023017"]
    assert job.salary_min is None
    assert job.extra["salary_estimate"] == [61234.56, 61234.56]
    assert job.remote == Remote.REMOTE


def test_location_radius_and_category_reach_the_query(serve, http):
    base = serve_pages(serve, where="Ohio", distance="40", category="social-work-jobs")
    az = source(base, http, location="Ohio", radius=25, category="social-work-jobs")
    assert len(az.fetch()) == 3
    assert az.full_listing is False  # a search window: nothing closes as missing


def test_empty_search_returns_nothing(serve, http):
    url = serve("/v1/api/jobs/us/search/1", ("adzuna", "search_empty.json"))
    assert source(url.rsplit("/us/", 1)[0], http).fetch() == []


def test_throttled_page_fails_the_source(serve, http):
    serve("/v1/api/jobs/us/search/1", ("adzuna", "search_page1.json"))
    url = serve("/v1/api/jobs/us/search/2", "Too many requests", status=429,
                content_type="text/plain")
    with pytest.raises(FetchError, match="429"):
        source(url.rsplit("/us/", 1)[0], http).fetch()


def test_answer_without_results_is_a_parse_error(serve, http):
    url = serve("/v1/api/jobs/us/search/1", {"exception": "AUTH_FAIL"})
    with pytest.raises(ParseError, match="no 'results' list"):
        source(url.rsplit("/us/", 1)[0], http).fetch()


def test_keys_must_be_environment_references():
    entry = {"name": "az", "type": "adzuna", "app_id": "plain", "app_key": "${K}",
             "query": "case manager"}
    with pytest.raises(ConfigError, match=r"sources\[0\]\.app_id"):
        parse_config({"sources": [entry]}, base_dir=Path("."))


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("adzuna")}, base_dir=Path("."))
    assert isinstance(config.sources[0], AdzunaConfig)
