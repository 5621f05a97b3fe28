"""Schema version 1: postings, subscribers, outbox, deliveries, source runs.

Databases at this version predate Alembic; a new database is created at the head directly
(``pipeline.store.versioning.migrate``), so this revision has nothing to do.
"""

revision = "0001"
down_revision = None


def upgrade() -> None:
    """Nothing: version 1 is where the history starts."""
