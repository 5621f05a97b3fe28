"""What one request may spend (``Budget``): a deadline for everything it reads, and a size cap
on every body (``read_capped``), for ``pipeline.http``.

A read timeout bounds each wait for the next bytes, not the whole: a server that drips its status
line, its headers or its body a byte at a time never trips it. Within ``watch(at)``, every
connection of this thread that starts reading an answer is shut down when the monotonic clock
reaches ``at``; the blocked read then ends at once, and ``Watch.expired`` tells the caller that
what it read is cut short (``late``). ``DeadlineAdapter`` is the requests adapter whose
connections do this.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from pipeline.errors import FetchError

CHUNK_BYTES = 64 * 1024
_current = threading.local()


@dataclass
class Budget:
    """What one request may spend: a deadline ``seconds`` after its first hop is sent (a server
    that drips a byte at a time never trips the read timeout) and ``cap`` bytes per body."""

    seconds: float
    cap: int
    deadline: float | None = None

    def start(self) -> None:
        """Start the clock, once: when the request's first hop is sent."""
        if self.deadline is None:
            self.deadline = time.monotonic() + self.seconds

    def left(self) -> float:
        """Seconds left before the deadline (negative once it has passed)."""
        self.start()
        return self.deadline - time.monotonic()


@dataclass
class Watch:
    """The deadline of one request in this thread, and whether a connection was cut at it."""

    at: float
    expired: bool = False
    timers: list[threading.Timer] = field(default_factory=list)

    def guard(self, sock: socket.socket | None) -> None:
        """Shut ``sock`` down when the deadline comes (at once when it has passed)."""
        if sock is None:
            return
        timer = threading.Timer(max(0.0, self.at - time.monotonic()), self._cut, (sock,))
        timer.daemon = True
        self.timers.append(timer)
        timer.start()

    def _cut(self, sock: socket.socket) -> None:
        self.expired = True
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # already closed: nothing left to stop


@contextmanager
def watch(at: float) -> Iterator[Watch]:
    """Within: this thread's connections stop reading at monotonic time ``at``."""
    current = Watch(at)
    _current.watch = current
    try:
        yield current
    finally:
        _current.watch = None
        for timer in current.timers:
            timer.cancel()


class _Watched:
    """Connection mixin: reading an answer starts the current watch's timer on the socket."""

    sock: socket.socket | None

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        """The answer, as urllib3 reads it, under the watchdog of this thread's request."""
        current = getattr(_current, "watch", None)
        if current is not None:
            current.guard(self.sock)
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _HTTPConnection(_Watched, HTTPConnection):
    pass


class _HTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """A requests adapter whose connections are cut at the deadline of ``watch``."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """The usual pool manager, making pools of watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def late(url: str, budget: Budget, source: str | None) -> FetchError:
    """The error of an answer still arriving when the request's deadline came."""
    return FetchError(f"{url}: answer still arriving at the {budget.seconds:g}-s request "
                      "deadline; stopped reading", source=source)


def read_capped(response: requests.Response, source: str | None, budget: Budget,
                 watched: Watch) -> bytes:
    """Read the body in pieces; FetchError as soon as it passes the cap or the deadline."""
    cap, status = budget.cap, response.status_code
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FetchError(f"{response.url}: HTTP {status} body of {declared} bytes is over the "
                         f"{cap}-byte limit", source=source)
    chunks, size = [], 0
    try:
        for chunk in _arriving(response):
            size += len(chunk)
            if size > cap:
                raise FetchError(f"{response.url}: HTTP {status} body is over the {cap}-byte "
                                 "limit; stopped reading", source=source)
            if budget.left() < 0:
                raise _slow_body(response, size, budget, source)
            chunks.append(chunk)
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        if watched.expired:  # the watchdog cut the connection while a read waited
            raise _slow_body(response, size, budget, source) from exc
        raise
    if watched.expired:
        raise _slow_body(response, size, budget, source)
    return b"".join(chunks)


def _slow_body(response: requests.Response, size: int, budget: Budget,
               source: str | None) -> FetchError:
    """The error of a body still arriving when the request's deadline came."""
    return FetchError(f"{response.url}: HTTP {response.status_code} body still arriving at the "
                      f"{budget.seconds:g}-s request deadline ({size} bytes); stopped reading",
                      source=source)


def _arriving(response: requests.Response) -> Iterator[bytes]:
    """The decoded body in pieces as they arrive (``read1``: no waiting for a full chunk, so the
    caller can check its deadline even while a server drips bytes)."""
    while True:
        piece = response.raw.read1(CHUNK_BYTES, decode_content=True)
        if not piece:
            return
        yield piece
