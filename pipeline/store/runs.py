"""Per-source run records: source health, and when each source and board was last fetched."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, func, insert, or_, select

from pipeline.store.schema import source_runs


@dataclass
class SourceRun:
    """What one fetch of one source did."""

    source: str
    started_at: datetime
    status: str  # ok, failed, empty (skipped: never recorded)
    duration: float = 0.0
    seen: int = 0
    new: int = 0
    changed: int = 0
    closed: int = 0
    suspicious: bool = False
    error: str | None = None
    board: str | None = None  # the source's type; None in runs recorded before schema v5


class RunsMixin:
    """Source-health queries of ``Store``."""

    def record_source_run(self, run: SourceRun) -> None:
        """Keep the record of one source's fetch."""
        with self.engine.begin() as conn:
            conn.execute(insert(source_runs).values(**run.__dict__))

    def source_runs(self, source: str | None = None, limit: int = 10) -> list[SourceRun]:
        """The latest runs, newest first (of one source, or of all)."""
        query = select(source_runs).order_by(source_runs.c.started_at.desc(),
                                             source_runs.c.id.desc())
        if source is not None:
            query = query.where(source_runs.c.source == source)
        with self.engine.connect() as conn:
            rows = conn.execute(query.limit(limit))
            return [SourceRun(**{k: v for k, v in r._mapping.items() if k != "id"})
                    for r in rows]

    def last_fetched(self, source: str) -> datetime | None:
        """When ``source`` was last fetched (any recorded run, failed ones too), or None."""
        query = select(func.max(source_runs.c.started_at)).where(source_runs.c.source == source)
        with self.engine.connect() as conn:
            when = conn.execute(query).scalar()
        return None if when is None else when.replace(tzinfo=UTC)

    def last_board_fetch(self, board: str,
                         names: Iterable[str] = ()) -> tuple[datetime, str] | None:
        """When the board (a source type) was last fetched, by any source, and by which one.

        Every recorded run counts, failed ones too, and runs of sources since renamed or removed.
        Runs recorded before runs had a board count when their source is one of ``names``.
        """
        query = (select(source_runs.c.started_at, source_runs.c.source)
                 .where(or_(source_runs.c.board == board,
                            and_(source_runs.c.board.is_(None),
                                 source_runs.c.source.in_(list(names)))))
                 .order_by(source_runs.c.started_at.desc(), source_runs.c.id.desc()).limit(1))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else (row.started_at.replace(tzinfo=UTC), row.source)
