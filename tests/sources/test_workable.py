"""Workable fetcher against the project's fixture account served on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.workable import WorkableConfig, WorkableSource

PATH = "/api/v1/widget/accounts/riverbendhh"
QUERY = {"details": "true"}


def source(url, http, **keys):
    """A Workable source named 'wk' pointed at ``url``."""
    config = WorkableConfig(name="wk", type="workable", account="riverbendhh", url=url, **keys)
    return WorkableSource(config, http)


def fetched(serve, http, **keys):
    url = serve(PATH, ("workable", "account.json"), query=QUERY)
    return {p.source_id: p for p in source(url, http, **keys).fetch()}


def test_onsite_case_manager_maps_field_by_field(serve, http):
    job = fetched(serve, http)["A1B2C3D4E5"]
    assert job.source == "wk"
    assert job.title == "Home Health Case Manager RN"
    assert job.company == "Riverbend Home Health"  # the account's top-level name
    assert job.url == "https://apply.workable.com/j/A1B2C3D4E5"
    assert job.location == "Sacramento, California, United States"
    assert (job.city, job.region, job.country) == ("Sacramento", "California", "US")
    assert job.remote == Remote.ONSITE
    assert job.description == (
        "Lead a caseload of home health patients from start of care to discharge.\n\n"
        "Responsibilities\n\n- OASIS start-of-care assessments\n- Coordinate PT, OT & aide visits"
    )
    assert "<ul>" in job.description_html
    assert job.salary_min is None and job.salary_currency is None and job.salary_period is None
    assert job.posted_at == datetime(2026, 11, 21, tzinfo=UTC)
    assert job.valid_through is None
    assert job.employment_type == "full-time"
    assert job.extra["department"] == "Clinical Services"
    assert job.extra["code"] == "HH-311"
    assert job.extra["created_at"] == "2026-11-10"
    assert job.extra["application_url"].endswith("/apply")
    assert job.extra["locations"] == ["Sacramento, California, United States",
                                      "Roseville, California, United States"]


def test_telecommuting_coordinator_is_remote(serve, http):
    job = fetched(serve, http)["F6G7H8J9K0"]
    assert job.remote == Remote.REMOTE
    assert (job.location, job.city, job.region, job.country) == ("United States", None, None,
                                                                 "US")
    assert job.employment_type == "part-time"
    assert job.posted_at == datetime(2026, 11, 26, tzinfo=UTC)
    assert "function" not in job.extra and "code" not in job.extra and "locations" not in job.extra


def test_empty_place_fields_filled_from_locations_and_hidden_ones_ignored(serve, http):
    job = fetched(serve, http)["L1M2N3P4Q5"]
    assert (job.city, job.region, job.country) == ("Reno", "Nevada", "US")
    assert job.location == "Reno, Nevada, United States"
    assert job.description == "" and job.description_html is None
    assert job.employment_type is None
    assert "locations" not in job.extra  # Carson City is hidden


def test_configured_company_overrides_account_name(serve, http):
    job = fetched(serve, http, company="Riverbend")["A1B2C3D4E5"]
    assert job.company == "Riverbend"


def test_empty_account(serve, http):
    url = serve(PATH, {"name": "Riverbend Home Health", "description": "", "jobs": []},
                query=QUERY)
    assert source(url, http).fetch() == []


def test_unknown_account_is_a_fetch_error(serve, http):
    url = serve(PATH, "Not Found", status=404, content_type="text/plain")
    with pytest.raises(FetchError):
        source(url, http).fetch()


def test_html_maintenance_page_is_a_parse_error(serve, http):
    url = serve(PATH, "<html><body><h1>We'll be back soon</h1></body></html>",
                content_type="text/html")
    with pytest.raises(ParseError):
        source(url, http).fetch()


def test_telecommuting_as_text_is_read(serve, http, board_json):
    account = board_json("workable", "account.json")
    account["jobs"][1]["telecommuting"] = "true"
    url = serve(PATH, account)
    job = {p.source_id: p for p in source(url, http).fetch()}["F6G7H8J9K0"]
    assert job.remote == Remote.REMOTE


def test_locations_changed_to_text_on_every_job_fails_the_source(serve, http, board_json):
    account = board_json("workable", "account.json")
    for job in account["jobs"]:
        job["locations"] = "Sacramento, CA"
    url = serve(PATH, account)
    with pytest.raises(ParseError, match="locations: expected a list"):
        source(url, http).fetch()


def test_job_without_shortcode_is_skipped(serve, http, board_json, caplog):
    account = board_json("workable", "account.json")
    del account["jobs"][0]["shortcode"]
    url = serve(PATH, account)
    with caplog.at_level(logging.WARNING):
        ids = {p.source_id for p in source(url, http).fetch()}
    assert ids == {"F6G7H8J9K0", "L1M2N3P4Q5"}
    assert "jobs[0].shortcode: missing" in caplog.text


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("workable")}, base_dir=Path("."))
    entry = config.sources[0]
    assert isinstance(entry, WorkableConfig)
    assert WorkableSource(entry.model_copy(update={"url": None})).endpoint.startswith("https://")


def test_default_endpoint_and_unknown_key_in_config():
    entry = {"name": "workable", "type": "workable", "account": "riverbendhh"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert WorkableSource(config.sources[0]).endpoint == "https://apply.workable.com/api/v1/widget/accounts/riverbendhh"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.subdomain: unknown key"):
        parse_config({"sources": [{**entry, "subdomain": "x"}]}, base_dir=Path("."))
