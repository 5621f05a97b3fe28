"""RSS 2.0 and Atom job feeds: "Company: Role" titles, escaped HTML, RFC 822 dates, extensions."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from pipeline.errors import FetchError, ParseError
from pipeline.posting import Remote
from pipeline.sources.rss import RssConfig, RssSource

RSS_TYPE = "application/rss+xml"


def make(http, feed, **extra):
    return RssSource(RssConfig(name="remote-care", type="rss", feed=feed, **extra), http)


def rss_feed(serve):
    return serve("/remote-jobs.rss", ("rss", "remote_jobs.rss.xml"), content_type=RSS_TYPE)


def test_company_colon_titles_and_each_field(http, serve):
    postings = make(http, rss_feed(serve), title_format="company_colon").fetch()

    assert len(postings) == 3
    nurse = postings[0]
    link = "https://jobs.example-remote.org/remote-jobs/harbor-telephonic-nurse-case-manager"
    assert (nurse.source, nurse.source_id, nurse.url) == ("remote-care", link, link)
    assert nurse.title == "Telephonic Nurse Case Manager"
    assert nurse.company == "Harbor Health Partners"
    assert (nurse.location, nurse.city, nurse.region, nurse.country) == (
        "USA Only", None, None, "US")
    assert nurse.description.startswith("Headquarters: Columbus, OH\n\n")
    assert "with diabetes & heart failure" in nurse.description  # escaped twice in the feed
    assert "- Active RN licence\n- CCM within 12 months" in nurse.description
    assert '<a href="https://jobs.example-remote.org/' in nurse.description_html
    assert nurse.salary_min is None and nurse.salary_period is None
    assert nurse.employment_type == "full-time"
    assert nurse.posted_at == datetime(2026, 11, 24, 14, 5, tzinfo=UTC)
    assert nurse.valid_through == datetime(2026, 12, 24, 14, 5, tzinfo=UTC)
    assert nurse.extra == {"region": "USA Only", "headquarters": "Ohio",
                           "categories": ["Healthcare"],
                           "logo": "https://cdn.example-remote.org/logos/harbor.png"}


def test_only_the_first_colon_splits_and_missing_parts(http, serve):
    coordinator, review = make(http, rss_feed(serve), title_format="company_colon").fetch()[1:]

    assert coordinator.company == "Mindful Bridge"
    assert coordinator.title == "Behavioral Health Care Coordinator: Adults"
    assert coordinator.source_id == "mindful-bridge-4471"  # a guid that is not a link
    assert coordinator.remote is Remote.REMOTE  # "Anywhere in the World"
    assert coordinator.country is None
    assert coordinator.posted_at == datetime(2026, 11, 23, 14, 30, tzinfo=UTC)  # -0500
    assert review.title == "Utilization Review Nurse" and review.company is None
    assert review.source_id == review.url  # no guid: the link
    assert review.description == "Review admissions against InterQual criteria."
    assert review.location is None and review.valid_through is None


def test_plain_titles_keep_the_colon(http, serve):
    first = make(http, rss_feed(serve)).fetch()[0]
    assert first.title == "Harbor Health Partners: Telephonic Nurse Case Manager"
    assert first.company is None


def test_atom_feed_with_author_content_and_configured_mode(http, serve):
    url = serve("/feed.atom", ("rss", "careers.atom.xml"), content_type="application/atom+xml")
    care, social = make(http, url, remote="onsite").fetch()

    assert care.source_id == "urn:lakeside:req:RN-2026-118"
    assert care.url == "https://careers.lakeside-hospital.example/jobs/rn-care-manager-inpatient"
    assert care.title == "RN Care Manager - Inpatient"
    assert care.company == "Lakeside Community Hospital"  # from <author>
    assert care.description.startswith("Lead discharge planning")  # content over summary
    assert "- ACM or CCM preferred" in care.description
    assert care.posted_at == datetime(2026, 11, 25, 15, 15, tzinfo=UTC)
    assert care.remote is Remote.ONSITE
    assert social.posted_at == datetime(2026, 11, 20, 16, 0, tzinfo=UTC)  # only <updated>
    assert social.description == "Psychosocial assessments and care transitions."


def test_configured_company_wins(http, serve):
    first = make(http, rss_feed(serve), title_format="company_colon", company="Harbor").fetch()[0]
    assert first.company == "Harbor" and first.title == "Telephonic Nurse Case Manager"


def test_url_replaces_the_feed(http, serve):
    url = rss_feed(serve)
    config = RssConfig(name="r", type="rss", feed="https://example.invalid/feed", url=url)
    assert len(RssSource(config, http).fetch()) == 3


def test_an_empty_feed_is_an_empty_list(http, serve):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
            "<link>https://example.org/</link><description>none today</description>"
            "</channel></rss>")
    assert make(http, serve("/empty.rss", body, content_type=RSS_TYPE)).fetch() == []


def test_an_html_page_is_a_parse_error(http, serve):
    url = serve("/gone.rss", "<html><body><h1>We moved!</h1></body></html>",
                content_type="text/html")
    with pytest.raises(ParseError, match="not an RSS or Atom feed") as caught:
        make(http, url).fetch()
    assert caught.value.source == "remote-care"


def test_items_without_title_everywhere_is_a_parse_error(http, serve):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
            "<item><guid>1</guid><description>x</description></item>"
            "<item><guid>2</guid><description>y</description></item></channel></rss>")
    with pytest.raises(ParseError, match="none of the 2"):
        make(http, serve("/broken.rss", body, content_type=RSS_TYPE)).fetch()


def test_one_item_without_title_is_skipped(http, serve, caplog):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
            "<item><guid>1</guid><title>Care Coordinator</title></item>"
            "<item><guid>2</guid><description>no title</description></item></channel></rss>")
    with caplog.at_level(logging.WARNING):
        postings = make(http, serve("/half.rss", body, content_type=RSS_TYPE)).fetch()
    assert [p.title for p in postings] == ["Care Coordinator"]
    assert "no title" in caplog.text


def test_a_missing_feed_is_a_fetch_error(http, serve):
    with pytest.raises(FetchError):
        make(http, serve("/nope.rss", "not found", status=404, content_type="text/plain")).fetch()


def test_a_feed_is_the_full_listing_only_when_configured(http, serve):
    url = rss_feed(serve)
    partial, full = make(http, url), make(http, url, full_listing=True)
    assert len(partial.fetch()) == len(full.fetch()) == 3
    assert (partial.full_listing, full.full_listing) == (False, True)


def test_a_full_listing_feed_with_a_skipped_item_is_not_complete(http, serve):
    body = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Jobs</title>'
            "<item><guid>1</guid><title>Care Coordinator</title></item>"
            "<item><guid>2</guid><description>no title</description></item></channel></rss>")
    source = make(http, serve("/half.rss", body, content_type=RSS_TYPE), full_listing=True)
    assert len(source.fetch()) == 1 and source.full_listing is False
