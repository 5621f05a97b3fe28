"""Notices: messages to someone who is not (yet) a subscriber, sent through the outbox.

The sign-up confirmation is the one notice: rendered when queued (``templates/confirm.*``) and
stored whole in the outbox row, then sent by the relay like a digest (same transport, DKIM,
retries), without List-Unsubscribe headers since there is no subscription to leave.
"""

from __future__ import annotations

import json
from datetime import datetime

from pipeline.config import JobsConfig
from pipeline.notify.message import Outgoing, build_message, new_message_id
from pipeline.notify.render import _environment
from pipeline.store import Store
from pipeline.store.outbox import OutboxRow

CONFIRM_SUBJECT = "Confirm your Care Manager job alerts"


def is_notice(stored: dict) -> bool:
    """Whether an outbox row's stored message (parsed) is a notice (not a digest)."""
    return stored.get("kind") == "notice"


def queue_confirmation(config: JobsConfig, store: Store, email: str, name: str | None,
                       confirm_url: str, expires_hours: float, now: datetime) -> int:
    """Put the confirmation message of a sign-up in the outbox; its row id."""
    env = _environment()
    context = {"name": name, "confirm_url": confirm_url, "hours": round(expires_hours),
               "subject": CONFIRM_SUBJECT}
    message = {"kind": "notice", "name": name,
               "text": env.get_template("confirm.txt").render(context),
               "html": env.get_template("confirm.html").render(context)}
    return store.enqueue_notice(email, new_message_id(config.email.sender), CONFIRM_SUBJECT,
                                json.dumps(message, ensure_ascii=False), now=now)


def compose_notice(config: JobsConfig, row: OutboxRow, now: datetime) -> Outgoing:
    """The message of a notice row, as stored: its bytes and envelope."""
    stored = json.loads(row.message)
    return build_message(config.email, recipient=row.recipient, name=stored.get("name"),
                         message_id=row.message_id, subject=row.subject, text=stored["text"],
                         html=stored["html"], date=now, unsubscribe_url=None, token="")
