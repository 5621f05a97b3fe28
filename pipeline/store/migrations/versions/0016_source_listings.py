"""A source's latest listing time kept once, so a posting listed again is not rewritten."""

import sqlalchemy as sa
from alembic import op

from pipeline.store.schema import postings, source_listings

revision = "0016"
down_revision = "0015"


def upgrade() -> None:
    """Add ``postings.listed`` (false: every stored posting keeps its own ``last_seen``) and
    its index, the index of open postings that expire, and create ``source_listings``."""
    bind = op.get_bind()
    if "listed" not in {c["name"] for c in sa.inspect(bind).get_columns("postings")}:
        op.add_column("postings", sa.Column("listed", sa.Boolean, nullable=False,
                                            server_default=sa.false()))
    for index in postings.indexes:
        if index.name in ("ix_postings_unlisted", "ix_postings_expiring"):
            index.create(bind, checkfirst=True)
    source_listings.create(bind, checkfirst=True)
