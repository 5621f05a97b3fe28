"""The e-mail of a digest: multipart/alternative (text + HTML) with the list headers.

Headers: From / Reply-To from config, To, Subject, Date, Message-ID (fixed when the digest is
queued and stored in the outbox row, so a retry carries the same one), List-Id,
List-Unsubscribe (the HTTPS one-click URL and a mailto) and
List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from pipeline.config import EmailConfig

#: Long List-Unsubscribe URLs must stay unencoded: fold headers at the RFC 5322 limit only.
_POLICY = SMTP.clone(max_line_length=998)


def new_message_id(sender: str) -> str:
    """A globally unique Message-ID in the sender's domain."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def list_unsubscribe(url: str, mailto: str | None, token: str) -> str:
    """The List-Unsubscribe value: <https-url>, and <mailto:...?subject=...> when configured."""
    value = f"<{url}>"
    if mailto:
        value += f", <mailto:{mailto}?subject=unsubscribe%20{token}>"
    return value


def build_message(email: EmailConfig, *, recipient: str, name: str | None, message_id: str,
                  subject: str, text: str, html: str, date: datetime, unsubscribe_url: str,
                  token: str) -> EmailMessage:
    """The complete message of one digest."""
    message = EmailMessage(policy=_POLICY)
    message["From"] = email.sender
    message["To"] = Address(display_name=name or "", addr_spec=recipient)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    message["List-Id"] = email.list_id
    message["List-Unsubscribe"] = list_unsubscribe(unsubscribe_url, email.unsubscribe_mailto,
                                                   token)
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="base64")
    return message
