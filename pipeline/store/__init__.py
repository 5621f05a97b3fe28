"""The database: postings, subscribers, the outbox, source health and leases (SQLAlchemy).

SQLite by default (WAL mode, so processes can share the file), or any SQLAlchemy URL such as
PostgreSQL. ``Store`` is composed of one mixin per area:

    postings.py     upsert, close, read postings
    subscribers.py  subscribers and their settings
    feedback.py     subscribers' judgments of postings (digest feedback links)
    outbox.py       digests queued for delivery, and which postings each subscriber has had
    claims.py       relay workers' claims on outbox rows (each row sent by one worker)
    signups.py      sign-ups waiting for confirmation; notices (no subscriber) in the outbox
    runs.py         per-source run records (source health)
    leases.py       named locks that expire unless renewed (run, notify, a worker, a job)
    fires.py        the due time each scheduled job last ran for (several workers)
    kept.py         derived state kept between runs (the fitted posting index)
    terms.py        de-duplication's hashed description counts, kept between passes
    bulk.py         many rows written by one statement through the driver's executemany
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from pipeline.errors import StoreError
from pipeline.store.claims import ClaimsMixin
from pipeline.store.feedback import FeedbackMixin
from pipeline.store.fires import FiresMixin
from pipeline.store.kept import KeptMixin
from pipeline.store.leases import LeasesMixin
from pipeline.store.outbox import OutboxMixin
from pipeline.store.postings import PostingsMixin, UpsertResult
from pipeline.store.runs import RunsMixin
from pipeline.store.schema import NUL_FREE
from pipeline.store.signups import SignupsMixin
from pipeline.store.subscribers import Subscriber, SubscribersMixin
from pipeline.store.terms import TermsMixin
from pipeline.store.versioning import HEAD, SchemaState, migrate, status

__all__ = ["SchemaState", "Store", "Subscriber", "UpsertResult", "schema_status", "shown_url"]


class Store(PostingsMixin, SubscribersMixin, OutboxMixin, ClaimsMixin, RunsMixin, LeasesMixin,
            FeedbackMixin, SignupsMixin, FiresMixin, KeptMixin, TermsMixin):
    """All database access of the pipeline; opening it creates or upgrades the schema."""

    def __init__(self, url: str):
        self.url = url
        self.engine = engine_for(url)
        try:
            with self.engine.begin() as conn:
                self.migrated_from, self.version = migrate(conn)
        except SQLAlchemyError as exc:
            raise _unopened(url, exc) from exc

    def close(self) -> None:
        """Give back any lease still held, and release the connection pool."""
        self.release_all_leases()
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def schema_status(url: str) -> SchemaState:
    """Where the database at ``url`` stands against this program's schema; changes nothing
    (a SQLite file that does not exist yet is not created)."""
    if _missing_sqlite_file(url):
        return SchemaState(None, HEAD, (HEAD,))
    engine = engine_for(url)
    try:
        with engine.connect() as conn:
            return status(conn)
    except SQLAlchemyError as exc:
        raise _unopened(url, exc) from exc
    finally:
        engine.dispose()


def _missing_sqlite_file(url: str) -> bool:
    try:
        parsed = make_url(url)
    except ArgumentError:
        return False
    database = parsed.database or ""
    return (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
            and not database.startswith("file:") and not Path(database).exists())


def _unopened(url: str, exc: SQLAlchemyError) -> StoreError:
    reason = exc.orig if hasattr(exc, "orig") else exc
    return StoreError(f"cannot open the database {shown_url(url)}: {exc.__class__.__name__}: "
                      f"{reason}; check that the database (file and folder, or server) exists "
                      "and is writable")


#: How long a SQLite connection waits for another writer before it fails with "database is locked".
BUSY_TIMEOUT_MS = 30_000
#: The page cache of each SQLite connection, at most (SQLite's default is 2 MiB): a run reads
#: the open postings several times over (sources, store, de-duplication, queueing), and with
#: the default cache every pass read the file again, page by page (at 10,000 postings a +1%
#: run made 69,500 reads and 42,900 writes of pages; 14,100 and 28,200 with this cache).
CACHE_KIB = 32 * 1024


def engine_for(url: str) -> Engine:
    """An engine; for SQLite, the folder is created and WAL, a busy timeout and a larger page
    cache are switched on (the scheduler's job store uses it too, so it waits for a busy
    database like the store)."""
    if url.startswith("sqlite:///") and ":memory:" not in url:
        folder = Path(url.removeprefix("sqlite:///")).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the database folder {folder}: {exc.strerror}; "
                             "change database.url in jobs.yaml") from exc
    try:
        engine = create_engine(url, future=True)
    except ArgumentError as exc:
        raise StoreError(f"{shown_url(url)!r} is not a database URL SQLAlchemy understands"
                         ) from exc
    except ImportError as exc:
        raise StoreError(f"no database driver for {url.split(':', 1)[0]!r}: {exc}; install "
                         "it into this environment (e.g. `pip install psycopg` for PostgreSQL)"
                         ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    event.listen(engine, "before_cursor_execute", _without_nul, retval=True)
    return engine


def shown_url(url: str) -> str:
    """The URL for messages, with any password masked."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cursor = dbapi_conn.cursor()
    # The busy timeout first: switching a new file to WAL needs a lock another process creating
    # the same database may hold, and sqlite3's own default wait is only 5 s.
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode; far fewer fsyncs
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    cursor.close()


def _switch_to_wal(cursor) -> None:
    """Put the file in WAL mode, waiting up to the busy timeout for other connections.

    The switch reads the file, then needs it to itself; SQLite answers "database is locked" at
    once, without its busy wait, when another connection switching the same new file holds it
    (that wait could deadlock). So the switch is tried again, briefly apart, until the timeout.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.01)


def _without_nul(_conn, _cursor, statement, parameters, context, executemany):
    """The parameters with NUL taken out of every string, so both backends store the same text:
    PostgreSQL refuses NUL in text, SQLite would keep it. Statements run with ``NUL_FREE``
    (rows of validated postings: thousands at a time) are left as they are."""
    if context is not None and NUL_FREE.items() <= context.execution_options.items():
        return statement, parameters
    if executemany:
        return statement, [_nul_free(row) for row in parameters]
    return statement, _nul_free(parameters)


def _nul_free(row):
    """One statement's parameters (a dict, a tuple or a list) with NUL removed from strings."""
    if isinstance(row, dict):
        return {key: _clean(value) for key, value in row.items()}
    if isinstance(row, list | tuple):
        return type(row)(_clean(value) for value in row)
    return row


def _clean(value):
    return value.replace("\x00", "") if isinstance(value, str) and "\x00" in value else value
