"""Notices (the sign-up confirmation): through the outbox, the relay and DKIM like a digest.

Imports the DKIM test's real openssl key and raw-recording aiosmtpd server, and verifies with
dkimpy's own verifier.
"""

from __future__ import annotations

from email import message_from_bytes, policy

import dkim
from notify_support import NOW, open_store
from notify_support import make_config as configure
from test_dkim import dkim_section, dns_for, key, raw_server  # noqa: F401

from pipeline.notify import relay
from pipeline.notify.notice import queue_confirmation


def test_a_confirmation_is_sent_by_the_relay_dkim_signed_without_list_headers(
        folder, raw_server, key):  # noqa: F811
    recorder, port = raw_server
    config = configure(folder, port, dkim=dkim_section(key[0]))
    store = open_store(config)
    queue_confirmation(config, store, "dana@example.org", "Dana",
                       "https://alerts.carealerts.test/signup/confirm/abc", 48, NOW)
    report = relay(config, store, now=NOW)
    assert (report.sent, report.failed, report.cancelled) == (1, 0, 0)
    [raw] = recorder.raw
    assert dkim.verify(raw, dnsfunc=dns_for(key[1]))
    message = message_from_bytes(raw, policy=policy.default)
    assert message["Subject"] == "Confirm your Care Manager job alerts"
    assert message["List-Unsubscribe"] is None
    text = message.get_body(("plain",)).get_content()
    assert "https://alerts.carealerts.test/signup/confirm/abc" in text and "48 hours" in text
    assert relay(config, store, now=NOW).sent == 0  # sent once
