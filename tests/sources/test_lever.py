"""Lever fetcher against the project's fixture site served on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.lever import API, LeverConfig, LeverSource

PATH = "/v0/postings/saguarofamilyhealth"
FIRST_PAGE = {"mode": "json", "skip": "0", "limit": "100"}


def source(url, http, **keys):
    """A Lever source named 'lever' pointed at ``url``."""
    config = LeverConfig(name="lever", type="lever", site="saguarofamilyhealth", url=url, **keys)
    return LeverSource(config, http)


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_hybrid_care_manager_maps_field_by_field(serve, http):
    url = serve(PATH, ("lever", "postings.json"), query=FIRST_PAGE)
    job = by_id(source(url, http).fetch())["3f2b9c4e-8a1d-4c6e-9b7a-1e2d3c4b5a60"]
    assert job.source == "lever"
    assert job.title == "Care Manager, RN - Medicaid Waiver"
    assert job.company == "saguarofamilyhealth"
    assert job.url == ("https://jobs.lever.co/saguarofamilyhealth/"
                       "3f2b9c4e-8a1d-4c6e-9b7a-1e2d3c4b5a60")
    assert (job.location, job.city, job.region, job.country) == ("Phoenix, AZ", "Phoenix",
                                                                 "AZ", "US")
    assert job.remote == Remote.HYBRID
    assert job.description == (
        "Join our community care team serving members on the Medicaid long-term care waiver.\n\n"
        "What you'll do\n- Conduct in-home assessments every 90 days\n"
        "- Build person-centered care plans with members and families\n\n"
        "What you bring\n- Active RN license in Arizona\n- Two or more years of case management"
        "\n\nSaguaro Family Health is an equal opportunity employer."
    )
    assert "<li>" in job.description_html and "<h3>What you'll do</h3>" in job.description_html
    assert (job.salary_min, job.salary_max) == (72000.0, 88000.0)
    assert (job.salary_currency, job.salary_period) == ("USD", "year")
    assert job.posted_at == datetime(2026, 11, 20, 15, 30, 0, 123000, tzinfo=UTC)
    assert job.valid_through is None
    assert job.employment_type == "full-time"
    assert job.extra["team"] == "Care Management"
    assert job.extra["department"] == "Clinical Operations"
    assert job.extra["locations"] == ["Phoenix, AZ", "Tucson, AZ"]
    assert job.extra["applyUrl"].endswith("/apply")
    assert job.extra["salary_note"] == "Pay depends on licensure and years of experience."


def test_remote_hourly_coordinator(serve, http):
    url = serve(PATH, ("lever", "postings.json"), query=FIRST_PAGE)
    job = by_id(source(url, http, company="Saguaro Family Health").fetch())[
        "a81c6d02-55e4-4f0b-b3a9-6c7d8e9f0a12"]
    assert job.company == "Saguaro Family Health"
    assert job.remote == Remote.REMOTE
    assert job.country == "US"
    assert (job.salary_min, job.salary_max, job.salary_period) == (27.5, 33.0, "hour")
    assert job.employment_type == "part-time"
    assert job.description == ("Coordinate behavioral health services for adolescents after "
                               "discharge, by phone and video.")
    assert job.posted_at == datetime(2026, 11, 24, 9, 0, 0, 123000, tzinfo=UTC)
    assert "locations" not in job.extra and "salary_note" not in job.extra


def test_posting_with_only_html_and_no_salary(serve, http):
    url = serve(PATH, ("lever", "postings.json"), query=FIRST_PAGE)
    job = by_id(source(url, http).fetch())["c0ffee00-1234-4abc-8def-00aa11bb22cc"]
    assert job.description == ("Follow patients for 30 days after hospital discharge & "
                               "reconcile medications.")
    assert job.remote != Remote.REMOTE and job.remote != Remote.HYBRID
    assert (job.city, job.region) == ("Denver", "CO")
    assert job.salary_min is None and job.salary_currency is None
    assert job.employment_type is None
    assert job.posted_at == datetime(2026, 10, 5, 18, 45, 0, 123000, tzinfo=UTC)


def test_pages_are_followed_until_a_short_page(serve, http, board_json):
    postings = board_json("lever", "postings.json")
    serve(PATH, postings[:2], query={"mode": "json", "skip": "0", "limit": "2"})
    url = serve(PATH, postings[2:], query={"mode": "json", "skip": "2", "limit": "2"})
    got = source(url, http, page_size=2).fetch()
    assert [p.title for p in got] == ["Care Manager, RN - Medicaid Waiver",
                                      "Behavioral Health Care Coordinator (LCSW)",
                                      "Transitions of Care Nurse"]


def test_full_last_page_is_followed_by_an_empty_one(serve, http, board_json):
    postings = board_json("lever", "postings.json")[:2]
    serve(PATH, postings, query={"mode": "json", "skip": "0", "limit": "2"})
    url = serve(PATH, [], query={"mode": "json", "skip": "2", "limit": "2"})
    assert len(source(url, http, page_size=2).fetch()) == 2


def test_site_ignoring_skip_does_not_loop_forever(serve, http, board_json, caplog):
    url = serve(PATH, board_json("lever", "postings.json")[:2])
    with caplog.at_level(logging.WARNING):
        got = source(url, http, page_size=2).fetch()
    assert len(got) == 2
    assert "ignored skip" in caplog.text


def test_eu_region_uses_the_eu_api():
    config = LeverConfig(name="lever", type="lever", site="acme", region="eu")
    assert LeverSource(config).endpoint == "https://api.eu.lever.co/v0/postings/acme"
    assert API["us"].startswith("https://api.lever.co/")


def test_empty_site(serve, http):
    url = serve(PATH, [], query=FIRST_PAGE)
    assert source(url, http).fetch() == []


def test_unknown_site_is_a_fetch_error(serve, http):
    url = serve(PATH, ("lever", "not_found.json"), status=404)
    with pytest.raises(FetchError):
        source(url, http).fetch()


def test_error_object_with_status_200_is_a_parse_error(serve, http):
    url = serve(PATH, ("lever", "not_found.json"))
    with pytest.raises(ParseError, match="list"):
        source(url, http).fetch()


def test_malformed_json_is_a_parse_error(serve, http):
    url = serve(PATH, '[{"id": "3f2b", "text": "Care Manager"')
    with pytest.raises(ParseError):
        source(url, http).fetch()


def test_created_at_as_iso_text_and_salary_as_text_are_read(serve, http, board_json):
    postings = board_json("lever", "postings.json")
    postings[0]["createdAt"] = "2026-11-20T15:30:00Z"
    postings[0]["salaryRange"].update(min="72,000", max="88000")
    url = serve(PATH, postings)
    job = by_id(source(url, http).fetch())["3f2b9c4e-8a1d-4c6e-9b7a-1e2d3c4b5a60"]
    assert job.posted_at == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert (job.salary_min, job.salary_max) == (72000.0, 88000.0)


def test_categories_changed_to_a_list_fails_the_source(serve, http, board_json):
    postings = board_json("lever", "postings.json")
    for posting in postings:
        posting["categories"] = [posting["categories"]]
    url = serve(PATH, postings)
    with pytest.raises(ParseError, match=r"categories: expected an object"):
        source(url, http).fetch()


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("lever")}, base_dir=Path("."))
    entry = config.sources[0]
    assert isinstance(entry, LeverConfig)
    assert LeverSource(entry.model_copy(update={"url": None})).endpoint.startswith("https://")


def test_default_endpoint_and_unknown_key_in_config():
    entry = {"name": "lever", "type": "lever", "site": "saguarofamilyhealth"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert LeverSource(config.sources[0]).endpoint == "https://api.lever.co/v0/postings/saguarofamilyhealth"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.sites: unknown key"):
        parse_config({"sources": [{**entry, "sites": "x"}]}, base_dir=Path("."))
