"""Subscribers' judgments of postings from the feedback links in digests, and sign-ups waiting
for their confirmation link (double opt-in)."""

from alembic import op

from pipeline.store.schema import feedback, signups

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    """Create ``feedback`` and ``signups`` where they are missing."""
    feedback.create(op.get_bind(), checkfirst=True)
    signups.create(op.get_bind(), checkfirst=True)
