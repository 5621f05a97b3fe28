"""Source runs record the board (source type), whose fetch limit they share.

Older runs keep a NULL board; ``last_board_fetch`` reads them by source name.
"""

from alembic import op

from pipeline.store.schema import source_runs

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    """Add ``source_runs.board`` and its index."""
    op.execute("ALTER TABLE source_runs ADD COLUMN board VARCHAR(100)")
    for index in source_runs.indexes:
        index.create(op.get_bind(), checkfirst=True)
