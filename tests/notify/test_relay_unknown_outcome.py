"""Digests whose delivery outcome is unknown: the whole message went out, no reply came back.

Real aiosmtpd servers on 127.0.0.1 that answer the end of DATA late, or drop the connection
instead of answering; each counts the copies it received. A digest is sent once in a run, at
most twice in all, then shown as "maybe-delivered" by `pipeline outbox`, and sent again only
when an operator requeues it by its id.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from email import message_from_bytes

import pytest
import yaml
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from notify_support import NOW, OWN_UNSUBSCRIBE, FixedRanker, free_port, open_store, posting

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.notify import notify, relay

RETRY_DELAY = 60


class Misbehaving:
    """SMTP handler: counts each message as it arrives, then answers ``delay`` seconds late,
    or (``drop``) closes the connection instead of answering."""

    def __init__(self, delay: float = 0.0, drop: bool = False, busy_after_drop: bool = False):
        self.delay, self.drop, self.busy_after_drop = delay, drop, busy_after_drop
        self.copies: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.copies[message_from_bytes(envelope.content)["Message-ID"]] += 1
        if self.busy_after_drop and sum(self.copies.values()) > 1:
            return "421 4.3.2 try again later"
        if self.drop or self.busy_after_drop:
            server.transport.close()
            return "421 closing"
        await asyncio.sleep(self.delay)
        return "250 OK"


@pytest.fixture
def server():
    """Start a ``Misbehaving`` handler on a free port: call with its options; (handler, port)."""
    controllers = []

    def start(**options):
        handler, port = Misbehaving(**options), free_port()
        controllers.append(Controller(handler, hostname="127.0.0.1", port=port))
        controllers[-1].start()
        return handler, port

    yield start
    for controller in controllers:
        controller.stop()


def _jobs_yaml(folder, port: int, max_attempts: int = 12, **smtp):
    """A jobs.yaml sending to ``port`` (one subscriber, no in-run backoff), and its store."""
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": f"sqlite:///{folder / 'jobs.db'}"},
        "sources": [{"name": "local", "type": "files", "path": str(folder)}],
        "subscribers": [{"email": "lee@carealerts.test"}],
        "email": {"transport": "smtp", **OWN_UNSUBSCRIBE, "retry_backoff": 0,
                  "retry_delay": RETRY_DELAY, "send_retries": 2, "max_attempts": max_attempts,
                  "smtp": {"host": "127.0.0.1", "port": port, "security": "none", **smtp}}}))
    config = load_config(path)
    store = open_store(config)
    store.upsert_postings([posting(n) for n in range(2)], now=NOW)
    from pipeline.notify.subscribers import sync_subscribers
    sync_subscribers(config, store)
    return path, config, store


def _outbox(path, *args):
    return CliRunner().invoke(cli, ["outbox", "--config", str(path), *args])


def test_a_late_final_reply_is_one_copy_per_run_two_in_all_then_maybe_delivered(folder, server):
    slow, port = server(delay=1.5)
    path, config, store = _jobs_yaml(folder, port, timeout=0.5, data_timeout=0.5)
    first = notify(config, store, FixedRanker(), now=NOW)
    [row] = store.outbox_rows(["pending"])
    assert slow.copies == {row.message_id: 1}  # not resent within the run
    assert (first.sent, first.pending) == (0, 1)
    assert any("outcome unknown" in line for line in first.lines)
    assert relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY - 1)).sent == 0
    assert slow.copies[row.message_id] == 1  # nothing before retry_delay
    second = relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY))
    assert slow.copies[row.message_id] == 2 and second.maybe_delivered == 1
    for days in (1, 2):  # never again by itself
        relay(config, store, now=NOW + timedelta(days=days))
    assert slow.copies[row.message_id] == 2
    listed = _outbox(path).output
    assert f"#{row.id}\tmaybe-delivered\tlee@carealerts.test" in listed
    assert "may have been delivered: 2 tries sent the whole message without a reply" in listed


def test_maybe_delivered_is_sent_again_only_when_requeued_by_its_id(folder, server):
    _dropping, port = server(drop=True)
    path, config, store = _jobs_yaml(folder, port, timeout=0.5)
    notify(config, store, FixedRanker(), now=NOW)
    relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY))
    [row] = store.outbox_rows(["maybe-delivered"])
    assert "Requeued 0; sent 0" in _outbox(path, "--retry").output  # all: not this one
    fast, fast_port = server()
    path.write_text(path.read_text().replace(f"port: {port}", f"port: {fast_port}"))
    retried = _outbox(path, "--retry", str(row.id))
    assert retried.exit_code == 0, retried.output
    assert "Requeued 1; sent 1" in retried.output
    assert fast.copies == {row.message_id: 1}


def test_a_connection_dropped_after_the_message_twice_is_maybe_delivered(folder, server):
    dropping, port = server(drop=True)
    _path, config, store = _jobs_yaml(folder, port, timeout=0.5)
    first = notify(config, store, FixedRanker(), now=NOW)
    [row] = store.outbox_rows(["pending"])
    assert dropping.copies == {row.message_id: 1} and first.pending == 1
    relay(config, store, now=NOW)
    assert dropping.copies[row.message_id] == 1
    relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY))
    relay(config, store, now=NOW + timedelta(days=1))
    assert dropping.copies[row.message_id] == 2
    [final] = store.outbox_rows(["maybe-delivered"])
    assert "may have been delivered" in final.last_error and "closed" in final.last_error


def test_the_final_reply_is_awaited_longer_than_commands_by_default(folder, server):
    """smtp.timeout (commands) is short; the reply to the end of the message comes 1.5 s
    later, within the default data_timeout (10 minutes): sent once, marked sent."""
    slow, port = server(delay=1.5)
    _path, config, store = _jobs_yaml(folder, port, timeout=0.5)
    report = notify(config, store, FixedRanker(), now=NOW)
    [row] = store.outbox_rows(["sent"])
    assert (report.sent, report.pending) == (1, 0)
    assert slow.copies == {row.message_id: 1}


def test_a_digest_maybe_delivered_keeps_its_postings_when_the_subscriber_pauses(folder, server):
    """Paused while waiting for the one more try: not sent, not cancelled as never sent (its
    postings would be mailed again in a later digest), but kept as maybe-delivered."""
    dropping, port = server(drop=True)
    _path, config, store = _jobs_yaml(folder, port, timeout=0.5)
    notify(config, store, FixedRanker(), now=NOW)
    lee = store.get_subscriber("lee@carealerts.test")
    store.set_paused(lee.email, True)
    report = relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY))
    assert (report.cancelled, report.maybe_delivered) == (0, 1)
    assert sum(dropping.copies.values()) == 1
    [row] = store.outbox_rows(["maybe-delivered"])
    assert "paused" in row.last_error
    assert len(store.sent_posting_ids(lee.id)) == 2


def test_a_digest_that_may_have_arrived_is_never_marked_failed_as_undelivered(folder, server):
    """Dropped after the message, then refused (421) until the retry budget ends: an earlier
    try may have arrived, so it ends maybe-delivered, not failed."""
    _server, port = server(busy_after_drop=True)
    _path, config, store = _jobs_yaml(folder, port, max_attempts=2, timeout=0.5)
    notify(config, store, FixedRanker(), now=NOW)
    report = relay(config, store, now=NOW + timedelta(seconds=RETRY_DELAY))
    assert (report.failed, report.maybe_delivered) == (0, 1)
    [row] = store.outbox_rows(["maybe-delivered"])
    assert row.last_error.startswith("may have been delivered: 1 try sent the whole message")
    assert "421" in row.last_error
