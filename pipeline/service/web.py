"""The subscriber's web pages (Flask): one-click unsubscribe and preferences.

    POST /unsubscribe/<token>      RFC 8058 one-click (also the GET page's button); at once
    GET  /unsubscribe/<token>      the subscription's state with one button (a GET changes nothing)
    POST /resubscribe/<token>      the Undo
    GET  /report/<token>[/<chart>-<days>.png]  the skills-gap and pay report, charts as PNG
    GET/POST /preferences/<token>  frequency, pause, minimum score, remote only, report link;
                                   only the fields changed from the shown page are saved

The signed token (``pipeline.notify.tokens``) is the only credential; a bad one gets a 404. Every
answer has a strict Content-Security-Policy (no script), refuses framing and sends no Referer;
token pages are ``no-store``, and the logs write every token as ``<token>``.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from pipeline.config import JobsConfig, load_config
from pipeline.errors import SubscriberError
from pipeline.notify.subscribers import unsubscribe_by_token
from pipeline.notify.tokens import signer_for
from pipeline.service.app_state import page_store, token_subscriber
from pipeline.service.feedback import feedback_pages
from pipeline.service.settings import settings_pages
from pipeline.service.signup import signup_pages
from pipeline.store import Store, Subscriber

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
# No script, no inline style (the style sheet is a file), forms post only here, never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; "
                               "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}
FREQUENCIES = [("instant", "After every run (as soon as there is something new)"),
               ("daily", "Once a day"), ("weekly", "Once a week")]
OFFERED = frozenset(value for value, _text in FREQUENCIES)


pages = Blueprint("pages", __name__)


def create_app(config: JobsConfig, store: Store | None = None) -> Flask:
    """The Flask app serving the subscriber pages of this config's database."""
    app = Flask(__name__, template_folder=str(TEMPLATES), static_folder=str(STATIC))
    store = store or Store(config.database_url())
    app.config.update(PIPELINE_CONFIG=config, PIPELINE_STORE=store,
                      PIPELINE_SIGNER=signer_for(config, store))
    app.register_blueprint(pages)
    app.register_blueprint(feedback_pages)
    app.register_blueprint(signup_pages)
    app.register_blueprint(settings_pages)
    app.after_request(security_headers)
    redact_tokens_in_logs(app)
    app.register_error_handler(404, lambda error: (
        render_template("invalid.html", message=error.description), 404))
    return app


def security_headers(response: Response) -> Response:
    """Add the security headers to every page; token pages are never stored by any cache."""
    response.headers.update(SECURITY_HEADERS)
    if request.view_args and "token" in request.view_args:
        response.headers["Cache-Control"] = "no-store"
    return response




def _page(template: str, token: str, **context) -> str:
    return render_template(template, subscriber=token_subscriber(token), token=token, **context)


@pages.get("/unsubscribe/<token>", endpoint="unsubscribe_page")
def unsubscribe_page(token: str):
    """The state of the subscription, with the button that changes it."""
    return _page("unsubscribe.html", token)


@pages.post("/unsubscribe/<token>", endpoint="unsubscribe")
def unsubscribe(token: str):
    """RFC 8058 one-click unsubscribe: immediate, whatever the body."""
    try:
        unsubscribe_by_token(page_store(), current_app.config["PIPELINE_SIGNER"], token)
    except SubscriberError as exc:
        abort(404, description=str(exc))
    return _page("unsubscribe.html", token)


@pages.post("/resubscribe/<token>", endpoint="resubscribe")
def resubscribe(token: str):
    """Undo an unsubscribe."""
    page_store().resubscribe(token_subscriber(token).id)
    return _page("resubscribed.html", token)


@pages.get("/report/<token>", endpoint="report")
def report_page(token: str):
    """The subscriber's skills-gap and pay report, charts as images."""
    from pipeline.report import render_html

    found = token_subscriber(token)
    report = _report(found)
    return render_html(report, stylesheet_url=url_for("static", filename="report.css"),
                       image_src=lambda name, days: url_for(
                           "pages.report_chart", token=token, chart=f"{name}-{days}"))


@pages.get("/report/<token>/<chart>.png", endpoint="report_chart")
def report_chart(token: str, chart: str):
    """One chart of the subscriber's report as a PNG image; 404 for an unknown chart."""
    from pipeline.report import chart_png

    name, _, days = chart.rpartition("-")
    report = _report(token_subscriber(token))
    try:
        image = chart_png(report, name, int(days))
    except (KeyError, ValueError):
        abort(404, description="there is no such chart")
    return Response(image, mimetype="image/png")


def _report(subscriber: Subscriber):
    """The subscriber's report, computed at most once a minute per subscriber (a page and
    its three charts ask for it four times at once)."""
    from pipeline.report import subscriber_report
    from pipeline.store.schema import utcnow

    now = utcnow().replace(second=0, microsecond=0)
    cache = current_app.config.setdefault("PIPELINE_REPORTS", {})
    key = (subscriber.id, subscriber.model_dump_json(), now)
    if key not in cache:
        cache.clear()
        cache[key] = subscriber_report(current_app.config["PIPELINE_CONFIG"], page_store(),
                                       subscriber, now)
    return cache[key]


@pages.route("/preferences/<token>", methods=["GET", "POST"], endpoint="preferences")
def preferences(token: str):
    """Show, and on POST save, frequency, pause, minimum score and remote only."""
    found = token_subscriber(token)
    saved, error, status = False, None, 200
    values = shown = shown_values(found)
    if request.method == "POST":
        try:
            save_preferences(page_store(), found, request.form)
            saved = True
            values = shown = shown_values(token_subscriber(token))
        except SubscriberError as exc:  # show what was typed, and keep what the page showed
            error, status = str(exc), 400
            shown = form_shown(request.form, found)
            values = submitted_values(request.form, shown)
            if values["frequency"] not in OFFERED:
                values["frequency"] = shown["frequency"]  # the menu cannot show it
    config = current_app.config["PIPELINE_CONFIG"]
    return render_template("preferences.html", subscriber=found, token=token, saved=saved,
                           error=error, frequencies=FREQUENCIES, values=values, shown=shown,
                           default_percent=percent_text(config.matching.min_score)), status


def _remote_only(subscriber: Subscriber) -> bool:
    return [r.value for r in subscriber.filters.remote] == ["remote"]


def percent_text(score: float | None) -> str:
    """A score as the page shows it: 0.35 -> '35', 0.355 -> '35.5', None -> ''."""
    return "" if score is None else f"{round(100 * score, 2):g}"


def shown_values(subscriber: Subscriber) -> dict[str, str]:
    """The form's fields as the page shows a subscriber's stored settings ('' is an empty
    box or an unticked one)."""
    return {"frequency": subscriber.frequency, "min_score": percent_text(subscriber.min_score),
            "remote_only": "1" if _remote_only(subscriber) else "",
            "paused": "1" if subscriber.paused else "",
            "monthly_report": "1" if subscriber.report == "monthly" else ""}


def form_shown(form, subscriber: Subscriber) -> dict[str, str]:
    """What the page showed when it was loaded (its hidden ``shown_<field>`` inputs); the
    stored value for a field the form does not carry (a page from before they existed)."""
    stored = shown_values(subscriber)
    return {name: form.get(f"shown_{name}", value) for name, value in stored.items()}


def submitted_values(form, shown: dict[str, str]) -> dict[str, str]:
    """The form's fields as submitted: a box not sent is unticked, another field not sent
    keeps the value shown."""
    return {"frequency": form.get("frequency", shown["frequency"]),
            "min_score": form.get("min_score", shown["min_score"]).strip(),
            "remote_only": "1" if form.get("remote_only") else "",
            "paused": "1" if form.get("paused") else "",
            "monthly_report": "1" if form.get("monthly_report") else ""}


def parse_percent(text: str) -> float | None:
    """A minimum score typed in percent ('55', '62.5') as a score; empty is None (the
    service's default); SubscriberError with a sentence otherwise."""
    if not text.strip():
        return None
    try:
        percent = float(text.strip())
    except ValueError as exc:
        raise SubscriberError("the minimum match strength must be a number from 0 to 100, "
                              "or empty for the default") from exc
    if not 0 <= percent <= 100:
        raise SubscriberError("the minimum match strength must be between 0 and 100")
    return round(percent / 100, 4)


def save_preferences(store: Store, subscriber: Subscriber, form) -> None:
    """Apply the preferences form; SubscriberError with a sentence when a value is wrong.

    Only the fields the subscriber changed from what the page showed are saved, as their own
    choice (which later jobs.yaml syncs keep): a field left as shown keeps the stored value,
    even one the operator changed since the page was loaded, and a subscriber without an own
    ``min_score`` who saves the page as shown stays on the service's ``matching.min_score``.
    """
    shown = form_shown(form, subscriber)
    asked = submitted_values(form, shown)
    changed = {}
    if asked["frequency"] != shown["frequency"]:
        if asked["frequency"] not in OFFERED:
            raise SubscriberError(f"{asked['frequency']!r} is not a frequency we offer")
        changed["frequency"] = asked["frequency"]
    min_score = parse_percent(asked["min_score"])
    if percent_text(min_score) != shown["min_score"].strip():  # '55.0' is the '55' shown
        changed["min_score"] = min_score
    if asked["paused"] != shown["paused"]:
        changed["paused"] = bool(asked["paused"])
    if asked["monthly_report"] != shown["monthly_report"]:
        changed["report"] = "monthly" if asked["monthly_report"] else "off"
    if asked["remote_only"] != shown["remote_only"]:
        changed.update(_remote_filters(subscriber, bool(asked["remote_only"])))
    if changed:
        store.update_settings(subscriber.id, by_subscriber=True, **changed)


def _remote_filters(subscriber: Subscriber, remote_only: bool) -> dict:
    """The ``filters`` change of a ticked or unticked 'remote only' box: the stored filters
    with the remote filter set, or dropped when it was remote only (a wider one is kept)."""
    filters = subscriber.filters.model_dump(mode="json")
    if remote_only:
        filters["remote"] = ["remote"]
    elif _remote_only(subscriber):
        filters["remote"] = []
    else:
        return {}
    return {"filters": filters}


class _RedactTokens(logging.Filter):
    """Log lines keep the page but not its token: a token is a key to someone's settings."""

    def __init__(self, pattern: re.Pattern):
        super().__init__()
        self.pattern = pattern

    def _redact(self, value):
        return self.pattern.sub(r"\1<token>", value) if isinstance(value, str) else value

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(self._redact(arg) for arg in record.args)
        return True


def token_pattern(app: Flask) -> re.Pattern:
    """What a token looks like in a logged URL: the path segment after the prefix of every route
    that takes a ``<token>``, whatever the route (``/resubscribe/...`` included)."""
    prefixes = sorted({rule.rule.split("<", 1)[0] for rule in app.url_map.iter_rules()
                       if "token" in rule.arguments})
    alternatives = "|".join(re.escape(prefix) for prefix in prefixes)
    return re.compile(rf"((?:{alternatives}))[^\s/?#\"]+")


def redact_tokens_in_logs(app: Flask) -> None:
    """Redact tokens in the server's access log (Werkzeug's) and in the app's error log."""
    redactor = _RedactTokens(token_pattern(app))
    for logger in (logging.getLogger("werkzeug"), app.logger):
        for old in [f for f in logger.filters if isinstance(f, _RedactTokens)]:
            logger.removeFilter(old)
        logger.addFilter(redactor)


def serve(config: JobsConfig, host: str | None = None, port: int | None = None) -> None:
    """Run the pages on a threaded WSGI server until interrupted (put HTTPS in front of it)."""
    from werkzeug.serving import run_simple

    run_simple(host or config.web.host, port or config.web.port, create_app(config),
               threaded=True)


def wsgi(config_path: str = "jobs.yaml") -> Flask:
    """The app for a production WSGI server:
    ``gunicorn "pipeline.service.web:wsgi('jobs.yaml')"``."""
    return create_app(load_config(config_path))
