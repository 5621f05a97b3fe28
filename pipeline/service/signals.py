"""The signals of `pipeline schedule`, caught from the command's first moment.

SIGTERM and SIGINT ask the service to stop once running jobs finish; SIGHUP asks it to reload
jobs.yaml. They are caught before anything slow (loading the config, opening the database,
building the scheduler), so a signal that comes while the service starts is kept and acted on
once it runs, instead of killing it. This module imports nothing heavy for that reason.
"""

from __future__ import annotations

import logging
import signal
import threading

log = logging.getLogger(__name__)


class ServiceSignals:
    """Events set by the service's signals: ``stopping`` and ``hangup``, and ``woken`` by
    either (what the service loop waits on, so it acts on a signal at once)."""

    def __init__(self):
        self.stopping = threading.Event()
        self.hangup = threading.Event()
        self.woken = threading.Event()
        self._previous: dict[int, object] = {}

    def catch(self) -> ServiceSignals:
        """Install the handlers (from the main thread); the previous ones are kept."""
        handlers = {signal.SIGTERM: self._stop, signal.SIGINT: self._stop}
        if hasattr(signal, "SIGHUP"):
            handlers[signal.SIGHUP] = self._hangup
        for sig, handler in handlers.items():
            self._previous[sig] = signal.signal(sig, handler)
        return self

    def restore(self) -> None:
        """Put back the handlers there were before ``catch``."""
        while self._previous:
            sig, handler = self._previous.popitem()
            signal.signal(sig, handler)

    def _stop(self, signum, _frame) -> None:
        log.info("received %s: stopping once running jobs finish", signal.Signals(signum).name)
        self.stopping.set()
        self.woken.set()

    def _hangup(self, _signum, _frame) -> None:
        self.hangup.set()
        self.woken.set()
