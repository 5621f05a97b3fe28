"""Leases of the fetch stage, so processes sharing a database fetch different sources at once.

A source being fetched is held under ``fetch:<source>`` (a board with a fetch limit under
``fetch:board:<type>``, so its limit is decided from the database by one process at a time)
from the due check until its run is recorded; the steps after storing (closing and
de-duplication) run under ``dedupe``. Several ``pipeline schedule`` workers and a
``pipeline run`` by hand thus never fetch the same source twice at once, nor dedupe together.
"""

from __future__ import annotations

from pipeline.errors import LockedError
from pipeline.sources import REGISTRY
from pipeline.sources.base import SourceConfig
from pipeline.store import Store
from pipeline.store.runs import SourceRun
from pipeline.store.schema import utcnow

#: The lease of the steps after storing: closing postings and grouping duplicates.
DEDUPE_LOCK = "dedupe"


def fetch_lease(source_config: SourceConfig) -> str:
    """The lease a fetch of this source holds: its board's when the board limits fetches."""
    if REGISTRY[source_config.type].min_interval:
        return f"fetch:board:{source_config.type}"
    return f"fetch:{source_config.name}"


class FetchLeases:
    """The fetch leases one fetch stage holds, by source name."""

    def __init__(self, store: Store):
        self.store = store
        self._owners: dict[str, tuple[str, str]] = {}

    def take(self, source_config: SourceConfig) -> SourceRun | None:
        """Take the source's lease (kept if this stage holds it already): None, or a skipped
        run naming the process that is fetching it now."""
        name = fetch_lease(source_config)
        if any(held == name for held, _ in self._owners.values()):
            return None
        try:
            self._owners[source_config.name] = (name, self.store.acquire_lock(name))
        except LockedError:
            holder = self.store.holder(name)
            who = holder.describe() if holder else "another process"
            return SourceRun(source=source_config.name, started_at=utcnow(), status="skipped",
                             board=source_config.type,
                             error=f"being fetched right now by {who}")
        return None

    def release(self, source_config: SourceConfig) -> None:
        """Give back the source's lease, if this stage holds it."""
        held = self._owners.pop(source_config.name, None)
        if held is not None:
            self.store.release_lock(*held)

    def release_all(self) -> None:
        """Give back every lease still held (the stage ended, or failed)."""
        for name, owner in self._owners.values():
            self.store.release_lock(name, owner)
        self._owners.clear()
