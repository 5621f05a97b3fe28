"""The full settings page (every filter, schedule, resume) and "delete my data", served for real
on 127.0.0.1 and reached over HTTP as a browser would post its form."""

from __future__ import annotations

import pytest
import requests
from bs4 import BeautifulSoup
from page_support import RESUME_LINES
from pdf_files import write_pdf

from pipeline.config import SubscriberConfig, parse_config
from pipeline.errors import SubscriberError
from pipeline.notify.tokens import signer_for
from pipeline.posting import Posting
from pipeline.service.web import create_app
from pipeline.store import Store
from pipeline.store.schema import feedback


@pytest.fixture
def site(tmp_path, serve_app, monkeypatch):
    """(base URL of ann's settings page, store)."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    config = parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"}},
                          base_dir=tmp_path)
    store = Store(config.database_url())
    ann = store.save_subscriber(SubscriberConfig(email="ann@example.org", name="Ann"),
                                resume_text="RN case manager, care planning, discharge planning")
    base = serve_app(create_app(config, store))
    return f"{base}/settings/{signer_for(config, store).token(ann)}", store


FORM = {"states": "OH, Kentucky", "cities": "Columbus", "remote": ["remote", "hybrid"],
        "min_pay": "35", "pay_period": "hour", "employment_types": ["full-time"],
        "exclude_companies": "Acme Staffing", "exclude_words": "night shift, travel",
        "send_at": "07:30", "weekday": "fri", "timezone": "America/Chicago"}


def test_every_filter_and_the_schedule_are_saved_and_shown_again(site):
    url, store = site
    reply = requests.post(url, data=FORM, timeout=10)
    assert reply.status_code == 200 and "Your settings are saved" in reply.text
    ann = store.get_subscriber("ann@example.org")
    f = ann.filters
    assert (f.states, f.cities, [r.value for r in f.remote]) == (
        ["OH", "Kentucky"], ["Columbus"], ["remote", "hybrid"])
    assert f.min_salary == 35 * 2080 and f.employment_types == ["full-time"]
    assert f.exclude_companies == ["Acme Staffing"] and f.exclude_words == ["night shift", "travel"]
    assert (ann.send_at.strftime("%H:%M"), ann.weekday, ann.timezone) == (
        "07:30", "fri", "America/Chicago")
    page = BeautifulSoup(requests.get(url, timeout=10).text, "html.parser")
    assert page.find(id="exclude_companies")["value"] == "Acme Staffing"
    assert page.find("input", {"name": "remote", "value": "hybrid"}).has_attr("checked")


def test_a_bad_value_is_refused_with_its_name_and_nothing_is_saved(site):
    url, store = site
    reply = requests.post(url, data={**FORM, "timezone": "Mars/Olympus"}, timeout=10)
    assert reply.status_code == 400 and "Mars/Olympus" in reply.text
    assert BeautifulSoup(reply.text, "html.parser").find(id="cities")["value"] == "Columbus"
    assert store.get_subscriber("ann@example.org").filters.states == []


def test_the_resume_is_replaced_refused_like_the_cli_and_removed(site, tmp_path):
    url, store = site
    pdf = write_pdf(tmp_path / "cv.pdf", RESUME_LINES)
    with pdf.open("rb") as handle:
        reply = requests.post(url, data=FORM, files={"resume": ("cv.pdf", handle)}, timeout=10)
    assert reply.status_code == 200
    assert "utilization review" in store.get_subscriber("ann@example.org").resume_text
    bad = requests.post(url, data=FORM, files={"resume": ("cv.pdf", b"no pdf")}, timeout=10)
    assert bad.status_code == 400 and "PDF" in bad.text
    assert "utilization review" in store.get_subscriber("ann@example.org").resume_text
    requests.post(url, data={**FORM, "remove_resume": "y"}, timeout=10)
    assert store.get_subscriber("ann@example.org").resume_text is None


def test_delete_my_data_deletes_it_and_says_so(site):
    url, store = site
    ann = store.get_subscriber("ann@example.org")
    store.upsert_postings([Posting(source="t", source_id="1", title="RN Case Manager")])
    store.record_feedback(ann.id, store.open_postings()[0].id, "not", "pay")
    ask = requests.get(f"{url}/delete", timeout=10)
    assert "Delete your data?" in ask.text
    assert store.get_subscriber("ann@example.org")  # a GET deletes nothing
    done = requests.post(f"{url}/delete", timeout=10)
    assert done.status_code == 200 and "Your data is deleted" in done.text
    with pytest.raises(SubscriberError):
        store.get_subscriber("ann@example.org")
    with store.engine.connect() as conn:
        assert conn.execute(feedback.select()).all() == []
    assert requests.get(url, timeout=10).status_code == 404


def test_max_posting_age_and_credentials_held_are_saved_shown_and_checked(site):
    url, store = site
    reply = requests.post(url, data={**FORM, "max_age_days": "14",
                                     "credentials_held": "rn, CCM"}, timeout=10)
    assert reply.status_code == 200 and "Your settings are saved" in reply.text
    f = store.get_subscriber("ann@example.org").filters
    assert (f.max_age_days, f.credentials_held) == (14, ["RN", "CCM"])
    page = BeautifulSoup(requests.get(url, timeout=10).text, "html.parser")
    assert page.find(id="max_age_days")["value"] == "14"
    assert page.find(id="credentials_held")["value"] == "RN, CCM"
    bad = requests.post(url, data={**FORM, "max_age_days": "0"}, timeout=10)
    assert bad.status_code == 400 and "Only jobs posted within" in bad.text
    assert store.get_subscriber("ann@example.org").filters.max_age_days == 14


def test_a_radius_around_the_cities_is_saved_shown_and_checked(site):
    url, store = site
    reply = requests.post(url, data={**FORM, "radius_miles": "25"}, timeout=10)
    assert reply.status_code == 200 and "Your settings are saved" in reply.text
    assert store.get_subscriber("ann@example.org").filters.radius_miles == 25
    page = BeautifulSoup(requests.get(url, timeout=10).text, "html.parser")
    assert page.find(id="radius_miles")["value"] == "25"
    alone = requests.post(url, data={**FORM, "cities": "", "radius_miles": "10"}, timeout=10)
    assert alone.status_code == 400
    assert "radius_miles needs at least one city" in alone.text
    assert store.get_subscriber("ann@example.org").filters.radius_miles == 25
