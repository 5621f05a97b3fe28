"""The due time each scheduled job last ran for (``schedule_fires``), shared by every worker.

Callers hold the job's lease (``job:<id>``) around these, so reads and writes of one job's row
never race; ``pipeline.service.claims`` decides from them whether a firing still has to run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from pipeline.store.schema import schedule_fires, utcnow


@dataclass(frozen=True)
class Fire:
    """The last due time a job was claimed for, and when that run finished (None: it did not)."""

    job_id: str
    due_at: datetime
    finished_at: datetime | None


class FiresMixin:
    """Scheduled-fire queries of ``Store``."""

    engine: Engine

    def last_fire(self, job_id: str) -> Fire | None:
        """The job's last claimed due time, or None when no worker ever ran it."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schedule_fires)
                               .where(schedule_fires.c.job_id == job_id)).first()
        return None if row is None else Fire(**row._mapping)

    def start_fire(self, job_id: str, due_at: datetime) -> None:
        """Record that the job runs for ``due_at`` (not finished yet)."""
        values = {"due_at": due_at, "finished_at": None}
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(schedule_fires).values(job_id=job_id, **values))
        except IntegrityError:
            with self.engine.begin() as conn:
                conn.execute(update(schedule_fires)
                             .where(schedule_fires.c.job_id == job_id).values(**values))

    def finish_fire(self, job_id: str, due_at: datetime) -> None:
        """Record that the job's run for ``due_at`` finished."""
        with self.engine.begin() as conn:
            conn.execute(update(schedule_fires)
                         .where(schedule_fires.c.job_id == job_id,
                                schedule_fires.c.due_at == due_at)
                         .values(finished_at=utcnow()))
