"""Revision 0011: a database at revision 0010 gets the feedback and sign-up tables, data kept."""

from __future__ import annotations

import sqlite3

from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import HEAD, Store


def test_a_version_10_database_gets_feedback_and_keeps_its_subscribers(tmp_path):
    path = tmp_path / "v10.db"
    with Store(f"sqlite:///{path}") as store:
        subscriber = store.save_subscriber(SubscriberConfig(email="ann@example.org"))
        store.upsert_postings([Posting(source="t", source_id="1", title="RN Case Manager")])
    conn = sqlite3.connect(path)  # back to how revision 0010 left it: no feedback table
    conn.execute("DROP TABLE feedback")
    conn.execute("DROP TABLE signups")
    conn.execute("UPDATE alembic_version SET version_num = '0010'")
    conn.commit()
    conn.close()
    with Store(f"sqlite:///{path}") as store:
        assert (store.migrated_from, store.version) == ("0010", HEAD)
        assert store.get_subscriber("ann@example.org").id == subscriber.id
        posting_id = store.open_postings()[0].id
        store.record_feedback(subscriber.id, posting_id, "not", "location")
        assert [(j.posting.title, j.reason) for j in store.feedback_of(subscriber.id)] == [
            ("RN Case Manager", "location")]
