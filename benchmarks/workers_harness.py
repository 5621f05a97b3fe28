"""The parts ``bench_workers.py`` runs workers against: boards, a mail server, databases, configs.

    BoardServer      200 Greenhouse boards on 127.0.0.1, each answering after ``latency`` seconds,
                     counting requests per board (the repository's own Greenhouse fixture body,
                     with each board's job ids and company made its own)
    MailCounter      an aiosmtpd server on 127.0.0.1 counting messages per Message-ID
    Databases        fresh PostgreSQL databases made from one seeded template
    write_config     the jobs.yaml each worker reads (one folder per worker, as on a machine)
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from email.parser import BytesHeaderParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from pipeline.config import SubscriberConfig, parse_config
from pipeline.match import Explanation, Match
from pipeline.notify.queue import queue_digest
from pipeline.posting import Posting
from pipeline.store import Store

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "fixtures" / "sources" / "greenhouse" / "jobs.json"
SENDER = "Care Manager job alerts <alerts@carealerts.test>"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bare(message_id: str) -> str:
    """A Message-ID without blanks and angle brackets, as both sides are compared."""
    return message_id.strip().strip("<>")


def board_body(board: str) -> bytes:
    """The Greenhouse fixture as one board's answer: its own job ids and employer name."""
    data = json.loads(FIXTURE.read_text(encoding="utf-8"))
    for job in data["jobs"]:
        job["id"] = int(f"{int(board.removeprefix('board')) + 1}{job['id']}")
        job["company_name"] = f"Employer {board}"
    return json.dumps(data).encode()


class BoardServer:
    """``/boards/<name>/jobs``: a Greenhouse board, after ``latency`` seconds; counts requests."""

    def __init__(self, boards: int, latency: float):
        self.names = [f"board{n:04d}" for n in range(boards)]
        bodies = {name: board_body(name) for name in self.names}
        self.requests: Counter[str] = Counter()
        lock = threading.Lock()
        requests = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server API
                parts = self.path.split("?")[0].strip("/").split("/")
                body = bodies.get(parts[1]) if len(parts) == 3 and parts[0] == "boards" else None
                if body is not None:
                    with lock:
                        requests[parts[1]] += 1
                    time.sleep(latency)
                self.send_response(200 if body is not None else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def reset(self) -> None:
        """Forget the counts (a new scenario begins)."""
        self.requests.clear()

    def stop(self) -> None:
        """Stop serving."""
        self.server.shutdown()


class _Handler:
    """aiosmtpd handler: counts each message by its Message-ID header."""

    def __init__(self):
        self.by_id: Counter[str] = Counter()
        self.last_at = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's API
        message_id = BytesHeaderParser().parsebytes(envelope.content)["Message-ID"]
        self.by_id[bare(str(message_id))] += 1
        self.last_at = time.monotonic()
        return "250 OK"


class MailCounter:
    """A local SMTP server counting messages per Message-ID."""

    def __init__(self):
        self.handler = _Handler()
        self.port = free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    @property
    def by_id(self) -> Counter[str]:
        """Messages received, by Message-ID."""
        return self.handler.by_id

    def reset(self) -> None:
        """Forget the counts (a new scenario begins)."""
        self.handler.by_id.clear()

    def stop(self) -> None:
        """Stop the server."""
        self.controller.stop()


class Databases:
    """Fresh databases on one PostgreSQL server, each a copy of a seeded template."""

    def __init__(self, url: str, prefix: str = f"bench_workers_{os.getpid()}"):
        self.url = make_url(url)
        self.prefix = prefix
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.made: list[str] = []

    def url_of(self, name: str) -> str:
        """The URL of database ``name`` on this server."""
        return self.url.set(database=name).render_as_string(hide_password=False)

    def create(self, name: str, template: str | None = None) -> str:
        """Drop and create database ``name`` (a copy of ``template``); its URL."""
        full = f"{self.prefix}_{name}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)'))
            copy = f' TEMPLATE "{self.prefix}_{template}"' if template else ""
            conn.execute(text(f'CREATE DATABASE "{full}"{copy}'))
        self.made.append(full)
        return self.url_of(full)

    def drop_all(self) -> None:
        """Drop every database made here."""
        with self.admin.connect() as conn:
            for full in reversed(self.made):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{full}" WITH (FORCE)'))
        self.admin.dispose()


def seed(url: str, digests: int) -> None:
    """Subscribers (weekly, so none is due again) with one queued digest each, through the
    project's own store and queue; the postings they list come from a source no worker fetches."""
    config = parse_config({"email": {"from": SENDER}}, base_dir=ROOT)
    postings = [Posting(source="seed", source_id=str(n), title=f"RN Case Manager {n}",
                        company=f"Seed Employer {n}", location="Columbus, OH",
                        url=f"https://jobs.carealerts.test/{n}",
                        posted_at=datetime(2026, 11, 20, tzinfo=UTC),
                        description="Coordinate care for members with complex needs. " * 8)
                for n in range(40)]
    why = Explanation(title_match="rn case manager", title_score=1.0,
                      skills=["care coordination"], credentials=["RN"])
    now = datetime.now(UTC)
    with Store(url) as store:
        store.upsert_postings(postings)
        stored = store.open_postings()
        for n in range(digests):
            sub = store.save_subscriber(SubscriberConfig(
                email=f"s{n}@carealerts.test", frequency="weekly", weekday="mon"))
            chosen = [stored[(n + k) % len(stored)] for k in range(5)]
            queue_digest(config, store, sub, [Match(posting=p, score=0.9 - k / 100, why=why)
                                              for k, p in enumerate(chosen)], now)


def write_config(folder: Path, url: str, boards: BoardServer, smtp_port: int) -> Path:
    """The jobs.yaml of one worker: every board once a day, digests every minute, no pacing
    between requests to the one local host, the local mail server; leases (20 s) and digest
    claims (45 s) short enough that a killed worker's work is taken over within the run."""
    folder.mkdir(parents=True, exist_ok=True)
    config = {
        "database": {"url": url},
        "http": {"per_host_interval": 0, "per_host_concurrency": 1000, "retries": 0,
                 "cache_dir": None},
        "sources": [{"name": name, "type": "greenhouse", "board": name,
                     "url": f"{boards.base}/boards/{name}/jobs"} for name in boards.names],
        "email": {"transport": "smtp", "from": SENDER, "unsubscribe_mailto": None,
                  "unsubscribe_url": "http://127.0.0.1:8080",
                  "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none",
                           "timeout": 10, "data_timeout": 20},
                  "claim_ttl": 45},
        "schedule": {"sources_every": "1d", "digests_every": "1m", "lease_ttl": "20s"},
    }
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


def watcher(url: str) -> Engine:
    """An engine for polling database ``url`` (no pooled connection left open between polls)."""
    return create_engine(url, poolclass=NullPool)


def progress(engine: Engine) -> tuple[int, dict[str, int]]:
    """(distinct sources with a recorded fetch, outbox rows by status)."""
    with engine.connect() as conn:
        fetched = conn.execute(text("SELECT count(DISTINCT source) FROM source_runs")).scalar_one()
        statuses = dict(conn.execute(text(
            "SELECT status, count(*) FROM outbox GROUP BY status")).all())
    return fetched, statuses


def message_ids(engine: Engine) -> set[str]:
    """The Message-ID of every digest queued."""
    with engine.connect() as conn:
        return {bare(row[0]) for row in conn.execute(text("SELECT message_id FROM outbox"))}


def lease_pids(engine: Engine) -> dict[str, int]:
    """The pid holding each lease, by lease name."""
    with engine.connect() as conn:
        return {name: pid for name, pid in conn.execute(text("SELECT name, pid FROM leases"))}
