"""Remotive: legal notice ignored, free-text salaries, dates without a zone, gentle schedule."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, ParseError
from pipeline.posting import Remote
from pipeline.sources.remotive import RemotiveConfig, RemotiveSource

PATH = "/api/remote-jobs"


def make(http, url, **extra):
    return RemotiveSource(RemotiveConfig(name="remotive", type="remotive", url=url, **extra), http)


def fetch_all(http, serve, **query):
    return make(http, serve(PATH, ("remotive", "remote_jobs.json"), query=query or None),
                **query).fetch()


def test_maps_each_field_and_ignores_the_legal_notice(http, serve):
    postings = fetch_all(http, serve)

    assert [p.source_id for p in postings] == ["2301001", "2301002", "2301003", "2301004"]
    care = postings[0]
    assert care.source == "remotive"
    assert care.title == "Care Manager, Medicare Advantage"
    assert care.company == "Bluestem Health"
    assert care.url == ("https://remotive.com/remote-jobs/medical/"
                        "care-manager-medicare-advantage-2301001")
    assert (care.location, care.city, care.region, care.country) == ("USA", None, None, "US")
    assert care.remote is Remote.REMOTE
    assert care.description == ("Bluestem Health needs a Care Manager for Medicare Advantage "
                                "members.\n\n- Telephonic care management\n"
                                "- Transitions of care after discharge")
    assert "<li>Telephonic care management</li>" in care.description_html
    assert (care.salary_min, care.salary_max, care.salary_currency, care.salary_period) == (
        75000.0, 90000.0, "USD", "year")
    assert care.employment_type == "full-time"
    assert care.posted_at == datetime(2026, 11, 24, 15, 20, 11, tzinfo=UTC)  # no zone: UTC
    assert care.valid_through is None
    assert care.extra == {
        "category": "Medical", "tags": ["case management", "RN", "Medicare"],
        "salary_text": "$75,000 - $90,000 /year", "candidate_required_location": "USA",
        "company_logo": "https://remotive.com/job/2301001/logo"}


def test_hourly_text_salaries_time_zones_and_no_salary(http, serve):
    comp, community, social = fetch_all(http, serve)[1:]

    assert (comp.salary_min, comp.salary_max, comp.salary_period) == (38.0, 45.0, "hour")
    assert comp.location == "USA, EST (UTC-5)" and comp.country == "US"
    assert "workers\u2019 compensation" in comp.description  # &#8217; undone
    assert community.salary_min is None and "salary_text" not in community.extra
    assert community.country is None  # Worldwide
    assert social.salary_min is None and social.extra["salary_text"] == "Competitive"
    assert social.country == "CA"
    assert "patients & families" in social.description


def test_search_and_category_are_sent(http, serve):
    postings = fetch_all(http, serve, search="care manager", category="medical")
    assert len(postings) == 4


def test_an_empty_answer_is_an_empty_list(http, serve):
    assert make(http, serve(PATH, ("remotive", "empty.json"))).fetch() == []


def test_an_html_page_is_a_parse_error(http, serve):
    url = serve(PATH, "<html><h1>Too many requests</h1></html>", content_type="text/html")
    with pytest.raises(ParseError):
        make(http, url).fetch()


def test_jobs_missing_is_a_parse_error(http, serve):
    url = serve(PATH, {"0-legal-notice": "Please fetch at most 4 times a day."})
    with pytest.raises(ParseError, match="'jobs' list"):
        make(http, url).fetch()


def test_tags_that_became_text_everywhere_is_a_parse_error(http, serve, board_json):
    body = board_json("remotive", "remote_jobs.json")
    for job in body["jobs"]:
        job["tags"] = "case management"
    with pytest.raises(ParseError, match="tags"):
        make(http, serve(PATH, body)).fetch()


def test_one_job_without_title_is_skipped(http, serve, board_json, caplog):
    body = board_json("remotive", "remote_jobs.json")
    body["jobs"][2]["title"] = ""
    with caplog.at_level(logging.WARNING):
        postings = make(http, serve(PATH, body)).fetch()
    assert [p.source_id for p in postings] == ["2301001", "2301002", "2301004"]
    assert "title" in caplog.text


def test_default_schedule_is_four_times_a_day():
    config = RemotiveConfig(name="remotive", type="remotive")
    assert config.schedule.every == "6h"


def test_a_schedule_more_often_than_four_times_a_day_is_refused():
    entry = {"name": "remotive", "type": "remotive", "schedule": {"every": "2h"}}
    with pytest.raises(ConfigError, match="at most 4 fetches a day"):
        parse_config({"sources": [entry]}, base_dir=Path("."))
    entry["schedule"] = {"every": "1d"}
    assert parse_config({"sources": [entry]}, base_dir=Path(".")).sources[0].schedule.every == "1d"


def test_an_answer_cut_off_by_the_limit_is_not_the_full_listing(http, serve):
    url = serve(PATH, ("remotive", "remote_jobs.json"), query={"limit": "4"})
    cut = make(http, url, limit=4)
    assert len(cut.fetch()) == 4 and cut.full_listing is False
    url = serve(PATH, ("remotive", "remote_jobs.json"), query={"limit": "10"})
    room = make(http, url, limit=10)
    assert len(room.fetch()) == 4 and room.full_listing is True
