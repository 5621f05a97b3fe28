"""A request handler for local test servers that counts how many requests it serves at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from werkzeug import Request, Response


class InFlight:
    """Wraps a reply in a handler that holds each request ``delay`` seconds and records the most
    requests it was serving at the same time (``most``): what a per-host limit must bound."""

    def __init__(self, delay: float):
        self.delay = delay
        self.most = 0
        self._now = 0
        self._lock = threading.Lock()

    def handler(self, reply: Callable[[Request], Response]) -> Callable[[Request], Response]:
        """A handler for ``respond_with_handler`` that counts, waits, then gives ``reply``."""
        def counted(request: Request) -> Response:
            with self._lock:
                self._now += 1
                self.most = max(self.most, self._now)
            time.sleep(self.delay)
            with self._lock:
                self._now -= 1
            return reply(request)
        return counted
