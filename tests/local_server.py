"""pytest-httpserver's server for tests that start their own: it stops in milliseconds.

``HTTPServer.stop`` waits for werkzeug's serve loop to notice, which polls every 0.5 s by default;
every test that starts and stops a server of its own paid up to half a second for it.
"""

from __future__ import annotations

from pytest_httpserver import HTTPServer

#: How often the serve loop looks whether it was asked to stop.
POLL_INTERVAL = 0.02


class LocalServer(HTTPServer):
    """An ``HTTPServer`` whose ``stop`` returns within ``POLL_INTERVAL``."""

    def thread_target(self) -> None:
        """Serve until stopped, looking for the stop request every ``POLL_INTERVAL``."""
        assert self.server is not None
        self.server.serve_forever(poll_interval=POLL_INTERVAL)
