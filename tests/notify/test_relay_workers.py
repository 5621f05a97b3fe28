"""Several relays sharing one outbox (SQLite and PostgreSQL) against one real SMTP server: each
digest is sent by one of them, and a relay process killed mid-send is taken over once its claims
expire, the one message in flight counted as an unknown outcome."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from click.testing import CliRunner
from notify_support import (
    OWN_UNSUBSCRIBE,
    FixedRanker,
    add_subscribers,
    let_claims_lapse,
    make_config,
    open_store,
    posting,
)
from waiting import HANG_GUARD, wait_for
from warm import popen

from pipeline.cli import cli
from pipeline.config import parse_config
from pipeline.errors import ConfigError
from pipeline.notify import relay
from pipeline.notify.queue import queue_due
from pipeline.store import Store
from pipeline.store.schema import utcnow

DIGESTS = 100
#: Digests of the kill test: several claimed batches (``CLAIM_BATCH``) for two relays.
KILL_DIGESTS = 60
#: Claims outlasting any run of these tests (a killed relay's claims lapse by
#: ``let_claims_lapse``, not by waiting for them); SMTP waits long enough that a loaded
#: machine's slow reply never leaves a sent digest's outcome unknown.
EMAIL = {"claim_ttl": 60, "retry_backoff": 0, "retry_delay": 300}
SMTP = {"timeout": 5, "data_timeout": 5}

#: One relay in a process of its own: ready once imported and connected, it starts when the file
#: named by argv[3] appears (so the relays overlap), then prints how many digests it sent.
_RELAY = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from pipeline.config import parse_config
    from pipeline.notify import relay
    from pipeline.store import Store

    config = parse_config(json.loads(sys.argv[2]), base_dir=Path(sys.argv[1]))
    store = Store(config.database_url())
    Path(sys.argv[3] + ".ready." + str(__import__("os").getpid())).touch()
    while not Path(sys.argv[3]).exists():
        time.sleep(0.01)
    print(relay(config, store).sent)
""")


def _settings(port: int, db_url: str) -> dict:
    """The jobs.yaml sections of the relays: ``db_url``, SMTP to ``port``, short claims."""
    return {"database": {"url": db_url},
            "email": {**OWN_UNSUBSCRIBE, "transport": "smtp", **EMAIL,
                      "smtp": {"host": "127.0.0.1", "port": port, "security": "none", **SMTP}}}


def _queued(folder, port, db_url, digests: int = DIGESTS):
    """A store with ``digests`` digests queued (one posting each), and its config."""
    config = parse_config(_settings(port, db_url), base_dir=folder)
    store = open_store(config)
    store.upsert_postings([posting(1)], now=utcnow())
    add_subscribers(store, digests)
    assert queue_due(config, store, FixedRanker(), now=utcnow()).queued == digests
    return config, store


def _start_relays(folder, port, db_url, count: int) -> list[subprocess.Popen]:
    """``count`` relay processes of ``_settings``, started together once all are ready."""
    settings = json.dumps(_settings(port, db_url))
    gate = folder / "go"
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    relays = [popen(["-c", _RELAY, str(folder), settings, str(gate)],  # forked warm
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
              for _ in range(count)]
    _wait_for(lambda: len(list(folder.glob("go.ready.*"))) == count
              or any(r.poll() is not None for r in relays))
    gate.touch()
    return relays


def _finish(relays: list[subprocess.Popen]) -> list[int]:
    """How many digests each relay sent, once they have all ended well."""
    sent = []
    for process in relays:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        sent.append(int(out))
    return sent


def _wait_for(condition, interval: float = 0.02) -> None:
    wait_for(condition, "the relays", interval=interval)


def _relays_at_once(folder, port, db_url, count: int) -> list[int]:
    """``count`` relays of ``_settings`` in threads, each with its own Store, started together
    once all are ready; how many digests each sent."""
    ready = threading.Barrier(count, timeout=HANG_GUARD)

    def one() -> int:
        config = parse_config(_settings(port, db_url), base_dir=folder)
        store = Store(config.database_url())
        ready.wait()
        return relay(config, store).sent

    with ThreadPoolExecutor(count) as pool:
        return [future.result(timeout=120) for future in [pool.submit(one)
                                                          for _ in range(count)]]


def test_three_relays_at_once_send_each_of_100_digests_once(folder, smtp_server, db_url):
    """In threads: the claims in the database keep them apart, not their processes (the
    killed-relay test below runs two relay processes side by side)."""
    recorder, port = smtp_server
    config, store = _queued(folder, port, db_url)
    sent = _relays_at_once(folder, port, db_url, 3)
    counts = Counter(recorder.message_ids())
    assert len(counts) == DIGESTS and set(counts.values()) == {1}  # each received exactly once
    assert sum(sent) == DIGESTS and sum(1 for n in sent if n) >= 2  # the relays shared the work
    assert store.outbox_rows(("pending", "failed")) == []


def _claimer_pid(store, recipient: str) -> int:
    """The pid of the relay that claimed the pending digest to ``recipient``."""
    [row] = [r for r in store.outbox_rows(("pending",)) if r.recipient == recipient]
    return int(row.claimed_by.split(" pid ")[1].split()[0])


def test_a_relay_killed_mid_send_is_taken_over_once_its_claims_expire(
        folder, smtp_server, db_url, monkeypatch):
    recorder, port = smtp_server
    stalled = "s37@example.org"
    recorder.stall = lambda message: stalled in str(message["To"])  # accepted, reply withheld
    config, store = _queued(folder, port, db_url, KILL_DIGESTS)
    relays = _start_relays(folder, port, db_url, 2)  # the one killed, and one going on
    try:
        _wait_for(lambda: stalled in recorder.recipients())
        victim = next(r for r in relays if r.pid == _claimer_pid(store, stalled))
        victim.send_signal(signal.SIGKILL)
        victim.wait()
    finally:
        recorder.released.set()
    _finish([r for r in relays if r is not victim])
    [in_flight] = [m["Message-ID"] for rcpt, m in recorder.messages if rcpt == [stalled]]
    assert len(recorder.messages) < KILL_DIGESTS  # the dead relay's claimed batch is held back

    let_claims_lapse(monkeypatch, store)
    relay(config, store)  # the next relay takes the expired claims over
    counts = Counter(recorder.message_ids())
    assert len(counts) == KILL_DIGESTS and set(counts.values()) == {1}  # all delivered, none twice
    rows = store.outbox_rows(("pending", "failed"))  # only the one in flight at the kill
    assert len(rows) == 1, [(r.recipient, r.unknown_outcomes, r.last_error) for r in rows]
    [waiting] = rows
    assert (waiting.message_id, waiting.unknown_outcomes) == (in_flight, 1)
    assert "stopped before the outcome was recorded" in waiting.last_error
    assert waiting.next_attempt_at > utcnow()  # not resent at once: one more try, later

    relay(config, store, now=waiting.next_attempt_at)  # retry_delay later: that one more try
    assert Counter(recorder.message_ids())[in_flight] == 2  # the one in flight, and only it
    assert len(recorder.messages) == KILL_DIGESTS + 1
    assert store.outbox_rows(("pending", "failed")) == []


def test_outbox_lists_claimed_digests_with_their_worker(folder, db_url):
    config = make_config(folder, None, db_url)
    store = open_store(config)
    store.upsert_postings([posting(1)], now=utcnow())
    add_subscribers(store, 2)
    queue_due(config, store, FixedRanker(), now=utcnow())
    [first] = store.claim_outbox("web-2 pid 4242 #ab12cd34", ttl=600, limit=1, due_by=utcnow())
    assert store.begin_send(first.id, "web-2 pid 4242 #ab12cd34", 600)
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump({"database": {"url": config.database_url()},
                                    "sources": [{"name": "local", "type": "files",
                                                 "path": "postings"}]}))
    shown = CliRunner().invoke(cli, ["outbox", "--config", str(path)])
    assert shown.exit_code == 0, shown.output
    claimed, free = shown.output.split("\n#")
    assert "claimed by web-2 pid 4242 #ab12cd34 until " in claimed
    assert "sending since" in claimed
    assert "claimed" not in free  # the other digest waits for any relay


def test_a_claim_shorter_than_one_try_is_refused_naming_the_key(folder):
    with pytest.raises(ConfigError, match=r"email\.claim_ttl.*not longer than one try may wait "
                       r"\(smtp\.timeout 5 \+ smtp\.data_timeout 600 = 605\)") as caught:
        make_config(folder, 2525, claim_ttl=60)
    assert caught.value.exit_code == 2
    assert parse_config({"email": {"claim_ttl": 60}}, base_dir=folder).email.claim_ttl == 60
