"""The subscriber pages: one-click unsubscribe (RFC 8058), undo, preferences; in a real browser too.

The Flask app runs on a real WSGI server on 127.0.0.1 for the browser tests (headless Chromium
driven by Playwright); those skip with a reason when /usr/bin/chromium is not installed, except
under CI (the environment variable CI=true), where a missing browser fails them: CI installs it
(scripts/install-browser.sh) and must never pass by silently skipping them.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import threading
import urllib.error
import urllib.request

import pytest
from browser_support import CHROMIUM, MISSING_BROWSER, browser_missing_outcome
from bs4 import BeautifulSoup
from waiting import wait_for
from warm import popen
from werkzeug.serving import make_server

from pipeline.config import SubscriberConfig, load_config, parse_config
from pipeline.notify.subscribers import sync_subscribers
from pipeline.notify.tokens import LinkSigner, signer_for
from pipeline.service.web import create_app
from pipeline.store import Store


@pytest.fixture
def needs_chromium():
    """Skips a browser test when Chromium is missing, but fails it under CI=true."""
    outcome = browser_missing_outcome(CHROMIUM, os.environ)
    if outcome == "fail":
        pytest.fail(f"CI=true but {MISSING_BROWSER}")
    if outcome == "skip":
        pytest.skip(MISSING_BROWSER)


needs_browser = pytest.mark.usefixtures("needs_chromium")


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """(config, store, app, tokens of subscribers a and b)."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    config = parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"}},
                          base_dir=tmp_path)
    store = Store(config.database_url())
    a = store.save_subscriber(SubscriberConfig(email="a@example.org", frequency="daily"))
    b = store.save_subscriber(SubscriberConfig(email="b@example.org"))
    signer = signer_for(config, store)
    app = create_app(config, store)
    return config, store, app, signer.token(a), signer.token(b)


def test_one_click_post_unsubscribes_at_once_without_cookies(setup):
    _config, store, app, token_a, _token_b = setup
    response = app.test_client().post(f"/unsubscribe/{token_a}",
                                      data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert store.get_subscriber("a@example.org").unsubscribed_at is not None
    assert store.get_subscriber("b@example.org").unsubscribed_at is None
    assert "You are unsubscribed" in response.get_data(as_text=True)


def test_get_shows_state_and_never_unsubscribes(setup):
    _config, store, app, token_a, _ = setup
    page = app.test_client().get(f"/unsubscribe/{token_a}").get_data(as_text=True)
    assert "Unsubscribe from Care Manager job alerts?" in page and "a@example.org" in page
    assert store.get_subscriber("a@example.org").unsubscribed_at is None


def test_undo_resubscribes(setup):
    _config, store, app, token_a, _ = setup
    client = app.test_client()
    client.post(f"/unsubscribe/{token_a}")
    page = client.post(f"/resubscribe/{token_a}").get_data(as_text=True)
    assert "subscribed again" in page
    assert store.get_subscriber("a@example.org").active


def test_forged_or_foreign_tokens_get_404_and_change_nothing(setup):
    _config, store, app, token_a, token_b = setup
    client = app.test_client()
    payload_b = token_b.rsplit(".", 1)[0]
    for bad in (payload_b + "." + token_a.rsplit(".", 1)[1], "nonsense",
                LinkSigner("guessed").token(store.get_subscriber("b@example.org"))):
        response = client.post(f"/unsubscribe/{bad}")
        assert response.status_code == 404
        assert "This link does not work" in response.get_data(as_text=True)
        assert "This link is not valid" in response.get_data(as_text=True) or \
            "This link belongs to" in response.get_data(as_text=True)
    assert all(s.unsubscribed_at is None for s in store.list_subscribers())


def test_preferences_change_frequency_pause_score_remote(setup):
    config, store, app, token_a, _ = setup
    client = app.test_client()
    page = client.get(f"/preferences/{token_a}").get_data(as_text=True)
    assert 'value="daily" selected' in page
    assert 'value="" placeholder="35"' in page and "default, now 35%" in page
    response = client.post(f"/preferences/{token_a}", data={
        "frequency": "weekly", "min_score": "60", "remote_only": "1", "paused": "1"})
    assert response.status_code == 200 and "saved" in response.get_data(as_text=True)
    saved = store.get_subscriber("a@example.org")
    assert (saved.frequency, saved.min_score, saved.paused) == ("weekly", 0.6, True)
    assert [r.value for r in saved.filters.remote] == ["remote"]


def test_preferences_refuse_bad_values(setup):
    _config, store, app, token_a, _ = setup
    response = app.test_client().post(f"/preferences/{token_a}",
                                      data={"frequency": "hourly", "min_score": "50"})
    assert response.status_code == 400 and "not a frequency" in response.get_data(as_text=True)
    response = app.test_client().post(f"/preferences/{token_a}",
                                      data={"frequency": "daily", "min_score": "150"})
    assert response.status_code == 400
    assert store.get_subscriber("a@example.org").min_score is None


def test_choices_made_on_the_page_survive_a_jobs_yaml_sync(setup):
    config, store, app, token_a, _ = setup
    app.test_client().post(f"/preferences/{token_a}",
                           data={"frequency": "weekly", "min_score": "50"})
    config.subscribers = [SubscriberConfig(email="a@example.org", frequency="daily",
                                           name="Renamed")]
    sync_subscribers(config, store)
    synced = store.get_subscriber("a@example.org")
    assert (synced.frequency, synced.min_score, synced.name) == ("weekly", 0.5, "Renamed")


def test_saving_the_page_as_shown_keeps_following_the_default_min_score(setup):
    config, store, app, token_a, _ = setup
    client = app.test_client()
    client.get(f"/preferences/{token_a}")
    response = client.post(f"/preferences/{token_a}", data={"frequency": "daily",
                                                             "min_score": ""})
    assert response.status_code == 200 and 'id="saved"' in response.get_data(as_text=True)
    assert store.get_subscriber("a@example.org").min_score is None
    config.matching.min_score = 0.5  # the operator raises the default: it reaches them
    page = client.get(f"/preferences/{token_a}").get_data(as_text=True)
    assert 'value="" placeholder="50"' in page and "default, now 50%" in page
    config.subscribers = [SubscriberConfig(email="a@example.org", frequency="weekly",
                                           min_score=0.6)]
    sync_subscribers(config, store)  # nothing was pinned, so jobs.yaml's values apply
    synced = store.get_subscriber("a@example.org")
    assert (synced.min_score, synced.frequency) == (0.6, "weekly")


def test_a_changed_min_score_is_stored_and_clearing_returns_to_the_default(setup):
    config, store, app, token_a, _ = setup
    client = app.test_client()
    client.post(f"/preferences/{token_a}", data={"frequency": "daily", "min_score": "55"})
    assert store.get_subscriber("a@example.org").min_score == 0.55
    page = client.get(f"/preferences/{token_a}").get_data(as_text=True)
    assert 'value="55" placeholder="35"' in page and "empty the box to go back" in page
    client.post(f"/preferences/{token_a}", data={"frequency": "daily", "min_score": "55"})
    assert store.get_subscriber("a@example.org").min_score == 0.55  # saved as shown: kept
    client.post(f"/preferences/{token_a}", data={"frequency": "daily", "min_score": " "})
    assert store.get_subscriber("a@example.org").min_score is None
    config.matching.min_score = 0.45
    assert 'value="" placeholder="45"' in client.get(f"/preferences/{token_a}").get_data(
        as_text=True)


def test_an_own_min_score_between_whole_percents_survives_saving_as_shown(setup):
    _config, store, app, token_a, _ = setup
    store.update_settings(store.get_subscriber("a@example.org").id, min_score=0.33333)
    page = app.test_client().get(f"/preferences/{token_a}").get_data(as_text=True)
    assert 'value="33.33"' in page
    app.test_client().post(f"/preferences/{token_a}", data={"frequency": "daily",
                                                            "min_score": "33.33"})
    assert store.get_subscriber("a@example.org").min_score == 0.33333


def _form(page: str) -> dict[str, str]:
    """What a browser submits from the page's form, untouched: every named input and menu,
    a checkbox only when ticked."""
    form = BeautifulSoup(page, "html.parser").find("form", action=re.compile("/preferences/"))
    fields = {}
    for box in form.find_all("input"):
        if box.get("type") != "checkbox" or box.has_attr("checked"):
            fields[box["name"]] = box.get("value", "")
    for menu in form.find_all("select"):
        fields[menu["name"]] = menu.find("option", selected=True)["value"]
    return fields


def test_a_jobs_yaml_change_made_while_the_page_was_open_is_not_overwritten(setup):
    config, store, app, token_a, _ = setup
    client = app.test_client()
    fields = _form(client.get(f"/preferences/{token_a}").get_data(as_text=True))
    assert (fields["frequency"], fields["min_score"]) == ("daily", "")
    config.subscribers = [SubscriberConfig(email="a@example.org", frequency="weekly",
                                           min_score=0.6)]
    sync_subscribers(config, store)  # the operator edits jobs.yaml meanwhile
    fields["paused"] = "1"  # the only thing the subscriber changes on the open page
    assert client.post(f"/preferences/{token_a}", data=fields).status_code == 200
    saved = store.get_subscriber("a@example.org")
    assert (saved.frequency, saved.min_score, saved.paused) == ("weekly", 0.6, True)
    config.subscribers = [SubscriberConfig(email="a@example.org", frequency="instant",
                                           min_score=0.5)]
    sync_subscribers(config, store)  # not the subscriber's choice, so jobs.yaml still rules
    synced = store.get_subscriber("a@example.org")
    assert (synced.frequency, synced.min_score, synced.paused) == ("instant", 0.5, True)


def test_ticking_remote_only_keeps_the_filters_jobs_yaml_set_meanwhile(setup):
    config, store, app, token_a, _ = setup
    client = app.test_client()
    fields = _form(client.get(f"/preferences/{token_a}").get_data(as_text=True))
    config.subscribers = [SubscriberConfig(email="a@example.org", frequency="daily",
                                           filters={"cities": ["Denver"]})]
    sync_subscribers(config, store)
    fields["remote_only"] = "1"
    client.post(f"/preferences/{token_a}", data=fields)
    filters = store.get_subscriber("a@example.org").filters
    assert [r.value for r in filters.remote] == ["remote"] and filters.cities == ["Denver"]
    fields = _form(client.get(f"/preferences/{token_a}").get_data(as_text=True))
    assert fields["remote_only"] == "1"
    client.post(f"/preferences/{token_a}", data=fields)  # saved as shown: nothing changes
    assert [r.value for r in store.get_subscriber("a@example.org").filters.remote] == ["remote"]


def test_an_error_shows_what_was_typed_and_the_fix_saves_every_change(setup):
    _config, store, app, token_a, _ = setup
    client = app.test_client()
    fields = _form(client.get(f"/preferences/{token_a}").get_data(as_text=True))
    fields.update(frequency="weekly", min_score="sixty", paused="1")
    response = client.post(f"/preferences/{token_a}", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "must be a number from 0 to 100" in page
    shown_again = _form(page)
    assert {k: shown_again.get(k) for k in ("frequency", "min_score", "paused")} == \
        {"frequency": "weekly", "min_score": "sixty", "paused": "1"}
    assert "remote_only" not in shown_again
    untouched = store.get_subscriber("a@example.org")
    assert (untouched.frequency, untouched.paused) == ("daily", False)
    shown_again["min_score"] = "60"  # fixed; the frequency and pause typed before still count
    assert client.post(f"/preferences/{token_a}", data=shown_again).status_code == 200
    saved = store.get_subscriber("a@example.org")
    assert (saved.frequency, saved.min_score, saved.paused) == ("weekly", 0.6, True)


@pytest.fixture
def live(setup):
    """The app on a real server; yields (base URL, store, token of a)."""
    _config, store, app, token_a, _ = setup
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", store, token_a
    server.shutdown()


@pytest.fixture
def page(needs_chromium, request):
    """A headless Chromium page in a fresh context: no cookies or storage from another test."""
    context = request.getfixturevalue("browser").new_context(
        viewport={"width": 800, "height": 600})
    yield context.new_page()
    context.close()


@pytest.mark.browser
@needs_browser
def test_browser_unsubscribe_and_undo(live, page):
    base, store, token = live
    page.goto(f"{base}/unsubscribe/{token}")
    assert page.text_content("#state") == "Unsubscribe from Care Manager job alerts?"
    page.click("#unsubscribe")
    page.wait_for_selector("#undo")
    assert page.text_content("#state") == "You are unsubscribed"
    assert store.get_subscriber("a@example.org").unsubscribed_at is not None
    assert page.context.cookies() == []
    page.click("#undo")
    page.wait_for_selector("text=You are subscribed again")
    assert store.get_subscriber("a@example.org").active


#: True when the widest option of the frequency menu fits in the menu as drawn.
_OPTIONS_FIT = """() => {
  const menu = document.querySelector('#frequency');
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = getComputedStyle(menu).font;
  const widest = Math.max(...[...menu.options].map(o => ctx.measureText(o.text).width));
  return widest + 24 < menu.clientWidth;
}"""


@pytest.mark.browser
@needs_browser
def test_browser_preferences_form(live, page):
    base, store, token = live
    page.goto(f"{base}/preferences/{token}")
    assert page.evaluate(_OPTIONS_FIT), "the frequency choices are cut off"
    page.select_option("#frequency", "weekly")
    page.fill("#min_score", "70")
    page.check("#remote_only")
    page.click("#save")
    page.wait_for_selector("#saved")
    saved = store.get_subscriber("a@example.org")
    assert (saved.frequency, saved.min_score) == ("weekly", 0.7)
    assert page.is_checked("#remote_only") and not page.is_checked("#paused")


@pytest.mark.browser
@needs_browser
def test_browser_saving_untouched_keeps_the_default_and_clearing_returns_to_it(live, page):
    base, store, token = live
    page.goto(f"{base}/preferences/{token}")
    assert page.get_attribute("#min_score", "placeholder") == "35"
    page.click("#save")
    page.wait_for_selector("#saved")
    assert store.get_subscriber("a@example.org").min_score is None
    page.fill("#min_score", "62.5")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert store.get_subscriber("a@example.org").min_score == 0.625
    assert page.input_value("#min_score") == "62.5"
    page.fill("#min_score", "")
    page.click("#save")
    page.wait_for_selector("#saved")
    assert store.get_subscriber("a@example.org").min_score is None
    assert page.input_value("#min_score") == ""


@pytest.mark.browser
@needs_browser
def test_browser_screenshot_shows_a_rendered_page(live, page):
    from PIL import Image

    base, _store, token = live
    page.goto(f"{base}/preferences/{token}")
    png = page.screenshot(full_page=False)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (800, 600)
    colours = image.getcolors(maxcolors=1_000_000)
    assert len(colours) > 20  # text, borders and the button: not a blank page
    box = page.locator("main").bounding_box()
    assert box["width"] > 300 and box["height"] > 200
    button = page.locator("#save").bounding_box()
    r, g, b = image.getpixel((int(button["x"] + 4), int(button["y"] + button["height"] / 2)))
    assert (r, g, b) != (255, 255, 255) and b > r  # the blue button is painted


def test_unticked_remote_only_keeps_a_wider_remote_filter(setup):
    _config, store, app, token_a, _ = setup
    sub = store.get_subscriber("a@example.org")
    store.update_settings(sub.id, filters={"remote": ["remote", "hybrid"]})
    page = app.test_client().get(f"/preferences/{token_a}").get_data(as_text=True)
    assert 'name="remote_only" value="1">' in page  # not ticked: the filter is wider
    app.test_client().post(f"/preferences/{token_a}", data={"frequency": "daily",
                                                            "min_score": ""})
    kept = store.get_subscriber("a@example.org").filters.remote
    assert [r.value for r in kept] == ["remote", "hybrid"]


def test_missing_browser_fails_under_ci_and_skips_elsewhere(tmp_path):
    absent, present = tmp_path / "no-chromium", tmp_path / "chromium"
    present.touch()
    assert browser_missing_outcome(absent, {"CI": "true"}) == "fail"
    assert browser_missing_outcome(absent, {}) == "skip"
    assert browser_missing_outcome(absent, {"CI": "false"}) == "skip"
    assert browser_missing_outcome(present, {"CI": "true"}) is None


SECURITY_HEADERS = {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
                    "X-Content-Type-Options": "nosniff"}


def _get(url: str, data: bytes | None = None):
    """(status, headers, body) of a GET, or of a POST when ``data`` is given; errors included."""
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_served_pages_send_security_headers_and_token_pages_no_store(live):
    base, _store, token = live
    for path in (f"/unsubscribe/{token}", f"/preferences/{token}", "/unsubscribe/forged.token"):
        status, headers, _body = _get(base + path)
        assert status in (200, 404)
        for name, value in SECURITY_HEADERS.items():
            assert headers[name] == value, (path, name)
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy
        assert "unsafe-inline" not in policy and "script-src" not in policy
        assert headers["Cache-Control"] == "no-store", path


def test_served_page_style_sheet_is_allowed_by_its_own_policy(live):
    base, _store, token = live
    _status, headers, page = _get(f"{base}/unsubscribe/{token}")
    assert "<style" not in page and "<script" not in page and " style=" not in page
    sheet = BeautifulSoup(page, "html.parser").find("link", rel="stylesheet")["href"]
    assert sheet.startswith("/")  # same origin: style-src 'self'
    status, css_headers, css = _get(base + sheet)
    assert status == 200 and "body {" in css
    assert "style-src 'self'" in headers["Content-Security-Policy"]
    assert css_headers["X-Content-Type-Options"] == "nosniff"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _wait_until_listening(port: int, server: subprocess.Popen) -> None:
    wait_for(lambda: _listening(port), "pipeline serve to listen", server)


def test_pipeline_serve_access_log_holds_no_token(tmp_path, monkeypatch):
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    (tmp_path / "postings").mkdir()
    jobs = tmp_path / "jobs.yaml"
    jobs.write_text("database:\n  url: sqlite:///jobs.db\nsources:\n"
                    "  - {name: local, type: files, path: postings}\n"
                    "subscribers:\n  - email: a@example.org\n", encoding="utf-8")
    config = load_config(jobs)
    store = Store(config.database_url())
    sync_subscribers(config, store)
    token = signer_for(config, store).token(store.get_subscriber("a@example.org"))
    port = _free_port()
    server = popen(["-m", "pipeline", "serve", "--config", str(jobs), "--port", str(port)],
                   cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.PIPE,
                   text=True)  # forked warm: tests/warm.py
    try:
        _wait_until_listening(port, server)
        base = f"http://127.0.0.1:{port}"
        assert _get(f"{base}/unsubscribe/{token}", data=b"List-Unsubscribe=One-Click")[0] == 200
        assert _get(f"{base}/resubscribe/{token}", data=b"")[0] == 200
        assert _get(f"{base}/preferences/{token}?from=mail")[0] == 200
    finally:
        server.terminate()
        _out, log = server.communicate(timeout=10)
    assert token not in log and token[:16] not in log
    for line in ("POST /unsubscribe/<token> ", "POST /resubscribe/<token> ",
                 "GET /preferences/<token>?from=mail "):
        assert line in log
