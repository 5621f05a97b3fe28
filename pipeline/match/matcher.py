"""``Matcher``: ranks postings for the role profile and, optionally, a subscriber's resume.

``rank`` serves one resume (``pipeline rank``): it builds (or reuses) a ``PostingIndex`` for the
postings it is given, scores them (``pipeline.match.scoring``), applies the hard filters and
minimum score, and returns ``Match`` objects with explanations, best first. ``scored_many`` serves
the notifier: every due subscriber over one index (or only its new rows) in chunks of resumes,
scores only, so memory stays bounded; ``explain`` then builds explanations for the few postings
that go into a digest.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from pipeline.config import Filters, JobsConfig
from pipeline.match.calibration import Calibration, calibration_path_for, load_calibration
from pipeline.match.credentials import ResumeCredentials, held_with_implied
from pipeline.match.explain import Explanation, Match
from pipeline.match.filters import PostingColumns, filter_mask
from pipeline.match.index import PostingIndex
from pipeline.match.profile import (
    Credential,
    Profile,
    Weights,
    load_profile,
    load_weights,
    settings_path_for,
)
from pipeline.match.scoring import (
    TIE_EPSILON,
    Resume,
    Scores,
    evidence,
    profile_parts,
    resume_scores,
    score,
    shared_parts,
    top_rows,
)
from pipeline.posting import Posting

_RESUME_TERMS = 8
_RESUME_CHUNK = 128
#: Distinct filters remembered per ``rank_many`` call (a mask is 1 byte per posting: 128 of
#: them over 100,000 postings is 13 MB) and distinct credential sets (two float arrays each:
#: 16 over 100,000 postings is 26 MB; subscribers hold few distinct sets).
_SHARED_MASKS = 128
_SHARED_CREDENTIALS = 16

#: One subscriber's best postings: row numbers in the index and their scores, best first.
Top = tuple[np.ndarray, np.ndarray]
#: ``keep(subscriber_position, rows)``: which of these index rows the subscriber may be shown.
Keep = Callable[[int, np.ndarray], np.ndarray]


class Matcher:
    """Scores postings against one role profile with the given weights."""

    def __init__(self, profile: Profile, weights: Weights | None = None,
                 calibration: Calibration | None = None):
        self.profile = profile
        self.weights = weights or profile.weights
        self.calibration = calibration
        self._index: PostingIndex | None = None
        self._index_key: tuple | None = None
        self._terms_of: tuple[Callable, dict[int, list[str]]] = (lambda: None, {})
        self._explained: _Explaining | None = None

    @classmethod
    def from_config(cls, config: JobsConfig) -> Matcher:
        """The profile at ``profile.path`` with weights from ``matching.settings``, else from
        ``<profile>.settings.yaml`` beside the profile when it exists, else the profile's own;
        the shown strengths from the calibration beside those settings when it exists."""
        profile = load_profile(config.profile.path)
        settings = config.matching.settings
        if settings is None and settings_path_for(config.profile.path).exists():
            settings = settings_path_for(config.profile.path)
        return cls(profile, load_weights(settings) if settings else None,
                   load_calibration(calibration_path_for(settings or config.profile.path)))

    @classmethod
    def from_files(cls, profile: Path, settings: Path | None = None) -> Matcher:
        """A matcher from a profile file and an optional settings file."""
        return cls(load_profile(profile), load_weights(settings) if settings else None)

    def index(self, postings: list[Posting]) -> PostingIndex:
        """The index of these postings; reused while the same postings are ranked again."""
        key = tuple((p.source, p.source_id, len(p.title), len(p.description)) for p in postings)
        if self._index is None or key != self._index_key:
            self._index = PostingIndex.build(self.profile, postings,
                                             self.weights.boilerplate_min_repeats)
            self._index_key = key
        return self._index

    def rank(self, postings: list[Posting], resume_text: str | None = None,
             filters: Filters | None = None, min_score: float = 0.0,
             top: int | None = None) -> list[Match]:
        """Postings that pass the filters and min score, best first, with explanations."""
        if not postings:
            return []
        index = self.index(postings)
        resume = Resume.from_text(index, resume_text) if resume_text else None
        resume = holding(resume, filters.credentials_held if filters else (),
                         self.profile.credentials)
        scores = score(index, self.weights, resume)
        texts = _texts(index.postings) if _needs_text(filters) else None
        keep = filter_mask(index.columns(), filters, texts) & (scores.score >= min_score)
        more = evidence(index, self.weights)
        order = scores.score + TIE_EPSILON * np.tanh(more)
        rows = top_rows(order, keep, -np.inf, top)
        terms = _ResumeTerms(index, resume)
        return [self._match(index, scores, int(row), int(row), resume, float(more[row]), terms)
                for row in rows]

    def rank_many(self, index: PostingIndex, resumes: list[str | None],
                  filters: list[Filters | None] | None = None, min_score: float = 0.0,
                  top: int = 20, rows: np.ndarray | None = None) -> list[Top]:
        """Best (rows, scores) per subscriber over ``index``, or over only ``rows`` of it."""
        return [(found[order[:top]], scores[order[:top]])
                for _, found, scores, order in self.scored_many(
                    index, resumes, filters, [min_score] * len(resumes), rows)]

    def read_resumes(self, index: PostingIndex, resumes: list[str | None],
                     filters: list[Filters | None] | None = None,
                     read: Callable[[PostingIndex, list[str | None]], list[Resume | None]]
                     = Resume.many) -> list[Resume | None]:
        """Each resume as the scorer sees it, holding its filters' ``credentials_held`` too
        (read once, then given to ``scored_many`` and ``explain``); ``read``: what reads the
        texts against the index (``kept.kept_resumes`` takes those read before)."""
        filters = filters or [None] * len(resumes)
        return [holding(resume, wanted.credentials_held if wanted else (),
                        self.profile.credentials)
                for resume, wanted in zip(read(index, resumes), filters, strict=True)]

    def scored_many(self, index: PostingIndex, resumes: list[str | None],
                    filters: list[Filters | None] | None, min_scores: list[float],
                    rows: np.ndarray | None = None, keep: Keep | None = None,
                    parsed: list[Resume | None] | None = None,
                    ) -> Iterator[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """Per subscriber ``i``: (i, rows, scores, order) of the postings passing their filters,
        ``keep(i, rows)`` and ``min_scores[i]``; ``order`` puts them best first as ``rank``
        does (score, then evidence, then row).

        Only ``rows`` of the index are scored (None: all), less those no resume could lift to
        the lowest threshold. Resume similarities are computed for chunks of subscribers at a
        time, so memory stays at rows x chunk whatever the number of subscribers. ``parsed``:
        the resumes already read by ``read_resumes`` (the texts are then not read again).
        """
        filters = filters or [None] * len(resumes)
        floor = min(min_scores, default=0.0)
        subset = self._reachable(index, None if rows is None else np.asarray(rows), floor)
        every = np.arange(len(index)) if subset is None else subset
        columns = index.columns() if subset is None else index.columns().take(subset)
        bodies = index.bodies if subset is None else index.bodies[subset]
        postings = index.postings if subset is None else [index.postings[r] for r in subset]
        profile_only = score(index, self.weights, None, rows=subset).score  # resume-less
        fixed = shared_parts(index, self.weights, subset)
        ties = np.tanh(evidence(index, self.weights)[every])

        # Subscribers often share filters ("remote only") and credentials (RN + CCM): each
        # distinct one is worked out once per call, not once per subscriber.
        mask_for = _FilterMasks(columns, postings)

        @lru_cache(maxsize=_SHARED_CREDENTIALS)
        def credentials_for(held: frozenset[str]) -> ResumeCredentials:
            return index.cred_arrays.for_resume(set(held), subset)

        for start in range(0, len(resumes), _RESUME_CHUNK):
            end = start + _RESUME_CHUNK
            chunk = parsed[start:end] if parsed is not None else self.read_resumes(
                index, resumes[start:end], filters[start:end])
            sims = _resume_sims(bodies, chunk)
            for offset, resume in enumerate(chunk):
                i = start + offset
                scores = profile_only if resume is None else resume_scores(
                    index, self.weights, fixed, resume, sims[:, offset], subset,
                    credentials_for(frozenset(resume.held)))
                passing = mask_for(filters[i]) & (scores >= min_scores[i])
                if keep is not None:
                    passing &= keep(i, every)
                found = np.flatnonzero(passing)
                order = np.lexsort((found, -(scores[found] + TIE_EPSILON * ties[found])))
                yield i, every[found], scores[found], order

    def explain(self, index: PostingIndex, rows: list[int], resume_text: str | None = None,
                held: Iterable[str] = (), *, resume: Resume | None = None) -> list[Match]:
        """``Match`` objects with explanations for these rows of the index, in the given order
        (``held``: credentials held besides those the resume names; ``resume``: the resume
        already read by ``read_resumes``, instead of ``resume_text`` and ``held``)."""
        if not rows:
            return []
        if resume is None:
            resume = Resume.from_text(index, resume_text) if resume_text else None
            resume = holding(resume, held, self.profile.credentials)
        rows = np.asarray(rows, dtype=np.int64)
        shared = self._explaining(index)
        sims = None if resume is None else _row_sims(index.bodies, resume, rows)
        scores = score(index, self.weights, resume, sims, rows=rows, parts=shared.parts(rows),
                       credentials=None if resume is None else shared.credentials(resume.held,
                                                                                   rows))
        more = evidence(index, self.weights, rows)  # only these rows: explained one by one
        terms = _ResumeTerms(index, resume, self._rows_terms(index))
        return [self._match(index, scores, pos, int(row), resume, float(more[pos]), terms)
                for pos, row in enumerate(rows)]

    def _explaining(self, index: PostingIndex) -> _Explaining:
        """What explaining rows of ``index`` shares from one subscriber to the next: worked out
        over every row once, then taken row by row (made again when the index grows or the
        weights are replaced; the index itself is not kept alive)."""
        kept = self._explained
        if kept is None or kept.index() is not index or kept.rows != len(index) or (
                kept.weights is not self.weights):
            kept = self._explained = _Explaining(index, self.weights)
        return kept

    def _rows_terms(self, index: PostingIndex) -> dict[int, list[str]]:
        """The domain terms of each row of ``index`` explained so far: a posting mailed to many
        subscribers is scanned once (forgotten when another index is explained)."""
        if self._terms_of[0]() is not index:
            self._terms_of = (weakref.ref(index), {})  # the index itself is not kept alive
        return self._terms_of[1]

    def _reachable(self, index: PostingIndex, rows: np.ndarray | None,
                   min_score: float) -> np.ndarray | None:
        """``rows`` (None: all) without those whose best possible score is below min_score."""
        if min_score <= 0:
            return rows
        w = self.weights
        parts = profile_parts(index, w, rows)
        parts["credentials"] = np.ones_like(parts["credentials"])  # a resume holding them all
        total = sum(getattr(w, name) for name in parts) + w.resume or 1.0
        best = (sum(getattr(w, name) * value for name, value in parts.items()) + w.resume) / total
        negative = index.negative_mask if rows is None else index.negative_mask[rows]
        best = best * np.where(negative, 1.0 - w.negative_title_penalty, 1.0)
        keep = np.flatnonzero(best >= min_score)
        return keep if rows is None else rows[keep]

    def _match(self, index: PostingIndex, scores: Scores, pos: int, row: int,
               resume: Resume | None, more: float, terms: _ResumeTerms) -> Match:
        """One result with its explanation: ``row`` of the index, ``pos`` of ``scores``."""
        creds = index.creds[row]
        asked = creds.codes()
        held = resume.held if resume is not None else set(asked)
        components = {name: round(float(part[pos]), 4) for name, part in scores.parts.items()}
        base = sum(components.values())
        if scores.negative_factor[pos] < 1:
            components["negative_title"] = round(-base * (1 - scores.negative_factor[pos]), 4)
        unlicensed = bool(scores.unlicensed[pos])
        if scores.missing[pos] or unlicensed:
            components["missing_credentials"] = round(float(scores.score[pos]) - base
                                                      - components.get("negative_title", 0), 4)
        why = Explanation(
            title_match=index.title_match[row], title_score=round(float(index.title_score[row]), 4),
            skills=index.skills[row], credentials=[c for c in asked if c in held],
            missing_credentials=creds.missing(resume.held, unlicensed) if resume is not None
            else [],
            resume_terms=terms.shared(row), components=components,
            negative_title=index.negative[row])
        shown = round(float(scores.score[pos]), 4)
        strength = self.calibration.percent(shown, round(more, 6), resume is not None) if (
            self.calibration is not None) else None
        return Match(posting=index.postings[row], score=shown, why=why, strength=strength)


def holding(resume: Resume | None, held: Iterable[str],
            credentials: list[Credential] | None = None) -> Resume | None:
    """The resume holding ``held`` credentials too (``Filters.credentials_held``), as if it
    named them, and what they imply (``credentials``: the profile's): required-credential
    checks and the credentials part count them."""
    extra = held_with_implied(set(held), credentials or [])
    if resume is None or extra <= resume.held:
        return resume
    return replace(resume, held=resume.held | extra)


class _FilterMasks:
    """Filter masks over the same rows, each distinct filter worked out once."""

    def __init__(self, columns: PostingColumns, postings: list[Posting]):
        self.columns, self.postings = columns, postings
        self.masks: dict[str, np.ndarray] = {}

    def __call__(self, wanted: Filters | None) -> np.ndarray:
        """The mask of the rows passing ``wanted``."""
        key = wanted.model_dump_json() if wanted is not None else ""
        if key not in self.masks:
            if len(self.masks) >= _SHARED_MASKS:
                self.masks.clear()
            texts = _texts(self.postings) if _needs_text(wanted) else None
            self.masks[key] = filter_mask(self.columns, wanted, texts)
        return self.masks[key]


def _needs_text(filters: Filters | None) -> bool:
    return bool(filters and filters.exclude_words)


def _texts(postings: list[Posting]) -> list[str]:
    return [f"{p.title}\n{p.description}" for p in postings]


def _resume_sims(bodies: sp.csr_matrix, resumes: list[Resume | None]) -> np.ndarray:
    """Posting x resume cosine matrix, one column per resume in the chunk. The result is dense
    anyway, so the resumes go in as a dense terms x chunk block: sparse bodies times a dense
    block is twice as fast as the sparse product (a chunk of 128 resumes over 30,000 terms is
    15 MB)."""
    block = np.zeros((bodies.shape[1], len(resumes)), dtype=bodies.dtype)
    for column, resume in enumerate(resumes):
        if resume is not None:
            resume.vector.sum_duplicates()  # one value per term, as the sparse product sums them
            block[resume.vector.indices, column] = resume.vector.data
    return bodies @ block


def _row_sims(bodies: sp.csr_matrix, resume: Resume, rows: np.ndarray) -> np.ndarray:
    """``(bodies[rows] @ resume.vector.T).toarray().ravel()`` to the last bit, without slicing
    the index's matrix for a digest's few rows: each row's products with the resume, summed in
    the row's order from zero as the sparse product sums them (a product with a term the
    resume lacks adds zero)."""
    resume.vector.sum_duplicates()  # one value per term, as the sparse product sums them
    dtype = np.result_type(bodies.dtype, resume.vector.dtype)
    dense = np.zeros(bodies.shape[1], dtype=dtype)
    dense[resume.vector.indices] = resume.vector.data
    indptr, indices, data = bodies.indptr, bodies.indices, bodies.data
    sims = np.zeros(len(rows), dtype=dtype)
    for pos, row in enumerate(rows.tolist()):
        start, end = indptr[row], indptr[row + 1]
        if end > start:
            sims[pos] = np.cumsum(data[start:end].astype(dtype) * dense[indices[start:end]])[-1]
    return sims


class _Explaining:
    """The resume-free parts of every row of one index, and each credential set's
    ``for_resume`` over every row (the first ``_SHARED_CREDENTIALS`` sets; the others over the
    explained rows alone): explaining a digest's few rows takes them from these, instead of
    slicing the index's matrices once per subscriber. Taken row by row, each value is the one
    worked out over those rows alone."""

    def __init__(self, index: PostingIndex, weights: Weights):
        self.index, self.rows, self.weights = weakref.ref(index), len(index), weights
        self._parts = profile_parts(index, weights)
        self._credentials: dict[frozenset[str], ResumeCredentials] = {}

    def parts(self, rows: np.ndarray) -> dict[str, np.ndarray]:
        """``profile_parts`` of ``rows``."""
        return {name: values[rows] for name, values in self._parts.items()}

    def credentials(self, held: set[str], rows: np.ndarray) -> ResumeCredentials:
        """``cred_arrays.for_resume(held, rows)``."""
        key = frozenset(held)
        every = self._credentials.get(key)
        if every is None:
            index = self.index()
            assert index is not None  # called while explaining that index
            if len(self._credentials) >= _SHARED_CREDENTIALS:  # many sets: these rows only
                return index.cred_arrays.for_resume(set(held), rows)
            every = self._credentials[key] = index.cred_arrays.for_resume(set(held))
        return ResumeCredentials(*(values[rows] for values in every))


class _ResumeTerms:
    """The role's domain terms (``matchers.domain_terms``: responsibilities, technical skills,
    specialisations) that both a posting and the resume use; the resume is scanned once."""

    def __init__(self, index: PostingIndex, resume: Resume | None,
                 rows_terms: dict[int, list[str]] | None = None):
        self.index = index
        self.theirs = None if resume is None else resume.terms if resume.terms is not None else (
            set(index.matchers.terms_in(resume.text)))
        self.rows_terms = {} if rows_terms is None else rows_terms

    def shared(self, row: int) -> list[str]:
        """The shared terms of one posting, in the posting's order."""
        if self.theirs is None:
            return []
        ours = self.rows_terms.get(row)
        if ours is None:
            ours = self.rows_terms[row] = self.index.matchers.terms_in(
                self.index.postings[row].description)
        return [term for term in ours if term in self.theirs][:_RESUME_TERMS]
