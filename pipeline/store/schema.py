"""The database schema: the tables as they are today.

A new database is created from them directly; an existing one is brought to them by the Alembic
revisions in ``pipeline/store/migrations`` (applied by ``pipeline.store.versioning``). To change
the schema: edit the table here AND add a revision that makes the same change to an existing
database.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    event,
    false,
    inspect,
    text,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """Datetimes stored as naive UTC and read back as aware UTC (SQLite keeps no time zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


metadata = MetaData()

postings = Table(
    "postings", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("source_id", String(500), nullable=False),
    Column("url", Text), Column("title", Text, nullable=False), Column("company", Text),
    Column("location", Text), Column("city", Text), Column("region", Text), Column("country", Text),
    Column("remote", String(16), nullable=False, default="unknown"),
    Column("description", Text, nullable=False, default=""), Column("description_html", Text),
    Column("salary_min", Float), Column("salary_max", Float),
    Column("salary_currency", String(8)), Column("salary_period", String(16)),
    Column("employment_type", Text),
    Column("posted_at", UTCDateTime), Column("valid_through", UTCDateTime),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("closed_at", UTCDateTime),
    Column("extra", JSON, nullable=False, default=dict),
    Column("content_hash", String(64), nullable=False),
    Column("canonical_id", Integer, ForeignKey("postings.id")),
    # In its source's latest listing: last seen then (``source_listings``), not at ``last_seen``,
    # which holds when it was last seen only while this is false. A posting listed run after run
    # is not written at all.
    Column("listed", Boolean, nullable=False, default=False, server_default=false()),
    UniqueConstraint("source", "source_id", name="uq_postings_source_id"),
)
Index("ix_postings_open", postings.c.closed_at, postings.c.canonical_id)
#: Postings out of their source's latest listing: few while a source lists what it listed,
#: so its fetch finds them (to close or list again) without reading every posting of it.
UNLISTED = postings.c.listed == false()
#: Open postings with a ``valid_through``: what closing expired postings reads (most boards
#: give none, so it stays small).
EXPIRING = and_(postings.c.closed_at.is_(None), postings.c.valid_through.is_not(None))


def _partial_index(name: str, *columns: Column, where) -> Index:
    """An index of the rows ``where`` holds, on SQLite and PostgreSQL alike. The WHERE is given
    to the dialect creating the index, when it does: ``postgresql_where`` in the table's
    definition would load SQLAlchemy's PostgreSQL dialect to check the keyword in every
    process, SQLite ones included (about 55 ms of each command's start)."""
    index = Index(name, *columns)

    @event.listens_for(index, "before_create")
    def _where(target: Index, connection: Connection, **_) -> None:
        target.dialect_options[connection.dialect.name]["where"] = where

    return index


_partial_index("ix_postings_unlisted", postings.c.source, postings.c.closed_at, where=UNLISTED)
_partial_index("ix_postings_expiring", postings.c.closed_at, postings.c.valid_through,
               where=EXPIRING)

#: When each source's postings were last stored (its latest listing): the last time a posting
#: marked ``listed`` was seen.
source_listings = Table(
    "source_listings", metadata,
    Column("source", String(200), primary_key=True),
    Column("listed_at", UTCDateTime, nullable=False),
)

subscribers = Table(
    "subscribers", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("name", Text),
    Column("resume_path", Text), Column("resume_text", Text),
    # size:mtime_ns:sha256 of the resume file last read, and why it last could not be read
    Column("resume_fingerprint", String(200)), Column("resume_error", Text),
    Column("settings", JSON, nullable=False, default=dict),
    Column("from_config", Boolean, nullable=False, default=False),
    Column("paused", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("unsubscribed_at", UTCDateTime),
    Column("last_digest_at", UTCDateTime),
    # Taken out of jobs.yaml: no digests; personal data purged after the grace period.
    Column("removed_at", UTCDateTime),
    # Personal data purged: the row is a tombstone (``email`` holds a hash of the address)
    # that keeps the postings already sent, so an address put back never gets them again.
    Column("purged_at", UTCDateTime),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE")),
    Column("recipient", String(320), nullable=False),
    Column("message_id", String(300), nullable=False, unique=True),
    Column("subject", Text, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(16), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("next_attempt_at", UTCDateTime),
    Column("sent_at", UTCDateTime),
    # tries that sent the whole message but got no reply (it may have been delivered)
    Column("unknown_outcomes", Integer, nullable=False, default=0, server_default="0"),
    # the relay worker sending the row ("host pid N #id") and until when its claim holds
    Column("claimed_by", String(300)),
    Column("claimed_until", UTCDateTime),
    # when the claimer began handing the message to the server, until its outcome is recorded
    Column("sending_at", UTCDateTime),
)
Index("ix_outbox_status", outbox.c.status, outbox.c.next_attempt_at)

deliveries = Table(
    "deliveries", metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("posting_id", Integer, ForeignKey("postings.id"), primary_key=True),
    Column("outbox_id", Integer, ForeignKey("outbox.id", ondelete="CASCADE")),
    Column("score", Float),
    Column("created_at", UTCDateTime, nullable=False),
)

source_runs = Table(
    "source_runs", metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(200), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("duration", Float, nullable=False, default=0.0),
    Column("status", String(16), nullable=False),
    Column("seen", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("changed", Integer, nullable=False, default=0),
    Column("closed", Integer, nullable=False, default=0),
    Column("suspicious", Boolean, nullable=False, default=False),
    Column("error", Text),
    Column("board", String(100)),  # the source's type: boards limit fetches, not source names
)
Index("ix_source_runs_source", source_runs.c.source, source_runs.c.started_at)
Index("ix_source_runs_board", source_runs.c.board, source_runs.c.started_at)

#: Named locks that expire unless their holder renews them (``pipeline.store.leases``). The name
#: is what is held ("run", "notify", "schedule"); the same rows can hold claims on single pieces of
#: work ("source:<name>") for several workers.
leases = Table(
    "leases", metadata,
    Column("name", String(200), primary_key=True),
    Column("owner", String(64), nullable=False),  # a uuid drawn for each acquisition
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("instance", String(200)),  # boot id / pid namespace / start time, where /proc tells
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("heartbeat_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

#: The due time each scheduled job last ran for, claimed by one of the workers sharing the
#: database (``pipeline.service.claims``); ``finished_at`` is empty while it runs, or if it died.
schedule_fires = Table(
    "schedule_fires", metadata,
    Column("job_id", String(200), primary_key=True),
    Column("due_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
)

secrets = Table(
    "secrets", metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Mail to the unsubscribe address already acted on, when it is read from an mbox file (which is
#: never rewritten): its Message-ID, or a SHA-256 of it (``pipeline.notify.mail_inbox``).
processed_unsubscribe_mail = Table(
    "processed_unsubscribe_mail", metadata,
    Column("message_key", String(300), primary_key=True),
    Column("outcome", String(32), nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
)

#: A subscriber's judgment of a posting from a digest's feedback links: ``verdict`` is ``more``
#: ("more like this") or ``not`` ("not for me", with an optional ``reason``); one row per
#: subscriber and posting, so following a link again changes nothing.
feedback = Table(
    "feedback", metadata,
    Column("subscriber_id", Integer, ForeignKey("subscribers.id", ondelete="CASCADE"),
           primary_key=True),
    Column("posting_id", Integer, ForeignKey("postings.id", ondelete="CASCADE"),
           primary_key=True),
    Column("verdict", String(8), nullable=False),
    Column("reason", String(32)),
    Column("created_at", UTCDateTime, nullable=False),
)

#: Sign-ups waiting for their confirmation link to be followed (double opt-in); ``data`` holds
#: the form's settings and resume text. Purged at ``expires_at``.
signups = Table(
    "signups", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(320), nullable=False, unique=True),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)


def add_columns(conn: Connection, table: str, columns: dict[str, str]) -> None:
    """Add ``name -> SQL type`` columns to ``table``, leaving those already there (a table that an
    older revision created from this module's current definition has them)."""
    present = {column["name"] for column in inspect(conn).get_columns(table)}
    for name, sql_type in columns.items():
        if name not in present:
            conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}"))


#: Execution options of a statement whose text parameters can hold no NUL (the values of a
#: validated ``Posting``, cleaned at its boundary, or ids and bytes): the NUL filter every
#: statement goes through (``pipeline.store.engine_for``) skips its rows.
NUL_FREE = {"nul_free": True}


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)

#: Derived state kept between runs and processes, one blob per ``name``, replaced whole
#: (``pipeline.store.kept``): the fitted posting index (``pipeline.match.kept``).
kept_state = Table(
    "kept_state", metadata,
    Column("name", String(64), primary_key=True),
    Column("data", LargeBinary, nullable=False),
    Column("saved_at", UTCDateTime, nullable=False),
)

#: The hashed word counts de-duplication compared each posting's description by, kept with the
#: content hash they were made from (``pipeline.store.terms``; encoded by ``pipeline.dedupe``).
dedupe_terms = Table(
    "dedupe_terms", metadata,
    Column("posting_id", Integer, ForeignKey("postings.id", ondelete="CASCADE"),
           primary_key=True),
    Column("content_hash", String(64), nullable=False),
    Column("terms", LargeBinary, nullable=False),
)
