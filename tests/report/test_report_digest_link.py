"""The report's link in digests: only for ``report: monthly``, in the first digest of a month.

Digests go through the real notifier (the real matcher, the outbox, the file transport that
writes .eml files), as ``pipeline run`` sends them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.parser import BytesParser

from report_support import MAIN, ROOT, make_posting

from pipeline.config import SubscriberConfig, parse_config
from pipeline.match import Matcher
from pipeline.notify import notify
from pipeline.posting import Remote
from pipeline.store import Store


def _setup(tmp_path):
    config = parse_config({
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "profile": {"path": str(ROOT / "models" / "care_manager.yaml")},
        "email": {"outbox_dir": str(tmp_path / "out"),
                  "unsubscribe_url": "https://alerts.example.org"},
    }, base_dir=tmp_path)
    store = Store(config.database_url())
    for email, report in (("monthly@example.org", "monthly"), ("plain@example.org", None)):
        extra = {"report": report} if report else {}  # the second keeps the default (off)
        store.save_subscriber(SubscriberConfig(email=email, min_score=0.0, **extra),
                              from_config=True)
    return config, store


def _send(config, store, when: datetime, number: int) -> dict[str, str]:
    """Store a new posting at ``when``, run the notifier; {recipient: plain text} sent."""
    store.upsert_postings([make_posting("main", f"N{number}", "RN Case Manager",
                                    f"Employer {number}", "Austin", "TX", Remote.ONSITE,
                                    MAIN[0].description, 90000)], now=when)
    before = set((config.email.outbox_dir).glob("*.eml")) if config.email.outbox_dir.exists() \
        else set()
    notify(config, store, Matcher.from_config(config), now=when)
    sent = {}
    for path in set(config.email.outbox_dir.glob("*.eml")) - before:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        sent[message["To"]] = message.get_body(("plain",)).get_content()
    return sent


def test_the_first_digest_of_each_month_links_to_the_report(tmp_path):
    config, store = _setup(tmp_path)
    december = _send(config, store, datetime(2026, 12, 1, 9, tzinfo=UTC), 1)
    later = _send(config, store, datetime(2026, 12, 3, 9, tzinfo=UTC), 2)
    january = _send(config, store, datetime(2027, 1, 2, 9, tzinfo=UTC), 3)
    link = "Your monthly skills-gap and pay report: https://alerts.example.org/report/"
    assert link in december["monthly@example.org"]
    assert link not in later["monthly@example.org"]
    assert link in january["monthly@example.org"]
    # Off by default: subscribers an operator added never get the link.
    assert all(link not in sent["plain@example.org"] for sent in (december, later, january))
