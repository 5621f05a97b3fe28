"""SmartRecruiters fetcher (list + detail calls) against fixture bodies served on 127.0.0.1."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.smartrecruiters import SmartRecruitersConfig, SmartRecruitersSource
from pipeline.stages.fetch import read_source

PATH = "/v1/companies/LakeshoreCare1/postings"
FIRST_PAGE = {"limit": "100", "offset": "0"}
IDS = ("744000012345678", "744000012345679", "744000012345680")


def source(url, http, **keys):
    """A SmartRecruiters source named 'sr' pointed at ``url``."""
    config = SmartRecruitersConfig(name="sr", type="smartrecruiters", company="LakeshoreCare1",
                                   url=url, **keys)
    return SmartRecruitersSource(config, http)


def serve_details(serve, ids=IDS):
    for posting_id in ids:
        serve(f"{PATH}/{posting_id}", ("smartrecruiters", f"posting_{posting_id}.json"))


def fetched(serve, http, **keys):
    url = serve(PATH, ("smartrecruiters", "postings.json"), query=FIRST_PAGE)
    serve_details(serve)
    return {p.source_id: p for p in source(url, http, **keys).fetch()}


def test_hybrid_care_manager_maps_list_and_detail_fields(serve, http):
    job = fetched(serve, http)["744000012345678"]
    assert job.source == "sr"
    assert job.title == "Care Manager - Medicare Advantage (RN)"
    assert job.company == "Lakeshore Care Partners"
    assert job.url == ("https://jobs.smartrecruiters.com/LakeshoreCare1/"
                       "744000012345678-care-manager-medicare-advantage-rn-")
    assert job.location == "Milwaukee, WI, United States"
    assert (job.city, job.region, job.country) == ("Milwaukee", "WI", "US")
    assert job.remote == Remote.HYBRID
    assert job.description == (
        "Company Description\n\n"
        "Lakeshore Care Partners serves 40,000 Medicare Advantage members across Wisconsin.\n\n"
        "Job Description\n\n"
        "Telephonic and in-person care management for high-risk members:\n\n"
        "- Health risk assessments & care plans\n"
        "- Medication reconciliation after discharge\n\n"
        "Qualifications\n\n- Wisconsin RN license\n- CCM within 2 years of hire\n\n"
        "Additional Information\n\nAll your information will be kept confidential."
    )
    assert "<h3>Qualifications</h3>" in job.description_html
    assert job.salary_min is None and job.salary_max is None and job.salary_period is None
    assert job.posted_at == datetime(2026, 11, 17, 14, 5, tzinfo=UTC)
    assert job.valid_through is None
    assert job.employment_type == "full-time"
    assert job.extra["refNumber"] == "REF1182C"
    assert job.extra["department"] == "Care Management"
    assert job.extra["experienceLevel"] == "Mid-Senior Level"
    assert job.extra["applyUrl"].endswith("?oga=true")
    assert job.extra["custom_fields"]["Shift"] == "Days, Monday-Friday"


def test_remote_nurse_with_empty_sections(serve, http):
    job = fetched(serve, http)["744000012345679"]
    assert job.remote == Remote.REMOTE
    assert job.employment_type == "part-time"
    assert job.description == ("Job Description\n\nReview prior-authorization requests against "
                               "medical necessity criteria.")
    assert "department" not in job.extra and "custom_fields" not in job.extra


def test_detail_without_posting_url_links_the_public_page(serve, http, board_json):
    url = serve(PATH, ("smartrecruiters", "postings.json"), query=FIRST_PAGE)
    detail = board_json("smartrecruiters", f"posting_{IDS[1]}.json")
    del detail["postingUrl"]
    serve(f"{PATH}/{IDS[1]}", detail)
    serve_details(serve, (IDS[0], IDS[2]))
    job = {p.source_id: p for p in source(url, http).fetch()}[IDS[1]]
    assert job.url == "https://jobs.smartrecruiters.com/LakeshoreCare1/744000012345679"


def test_inactive_posting_is_left_out(serve, http):
    assert sorted(fetched(serve, http)) == ["744000012345678", "744000012345679"]


def test_pages_are_followed_until_total_found(serve, http, board_json):
    board = board_json("smartrecruiters", "postings.json")
    first = {**board, "limit": 2, "content": board["content"][:2]}
    last = {**board, "offset": 2, "limit": 2, "content": board["content"][2:]}
    url = serve(PATH, first, query={"limit": "2", "offset": "0"})
    serve(PATH, last, query={"limit": "2", "offset": "2"})
    serve_details(serve)
    got = source(url, http, page_size=2).fetch()
    assert [p.source_id for p in got] == ["744000012345678", "744000012345679"]


def test_empty_company(serve, http):
    url = serve(PATH, {"offset": 0, "limit": 100, "totalFound": 0, "content": []},
                query=FIRST_PAGE)
    assert source(url, http).fetch() == []


def test_failed_detail_skips_that_posting_and_keeps_it_open(serve, http, caplog):
    url = serve(PATH, ("smartrecruiters", "postings.json"), query=FIRST_PAGE)
    serve_details(serve, IDS[1:])
    serve(f"{PATH}/{IDS[0]}", {"message": "Server error"}, status=500)
    src = source(url, http)
    with caplog.at_level(logging.WARNING):
        got = src.fetch()
    assert [p.source_id for p in got] == ["744000012345679"]
    assert "744000012345678: detail unavailable" in caplog.text
    assert src.full_listing is False  # so the store does not close the skipped posting


def test_every_detail_failing_fails_the_source(serve, http):
    url = serve(PATH, ("smartrecruiters", "postings.json"), query=FIRST_PAGE)
    for posting_id in IDS:
        serve(f"{PATH}/{posting_id}", "<html>Service unavailable</html>", status=503,
              content_type="text/html")
    with pytest.raises(ParseError, match="none of the 3 postings"):
        source(url, http).fetch()


def test_unknown_company_is_a_fetch_error(serve, http):
    url = serve(PATH, {"message": "Company not found"}, status=404)
    with pytest.raises(FetchError):
        source(url, http).fetch()


def test_malformed_list_is_a_parse_error(serve, http):
    url = serve(PATH, '{"offset": 0, "limit": 100, "totalFound": 3, "content": [')
    with pytest.raises(ParseError):
        source(url, http).fetch()


def test_total_found_as_text_is_a_parse_error(serve, http, board_json):
    board = board_json("smartrecruiters", "postings.json")
    board["totalFound"] = "3"
    url = serve(PATH, board)
    with pytest.raises(ParseError, match="totalFound"):
        source(url, http).fetch()


def test_location_flags_changed_to_words_skip_that_posting(serve, http, board_json, caplog):
    board = board_json("smartrecruiters", "postings.json")
    board["content"][1]["location"]["remote"] = "sometimes"
    url = serve(PATH, board)
    serve_details(serve)
    with caplog.at_level(logging.WARNING):
        got = source(url, http).fetch()
    assert [p.source_id for p in got] == ["744000012345678"]
    assert "content[1].location.remote: expected true or false" in caplog.text


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("smartrecruiters")}, base_dir=Path("."))
    entry = config.sources[0]
    assert isinstance(entry, SmartRecruitersConfig)
    assert SmartRecruitersSource(entry.model_copy(update={"url": None})).endpoint.startswith("https://")


def test_default_endpoint_and_unknown_key_in_config():
    entry = {"name": "smartrecruiters", "type": "smartrecruiters", "company": "LakeshoreCare1"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert SmartRecruitersSource(config.sources[0]).endpoint == "https://api.smartrecruiters.com/v1/companies/LakeshoreCare1/postings"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.company_id: unknown key"):
        parse_config({"sources": [{**entry, "company_id": "x"}]}, base_dir=Path("."))


def test_fetch_stage_does_not_treat_a_partial_read_as_the_full_list(serve, http):
    url = serve(PATH, ("smartrecruiters", "postings.json"), query=FIRST_PAGE)
    serve_details(serve, IDS[1:])
    serve(f"{PATH}/{IDS[0]}", {"message": "Server error"}, status=500)
    outcome = read_source(source(url, http).config, http)
    assert outcome.error is None
    assert [p.source_id for p in outcome.postings] == ["744000012345679"]
    assert outcome.full_listing is False
