"""The subscriber's web pages (Flask): one-click unsubscribe and preferences.

    POST /unsubscribe/<token>    RFC 8058 one-click: no login, no cookie, no confirmation; effective
                                 at once. Mail clients POST ``List-Unsubscribe=One-Click`` here; the
                                 button of the GET page posts here too. Answers with the page below.
    GET  /unsubscribe/<token>    the state of the subscription: a one-button form when still
                                 subscribed (a GET never unsubscribes, since link scanners fetch
                                 URLs), or "you are unsubscribed" with an Undo button
    POST /resubscribe/<token>    the Undo
    GET/POST /preferences/<token>  frequency, pause, minimum score, remote only

The token (``pipeline.notify.tokens``) is the only credential: it names the subscriber and is
signed, so it cannot be forged or used for someone else. A bad token gets a 404 page.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, render_template, request

from pipeline.config import JobsConfig
from pipeline.errors import SubscriberError
from pipeline.notify.tokens import signer_for
from pipeline.store import Store, Subscriber

TEMPLATES = Path(__file__).parent / "web_templates"
FREQUENCIES = [("instant", "After every run (as soon as there is something new)"),
               ("daily", "Once a day"), ("weekly", "Once a week")]


def create_app(config: JobsConfig, store: Store | None = None) -> Flask:
    """The Flask app serving the subscriber pages of this config's database."""
    app = Flask(__name__, template_folder=str(TEMPLATES))
    store = store or Store(config.database_url())
    signer = signer_for(config, store)
    app.config.update(PIPELINE_STORE=store, PIPELINE_CONFIG=config)

    def subscriber(token: str) -> Subscriber:
        try:
            return signer.subscriber(store, token)
        except SubscriberError as exc:
            abort(404, description=str(exc))

    @app.errorhandler(404)
    def invalid(error):
        return render_template("invalid.html", message=error.description), 404

    @app.get("/unsubscribe/<token>")
    def unsubscribe_page(token: str):
        return render_template("unsubscribe.html", subscriber=subscriber(token), token=token)

    @app.post("/unsubscribe/<token>", endpoint="unsubscribe")
    def unsubscribe(token: str):
        found = subscriber(token)
        if found.unsubscribed_at is None:
            store.unsubscribe(found.id)
            app.logger.info("unsubscribed subscriber %s", found.id)
        return render_template("unsubscribe.html", subscriber=subscriber(token), token=token)

    @app.post("/resubscribe/<token>", endpoint="resubscribe")
    def resubscribe(token: str):
        store.resubscribe(subscriber(token).id)
        return render_template("resubscribed.html", subscriber=subscriber(token), token=token)

    @app.route("/preferences/<token>", methods=["GET", "POST"], endpoint="preferences")
    def preferences(token: str):
        found = subscriber(token)
        saved, error, status = False, None, 200
        if request.method == "POST":
            try:
                save_preferences(store, found, request.form)
                saved = True
            except SubscriberError as exc:
                error, status = str(exc), 400
            found = subscriber(token)
        return render_template("preferences.html", subscriber=found, token=token, saved=saved,
                               error=error, frequencies=FREQUENCIES,
                               min_percent=_percent(found, config),
                               remote_only=[r.value for r in found.filters.remote] == ["remote"]
                               ), status

    return app


def _percent(subscriber: Subscriber, config: JobsConfig) -> int:
    score = subscriber.min_score
    return round(100 * (score if score is not None else config.matching.min_score))


def save_preferences(store: Store, subscriber: Subscriber, form) -> None:
    """Apply the preferences form; SubscriberError with a sentence when a value is wrong."""
    frequency = form.get("frequency", subscriber.frequency)
    if frequency not in {value for value, _text in FREQUENCIES}:
        raise SubscriberError(f"{frequency!r} is not a frequency we offer")
    try:
        percent = float(form.get("min_score", "").strip())
    except ValueError as exc:
        raise SubscriberError("the minimum match strength must be a number from 0 to 100") from exc
    if not 0 <= percent <= 100:
        raise SubscriberError("the minimum match strength must be between 0 and 100")
    filters = subscriber.filters.model_dump(mode="json")
    filters["remote"] = ["remote"] if form.get("remote_only") else []
    store.update_settings(subscriber.id, by_subscriber=True, frequency=frequency,
                          min_score=round(percent / 100, 4), filters=filters,
                          paused=bool(form.get("paused")))


def serve(config: JobsConfig, host: str | None = None, port: int | None = None) -> None:
    """Run the pages on a threaded WSGI server until interrupted (put HTTPS in front of it)."""
    from werkzeug.serving import run_simple

    run_simple(host or config.web.host, port or config.web.port, create_app(config),
               threaded=True)
