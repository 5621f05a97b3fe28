"""The fitted posting index kept between runs, scheduler jobs and workers, in the database.

The index is pickled into the store's kept state (``Store.keep_blob``, name ``KEPT_NAME``), so
SQLite and PostgreSQL alike start a run from the last fit. The rows appended since that whole
index was kept go beside it (``ADDED_NAME``: their features, ``PostingIndex.rows_since``): a run
appending a few postings writes their rows, not the whole index again (47 MB at 100,000
postings). Appended rows name the whole index they extend (its ``token``); beside another they
are left out. What is pickled is plain data (NumPy and SciPy arrays, the fitted TF-IDFs as
``tfidf.FittedTfidf``, the filter columns as ``filters.PostingColumns``): loading it and
appending postings imports no scikit-learn or pandas, which only a refit needs.

``kept_index`` loads the index an earlier run fitted, appends the postings it has not seen (a
changed posting is appended again) and says which rows are the postings it is given: every open
posting, or only those that can be news (a digests pass), every open one then being read only to
refit. It refits, and saves it whole, when there is no readable kept index from this code
version, the profile or weights changed, appended or unused rows reach ``DRIFT`` (25%) of the
fitted postings, or the fit is older than ``MAX_AGE`` (7 days).

Scores from a kept index use its fit's IDF and boilerplate, so they can differ slightly from a
fresh fit (``pipeline rank``) until the next refit.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from pipeline.match.index import PostingIndex
from pipeline.posting import Posting

log = logging.getLogger(__name__)

#: Bump when PostingIndex, what it reads from a posting (credentials, titles) or this file's
#: layout changes: older files are refitted.
VERSION = 14
#: The name the index is kept under in the store.
KEPT_NAME = "posting_index"
#: The name the rows appended since the whole index was kept are kept under.
ADDED_NAME = "posting_index_added"
DRIFT = 0.25
MAX_AGE = timedelta(days=7)
_UNREADABLE = (EOFError, pickle.UnpicklingError, AttributeError, ImportError,
               IndexError, KeyError, TypeError, ValueError)


@dataclass
class _Kept:
    """What the file holds: the index (without posting objects) and what it was fitted for."""

    version: int
    fingerprint: str
    fitted_at: datetime
    fitted_rows: int
    index: PostingIndex
    keys: list[str] = field(default_factory=list)
    #: Tells this fit's whole index from any other: the appended rows kept name it.
    token: str = field(default_factory=lambda: uuid.uuid4().hex)
    #: The rows the whole index kept has (those after it are kept as appended rows).
    whole_rows: int = 0


@dataclass
class _Added:
    """What ``ADDED_NAME`` holds: the rows appended to the whole index kept as ``token``."""

    version: int
    token: str
    whole_rows: int
    keys: list[str]
    rows: dict


def posting_key(posting: Posting) -> str:
    """What the index's row of a posting depends on: its id and every field but bookkeeping."""
    data = posting.model_dump_json(exclude={"first_seen", "last_seen", "closed_at"})
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def kept_index(matcher, postings: list[Posting], store, now: datetime | None = None,
               every_open: Callable[[], list[Posting]] | None = None,
               ) -> tuple[PostingIndex, np.ndarray]:
    """The index (kept in ``store``, refitted by the rule above) and the row of each of
    ``postings`` in it, in ``postings`` order. ``postings`` are every open posting, or only
    some of them (those that can be news) with ``every_open`` reading them all, which only a
    refit needs."""
    now = now or datetime.now(UTC)
    keys = [posting_key(p) for p in postings]
    kept = _load(store, matcher)
    if kept is None or now - kept.fitted_at > MAX_AGE:
        return _refit_for(matcher, postings, keys, every_open, store, now)
    row_of = {key: row for row, key in enumerate(kept.keys)}
    new = [i for i, key in enumerate(keys) if key not in row_of]
    appended = len(kept.keys) - kept.fitted_rows + len(new)
    opened = len(postings) if every_open is None else store.count_postings(open_only=True)
    unused = len(kept.keys) + len(new) - opened
    if max(appended, unused) >= DRIFT * max(kept.fitted_rows, 1):
        return _refit_for(matcher, postings, keys, every_open, store, now)
    if new:
        for i in new:
            row_of[keys[i]] = len(kept.keys)
            kept.keys.append(keys[i])
        kept.index.add([postings[i] for i in new])
    rows = np.array([row_of[key] for key in keys], dtype=np.int64)
    for posting, row in zip(postings, rows, strict=True):
        kept.index.postings[row] = posting  # today's fields (notes, ids) in digests
    if new:
        _save_added(store, kept)
    return kept.index, rows


def fingerprint(matcher) -> str:
    """The profile and weights an index was fitted for."""
    data = matcher.profile.model_dump_json() + matcher.weights.model_dump_json()
    return hashlib.blake2b(data.encode(), digest_size=16).hexdigest()


def _refit_for(matcher, postings: list[Posting], keys: list[str],
               every_open: Callable[[], list[Posting]] | None, store,
               now: datetime) -> tuple[PostingIndex, np.ndarray]:
    """A fresh fit on every open posting (``postings`` themselves without ``every_open``) and
    the rows of ``postings`` in it; one closed since it was read is fitted too."""
    if every_open is None:
        return _refit(matcher, postings, keys, store, now)
    every = list(every_open())
    every_keys = [posting_key(p) for p in every]
    known = set(every_keys)
    missing = [i for i, key in enumerate(keys) if key not in known]
    every += [postings[i] for i in missing]
    every_keys += [keys[i] for i in missing]
    index, _ = _refit(matcher, every, every_keys, store, now)
    row_of = {key: row for row, key in enumerate(every_keys)}
    return index, np.array([row_of[key] for key in keys], dtype=np.int64)


def _refit(matcher, postings: list[Posting], keys: list[str], store,
           now: datetime) -> tuple[PostingIndex, np.ndarray]:
    index = PostingIndex.build(matcher.profile, postings, matcher.weights.boilerplate_min_repeats)
    _save(store, _Kept(VERSION, fingerprint(matcher), now, len(postings), index, list(keys)))
    return index, np.arange(len(postings), dtype=np.int64)


def _load(store, matcher) -> _Kept | None:
    """The kept index when it is readable and fitted for this matcher, else None."""
    kept = _unpickled(store, KEPT_NAME, "refitting the posting index: the kept one")
    if kept is None:
        return None
    if not isinstance(kept, _Kept) or kept.version != VERSION or (
            kept.fingerprint != fingerprint(matcher)):
        log.info("refitting the posting index: profile, weights or version changed")
        return None
    kept.whole_rows = len(kept.keys)
    added = _load_added(store, kept)
    if added is not None:
        kept.index.extend_rows(added.rows)
        kept.keys += added.keys
    return kept


def _load_added(store, kept: _Kept) -> _Added | None:
    """The rows kept as appended to ``kept`` (None: none, or appended to another whole index)."""
    added = _unpickled(store, ADDED_NAME, "appending again the postings added to the index")
    if not isinstance(added, _Added) or added.version != VERSION or (
            added.token, added.whole_rows) != (kept.token, kept.whole_rows):
        return None
    return added


def _unpickled(store, name: str, otherwise: str):
    """What the store keeps as ``name``, unpickled; None when it keeps nothing there, or
    something unreadable (logged as ``otherwise``, what is done instead)."""
    data = store.kept_blob(name)
    if data is None:
        return None
    try:
        return pickle.loads(data)
    except _UNREADABLE as exc:
        log.info("%s: unreadable (%s)", otherwise, exc)
        return None


def _save_added(store, kept: _Kept) -> None:
    """Keep the rows appended since ``kept``'s whole index was kept (replacing those kept)."""
    start = kept.whole_rows
    added = _Added(VERSION, kept.token, start, kept.keys[start:], kept.index.rows_since(start))
    store.keep_blob(ADDED_NAME, pickle.dumps(added, protocol=pickle.HIGHEST_PROTOCOL))


def _save(store, kept: _Kept) -> None:
    """Keep the index (without posting objects) in the store, replacing the last one whole
    (the rows kept as appended to the last one no longer count)."""
    kept.whole_rows = len(kept.keys)
    postings = kept.index.postings
    kept.index.postings = [None] * len(postings)
    try:
        data = pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        kept.index.postings = postings
    store.keep_blob(KEPT_NAME, data)
