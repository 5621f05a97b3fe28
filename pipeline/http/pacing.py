"""Per-host pacing for ``pipeline.http``: requests in flight and the interval between starts.

One ``HostGate`` per host (``host:port``); the client enters it around every single request,
each hop of a redirect included, so a redirect to another host waits for that host's turn and
takes one of that host's slots.
"""

from __future__ import annotations

import threading
import time


class HostGate:
    """Per-host pacing: a semaphore for requests in flight and the next allowed start time."""

    def __init__(self, concurrency: int, interval: float):
        self.slots = threading.BoundedSemaphore(concurrency)
        self.interval = interval
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.in_flight = 0
        self.peak = 0

    def __enter__(self) -> HostGate:
        """Take a slot, then wait until this host's next start time.

        Whatever interrupts the wait (KeyboardInterrupt, a signal handler's exception) gives
        the slot back before it propagates: ``__exit__`` never runs for a failed ``__enter__``.
        """
        self.slots.acquire()
        try:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start)
                self.next_start = start + self.interval
                self.in_flight += 1
                self.peak = max(self.peak, self.in_flight)
            if start > now:
                _pause(start - now)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Give the slot back."""
        with self.lock:
            self.in_flight -= 1
        self.slots.release()


def _pause(seconds: float) -> None:
    """Wait out a host's interval (one name, so a test can see the waits without taking them)."""
    time.sleep(seconds)
