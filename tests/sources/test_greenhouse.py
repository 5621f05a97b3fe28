"""Greenhouse fetcher against the project's fixture boards served on 127.0.0.1."""

from __future__ import annotations

import copy
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.config import parse_config
from pipeline.errors import ConfigError, FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.greenhouse import GreenhouseConfig, GreenhouseSource

PATH = "/v1/boards/brightwaterhealth/jobs"
CONTENT = {"content": "true"}


def source(url, http, **keys):
    """A Greenhouse source named 'gh' pointed at ``url``."""
    config = GreenhouseConfig(name="gh", type="greenhouse", board="brightwaterhealth", url=url,
                              **keys)
    return GreenhouseSource(config, http)


def by_id(postings):
    return {p.source_id: p for p in postings}


def test_care_manager_job_maps_field_by_field(serve, http):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    job = by_id(source(url, http).fetch())["6120450008"]
    assert job.source == "gh"
    assert job.title == "RN Care Manager - Complex Care"
    assert job.company == "Brightwater Health"
    assert job.url == "https://job-boards.greenhouse.io/brightwaterhealth/jobs/6120450008"
    assert (job.location, job.city, job.region, job.country) == ("Columbus, OH", "Columbus",
                                                                 "OH", "US")
    assert job.remote == Remote.UNKNOWN  # a city alone says nothing about remote work
    assert job.description == (
        "About the role\n\n"
        "As an RN Care Manager you coordinate care for members with complex chronic conditions "
        "across hospital, clinic and home.\n\n"
        "- Complete comprehensive assessments and individualized care plans\n"
        "- Partner with social workers & physicians on transitions of care\n\n"
        "CCM certification preferred."
    )
    assert "<li>" in job.description_html and "&lt;" not in job.description_html
    assert (job.salary_min, job.salary_max) == (78000.0, 96500.0)
    assert (job.salary_currency, job.salary_period) == ("USD", "year")
    assert job.posted_at == datetime(2026, 11, 18, 13, 30, tzinfo=UTC)
    assert job.valid_through is None
    assert job.employment_type == "full-time"
    assert job.extra["requisition_id"] == "CM-2231"
    assert job.extra["departments"] == ["Care Management"]
    assert job.extra["offices"] == ["Columbus"]
    assert job.extra["pay_ranges"] == ["Ohio base pay"]
    assert job.extra["metadata"]["Licensure"] == "RN (Ohio or compact)"


def test_remote_job_with_hourly_cents_across_tiers(serve, http):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    job = by_id(source(url, http).fetch())["6120450019"]
    assert job.remote == Remote.REMOTE
    assert job.location == "Remote - United States"
    assert (job.salary_min, job.salary_max, job.salary_period) == (38.0, 46.5, "hour")
    assert job.extra["pay_ranges"] == ["Tier 1 states", "Tier 2 states"]
    assert job.valid_through == datetime(2026, 12, 31, 23, 59, 59, tzinfo=UTC)  # date only
    assert "InterQual criteria and collaborate with" in job.description
    assert job.employment_type is None


def test_closed_job_without_company_location_or_content(serve, http):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    job = by_id(source(url, http).fetch())["6120450027"]
    assert job.company == "brightwaterhealth"  # the board token stands in
    assert (job.location, job.city, job.country) == (None, None, None)
    assert job.description == ""
    assert job.salary_min is None and job.salary_period is None
    assert job.posted_at == datetime(2026, 10, 1, 12, 0, tzinfo=UTC)  # updated_at stands in
    assert job.valid_through == datetime(2026, 10, 31, 23, 59, tzinfo=UTC)
    assert "departments" not in job.extra


def test_configured_company_name_used_when_board_has_none(serve, http):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    job = by_id(source(url, http, company="Brightwater").fetch())["6120450027"]
    assert job.company == "Brightwater"


def test_pay_transparency_fetches_pay_of_jobs_without_ranges(serve, http):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    serve(PATH + "/6120450027", ("greenhouse", "job_6120450027_pay.json"),
          query={"pay_transparency": "true"})
    job = by_id(source(url, http, pay_transparency=True).fetch())["6120450027"]
    assert (job.salary_min, job.salary_max, job.salary_period) == (62000.0, 71000.0, "year")
    assert job.extra["pay_ranges"] == ["Base salary"]


def test_failed_pay_request_skips_that_job_and_keeps_it_open(serve, http, caplog):
    url = serve(PATH, ("greenhouse", "jobs.json"), query=CONTENT)
    serve(PATH + "/6120450027", "<html>Bad gateway</html>", status=502, content_type="text/html")
    gh = source(url, http, pay_transparency=True)
    with caplog.at_level(logging.WARNING):
        ids = sorted(by_id(gh.fetch()))
    assert ids == ["6120450008", "6120450019"]
    assert "job 6120450027: pay ranges unavailable" in caplog.text
    assert gh.full_listing is False


def test_empty_board_returns_no_postings(serve, http):
    url = serve(PATH, ("greenhouse", "empty.json"), query=CONTENT)
    assert source(url, http).fetch() == []


def test_html_error_page_is_a_parse_error(serve, http):
    url = serve(PATH, ("greenhouse", "error_page.html"), content_type="text/html")
    with pytest.raises(ParseError) as caught:
        source(url, http).fetch()
    assert caught.value.source == "gh"


def test_unknown_board_is_a_fetch_error(serve, http):
    url = serve(PATH, {"status": 404, "error": "Job not found"}, status=404)
    with pytest.raises(FetchError):
        source(url, http).fetch()


def test_jobs_that_are_not_a_list_is_a_parse_error(serve, http):
    url = serve(PATH, {"jobs": {"6120450008": {"title": "RN"}}})
    with pytest.raises(ParseError, match="list"):
        source(url, http).fetch()


def test_numbers_sent_as_text_are_still_read(serve, http, board_json):
    board = board_json("greenhouse", "jobs.json")
    job = board["jobs"][0]
    job["id"] = str(job["id"])
    job["pay_input_ranges"][0].update(min_cents="7800000", max_cents="9650000")
    url = serve(PATH, board)
    posting = by_id(source(url, http).fetch())["6120450008"]
    assert (posting.salary_min, posting.salary_max) == (78000.0, 96500.0)


def test_field_changed_type_on_every_job_fails_the_source(serve, http, board_json):
    board = board_json("greenhouse", "jobs.json")
    for job in board["jobs"]:
        job["offices"] = "Columbus"
    url = serve(PATH, board)
    with pytest.raises(ParseError, match=r"offices: expected a list"):
        source(url, http).fetch()


def test_one_unreadable_job_is_skipped_and_logged(serve, http, board_json, caplog):
    board = board_json("greenhouse", "jobs.json")
    broken = copy.deepcopy(board["jobs"][0])
    broken.update(id=999, title=None)
    board["jobs"].append(broken)
    url = serve(PATH, board)
    board_source = source(url, http)
    with caplog.at_level(logging.WARNING):
        postings = board_source.fetch()
    assert sorted(by_id(postings)) == ["6120450008", "6120450019", "6120450027"]
    assert "jobs[3].title: missing" in caplog.text
    # The skipped job is still on the board: this fetch must not close it as gone.
    assert board_source.full_listing is False


def test_a_clean_fetch_is_the_full_listing(serve, http, board_json):
    board_source = source(serve(PATH, board_json("greenhouse", "jobs.json")), http)
    board_source.fetch()
    assert board_source.full_listing is True


def test_readme_example_is_a_valid_config(readme_sources):
    config = parse_config({"sources": readme_sources("greenhouse")}, base_dir=Path("."))
    entry = config.sources[0]
    assert isinstance(entry, GreenhouseConfig)
    assert GreenhouseSource(entry.model_copy(update={"url": None})).endpoint.startswith("https://")


def test_default_endpoint_and_unknown_key_in_config():
    entry = {"name": "greenhouse", "type": "greenhouse", "board": "brightwaterhealth"}
    config = parse_config({"sources": [entry]}, base_dir=Path("."))
    assert GreenhouseSource(config.sources[0]).endpoint == "https://boards-api.greenhouse.io/v1/boards/brightwaterhealth/jobs"
    with pytest.raises(ConfigError, match=r"sources\[0\]\.boards: unknown key"):
        parse_config({"sources": [{**entry, "boards": "x"}]}, base_dir=Path("."))


def test_employment_type_from_whichever_custom_field_names_it(serve, http, board_json):
    board = board_json("greenhouse", "jobs.json")
    board["jobs"][1]["metadata"] = [{"id": 1, "name": "Job type", "value": ["Per Diem", "PRN"],
                                     "value_type": "multi_select"}]
    board["jobs"][2]["metadata"] = [{"id": 2, "name": "Schedule", "value": "Full-time",
                                     "value_type": "single_select"}]  # not an employment field
    postings = by_id(source(serve(PATH, board), http).fetch())
    assert postings["6120450019"].employment_type == "per-diem"
    assert postings["6120450027"].employment_type is None
    assert postings["6120450027"].extra["metadata"] == {"Schedule": "Full-time"}
