"""What each subscriber has been sent, read for many subscribers at once, on both backends."""

from datetime import UTC, datetime

import pytest

from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import Store

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    with Store(db_url) as opened:
        yield opened


def _posting(n: int) -> Posting:
    return Posting(source="board", source_id=f"p{n}", title=f"Nurse Case Manager {n}",
                   company=f"Employer {n}", location="Columbus, OH")


def _digest(store: Store, subscriber, postings: list[Posting]) -> None:
    store.enqueue_digests([(subscriber.id, subscriber.email, f"<{subscriber.id}@x>", "Jobs",
                            '{"items": []}', {p.id: 0.5 for p in postings})], T0)


def test_many_subscribers_read_together_keep_their_own_deliveries(store):
    store.upsert_postings([_posting(n) for n in range(4)], now=T0)
    p0, p1, p2, p3 = store.open_postings()
    a, b, c = (store.save_subscriber(SubscriberConfig(email=f"{name}@example.org"))
               for name in "abc")
    _digest(store, a, [p0, p1])
    _digest(store, b, [p1, p2])
    store.close_missing("board", {"p0", "p1", "p3"}, now=T0)  # p2 closed: still delivered
    had = store.delivered_postings_of([a.id, b.id, c.id])
    assert {who: sorted(p.source_id for p in postings) for who, postings in had.items()} == {
        a.id: ["p0", "p1"], b.id: ["p1", "p2"], c.id: []}
    for who in (a, b, c):
        assert sorted(p.id for p in had[who.id]) == sorted(
            p.id for p in store.delivered_postings(who.id))
