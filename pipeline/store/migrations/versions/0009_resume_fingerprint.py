"""Subscribers keep their resume file's fingerprint and why it last failed to read, so a resume
is read again only when the file changes (existing ones are read once more)."""

from alembic import op

from pipeline.store.schema import add_columns

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    """Add ``subscribers.resume_fingerprint`` and ``resume_error``."""
    add_columns(op.get_bind(), "subscribers", {"resume_fingerprint": "VARCHAR(200)",
                                               "resume_error": "TEXT"})
