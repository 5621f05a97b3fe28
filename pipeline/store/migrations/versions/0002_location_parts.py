"""Postings get city / region / country, parsed from the location by sources."""

from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    """Add the three location columns."""
    for name in ("city", "region", "country"):
        op.execute(f"ALTER TABLE postings ADD COLUMN {name} TEXT")
