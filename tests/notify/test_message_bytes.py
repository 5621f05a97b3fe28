"""A digest's bytes are those the standard library's own SMTP policy gives.

``pipeline.notify.message`` parses and folds the headers every digest shares once per process;
the message that leaves must be byte for byte what a plain ``email.policy.SMTP`` (lines up to
998) builds from the same parts, for the first message of a process and for every later one,
ASCII or internationalized, with or without Reply-To and the unsubscribe mailto.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import SMTP

import pytest

from pipeline.config import EmailConfig
from pipeline.notify import message as message_module
from pipeline.notify.message import build_message, outgoing

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


def _messages(cases) -> list[bytes]:
    """Every case built and flattened, with the same Message-IDs and boundaries each time."""
    made = []
    for n, (settings, recipient, name, subject) in enumerate(cases):
        email = EmailConfig(**settings)
        message = build_message(
            email, recipient=recipient, name=name, message_id=f"<{n:032x}@example.org>",
            subject=subject, text=TEXT, html=HTML, date=WHEN,
            unsubscribe_url=f"https://alerts.example.org/unsubscribe/{'t' * 120}{n}",
            token=f"tok{n}")
        made.append(outgoing(message, email.sender, recipient).raw)
    return made


@pytest.fixture
def counted_uuids(monkeypatch):
    """uuid4 counting up from 0 each time it is reset: the same boundaries on every build."""
    state = {"next": 0}

    def fake() -> uuid.UUID:
        state["next"] += 1
        return uuid.UUID(int=state["next"])

    monkeypatch.setattr(message_module.uuid, "uuid4", fake)
    return state


def test_every_digest_is_byte_for_byte_what_the_plain_smtp_policy_gives(monkeypatch,
                                                                        counted_uuids):
    ours = []
    for _ in range(3):  # the first build fills the shared headers' caches, later ones use them
        counted_uuids["next"] = 0
        ours.append(_messages(CASES))
    plain = SMTP.clone(max_line_length=998)
    monkeypatch.setattr(message_module, "_POLICY", plain)
    monkeypatch.setattr(message_module, "_POLICY_UTF8", plain.clone(utf8=True))
    counted_uuids["next"] = 0
    reference = _messages(CASES)
    for repeat in ours:
        assert repeat == reference
    assert reference[0].startswith(b"From: Care Manager job alerts <alerts@example.org>\r\n")
    assert message_from_bytes(reference[3])["To"] == "Bob <bob@xn--exmple-cua.org>"
    assert "To: Zoë <s1.zoë@exämple.org>" in reference[4].decode("utf-8")  # SMTPUTF8 mail
    assert b"From: Alerts =?utf-8?q?=C3=9C?= <alerts@" in reference[3]  # encoded in ASCII mail
    assert "From: Alerts Ü <alerts@example.org>" in reference[5].decode("utf-8")  # raw in UTF-8


def test_the_boundary_is_written_as_set_boundary_writes_it(counted_uuids):
    for n, (settings, recipient, name, subject) in enumerate(CASES):
        email = EmailConfig(**settings)
        message = build_message(
            email, recipient=recipient, name=name, message_id=f"<{n:032x}@example.org>",
            subject=subject, text=TEXT, html=HTML, date=WHEN,
            unsubscribe_url="https://alerts.example.org/unsubscribe/t", token="t")
        ours = outgoing(message, email.sender, recipient).raw
        boundary = message.get_boundary()
        assert boundary.startswith("=_") and f"\r\n--{boundary}--\r\n".encode() in ours
        message.set_boundary(boundary)  # the standard way of writing that header
        assert outgoing(message, email.sender, recipient).raw == ours
