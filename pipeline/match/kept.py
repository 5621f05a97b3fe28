"""The fitted posting index kept between runs, scheduler jobs and workers, in the database.

The index is pickled into the store's kept state (``Store.keep_blob``, name ``KEPT_NAME``), so
SQLite and PostgreSQL alike start a run from the last fit. The rows appended since that whole
index was kept go beside it (``ADDED_NAME``: their features, ``PostingIndex.rows_since``): a run
appending a few postings writes their rows, not the whole index again (47 MB at 100,000
postings). Appended rows name the whole index they extend (its ``token``); beside another they
are left out. What is pickled is plain data (NumPy and SciPy arrays, the fitted TF-IDFs as
``tfidf.FittedTfidf``, the filter columns as ``filters.PostingColumns``): loading it and
appending postings imports no scikit-learn or pandas, which only a refit needs.

Each resume read against a fit (its TF-IDF vector, the credentials and role terms it names) is
kept beside it too (``RESUMES_NAME``, by the fit's ``token`` and a hash of the resume's text):
``kept_resumes`` reads again only the resumes that are new or changed since, not every
subscriber's at every pass. They depend on the fit alone (its vectorizer, profile and term
matchers) and on the code that reads them, which ``VERSION`` covers like the index's.

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
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import scipy.sparse as sp

from pipeline.match.index import PostingIndex
from pipeline.match.scoring import Resume
from pipeline.posting import Posting

log = logging.getLogger(__name__)

#: Bump when PostingIndex, what it reads from a posting (credentials, titles) or this file's
#: layout changes: older files are refitted.
VERSION = 14
#: The name the index is kept under in the store.
KEPT_NAME = "posting_index"
#: The name the rows appended since the whole index was kept are kept under.
ADDED_NAME = "posting_index_added"
#: The name the resumes read against the kept fit are kept under.
RESUMES_NAME = "posting_index_resumes"
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


@dataclass
class _Resumes:
    """What ``RESUMES_NAME`` holds: resumes read against the fit kept as ``token``, by
    ``resume_key``: (vector width, indices, data, credentials held, role terms shown)."""

    version: int
    token: str
    rows: dict[str, tuple]


#: The fit (its ``token``) of the last index ``kept_index`` gave, and that index (not kept alive).
_last_fit: tuple[Callable[[], PostingIndex | None], str] = (lambda: None, "")


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
    _remember(kept)
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


def resume_key(text: str) -> str:
    """What a resume read against a fit depends on besides the fit: its text."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


def kept_resumes(store, index: PostingIndex, texts: list[str | None]) -> list[Resume | None]:
    """``Resume.many(index, texts)``: the resumes read against the fit of the index
    ``kept_index`` last gave are taken from ``store``, the others read and kept beside them
    (until the next refit). Any other index reads every resume."""
    found, token = _last_fit
    if found() is not index:
        return Resume.many(index, texts)
    kept = _unpickled(store, RESUMES_NAME, "reading every resume again")
    rows = kept.rows if isinstance(kept, _Resumes) and (kept.version, kept.token) == (
        VERSION, token) else {}
    keys = [resume_key(text) if text else None for text in texts]
    missing = list({key: i for i, key in enumerate(keys) if key and key not in rows}.values())
    if missing:
        for i, resume in zip(missing, Resume.many(index, [texts[i] for i in missing]),
                             strict=True):
            vector = resume.vector
            rows[keys[i]] = (vector.shape[1], vector.indices, vector.data, sorted(resume.held),
                             resume.role_terms, sorted(resume.terms))
        store.keep_blob(RESUMES_NAME, pickle.dumps(_Resumes(VERSION, token, rows),
                                                   protocol=pickle.HIGHEST_PROTOCOL))
    return [None if key is None else _resume(text, rows[key])
            for text, key in zip(texts, keys, strict=True)]


def _resume(text: str, row: tuple) -> Resume:
    """The ``Resume`` of ``text`` from what ``kept_resumes`` kept of it."""
    width, indices, data, held, role_terms, terms = row
    vector = sp.csr_matrix((data, indices, [0, len(indices)]), shape=(1, width))
    return Resume(text=text, vector=vector, held=set(held), role_terms=role_terms,
                  terms=frozenset(terms))


def _remember(kept: _Kept) -> None:
    """Note ``kept`` as the fit of the index ``kept_index`` gives (``kept_resumes``)."""
    global _last_fit
    _last_fit = (weakref.ref(kept.index), kept.token)


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
    kept = _Kept(VERSION, fingerprint(matcher), now, len(postings), index, list(keys))
    _save(store, kept)
    _remember(kept)
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
