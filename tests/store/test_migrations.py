"""Alembic migrations on SQLite and PostgreSQL: databases made before Alembic are taken into its
history with every row kept, `pipeline db status|upgrade` tell and do it, and workers opening a
new database at once all get it."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta

import yaml
from click.testing import CliRunner
from schema_v6 import legacy_version_marker
from sqlalchemy import inspect, text

from pipeline.cli import cli
from pipeline.config import SubscriberConfig
from pipeline.posting import Posting
from pipeline.store import Store
from pipeline.store.runs import SourceRun
from pipeline.store.schema import outbox
from pipeline.store.versioning import HEAD, scripts

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def _fill(store: Store) -> None:
    """A posting, a subscriber who was sent it, a source run: rows in every main table."""
    store.upsert_postings([Posting(source="board", source_id="7", title="RN Care Manager",
                                   company="Acme", description="Care coordination")], now=T0)
    (posting,) = store.open_postings()
    lee = store.save_subscriber(SubscriberConfig(email="lee@example.org", name="Lee"),
                                resume_text="RN, CCM")
    store.mark_sent(store.enqueue_digest(lee.id, lee.email, "<m1@example.org>", "1 job", "{}",
                                         {posting.id: 0.9}))
    store.record_source_run(SourceRun(source="board", started_at=T0, status="ok", seen=1))


def _back_to_version_9(store: Store) -> None:
    """The database as the hand-numbered schema version 9 left it (no subscriber removal)."""
    with store.engine.begin() as conn:
        for column in ("removed_at", "purged_at"):
            conn.execute(text(f"ALTER TABLE subscribers DROP COLUMN {column}"))
        for statement in legacy_version_marker(9):
            conn.execute(text(statement))


def _jobs_yaml(tmp_path, url: str):
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": url}, "subscribers": [],
        "sources": [{"name": "local", "type": "files", "path": "postings"}]}), encoding="utf-8")
    return path


def _upgrade_by_the_cli(tmp_path, url: str, revision: str) -> None:
    """``pipeline db upgrade`` on a database left at ``revision``: it says it upgraded it."""
    done = CliRunner().invoke(cli, ["db", "upgrade", "--config", str(_jobs_yaml(tmp_path, url))])
    assert done.exit_code == 0, done.output
    assert f"Upgraded the database from revision {revision} to {HEAD}." in done.output


def test_a_database_from_before_alembic_is_upgraded_by_db_upgrade_keeping_every_row(
        db_url, tmp_path):
    with Store(db_url) as store:
        _fill(store)
        _back_to_version_9(store)
    config = _jobs_yaml(tmp_path, db_url)
    runner = CliRunner()

    shown = runner.invoke(cli, ["db", "status", "--config", str(config)])
    assert shown.exit_code == 0, shown.output
    assert "Revision   0009 (schema_version, before Alembic); head" in shown.output
    pending = ", ".join(f"{n:04d}" for n in range(10, int(HEAD) + 1))  # every revision after 0009
    assert f"Pending    {pending}: run `pipeline db upgrade`" in shown.output

    done = runner.invoke(cli, ["db", "upgrade", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert f"Upgraded the database from revision 0009 to {HEAD}." in done.output
    assert "Up to date." in runner.invoke(cli, ["db", "status", "--config", str(config)]).output

    with Store(db_url) as store:
        assert store.migrated_from == HEAD
        assert "schema_version" not in inspect(store.engine).get_table_names()
        (posting,) = store.open_postings()
        assert (posting.title, posting.first_seen) == ("RN Care Manager", T0)
        lee = store.get_subscriber("lee@example.org")
        assert (lee.name, lee.resume_text, lee.active) == ("Lee", "RN, CCM", True)
        assert store.sent_posting_ids(lee.id) == {posting.id}
        assert store.last_fetched("board") == T0
        store.set_removed(lee.id, T0)  # the column revision 0010 added works
        assert not store.get_subscriber("lee@example.org").active


def test_a_database_from_a_newer_program_is_refused_by_db_upgrade(db_url, tmp_path):
    Store(db_url).close()
    with Store(db_url) as store, store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0999'"))
    result = CliRunner().invoke(cli, ["db", "upgrade", "--config",
                                      str(_jobs_yaml(tmp_path, db_url))])
    assert result.exit_code == 1
    assert "schema revision 0999, newer than this program knows" in result.output


def _open_at_once(url: str, workers: int) -> tuple[list[Store], list[Exception]]:
    """Open ``url`` from ``workers`` threads released together: the stores opened, the errors."""
    opened, failed = [], []
    start = threading.Barrier(workers)

    def open_store() -> None:
        start.wait()
        try:
            opened.append(Store(url))
        except Exception as exc:  # noqa: BLE001 - the test reports whatever a worker hit
            failed.append(exc)

    threads = [threading.Thread(target=open_store) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return opened, failed


def test_workers_opening_a_new_database_at_once_all_get_the_same_schema(db_url):
    opened, failed = _open_at_once(db_url, 4)
    assert failed == []
    assert sorted(str(s.migrated_from) for s in opened) == sorted([HEAD] * 3 + ["None"])
    with opened[0].engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [(HEAD,)]
    for store in opened:
        store.close()


def test_workers_opening_one_new_sqlite_file_at_once_never_find_it_locked(tmp_path):
    """SQLite answers "locked" at once, without its busy wait, to a connection switching a new
    file to WAL while another switches it; the race is short, so it is run many times."""
    failed = []
    for round_ in range(25):
        opened, failed_now = _open_at_once(f"sqlite:///{tmp_path}/jobs-{round_}.db", 6)
        failed += failed_now
        for store in opened:
            store.close()
    assert failed == []


def _before_outbox_claims(store: Store) -> str:
    """Take the database back to the revision before the outbox claims; that revision."""
    [claims] = [r for r in scripts().walk_revisions() if r.path.endswith("_outbox_claims.py")]
    with store.engine.begin() as conn:
        for column in ("claimed_by", "claimed_until", "sending_at"):
            conn.execute(text(f"ALTER TABLE outbox DROP COLUMN {column}"))
        conn.execute(text("UPDATE alembic_version SET version_num = :v"),
                     {"v": claims.down_revision})
    return claims.down_revision


def test_a_database_from_before_outbox_claims_is_upgraded_keeping_its_digests(db_url):
    with Store(db_url) as store:
        _fill(store)
        lee = store.get_subscriber("lee@example.org")
        with store.engine.begin() as conn:
            waiting = conn.execute(outbox.insert().values(
                subscriber_id=lee.id, recipient=lee.email, message_id="<m2@example.org>",
                subject="2 jobs", message="{}", status="pending", attempts=1, created_at=T0,
                next_attempt_at=T0)).inserted_primary_key[0]
        before = _before_outbox_claims(store)
    with Store(db_url) as store:
        assert store.migrated_from == before
        rows = store.outbox_rows(("sent", "pending"))
        assert [(r.message_id, r.status) for r in rows] == [
            ("<m1@example.org>", "sent"), ("<m2@example.org>", "pending")]
        [claimed] = store.claim_outbox("web-1 pid 7 #1", ttl=60, limit=10, due_by=T0)
        assert (claimed.id, claimed.attempts, claimed.claimed_by) == (waiting, 1, "web-1 pid 7 #1")


def test_a_database_at_revision_0013_gains_kept_state_and_keeps_every_row(db_url, tmp_path):
    with Store(db_url) as store:
        _fill(store)
        with store.engine.begin() as conn:  # the database as revision 0013 left it
            conn.execute(text("DROP TABLE kept_state"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0013'"))
    _upgrade_by_the_cli(tmp_path, db_url, "0013")
    with Store(db_url) as store:
        (posting,) = store.open_postings()
        lee = store.get_subscriber("lee@example.org")
        assert store.sent_posting_ids(lee.id) == {posting.id}
        assert store.kept_blob("posting_index") is None
        store.keep_blob("posting_index", b"\x00fitted")
        store.keep_blob("posting_index", b"\x00refitted")  # replaced whole
        assert store.kept_blob("posting_index") == b"\x00refitted"


def test_a_database_at_revision_0014_gains_dedupe_terms_and_keeps_every_row(db_url, tmp_path):
    with Store(db_url) as store:
        _fill(store)
        with store.engine.begin() as conn:  # the database as revision 0014 left it
            conn.execute(text("DROP TABLE dedupe_terms"))
            conn.execute(text("UPDATE alembic_version SET version_num = '0014'"))
    _upgrade_by_the_cli(tmp_path, db_url, "0014")
    with Store(db_url) as store:
        (posting,) = store.open_postings()
        lee = store.get_subscriber("lee@example.org")
        assert store.sent_posting_ids(lee.id) == {posting.id}
        assert store.kept_terms([posting.id]) == {}
        store.keep_terms({posting.id: ("h1", b"\x00counts")})
        store.keep_terms({posting.id: ("h2", b"\x01counts")})  # replaced
        assert store.kept_terms([posting.id]) == {posting.id: ("h2", b"\x01counts")}


def test_opening_an_up_to_date_database_does_not_load_alembic(db_url):
    Store(db_url).close()  # created at the head revision
    probe = ("import sys; from pipeline.store import Store; Store(sys.argv[1]).close(); "
             "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    done = subprocess.run([sys.executable, "-c", probe, db_url], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_a_database_at_revision_0015_keeps_when_its_postings_were_last_seen(db_url, tmp_path):
    with Store(db_url) as store:
        _fill(store)  # posting 7, seen at T0
        store.upsert_postings([Posting(source="board", source_id=str(i), title="Care Manager",
                                       company="Acme") for i in (7, 8)], now=T0 + timedelta(1))
        with store.engine.begin() as conn:  # the database as revision 0015 left it
            conn.execute(text("DROP TABLE source_listings"))
            conn.execute(text("DROP INDEX ix_postings_unlisted"))
            conn.execute(text("ALTER TABLE postings DROP COLUMN listed"))
            conn.execute(text("UPDATE postings SET last_seen = :t WHERE source_id = '8'"),
                         {"t": (T0 + timedelta(2)).replace(tzinfo=None)})
            conn.execute(text("UPDATE alembic_version SET version_num = '0015'"))
    _upgrade_by_the_cli(tmp_path, db_url, "0015")
    with Store(db_url) as store:
        assert [(p.source_id, p.last_seen) for p in store.all_postings()] == [
            ("7", T0 + timedelta(1)), ("8", T0 + timedelta(2))]
        later = T0 + timedelta(days=31, hours=12)
        assert store.close_stale("board", before=later - timedelta(days=30), now=later) == 1
        store.upsert_postings([Posting(source="board", source_id="8", title="Care Manager",
                                       company="Acme")], now=later)
        assert store.close_unseen("board", later) == 0  # 7 closed already
        assert [(p.source_id, p.last_seen, p.closed_at) for p in store.all_postings()] == [
            ("7", T0 + timedelta(1), later), ("8", later, None)]
        assert " where " in _index_definition(store, "ix_postings_unlisted").lower()


def _index_definition(store: Store, name: str) -> str:
    """The index's CREATE INDEX statement as the database keeps it."""
    query = ("SELECT indexdef FROM pg_indexes WHERE indexname = :name"
             " AND schemaname = current_schema()"
             if store.engine.dialect.name == "postgresql" else
             "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name")
    with store.engine.connect() as conn:
        return conn.execute(text(query), {"name": name}).scalar_one()


def test_the_indexes_of_unlisted_and_expiring_postings_hold_only_those(db_url):
    """Closing reads postings out of their listing, expiring open ones with a closing date: the
    indexes it reads by are partial on either database, so they stay small."""
    with Store(db_url) as store:
        unlisted = _index_definition(store, "ix_postings_unlisted")
        expiring = _index_definition(store, "ix_postings_expiring")
    assert "listed" in unlisted.lower().partition(" where ")[2]
    where = expiring.lower().partition(" where ")[2]
    assert "closed_at is null" in where and "valid_through is not null" in where
