"""Choosing a digest's postings: threshold, size, per-employer cap, already sent, still open."""

from __future__ import annotations

from datetime import timedelta

from notify_support import NOW, FixedRanker, add_subscribers, make_config, open_store, posting

from pipeline.notify.queue import next_digest, queue_digest, queue_due


def _store(folder, postings, **subscriber):
    config = make_config(folder, max_per_employer=2)
    store = open_store(config)
    store.upsert_postings(postings, now=NOW)
    [subscriber] = add_subscribers(store, 1, **subscriber)
    return config, store, subscriber


def _titles(matches):
    return [m.posting.title for m in matches]


def test_best_first_at_most_digest_size(folder):
    scores = {f"p{n}": 0.4 + n / 100 for n in range(8)}
    config, store, sub = _store(folder, [posting(n) for n in range(8)], digest_size=3)
    chosen = next_digest(config, store, FixedRanker(scores), sub, store.open_postings())
    assert _titles(chosen) == ["RN Case Manager 7", "RN Case Manager 6", "RN Case Manager 5"]


def test_at_most_two_from_one_employer(folder):
    names = ["Big Health", "Big Health, Inc.", "BIG HEALTH", "Big Health LLC"]
    postings = [posting(n, company=names[n] if n < 4 else "Small Clinic") for n in range(6)]
    config, store, sub = _store(folder, postings)
    chosen = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    companies = [m.posting.company for m in chosen]
    assert len([c for c in companies if c.lower().startswith("big health")]) == 2
    assert companies.count("Small Clinic") == 2


def test_only_above_the_subscribers_threshold_else_the_configs(folder):
    scores = {"p0": 0.9, "p1": 0.5, "p2": 0.2}
    config, store, sub = _store(folder, [posting(n) for n in range(3)], min_score=0.6)
    chosen = next_digest(config, store, FixedRanker(scores), sub, store.open_postings())
    assert _titles(chosen) == ["RN Case Manager 0"]
    store.update_settings(sub.id, min_score=None)
    sub = store.get_subscriber(sub.email)  # config threshold is 0.3
    chosen = next_digest(config, store, FixedRanker(scores), sub, store.open_postings())
    assert _titles(chosen) == ["RN Case Manager 0", "RN Case Manager 1"]


def test_never_a_posting_already_given(folder):
    config, store, sub = _store(folder, [posting(n) for n in range(3)])
    first = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    queue_digest(config, store, sub, first[:2], NOW - timedelta(hours=1))
    sub = store.get_subscriber(sub.email)  # first seen after that digest: all three are new
    again = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    assert _titles(again) == ["RN Case Manager 2"]


def test_postings_seen_before_the_last_digest_are_not_new(folder):
    config, store, sub = _store(folder, [posting(n) for n in range(3)], digest_size=1)
    queue_due(config, store, FixedRanker(), now=NOW)  # one posting; two lost their place
    store.upsert_postings([posting(5)], now=NOW + timedelta(hours=1))
    later = store.get_subscriber(sub.email)
    chosen = next_digest(config, store, FixedRanker(), later, store.open_postings())
    assert _titles(chosen) == ["RN Case Manager 5"]


def test_nothing_new_means_no_digest(folder):
    config, store, sub = _store(folder, [posting(0)])
    assert queue_due(config, store, FixedRanker(), now=NOW).queued == 1
    report = queue_due(config, store, FixedRanker(), now=NOW)
    assert report.queued == 0
    assert report.lines == ["s0@example.org: nothing new above the threshold"]


def test_paused_and_unsubscribed_get_nothing(folder):
    config, store, sub = _store(folder, [posting(0)], paused=True)
    assert queue_due(config, store, FixedRanker(), now=NOW).queued == 0
    store.set_paused(sub.email, False)
    store.unsubscribe(sub.id)
    assert queue_due(config, store, FixedRanker(), now=NOW).queued == 0
    store.resubscribe(sub.id)
    assert queue_due(config, store, FixedRanker(), now=NOW).queued == 1


class ClosingRanker(FixedRanker):
    """Ranks, then the posting ``p0`` leaves its board before the digest is queued."""

    def __init__(self, store):
        super().__init__()
        self.store = store

    def rank(self, postings, **kwargs):
        """Rank as FixedRanker does, then close p0."""
        ranked = super().rank(postings, **kwargs)
        self.store.close_missing("test", ["p1", "p2"], now=NOW)
        return ranked


def test_a_posting_closed_after_ranking_is_not_queued(folder):
    config, store, sub = _store(folder, [posting(n) for n in range(3)])
    queue_due(config, store, ClosingRanker(store), now=NOW)
    [row] = store.outbox_rows(["pending"])
    assert "RN Case Manager 0" not in row.message and "RN Case Manager 1" in row.message
    assert store.sent_posting_ids(sub.id) == {p.id for p in store.open_postings()}


def test_the_same_opening_from_another_board_is_not_sent_again(folder):
    config, store, sub = _store(folder, [posting(0)])
    first = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    queue_digest(config, store, sub, first, NOW)
    # Later the first listing closes and the same job turns up on another board.
    store.close_missing("test", [], now=NOW + timedelta(hours=1))
    store.upsert_postings([posting(0, source="other-board", title="RN Case Manager 0 (Remote)"),
                           posting(1, source="other-board")], now=NOW + timedelta(hours=2))
    sub = store.get_subscriber(sub.email)
    again = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    assert [(m.posting.source, m.posting.title) for m in again] == [
        ("other-board", "RN Case Manager 1")]


def test_daily_and_weekly_digests_hold_everything_first_seen_since_the_last_one(folder):
    """Postings first seen in runs where the digest was not due still reach the next digest."""
    import json
    from datetime import time

    for frequency, gap in (("daily", timedelta(days=1)), ("weekly", timedelta(days=7))):
        work = folder / frequency
        work.mkdir()
        start = NOW.replace(hour=8, minute=5)  # 2026-11-29 is a Sunday
        config, store, sub = _store(work, [posting(n) for n in range(2)], frequency=frequency,
                                    send_at=time(8, 0), timezone="UTC", weekday="sun")
        assert queue_due(config, store, FixedRanker(), now=start).queued == 1
        arrivals = [start + gap * k / 4 for k in (1, 2, 3)]  # runs where nothing is due
        for n, when in enumerate(arrivals, start=10):
            store.upsert_postings([posting(n)], now=when)
            assert queue_due(config, store, FixedRanker(), now=when).queued == 0, frequency
        due = start + gap
        store.upsert_postings([posting(20)], now=due)
        assert queue_due(config, store, FixedRanker(), now=due).queued == 1, frequency
        second = json.loads(store.outbox_rows(["pending"])[-1].message)["items"]
        assert sorted(item["title"] for item in second) == [
            f"RN Case Manager {n}" for n in (10, 11, 12, 20)], frequency


def test_one_opening_listed_on_two_boards_appears_once_in_a_digest(folder):
    config, store, sub = _store(folder, [posting(0), posting(0, source="other-board",
                                                              url="https://other.example/0")])
    chosen = next_digest(config, store, FixedRanker(), sub, store.open_postings())
    assert _titles(chosen) == ["RN Case Manager 0"]
