"""Career pages with schema.org JobPosting JSON-LD: listing, sitemap, pages, real-page quirks."""

from __future__ import annotations

import gzip
import logging
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from pipeline.errors import FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.jsonld import JsonLdConfig, JsonLdSource
from pipeline.sources.jsonld_posting import json_ld_blocks
from pipeline.stages.fetch import read_source

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources" / "jsonld"
HTML = "text/html; charset=utf-8"
JOB_PAGES = ("rn-care-manager", "social-worker", "utilization-review-nurse",
             "community-health-worker", "case-manager-closed")


@pytest.fixture
def site(serve, httpserver):
    """The career site on the test server; returns its base URL."""
    serve("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    serve("/careers.html", ("jsonld", "careers.html"), content_type=HTML)
    serve("/about.html", ("jsonld", "about.html"), content_type=HTML)
    for name in JOB_PAGES:
        serve(f"/jobs/{name}.html", ("jsonld", f"{name}.html"), content_type=HTML)
    return httpserver.url_for("").rstrip("/")


def make(http, **config):
    return JsonLdSource(JsonLdConfig(name="lakeside", type="jsonld", **config), http)


def by_title(postings):
    return {p.title: p for p in postings}


def test_listing_links_are_followed_and_each_field_mapped(http, site):
    source = make(http, listing=f"{site}/careers.html", link_pattern=r"/jobs/")
    postings = source.fetch()

    assert sorted(by_title(postings)) == [
        "Community Health Worker - North", "Community Health Worker - South", "RN Care Manager",
        "Social Worker & Care Coordinator", "Utilization Review Nurse"]  # closed one left out
    assert source.full_listing is True
    care = by_title(postings)["RN Care Manager"]
    assert (care.source, care.source_id) == ("lakeside", "REQ-2026-0412")
    assert care.url == f"{site}/jobs/rn-care-manager.html"
    assert care.company == "Lakeside Community Health"
    assert (care.location, care.city, care.region, care.country) == (
        "Columbus, OH", "Columbus", "OH", "US")
    assert care.remote is Remote.ONSITE
    assert care.description == ("Coordinate care for adults with complex chronic conditions.\n\n"
                                "- Care plans and transitions of care\n"
                                "- Utilization review with InterQual")
    assert "<strong>complex chronic conditions</strong>" in care.description_html
    assert (care.salary_min, care.salary_max, care.salary_currency, care.salary_period) == (
        78000.0, 96000.0, "USD", "year")
    assert care.employment_type == "full-time"  # the first of FULL_TIME, PART_TIME
    assert care.posted_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert care.valid_through == datetime(2027, 1, 1, 5, 59, 59, tzinfo=UTC)
    assert care.extra["locations"] == ["Columbus, OH", "Dayton, OH"]
    assert care.extra["employment_types"] == ["FULL_TIME", "PART_TIME"]
    assert care.extra["company_url"] == "https://lakeside.example"
    assert care.extra["industry"] == "Hospital & Health Care"


def test_top_level_array_entities_and_a_single_hourly_value(http, site):
    social = make(http, pages=[f"{site}/jobs/social-worker.html"]).fetch()[0]

    assert social.source_id == "SW-118"
    assert social.title == "Social Worker & Care Coordinator"  # &amp; inside the JSON
    assert social.company == "Lakeside Community Health"  # organization as plain text
    assert social.description == ("Psychosocial assessments & discharge planning for families."
                                  "\n\nLCSW required.")  # entity-escaped HTML
    assert (social.city, social.region, social.country) == ("Springfield", "Illinois", "US")
    assert (social.salary_min, social.salary_max, social.salary_period) == (34.5, 34.5, "hour")
    assert social.posted_at == datetime(2026, 11, 18, tzinfo=UTC)  # date only
    assert social.valid_through == datetime(2026, 12, 18, 23, 59, 59, tzinfo=UTC)  # whole day
    assert social.employment_type == "full-time"


def test_telecommute_with_applicant_locations(http, site):
    review = make(http, pages=[f"{site}/jobs/utilization-review-nurse.html"]).fetch()[0]

    assert review.source_id == "50231"  # numeric PropertyValue
    assert review.remote is Remote.REMOTE
    assert review.location == "Remote (USA)"
    assert review.country == "US" and review.city is None
    assert review.extra["applicant_locations"] == ["USA"]
    assert review.extra["job_location_type"] == "TELECOMMUTE"
    assert (review.salary_min, review.salary_max, review.salary_period) == (40.0, 48.0, "hour")
    assert review.employment_type == "contract"
    assert review.valid_through is None


def test_two_postings_on_one_page_get_distinct_ids(http, site):
    url = f"{site}/jobs/community-health-worker.html"
    north, south = make(http, pages=[url], company="Lakeside (default)").fetch()

    assert (north.source_id, south.source_id) == (url, f"{url}#2")
    assert north.company == "Lakeside Community Health"
    assert south.company == "Lakeside (default)"  # not named on the page
    assert (north.location, north.city, north.region) == ("Toledo, OH", "Toledo", "OH")
    assert (south.city, south.region) == ("Cincinnati", "OH")


def test_a_soft_404_gives_no_posting(http, site):
    assert make(http, pages=[f"{site}/jobs/case-manager-closed.html"]).fetch() == []


def test_pages_alone_are_not_a_full_listing(http, site):
    source = make(http, pages=[f"{site}/jobs/rn-care-manager.html"])
    assert len(source.fetch()) == 1
    assert source.full_listing is False


def test_a_page_without_jobposting_is_logged_not_fatal(http, site, caplog):
    pages = [f"{site}/about.html", f"{site}/jobs/rn-care-manager.html"]
    with caplog.at_level(logging.WARNING):
        postings = make(http, pages=pages).fetch()
    assert [p.title for p in postings] == ["RN Care Manager"]
    assert "about.html has no schema.org JobPosting" in caplog.text
    assert "malformed JSON-LD" in caplog.text  # the broken block beside the good one


def test_sitemap_index_is_followed_and_filtered(http, site, serve):
    for name in ("sitemap_index.xml", "sitemap-jobs.xml"):
        body = _fixture(name).replace("{base}", site)
        serve(f"/{name}", body, content_type="application/xml")
    source = make(http, sitemap=f"{site}/sitemap_index.xml", link_pattern=r"/jobs/")
    postings = source.fetch()
    assert [p.title for p in postings] == ["RN Care Manager", "Utilization Review Nurse"]
    assert source.full_listing is True


def test_robots_txt_is_honoured(http, site, serve, caplog):
    serve("/private/secret-job.html", ("jsonld", "rn-care-manager.html"), content_type=HTML)
    pages = [f"{site}/private/secret-job.html", f"{site}/jobs/social-worker.html"]
    with caplog.at_level(logging.WARNING):
        postings = make(http, pages=pages).fetch()
    assert [p.title for p in postings] == ["Social Worker & Care Coordinator"]
    assert "secret-job.html" in caplog.text


def test_a_page_that_cannot_be_fetched_spoils_the_full_listing(http, site, serve):
    body = '<a href="/jobs/rn-care-manager.html">a</a> <a href="/jobs/gone.html">b</a>'
    serve("/short-list.html", body, content_type=HTML)
    serve("/jobs/gone.html", "Server error", status=500, content_type="text/plain")
    source = make(http, listing=f"{site}/short-list.html")
    assert [p.title for p in source.fetch()] == ["RN Care Manager"]
    assert source.full_listing is False  # gone.html's posting must not be closed


def test_every_page_failing_is_a_fetch_error(http, site, serve):
    serve("/jobs/gone.html", "Server error", status=500, content_type="text/plain")
    with pytest.raises(FetchError):
        make(http, pages=[f"{site}/jobs/gone.html"]).fetch()


def test_an_unreachable_listing_is_a_fetch_error(http, site, serve):
    serve("/missing.html", "not found", status=404, content_type="text/plain")
    with pytest.raises(FetchError):
        make(http, listing=f"{site}/missing.html").fetch()


def test_an_html_page_as_sitemap_is_a_parse_error(http, site):
    with pytest.raises(ParseError, match="not a sitemap|not an XML sitemap"):
        make(http, sitemap=f"{site}/careers.html").fetch()


def test_titles_that_became_objects_everywhere_is_a_parse_error(http, site, serve):
    page = ('<script type="application/ld+json">{"@type": "JobPosting", '
            '"title": {"en": "Care Manager"}}</script>')
    serve("/jobs/odd.html", page, content_type=HTML)
    with pytest.raises(ParseError, match="expected text"):
        make(http, pages=[f"{site}/jobs/odd.html"]).fetch()


def test_url_replaces_the_listing(http, site):
    source = make(http, listing="https://careers.example.invalid/", url=f"{site}/careers.html",
                  link_pattern=r"/jobs/rn-")
    assert [p.title for p in source.fetch()] == ["RN Care Manager"]


def test_config_needs_somewhere_to_look_and_a_valid_pattern():
    with pytest.raises(ValueError, match="pages, listing or sitemap"):
        JsonLdConfig(name="x", type="jsonld")
    with pytest.raises(ValueError, match="regular expression"):
        JsonLdConfig(name="x", type="jsonld", listing="https://e.org/", link_pattern="(")


def test_an_entity_escaped_block_is_read():
    soup = BeautifulSoup(_fixture("utilization-review-nurse.html"), "lxml")
    values, bad = json_ld_blocks(soup)
    assert bad == 0
    assert values[0]["@type"] == "WebSite"  # the block written with &quot;


def _fixture(name):
    return (FIXTURES / name).read_text(encoding="utf-8")


def test_the_fetch_stage_sees_a_spoiled_full_listing(http, site, serve):
    body = '<a href="/jobs/rn-care-manager.html">a</a> <a href="/jobs/gone.html">b</a>'
    serve("/short-list.html", body, content_type=HTML)
    serve("/jobs/gone.html", "Server error", status=500, content_type="text/plain")
    config = JsonLdConfig(name="lakeside", type="jsonld", listing=f"{site}/short-list.html")
    outcome = read_source(config, http)
    assert [p.title for p in outcome.postings] == ["RN Care Manager"]
    assert outcome.full_listing is False


def test_a_gzipped_sitemap_is_read(http, site, httpserver):
    body = gzip.compress(_fixture("sitemap-jobs.xml").replace("{base}", site).encode())
    httpserver.expect_request("/sitemap.xml.gz").respond_with_data(
        body, content_type="application/octet-stream")
    source = make(http, sitemap=f"{site}/sitemap.xml.gz", link_pattern=r"\.html$")
    with_jobs = [p.title for p in source.fetch()]
    assert with_jobs == ["RN Care Manager", "Utilization Review Nurse"]  # about.html has none


def test_without_a_pattern_only_links_on_the_listings_host_are_followed(http, site, serve):
    body = ('<a href="/jobs/social-worker.html">ours</a>'
            '<a href="https://elsewhere.example/jobs/1">theirs</a>'
            '<a href="mailto:jobs@lakeside.example">mail</a>')
    serve("/few.html", body, content_type=HTML)
    postings = make(http, listing=f"{site}/few.html").fetch()
    assert [p.title for p in postings] == ["Social Worker & Care Coordinator"]


def test_a_listing_without_posting_links_is_empty_and_says_so(http, site, serve, caplog):
    serve("/redesigned.html", "<p>Our jobs moved to a new site.</p>", content_type=HTML)
    with caplog.at_level(logging.WARNING):
        assert make(http, listing=f"{site}/redesigned.html", link_pattern="/jobs/").fetch() == []
    assert "links to no posting page" in caplog.text
