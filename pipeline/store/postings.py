"""Postings in the database: upsert with first/last seen kept, closing, and reading open ones.

A posting the database refuses (a value it cannot encode or hold) is left out of its batch and
reported in ``UpsertResult.skipped``; the rest of the batch is stored, still in one transaction.
An error of the database itself (locked, full, gone) fails the whole batch.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Text, and_, bindparam, case, cast, func, insert, select, update
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, StatementError

from pipeline.posting import DERIVED_EXTRA, Posting, Remote, StoredPosting, clean_text
from pipeline.store.bulk import CHUNK, insert_many, marker, update_many
from pipeline.store.schema import (
    EXPIRING,
    NUL_FREE,
    UNLISTED,
    postings,
    source_listings,
    utcnow,
)

log = logging.getLogger(__name__)

#: Fields that belong to the database, not to what the board said; they never mark a change.
_BOOKKEEPING = {"id", "first_seen", "last_seen", "closed_at"}
_COLUMNS = [c.name for c in postings.columns
            if c.name not in {"content_hash", "canonical_id", "listed"}]
_FIELDS = frozenset(_COLUMNS)
#: The posting fields whose JSON-mode value is not the column's (dates become text, a NaN null).
_NATIVE = ("posted_at", "valid_through", "salary_min", "salary_max")
#: The columns a new posting's row is inserted with, in order: what the board said, then ours.
_SAID = tuple(name for name in _COLUMNS if name not in _BOOKKEEPING)
_INSERTED = (*_SAID, "content_hash", "first_seen", "last_seen", "listed")
_SAID_OF = itemgetter(*_SAID)
_NATIVE_AT = [(_SAID.index(name), name) for name in _NATIVE]
#: When a posting was last seen: its source's latest listing while it is in that listing
#: (``listed``), else its own ``last_seen``.
LAST_SEEN = case((postings.c.listed, select(source_listings.c.listed_at).where(
    source_listings.c.source == postings.c.source).scalar_subquery()),
    else_=postings.c.last_seen)
#: A stored posting's columns, ``last_seen`` as ``LAST_SEEN`` gives it: what reads whole
#: postings selects instead of the table.
POSTING_COLUMNS = [LAST_SEEN.label("last_seen") if c.name == "last_seen" else c
                   for c in postings.columns if c.name != "listed"]
#: What ``postings_as_stored`` reads of a posting besides its ``extra``.
_STORED = [postings.c[name] for name in StoredPosting._fields if name != "extra"]
#: The columns ``open_posting_rows`` reads: what de-duplication compares and notes (it reads
#: the counts of descriptions, ``kept_terms``, only where it compares them, and descriptions
#: only where it has no counts kept: ``posting_descriptions``).
DEDUPE_COLUMNS = ("source", "source_id", "url", "title", "company", "location", "city", "region",
                  "country", "extra", "content_hash")
#: Postings one batch may leave out before the batch fails as a whole: each one left out costs
#: the batch another try, and so many refused postings point at the database, not at them.
MAX_SKIPPED = 20


@dataclass
class UpsertResult:
    """What storing one batch of postings did."""

    new: list[int] = field(default_factory=list)
    changed: list[int] = field(default_factory=list)
    unchanged: int = 0
    reopened: int = 0
    skipped: list[str] = field(default_factory=list)  # "<board id>: <why>", one per posting


class _Unstorable(Exception):
    """One posting of a batch the database refused; the batch is tried again without it."""

    def __init__(self, index: int, cause: Exception):
        super().__init__(str(cause))
        self.index, self.cause = index, cause


def content_hash(posting: Posting, data: dict | None = None) -> str:
    """A digest of what the board said, to tell a changed posting from an unchanged one.

    ``data``: the posting's JSON-mode dump without bookkeeping fields, when already made.
    De-duplication's notes in ``extra`` (``DERIVED_EXTRA``) are left out: a stored posting a
    source returns as it is hashes as what the board said.
    """
    data = data if data is not None else posting.model_dump(mode="json", exclude=_BOOKKEEPING)
    if any(key in data["extra"] for key in DERIVED_EXTRA):
        extra = {k: v for k, v in data["extra"].items() if k not in DERIVED_EXTRA}
        data = {**data, "extra": extra}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _refuses_posting(exc: Exception) -> bool:
    """Whether ``exc`` is about one posting's values, not about the database as a whole."""
    if isinstance(exc, DataError | IntegrityError | ValueError | TypeError | ArithmeticError):
        return True  # UnicodeEncodeError is a ValueError; NUL in text a DataError (PostgreSQL)
    return isinstance(exc, StatementError) and not isinstance(exc, DBAPIError)


def _reason(exc: Exception) -> str:
    """The first line of what the database said, without the SQL statement."""
    lines = str(getattr(exc, "orig", None) or exc).splitlines() or [""]
    return f"{type(exc).__name__}: {lines[0]}"


def row_to_posting(row) -> Posting:
    """A database row as a Posting, built as stored: every posting was validated and cleaned
    when it was stored, so reading it back skips pydantic (the largest cost of loading 100k)."""
    data = row._asdict()
    if data.keys() != _FIELDS:  # the whole row: bookkeeping columns too
        data = {name: value for name, value in data.items() if name in _FIELDS}
    data["remote"] = Remote(data["remote"])
    if data["extra"] is None:
        data["extra"] = {}
    return Posting.model_construct(_fields_set=set(_FIELDS), **data)


class _ChunkRefused(Exception):
    """The database refused a chunk written at once; which posting, only row by row tells."""


class _Plan:
    """The writes one batch needs, gathered first and run in chunks (executemany)."""

    def __init__(self, now: datetime):
        self.now = now
        self.inserts: list[tuple[int, tuple]] = []  # (index in batch, _INSERTED values)
        self.updates: list[tuple[int, dict]] = []  # changed postings: every column
        self.reopens: list[tuple[int, dict]] = []  # unchanged, listed again after closing
        self.seen_again: list[int] = []  # unchanged and open: at most ``listed`` is set
        self.stored: dict[str, set[int]] = {}  # per source, the ids of stored postings listed

    def add(self, index: int, posting: Posting, known, result: UpsertResult) -> None:
        """Plan the write of one posting (``known``: its stored id, hash and closed_at)."""
        as_json = posting.model_dump(mode="json", exclude=_BOOKKEEPING)
        digest = content_hash(posting, as_json)
        if known is None:
            values = list(_SAID_OF(as_json))
            for at, name in _NATIVE_AT:
                values[at] = getattr(posting, name)
            self.inserts.append((index, (*values, digest, self.now, self.now, True)))
            self.stored.setdefault(posting.source, set())
            return
        posting_id, old_digest, closed_at = known
        if old_digest == digest:
            self.add_unchanged(index, posting.source, posting_id, closed_at,
                               posting.valid_through, result)
            return
        self.stored.setdefault(posting.source, set()).add(posting_id)
        if closed_at is not None and not self._expired(posting.valid_through):
            closed_at = None  # listed again: open again
            result.reopened += 1
        result.changed.append(posting_id)
        self.updates.append((index, {**_values(posting, as_json), "content_hash": digest,
                                     "closed_at": closed_at, "last_seen": self.now,
                                     "listed": True, "posting_id": posting_id}))

    def add_unchanged(self, index: int, source: str, posting_id: int,
                      closed_at: datetime | None, valid_through: datetime | None,
                      result: UpsertResult) -> None:
        """Plan a posting stored as it is: it is seen now (see ``_list``); closed, it opens
        again unless its ``valid_through`` has passed."""
        result.unchanged += 1
        self.stored.setdefault(source, set()).add(posting_id)
        if closed_at is not None and not self._expired(valid_through):
            result.reopened += 1
            self.reopens.append((index, {"posting_id": posting_id, "closed_at": None,
                                         "last_seen": self.now, "listed": True}))
        else:
            self.seen_again.append(posting_id)

    def _expired(self, valid_through: datetime | None) -> bool:
        return valid_through is not None and valid_through < self.now

    def write(self, conn, result: UpsertResult, one_by_one: bool) -> None:
        """Run the planned writes; the ids of new postings go into ``result.new``, in order."""
        for start in range(0, len(self.inserts), CHUNK):
            _run(lambda rows: insert_many(conn, postings, _INSERTED, rows),
                 self.inserts[start:start + CHUNK], one_by_one)
        result.new.extend(self._new_ids(conn))
        for planned in (self.updates, self.reopens):
            for start in range(0, len(planned), CHUNK):
                statement = _update(planned[0][1])
                _run(lambda rows, statement=statement: conn.execute(statement, rows),
                     planned[start:start + CHUNK], one_by_one)
        for source, ids in self.stored.items():
            self._list(conn, source, ids, set(result.new))

    def _list(self, conn, source: str, ids: set[int], new: set[int]) -> None:
        """Make this batch ``source``'s latest listing: its stored postings ``ids`` (and those
        just inserted) are in it, the source's others are out of it, last seen at the listing
        before. Only postings coming in or going out are written: at a source's every fetch
        the same postings are listed, and rewriting each one's row cost more than the rest."""
        before = _listed_at(conn, source)
        if before is None:
            conn.execute(insert(source_listings).values(source=source, listed_at=self.now))
            listed = set()
        else:
            conn.execute(update(source_listings).where(source_listings.c.source == source)
                         .values(listed_at=self.now))
            # every id of the source (from the unique index) but the few unlisted ones
            every = conn.execute(select(postings.c.id).where(postings.c.source == source))
            listed = set(every.scalars().all()).difference(conn.execute(select(
                postings.c.id).where(postings.c.source == source, UNLISTED)).scalars().all())
        for values, chosen in (({"listed": False, "last_seen": before}, listed - ids - new),
                               ({"listed": True, "last_seen": self.now},
                                ids.intersection(self.seen_again) - listed)):
            chosen = sorted(chosen)
            for start in range(0, len(chosen), CHUNK):
                conn.execute(update(postings).where(postings.c.id.in_(
                    chosen[start:start + CHUNK])).values(values))


    def _new_ids(self, conn) -> list[int]:
        """The ids of the inserted postings, in order, looked up by their keys (``CHUNK`` at a
        time, through the unique index of source and board id)."""
        at = _INSERTED.index("source"), _INSERTED.index("source_id")
        keys = [(row[at[0]], row[at[1]]) for _, row in self.inserts]
        ids: dict[tuple[str, str], int] = {}
        mark = marker(conn)
        for source in dict.fromkeys(source for source, _ in keys):
            wanted = [source_id for of, source_id in keys if of == source]
            for start in range(0, len(wanted), CHUNK):
                chunk = wanted[start:start + CHUNK]
                found = conn.exec_driver_sql(
                    f"SELECT source_id, id FROM postings WHERE source = {mark} "
                    f"AND source_id IN ({', '.join([mark] * len(chunk))})", (source, *chunk))
                ids.update(((source, source_id), posting_id) for source_id, posting_id in found)
        return [ids[key] for key in keys]


def _stored_postings(rows, keys: tuple[str, ...] | None) -> list[StoredPosting]:
    """The postings of ``rows`` (``_STORED``, then the values of ``keys`` or the whole extra
    when None). Rows are unpacked straight into the tuples: a slice of each row and a call of
    ``_make`` and of the extra's builder per posting cost three times as much, at every fetch
    of a source handed its 10,000 stored postings."""
    new = tuple.__new__
    if keys is None:
        return [new(StoredPosting, (i, of, board_id, at, through, closed, extra or {}))
                for i, of, board_id, at, through, closed, extra in rows]
    given = _extra_of(keys)
    if len(keys) != 2:
        width = len(_STORED)
        return [new(StoredPosting, (*row[:width], given(row[width:]))) for row in map(tuple, rows)]
    one, two = keys  # the files source's pair (file, stamp)
    return [new(StoredPosting, (i, of, board_id, at, through, closed,
                                {one: a, two: b} if a is not None and b is not None
                                else given((a, b))))
            for i, of, board_id, at, through, closed, a, b in rows]


def _extra_of(keys: tuple[str, ...]) -> Callable[[tuple], dict]:
    """What builds a stored posting's ``extra`` from the values of ``keys`` read for it (a
    key it lacks reads as None and is left out)."""
    def given(values: tuple) -> dict:
        if None not in values:
            return dict(zip(keys, values, strict=True))
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}
    return given


def _listed_at(conn, source: str) -> datetime | None:
    """When ``source``'s latest listing was stored (None: never since it is kept)."""
    return conn.execute(select(source_listings.c.listed_at).where(
        source_listings.c.source == source)).scalar()


def _update(row: dict):
    """The executemany UPDATE setting the columns of ``row`` of the posting ``posting_id``."""
    return update(postings).where(postings.c.id == bindparam("posting_id")).values(
        {name: bindparam(name) for name in row if name != "posting_id"}).execution_options(
        **NUL_FREE)


def _values(posting: Posting, as_json: dict) -> dict:
    """The column values of ``posting`` (``as_json``: its JSON-mode dump, which holds the
    others as the database takes them; a date a board put in extra is stored as ISO text)."""
    values = dict(as_json)
    for name in _NATIVE:
        values[name] = getattr(posting, name)
    return values


def _run(write, planned: list[tuple[int, Any]], one_by_one: bool) -> None:
    """``write`` the planned rows: at once, or row by row naming a refused one."""
    if not one_by_one:
        try:
            write([row for _, row in planned])
        except Exception as exc:
            if not _refuses_posting(exc):
                raise
            raise _ChunkRefused() from exc
        return
    for index, row in planned:
        try:
            write([row])
        except Exception as exc:
            if not _refuses_posting(exc):
                raise
            raise _Unstorable(index, exc) from exc


class PostingsMixin:
    """Posting queries of ``Store``."""

    def upsert_postings(
        self, batch: Iterable[Posting | StoredPosting], now: datetime | None = None
    ) -> UpsertResult:
        """Insert new postings and update changed ones, in one transaction.

        ``first_seen`` is kept, ``last_seen`` moves to ``now``; a closed posting seen again reopens.
        Storing the same postings twice changes nothing but ``last_seen``. A posting the database
        refuses is skipped (``UpsertResult.skipped``), the others stored. Rows are written in
        batches (one executemany per chunk); when the database refuses a chunk, the batch is
        written again row by row to find the posting it refuses.

        A ``StoredPosting`` (a stored posting a source handed back unchanged,
        ``Source.reuses_stored``) is neither hashed nor looked up again: it is stored as it is.
        """
        now = now or utcnow()
        batch, skipped, one_by_one = list(batch), [], False
        while True:
            try:
                result = self._upsert_batch(batch, now, one_by_one)
            except _ChunkRefused:
                one_by_one = True
                continue
            except _Unstorable as refused:
                if len(skipped) >= MAX_SKIPPED:
                    raise refused.cause from refused
                posting = batch.pop(refused.index)
                skipped.append(clean_text(f"{posting.source_id}: {_reason(refused.cause)}"))
                log.warning("%s: skipped a posting the database refused: %s", posting.source,
                            skipped[-1])
                continue
            result.skipped = skipped
            return result

    def _upsert_batch(self, batch: list[Posting | StoredPosting], now: datetime,
                      one_by_one: bool = False) -> UpsertResult:
        """Store ``batch`` in one transaction; _Unstorable (all rolled back) names a refused one,
        _ChunkRefused says a chunk was refused (only when not ``one_by_one``)."""
        result = UpsertResult()
        with self.engine.begin() as conn:
            existing = self._existing(conn, [p for p in batch if isinstance(p, Posting)])
            plan = _Plan(now)
            for index, posting in enumerate(batch):
                if isinstance(posting, StoredPosting):
                    plan.add_unchanged(index, posting.source, posting.id, posting.closed_at,
                                       posting.valid_through, result)
                    continue
                try:
                    plan.add(index, posting, existing.get(posting.key), result)
                except Exception as exc:
                    if not _refuses_posting(exc):
                        raise
                    raise _Unstorable(index, exc) from exc
            plan.write(conn, result, one_by_one)
        return result

    def _existing(self, conn, batch: list[Posting]) -> dict[tuple[str, str], tuple]:
        """(id, content hash, closed_at) of the stored postings of ``batch``, by key; a source
        with nothing stored (its first fetch) is not looked up posting by posting."""
        found: dict[tuple[str, str], tuple] = {}
        for source in {p.source for p in batch}:
            if conn.execute(select(postings.c.id).where(postings.c.source == source)
                            .limit(1)).first() is None:
                continue
            ids = [p.source_id for p in batch if p.source == source]
            for start in range(0, len(ids), 500):
                rows = conn.execute(
                    select(postings.c.source_id, postings.c.id, postings.c.content_hash,
                           postings.c.closed_at)
                    .where(postings.c.source == source,
                           postings.c.source_id.in_(ids[start:start + 500])))
                found.update({(source, r.source_id): (r.id, r.content_hash, r.closed_at)
                              for r in rows})
        return found

    def close_missing(
        self, source: str, seen_ids: Iterable[str], now: datetime | None = None
    ) -> int:
        """Close the open postings of ``source`` that a successful full fetch no longer lists."""
        seen = set(seen_ids)
        with self.engine.begin() as conn:
            rows = conn.execute(select(postings.c.id, postings.c.source_id).where(
                postings.c.source == source, postings.c.closed_at.is_(None))).all()
            gone = [r.id for r in rows if r.source_id not in seen]
            for start in range(0, len(gone), 500):
                conn.execute(update(postings).where(postings.c.id.in_(gone[start:start + 500]))
                             .values(closed_at=now or utcnow()))
        return len(gone)

    def close_unseen(self, source: str, now: datetime) -> int:
        """Close the open postings of ``source`` that the upsert at ``now`` did not store (every
        posting it stores is last seen at ``now``): ``close_missing`` of a full fetch whose
        postings were all stored, in one statement."""
        with self.engine.begin() as conn:
            unseen = LAST_SEEN != now
            if _listed_at(conn, source) == now:  # the listed ones were seen now
                unseen = and_(UNLISTED, postings.c.last_seen != now)
            done = conn.execute(update(postings).where(
                postings.c.source == source, postings.c.closed_at.is_(None),
                unseen).values(closed_at=now))
        return done.rowcount

    def close_stale(self, source: str, before: datetime, now: datetime | None = None) -> int:
        """Close the open postings of ``source`` it has not shown since ``before``."""
        with self.engine.begin() as conn:
            stale = LAST_SEEN < before
            listed_at = _listed_at(conn, source)
            if listed_at is not None and listed_at >= before:  # the listed ones are not stale
                stale = and_(UNLISTED, postings.c.last_seen < before)
            done = conn.execute(update(postings).where(
                postings.c.source == source, postings.c.closed_at.is_(None),
                stale).values(closed_at=now or utcnow()))
        return done.rowcount

    def close_unconfigured(self, configured: Iterable[str], before: datetime,
                           now: datetime | None = None) -> int:
        """Close the open postings of sources not in ``configured`` last seen before ``before``.

        A source removed, renamed or disabled is never fetched again, so nothing else closes them.
        """
        with self.engine.begin() as conn:  # the sources stored, from the unique index
            stored = conn.execute(select(postings.c.source).distinct()).scalars()
            gone = sorted(set(stored).difference(configured))
            if not gone:
                return 0
            done = conn.execute(update(postings).where(
                postings.c.source.in_(gone), postings.c.closed_at.is_(None),
                LAST_SEEN < before).values(closed_at=now or utcnow()))
        return done.rowcount

    def close_expired(self, now: datetime | None = None) -> int:
        """Close open postings whose ``valid_through`` has passed."""
        now = now or utcnow()
        with self.engine.begin() as conn:
            done = conn.execute(update(postings).where(
                EXPIRING, postings.c.valid_through < now).values(closed_at=now))
        return done.rowcount

    def open_postings(self, ids: Iterable[int] | None = None,
                      first_seen_after: datetime | None = None) -> list[Posting]:
        """Open postings that duplicate no other, oldest first (optionally only ``ids``, or
        only those first seen after ``first_seen_after``)."""
        if ids is not None:  # by id, then filtered (see ``open_posting_rows``)
            query = select(*POSTING_COLUMNS).where(postings.c.id.in_(list(ids)))
            with self.engine.connect() as conn:
                return [row_to_posting(r) for r in conn.execute(query.order_by(postings.c.id))
                        if r.closed_at is None and r.canonical_id is None]
        query = select(*POSTING_COLUMNS).where(postings.c.closed_at.is_(None),
                                       postings.c.canonical_id.is_(None))
        if first_seen_after is not None:
            query = query.where(postings.c.first_seen > first_seen_after)
        with self.engine.connect() as conn:
            return [row_to_posting(r) for r in conn.execute(query.order_by(postings.c.id))]

    def newest_first_seen(self) -> datetime | None:
        """When the most recently first-seen open posting (one that duplicates none) was first
        seen; None when there is none."""
        with self.engine.connect() as conn:
            return conn.execute(select(func.max(postings.c.first_seen)).where(
                postings.c.closed_at.is_(None), postings.c.canonical_id.is_(None))).scalar()

    def all_postings(self, source: str | None = None) -> list[Posting]:
        """Every stored posting, open or closed (optionally of one source)."""
        query = select(*POSTING_COLUMNS).order_by(postings.c.id)
        if source is not None:
            query = query.where(postings.c.source == source)
        with self.engine.connect() as conn:
            return [row_to_posting(r) for r in conn.execute(query)]

    def postings_as_stored(self, source: str,
                           extra_keys: Iterable[str] | None = None) -> list[StoredPosting]:
        """Every stored posting of ``source``, open or closed, without its text: what a source
        that reuses stored postings starts from (``Source.previous``). ``extra_keys``: the
        only entries of ``extra`` wanted (those holding text), read by the database without
        decoding the rest; None: the whole of ``extra``."""
        keys = None if extra_keys is None else tuple(extra_keys)
        extra = [postings.c.extra] if keys is None else \
            [postings.c.extra[key].as_string() for key in keys]
        query = select(*_STORED, *extra).where(postings.c.source == source).order_by(
            postings.c.id)
        with self.engine.connect() as conn:
            return _stored_postings(conn.execute(query).all(), keys)

    def set_canonical(self, duplicates: dict[int, int | None]) -> None:
        """Mark postings as duplicates of a canonical one (``None`` makes one canonical again)."""
        self.record_duplicates(duplicates, {})

    def record_duplicates(self, duplicates: dict[int, int | None],
                          extras: dict[int, dict]) -> None:
        """Set canonical ids (``set_canonical``) and replace ``extra`` mappings (dedupe notes;
        hash untouched) in one transaction, a range of ids at a time: each stored page is
        rewritten once, while in the database's cache, not once per column."""
        ids = sorted(duplicates.keys() | extras.keys())
        if not ids:
            return
        with self.engine.begin() as conn:
            for start in range(0, len(ids), CHUNK):
                chunk = ids[start:start + CHUNK]
                for column, values in (("canonical_id", duplicates), ("extra", extras)):
                    rows = [(values[i], i) for i in chunk if i in values]
                    if rows:
                        update_many(conn, postings, [column], rows)

    def open_posting_rows(self, ids: list[int] | None = None) -> list[tuple[int, int | None, Any]]:
        """Every open posting (or only ``ids``), duplicates included, as (id, canonical id,
        row), by id; a row has the posting's attributes that de-duplication reads
        (``DEDUPE_COLUMNS``), as stored: no ``Posting`` is built, and memory matters. Its
        ``extra`` is the JSON text (de-duplication decodes the few it rewrites)."""
        columns = [cast(postings.c.extra, Text).label("extra") if name == "extra"
                   else postings.c[name] for name in DEDUPE_COLUMNS]
        query = select(postings.c.id, postings.c.canonical_id, postings.c.closed_at, *columns)
        chunks = [None] if ids is None else [ids[i:i + 500] for i in range(0, len(ids), 500)]
        found = []
        with self.engine.connect() as conn:
            for chunk in chunks:
                # All open rows through the open-postings index; a chunk of ids by id, then
                # filtered: SQLite would take that index for "id IN (...) AND closed_at IS
                # NULL" too and scan every open posting once per chunk.
                part = query.where(postings.c.closed_at.is_(None)) if chunk is None else \
                    query.where(postings.c.id.in_(chunk))
                found += [(r.id, r.canonical_id, r) for r in conn.execute(part).all()
                          if r.closed_at is None]
        return sorted(found, key=lambda row: row[0])

    def open_posting_keys(self) -> list[tuple[int, int | None, str | None, str]]:
        """(id, canonical id, company, content hash) of every open posting, in no particular
        order: what tells dedupe which employers changed, without reading any text."""
        query = select(postings.c.id, postings.c.canonical_id, postings.c.company,
                       postings.c.content_hash).where(postings.c.closed_at.is_(None))
        with self.engine.connect() as conn:
            return conn.execute(query).all()

    def update_extras(self, extras: dict[int, dict]) -> None:
        """Replace the ``extra`` mapping of the given postings (dedupe notes; hash untouched)."""
        self.record_duplicates({}, extras)

    def duplicates_of(self, posting_id: int) -> list[Posting]:
        """The postings recorded as the same job as ``posting_id`` (its other sources)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*POSTING_COLUMNS).where(
                postings.c.canonical_id == posting_id))
            return [row_to_posting(r) for r in rows]

    def count_postings(self, open_only: bool = False) -> int:
        """How many postings are stored (or open and canonical)."""
        query = select(func.count()).select_from(postings)
        if open_only:
            query = query.where(and_(postings.c.closed_at.is_(None),
                                     postings.c.canonical_id.is_(None)))
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one()
