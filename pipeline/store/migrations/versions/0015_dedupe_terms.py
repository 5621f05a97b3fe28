"""The hashed description counts de-duplication keeps between passes, on every backend."""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"


def upgrade() -> None:
    """Create ``dedupe_terms`` (empty: each posting's counts are made when next compared)."""
    if sa.inspect(op.get_bind()).has_table("dedupe_terms"):
        return
    op.create_table(
        "dedupe_terms",
        sa.Column("posting_id", sa.Integer,
                  sa.ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("terms", sa.LargeBinary, nullable=False),
    )
