"""Derived state kept in the database between runs (the fitted posting index), on every backend."""

from alembic import op

from pipeline.store.schema import kept_state

revision = "0014"
down_revision = "0013"


def upgrade() -> None:
    """Create ``kept_state`` where it is missing."""
    kept_state.create(op.get_bind(), checkfirst=True)
