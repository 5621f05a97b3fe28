"""Outbox rows count the tries whose outcome is unknown (sent, never answered)."""

from alembic import op

from pipeline.store.schema import add_columns

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    """Add ``outbox.unknown_outcomes``."""
    add_columns(op.get_bind(), "outbox", {"unknown_outcomes": "INTEGER NOT NULL DEFAULT 0"})
