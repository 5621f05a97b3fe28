"""The e-mail of a digest: multipart/alternative (text + HTML) with the list headers.

Headers: From / Reply-To from config, To, Subject, Date, the Message-ID stored in the outbox row
(a retry carries the same one), List-Id, List-Unsubscribe (HTTPS one-click URL and a mailto) and
List-Unsubscribe-Post (RFC 8058).

Non-ASCII addresses are supported: ``mail_address`` writes a non-ASCII domain as its IDNA 2008
A-label; only a non-ASCII local part makes an internationalized message (RFC 6532, flattened
with ``utf8=True``, sent with SMTPUTF8). A domain IDNA refuses fails its digest for good.

``build_message`` writes the message's bytes once; those bytes are signed, sent and written
alike. Every header is parsed, encoded and folded by the standard library's SMTP policy (lines
up to 998, as ``EmailMessage.as_bytes`` writes them), and each body is encoded by the standard
library's quoted-printable and base64 encoders in lines of at most 76 characters (RFC 2045
6.7 and 6.8; ``set_content`` would write body lines up to the headers' 998). Only the frame of
this one message shape (the two parts between their boundary lines) is written here, instead
of building the message's object tree and flattening it again (most of a digest's
instructions).
"""

from __future__ import annotations

import base64
import binascii
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address, HeaderRegistry
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from functools import lru_cache

import idna

from pipeline.config import EmailConfig
from pipeline.errors import PermanentDeliveryError


class _ClassesMadeOnce(HeaderRegistry):
    """The standard header registry, except that the class of each header name is made once:
    the standard one makes a new class every time a header is parsed (a fifth of the time of
    parsing a digest's To or Subject)."""

    def __init__(self):
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        made = self._classes.get(key)
        if made is None:
            made = self._classes[key] = super().__getitem__(key)
        return made


#: Long List-Unsubscribe URLs must stay unencoded: fold headers at the RFC 5322 limit only.
_POLICY = SMTP.clone(max_line_length=998, header_factory=_ClassesMadeOnce())
#: The policy of an internationalized message (an address only SMTPUTF8 can carry).
_POLICY_UTF8 = _POLICY.clone(utf8=True)
_CRLF = b"\r\n"


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


def _header(policy, name: str, value) -> bytes:
    """``name: value`` as the policy's generator writes it: parsed by its header registry
    (ValueError for a value with a line break), encoded and folded, with its line end.

    A value the policy would write unchanged on one line is written directly (``_as_is``):
    parsing a digest's Subject, To, Message-ID and List-Unsubscribe was a third of building
    its message, to write back the same characters."""
    if type(value) is str and _as_is(name, value):
        return b"%s: %s\r\n" % (name.encode("ascii"), value.encode("ascii"))
    return policy.fold_binary(*policy.header_store_parse(name, value))


#: Printable ASCII words between single spaces: an unstructured value as it is written.
_WORDS = re.compile(r"[!-~]+(?: [!-~]+)*")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
#: A bare address of dot-atoms (``local@example.org``): an address header as it is written.
_ADDR_SPEC = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
#: The headers ``_as_is`` knows, and what a value of each must be to be written unchanged.
_AS_IS = {"Subject": _WORDS.fullmatch, "List-Unsubscribe": _WORDS.fullmatch,
          "To": _ADDR_SPEC.fullmatch,
          "Message-ID": lambda value: value[:1] == "<" and value[-1:] == ">" and (
              _ADDR_SPEC.fullmatch(value[1:-1]))}


def _as_is(name: str, value: str) -> bool:
    """Whether the policies write ``name: value`` unchanged on one line: printable ASCII that
    no encoded word (``=?``) starts, short of the line limit, shaped as ``_AS_IS`` says."""
    shaped = _AS_IS.get(name)
    return shaped is not None and len(name) + len(value) < 990 and "=?" not in value and bool(
        shaped(value))


@lru_cache(maxsize=256)
def _alike(policy, name: str, value: str) -> bytes:
    """``_header`` of a header every digest shares (the config's, the parts', the Date of a
    second): parsed and folded once per distinct value."""
    return _header(policy, name, value)


def _text_part(policy, text: str) -> bytes:
    """The text/plain part: the UTF-8 lines, quoted-printable in lines of at most 76
    characters (the C encoder of ``quopri``, soft line breaks ``=``), ending in CRLF."""
    body = b"\n".join(text.encode("utf-8").splitlines()) + b"\n"
    return (_alike(policy, "Content-Type", 'text/plain; charset="utf-8"')
            + _alike(policy, "Content-Transfer-Encoding", "quoted-printable") + _CRLF
            + binascii.b2a_qp(body).replace(b"\n", _CRLF))


def _html_part(policy, html: str) -> bytes:
    """The text/html part: base64 of its CRLF-ended UTF-8 lines, in lines of 76 characters
    (MIME-Version included, as ``add_alternative`` writes it)."""
    data = b"\r\n".join(html.encode("utf-8").splitlines()) + _CRLF
    return (_alike(policy, "Content-Type", 'text/html; charset="utf-8"')
            + _alike(policy, "Content-Transfer-Encoding", "base64")
            + _alike(policy, "MIME-Version", "1.0") + _CRLF
            + base64.encodebytes(data).replace(b"\n", _CRLF))


def build_message(email: EmailConfig, *, recipient: str, name: str | None, message_id: str,
                  subject: str, text: str, html: str, date: datetime, unsubscribe_url: str | None,
                  token: str) -> Outgoing:
    """The complete message of one digest and its envelope, To as ``mail_address`` gives it;
    internationalized when an address is still not ASCII (PermanentDeliveryError: a domain
    IDNA refuses; ValueError: a header value no header can carry). A notice to someone not
    subscribed (``unsubscribe_url`` None) has no List-Unsubscribe headers."""
    recipient = mail_address(recipient)
    sender = sender_address(email.sender)
    international = needs_smtputf8(recipient, sender)
    policy = _POLICY_UTF8 if international else _POLICY
    local, _, domain = recipient.rpartition("@")
    # Address(addr_spec=...) refuses a non-ASCII local part; username/domain take it as given.
    to = recipient if not name and _as_is("To", recipient) else Address(
        display_name=name or "", username=local, domain=domain)
    head = [_alike(policy, "From", email.sender), _header(policy, "To", to)]
    if email.reply_to:
        head.append(_alike(policy, "Reply-To", email.reply_to))
    head += [_header(policy, "Subject", subject),
             _alike(policy, "Date", format_datetime(date)),
             _header(policy, "Message-ID", message_id),
             _alike(policy, "List-Id", email.list_id)]
    if unsubscribe_url:
        head += [_header(policy, "List-Unsubscribe",
                         list_unsubscribe(unsubscribe_url, email.unsubscribe_mailto, token)),
                 _alike(policy, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]
    # "=_" occurs in no quoted-printable or base64 body, so this boundary needs no check
    # against the bodies; the header, ASCII and far shorter than a line, is what set_boundary
    # and the policy write for it.
    boundary = f"=_{uuid.uuid4().hex}".encode("ascii")
    head += [_alike(policy, "Auto-Submitted", "auto-generated"),
             _alike(policy, "MIME-Version", "1.0"),
             b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n', _CRLF]
    delimiter = b"--" + boundary
    raw = b"".join(head) + (delimiter + _CRLF + _text_part(policy, text)
                            + _CRLF + delimiter + _CRLF + _html_part(policy, html)
                            + _CRLF + delimiter + b"--" + _CRLF)
    return Outgoing(raw, sender, recipient, message_id, international)
