"""The e-mail of a digest: multipart/alternative (text + HTML) with the list headers.

Headers: From / Reply-To from config, To, Subject, Date, Message-ID (fixed when the digest is
queued and stored in the outbox row, so a retry carries the same one), List-Id,
List-Unsubscribe (the HTTPS one-click URL and a mailto) and
List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058).

Non-ASCII addresses. ``check_email`` accepts them (``zoë@example.org``, ``bob@exämple.org``) and
they are supported rather than refused: people do have them, and refusing one at ``subscribers
add`` would not help the rows already stored. Such a message is an internationalized one (RFC
6532): it is flattened with ``utf8=True`` (raw UTF-8 headers, never RFC 2047 words inside an
address, which no receiver reads) and must go with SMTPUTF8 (RFC 6531). The SMTP transport sends it
only to a server that offers SMTPUTF8, and fails that one digest for good otherwise. ASCII
addresses get plain ASCII headers (RFC 2047 words for a non-ASCII name or subject), as before.

``outgoing`` flattens a message once; those exact bytes are DKIM-signed and handed to the
transport, so what is signed is what is sent (and what the file transport writes).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from pipeline.config import EmailConfig

#: Long List-Unsubscribe URLs must stay unencoded: fold headers at the RFC 5322 limit only.
_POLICY = SMTP.clone(max_line_length=998)


@dataclass(frozen=True)
class Outgoing:
    """A message as it leaves: its exact bytes, the envelope, and whether it needs SMTPUTF8."""

    raw: bytes
    sender: str
    recipient: str
    message_id: str
    smtputf8: bool = False


def needs_smtputf8(*addresses: str) -> bool:
    """True when any address has a non-ASCII character: only SMTPUTF8 can carry it."""
    return not all(address.isascii() for address in addresses)


def outgoing(message: EmailMessage, sender: str, recipient: str) -> Outgoing:
    """Flatten ``message`` once (CRLF line ends) with its envelope: ``sender`` is the From."""
    return Outgoing(message.as_bytes(), parseaddr(sender)[1], recipient,
                    message["Message-ID"], bool(message.policy.utf8))


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
    """The complete message of one digest; internationalized when an address is not ASCII."""
    international = needs_smtputf8(recipient, parseaddr(email.sender)[1])
    message = EmailMessage(policy=_POLICY.clone(utf8=True) if international else _POLICY)
    message["From"] = email.sender
    local, _, domain = recipient.rpartition("@")
    # Address(addr_spec=...) refuses a non-ASCII local part; username/domain take it as given.
    message["To"] = Address(display_name=name or "", username=local, domain=domain)
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
