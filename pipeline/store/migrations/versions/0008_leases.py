"""The host:pid ``locks`` become ``leases`` that expire unless renewed.

Rows of ``locks`` are dropped, not converted: a host:pid cannot tell a live holder from a crashed
one once the pid is reused or the host renamed, and a live one is a process of the previous
version.
"""

from alembic import op

from pipeline.store.schema import leases

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    """Create ``leases``, drop ``locks``."""
    leases.create(op.get_bind(), checkfirst=True)
    op.execute("DROP TABLE IF EXISTS locks")
