"""The posting store, on SQLite and PostgreSQL: idempotent upserts, first/last seen, closing."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from pipeline.posting import Posting, Remote
from pipeline.store import Store, bulk
from pipeline.store import postings as stored_postings
from pipeline.store.postings import POSTING_COLUMNS
from pipeline.store.schema import postings

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


@pytest.fixture
def store(db_url):
    with Store(db_url) as opened:
        yield opened


def posting(source_id: str, **fields) -> Posting:
    defaults = {"source": "board", "title": f"Nurse Case Manager {source_id}",
                "company": "Acme Health", "remote": Remote.HYBRID, "salary_min": 80000.0,
                "salary_period": "year", "extra": {"team": "UM"}}
    return Posting(source_id=source_id, **{**defaults, **fields})


def test_upserting_the_same_postings_twice_changes_nothing(store):
    batch = [posting("1"), posting("2")]
    first = store.upsert_postings(batch, now=T0)
    second = store.upsert_postings(batch, now=T0 + timedelta(hours=1))
    assert len(first.new) == 2 and second.new == [] and second.changed == []
    assert second.unchanged == 2
    stored = store.open_postings()
    assert [(p.source_id, p.first_seen, p.last_seen) for p in stored] == [
        ("1", T0, T0 + timedelta(hours=1)), ("2", T0, T0 + timedelta(hours=1))]


def test_fields_survive_the_round_trip(store):
    original = posting("1", posted_at=T0 - timedelta(days=2), description="Coordinate care.")
    store.upsert_postings([original], now=T0)
    (stored,) = store.open_postings()
    assert stored.model_dump(exclude={"id", "first_seen", "last_seen"}) == original.model_dump(
        exclude={"id", "first_seen", "last_seen"})
    assert stored.id is not None and stored.posted_at.tzinfo is not None


def test_a_changed_posting_is_updated_and_keeps_first_seen(store):
    store.upsert_postings([posting("1")], now=T0)
    result = store.upsert_postings([posting("1", title="Senior Nurse Case Manager")],
                                   now=T0 + timedelta(days=1))
    assert len(result.changed) == 1
    (stored,) = store.open_postings()
    assert stored.title == "Senior Nurse Case Manager" and stored.first_seen == T0


def test_postings_missing_from_a_full_fetch_close_and_reopen_when_seen_again(store):
    store.upsert_postings([posting("1"), posting("2")], now=T0)
    assert store.close_missing("board", ["1"], now=T0) == 1
    assert [p.source_id for p in store.open_postings()] == ["1"]
    result = store.upsert_postings([posting("2")], now=T0 + timedelta(hours=2))
    assert result.reopened == 1
    assert {p.source_id for p in store.open_postings()} == {"1", "2"}


def test_postings_past_valid_through_close(store):
    store.upsert_postings([posting("old", valid_through=T0 - timedelta(days=1)),
                           posting("new", valid_through=T0 + timedelta(days=9))], now=T0)
    assert store.close_expired(now=T0) == 1
    assert [p.source_id for p in store.open_postings()] == ["new"]
    assert store.still_open([store.all_postings()[0].id]) == set()
    # Still listed by its board the next day: it stays closed, and is not counted again.
    again = store.upsert_postings([posting("old", valid_through=T0 - timedelta(days=1))],
                                  now=T0 + timedelta(days=1))
    assert again.reopened == 0
    assert store.close_expired(now=T0 + timedelta(days=1)) == 0


def test_duplicates_are_hidden_from_open_postings(store):
    result = store.upsert_postings([posting("1"), posting("2")], now=T0)
    first, second = result.new
    store.set_canonical({second: first})
    assert [p.id for p in store.open_postings()] == [first]
    assert [p.id for p in store.duplicates_of(first)] == [second]


def test_close_stale_closes_only_that_sources_postings_unseen_since_the_cutoff(store):
    store.upsert_postings([posting("old"), posting("other", source="elsewhere")], now=T0)
    store.upsert_postings([posting("fresh")], now=T0 + timedelta(days=20))
    later = T0 + timedelta(days=31)
    assert store.close_stale("board", before=later - timedelta(days=30), now=later) == 1
    assert sorted(p.source_id for p in store.open_postings()) == ["fresh", "other"]
    (closed,) = [p for p in store.all_postings() if p.closed_at is not None]
    assert (closed.source_id, closed.closed_at) == ("old", later)
    assert store.close_stale("board", before=later - timedelta(days=30), now=later) == 0


def _stored_rows(store: Store) -> list[tuple]:
    """Every stored posting row, as plain values, by id (when each was last seen, whether the
    row says it or its source's latest listing does)."""
    with store.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(*POSTING_COLUMNS).order_by(postings.c.id))]


def _refuse(store: Store, source_id: str) -> None:
    with store.engine.begin() as conn:  # the database itself refuses one posting
        conn.exec_driver_sql("CREATE TRIGGER refuse BEFORE INSERT ON postings WHEN "
                             f"NEW.source_id = '{source_id}' BEGIN SELECT RAISE(ABORT, 'no'); END")


def test_a_batch_is_stored_as_one_posting_at_a_time_would_be_with_the_refused_one_alone_skipped(
        tmp_path, monkeypatch):
    # Write chunks of 50 rather than 500: the batch spans three of them (the refused one in the
    # middle chunk) as a batch of 1,200 spans three real ones, for a tenth of the reference's
    # transactions (one per posting); the real chunk's batches are checked below.
    for module in (bulk, stored_postings):
        monkeypatch.setattr(module, "CHUNK", 50)
    batch = [posting(str(i), title=f"Care Manager {i}") for i in range(120)]
    with Store(f"sqlite:///{tmp_path}/batch.db") as at_once, \
            Store(f"sqlite:///{tmp_path}/single.db") as single:
        _refuse(at_once, "70")
        _refuse(single, "70")
        result = at_once.upsert_postings(batch, now=T0)
        for one in batch:
            single.upsert_postings([one], now=T0)
        changed = [batch[3].model_copy(update={"title": "Senior Care Manager"}), batch[4]]
        at_once.upsert_postings(changed, now=T0 + timedelta(hours=1))
        for one in changed:
            single.upsert_postings([one], now=T0 + timedelta(hours=1))
        assert result.skipped == ["70: IntegrityError: no"]
        assert len(result.new) == 119
        assert "70" not in {p.source_id for p in at_once.open_postings()}
        assert _stored_rows(at_once) == _stored_rows(single)


def test_new_postings_are_inserted_in_a_few_statements_not_one_each(tmp_path):
    statements = []
    with Store(f"sqlite:///{tmp_path}/jobs.db") as store:
        event.listen(store.engine, "before_cursor_execute",
                     lambda conn, cursor, sql, *rest: statements.append(sql))
        result = store.upsert_postings([posting(str(i)) for i in range(1200)], now=T0)
    assert result.new == [p.id for p in store.all_postings()]  # in batch order
    inserts = [sql for sql in statements if sql.startswith("INSERT INTO postings")]
    assert len(result.new) == 1200 and len(inserts) <= 3


def test_duplicates_and_their_notes_are_recorded_together_and_undone(store):
    ids = store.upsert_postings([posting(str(i)) for i in range(1100)], now=T0).new
    notes = {"team": "UM", "duplicate_listings": [{"source": "board", "source_id": "1"}]}
    # more than one write chunk: ids from both ends of the batch
    store.record_duplicates({ids[1]: ids[0], ids[1099]: ids[0]}, {ids[0]: notes})
    assert [p.id for p in store.duplicates_of(ids[0])] == [ids[1], ids[1099]]
    (kept,) = [p for p in store.open_postings() if p.id == ids[0]]
    assert kept.extra == notes and len(store.open_postings()) == 1098
    store.record_duplicates({ids[1]: None, ids[1099]: None}, {ids[0]: {"team": "UM"}})
    assert store.duplicates_of(ids[0]) == [] and len(store.open_postings()) == 1100
    assert store.all_postings()[0].extra == {"team": "UM"}


def test_a_source_reusing_stored_postings_reads_only_the_extra_it_asks_for(store):
    store.upsert_postings([
        posting("1", extra={"file": "/data/a.jsonl", "file_stamp": "10:20", "team": "UM",
                            "residency": ["AZ"]}),
        posting("2", extra={"file": "/data/ü b.jsonl", "team": "CM"}),
        posting("3", extra={})], now=T0)
    whole = store.postings_as_stored("board")
    asked = store.postings_as_stored("board", ("file", "file_stamp"))
    assert [p.extra for p in asked] == [{"file": "/data/a.jsonl", "file_stamp": "10:20"},
                                        {"file": "/data/ü b.jsonl"}, {}]
    assert [p._replace(extra={}) for p in asked] == [p._replace(extra={}) for p in whole]
    assert whole[0].extra["team"] == "UM"


def test_postings_listed_again_and_again_are_not_rewritten_yet_seen_each_time(store):
    batch = [posting(str(i)) for i in range(1200)]  # several write chunks
    store.upsert_postings(batch + [posting("x", source="elsewhere")], now=T0)
    written = []
    event.listen(store.engine, "after_cursor_execute", lambda conn, cursor, sql, *rest:
                 written.append(cursor.rowcount) if sql.startswith("UPDATE postings") else None)
    for days in (1, 2, 40):
        assert store.upsert_postings(batch, now=T0 + timedelta(days=days)).unchanged == 1200
    assert sum(written) == 0  # no posting row was written
    later = T0 + timedelta(days=40)
    assert store.close_stale("board", before=later - timedelta(days=30), now=later) == 0
    assert store.close_unseen("board", later) == 0
    seen = {p.source_id: p.last_seen for p in store.all_postings()}
    assert seen == {**{str(i): later for i in range(1200)}, "x": T0}
    assert store.close_stale("elsewhere", before=later - timedelta(days=30), now=later) == 1


def test_a_posting_left_out_of_a_listing_keeps_the_time_it_was_last_listed(store):
    store.upsert_postings([posting("1"), posting("2"), posting("3")], now=T0)
    store.upsert_postings([posting("1"), posting("2"), posting("3")], now=T0 + timedelta(days=1))
    store.upsert_postings([posting("1"), posting("3")], now=T0 + timedelta(days=2))
    store.upsert_postings([posting("1")], now=T0 + timedelta(days=3))
    assert store.close_unseen("board", T0 + timedelta(days=3)) == 2
    assert [(p.source_id, p.last_seen, p.closed_at) for p in store.all_postings()] == [
        ("1", T0 + timedelta(days=3), None),
        ("2", T0 + timedelta(days=1), T0 + timedelta(days=3)),
        ("3", T0 + timedelta(days=2), T0 + timedelta(days=3))]
    store.upsert_postings([posting("1"), posting("2")], now=T0 + timedelta(days=4))  # back
    assert [(p.source_id, p.last_seen) for p in store.open_postings()] == [
        ("1", T0 + timedelta(days=4)), ("2", T0 + timedelta(days=4))]
    later = T0 + timedelta(days=33)
    assert store.close_unconfigured(["elsewhere"], before=later - timedelta(days=30),
                                    now=later) == 0
    assert store.close_unconfigured(["elsewhere"], before=later - timedelta(days=28),
                                    now=later) == 2
