"""The subscriber's web pages (Flask): one-click unsubscribe and preferences.

    POST /unsubscribe/<token>    RFC 8058 one-click: no login, no cookie, no confirmation; effective
                                 at once. Mail clients POST ``List-Unsubscribe=One-Click`` here; the
                                 button of the GET page posts here too. Answers with the page below.
    GET  /unsubscribe/<token>    the state of the subscription: a one-button form when still
                                 subscribed (a GET never unsubscribes, since link scanners fetch
                                 URLs), or "you are unsubscribed" with an Undo button
    POST /resubscribe/<token>    the Undo
    GET/POST /preferences/<token>  frequency, pause, minimum score, remote only; the minimum
                                 score box is empty while the subscriber follows the default
                                 (shown as its placeholder), and only changed fields are saved

The token (``pipeline.notify.tokens``) is the only credential: it names the subscriber and is
signed, so it cannot be forged or used for someone else. A bad token gets a 404 page.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, request

from pipeline.config import JobsConfig, load_config
from pipeline.errors import SubscriberError
from pipeline.notify.tokens import signer_for
from pipeline.store import Store, Subscriber
from pipeline.subscribers import unsubscribe_by_token

TEMPLATES = Path(__file__).parent / "web_templates"
FREQUENCIES = [("instant", "After every run (as soon as there is something new)"),
               ("daily", "Once a day"), ("weekly", "Once a week")]


pages = Blueprint("pages", __name__)


def create_app(config: JobsConfig, store: Store | None = None) -> Flask:
    """The Flask app serving the subscriber pages of this config's database."""
    app = Flask(__name__, template_folder=str(TEMPLATES))
    store = store or Store(config.database_url())
    app.config.update(PIPELINE_CONFIG=config, PIPELINE_STORE=store,
                      PIPELINE_SIGNER=signer_for(config, store))
    app.register_blueprint(pages)
    app.register_error_handler(404, lambda error: (
        render_template("invalid.html", message=error.description), 404))
    return app


def _store() -> Store:
    return current_app.config["PIPELINE_STORE"]


def _subscriber(token: str) -> Subscriber:
    """The subscriber a token names, or a 404 page saying the link does not work."""
    try:
        return current_app.config["PIPELINE_SIGNER"].subscriber(_store(), token)
    except SubscriberError as exc:
        abort(404, description=str(exc))


def _page(template: str, token: str, **context) -> str:
    return render_template(template, subscriber=_subscriber(token), token=token, **context)


@pages.get("/unsubscribe/<token>", endpoint="unsubscribe_page")
def unsubscribe_page(token: str):
    """The state of the subscription, with the button that changes it."""
    return _page("unsubscribe.html", token)


@pages.post("/unsubscribe/<token>", endpoint="unsubscribe")
def unsubscribe(token: str):
    """RFC 8058 one-click unsubscribe: immediate, whatever the body."""
    try:
        unsubscribe_by_token(_store(), current_app.config["PIPELINE_SIGNER"], token)
    except SubscriberError as exc:
        abort(404, description=str(exc))
    return _page("unsubscribe.html", token)


@pages.post("/resubscribe/<token>", endpoint="resubscribe")
def resubscribe(token: str):
    """Undo an unsubscribe."""
    _store().resubscribe(_subscriber(token).id)
    return _page("resubscribed.html", token)


@pages.route("/preferences/<token>", methods=["GET", "POST"], endpoint="preferences")
def preferences(token: str):
    """Show, and on POST save, frequency, pause, minimum score and remote only."""
    found = _subscriber(token)
    saved, error, status = False, None, 200
    if request.method == "POST":
        try:
            save_preferences(_store(), found, request.form)
            saved = True
        except SubscriberError as exc:
            error, status = str(exc), 400
        found = _subscriber(token)
    config = current_app.config["PIPELINE_CONFIG"]
    return render_template("preferences.html", subscriber=found, token=token, saved=saved,
                           error=error, frequencies=FREQUENCIES,
                           own_percent=percent_text(found.min_score),
                           default_percent=percent_text(config.matching.min_score),
                           remote_only=_remote_only(found)), status


def _remote_only(subscriber: Subscriber) -> bool:
    return [r.value for r in subscriber.filters.remote] == ["remote"]


def percent_text(score: float | None) -> str:
    """A score as the page shows it: 0.35 -> '35', 0.355 -> '35.5', None -> ''."""
    return "" if score is None else f"{round(100 * score, 2):g}"


def form_min_score(form, current: float | None) -> float | None:
    """The minimum score the form asks for: empty is no own value (the service's default)."""
    text = form.get("min_score")
    if text is None:  # the field was not sent at all: leave it as it is
        return current
    if not text.strip():
        return None
    try:
        percent = float(text.strip())
    except ValueError as exc:
        raise SubscriberError("the minimum match strength must be a number from 0 to 100, "
                              "or empty for the default") from exc
    if not 0 <= percent <= 100:
        raise SubscriberError("the minimum match strength must be between 0 and 100")
    if current is not None and percent_text(percent / 100) == percent_text(current):
        return current  # the value as shown (to 0.01%) stands for the value as stored
    return round(percent / 100, 4)


def save_preferences(store: Store, subscriber: Subscriber, form) -> None:
    """Apply the preferences form; SubscriberError with a sentence when a value is wrong.

    Only what the subscriber changed is saved as their own choice (which later jobs.yaml syncs
    keep): a page saved as shown leaves a subscriber without an own ``min_score`` on the
    service's ``matching.min_score``, wherever that is later set.
    """
    frequency = form.get("frequency", subscriber.frequency)
    if frequency not in {value for value, _text in FREQUENCIES}:
        raise SubscriberError(f"{frequency!r} is not a frequency we offer")
    min_score = form_min_score(form, subscriber.min_score)
    filters = subscriber.filters.model_dump(mode="json")
    if form.get("remote_only"):
        filters["remote"] = ["remote"]
    elif _remote_only(subscriber):  # unticked: drop the remote-only filter, keep any other
        filters["remote"] = []
    wanted = {"frequency": frequency, "min_score": min_score, "filters": filters,
              "paused": bool(form.get("paused"))}
    current = {"frequency": subscriber.frequency, "min_score": subscriber.min_score,
               "filters": subscriber.filters.model_dump(mode="json"),
               "paused": subscriber.paused}
    changed = {key: value for key, value in wanted.items() if value != current[key]}
    if changed:
        store.update_settings(subscriber.id, by_subscriber=True, **changed)


class _RedactTokens(logging.Filter):
    """Access-log lines keep the page but not the token: a token is a key to someone's settings."""

    _token = re.compile(r"(/(?:unsubscribe|preferences)/)[^\s/?\"]+")

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._token.sub(r"\1<token>", str(record.msg))
        record.args = tuple(self._token.sub(r"\1<token>", a) if isinstance(a, str) else a
                            for a in (record.args or ()))
        return True


def serve(config: JobsConfig, host: str | None = None, port: int | None = None) -> None:
    """Run the pages on a threaded WSGI server until interrupted (put HTTPS in front of it)."""
    from werkzeug.serving import run_simple

    logging.getLogger("werkzeug").addFilter(_RedactTokens())
    run_simple(host or config.web.host, port or config.web.port, create_app(config),
               threaded=True)


def wsgi(config_path: str = "jobs.yaml") -> Flask:
    """The app for a production WSGI server: ``gunicorn "pipeline.web:wsgi('jobs.yaml')"``."""
    return create_app(load_config(config_path))
