"""USAJOBS: every page of a keyword search, secrets from the environment, pay strings and codes."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.usajobs import UsajobsConfig, UsajobsSource

PATH = "/api/Search"


@pytest.fixture(autouse=True)
def secrets(monkeypatch):
    monkeypatch.setenv("USAJOBS_KEY", "k-123")
    monkeypatch.setenv("USAJOBS_EMAIL", "alerts@example.org")


def make(http, url, **extra):
    config = UsajobsConfig(name="federal", type="usajobs", keyword="case manager", url=url,
                           api_key="${USAJOBS_KEY}", email="${USAJOBS_EMAIL}", **extra)
    return UsajobsSource(config, http)


def serve_pages(serve, *pages, per_page="500"):
    url = None
    for number, body in enumerate(pages, start=1):
        query = {"Keyword": "case manager", "Page": str(number), "ResultsPerPage": per_page}
        url = serve(PATH, body, query=query)
    return url


def test_reads_every_page_and_maps_each_field(http, serve):
    url = serve_pages(serve, ("usajobs", "search_page1.json"), ("usajobs", "search_page2.json"))
    source = make(http, url)
    postings = source.fetch()

    assert [p.source_id for p in postings] == ["812345600", "812345700", "812345800"]
    assert source.full_listing is True
    nurse = postings[0]
    assert nurse.source == "federal"
    assert nurse.title == "Nurse Case Manager (RN)"
    assert nurse.company == "Veterans Health Administration"
    assert nurse.url == "https://www.usajobs.gov:443/GetJob/ViewDetails/812345600"
    assert (nurse.location, nurse.city, nurse.region, nurse.country) == (
        "Denver, Colorado", "Denver", "Colorado", "US")
    assert nurse.remote is Remote.HYBRID  # TeleworkEligible, not RemoteIndicator
    assert nurse.description.startswith("The Nurse Case Manager coordinates care for Veterans")
    assert "Major duties:\nCompletes comprehensive assessments" in nurse.description
    assert "discharge planning" in nurse.description  # MajorDuties sent as a JSON string
    assert nurse.description.endswith("CCM certification preferred.")
    assert (nurse.salary_min, nurse.salary_max, nurse.salary_currency, nurse.salary_period) == (
        89000.0, 115000.0, "USD", "year")  # "PA" code
    assert nurse.employment_type == "full-time"
    assert nurse.posted_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 9:00 Eastern
    assert nurse.valid_through == datetime(2026, 12, 16, 4, 59, 59, 997000,
                                           tzinfo=UTC)  # 11:59 pm Eastern on the 15th
    assert nurse.extra["department"] == "Department of Veterans Affairs"
    assert nurse.extra["grade"] == "VN-2/3"
    assert nurse.extra["rate_interval"] == "PA"
    assert nurse.extra["hiring_path"] == ["public", "vet"]
    assert nurse.extra["apply_url"].endswith("812345600?PostingChannelID=")


def test_words_for_the_pay_interval_several_locations_and_old_data(http, serve):
    url = serve_pages(serve, ("usajobs", "search_page1.json"), ("usajobs", "search_page2.json"))
    social, review = make(http, url).fetch()[1:]

    assert (social.salary_min, social.salary_max, social.salary_period) == (38.5, 49.1, "hour")
    assert social.location == "Multiple Locations"
    assert (social.city, social.region, social.country) == (None, None, "US")
    assert social.extra["locations"] == ["Gallup, New Mexico", "Shiprock, New Mexico"]
    assert social.remote is Remote.UNKNOWN  # no telework fields in older announcements
    assert social.employment_type == "part-time"
    assert social.posted_at == datetime(2026, 11, 18, 19, 30, tzinfo=UTC)  # 14:30 Eastern

    assert review.remote is Remote.REMOTE  # RemoteIndicator "True" as a string
    assert review.city is None and review.country == "US"
    assert review.salary_period == "year"  # "Per Year" in words
    assert "Refers cases to the physician advisor." in review.description  # Python-list string


def test_sends_the_registered_email_and_key_as_headers(http, serve, httpserver):
    url = serve_pages(serve, ("usajobs", "search_page1.json"), ("usajobs", "search_page2.json"))
    make(http, url).fetch()

    request = httpserver.log[0][0]
    assert request.headers["User-Agent"] == "alerts@example.org"
    assert request.headers["Authorization-Key"] == "k-123"
    assert request.headers["Host"] == url.split("/")[2]


def test_location_is_sent_as_location_name(board_json, http, serve, httpserver):
    body = board_json("usajobs", "search_page2.json")
    body["SearchResult"]["UserArea"]["NumberOfPages"] = "1"
    body["SearchResult"]["SearchResultCountAll"] = 1
    url = serve(PATH, body, query={"Keyword": "case manager", "Page": "1", "ResultsPerPage": "500",
                                   "LocationName": "Denver, Colorado"})
    assert len(make(http, url, location="Denver, Colorado").fetch()) == 1


def test_an_empty_search_is_an_empty_list(http, serve):
    url = serve_pages(serve, ("usajobs", "search_empty.json"))
    source = make(http, url)
    assert source.fetch() == []
    assert source.full_listing is True


def test_pages_that_end_early_are_not_a_full_listing(http, serve, caplog):
    url = serve_pages(serve, ("usajobs", "search_page1.json"))
    source = make(http, url, max_pages=1)
    with caplog.at_level(logging.WARNING):
        assert len(source.fetch()) == 2
    assert source.full_listing is False
    assert "read 2 of 3" in caplog.text


def test_an_html_error_page_is_a_parse_error(http, serve):
    url = serve(PATH, "<html><body>Service Unavailable</body></html>", content_type="text/html")
    with pytest.raises(ParseError) as caught:
        make(http, url).fetch()
    assert caught.value.source == "federal"


def test_a_result_list_that_became_an_object_is_a_parse_error(board_json, http, serve):
    body = board_json("usajobs", "search_page1.json")
    body["SearchResult"]["SearchResultItems"] = {"items": []}
    url = serve(PATH, body)
    with pytest.raises(ParseError, match="SearchResultItems"):
        make(http, url).fetch()


def test_pay_that_changed_type_everywhere_is_a_parse_error(board_json, http, serve):
    body = board_json("usajobs", "search_page1.json")
    body["SearchResult"]["UserArea"]["NumberOfPages"] = "1"
    body["SearchResult"]["SearchResultCountAll"] = 2
    for item in body["SearchResult"]["SearchResultItems"]:
        item["MatchedObjectDescriptor"]["PositionRemuneration"] = "89000-115000"
    url = serve(PATH, body)
    with pytest.raises(ParseError, match="none of the 2"):
        make(http, url).fetch()


def test_one_unusable_announcement_is_skipped_and_logged(board_json, http, serve, caplog):
    body = board_json("usajobs", "search_page1.json")
    body["SearchResult"]["UserArea"]["NumberOfPages"] = "1"
    body["SearchResult"]["SearchResultCountAll"] = 2
    del body["SearchResult"]["SearchResultItems"][0]["MatchedObjectDescriptor"]["PositionTitle"]
    url = serve(PATH, body)
    with caplog.at_level(logging.WARNING):
        postings = make(http, url).fetch()
    assert [p.source_id for p in postings] == ["812345700"]
    assert "PositionTitle" in caplog.text


def test_a_refused_key_is_a_fetch_error(http, serve):
    url = serve(PATH, {"message": "unauthorized"}, status=401)
    with pytest.raises(FetchError):
        make(http, url).fetch()


def test_an_unset_environment_variable_is_named(http, monkeypatch):
    monkeypatch.delenv("USAJOBS_KEY")
    with pytest.raises(ConfigError, match="USAJOBS_KEY"):
        make(http, "http://127.0.0.1:9/api/Search").fetch()


def test_jobs_yaml_refuses_a_key_written_in_clear():
    entry = {"name": "federal", "type": "usajobs", "keyword": "nurse",
             "api_key": "abc123secret", "email": "${USAJOBS_EMAIL}"}
    with pytest.raises(ConfigError) as caught:
        parse_config({"sources": [entry]}, base_dir=Path("."))
    assert "sources[0].api_key" in str(caught.value)
    assert "abc123secret" not in str(caught.value)


def test_jobs_yaml_accepts_environment_references():
    entry = {"name": "federal", "type": "usajobs", "keyword": "nurse",
             "api_key": "${USAJOBS_KEY}", "email": "${USAJOBS_EMAIL}"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert config.sources[0].keyword == "nurse"
