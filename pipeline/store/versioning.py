"""Bringing a database to the current schema with Alembic, and saying where it stands.

A new database is created from the tables of ``pipeline.store.schema`` and stamped at the head
revision. A database from before Alembic (a ``schema_version`` table holding N) is stamped at
revision N, then upgraded like any other: the revisions in ``pipeline/store/migrations/versions``
it has not had run in order, in the caller's transaction. A lock (PostgreSQL's advisory lock,
SQLite's write lock) makes processes opening one database at once migrate it one at a time.

Alembic is loaded only when a database is not at the head revision (or its status is asked
for): the head is read from the revision files, so opening an up-to-date database (every run)
does not pay for importing Alembic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

from pipeline.errors import StoreError
from pipeline.store.schema import metadata

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: The table where databases made before Alembic kept their version number.
LEGACY_TABLE = "schema_version"
#: Any fixed number: the key of the PostgreSQL advisory lock held while migrating.
_LOCK_KEY = 7_244_031_998
#: Alembic's own table: the revision a database is at.
VERSION_TABLE = "alembic_version"
_REVISION = re.compile(r'^(down_revision|revision) = (?:"([^"]+)"|None)', re.MULTILINE)

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory


@cache
def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@cache
def scripts() -> ScriptDirectory:
    """The revisions this program knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config())


def _head() -> str:
    """The head revision: the one no revision file names as its ``down_revision`` (Alembic's
    answer where the files do not name exactly one)."""
    revisions, parents = set(), set()
    for path in (MIGRATIONS / "versions").glob("[0-9]*.py"):
        found = dict((key, value) for key, value in
                     _REVISION.findall(path.read_text(encoding="utf-8")))
        revisions.add(found.get("revision"))
        parents.add(found.get("down_revision"))
    heads = revisions - parents - {None, ""}
    return heads.pop() if len(heads) == 1 else scripts().get_current_head()


HEAD = _head()


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
    from alembic.runtime.migration import MigrationContext

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
    if _stamped(conn) == HEAD:
        return (HEAD, HEAD)  # the usual case, without waiting for a write lock
    from alembic.runtime.migration import MigrationContext

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


def _stamped(conn: Connection) -> str | None:
    """The revision recorded in Alembic's table, read without loading Alembic (None if none)."""
    if not inspect(conn).has_table(VERSION_TABLE):
        return None
    return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()


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
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    try:
        return scripts().get_revision(revision) is not None
    except (CommandError, RevisionError):
        return False


def _adopt_legacy(conn: Connection, context) -> str:
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
    from alembic.runtime.environment import EnvironmentContext

    directory = scripts()

    def steps(revision, _context):
        return directory._upgrade_revs(HEAD, revision)

    with EnvironmentContext(_config(), directory, fn=steps) as environment:
        environment.configure(connection=conn, target_metadata=metadata)
        environment.run_migrations()
