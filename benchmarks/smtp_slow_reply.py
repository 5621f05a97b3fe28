"""Copies per digest when the SMTP server answers the end of DATA later than the client waits.

    python benchmarks/smtp_slow_reply.py [--runs 3] [--timeout 0.5] [--delay 1.5]
                                         [--data-timeout SECONDS]

Starts an SMTP server (aiosmtpd on 127.0.0.1) that keeps every message it receives but answers
the final "." only after ``--delay`` seconds, writes a jobs.yaml (two subscribers, the smtp
transport with ``email.smtp.timeout: --timeout``, ``retry_delay: 1``) in a fresh folder, runs
``pipeline run`` ``--runs`` times, each after the outbox's retry delay has passed, and prints how
many copies of each digest the server received, and each digest's final state. The issue's
numbers (timeout 3 s, reply after 6 s) are scaled down tenfold-ish; the outcome is the same.
``--data-timeout`` sets ``email.smtp.data_timeout`` (how long to wait for the final reply).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email import message_from_bytes
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller

REPO = Path(__file__).resolve().parents[1]


class SlowReply:
    """SMTP handler: records each message as it arrives, answers 250 only after ``delay``."""

    def __init__(self, delay: float):
        self.delay = delay
        self.copies: Counter[str] = Counter()

    async def handle_DATA(self, server, session, envelope):
        self.copies[message_from_bytes(envelope.content)["Message-ID"]] += 1
        await asyncio.sleep(self.delay)
        return "250 OK"


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_setup(folder: Path, port: int, args: argparse.Namespace) -> Path:
    """A jobs.yaml with two postings, two subscribers and the smtp transport to ``port``."""
    (folder / "postings").mkdir()
    (folder / "postings" / "p.jsonl").write_text("\n".join(json.dumps({
        "source_id": f"cm-{n}", "title": "RN Case Manager", "company": f"Employer {n}",
        "url": f"https://jobs.carealerts.test/{n}", "description": "Care coordination and "
        "discharge planning. RN license required."}) for n in range(2)))
    smtp = {"host": "127.0.0.1", "port": port, "security": "none", "timeout": args.timeout}
    if args.data_timeout is not None:
        smtp["data_timeout"] = args.data_timeout
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "profile": {"path": str(REPO / "models" / "care_manager.yaml")},
        "sources": [{"name": "local", "type": "files", "path": "postings"}],
        "subscribers": [{"email": f"s{n}@carealerts.test"} for n in range(2)],
        "matching": {"min_score": 0.0},
        "email": {"transport": "smtp", "retry_backoff": 0, "retry_delay": 1,
                  "unsubscribe_url": "https://alerts.carealerts.test",
                  "unsubscribe_mailto": "unsubscribe@carealerts.test", "smtp": smtp}}))
    return path


def main() -> None:
    """Run the scenario and print copies per digest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=0.5)
    parser.add_argument("--delay", type=float, default=1.5)
    parser.add_argument("--data-timeout", type=float, default=None)
    args = parser.parse_args()
    handler, port = SlowReply(args.delay), free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp)
            config = write_setup(folder, port, args)
            for run in range(args.runs):
                done = subprocess.run([sys.executable, "-m", "pipeline", "run", "--config",
                                       str(config)], cwd=folder, capture_output=True,
                                      text=True)
                print(f"run {run + 1}: exit {done.returncode}")
                time.sleep(2 ** (run + 1) + 0.2)  # retry_delay 1 s, doubling per attempt
            time.sleep(args.delay)  # the server's last, late answers
            with sqlite3.connect(folder / "data" / "jobs.db") as db:
                states = dict(db.execute("SELECT message_id, status FROM outbox"))
    finally:
        controller.stop()
    for message_id, status in sorted(states.items()):
        print(f"{message_id}: {handler.copies[message_id]} copies, {status}")
    print(f"copies per digest over {args.runs} runs: "
          f"{sorted(handler.copies[m] for m in states)}")


if __name__ == "__main__":
    main()
