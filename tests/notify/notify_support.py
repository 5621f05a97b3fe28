"""Notifier test support: a recording SMTP handler, configs, postings, a fixed ranker.

The ranker stands in for the matcher so each test knows exactly which postings score what; it
returns the matcher's own ``Match`` / ``Explanation`` objects. Everything else is real: SQLite
files, the outbox, the templates, smtplib talking to aiosmtpd.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

from pipeline.config import SubscriberConfig, parse_config
from pipeline.match import Explanation, Match
from pipeline.posting import Posting
from pipeline.store import Store, claims
from pipeline.store.schema import utcnow

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
#: The operator's own unsubscribe addresses, which the smtp transport requires.
OWN_UNSUBSCRIBE = {"unsubscribe_url": "https://alerts.carealerts.test",
                   "unsubscribe_mailto": "unsubscribe@carealerts.test"}


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Recorder:
    """aiosmtpd handler that keeps what it accepted and can misbehave on demand.

    ``refuse``: recipients answered 550; ``busy``: how many DATA commands get 421 first;
    ``drop_after``: close the connection instead of accepting the next message once this many
    were accepted on the same connection; ``on_message``: called after each accepted message
    (it blocks the whole server); ``stall``: a test of an accepted message whose reply waits,
    on that connection only, until ``released`` is set (the message is then "in flight").
    """

    def __init__(self):
        self.messages = []
        self.refuse: set[str] = set()
        self.busy = 0
        self.drop_after: int | None = None
        self.on_message = None
        self.stall = None
        self.released = threading.Event()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        accepted = getattr(session, "accepted", 0)
        if self.drop_after is not None and accepted >= self.drop_after:
            server.transport.close()
            return "421 closing"
        with self.lock:
            if self.busy > 0:
                self.busy -= 1
                return "421 4.3.2 try again later"
            message = message_from_bytes(envelope.content, policy=policy.default)
            self.messages.append((list(envelope.rcpt_tos), message))
        session.accepted = accepted + 1
        if self.on_message:
            self.on_message(message)
        if self.stall and self.stall(message):
            while not self.released.is_set():
                await asyncio.sleep(0.01)
        return "250 OK"

    def message_ids(self) -> list[str]:
        """Message-IDs of everything accepted, in order."""
        return [m["Message-ID"] for _rcpt, m in self.messages]

    def recipients(self) -> list[str]:
        """One entry per accepted message: its envelope recipient."""
        return [rcpt[0] for rcpt, _m in self.messages]


def make_config(folder: Path, port: int | None = None, database_url: str | None = None,
                **email) -> object:
    """A config on ``database_url`` (default a SQLite file in ``folder``); SMTP to ``port`` when
    given, else file transport."""
    email_section = {"outbox_dir": str(folder / "out"), "retry_backoff": 0,
                     "retry_delay": 60, "send_retries": 2, **email}
    if port is not None:
        email_section = {**OWN_UNSUBSCRIBE, **email_section, "transport": "smtp",
                         "smtp": {"host": "127.0.0.1", "port": port, "security": "none",
                                  "timeout": 5, **email_section.get("smtp", {})}}
    database_url = database_url or f"sqlite:///{folder / 'jobs.db'}"
    return parse_config({"database": {"url": database_url},
                         "email": email_section, "matching": {"min_score": 0.3}},
                        base_dir=folder)


def posting(n: int, **fields) -> Posting:
    """A care-management posting numbered ``n``."""
    values = {"source": "test", "source_id": f"p{n}", "title": f"RN Case Manager {n}",
              "company": f"Employer {n}", "location": "Columbus, OH",
              "url": f"https://jobs.example/{n}", "description": "Care coordination.",
              "posted_at": datetime(2026, 11, 25, tzinfo=UTC)}
    values.update(fields)
    return Posting(**values)


class FixedRanker:
    """Ranks postings by a fixed score per ``source_id`` (default 0.8), like ``Matcher.rank``."""

    def __init__(self, scores: dict[str, float] | None = None):
        self.scores = scores or {}

    def rank(self, postings, resume_text=None, filters=None, min_score=0.0, top=None):
        """Matches above ``min_score``, best first."""
        why = Explanation(title_match="rn case manager", title_score=1.0,
                          skills=["care coordination"], credentials=["RN"],
                          missing_credentials=["CCM"])
        found = [Match(posting=p, score=self.scores.get(p.source_id, 0.8), why=why)
                 for p in postings]
        found = [m for m in found if m.score >= min_score]
        return sorted(found, key=lambda m: m.score, reverse=True)[:top]


def open_store(config) -> Store:
    """The store of a config."""
    return Store(config.database_url())


def add_subscribers(store: Store, count: int, **fields) -> list:
    """``count`` instant subscribers s0@example.org, s1@... ."""
    return [store.save_subscriber(SubscriberConfig(email=f"s{i}@example.org", name=f"Sub {i}",
                                                   **fields))
            for i in range(count)]


def let_claims_lapse(monkeypatch, store: Store) -> None:
    """Move the outbox claims' clock (``utcnow`` of pipeline.store.claims, in this process) just
    past the last claim a pending row holds, as if its time to live had passed in real time: a
    claim lapses by that comparison alone, so the claims of a killed relay are taken over by the
    next relay here without waiting ``claim_ttl`` seconds."""
    held = [row.claimed_until for row in store.outbox_rows(("pending",)) if row.claimed_until]
    ahead = max(held, default=utcnow()) - utcnow() + timedelta(milliseconds=1)
    if ahead > timedelta(0):
        real = claims.utcnow
        monkeypatch.setattr(claims, "utcnow", lambda: real() + ahead)
