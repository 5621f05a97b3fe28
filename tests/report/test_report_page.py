"""The report page of ``pipeline serve``: a signed link, PNG charts, no script, fits a phone."""

from __future__ import annotations

import io
import os
import re
import threading
from pathlib import Path

import pytest
from browser_support import CHROMIUM
from report_support import EMAIL
from werkzeug.serving import make_server

from pipeline.notify.tokens import signer_for
from pipeline.service.web import create_app


@pytest.fixture
def served(market):
    """(app, token of the fixture subscriber)."""
    config, store, _now = market
    app = create_app(config, store)
    return app, signer_for(config, store).token(store.get_subscriber(EMAIL))


def test_the_signed_link_shows_the_subscribers_report(served):
    app, token = served
    response = app.test_client().get(f"/report/{token}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert "img-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script" not in page
    assert ("Adding <strong>CCM</strong> would qualify you for 4 more of the 4 postings you "
            "nearly match") in page
    assert "<td>CCM <span class=\"hint\">(required by 4)</span></td><td>5 of 7</td>" in page
    assert "national median $110,680" in page


def test_a_forged_or_cut_link_gets_404_and_no_figures(served):
    app, token = served
    for bad in (token[:-3], "nonsense"):
        response = app.test_client().get(f"/report/{bad}")
        assert response.status_code == 404
        assert "CCM" not in response.get_data(as_text=True)
    assert app.test_client().get(f"/report/{token[:-3]}/pay-90.png").status_code == 404


def test_every_chart_of_the_page_is_a_png_image(served):
    app, token = served
    client = app.test_client()
    page = client.get(f"/report/{token}").get_data(as_text=True)
    sources = re.findall(r'<img class="chart" src="([^"]+)"', page)
    assert len(sources) == 6  # demand, pay, places for 30 and 90 days
    for source in sources:
        image = client.get(source)
        assert (image.status_code, image.mimetype) == (200, "image/png")
        assert image.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(f"/report/{token}/nothing-90.png").status_code == 404
    assert client.get(f"/report/{token}/pay-7.png").status_code == 404


#: The page's scroll width and the right edge of its widest element, in CSS pixels.
_OVERFLOW = """() => [document.documentElement.scrollWidth,
  Math.max(...[...document.querySelectorAll('main *')]
    .map(e => e.getBoundingClientRect().right))]"""


@pytest.mark.browser
def test_the_page_renders_in_chromium_without_script_and_fits_375_pixels(served, request):
    if not CHROMIUM.exists():
        pytest.skip("headless Chromium is not installed at /usr/bin/chromium")
    from PIL import Image

    browser = request.getfixturevalue("browser")
    app, token = served
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                     daemon=True).start()
    context = browser.new_context(viewport={"width": 375, "height": 800},
                                  java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_port}/report/{token}")
        for width in (375, 800):  # one load (its six charts drawn once), laid out at each width
            page.set_viewport_size({"width": width, "height": 800})
            scroll, right = _measure(page)
            assert scroll <= width and right <= width + 0.5, f"overflows at {width} px"
            png = page.screenshot(full_page=True)
            _save(png, width)
            image = Image.open(io.BytesIO(png)).convert("RGB")
            assert image.width == width
            assert len(image.getcolors(maxcolors=1_000_000)) > 50  # charts drawn
    finally:
        context.close()
        server.shutdown()


def _measure(page):
    """(scroll width, right edge of the widest element) of the page; charts all loaded."""
    loaded = page.locator("img.chart").evaluate_all(
        "images => images.map(i => i.complete && i.naturalWidth > 0)")
    assert loaded and all(loaded), "a chart did not load"
    return page.evaluate(_OVERFLOW)


def _save(png: bytes, width: int) -> None:
    """Keep the screenshot where REPORT_SCREENSHOTS names a folder (for the README)."""
    folder = os.environ.get("REPORT_SCREENSHOTS")
    if folder:
        Path(folder, f"report-{width}px.png").write_bytes(png)


def test_the_subscriber_turns_the_monthly_link_on_and_a_jobs_yaml_sync_keeps_it(served, market):
    from pipeline.config import SubscriberConfig

    app, token = served
    _config, store, _now = market
    client = app.test_client()
    page = client.get(f"/preferences/{token}").get_data(as_text=True)
    assert 'name="monthly_report" value="1">' in page  # off: not ticked
    assert f'href="/report/{token}"' in page
    shown = {"shown_frequency": "instant", "shown_min_score": "0", "shown_remote_only": "",
             "shown_paused": "", "shown_monthly_report": ""}
    answer = client.post(f"/preferences/{token}", data={
        **shown, "frequency": "instant", "min_score": "0", "monthly_report": "1"})
    assert answer.status_code == 200
    assert store.get_subscriber(EMAIL).report == "monthly"
    store.save_subscriber(SubscriberConfig(email=EMAIL), from_config=True)  # as a sync does
    assert store.get_subscriber(EMAIL).report == "monthly"
    client.post(f"/preferences/{token}", data={
        **shown, "shown_monthly_report": "1", "frequency": "instant", "min_score": "0"})
    assert store.get_subscriber(EMAIL).report == "off"
