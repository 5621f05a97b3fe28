"""Schema version 11: a database made by version 10 gets the feedback table, data kept."""

from __future__ import annotations

import sqlite3

from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import Store
from pipeline.store.schema import LATEST


def test_a_version_10_database_gets_feedback_and_keeps_its_subscribers(tmp_path):
    path = tmp_path / "v10.db"
    with Store(f"sqlite:///{path}") as store:
        subscriber = store.save_subscriber(SubscriberConfig(email="ann@example.org"))
        store.upsert_postings([Posting(source="t", source_id="1", title="RN Case Manager")])
    conn = sqlite3.connect(path)  # back to how version 10 left it: no feedback table
    conn.execute("DROP TABLE feedback")
    conn.execute("DROP TABLE signups")
    conn.execute("UPDATE schema_version SET version = 10")
    conn.commit()
    conn.close()
    with Store(f"sqlite:///{path}") as store:
        assert (store.migrated_from, store.version) == (10, LATEST)
        assert store.get_subscriber("ann@example.org").id == subscriber.id
        posting_id = store.open_postings()[0].id
        store.record_feedback(subscriber.id, posting_id, "not", "location")
        assert [(j.posting.title, j.reason) for j in store.feedback_of(subscriber.id)] == [
            ("RN Case Manager", "location")]
