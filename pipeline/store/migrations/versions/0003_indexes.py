"""Indexes for the open-postings, outbox and source-health queries."""

from alembic import op

from pipeline.store.schema import metadata

revision = "0003"
down_revision = "0002"

#: Indexes on a column that a later revision adds (0005, 0016), created there.
LATER = ("ix_source_runs_board", "ix_postings_unlisted", "ix_postings_expiring")


def upgrade() -> None:
    """Create the indexes the tables have today, but those on later columns."""
    for index in (i for t in metadata.sorted_tables for i in t.indexes):
        if index.name not in LATER:
            index.create(op.get_bind(), checkfirst=True)
