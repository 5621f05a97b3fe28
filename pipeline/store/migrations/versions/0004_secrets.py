"""A table for generated secrets (the unsubscribe-link key when none is set)."""

from alembic import op

from pipeline.store.schema import secrets

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    """Create ``secrets``."""
    secrets.create(op.get_bind(), checkfirst=True)
