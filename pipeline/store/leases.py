"""Leases: the named locks that keep processes apart (``run``, ``notify``, ``fetch:<source>``,
``job:<job id>``, ``worker:<host>:<pid>``...).

A lease is one row of ``leases``: name, owner id (a uuid per acquisition), host, pid, acquired,
heartbeat and expiry. The holder renews it every ``ttl / 3`` seconds from a daemon thread (one
per store, renewing all it holds). Once ``expires_at`` passes, any process may take it over
with one compare-and-set ``UPDATE``, so exactly one contender wins on SQLite and PostgreSQL
alike. A holder on this machine (same boot
id and pid namespace) whose pid is gone or reused is taken over at once (Linux ``/proc``).

Expiry compares clocks, so machines sharing a PostgreSQL database keep NTP time; ``LEASE_TTL``
leaves a wide margin. ``pipeline unlock`` uses ``holder`` and ``break_lease``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from pipeline.errors import LockedError
from pipeline.store.schema import leases, utcnow

log = logging.getLogger(__name__)

#: Name of the lease that keeps runs, fetches and scheduled jobs from overlapping.
RUN_LOCK = "run"

#: Seconds a lease lasts unless renewed; its holder renews it every third of that.
LEASE_TTL = 90.0

#: Seconds a scheduled job waits for a manual run (or another job) to release the run lock
#: before skipping this time (``pipeline.service.jobs``); fetch limits leave this much slack.
LOCK_WAIT = 300.0

#: Seconds between two tries while waiting for a lease; a tenth of the lease time when that is
#: shorter (a ``schedule.lease_ttl`` of seconds, as the tests set, is waited for in short steps).
_POLL = 2.0


@dataclass
class Holder:
    """Who holds a lease, and until when."""

    name: str
    owner: str
    host: str
    pid: int
    instance: str | None
    acquired_at: datetime
    heartbeat_at: datetime
    expires_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        """True once the holder has stopped renewing for longer than the TTL."""
        return self.expires_at < (now or utcnow())

    def describe(self) -> str:
        """'process 4242 on web-1, since 2026-12-07 01:02 UTC, last heartbeat 01:03:10 UTC'."""
        return (f"process {self.pid} on {self.host}, since {self.acquired_at:%Y-%m-%d %H:%M} "
                f"UTC, last heartbeat {self.heartbeat_at:%H:%M:%S} UTC")


class Heartbeats:
    """One daemon thread renewing every lease a store holds, each every third of its TTL.

    One thread per store, not per lease: a fetch holds a lease per source, and a thread started
    and joined for each cost more than the lease's own queries.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self._held: dict[str, tuple[str, float, float]] = {}  # owner: (name, ttl, next renewal)
        self._lock = threading.Lock()  # held while renewing: ``remove`` waits for a renewal
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, name: str, owner: str, ttl: float) -> None:
        """Renew the lease every ``ttl / 3`` seconds from now on."""
        with self._lock:
            self._held[owner] = (name, ttl, time.monotonic() + ttl / 3)
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, name="leases", daemon=True)
                self._thread.start()
        self._wake.set()

    def remove(self, owner: str) -> str | None:
        """Stop renewing the lease (waiting for a renewal under way); its name, if it was held."""
        with self._lock:
            held = self._held.pop(owner, None)
        return None if held is None else held[0]

    def held(self) -> list[tuple[str, str]]:
        """(name, owner) of every lease renewed here."""
        with self._lock:
            return [(name, owner) for owner, (name, _ttl, _due) in self._held.items()]

    def _beat(self) -> None:
        while True:
            self._wake.clear()  # an ``add`` from now on cuts the wait short
            with self._lock:
                if not self._held:
                    self._thread = None
                    return
                self._renew_due()
                wake = min(due for _name, _ttl, due in self._held.values()) \
                    if self._held else time.monotonic()
            self._wake.wait(max(wake - time.monotonic(), 0.0))

    def _renew_due(self) -> None:
        """Renew the leases whose time has come (with the lock held)."""
        now = time.monotonic()
        for owner, (name, ttl, due) in list(self._held.items()):
            if due > now:
                continue
            self._held[owner] = (name, ttl, now + ttl / 3)
            try:
                if not _renew(self.engine, name, owner, ttl):
                    log.error("lost the %s lock: it expired and another process took it over, "
                              "or `pipeline unlock` released it", name)
                    del self._held[owner]
            except SQLAlchemyError as exc:  # e.g. the database busy: the next beat tries again
                log.warning("could not renew the %s lock (%s); trying again in %.0fs",
                            name, exc.__class__.__name__, ttl / 3)


class LeasesMixin:
    """Lease queries of ``Store``."""

    engine: Engine
    lease_ttl: float = LEASE_TTL

    def acquire_lock(self, name: str, wait: float = 0.0) -> str:
        """Take the named lease and keep renewing it; return its owner id.

        An expired lease is taken over. LockedError saying who holds it when it is still held
        after ``wait`` seconds.
        """
        deadline = time.monotonic() + wait
        while True:
            owner = _take(self.engine, name, self.lease_ttl)
            if owner is not None:
                break
            if time.monotonic() >= deadline:
                raise LockedError(_held_message(self.engine, name))
            time.sleep(min(_POLL, self.lease_ttl / 10,
                           max(deadline - time.monotonic(), 0.01)))
        self._heartbeats().add(name, owner, self.lease_ttl)
        return owner

    def release_lock(self, name: str, owner: str) -> None:
        """Stop renewing the lease and give it back (only if we still hold it)."""
        self._heartbeats().remove(owner)
        with self.engine.begin() as conn:
            conn.execute(delete(leases).where(leases.c.name == name, leases.c.owner == owner))

    @contextmanager
    def holding(self, name: str, wait: float = 0.0) -> Iterator[str]:
        """Hold the named lease for the ``with`` block (released on any exit, Ctrl-C too)."""
        owner = self.acquire_lock(name, wait)
        try:
            yield owner
        finally:
            self.release_lock(name, owner)

    def holder(self, name: str) -> Holder | None:
        """Who holds the named lease (expired or not), or None when nobody does."""
        return _holder(self.engine, name)

    def holders(self) -> list[Holder]:
        """Every lease held, by name."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(leases).order_by(leases.c.name))
            return [Holder(**row._mapping) for row in rows]

    def break_lease(self, name: str, owner: str) -> bool:
        """Release a lease someone else holds, if ``owner`` still holds it; True if released."""
        with self.engine.begin() as conn:
            gone = conn.execute(delete(leases).where(leases.c.name == name,
                                                     leases.c.owner == owner))
        return gone.rowcount == 1

    def release_all_leases(self) -> None:
        """Give back every lease this store still holds (when it is closed)."""
        for name, owner in self._heartbeats().held():
            self.release_lock(name, owner)

    def _heartbeats(self) -> Heartbeats:
        if "_beats" not in self.__dict__:
            self._beats = Heartbeats(self.engine)
        return self._beats


def _take(engine: Engine, name: str, ttl: float) -> str | None:
    """Insert the lease, or take it over if expired; the new owner id, or None if held."""
    owner = uuid.uuid4().hex
    now = utcnow()
    row = {"owner": owner, "host": socket.gethostname(), "pid": os.getpid(),
           "instance": _instance(), "acquired_at": now, "heartbeat_at": now,
           "expires_at": now + timedelta(seconds=ttl)}
    try:
        with engine.begin() as conn:
            conn.execute(insert(leases).values(name=name, **row))
        return owner
    except IntegrityError:
        pass  # held, or left by a holder that stopped renewing
    previous = _holder(engine, name)
    gone = previous is not None and _gone(previous)
    free = leases.c.owner == previous.owner if gone else leases.c.expires_at < now
    with engine.begin() as conn:
        taken = conn.execute(update(leases).where(leases.c.name == name, free)
                             .values(**row)).rowcount
    if taken != 1:
        return None
    if previous is not None:
        why = "that process is gone" if gone else \
            f"it expired at {previous.expires_at:%H:%M:%S} UTC"
        log.warning("took over the %s lock of %s: %s", name, previous.describe(), why)
    return owner


def _instance() -> str | None:
    """This process as 'boot id/pid namespace/start time', or None where /proc cannot say."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}/{os.readlink('/proc/self/ns/pid')}/{_start_time(os.getpid())}"
    except OSError:
        return None


def _start_time(pid: int) -> str:
    """When the process started, in clock ticks since boot (field 22 of /proc/PID/stat)."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat.rsplit(")", 1)[1].split()[19]


def _gone(held: Holder) -> bool:
    """True when the holder is a process of this machine and pid namespace that has ended."""
    mine = _instance()
    if mine is None or not held.instance:
        return False
    if held.instance.rsplit("/", 1)[0] != mine.rsplit("/", 1)[0]:
        return False  # another machine or container: only the expiry can tell
    try:
        return _start_time(held.pid) != held.instance.rsplit("/", 1)[1]
    except FileNotFoundError:
        return True
    except OSError:
        return False


def _renew(engine: Engine, name: str, owner: str, ttl: float) -> bool:
    """Push the lease's expiry ``ttl`` seconds ahead; False if we no longer hold it."""
    now = utcnow()
    with engine.begin() as conn:
        renewed = conn.execute(update(leases)
                               .where(leases.c.name == name, leases.c.owner == owner)
                               .values(heartbeat_at=now,
                                       expires_at=now + timedelta(seconds=ttl))).rowcount
    return renewed == 1


def _holder(engine: Engine, name: str) -> Holder | None:
    with engine.connect() as conn:
        row = conn.execute(select(leases).where(leases.c.name == name)).first()
    return None if row is None else Holder(**row._mapping)


def _held_message(engine: Engine, name: str) -> str:
    """'another run is in progress (process 42 on web-1, since ...); wait for it to finish...'."""
    held = _holder(engine, name)
    who = f" ({held.describe()})" if held is not None else ""
    return (f"another {name} is in progress{who}; wait for it to finish, or if that process is "
            f"gone, run `pipeline unlock {name}` (the lock also frees itself "
            f"{LEASE_TTL:.0f}s after its holder stops)")
