"""Ashby fetcher against the project's fixture board served on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.ashby import AshbyConfig, AshbySource

PATH = "/posting-api/job-board/harborlight"
QUERY = {"includeCompensation": "true"}


def source(url, http, **keys):
    """An Ashby source named 'ashby' pointed at ``url``."""
    config = AshbyConfig(name="ashby", type="ashby", board="harborlight", url=url, **keys)
    return AshbySource(config, http)


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_hybrid_oncology_care_manager_maps_field_by_field(serve, http):
    url = serve(PATH, ("ashby", "job-board.json"), query=QUERY)
    job = by_id(source(url, http, company="Harbor Light Health").fetch())[
        "6d1f0a3e-2b4c-4d5e-8f90-a1b2c3d4e5f6"]
    assert job.source == "ashby"
    assert job.title == "Senior Care Manager, Oncology (RN)"
    assert job.company == "Harbor Light Health"
    assert job.url == "https://jobs.ashbyhq.com/harborlight/6d1f0a3e-2b4c-4d5e-8f90-a1b2c3d4e5f6"
    assert (job.location, job.city, job.region, job.country) == ("Boston, MA", "Boston", "MA",
                                                                 "US")
    assert job.remote == Remote.HYBRID
    assert job.description.startswith("Guide patients in active cancer treatment")
    assert "Own a caseload of 60–80 patients" in job.description
    assert "<li>" in job.description_html
    assert (job.salary_min, job.salary_max) == (95000.0, 121000.0)  # both zones merged
    assert (job.salary_currency, job.salary_period) == ("USD", "year")
    assert job.posted_at == datetime(2026, 11, 19, 16, 20, 45, 120000, tzinfo=UTC)
    assert job.valid_through is None
    assert job.employment_type == "full-time"
    assert job.extra["department"] == "Clinical"
    assert job.extra["team"] == "Oncology Care Management"
    assert job.extra["secondary_locations"] == ["Providence, RI"]
    assert job.extra["compensation"] == "$95K – $121K • Offers Equity"
    assert job.extra["compensation_tiers"] == ["$95K – $110K • Offers Equity",
                                               "$102K – $121K • Offers Equity"]
    assert job.extra["applyUrl"].endswith("/application")


def test_remote_hourly_case_manager_with_html_only(serve, http):
    url = serve(PATH, ("ashby", "job-board.json"), query=QUERY)
    job = by_id(source(url, http).fetch())["0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"]
    assert job.company == "harborlight"
    assert job.remote == Remote.REMOTE
    assert job.country == "US"
    assert job.description == ("Manage return-to-work plans for injured workers & keep "
                               "employers, adjusters and providers aligned.")
    assert (job.salary_min, job.salary_max, job.salary_period) == (44.0, 52.0, "hour")
    assert job.employment_type == "part-time"
    assert "secondary_locations" not in job.extra and "compensation_tiers" not in job.extra


def test_onsite_job_without_pay_takes_place_from_postal_address(serve, http):
    url = serve(PATH, ("ashby", "job-board.json"), query=QUERY)
    job = by_id(source(url, http).fetch())["f1e2d3c4-b5a6-4978-8a9b-0c1d2e3f4a5b"]
    assert job.remote == Remote.ONSITE
    assert (job.city, job.region) == ("Worcester", "Massachusetts")
    assert job.salary_min is None and job.salary_period is None
    assert job.employment_type == "contract"
    assert "compensation" not in job.extra


def test_unlisted_jobs_are_left_out(serve, http):
    url = serve(PATH, ("ashby", "job-board.json"), query=QUERY)
    ids = by_id(source(url, http).fetch())
    assert len(ids) == 3
    assert "99999999-0000-4000-8000-000000000000" not in ids


def test_empty_board(serve, http):
    url = serve(PATH, {"apiVersion": "1", "jobs": []}, query=QUERY)
    assert source(url, http).fetch() == []


def test_unknown_board_is_a_fetch_error(serve, http):
    url = serve(PATH, {"success": False, "errorInfo": {"code": "not_found"}}, status=404)
    with pytest.raises(FetchError):
        source(url, http).fetch()


def test_html_page_instead_of_json_is_a_parse_error(serve, http):
    url = serve(PATH, "<html><body>Job board not found</body></html>", content_type="text/html")
    with pytest.raises(ParseError):
        source(url, http).fetch()


def test_response_without_jobs_is_a_parse_error(serve, http):
    url = serve(PATH, {"apiVersion": "1", "results": []})
    with pytest.raises(ParseError, match="'jobs'"):
        source(url, http).fetch()


def test_salary_values_as_text_are_read(serve, http, board_json):
    board = board_json("ashby", "job-board.json")
    part = board["jobs"][1]["compensation"]["compensationTiers"][0]["components"][0]
    part.update(minValue="44.00", maxValue="52.00")
    url = serve(PATH, board)
    job = by_id(source(url, http).fetch())["0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d"]
    assert (job.salary_min, job.salary_max) == (44.0, 52.0)


def test_is_remote_changed_to_a_word_skips_that_job(serve, http, board_json, caplog):
    board = board_json("ashby", "job-board.json")
    board["jobs"][1]["isRemote"] = "yes"
    url = serve(PATH, board)
    with caplog.at_level(logging.WARNING):
        ids = by_id(source(url, http).fetch())
    assert "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d" not in ids and len(ids) == 2
    assert "jobs[1].isRemote: expected true or false" in caplog.text


def test_published_at_changed_on_every_job_fails_the_source(serve, http, board_json):
    board = board_json("ashby", "job-board.json")
    for job in board["jobs"]:
        job["publishedAt"] = {"date": job["publishedAt"]}
    url = serve(PATH, board)
    with pytest.raises(ParseError, match="publishedAt: expected a date"):
        source(url, http).fetch()


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("ashby")}, base_dir=Path("."))
    entry = config.sources[0]
    assert isinstance(entry, AshbyConfig)
    assert AshbySource(entry.model_copy(update={"url": None})).endpoint.startswith("https://")


def test_default_endpoint_and_unknown_key_in_config():
    entry = {"name": "ashby", "type": "ashby", "board": "harborlight"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert AshbySource(config.sources[0]).endpoint == "https://api.ashbyhq.com/posting-api/job-board/harborlight"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.organization: unknown key"):
        parse_config({"sources": [{**entry, "organization": "x"}]}, base_dir=Path("."))
