"""A watchdog that ends a request at its deadline, whatever the connection is waiting for.

A read timeout bounds each wait for the next bytes, not the whole: a server that drips its status
line, its headers or its body a byte at a time never trips it. Within ``watch(at)``, every
connection of this thread that starts reading an answer is shut down when the monotonic clock
reaches ``at``; the blocked read then ends at once, and ``Watch.expired`` tells the caller that
what it read is cut short. ``DeadlineAdapter`` is the requests adapter whose connections do this.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_current = threading.local()


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
