"""Himalayas: cursor paging, epoch seconds, always remote, salary with period words."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from pipeline.errors import ParseError
from pipeline.posting import Remote
from pipeline.sources.himalayas import HimalayasConfig, HimalayasSource

PATH = "/jobs/api"
CURSOR = "MjAyNi0xMS0xN3wx"


def make(http, url, **extra):
    return HimalayasSource(HimalayasConfig(name="himalayas", type="himalayas", url=url, **extra),
                           http)


def serve_two_pages(serve, path=PATH, **query):
    serve(path, ("himalayas", "page2.json"), query={**query, "limit": "20", "cursor": CURSOR})
    return serve(path, ("himalayas", "page1.json"), query={**query, "limit": "20"})


def test_follows_the_cursor_and_maps_each_field(http, serve):
    source = make(http, serve_two_pages(serve))
    postings = source.fetch()

    assert [p.title for p in postings] == [
        "Remote Care Manager (RN)", "Behavioral Health Care Coordinator",
        "Utilization Review Nurse"]
    assert source.full_listing is True
    care = postings[0]
    link = "https://himalayas.app/companies/harbor-health-partners/jobs/remote-care-manager-rn"
    assert (care.source, care.source_id, care.url) == ("himalayas", link, link)
    assert care.company == "Harbor Health Partners"
    assert care.remote is Remote.REMOTE
    assert (care.location, care.city, care.region, care.country) == (
        "United States", None, None, "US")
    assert care.description.startswith("Harbor Health Partners is hiring a Remote Care Manager")
    assert "What you'll do" in care.description
    assert "- Complete telephonic assessments & build care plans" in care.description
    assert "<strong>Remote Care Manager</strong>" in care.description_html
    assert (care.salary_min, care.salary_max, care.salary_currency, care.salary_period) == (
        78000.0, 92000.0, "USD", "year")
    assert care.employment_type == "full-time"
    assert care.posted_at == datetime(2026, 11, 23, tzinfo=UTC)  # epoch seconds, not ms
    assert care.valid_through == datetime(2027, 1, 22, tzinfo=UTC)
    assert care.extra["seniority"] == ["Mid-level"]
    assert care.extra["categories"][0] == "Care-Manager"
    assert care.extra["location_restrictions"] == ["United States"]
    assert care.extra["company_slug"] == "harbor-health-partners"


def test_hourly_pay_several_countries_and_missing_salary(http, serve):
    coordinator, review = make(http, serve_two_pages(serve)).fetch()[1:]

    assert (coordinator.salary_min, coordinator.salary_max, coordinator.salary_period) == (
        28.0, 34.0, "hour")
    assert coordinator.location == "United States, Canada"
    assert coordinator.country is None  # open to two countries
    assert review.salary_min is None and review.salary_max is None
    assert review.salary_currency is None
    assert review.location is None  # no restriction: worldwide
    assert review.remote is Remote.REMOTE


def test_a_query_uses_the_search_endpoint(http, serve):
    url = serve_two_pages(serve, "/jobs/api/search", q="care manager")
    assert len(make(http, url, query="care manager").fetch()) == 3


def test_an_empty_feed_is_an_empty_list(http, serve):
    source = make(http, serve(PATH, ("himalayas", "empty.json")))
    assert source.fetch() == []
    assert source.full_listing is True


def test_max_pages_stops_early_and_is_not_a_full_listing(http, serve, caplog):
    source = make(http, serve_two_pages(serve), max_pages=1)
    with caplog.at_level(logging.WARNING):
        assert len(source.fetch()) == 2
    assert source.full_listing is False
    assert "max_pages" in caplog.text


def test_a_cursor_that_comes_back_is_a_parse_error(http, serve, board_json):
    looping = board_json("himalayas", "page1.json")
    serve(PATH, looping, query={"limit": "20", "cursor": CURSOR})
    url = serve(PATH, looping, query={"limit": "20"})
    with pytest.raises(ParseError, match="twice"):
        make(http, url).fetch()


def test_an_html_page_is_a_parse_error(http, serve):
    url = serve(PATH, "<!doctype html><title>Just a moment...</title>", content_type="text/html")
    with pytest.raises(ParseError) as caught:
        make(http, url).fetch()
    assert caught.value.source == "himalayas"


def test_jobs_that_became_an_object_is_a_parse_error(http, serve, board_json):
    body = board_json("himalayas", "empty.json")
    body["jobs"] = {"0": {"title": "Care Manager"}}
    with pytest.raises(ParseError, match="'jobs' list"):
        make(http, serve(PATH, body)).fetch()


def test_location_restrictions_as_text_everywhere_is_a_parse_error(http, serve, board_json):
    body = board_json("himalayas", "page1.json")
    body["nextCursor"] = None
    for job in body["jobs"]:
        job["locationRestrictions"] = "United States"
    with pytest.raises(ParseError, match="locationRestrictions"):
        make(http, serve(PATH, body)).fetch()


def test_one_job_without_guid_is_skipped(http, serve, board_json, caplog):
    body = board_json("himalayas", "page1.json")
    body["nextCursor"] = None
    del body["jobs"][0]["guid"]
    with caplog.at_level(logging.WARNING):
        postings = make(http, serve(PATH, body)).fetch()
    assert [p.title for p in postings] == ["Behavioral Health Care Coordinator"]
    assert "guid" in caplog.text


def test_milliseconds_as_documented_and_location_objects_are_read_too(http, serve, board_json):
    body = board_json("himalayas", "page1.json")
    body["nextCursor"] = None
    job = body["jobs"][0]
    job["pubDate"], job["expiryDate"] = job["pubDate"] * 1000, job["expiryDate"] * 1000
    job["locationRestrictions"] = [{"name": "United States", "alpha2": "US"}]
    care = make(http, serve(PATH, body)).fetch()[0]
    assert care.posted_at == datetime(2026, 11, 23, tzinfo=UTC)
    assert care.valid_through == datetime(2027, 1, 22, tzinfo=UTC)
    assert (care.location, care.country) == ("United States", "US")
