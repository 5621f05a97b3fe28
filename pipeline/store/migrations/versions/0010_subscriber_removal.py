"""Subscribers taken out of jobs.yaml are marked removed, then purged to a tombstone, instead of
deleted with the record of what they were sent."""

from alembic import op

from pipeline.store.schema import add_columns, subscribers

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    """Add ``subscribers.removed_at`` and ``purged_at``."""
    bind = op.get_bind()
    add_columns(bind, "subscribers", {
        column.name: column.type.compile(dialect=bind.dialect)
        for column in (subscribers.c.removed_at, subscribers.c.purged_at)})
