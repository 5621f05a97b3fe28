"""Unsubscribe requests sent to ``email.unsubscribe_mailto``, read from the mailbox it fills.

Digests offer ``<mailto:ADDRESS?subject=unsubscribe%20TOKEN>`` in ``List-Unsubscribe``.
``process_mailbox`` reads that mailbox (``pipeline.notify.mail_inbox``) and, for each message not
processed yet, finds the token in the Subject (any "Re:"/"Fwd:", case, spacing, RFC 2047 words)
or in the first ``BODY_LINES`` lines of the body, unsubscribes through
``subscribers.unsubscribe_by_token`` (the same rule as the web one-click link) and marks the
message processed. A message without a valid token, or unreadable, is left in place and
reported with the reason; ``dry_run`` changes neither the database nor the mailbox.
"""

from __future__ import annotations

import email
import re
from dataclasses import dataclass, field
from email.errors import MessageError
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

from pipeline.config import JobsConfig
from pipeline.errors import SubscriberError
from pipeline.notify.mail_inbox import Inbox, open_inbox
from pipeline.notify.subscribers import unsubscribe_by_token
from pipeline.notify.tokens import LinkSigner, signer_for
from pipeline.store import Store

__all__ = ["MailOutcome", "MailReport", "find_tokens", "process_mailbox"]

#: Lines of the text body searched when the subject has no token.
BODY_LINES = 20
#: An itsdangerous token: base64url parts joined by dots (a leading dot when compressed).
_TOKEN = r"\.?[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+"
_REQUEST = re.compile(r"(?i:unsubscribe)(?:\s|%20|/)+(" + _TOKEN + ")")
_ALONE = re.compile(r"^[ \t>]*(" + _TOKEN + r")[ \t]*$", re.MULTILINE)
#: Our tokens are longer than 40 characters; shorter dotted words (example.org) are not tokens.
_MIN_TOKEN = 20
#: What reading one message can raise; such a message is reported and the others go on.
_UNREADABLE = (MessageError, LookupError, ValueError, UnicodeError, OSError)

UNSUBSCRIBED, ALREADY, NOT_UNDERSTOOD = "unsubscribed", "already unsubscribed", "not understood"


@dataclass
class MailOutcome:
    """What became of one message: ``status`` is one of the three above."""

    message: str
    status: str
    detail: str


@dataclass
class MailReport:
    """The outcome of every message looked at, and how many earlier runs had processed."""

    outcomes: list[MailOutcome] = field(default_factory=list)
    processed_before: int = 0
    dry_run: bool = False

    def count(self, status: str) -> int:
        """How many messages ended with this status."""
        return sum(1 for outcome in self.outcomes if outcome.status == status)

    def summary(self) -> str:
        """'2 unsubscribed, 1 already unsubscribed, 1 not understood (3 processed before).'"""
        verb = "would be unsubscribed" if self.dry_run else UNSUBSCRIBED
        text = (f"{self.count(UNSUBSCRIBED)} {verb}, {self.count(ALREADY)} {ALREADY}, "
                f"{self.count(NOT_UNDERSTOOD)} {NOT_UNDERSTOOD}")
        if self.processed_before:
            text += f" ({self.processed_before} processed before)"
        return text + (". Dry run: nothing was changed." if self.dry_run else ".")

    def lines(self) -> list[str]:
        """One line per message looked at, in mailbox order."""
        return [f"{o.status}: {o.detail} ({o.message})" for o in self.outcomes]


def process_mailbox(config: JobsConfig, store: Store, path: Path,
                    dry_run: bool = False) -> MailReport:
    """Unsubscribe everyone who asked by mail in the Maildir or mbox at ``path``.

    MailboxError (exit 2) when ``path`` is no readable mailbox; one bad message never stops it.
    """
    signer = signer_for(config, store)
    report = MailReport(dry_run=dry_run)
    inbox = open_inbox(path, store, dry_run)
    try:
        for key in inbox.keys():
            _process_one(inbox, key, store, signer, report)
    finally:
        inbox.close()
    return report


def _process_one(inbox: Inbox, key: str, store: Store, signer: LinkSigner,
                 report: MailReport) -> None:
    try:
        raw = inbox.raw(key)
        message = email.message_from_bytes(raw, policy=default)
        if inbox.seen(raw, message):
            report.processed_before += 1
            return
        label = describe(message, key)
        tokens = find_tokens(message)
    except _UNREADABLE as exc:
        report.outcomes.append(MailOutcome(f"message {key}", NOT_UNDERSTOOD,
                                           f"cannot be read: {exc}"))
        return
    status, detail = _unsubscribe(store, signer, tokens, report.dry_run)
    report.outcomes.append(MailOutcome(label, status, detail))
    if status != NOT_UNDERSTOOD and not report.dry_run:
        inbox.mark(key, raw, message, status)


def _unsubscribe(store: Store, signer: LinkSigner, tokens: list[str],
                 dry_run: bool) -> tuple[str, str]:
    """(status, subscriber e-mail or reason) for the first token that names a subscriber."""
    if not tokens:
        return NOT_UNDERSTOOD, (f"no 'unsubscribe TOKEN' in the subject or the first "
                                f"{BODY_LINES} lines of the text")
    refused = []
    for token in tokens:
        try:
            if dry_run:
                found = signer.subscriber(store, token)
                newly = found.unsubscribed_at is None
            else:
                found, newly = unsubscribe_by_token(store, signer, token)
        except SubscriberError as exc:
            refused.append(str(exc))
            continue
        return (UNSUBSCRIBED if newly else ALREADY), found.email
    return NOT_UNDERSTOOD, "token refused: " + "; ".join(dict.fromkeys(refused))


def find_tokens(message: EmailMessage) -> list[str]:
    """Candidate tokens, best first: from the Subject, else from the start of the text body."""
    found = _long(_REQUEST.findall(str(message.get("Subject", "") or "")))
    if not found:
        head = "\n".join(_text_body(message).splitlines()[:BODY_LINES])
        found = _long(_REQUEST.findall(head) + _ALONE.findall(head))
    return found


def _long(candidates: list[str]) -> list[str]:
    return [token for token in dict.fromkeys(candidates) if len(token) >= _MIN_TOKEN]


def _text_body(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""


def describe(message: EmailMessage, key: str) -> str:
    """How the report names a message: Message-ID (else the mailbox key) and sender."""
    ident = str(message.get("Message-ID", "") or "").strip() or f"message {key}"
    sender = str(message.get("From", "") or "").strip() or "no sender"
    return f"{ident} from {sender}"
