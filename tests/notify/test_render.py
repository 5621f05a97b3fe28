"""Rendering a digest: untrusted posting text stays inert, every fact is in both parts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bs4 import BeautifulSoup
from notify_support import NOW, FixedRanker, posting

from pipeline.notify.digest import digest_items, safe_url, salary_text, where_text
from pipeline.notify.render import ago, render_digest, subject_for
from pipeline.posting import Remote


def _render(*postings):
    matches = FixedRanker({"p1": 0.9, "p2": 0.55}).rank(list(postings))
    items = digest_items(matches)
    return render_digest(items, now=NOW, name="Dana", frequency="daily",
                         unsubscribe_url="https://a.example/unsubscribe/T",
                         preferences_url="https://a.example/preferences/T")


def test_script_and_javascript_links_come_out_inert():
    evil = posting(1, title='Case Manager <script>alert("t")</script>',
                   company="<img src=x onerror=alert(1)>Acme",
                   url="javascript:alert(document.cookie)",
                   description='<a href="javascript:alert(2)">apply</a> <script>steal()</script>')
    subject, text, html = _render(evil)
    soup = BeautifulSoup(html, "lxml")
    assert soup.find_all(["script", "img", "iframe", "object"]) == []
    hrefs = [a["href"] for a in soup.find_all("a")]
    assert hrefs and all(h.startswith("https://") for h in hrefs), hrefs
    assert not [attr for tag in soup.find_all(True) for attr in tag.attrs
                if attr.lower().startswith("on")]
    assert '<script>alert("t")</script>' in soup.get_text()  # shown as text
    assert "&lt;script&gt;alert(" in html
    assert "no safe link was given" in text and "No safe link was given" in html
    assert "<script>" in subject  # the subject is plain text, shown as text by mail clients


def test_http_links_render_and_other_schemes_do_not():
    assert safe_url("https://jobs.example/1?a=b") == "https://jobs.example/1?a=b"
    assert safe_url("http://jobs.example/1") == "http://jobs.example/1"
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "/jobs/1",
                "ftp://x.example/", "https://x.example/\"onmouseover=", None, ""):
        assert safe_url(bad) is None, bad


def test_each_posting_shows_every_fact_in_html_and_text():
    good = posting(1, salary_min=80000, salary_max=95000, salary_currency="USD",
                   salary_period="year", remote=Remote.HYBRID)
    second = posting(2, company="Other Co", location=None, remote=Remote.REMOTE)
    subject, text, html = _render(good, second)
    assert subject == "2 new Care Manager jobs: RN Case Manager 1 at Employer 1 and 1 more"
    for part in (text, html):
        for fact in ("RN Case Manager 1", "Employer 1", "Columbus, OH (Hybrid)", "a year",
                     "posted 4 days ago", "Strong match: 90%", "Good match: 55%",
                     "rn case manager", "care coordination", "RN", "CCM",
                     "https://jobs.example/1", "Other Co", "Remote",
                     "https://a.example/unsubscribe/T", "https://a.example/preferences/T"):
            assert fact in part, (fact, part[:200])
    assert "$80,000–$95,000 a year" in text
    assert text.index("RN Case Manager 1") < text.index("RN Case Manager 2")


def test_css_is_inlined_for_mail_clients():
    _subject, _text, html = _render(posting(1))
    assert "<style" not in html
    assert 'style="' in html and "font-family" in html


def test_salary_where_and_age_wording():
    assert salary_text(posting(1, salary_min=42, salary_period="hour")) == "$42 an hour"
    assert salary_text(posting(1, salary_max=90000, salary_period="year")) == \
        "up to $90,000 a year"
    assert salary_text(posting(1)) is None
    assert where_text(posting(1, location=None, remote=Remote.UNKNOWN)) == "Location not given"
    several = posting(1, location="Columbus, OH", remote=Remote.ONSITE, extra={
        "opening_locations": ["Columbus, OH", "Dayton, OH", "Erie, PA", "Akron, OH", "Kent, OH"]})
    assert where_text(several) == "Columbus, OH; Dayton, OH; Erie, PA and 2 more (On-site)"
    assert ago(None, NOW) == "posting date not given"
    assert ago((NOW - timedelta(hours=3)).isoformat(), NOW) == "posted today"
    assert ago(datetime(2026, 11, 1, tzinfo=UTC).isoformat(), NOW) == "posted 4 weeks ago"
    assert ago("2026-11-27T00:00:00", NOW) == "posted 2 days ago"  # no zone given: UTC


def test_subject_for_one_posting():
    assert subject_for([{"title": "Care Coordinator", "company": "Summit"}]) == \
        "1 new Care Manager job: Care Coordinator at Summit"


def test_a_long_skills_list_names_the_first_six_and_counts_the_rest():
    items = digest_items(FixedRanker().rank([posting(1)]))
    items[0]["why"]["skills"] = [f"skill {n}" for n in range(10)]
    _subject, text, html = render_digest(items, now=NOW, name=None, frequency="instant",
                                         unsubscribe_url="https://a.example/u/T",
                                         preferences_url="https://a.example/p/T")
    for part in (text, html):
        assert "Skills: skill 0, skill 1, skill 2, skill 3, skill 4, skill 5 and 4 more" in part
        assert "skill 6" not in part
