"""Turns a database the current schema made into one as schema version 6 left it, for upgrade
tests: no ``outbox.unknown_outcomes`` (v7), host:pid ``locks`` instead of ``leases`` (v8), no
resume fingerprints (v9), its version in ``schema_version`` (before Alembic)."""

from __future__ import annotations

from sqlalchemy import Connection, text

#: The locks table as schema version 6 made it: a holder named by host:pid, no expiry.
V6_LOCKS = ("CREATE TABLE IF NOT EXISTS locks (name VARCHAR(100) NOT NULL PRIMARY KEY, "
            "owner TEXT NOT NULL, acquired_at DATETIME NOT NULL)")


def make_version_6(conn: Connection) -> None:
    """Undo what versions 7 to 9 added, and record version 6."""
    conn.execute(text("DROP TABLE IF EXISTS leases"))
    conn.execute(text(V6_LOCKS))
    conn.execute(text("ALTER TABLE outbox DROP COLUMN unknown_outcomes"))
    for column in ("resume_fingerprint", "resume_error"):
        conn.execute(text(f"ALTER TABLE subscribers DROP COLUMN {column}"))
    for statement in legacy_version_marker(6):
        conn.execute(text(statement))


def legacy_version_marker(version: int) -> list[str]:
    """SQL that replaces Alembic's revision with ``schema_version`` = ``version``, as a database
    made before Alembic records its version."""
    return ["DROP TABLE alembic_version",
            "CREATE TABLE schema_version (version INTEGER NOT NULL)",
            f"INSERT INTO schema_version VALUES ({version})"]
