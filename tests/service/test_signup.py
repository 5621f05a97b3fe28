"""The public sign-up page: double opt-in through the outbox, and its abuse limits.

The Flask app runs on a real server on 127.0.0.1, reached with ``requests`` (a browser's cookie
jar, so the CSRF token works as in a browser); the confirmation goes through the outbox to a
real SMTP server (aiosmtpd).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
import requests
from bs4 import BeautifulSoup
from page_support import RESUME_LINES, wait_for
from pdf_files import write_pdf

from pipeline.config import SubscriberConfig, parse_config
from pipeline.errors import SubscriberError
from pipeline.notify import notify
from pipeline.notify.relay import relay
from pipeline.service.web import create_app
from pipeline.store import Store
from pipeline.store.schema import signups, utcnow

LINKS = "https://alerts.carealerts.test"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def make_site(tmp_path, smtp_inbox, serve_app, monkeypatch):
    """Call with ``web.signup`` settings; get (base URL, store, inbox, config)."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    inbox, port = smtp_inbox

    def make(**signup):
        config = parse_config({
            "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
            "profile": {"path": str(REPO / "models" / "care_manager.yaml")},
            "web": {"signup": {"enabled": True, **signup}},
            "email": {"unsubscribe_url": LINKS, "transport": "smtp", "retry_backoff": 0,
                      "unsubscribe_mailto": "unsubscribe@carealerts.test",
                      "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}},
            base_dir=tmp_path)
        store = Store(config.database_url())
        return serve_app(create_app(config, store)), store, inbox, config

    return make


def form_of(session: requests.Session, base: str) -> dict:
    """The sign-up form's hidden fields (its CSRF token), as a browser would send them back."""
    page = session.get(f"{base}/signup")
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    return {field["name"]: field.get("value", "")
            for field in soup.select("form.signup input[type=hidden]")}


def sign_up(base: str, session=None, files=None, **fields) -> requests.Response:
    """Fill in and send the form like a person would."""
    session = session or requests.Session()
    data = {**form_of(session, base), "frequency": "daily", "timezone": "America/New_York",
            "pay_period": "year", "remote": "", **fields}
    return session.post(f"{base}/signup", data=data, files=files, timeout=10)


def confirmation_link(message) -> str:
    """The confirmation URL of a confirmation message."""
    text = message.get_body(("plain",)).get_content()
    return re.search(r"(https://\S+/signup/confirm/\S+)", text).group(1)


def test_sign_up_with_a_pdf_resume_confirm_and_get_subscribed(make_site, tmp_path):
    base, store, inbox, _config = make_site()
    resume = write_pdf(tmp_path / "dana.pdf", RESUME_LINES)
    with resume.open("rb") as handle:
        reply = sign_up(base, email="Dana@Example.org", name="Dana", state="OH",
                        min_pay="40", pay_period="hour", remote="remote,hybrid",
                        files={"resume": ("dana.pdf", handle, "application/pdf")})
    assert reply.status_code == 200 and "Check your inbox" in reply.text
    assert wait_for(lambda: inbox.to("dana@example.org"))
    message = inbox.to("dana@example.org")[0]
    assert message["Subject"] == "Confirm your Care Manager job alerts"
    assert "List-Unsubscribe" not in message  # a notice, not a subscription yet
    with pytest.raises(SubscriberError):  # nothing but the confirmation until confirmed
        store.get_subscriber("dana@example.org")
    link = confirmation_link(message).replace(LINKS, base)
    page = requests.get(link, timeout=10)  # a GET (a mail scanner) confirms nothing
    assert "Confirm your subscription" in page.text
    with pytest.raises(SubscriberError):
        store.get_subscriber("dana@example.org")
    done = requests.post(link, timeout=10)
    assert done.status_code == 200 and "You are subscribed" in done.text
    dana = store.get_subscriber("dana@example.org")
    assert dana.name == "Dana" and dana.frequency == "daily"
    assert dana.timezone == "America/New_York" and dana.filters.states == ["OH"]
    assert dana.filters.min_salary == 40 * 2080
    assert [r.value for r in dana.filters.remote] == ["remote", "hybrid"]
    assert "utilization review" in dana.resume_text
    assert "You are subscribed" in requests.post(link, timeout=10).text  # again: no error


def test_one_confirmation_until_confirmed_and_the_form_never_tells_who_subscribes(make_site):
    base, store, inbox, config = make_site()
    store.save_subscriber(SubscriberConfig(email="old@example.org"))
    first = sign_up(base, email="new@example.org")
    wait_for(lambda: inbox.to("new@example.org"))
    again = sign_up(base, email="new@example.org")
    known = sign_up(base, email="old@example.org")
    assert first.status_code == again.status_code == known.status_code == 200
    page = BeautifulSoup(first.text, "html.parser").main.get_text()
    assert page == BeautifulSoup(again.text, "html.parser").main.get_text()
    assert page == BeautifulSoup(known.text, "html.parser").main.get_text()
    relay(config, store)  # whatever is queued goes out now
    assert len(inbox.to("new@example.org")) == 1
    assert inbox.to("old@example.org") == []


def test_no_csrf_token_or_a_filled_honeypot_signs_nobody_up(make_site):
    base, store, inbox, config = make_site()
    forged = requests.post(f"{base}/signup", data={"email": "eve@example.org",
                                                    "frequency": "daily"}, timeout=10)
    assert forged.status_code == 400 and "This form expired" in forged.text
    robot = sign_up(base, email="bot@example.org", website="http://spam.example")
    assert robot.status_code == 200 and "Check your inbox" in robot.text
    relay(config, store)
    assert inbox.messages == [] and store.outbox_rows(("pending", "sent")) == []


def test_per_ip_rate_limit_and_body_size_limit(make_site):
    base, store, _inbox, config = make_site(per_ip="3 per hour", max_upload_mb=0.05)
    codes = [sign_up(base, email=f"p{n}@example.org").status_code for n in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    assert "Too many sign-ups from your network" in sign_up(base, email="x@example.org").text
    assert len(store.outbox_rows(("pending", "sent"))) == 3


def test_an_upload_over_the_size_limit_is_refused(make_site):
    base, _store, _inbox, _config = make_site(max_upload_mb=0.05)
    reply = sign_up(base, email="big@example.org",
                    files={"resume": ("big.txt", b"care planning " * 10_000, "text/plain")})
    assert reply.status_code == 413 and "accepts forms of up to 0.05 MB" in reply.text


def test_a_resume_the_cli_cannot_read_gets_the_cli_sentence(make_site):
    base, store, _inbox, _config = make_site()
    reply = sign_up(base, email="scan@example.org",
                    files={"resume": ("cv.pdf", b"not a pdf at all", "application/pdf")})
    assert reply.status_code == 400 and "PDF" in reply.text
    assert store.outbox_rows(("pending", "sent")) == []


def test_allowed_domains_and_turned_off(make_site, tmp_path):
    base, store, _inbox, _config = make_site(allowed_domains=["nurses.example"])
    outside = sign_up(base, email="ann@example.org")
    assert outside.status_code == 400
    assert "open to addresses at nurses.example only" in outside.text
    assert sign_up(base, email="ann@nurses.example").status_code == 200
    closed, _store, _inbox, _config = make_site(enabled=False)
    reply = requests.get(f"{closed}/signup", timeout=10)
    assert reply.status_code == 404 and "Sign-up is closed here" in reply.text


def test_every_notify_run_purges_expired_sign_ups(make_site):
    _base, store, _inbox, config = make_site()
    now = utcnow()
    store.add_signup("quiet@example.org", {"settings": {}}, now + timedelta(hours=1), now)
    notify(config, store, FixedOrder(), now=now + timedelta(minutes=30))
    assert store.add_signup("quiet@example.org", {}, now + timedelta(hours=9), now) is None
    notify(config, store, FixedOrder(), now=now + timedelta(hours=2))
    with store.engine.connect() as conn:
        assert conn.execute(signups.select()).all() == []


class FixedOrder:
    """A matcher with nothing to rank (no subscriber is due anyway)."""

    def rank(self, postings, **_kwargs):
        """Nothing."""
        return []


def test_unconfirmed_sign_ups_expire_and_are_purged(make_site):
    base, store, inbox, _config = make_site(expire_hours=1)
    sign_up(base, email="late@example.org")
    link = confirmation_link(wait_for(lambda: inbox.to("late@example.org"))[0])
    assert store.purge_signups(utcnow() + timedelta(hours=2)) == 1  # an hour on: gone
    reply = requests.post(link.replace(LINKS, base), timeout=10)
    assert reply.status_code == 404 and "expired" in reply.text
    with pytest.raises(SubscriberError):
        store.get_subscriber("late@example.org")


def test_a_radius_around_the_city_is_kept_and_one_without_a_city_refused(make_site):
    base, store, inbox, _config = make_site()
    reply = sign_up(base, email="rae@example.org", state="OH", city="Columbus",
                    radius_miles="30")
    assert reply.status_code == 200 and "Check your inbox" in reply.text
    assert wait_for(lambda: inbox.to("rae@example.org"))
    link = confirmation_link(inbox.to("rae@example.org")[0]).replace(LINKS, base)
    assert "You are subscribed" in requests.post(link, timeout=10).text
    filters = store.get_subscriber("rae@example.org").filters
    assert (filters.cities, filters.radius_miles) == (["Columbus"], 30)
    alone = sign_up(base, email="sol@example.org", state="OH", radius_miles="30")
    assert alone.status_code == 400 and "radius_miles needs at least one city" in alone.text
    assert inbox.to("sol@example.org") == []
