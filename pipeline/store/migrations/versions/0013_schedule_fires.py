"""``schedule_fires``: the due time each scheduled job last ran for, so that several
``pipeline schedule`` workers sharing the database run each due time of a job once."""

from alembic import op

from pipeline.store.schema import schedule_fires

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    """Create ``schedule_fires`` where it is missing."""
    schedule_fires.create(op.get_bind(), checkfirst=True)
