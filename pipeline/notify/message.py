"""The e-mail of a digest: multipart/alternative (text + HTML) with the list headers.

Headers: From / Reply-To from config, To, Subject, Date, the Message-ID stored in the outbox row
(a retry carries the same one), List-Id, List-Unsubscribe (HTTPS one-click URL and a mailto) and
List-Unsubscribe-Post (RFC 8058).

Non-ASCII addresses are supported: ``mail_address`` writes a non-ASCII domain as its IDNA 2008
A-label; only a non-ASCII local part makes an internationalized message (RFC 6532, flattened
with ``utf8=True``, sent with SMTPUTF8). A domain IDNA refuses fails its digest for good.
``outgoing`` flattens a message once; those bytes are signed, sent and written alike.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.message import EmailMessage
from email.policy import SMTP, EmailPolicy
from email.utils import format_datetime, parseaddr
from functools import lru_cache

import idna

from pipeline.config import EmailConfig
from pipeline.errors import PermanentDeliveryError

#: Headers whose value is the same in every message (the config's, and the MIME parts'), or
#: in every message made in the same second (Date): each distinct value is parsed once.
_ALIKE = frozenset({"from", "reply-to", "list-id", "list-unsubscribe-post", "auto-submitted",
                    "mime-version", "content-type", "content-transfer-encoding", "date"})


class _HeadersParsedOnce(HeaderRegistry):
    """The standard header registry, except that a header of ``_ALIKE`` is parsed once per
    distinct value: parsing (From's address, every part's Content-Type and
    Content-Transfer-Encoding, set and re-set by ``set_content``) was most of the time spent
    building a digest. A parsed header is an immutable string, safely shared by messages.
    The class of each header name is made once too (the standard registry makes a new class
    every time a header is set or counted)."""

    def __init__(self):
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(key)
        return made

    def __call__(self, name: str, value):
        if name.lower() in _ALIKE and isinstance(value, str) and "boundary=" not in value:
            return _parsed_once(self, name, value)
        return super().__call__(name, value)


@lru_cache(maxsize=256)
def _parsed_once(registry: _HeadersParsedOnce, name: str, value: str):
    """The header ``name: value`` as the standard registry parses it, kept."""
    return HeaderRegistry.__call__(registry, name, value)


class _FoldedOnce(EmailPolicy):
    """The SMTP policy, except that a header of ``_ALIKE`` (one ``_parsed_once`` object) is
    folded once per distinct policy: flattening folds every header of every part again, under
    a fresh clone of the policy for each part (equal policies are one key: a policy is
    immutable, its settings are all it is)."""

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.__dict__.items())))

    def fold_binary(self, name: str, value) -> bytes:
        if name.lower() in _ALIKE and type(value) is not str and "boundary=" not in value:
            return _folded_once(self, name, value)
        return super().fold_binary(name, value)


@lru_cache(maxsize=256)
def _folded_once(policy: _FoldedOnce, name: str, header) -> bytes:
    """``header`` folded as the standard policy folds it, kept."""
    return EmailPolicy.fold_binary(policy, name, header)


#: Long List-Unsubscribe URLs must stay unencoded: fold headers at the RFC 5322 limit only.
_POLICY = _FoldedOnce(linesep=SMTP.linesep, max_line_length=998,
                      header_factory=_HeadersParsedOnce())
#: The policy of an internationalized message (an address only SMTPUTF8 can carry).
_POLICY_UTF8 = _POLICY.clone(utf8=True)


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


def mail_address(address: str) -> str:
    """``address`` as it travels: an ASCII local part keeps a non-ASCII domain's A-label (IDNA
    2008, UTS 46 mapping: ß stays ß, ``xn--strae-oqa.de``), which needs no SMTPUTF8; a non-ASCII
    local part needs SMTPUTF8 anyway, so its domain is checked and kept as written.
    PermanentDeliveryError when IDNA refuses the domain."""
    local, at, domain = address.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        a_label = idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise PermanentDeliveryError(
            f"{address}: the domain {domain!r} is not a valid internationalized domain name "
            f"(IDNA 2008: {exc}); no mail server can deliver to it, ask the subscriber for "
            "the address again") from exc
    return address if not local.isascii() else f"{local}@{a_label}"


@lru_cache(maxsize=16)
def sender_address(sender: str) -> str:
    """The address of the configured From (``"Alerts <a@example.org>"``): parsed once."""
    return parseaddr(sender)[1]


def outgoing(message: EmailMessage, sender: str, recipient: str) -> Outgoing:
    """Flatten ``message`` once (CRLF line ends) with its envelope: ``sender`` is the From,
    ``recipient`` goes as ``mail_address`` gives it."""
    return Outgoing(message.as_bytes(), sender_address(sender), mail_address(recipient),
                    message["Message-ID"], bool(message.policy.utf8))


def new_message_id(sender: str) -> str:
    """A globally unique Message-ID in the sender's domain."""
    domain = sender_address(sender).rpartition("@")[2] or "localhost"
    return f"<{uuid.uuid4().hex}@{domain}>"


def list_unsubscribe(url: str, mailto: str | None, token: str) -> str:
    """The List-Unsubscribe value: <https-url>, and <mailto:...?subject=...> when configured."""
    value = f"<{url}>"
    if mailto:
        value += f", <mailto:{mailto}?subject=unsubscribe%20{token}>"
    return value


def build_message(email: EmailConfig, *, recipient: str, name: str | None, message_id: str,
                  subject: str, text: str, html: str, date: datetime, unsubscribe_url: str | None,
                  token: str) -> EmailMessage:
    """The complete message of one digest, To as ``mail_address`` gives it; internationalized
    when an address is still not ASCII (PermanentDeliveryError: a domain IDNA refuses). A notice
    to someone not subscribed (``unsubscribe_url`` None) has no List-Unsubscribe headers."""
    recipient = mail_address(recipient)
    international = needs_smtputf8(recipient, sender_address(email.sender))
    message = EmailMessage(policy=_POLICY_UTF8 if international else _POLICY)
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
    if unsubscribe_url:
        message["List-Unsubscribe"] = list_unsubscribe(unsubscribe_url,
                                                       email.unsubscribe_mailto, token)
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="base64")
    # "=_" occurs in no quoted-printable or base64 body: no need for the generator's own
    # boundary, which it checks against every body line with a regular expression of its own.
    # Written whole, the header is the one set_boundary writes, without its re-reading and
    # re-quoting of the parameters.
    message.replace_header("Content-Type",
                           f'multipart/alternative; boundary="=_{uuid.uuid4().hex}"')
    return message
