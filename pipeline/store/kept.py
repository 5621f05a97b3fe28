"""Derived state kept between runs and processes: one blob per name, replaced whole.

What a process rebuilds at a cost from the stored data (the fitted posting index) is kept here,
so a later run, a scheduler job or another worker sharing the database starts from it. Saving
replaces the blob in one transaction: a reader sees the old blob or the new one, never a part.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from pipeline.store.schema import kept_state, utcnow

log = logging.getLogger(__name__)


class KeptMixin:
    """Kept-state queries of ``Store``."""

    def kept_blob(self, name: str) -> bytes | None:
        """The blob kept under ``name``, or None when there is none."""
        with self.engine.connect() as conn:
            row = conn.execute(select(kept_state.c.data).where(kept_state.c.name == name)).first()
        return bytes(row.data) if row is not None else None

    def keep_blob(self, name: str, data: bytes, now: datetime | None = None) -> None:
        """Replace the blob kept under ``name``; when another process saves the same name at the
        same moment, its blob is kept and this one dropped (both were made from the same data)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(kept_state).where(kept_state.c.name == name))
                conn.execute(insert(kept_state).values(name=name, data=data,
                                                       saved_at=now or utcnow()))
        except IntegrityError:
            log.info("kept state %s: another process saved it at the same time", name)
