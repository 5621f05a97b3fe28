"""The record of unsubscribe mail processed from an mbox file (a database that ran the first
version of that command has the table already)."""

from alembic import op

from pipeline.store.schema import processed_unsubscribe_mail

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    """Create ``processed_unsubscribe_mail`` where it is missing."""
    processed_unsubscribe_mail.create(op.get_bind(), checkfirst=True)
