"""Outbox rows can be claimed by one relay worker until an expiry, and record a send in flight."""

from alembic import op

from pipeline.store.schema import add_columns, outbox

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    """Add ``outbox.claimed_by``, ``outbox.claimed_until`` and ``outbox.sending_at``."""
    bind = op.get_bind()
    add_columns(bind, "outbox", {
        column.name: column.type.compile(dialect=bind.dialect)
        for column in (outbox.c.claimed_by, outbox.c.claimed_until, outbox.c.sending_at)})
