"""Revision 0013: a database at revision 0012 gets ``schedule_fires`` with every row kept, on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import HEAD, Store

DUE = datetime(2026, 12, 7, 6, tzinfo=UTC)


def test_a_revision_12_database_gets_schedule_fires_and_keeps_its_rows(db_url):
    with Store(db_url) as store:
        store.save_subscriber(SubscriberConfig(email="ann@example.org"))
        store.upsert_postings([Posting(source="t", source_id="1", title="RN Case Manager")])
        owner = store.acquire_lock("run")
        store._heartbeats().remove(owner)  # stops renewing; the lease row stays
        with store.engine.begin() as conn:  # back to how revision 0012 left it
            conn.execute(text("DROP TABLE schedule_fires"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    with Store(db_url) as store:
        assert (store.migrated_from, store.version) == ("0012", HEAD)
        assert store.get_subscriber("ann@example.org") is not None
        assert [p.title for p in store.open_postings()] == ["RN Case Manager"]
        assert store.holder("run").owner == owner
        assert store.last_fire("source:t") is None
        store.start_fire("source:t", DUE)
        store.finish_fire("source:t", DUE)
        assert store.last_fire("source:t").due_at == DUE
