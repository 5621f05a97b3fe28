"""The feedback pages behind the two links under each posting of a digest.

    GET  /feedback/<token>/more   "More like this?" with one button (a GET records nothing)
    POST /feedback/<token>/more   records it
    GET  /feedback/<token>/not    "Not for me": one button per reason
    POST /feedback/<token>/not    records it with the ``reason`` (none is allowed)

The signed token (``LinkSigner.posting_token``) names the subscriber and the posting; following it
again changes nothing. The next digest uses it (``pipeline.match.feedback``).
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from pipeline.errors import SubscriberError
from pipeline.service.app_state import page_store
from pipeline.store import Subscriber
from pipeline.store.feedback import REASONS

feedback_pages = Blueprint("feedback", __name__)



def _named(token: str) -> tuple[Subscriber, object]:
    """(subscriber, posting) of a feedback token, or a 404 page saying the link does not work."""
    try:
        subscriber, posting_id = current_app.config["PIPELINE_SIGNER"].posting(page_store(), token)
    except SubscriberError as exc:
        abort(404, description=str(exc))
    found = page_store().open_postings([posting_id]) or [
        p for p in page_store().delivered_postings(subscriber.id) if p.id == posting_id]
    if not found:
        abort(404, description="this link names a posting we no longer have")
    return subscriber, found[0]


def _current(subscriber: Subscriber, posting_id: int):
    """The judgment already recorded for this posting, or None."""
    return next((j for j in page_store().feedback_of(subscriber.id)
                 if j.posting.id == posting_id), None)


@feedback_pages.route("/feedback/<token>/more", methods=["GET", "POST"], endpoint="more")
def more(token: str):
    """Show, and on POST record, "more like this"."""
    subscriber, posting = _named(token)
    if request.method == "POST":
        page_store().record_feedback(subscriber.id, posting.id, "more")
    return render_template("feedback_more.html", token=token, posting=posting,
                           judgment=_current(subscriber, posting.id))


@feedback_pages.route("/feedback/<token>/not", methods=["GET", "POST"], endpoint="not_for_me")
def not_for_me(token: str):
    """Show the reasons, and on POST record "not for me" with the reason chosen."""
    subscriber, posting = _named(token)
    status = 200
    if request.method == "POST":
        reason = request.form.get("reason") or None
        if reason is not None and reason not in REASONS:
            status = 400
        else:
            page_store().record_feedback(subscriber.id, posting.id, "not", reason)
    return render_template("feedback_not.html", token=token, posting=posting, reasons=REASONS,
                           judgment=_current(subscriber, posting.id),
                           refused=status == 400), status
