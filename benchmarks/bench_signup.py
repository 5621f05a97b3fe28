"""Benchmark: the sign-up page's limits and cost, against a real server and SMTP server.

    python benchmarks/bench_signup.py [--posts 12] [--per-ip "5 per hour"]

Serves the app on 127.0.0.1 with ``web.signup`` on, then (1) posts ``--posts`` sign-ups of
different addresses from one client, (2) posts the same address ``--posts`` times from fresh
clients (the rate limit set high so only the per-address rule acts), and prints how many were
accepted, refused with 429, and how many confirmation messages reached the SMTP server (aiosmtpd),
with the time per accepted sign-up.
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests
from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.config import parse_config  # noqa: E402
from pipeline.service.web import create_app  # noqa: E402
from pipeline.store import Store  # noqa: E402


class Inbox:
    """SMTP handler that counts messages per recipient."""

    def __init__(self):
        self.to: dict[str, int] = {}

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            self.to[rcpt] = self.to.get(rcpt, 0) + 1
        return "250 OK"


def site(folder: Path, smtp_port: int, per_ip: str) -> str:
    """The app on a real server; its base URL."""
    config = parse_config({
        "database": {"url": f"sqlite:///{folder / 'jobs.db'}"},
        "web": {"signup": {"enabled": True, "per_ip": per_ip}},
        "email": {"unsubscribe_url": "https://alerts.carealerts.test", "transport": "smtp",
                  "unsubscribe_mailto": "unsubscribe@carealerts.test",
                  "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"}}},
        base_dir=folder)
    server = make_server("127.0.0.1", 0, create_app(config, Store(config.database_url())),
                         threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


def sign_up(base: str, email: str) -> int:
    """One sign-up as a browser sends it (fresh cookie jar, CSRF token); the status code."""
    session = requests.Session()
    page = BeautifulSoup(session.get(f"{base}/signup").text, "html.parser")
    data = {f["name"]: f.get("value", "") for f in page.select("form input[type=hidden]")}
    data.update(email=email, frequency="daily", pay_period="year", timezone="UTC")
    return session.post(f"{base}/signup", data=data).status_code


def main() -> None:
    """Run both measurements and print them."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=12)
    parser.add_argument("--per-ip", default="5 per hour")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no access log lines
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    with tempfile.TemporaryDirectory() as folder:
        base = site(Path(folder) / "a", port, args.per_ip)
        started = time.perf_counter()
        codes = [sign_up(base, f"person{n}@example.org") for n in range(args.posts)]
        spent = time.perf_counter() - started
        one = site(Path(folder) / "b", port, "10000 per hour")
        same = [sign_up(one, "same@example.org") for _ in range(args.posts)]
        time.sleep(2)  # the confirmations are sent in the background
    controller.stop()
    print(f"per IP ({args.per_ip}): {args.posts} posts -> {codes.count(200)} accepted, "
          f"{codes.count(429)} refused (429); {spent / args.posts * 1000:.0f} ms per post")
    received = sum(inbox.to.get(f"person{n}@example.org", 0) for n in range(args.posts))
    print(f"confirmations received for them: {received}")
    print(f"one address, {args.posts} sign-ups: {same.count(200)} answered 200, "
          f"{inbox.to.get('same@example.org', 0)} confirmation message(s) received")


if __name__ == "__main__":
    main()
