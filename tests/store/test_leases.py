"""Leases on a real SQLite file and on PostgreSQL: taken over once expired, never while renewed,
one winner."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select
from warm import popen

from pipeline.errors import LockedError
from pipeline.store import Store
from pipeline.store.schema import leases, utcnow


@pytest.fixture
def url(db_url) -> str:
    """A fresh database on each backend (``db_url`` in tests/conftest.py)."""
    return db_url


def crashed_holder(store: Store, name: str = "run", *, ago: float = 600.0) -> None:
    """The row a holder leaves when it dies: last renewed ``ago`` seconds back, long expired."""
    then = utcnow() - timedelta(seconds=ago)
    with store.engine.begin() as conn:
        conn.execute(insert(leases).values(
            name=name, owner="dead0000", host="container-1f3a", pid=1, acquired_at=then,
            heartbeat_at=then, expires_at=then + timedelta(seconds=store.lease_ttl)))


def test_an_expired_lease_of_a_crashed_holder_is_taken_over(url):
    with Store(url) as store:
        crashed_holder(store)
        owner = store.acquire_lock("run")
        held = store.holder("run")
        assert held.owner == owner and held.owner != "dead0000"
        assert not held.expired()
        store.release_lock("run", owner)
        assert store.holder("run") is None


def test_a_lease_not_yet_expired_is_refused_naming_its_holder(url):
    with Store(url) as store:
        crashed_holder(store, ago=1.0)  # stopped a second ago: it may still be alive
        with pytest.raises(LockedError, match=r"another run is in progress \(process 1 on "
                                              r"container-1f3a.*pipeline unlock run"):
            store.acquire_lock("run")


def test_a_live_holder_renewing_is_never_taken_over_past_its_ttl(url):
    holder, contender = Store(url), Store(url)
    holder.lease_ttl = contender.lease_ttl = 0.5
    owner = holder.acquire_lock("run")
    started = holder.holder("run").acquired_at
    deadline = time.monotonic() + 60  # a hang guard: renewals are every ttl / 3
    try:
        while holder.holder("run").heartbeat_at < started + timedelta(seconds=2.0):
            with pytest.raises(LockedError):  # 4 TTLs and more: still the holder's
                contender.acquire_lock("run")
            assert time.monotonic() < deadline, "the holder never renewed its lease"
            time.sleep(0.05)
        assert holder.holder("run").owner == owner
    finally:
        holder.release_lock("run", owner)
    contender.release_lock("run", contender.acquire_lock("run"))  # free once released
    holder.close()
    contender.close()


def race(stores: list[Store]) -> list[str]:
    """Every store tries for the run lease at once; the owner ids of those that got it.

    A winner holds it until every contender has tried, then gives it back.
    """
    start, tried = threading.Barrier(len(stores)), threading.Barrier(len(stores))
    won: list[str] = []

    def contend(store: Store) -> None:
        start.wait()
        try:
            owner = store.acquire_lock("run")
        except LockedError:
            tried.wait()
            return
        won.append(owner)
        tried.wait()
        store.release_lock("run", owner)

    threads = [threading.Thread(target=contend, args=(s,)) for s in stores]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return won


def test_of_contenders_racing_for_an_expired_lease_exactly_one_wins(url):
    stores = [Store(url) for _ in range(6)]  # one engine each, like separate processes
    for attempt in range(3):
        crashed_holder(stores[0])
        won = race(stores)
        assert len(won) == 1, f"attempt {attempt}: {len(won)} winners"
        with stores[0].engine.connect() as conn:
            assert conn.execute(select(leases)).all() == []  # the winner gave it back
    for store in stores:
        store.close()


def test_a_lease_released_by_an_operator_is_not_renewed_back(url, caplog):
    with Store(url) as store:
        store.lease_ttl = 0.3
        owner = store.acquire_lock("run")
        assert store.break_lease("run", owner)
        deadline = time.monotonic() + 30
        while "lost the run lock" not in caplog.text:
            assert time.monotonic() < deadline, "the holder never noticed"
            time.sleep(0.05)
        assert store.holder("run") is None
        store.release_lock("run", owner)


HOLD = """
import sys, time
from pipeline.store import Store
store = Store(sys.argv[1])
store.acquire_lock("run")
print("held", flush=True)
time.sleep(600)
"""


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc to see the pid")
def test_a_holder_killed_on_this_machine_is_taken_over_at_once(url):
    Store(url).close()
    holder = popen(["-c", HOLD, url], stdout=subprocess.PIPE, text=True)  # forked warm
    try:
        assert holder.stdout.readline().strip() == "held"
        with Store(url) as store:
            with pytest.raises(LockedError):  # alive: refused
                store.acquire_lock("run")
            holder.kill()  # kill -9: nothing released, the lease is 90 s from expiring
            holder.wait(30)
            owner = store.acquire_lock("run")
            assert store.holder("run").pid == os.getpid()
            store.release_lock("run", owner)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait(30)
