"""Bringing a database to the current schema with Alembic, and saying where it stands.

A new database is created from the tables of ``pipeline.store.schema`` and stamped at the head
revision. A database from before Alembic (a ``schema_version`` table holding N) is stamped at
revision N, then upgraded like any other: the revisions in ``pipeline/store/migrations/versions``
it has not had run in order, in the caller's transaction. A lock (PostgreSQL's advisory lock,
SQLite's write lock) makes processes opening one database at once migrate it one at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.environment import EnvironmentContext
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError
from sqlalchemy import Connection, inspect, text

from pipeline.errors import StoreError
from pipeline.store.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The table where databases made before Alembic kept their version number.
LEGACY_TABLE = "schema_version"
#: Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
_LOCK_KEY = 7_244_031_998


@cache
def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def scripts() -> ScriptDirectory:
    """The revisions this program knows."""
    return ScriptDirectory.from_config(_config())


HEAD = scripts().get_current_head()


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None when empty), and what upgrading would apply."""

    current: str | None
    head: str
    pending: tuple[str, ...]
    legacy: bool = False  # versioned by ``schema_version``, before Alembic

    @property
    def up_to_date(self) -> bool:
        """True when nothing is left to apply."""
        return self.current == self.head


def status(conn: Connection) -> SchemaState:
    """The database's revision and the revisions an upgrade would apply (reads only)."""
    current = MigrationContext.configure(conn).get_current_revision()
    legacy = _legacy_version(conn) if current is None else None
    if legacy is not None:
        current = _legacy_revision(legacy)
    if current is None:
        return SchemaState(None, HEAD, (HEAD,))
    return SchemaState(current, HEAD, tuple(_pending(current)), legacy is not None)


def migrate(conn: Connection) -> tuple[str | None, str]:
    """Create a new database at the head revision, or upgrade an older one.

    Returns (revision before, revision after); before is None for a new database.
    """
    if MigrationContext.configure(conn).get_current_revision() == HEAD:
        return (HEAD, HEAD)  # the usual case, without waiting for a write lock
    _serialize(conn)
    context = MigrationContext.configure(conn)
    current = context.get_current_revision()
    if current is None and _legacy_version(conn) is None:
        metadata.create_all(conn)
        context.stamp(scripts(), HEAD)
        return (None, HEAD)
    if current is None:
        current = _adopt_legacy(conn, context)
    if _pending(current):
        _upgrade(conn)
    return (current, HEAD)


def _serialize(conn: Connection) -> None:
    """Hold a lock until the transaction ends, so processes opening one database at once migrate
    it one after the other (the others then find it done)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    elif conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # sqlite3 would run DDL outside a transaction


def _legacy_version(conn: Connection) -> int | None:
    """The number in ``schema_version``, or None where there is no such table."""
    if not inspect(conn).has_table(LEGACY_TABLE):
        return None
    return conn.execute(text(f"SELECT version FROM {LEGACY_TABLE}")).scalar() or 1


def _legacy_revision(version: int) -> str:
    """The revision of schema version ``version``; StoreError when it is newer than any known."""
    revision = f"{version:04d}"
    if not _known(revision):
        raise StoreError(f"the database is at schema version {version}, newer than this "
                         f"program knows ({HEAD}); upgrade the program")
    return revision


def _known(revision: str) -> bool:
    try:
        return scripts().get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def _adopt_legacy(conn: Connection, context: MigrationContext) -> str:
    """Stamp a pre-Alembic database at the revision of its version; drop ``schema_version``."""
    revision = _legacy_revision(_legacy_version(conn))
    context.stamp(scripts(), revision)
    conn.execute(text(f"DROP TABLE {LEGACY_TABLE}"))
    return revision


def _pending(current: str) -> list[str]:
    """The revisions after ``current`` up to the head, oldest first."""
    if not _known(current):
        raise StoreError(f"the database is at schema revision {current}, newer than this "
                         f"program knows ({HEAD}); upgrade the program")
    found = scripts().iterate_revisions(HEAD, current)
    return [script.revision for script in reversed(list(found)) if script.revision != current]


def _upgrade(conn: Connection) -> None:
    """Run every revision the database has not had, in the connection's transaction."""
    directory = scripts()

    def steps(revision, _context):
        return directory._upgrade_revs(HEAD, revision)

    with EnvironmentContext(_config(), directory, fn=steps) as environment:
        environment.configure(connection=conn, target_metadata=metadata)
        environment.run_migrations()
