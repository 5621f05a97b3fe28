"""A digest is what the standard library's own SMTP policy gives, its bodies in RFC 2045 lines.

``pipeline.notify.message`` writes a digest's bytes without building the message's object tree.
Against a plain ``EmailMessage`` under ``email.policy.SMTP`` (lines up to 998) built from the
same parts (headers set in the same order, ``set_content`` quoted-printable, ``add_alternative``
HTML in base64, the same boundary), for the first message of a process and for every later one,
ASCII or internationalized, with or without Reply-To and the unsubscribe mailto, whatever the
bodies: the headers are byte for byte the same, every part parses to the same headers and
content, and no body line is longer than the 76 characters RFC 2045 allows (``set_content``
under that policy writes body lines up to 998).
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, default
from email.utils import format_datetime

import pytest

from pipeline.config import EmailConfig
from pipeline.notify.message import build_message, mail_address, needs_smtputf8, sender_address

WHEN = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
TEXT = "Hello Zoë,\n\n2 new postings fit your Care Manager profile.\n" + "a line " * 40 + "\n"
HTML = "<html><body><p style=\"color: #102a43\">Héllo Zoë</p>" + "<p>x</p>" * 200 + "</body></html>"

CASES = [  # (email settings, recipient, name, subject)
    ({}, "s1@example.org", "Sub One", "2 new Care Manager jobs: Nurse Case Manager at Acme"),
    ({}, "s2@example.org", None, "1 new Care Manager job: RN Care Coordinator"),
    ({"reply_to": "Help <help@example.org>", "unsubscribe_mailto": None}, "s3@example.org",
     "Zoë Ångström", "3 new Care Manager jobs: Soziale Arbeit – Fallmanagerin at Straße GmbH "
     "and 2 more " + "long words " * 12),
    ({"from": "Alerts Ü <alerts@example.org>"}, "bob@exämple.org", "Bob", "Ünïcode subject"),
    ({}, "s1.zoë@exämple.org", "Zoë", "3 new Care Manager jobs: Case Manager (LCSW) at Ōsaka"),
    ({"from": "Alerts Ü <alerts@example.org>"}, "s1.zoë@exämple.org", "Zoë", "Ünïcode"),
]
#: Bodies at the edges of the encoders: empty, trailing blanks, CR and CRLF line ends, a line
#: longer than a quoted-printable line (soft breaks), "=" and "." at line starts, HTML longer
#: than one base64 line, without a final line end.
BODIES = [
    ("", ""),
    ("tabs\tand blanks at ends \nnext\t\n", "<p>a</p>"),
    ("crlf\r\nand cr\rmixed\n=3D. \n.dot\n", "<p>\r\nb</p>\r"),
    ("ü" * 700 + "=" * 400 + "\n" + "x" * 2000, "<p>" + "é" * 3000 + "</p>"),
    ("no final line end", "<b>" * 1000),
]


def _ours(settings, recipient, name, subject, n, text=TEXT, html=HTML, mailto_token=None):
    email = EmailConfig(**settings)
    return build_message(
        email, recipient=recipient, name=name, message_id=f"<{n:032x}@example.org>",
        subject=subject, text=text, html=html, date=WHEN,
        unsubscribe_url=f"https://alerts.example.org/unsubscribe/{'t' * 120}{n}",
        token=mailto_token or f"tok{n}")


def _standard(settings, recipient, name, subject, n, boundary, text=TEXT, html=HTML) -> bytes:
    """The same message built and flattened the standard way."""
    email = EmailConfig(**settings)
    recipient = mail_address(recipient)
    policy = SMTP.clone(max_line_length=998)
    if needs_smtputf8(recipient, sender_address(email.sender)):
        policy = policy.clone(utf8=True)
    message = EmailMessage(policy=policy)
    message["From"] = email.sender
    local, _, domain = recipient.rpartition("@")
    message["To"] = Address(display_name=name or "", username=local, domain=domain)
    if email.reply_to:
        message["Reply-To"] = email.reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(WHEN)
    message["Message-ID"] = f"<{n:032x}@example.org>"
    message["List-Id"] = email.list_id
    url = f"https://alerts.example.org/unsubscribe/{'t' * 120}{n}"
    message["List-Unsubscribe"] = (f"<{url}>, <mailto:{email.unsubscribe_mailto}?subject="
                                   f"unsubscribe%20tok{n}>" if email.unsubscribe_mailto
                                   else f"<{url}>")
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text, cte="quoted-printable")
    message.add_alternative(html, subtype="html", cte="base64")
    message.set_boundary(boundary)
    return message.as_bytes()


def _boundary(raw: bytes) -> str:
    return message_from_bytes(raw).get_boundary()


def _same(ours: bytes, standard: bytes) -> None:
    """The same headers byte for byte, the same parts as a mail reader reads them, and body
    lines of at most 76 characters."""
    head, _, body = ours.partition(b"\r\n\r\n")
    assert head == standard.partition(b"\r\n\r\n")[0]
    assert max(len(line) for line in body.split(b"\r\n")) <= 76
    ours_parts = list(message_from_bytes(ours, policy=default).walk())
    standard_parts = list(message_from_bytes(standard, policy=default).walk())
    assert [part.items() for part in ours_parts] == [part.items() for part in standard_parts]
    assert [part.get_content() for part in ours_parts[1:]] == [
        part.get_content() for part in standard_parts[1:]]
    assert len(ours_parts) == 3


def test_every_digest_is_byte_for_byte_what_the_plain_smtp_policy_gives():
    for _ in range(3):  # the first build fills the shared headers' caches, later ones use them
        for n, case in enumerate(CASES):
            ours = _ours(*case, n).raw
            _same(ours, _standard(*case, n, _boundary(ours)))
    reference = [_ours(*case, n).raw for n, case in enumerate(CASES)]
    assert reference[0].startswith(b"From: Care Manager job alerts <alerts@example.org>\r\n")
    assert message_from_bytes(reference[3])["To"] == "Bob <bob@xn--exmple-cua.org>"
    assert "To: Zoë <s1.zoë@exämple.org>" in reference[4].decode("utf-8")  # SMTPUTF8 mail
    assert b"From: Alerts =?utf-8?q?=C3=9C?= <alerts@" in reference[3]  # encoded in ASCII mail
    assert "From: Alerts Ü <alerts@example.org>" in reference[5].decode("utf-8")  # raw in UTF-8


@pytest.mark.parametrize("text,html", BODIES)
def test_bodies_at_the_encoders_edges_read_as_what_set_content_gives(text, html):
    for n, case in enumerate(CASES[:5:4]):  # ASCII mail, and an internationalized one
        ours = _ours(*case, n, text=text, html=html).raw
        _same(ours, _standard(*case, n, _boundary(ours), text=text, html=html))


def test_the_envelope_and_boundary():
    for n, (settings, recipient, name, subject) in enumerate(CASES):
        mail = _ours(settings, recipient, name, subject, n)
        boundary = _boundary(mail.raw)
        assert boundary.startswith("=_") and f"\r\n--{boundary}--\r\n".encode() in mail.raw
        assert mail.message_id == f"<{n:032x}@example.org>"
        assert mail.recipient == mail_address(recipient)
        assert mail.smtputf8 == (n >= 4)
    assert _boundary(_ours(*CASES[0], 0).raw) != _boundary(_ours(*CASES[0], 0).raw)


def test_a_header_value_with_a_line_break_is_refused_as_the_standard_way_refuses_it():
    with pytest.raises(ValueError):
        _ours({}, "s1@example.org", None, "two\nlines", 0)
    with pytest.raises(ValueError):
        EmailMessage(policy=SMTP)["Subject"] = "two\nlines"
