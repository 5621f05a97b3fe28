"""A local server whose every answer trickles its body a byte at a time, for deadline tests."""

from __future__ import annotations

import socket
import threading


class Trickle:
    """Listens on 127.0.0.1; answers each request with ``status`` and a ``length``-byte body sent
    one byte every ``interval`` seconds, until the client hangs up. ``served`` counts requests.
    ``in_headers``: the bytes are dripped into an endless header instead, before any body."""

    def __init__(self, status: int = 503, length: int = 100_000, interval: float = 0.02,
                 in_headers: bool = False):
        self.status, self.length, self.interval = status, length, interval
        self.in_headers = in_headers
        self.served = 0
        self._stop = threading.Event()
        self._listener = socket.socket()
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen()
        self._listener.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        """The URL of ``/jobs`` on this server."""
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/jobs"

    def __enter__(self) -> Trickle:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            self.served += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(f"HTTP/1.1 {self.status} Slow\r\nContent-Length: {self.length}\r\n"
                             "Content-Type: text/plain\r\n".encode())
                conn.sendall(b"X-Slow: " if self.in_headers else b"\r\n")
                for _ in range(self.length):
                    if self._stop.wait(self.interval):
                        return
                    conn.sendall(b"x")
            except OSError:
                return  # the client gave up, at any point of the answer
