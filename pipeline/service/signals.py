"""The signals of `pipeline schedule`, caught from the command's first moment.

SIGTERM and SIGINT ask the service to stop once running jobs finish; SIGHUP asks it to reload
jobs.yaml. They are caught before anything slow (loading the config, opening the database,
building the scheduler), so a signal that comes while the service starts is kept and acted on
once it runs, instead of killing it. This module imports nothing heavy for that reason.

A handler runs in the main thread between two of its steps, possibly while that thread holds a
lock, so it takes none: it notes the request in a plain attribute and writes one byte to a pipe
(the self-pipe pattern). The service loop waits on the pipe, so it acts on a signal at once.
"""

from __future__ import annotations

import logging
import os
import select
import signal

log = logging.getLogger(__name__)


class ServiceSignals:
    """What the service's signals asked for (``stopping``, a pending hang-up) and the pipe
    that wakes the service loop when one comes."""

    def __init__(self):
        self.stop_signal: str | None = None
        self._hangup = False
        self._read, self._write = os.pipe()
        for fd in (self._read, self._write):
            os.set_blocking(fd, False)
        self._previous: dict[int, object] = {}

    @property
    def stopping(self) -> bool:
        """True once a stop was asked for."""
        return self.stop_signal is not None

    def catch(self) -> ServiceSignals:
        """Install the handlers (from the main thread); the previous ones are kept."""
        handlers = {signal.SIGTERM: self._on_stop, signal.SIGINT: self._on_stop}
        if hasattr(signal, "SIGHUP"):
            handlers[signal.SIGHUP] = self._on_hangup
        for sig, handler in handlers.items():
            self._previous[sig] = signal.signal(sig, handler)
        return self

    def restore(self) -> None:
        """Put back the handlers there were before ``catch``."""
        while self._previous:
            sig, handler = self._previous.popitem()
            signal.signal(sig, handler)

    def stop(self, name: str = "a stop request") -> None:
        """Ask the service to stop once running jobs finish (what SIGTERM and SIGINT do)."""
        self.stop_signal = name
        self._wake()

    def hang_up(self) -> None:
        """Ask the service to reload jobs.yaml at once (what SIGHUP does)."""
        self._hangup = True
        self._wake()

    def take_hangup(self) -> bool:
        """True once for each reload asked for since the last call."""
        asked, self._hangup = self._hangup, False
        return asked

    def wait(self, timeout: float) -> None:
        """Sleep until a signal comes or ``timeout`` seconds pass."""
        if not self.stopping and not self._hangup:
            select.select([self._read], [], [], timeout)
        try:
            while os.read(self._read, 512):
                pass
        except BlockingIOError:
            pass

    def _wake(self) -> None:
        try:
            os.write(self._write, b"\0")
        except BlockingIOError:  # the pipe is full: the loop is already due to wake
            pass

    def _on_stop(self, signum, _frame) -> None:
        self.stop(signal.Signals(signum).name)

    def _on_hangup(self, _signum, _frame) -> None:
        self.hang_up()
