"""Schema versions: a database made by an older version is upgraded in place, data kept."""

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest
from schema_v6 import legacy_version_marker
from sqlalchemy import create_engine, inspect

from pipeline.errors import StoreError
from pipeline.store import Store
from pipeline.store.schema import metadata
from pipeline.store.versioning import HEAD as LATEST

# The postings table as schema version 1 created it (no city / region / country yet).
V1_POSTINGS = """
CREATE TABLE postings (
    id INTEGER PRIMARY KEY, source VARCHAR(200) NOT NULL, source_id VARCHAR(500) NOT NULL,
    url TEXT, title TEXT NOT NULL, company TEXT, location TEXT, remote VARCHAR(16) NOT NULL,
    description TEXT NOT NULL, description_html TEXT, salary_min FLOAT, salary_max FLOAT,
    salary_currency VARCHAR(8), salary_period VARCHAR(16), employment_type TEXT,
    posted_at DATETIME, valid_through DATETIME, first_seen DATETIME NOT NULL,
    last_seen DATETIME NOT NULL, closed_at DATETIME, extra JSON NOT NULL,
    content_hash VARCHAR(64) NOT NULL, canonical_id INTEGER REFERENCES postings (id),
    CONSTRAINT uq_postings_source_id UNIQUE (source, source_id))
"""

# The source_runs table before version 5 (no board column), with one Remotive run in it.
V4_SOURCE_RUNS = """
CREATE TABLE source_runs (
    id INTEGER PRIMARY KEY, source VARCHAR(200) NOT NULL, started_at DATETIME NOT NULL,
    duration FLOAT NOT NULL, status VARCHAR(16) NOT NULL, seen INTEGER NOT NULL,
    new INTEGER NOT NULL, changed INTEGER NOT NULL, closed INTEGER NOT NULL,
    suspicious BOOLEAN NOT NULL, error TEXT)
"""


def make_v1_database(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute("INSERT INTO schema_version VALUES (1)")
    conn.execute(V1_POSTINGS)
    conn.execute(
        "INSERT INTO postings (source, source_id, title, company, remote, description, "
        "first_seen, last_seen, extra, content_hash) VALUES ('board', '7', 'RN Care Manager', "
        "'Acme', 'remote', 'Care coordination', '2026-10-01 08:00:00', '2026-10-02 08:00:00', "
        "'{}', 'x')")
    conn.execute(V4_SOURCE_RUNS)
    conn.execute("INSERT INTO source_runs (source, started_at, duration, status, seen, new, "
                 "changed, closed, suspicious) VALUES ('jobs-remotive', '2026-10-02 06:00:00', "
                 "1.0, 'ok', 3, 3, 0, 0, 0)")
    conn.commit()
    conn.close()
    # The other tables, as version 1 had them: no `secrets` table (v4), no indexes (v3), no
    # `processed_unsubscribe_mail` (v6).
    later = {"postings", "secrets", "source_runs", "processed_unsubscribe_mail",
             "leases"}
    others = [t for t in metadata.sorted_tables if t.name not in later]
    engine = create_engine(f"sqlite:///{path}")
    metadata.create_all(engine, tables=others)
    with engine.begin() as conn:
        for index in (i for t in others for i in t.indexes):
            index.drop(conn)
        conn.exec_driver_sql("ALTER TABLE outbox DROP COLUMN unknown_outcomes")  # added in v7
    engine.dispose()


def test_a_new_database_is_created_at_the_latest_version(tmp_path):
    with Store(f"sqlite:///{tmp_path}/new.db") as store:
        assert (store.migrated_from, store.version) == (None, LATEST)
        assert {"postings", "subscribers", "outbox", "deliveries", "source_runs"} <= set(
            inspect(store.engine).get_table_names())


def test_a_version_1_database_is_upgraded_without_losing_data(tmp_path):
    make_v1_database(tmp_path / "old.db")
    with Store(f"sqlite:///{tmp_path}/old.db") as store:
        assert (store.migrated_from, store.version) == ("0001", LATEST)
        (kept,) = store.open_postings()
        assert (kept.title, kept.company, kept.city) == ("RN Care Manager", "Acme", None)
        assert (kept.first_seen.isoformat(), kept.last_seen.isoformat()) == (
            "2026-10-01T08:00:00+00:00", "2026-10-02T08:00:00+00:00")
        found = inspect(store.engine)
        assert {"city", "region", "country"} <= {c["name"] for c in found.get_columns("postings")}
        assert {"secrets", "processed_unsubscribe_mail"} <= set(found.get_table_names())
        assert "board" in {c["name"] for c in found.get_columns("source_runs")}
        # A run recorded before runs named their board still counts, by its source's name.
        assert store.last_board_fetch("remotive", ["other"]) is None
        assert store.last_board_fetch("remotive", ["jobs-remotive"]) == (
            datetime(2026, 10, 2, 6, 0, tzinfo=UTC), "jobs-remotive")
        indexed = {i["name"] for t in metadata.sorted_tables for i in found.get_indexes(t.name)}
        assert {i.name for t in metadata.sorted_tables for i in t.indexes} <= indexed
        # The v1 row's hash differs: seen again it is updated once, first_seen kept.
        later = kept.last_seen + timedelta(days=1)
        assert store.upsert_postings([kept], now=later).changed == [kept.id]
        assert store.upsert_postings([kept], now=later).unchanged == 1
        assert store.open_postings()[0].first_seen == kept.first_seen
    with Store(f"sqlite:///{tmp_path}/old.db") as again:
        assert again.migrated_from == LATEST  # nothing left to apply


def test_a_database_from_a_newer_program_is_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "future.db")
    conn.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    conn.execute(f"INSERT INTO schema_version VALUES ({int(LATEST) + 1})")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer than this program"):
        Store(f"sqlite:///{tmp_path}/future.db")


# The outbox table as schema version 6 created it (no unknown_outcomes yet).
V6_OUTBOX = """
CREATE TABLE outbox (
    id INTEGER NOT NULL PRIMARY KEY, subscriber_id INTEGER REFERENCES subscribers (id)
    ON DELETE CASCADE, recipient VARCHAR(320) NOT NULL, message_id VARCHAR(300) NOT NULL UNIQUE,
    subject TEXT NOT NULL, message TEXT NOT NULL, status VARCHAR(16) NOT NULL,
    attempts INTEGER NOT NULL, last_error TEXT, created_at DATETIME NOT NULL,
    next_attempt_at DATETIME, sent_at DATETIME)
"""


def test_a_version_6_outbox_is_upgraded_and_its_waiting_digest_still_goes(tmp_path):
    path = tmp_path / "v6.db"
    Store(f"sqlite:///{path}").engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE outbox")
    conn.execute(V6_OUTBOX)
    conn.execute("INSERT INTO outbox VALUES (1, NULL, 'lee@carealerts.test', '<m1@x>', 'S', "
                 "'{}', 'pending', 1, '421 busy', '2026-10-01 08:00:00', "
                 "'2026-10-01 08:05:00', NULL)")
    for statement in legacy_version_marker(6):
        conn.execute(statement)
    conn.commit()
    conn.close()
    with Store(f"sqlite:///{path}") as store:
        assert (store.migrated_from, store.version) == ("0006", LATEST)
        [row] = store.claim_outbox("web-1 pid 7 #1", ttl=60, limit=10,
                                   due_by=datetime(2026, 10, 1, 9, 0, tzinfo=UTC))
        assert (row.message_id, row.attempts, row.unknown_outcomes) == ("<m1@x>", 1, 0)
        store.mark_unknown(row.id, "no reply", datetime(2026, 10, 1, 10, 0, tzinfo=UTC))
        assert store.outbox_rows_by_id([row.id])[row.id].unknown_outcomes == 1


def test_a_version_6_database_gets_resume_fingerprints_and_keeps_its_subscribers(tmp_path):
    Store(f"sqlite:///{tmp_path}/v6.db").close()
    conn = sqlite3.connect(tmp_path / "v6.db")  # back to version 6: no resume fingerprints
    for column in ("resume_fingerprint", "resume_error"):
        conn.execute(f"ALTER TABLE subscribers DROP COLUMN {column}")
    for statement in legacy_version_marker(6):
        conn.execute(statement)
    conn.execute("INSERT INTO subscribers (email, resume_path, resume_text, settings, "
                 "from_config, paused, created_at) VALUES ('dana@example.org', 'cv.txt', "
                 "'Nurse case manager', '{}', 1, 0, '2026-10-01 08:00:00')")
    conn.commit()
    conn.close()
    with Store(f"sqlite:///{tmp_path}/v6.db") as store:
        assert (store.migrated_from, store.version) == ("0006", LATEST)
        dana = store.get_subscriber("dana@example.org")
        assert (dana.resume_text, dana.resume_fingerprint, dana.resume_error) == (
            "Nurse case manager", None, None)


def test_a_version_6_database_gets_subscriber_removal_with_its_history_kept(tmp_path):
    """Version 10 adds removed_at / purged_at: a subscriber stored by version 6 keeps their
    settings and sent postings, can be removed and purged, and put back gets nothing twice."""
    from pipeline.config import SubscriberConfig

    path = tmp_path / "v6.db"
    with Store(f"sqlite:///{path}") as store:
        store.upsert_postings([_posting()], now=datetime(2026, 10, 1, tzinfo=UTC))
        (posting,) = store.open_postings()
        lee = store.save_subscriber(SubscriberConfig(email="lee@example.org", name="Lee"),
                                    resume_text="RN, CCM")
        store.mark_sent(store.enqueue_digest(lee.id, lee.email, "<m1@example.org>", "1 job",
                                             "{}", {posting.id: 0.9}))
    conn = sqlite3.connect(path)  # back to how version 6 left the table
    conn.execute("ALTER TABLE subscribers DROP COLUMN removed_at")
    conn.execute("ALTER TABLE subscribers DROP COLUMN purged_at")
    for statement in legacy_version_marker(6):
        conn.execute(statement)
    conn.commit()
    conn.close()
    with Store(f"sqlite:///{path}") as store:
        assert (store.migrated_from, store.version) == ("0006", LATEST)
        kept = store.get_subscriber("lee@example.org")
        assert (kept.name, kept.resume_text, kept.active) == ("Lee", "RN, CCM", True)
        store.set_removed(kept.id, datetime(2026, 11, 1, tzinfo=UTC))
        assert not store.get_subscriber("lee@example.org").active
        store.purge_subscriber("lee@example.org")
        assert store.list_subscribers() == []
        back = store.save_subscriber(SubscriberConfig(email="lee@example.org"))
        assert back.id == kept.id and back.active and back.name is None
        assert store.sent_posting_ids(back.id) == {posting.id}


def _posting():
    from pipeline.posting import Posting

    return Posting(source="board", source_id="7", title="RN Care Manager", company="Acme",
                   description="Care coordination", url="https://jobs.example/7")
