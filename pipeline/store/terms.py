"""What de-duplication keeps of each posting between passes: its description's hashed counts.

Each row holds the counts (opaque bytes, made by ``pipeline.dedupe``) and the content hash of
the posting they were made from: counts whose hash is no longer the posting's are stale, and
made again by the next pass that compares the posting. Counts of closed postings are dropped.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import bindparam, delete, select

from pipeline.store.bulk import CHUNK, insert_many
from pipeline.store.schema import dedupe_terms, postings


class TermsMixin:
    """Kept description counts of ``Store``."""

    def kept_terms(self, ids: list[int]) -> dict[int, tuple[str, bytes]]:
        """(content hash, counts) kept for each of ``ids`` that has them."""
        found = {}
        if not ids:
            return found
        with self.engine.connect() as conn:
            if conn.execute(select(dedupe_terms.c.posting_id).limit(1)).first() is None:
                return found  # nothing kept yet (a first pass): no ids to look up
            for start in range(0, len(ids), CHUNK):
                rows = conn.execute(select(dedupe_terms).where(
                    dedupe_terms.c.posting_id.in_(ids[start:start + CHUNK])))
                found.update({r.posting_id: (r.content_hash, bytes(r.terms)) for r in rows})
        return found

    def keep_terms(self, terms: dict[int, tuple[str, bytes]],
                   replaced: Collection[int] | None = None) -> None:
        """Keep (content hash, counts) for each posting id, replacing what was kept;
        ``replaced``: the ids that may have counts kept (the others are only added), when
        the caller knows (a first pass has nothing to replace)."""
        if not terms:
            return
        ids = list(terms) if replaced is None else list(replaced)
        rows = [(i, h, t) for i, (h, t) in terms.items()]
        with self.engine.begin() as conn:
            for start in range(0, len(ids), CHUNK):
                conn.execute(delete(dedupe_terms).where(
                    dedupe_terms.c.posting_id.in_(ids[start:start + CHUNK])))
            insert_many(conn, dedupe_terms, ("posting_id", "content_hash", "terms"), rows)

    def drop_closed_terms(self) -> int:
        """Drop the counts kept for closed postings; how many were dropped."""
        closed = select(postings.c.id).where(postings.c.closed_at.is_not(None))
        with self.engine.begin() as conn:
            done = conn.execute(delete(dedupe_terms).where(
                dedupe_terms.c.posting_id.in_(closed)))
        return done.rowcount

    def posting_descriptions(self, ids: list[int]) -> dict[int, str]:
        """The description of each of ``ids``."""
        found = {}
        query = select(postings.c.id, postings.c.description).where(
            postings.c.id.in_(bindparam("ids", expanding=True)))
        with self.engine.connect() as conn:
            for start in range(0, len(ids), CHUNK):
                found.update(conn.execute(query, {"ids": ids[start:start + CHUNK]}).all())
        return found
