"""The public sign-up page with double opt-in (``web.signup`` in jobs.yaml turns it on).

    GET/POST /signup                  the form; a valid one is answered "check your inbox"
    GET      /signup/confirm/<token>  "Confirm your subscription" with one button
    POST     /signup/confirm/<token>  makes the subscriber; the first digest follows

Only the confirmation is mailed, once per sign-up until it expires (``expire_hours``), and the
answer never tells whether an address is subscribed. Abuse limits: a CSRF token, a honeypot field,
``per_ip`` sign-ups per client address (in memory, one process), ``max_upload_mb`` and
``allowed_domains``. The confirmation goes through the outbox, sent at once in the background.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from pipeline.config import JobsConfig, SubscriberConfig
from pipeline.errors import ResumeError, SubscriberError
from pipeline.notify.notice import queue_confirmation
from pipeline.service.app_state import page_store
from pipeline.service.signup_form import SignupForm, resume_text_of, settings_of
from pipeline.store.schema import utcnow

log = logging.getLogger(__name__)
signup_pages = Blueprint("signup", __name__)


@signup_pages.record_once
def _setup(state) -> None:
    """A key for the form's CSRF token (the link secret) and this app's rate limiter."""
    app = state.app
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = app.config["PIPELINE_SIGNER"].secret
    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.extensions["signup_limiter"] = MovingWindowRateLimiter(MemoryStorage())


@signup_pages.after_app_request
def _allow_timezone_script(response):
    """The sign-up form may run its one script file (it fills in the time zone); every other
    page keeps the app's no-script policy. Runs after the app's security headers."""
    if request.endpoint == "signup.form":
        policy = response.headers.get("Content-Security-Policy", "")
        response.headers["Content-Security-Policy"] = policy + "; script-src 'self'"
    return response


@signup_pages.errorhandler(413)
def _too_large(_error):
    """A form over ``max_upload_mb`` (a resume too large): say so, in one sentence."""
    limit = _config().web.signup.max_upload_mb
    return render_template("signup_limited.html", too_large=f"{limit:g} MB"), 413


def _config() -> JobsConfig:
    return current_app.config["PIPELINE_CONFIG"]



def _open_settings():
    """``web.signup``, or a 404 page when sign-up is turned off."""
    settings = _config().web.signup
    if not settings.enabled:
        abort(Response(render_template("signup_closed.html"), 404))
    return settings


def allowed_address(email: str, domains: list[str]) -> str:
    """The address, normalised; SubscriberError when it is invalid or its domain not allowed."""
    try:
        email = SubscriberConfig(email=email).email
    except ValueError as exc:
        raise SubscriberError(f"{email.strip()!r} is not a valid e-mail address") from exc
    domain = email.rpartition("@")[2]
    if domains and domain not in domains:
        raise SubscriberError("sign-up here is open to addresses at "
                              f"{', '.join(domains)} only")
    return email


def _over_limit(settings) -> bool:
    limiter = current_app.extensions["signup_limiter"]
    return not limiter.hit(parse(settings.per_ip), "signup", request.remote_addr or "-")


@signup_pages.route("/signup", methods=["GET", "POST"], endpoint="form")
def signup():
    """The form; on a valid POST, the sign-up is recorded and confirmation mailed."""
    settings = _open_settings()
    request.max_content_length = int(settings.max_upload_mb * 1_000_000)
    form = SignupForm()
    if request.method == "POST" and _over_limit(settings):
        return render_template("signup_limited.html", rate=settings.per_ip), 429
    error = None
    if form.validate_on_submit():
        try:
            start_signup(form, settings)
            return render_template("signup_sent.html")
        except (SubscriberError, ResumeError) as exc:
            error = str(exc)
    status = 400 if request.method == "POST" else 200
    return render_template("signup.html", form=form, error=error,
                           domains=settings.allowed_domains), status


def start_signup(form: SignupForm, settings) -> None:
    """Record a valid form's sign-up and queue its confirmation; a honeypot hit, an address
    already subscribed or one already waiting is answered the same and nothing is mailed."""
    email = allowed_address(form.email.data, settings.allowed_domains)
    data = {"settings": settings_of(form, email),
            "resume_text": resume_text_of(form.resume.data, int(settings.max_upload_mb * 1e6))}
    if form.website.data or _is_subscribed(email):
        return
    now = utcnow()
    expires = now + timedelta(hours=settings.expire_hours)
    waiting = page_store().add_signup(email, data, expires, now)
    if waiting is None:
        return
    token = current_app.config["PIPELINE_SIGNER"].signup_token(waiting.id, email)
    base = _config().email.unsubscribe_url.rstrip("/")
    queue_confirmation(_config(), page_store(), email, data["settings"].get("name"),
                       f"{base}{url_for('signup.confirm', token=token)}",
                       settings.expire_hours, now)
    send_soon(current_app._get_current_object())


def _is_subscribed(email: str) -> bool:
    found = _subscriber_or_none(email)
    return found is not None and found.unsubscribed_at is None and found.removed_at is None


def _subscriber_or_none(email: str):
    try:
        return page_store().get_subscriber(email)
    except SubscriberError:
        return None


def send_soon(app) -> None:
    """Relay the outbox in a background thread (beside any other relay: rows are claimed)."""
    threading.Thread(target=_relay_now, args=(app,), daemon=True).start()


def _relay_now(app) -> None:
    from pipeline.notify.relay import relay

    store, config = app.config["PIPELINE_STORE"], app.config["PIPELINE_CONFIG"]
    try:
        relay(config, store)
    except Exception:  # a background thread has no one to tell but the log
        log.exception("sending the sign-up confirmation failed; the next relay retries it")


@signup_pages.route("/signup/confirm/<token>", methods=["GET", "POST"], endpoint="confirm")
def confirm(token: str):
    """Show, and on POST carry out, the confirmation of a sign-up (again: already done)."""
    settings = _open_settings()
    try:
        signup_id, email = current_app.config["PIPELINE_SIGNER"].signup(
            token, settings.expire_hours * 3600)
    except SubscriberError as exc:
        abort(404, description=str(exc))
    waiting = page_store().signup(signup_id)
    if waiting is None or waiting.email != email:
        subscriber = _subscriber_or_none(email)
        if subscriber is None:
            abort(404, description="this sign-up has expired; sign up again")
        return _confirmed(subscriber)
    if request.method == "GET":
        return render_template("signup_confirm.html", token=token, email=email)
    subscriber = page_store().save_subscriber(SubscriberConfig(**waiting.data["settings"]),
                                          resume_text=waiting.data.get("resume_text"))
    page_store().resubscribe(subscriber.id)  # they asked again, in person
    page_store().remove_signup(waiting.id)
    return _confirmed(page_store().get_subscriber(email))


def _confirmed(subscriber):
    token = current_app.config["PIPELINE_SIGNER"].token(subscriber)
    return render_template("signup_done.html", subscriber=subscriber, token=token)
