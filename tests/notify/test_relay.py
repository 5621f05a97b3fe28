"""The outbox relay against a real SMTP server (aiosmtpd on 127.0.0.1): exactly-once delivery."""

from __future__ import annotations

import importlib
import json
import signal
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from click.testing import CliRunner
from notify_support import (
    NOW,
    OWN_UNSUBSCRIBE,
    FixedRanker,
    add_subscribers,
    free_port,
    let_claims_lapse,
    make_config,
    open_store,
    posting,
)
from sqlalchemy import update
from waiting import wait_for
from warm import RANKING_GROUP, popen

from pipeline.cli import cli
from pipeline.config import load_config, parse_config
from pipeline.errors import LockedError
from pipeline.notify import notify, relay
from pipeline.store import Store
from pipeline.store.schema import outbox, utcnow


def _setup(folder, port, subscribers=3, postings=3, database_url=None, **email):
    config = make_config(folder, port, database_url, **email)
    store = open_store(config)
    store.upsert_postings([posting(n) for n in range(postings)], now=NOW)
    add_subscribers(store, subscribers)
    return config, store


def test_digest_is_multipart_with_list_headers(folder, smtp_server):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=1)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert (report.queued, report.sent, report.failed, report.pending) == (1, 1, 0, 0)
    [(rcpt, message)] = recorder.messages
    assert rcpt == ["s0@example.org"]
    assert message.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in message.iter_parts()]
    assert kinds == ["text/plain", "text/html"]
    stored = store.outbox_rows(["sent"])[0]
    assert message["Message-ID"] == stored.message_id
    assert message["Subject"].startswith("3 new Care Manager jobs: RN Case Manager")
    assert message["From"] == "Care Manager job alerts <alerts@example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<https://alerts.carealerts.test/unsubscribe/")
    assert "<mailto:unsubscribe@carealerts.test" in message["List-Unsubscribe"]
    assert message["List-Id"] and message["Date"]


def test_nothing_is_sent_twice_on_a_second_run(folder, smtp_server, db_url):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=2, database_url=db_url)
    notify(config, store, FixedRanker(), now=NOW)
    again = notify(config, store, FixedRanker(), now=NOW + timedelta(hours=1))
    assert again.queued == 0 and len(recorder.messages) == 2
    # A posting first seen after the last digest is new to both subscribers.
    store.upsert_postings([posting(9)], now=NOW + timedelta(hours=2))
    notify(config, store, FixedRanker(), now=NOW + timedelta(hours=2))
    assert len(recorder.messages) == 4
    assert "1 new Care Manager job: RN Case Manager 9" in recorder.messages[-1][1]["Subject"]


def test_server_down_at_start_keeps_digests_queued_then_sends(folder):
    port = free_port()
    config, store = _setup(folder, port, subscribers=3)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert (report.queued, report.sent, report.pending) == (3, 0, 3)
    assert any("cannot connect" in line for line in report.lines)
    from aiosmtpd.controller import Controller
    from notify_support import Recorder
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert relay(config, store, now=NOW).sent == 0  # backing off: not due yet
        later = relay(config, store, now=NOW + timedelta(hours=1))
    finally:
        controller.stop()
    assert later.sent == 3 and later.pending == 0
    assert sorted(recorder.recipients()) == [f"s{i}@example.org" for i in range(3)]


def test_connection_dropped_after_a_message_resumes_and_that_one_waits(folder, smtp_server):
    """The third message went out whole before the drop: it may have arrived, so the run
    reconnects for the others and that one waits ``retry_delay`` for its one more try."""
    recorder, port = smtp_server
    recorder.drop_after = 2
    config, store = _setup(folder, port, subscribers=5)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert (report.sent, report.pending) == (4, 1)
    assert sorted(recorder.recipients()) == [f"s{i}@example.org" for i in (0, 1, 3, 4)]
    assert any("s2@example.org: outcome unknown" in line for line in report.lines)
    assert relay(config, store, now=NOW + timedelta(seconds=59)).sent == 0
    later = relay(config, store, now=NOW + timedelta(seconds=60))
    assert (later.sent, later.pending) == (1, 0)
    assert sorted(recorder.recipients()) == [f"s{i}@example.org" for i in range(5)]
    assert len(set(recorder.message_ids())) == 5


def test_421_then_success_reuses_the_message_id(folder, smtp_server):
    recorder, port = smtp_server
    recorder.busy = 1
    config, store = _setup(folder, port, subscribers=1)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert report.sent == 1 and len(recorder.messages) == 1
    assert recorder.message_ids() == [store.outbox_rows(["sent"])[0].message_id]


def test_421_beyond_in_run_retries_is_retried_on_a_later_run(folder, smtp_server):
    recorder, port = smtp_server
    recorder.busy = 3  # send_retries=2: three tries in this run, all answered 421
    config, store = _setup(folder, port, subscribers=1)
    first = notify(config, store, FixedRanker(), now=NOW)
    assert (first.sent, first.pending) == (0, 1)
    [row] = store.outbox_rows(["pending"])
    assert "421" in row.last_error and row.attempts == 1
    second = relay(config, store, now=NOW + timedelta(hours=1))
    assert second.sent == 1
    assert recorder.message_ids() == [row.message_id]


def test_550_for_one_recipient_marks_it_failed_and_sends_the_rest(folder, smtp_server):
    recorder, port = smtp_server
    recorder.refuse = {"s1@example.org"}
    config, store = _setup(folder, port, subscribers=3)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert (report.sent, report.failed, report.pending) == (2, 1, 0)
    assert any("s1@example.org: FAILED" in line and "550" in line for line in report.lines)
    [failed] = store.outbox_rows(["failed"])
    assert failed.recipient == "s1@example.org" and "550" in failed.last_error
    assert sorted(recorder.recipients()) == ["s0@example.org", "s2@example.org"]


def test_unsubscribe_midway_stops_the_pending_digest(folder, smtp_server):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=3)
    leaving = store.get_subscriber("s2@example.org")
    recorder.on_message = lambda _m: open_store(config).unsubscribe(leaving.id)
    report = notify(config, store, FixedRanker(), now=NOW)
    assert sorted(recorder.recipients()) == ["s0@example.org", "s1@example.org"]
    assert report.sent == 2
    store.upsert_postings([posting(7)], now=NOW)
    notify(config, store, FixedRanker(), now=NOW + timedelta(hours=1))
    assert "s2@example.org" not in recorder.recipients()


def test_posting_closed_between_queueing_and_sending_is_left_out(folder, smtp_server):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=1, postings=2)
    notify(config, store, FixedRanker(), now=NOW, dry_run=True)
    from pipeline.notify.queue import queue_due
    queue_due(config, store, FixedRanker(), now=NOW)
    store.close_missing("test", ["p0"], now=NOW)  # p1 left its board
    assert relay(config, store, now=NOW).sent == 1
    [(_rcpt, message)] = recorder.messages
    text = message.get_body(("plain",)).get_content()
    assert "RN Case Manager 0" in text and "RN Case Manager 1" not in text
    assert message["Subject"] == "1 new Care Manager job: RN Case Manager 0 at Employer 0"
    subscriber = store.get_subscriber("s0@example.org")
    assert store.sent_posting_ids(subscriber.id) == {store.open_postings()[0].id}


def test_digest_whose_postings_all_closed_is_not_sent(folder, smtp_server):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=1, postings=1)
    from pipeline.notify.queue import queue_due
    queue_due(config, store, FixedRanker(), now=NOW)
    store.close_missing("test", [], now=NOW)
    report = relay(config, store, now=NOW)
    assert report.sent == 0 and report.cancelled == 1 and recorder.messages == []


def _queue_and_change_while_rendering(config, store, monkeypatch, change) -> None:
    """Queue the due digests, then make the relay call ``change(items, name)`` as it renders
    each digest (the moment between reading a claimed batch and handing a message over)."""
    from pipeline.notify.queue import queue_due
    queue_due(config, store, FixedRanker(), now=NOW)
    relay_module = importlib.import_module("pipeline.notify.relay")  # not the function relay
    render = relay_module.render_digest

    def render_and_change(items, **kwargs):
        change(items, kwargs["name"])
        return render(items, **kwargs)

    monkeypatch.setattr(relay_module, "render_digest", render_and_change)


def test_changes_after_the_batch_was_read_still_stop_or_trim_a_digest(folder, smtp_server,
                                                                      db_url, monkeypatch):
    """s0 pauses while their digest is being composed, s2 while s1's is on the wire, and a
    posting of s3's closes while s3's is composed: s0 and s2 get nothing, s3 gets the rest."""
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=4, postings=2, database_url=db_url)

    def pause_or_close(items, name):
        """Its subscriber pauses, or one of its postings closes, while a digest is rendered."""
        if name == "Sub 0":
            open_store(config).set_paused("s0@example.org", True)
        if name == "Sub 3" and len(items) == 2:
            open_store(config).close_missing("test", ["p0"], now=NOW)

    _queue_and_change_while_rendering(config, store, monkeypatch, pause_or_close)
    recorder.on_message = lambda _m: open_store(config).set_paused("s2@example.org", True)
    report = relay(config, store, now=NOW)
    assert recorder.recipients() == ["s1@example.org", "s3@example.org"]
    texts = [message.get_body(("plain",)).get_content() for _rcpt, message in recorder.messages]
    assert "RN Case Manager 1" in texts[0]
    assert "RN Case Manager 0" in texts[1] and "RN Case Manager 1" not in texts[1]
    assert report.sent == 2 and report.cancelled == 2
    assert [line for line in report.lines if "cancelled" in line] == [
        "s0@example.org: digest cancelled (paused)", "s2@example.org: digest cancelled (paused)"]
    assert store.outbox_rows(["pending"]) == []


def test_a_relay_whose_claim_was_taken_over_leaves_the_row_to_its_new_claimer(
        folder, smtp_server, db_url, monkeypatch):
    """While s0's digest is composed, s0 pauses and another relay takes the (expired) claim
    over: this relay sends nothing and cancels nothing; the row and its postings stay with the
    relay that now claims it."""
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=1, postings=2, database_url=db_url)

    def pause_and_take_over(_items, _name):
        """The subscriber pauses and another relay claims the row while it is rendered."""
        other = open_store(config)
        other.set_paused("s0@example.org", True)
        with other.engine.begin() as conn:
            conn.execute(update(outbox).values(claimed_by="other relay",
                                               claimed_until=utcnow() + timedelta(minutes=5)))

    _queue_and_change_while_rendering(config, store, monkeypatch, pause_and_take_over)
    report = relay(config, store, now=NOW)
    assert recorder.messages == []
    assert report.cancelled == 0
    [row] = store.outbox_rows(["pending"])
    assert row.claimed_by == "other relay"
    assert len(store.sent_posting_ids(row.subscriber_id)) == 2  # still this digest's postings


#: Short SMTP waits, and claims outlasting any run of the test (a killed relay's claims lapse by
#: ``let_claims_lapse``, not by waiting for them).
SHORT_CLAIMS = {"claim_ttl": 60, "smtp": {"timeout": 3, "data_timeout": 3}}


def _relay_settings(folder, port, database_url=None) -> dict:
    """The jobs.yaml sections of a relay run on ``database_url`` (else ``folder``'s SQLite
    file), sending to ``port``."""
    return {"database": {"url": database_url or f"sqlite:///{folder / 'jobs.db'}"},
            "email": {"transport": "smtp", "retry_backoff": 0, "unsubscribe_mailto": None,
                      "unsubscribe_url": "https://alerts.carealerts.test",
                      "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}}


class NothingNew:
    """A ranker that finds nothing new: a relay run sends only what is already queued."""

    def rank(self, postings, **kwargs):
        """No matches."""
        return []


def _relay_here(folder, port, database_url=None):
    """`notify` of ``_relay_settings`` with nothing new to queue: it sends the outbox; its
    report."""
    config = parse_config(_relay_settings(folder, port, database_url), base_dir=folder)
    return notify(config, Store(config.database_url()), NothingNew())


def _wait_for(condition) -> None:
    wait_for(condition, "the server to hold a message, or the sender to exit")


class HoldAfter:
    """``on_message`` hook: from the ``n``-th accepted message on, the server holds its reply
    until ``release`` (the client is then waiting: that message is "in flight")."""

    def __init__(self, recorder, n: int):
        import threading

        self.recorder, self.n, self.gate = recorder, n, threading.Event()

    def __call__(self, _message) -> None:
        if len(self.recorder.messages) >= self.n:
            self.gate.wait(60)

    def release(self) -> None:
        """Let the server answer again."""
        self.gate.set()


def _kill_mid_batch(process, recorder, hold: HoldAfter) -> None:
    """Wait until the server holds the n-th message, then kill -9 the sender."""
    try:
        _wait_for(lambda: len(recorder.messages) >= hold.n or process.poll() is not None)
        assert process.poll() is None, process.communicate()
        process.send_signal(signal.SIGKILL)
        process.wait()
    finally:
        hold.release()


def test_two_runs_at_once_share_the_outbox_and_deliver_each_digest_once(
        folder, smtp_server, db_url):
    recorder, port = smtp_server
    recorder.stall = lambda message: len(recorder.messages) == 1  # the first relay's first
    config, store = _setup(folder, port, subscribers=30, postings=1, database_url=db_url)
    from pipeline.notify.queue import queue_due
    queue_due(config, store, FixedRanker(), now=utcnow())
    # The first run in a thread: what keeps the two apart is their claims in the database
    # (each opens its own Store, each relay is named apart), not the process they run in.
    with ThreadPoolExecutor(1) as pool:
        first = pool.submit(_relay_here, folder, port, db_url)
        try:
            _wait_for(lambda: len(recorder.messages) >= 1 or first.done())
            assert not first.done(), first.result()
            second = _relay_here(folder, port, db_url)  # while the first waits
        finally:
            recorder.released.set()
        first_sent = first.result(timeout=60).sent
    assert (first_sent, second.sent) == (10, 20)  # its claimed batch; the rest
    assert len(recorder.message_ids()) == len(set(recorder.message_ids())) == 30
    assert sorted(recorder.recipients()) == sorted(f"s{i}@example.org" for i in range(30))


def test_notify_refuses_while_another_holds_the_lock(folder):
    config, store = _setup(folder, None, subscribers=1)
    owner = store.acquire_lock("notify")
    try:
        with pytest.raises(LockedError, match="another notify is in progress"):
            notify(config, store, FixedRanker(), now=NOW)
    finally:
        store.release_lock("notify", owner)


@pytest.mark.parametrize("leave, come_back", [("pause", "resume"), ("unsubscribe", "undo")])
def test_a_digest_dropped_by_pause_or_unsubscribe_is_still_new_after_coming_back(
        folder, smtp_server, leave, come_back):
    recorder, port = smtp_server
    config, store = _setup(folder, port, subscribers=1, postings=2)
    sub = store.get_subscriber("s0@example.org")
    from pipeline.notify.queue import queue_due
    assert queue_due(config, store, FixedRanker(), now=NOW).queued == 1
    if leave == "pause":
        store.set_paused(sub.email, True)  # the relay then drops the pending digest
        assert relay(config, store, now=NOW).cancelled == 1
        store.set_paused(sub.email, False)
    else:
        store.unsubscribe(sub.id)  # cancels the pending digest at once
        store.resubscribe(sub.id)
    assert recorder.messages == [] and store.sent_posting_ids(sub.id) == set()
    report = notify(config, store, FixedRanker(), now=NOW + timedelta(hours=1))
    assert report.sent == 1, report.lines
    [(_rcpt, message)] = recorder.messages
    assert message["Subject"].startswith("2 new Care Manager jobs"), come_back


def test_a_server_coming_up_during_the_in_run_backoff_gets_the_batch_in_this_run(folder):
    port = free_port()
    config, store = _setup(folder, port, subscribers=3, retry_backoff=1)
    from aiosmtpd.controller import Controller
    from notify_support import Recorder

    from pipeline.notify.queue import queue_due
    queue_due(config, store, FixedRanker(), now=NOW)
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    waits = []

    def server_starts_while_we_wait(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            controller.start()

    try:
        report = relay(config, store, now=NOW, sleep=server_starts_while_we_wait)
    finally:
        controller.stop()
    assert waits == [1]  # refused once, waited retry_backoff, then the server answered
    assert (report.sent, report.pending) == (3, 0)
    assert sorted(recorder.recipients()) == [f"s{i}@example.org" for i in range(3)]


def _jobs_yaml(folder, port: int, subscribers: int):
    """A jobs.yaml: four care-management postings, ``subscribers`` instant subscribers, SMTP."""
    from pathlib import Path

    import yaml

    (folder / "postings").mkdir()
    (folder / "postings" / "p.jsonl").write_text("\n".join(json.dumps({
        "source_id": f"cm-{n}", "title": "RN Case Manager", "company": f"Employer {n}",
        "url": f"https://jobs.example/{n}", "description": "Care coordination, discharge "
        "planning and utilization review. RN license required."}) for n in range(4)))
    profile = Path(__file__).resolve().parents[2] / "models" / "care_manager.yaml"
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "profile": {"path": str(profile)},
        "sources": [{"name": "local", "type": "files", "path": "postings"}],
        "subscribers": [{"email": f"s{n}@example.org"} for n in range(subscribers)],
        "matching": {"min_score": 0.0},
        "email": {"transport": "smtp", "retry_backoff": 0, **OWN_UNSUBSCRIBE,
                  "claim_ttl": SHORT_CLAIMS["claim_ttl"],
                  "smtp": {"host": "127.0.0.1", "port": port, "security": "none",
                           **SHORT_CLAIMS["smtp"]}}}))
    return path


@pytest.mark.xdist_group(RANKING_GROUP)
def test_pipeline_run_killed_mid_batch_then_run_again_delivers_each_digest_once(
        folder, smtp_server, monkeypatch):
    recorder, port = smtp_server
    recorder.on_message = hold = HoldAfter(recorder, 3)
    path = _jobs_yaml(folder, port, subscribers=12)
    command = ["-m", "pipeline", "run", "--config", str(path)]
    first = popen(command, cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                  text=True, ranking=True)  # forked warm, ranking libraries loaded: tests/warm.py
    _kill_mid_batch(first, recorder, hold)  # the whole CLI, its locks held
    assert len(recorder.messages) == 3
    in_flight = recorder.message_ids()[2]
    store = Store(load_config(path).database_url())
    let_claims_lapse(monkeypatch, store)  # the killed run's batch is taken over after that
    again = CliRunner().invoke(cli, command[2:])  # in-process: only the killed run needs its own
    assert again.exit_code == 0, again.output
    assert sorted(set(recorder.recipients())) == sorted(f"s{n}@example.org" for n in range(12))
    assert len(recorder.messages) == len(set(recorder.message_ids())) == 12  # none lost, no copy
    [waiting] = store.outbox_rows(["pending", "failed"])  # in flight at the kill: one more try
    assert (waiting.message_id, waiting.unknown_outcomes) == (in_flight, 1)
