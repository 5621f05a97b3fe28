"""A subscriber's whole journey in headless Chromium, with JavaScript off, as on a phone.

Sign up with a PDF resume, get the confirmation from the SMTP server (aiosmtpd), confirm, get a
digest, say "not for me - wrong location", see the next digest change, change settings, delete
the data. Every page is captured at 375 and 1280 px and checked not to overflow sideways; set
PIPELINE_SCREENSHOTS=<folder> to keep the captures (the README's come from there).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from page_support import RESUME_LINES, wait_for
from pdf_files import write_pdf
from test_web import CHROMIUM, needs_browser, needs_chromium  # noqa: F401

from pipeline.config import SubscriberConfig, parse_config
from pipeline.match.matcher import Matcher
from pipeline.notify import notify
from pipeline.posting import Posting
from pipeline.service.web import create_app
from pipeline.store import Store
from pipeline.store.schema import utcnow

REPO = Path(__file__).resolve().parents[2]
LINKS = "https://alerts.carealerts.test"
CARE = ("Coordinate care for members with complex needs: assessments, care plans, discharge "
        "planning, utilization review, community resources. Requires an active RN license.")
WIDTHS = (375, 1280)


def job(source_id: str, title: str, company: str, location: str, **fields) -> Posting:
    """A care-management posting."""
    return Posting(source="test", source_id=source_id, title=title, company=company,
                   location=location, url=f"https://jobs.example/{source_id}",
                   description=CARE, **fields)


@pytest.fixture
def shots(tmp_path):
    """capture(page, name): screenshots at each width, asserting no sideways overflow."""
    folder = Path(os.environ.get("PIPELINE_SCREENSHOTS") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)

    def capture(page, name: str) -> None:
        page.wait_for_load_state()  # a click that navigates returns before the new page loads
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 800})
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width, f"{name} is {overflow}px wide at {width}px"
            page.screenshot(path=str(folder / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size({"width": 375, "height": 800})

    return capture


@pytest.fixture
def site(tmp_path, smtp_inbox, serve_app, monkeypatch):
    """(base URL, config, store, inbox) with sign-up open and two postings stored."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    inbox, port = smtp_inbox
    config = parse_config({
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "profile": {"path": str(REPO / "models" / "care_manager.yaml")},
        "matching": {"min_score": 0.2},
        "web": {"signup": {"enabled": True}},
        "email": {"unsubscribe_url": LINKS, "unsubscribe_mailto": "unsubscribe@carealerts.test",
                  "transport": "smtp", "retry_backoff": 0, "max_per_employer": 5,
                  "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}},
        base_dir=tmp_path)
    store = Store(config.database_url())
    store.upsert_postings([job("a1", "RN Case Manager", "Lakeside Health", "Columbus, OH"),
                           job("a2", "Care Coordinator", "Summit Plan", "Remote - US",
                               remote="remote")])
    return serve_app(create_app(config, store)), config, store, inbox


def plain(message) -> str:
    """A message's text part."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def titles(message) -> list[str]:
    """The posting titles of a digest, in order."""
    return re.findall(r"^\d+\. (.+)$", plain(message), re.M)


def link_under(message, title: str, which: str) -> str:
    """The feedback link under the posting with this title."""
    text = plain(message)
    return re.search(rf"{which}: (\S+)", text[text.index(f". {title}\n"):]).group(1)


@pytest.mark.browser
@needs_browser
def test_a_subscriber_signs_up_gives_feedback_changes_settings_and_leaves(
        site, browser, shots, tmp_path, request):
    base, config, store, inbox = site
    context = browser.new_context(java_script_enabled=False,
                                  viewport={"width": 375, "height": 800},
                                  timezone_id="America/New_York")
    request.addfinalizer(context.close)
    page = context.new_page()
    page.goto(f"{base}/signup")
    shots(page, "signup")
    page.fill("#email", "dana@example.org")
    page.fill("#name", "Dana")
    page.set_input_files("#resume", str(write_pdf(tmp_path / "dana.pdf", RESUME_LINES)))
    page.select_option("#frequency", "instant")
    page.click("#signup")
    assert page.text_content("#state") == "Check your inbox"
    shots(page, "signup-sent")

    confirmation = wait_for(lambda: inbox.to("dana@example.org"))[0]
    page.goto(re.search(r"https://\S+/signup/confirm/\S+", plain(confirmation)).group(0)
              .replace(LINKS, base))
    shots(page, "confirm")
    page.click("#confirm")
    assert page.text_content("#state") == "You are subscribed"
    dana = store.get_subscriber("dana@example.org")
    assert "utilization review" in dana.resume_text
    store.save_subscriber(SubscriberConfig(email="bob@example.org", frequency="instant"),
                          resume_text=dana.resume_text)  # a twin who gives no feedback

    matcher = Matcher.from_config(config)
    notify(config, store, matcher)
    digest = inbox.to("dana@example.org")[-1]
    assert titles(digest) == ["RN Case Manager", "Care Coordinator"]
    page.set_content(digest.get_body(("html",)).get_content())
    shots(page, "digest")

    page.goto(link_under(digest, "RN Case Manager", "Not for me").replace(LINKS, base))
    shots(page, "not-for-me")
    page.click("#reason-location")
    assert "wrong location" in page.text_content("#state")

    store.upsert_postings([job("b1", "Nurse Case Manager", "Lakeside Health", "Columbus, OH"),
                           job("b3", "RN Care Manager", "Northgate Health", "Columbus, OH"),
                           job("b2", "Case Manager RN", "Riverbend Clinic", "Dayton, OH")])
    notify(config, store, matcher, now=utcnow() + timedelta(minutes=1))
    after, twin = titles(inbox.to("dana@example.org")[-1]), titles(inbox.to("bob@example.org")[-1])
    print(f"\nnext digest without feedback: {twin}\nafter 'not for me - wrong location' on "
          f"a Columbus job: {after}")  # the figures of the closing note (pytest -s)
    assert twin[0] != "Case Manager RN" and after[0] == "Case Manager RN"
    assert sorted(after) == sorted(twin)

    page.goto(re.search(r"Change your preferences: (\S+)", plain(digest)).group(1)
              .replace(LINKS, base))
    shots(page, "preferences")
    page.click("#settings-link")
    page.fill("#states", "OH")
    page.fill("#exclude_companies", "Lakeside Health")
    page.check("input[name=remote][value=hybrid]")
    page.click("#save")
    assert page.is_visible("#saved")
    shots(page, "settings")
    assert store.get_subscriber("dana@example.org").filters.exclude_companies == [
        "Lakeside Health"]

    page.click("#delete-link")
    shots(page, "delete")
    page.click("#delete")
    assert page.text_content("#state") == "Your data is deleted"
    shots(page, "deleted")
    assert [s.email for s in store.list_subscribers()] == ["bob@example.org"]


@pytest.mark.browser
@needs_browser
def test_with_javascript_the_time_zone_is_guessed_from_the_browser(site, browser):
    base, _config, _store, _inbox = site
    context = browser.new_context(timezone_id="America/Chicago")
    try:
        page = context.new_page()
        page.goto(f"{base}/signup")
        assert page.input_value("#timezone") == "America/Chicago"
    finally:
        context.close()
