"""What every page of ``pipeline serve`` reads from the running app: its store and the subscriber
a signed link names."""

from __future__ import annotations

from flask import abort, current_app

from pipeline.errors import SubscriberError
from pipeline.store import Store, Subscriber


def page_store() -> Store:
    """The store the app was created with."""
    return current_app.config["PIPELINE_STORE"]


def token_subscriber(token: str) -> Subscriber:
    """The subscriber a token names, or a 404 page saying the link does not work."""
    try:
        return current_app.config["PIPELINE_SIGNER"].subscriber(page_store(), token)
    except SubscriberError as exc:
        abort(404, description=str(exc))
