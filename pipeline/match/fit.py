"""The text work of fitting an index, split by company over the machine's cores.

Everything ``PostingIndex.build`` learns from posting text is per company or per posting:
boilerplate is a sentence repeated within one company, and sentences, skills, credentials and term
counts belong to one posting. So the postings are split into groups of whole companies (balanced
by posting count); each group is worked out in full (``group_features``), one group in this
process and the others in forked processes, which send back only small results: skills,
credentials, the company's boilerplate sentences and a sparse term-count matrix. Results are
the same as working on all postings at once. Small corpora, and systems without ``fork``, stay
in-process.

It is opt-in (``PostingIndex.build(..., workers=2)``; ``bench_match.py --workers 2``). Measured on
the 2-core machine with 100,000 postings while the other core was free: fit 8.1 s against 12.4 s
in one process (no gain while other jobs keep that core busy); the forked process's memory adds
to the peak (1.32 GB above the data against 0.79 GB, partly pages shared with the parent); and
forking a process that runs scheduler threads (``pipeline run``) is best avoided, hence one
process by default, which is already faster than the naive approach.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from pipeline.match.credentials import PostingCredentials, posting_credentials
from pipeline.match.matchers import ProfileMatchers
from pipeline.match.profile import Profile
from pipeline.match.text import norm, sentence_spans
from pipeline.match.tfidf import count_terms, merge_counts
from pipeline.posting import Posting

#: Each extra process needs this many postings (below, forking costs more than it saves).
PARALLEL_MIN_POSTINGS = 20_000


@contextmanager
def gc_paused() -> Iterator[None]:
    """Cyclic garbage collection off for a bulk build, then back as it was.

    A fit allocates millions of small objects (sentences, tokens, tuples) and frees none of
    them in cycles, yet each allocation burst triggers a collection that walks every live object
    (the postings included): 15% of a 20,000-posting fit. Reference counting still frees memory
    as usual; only cycles wait until the end. The switch is process-wide, so other threads (the
    scheduler's, a web server's) collect no cycles during a fit either, which only delays them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@dataclass
class TextFeatures:
    """What the postings' text gives, one entry (or matrix row) per posting, in posting order."""

    boilerplate: set[tuple[str, str]]
    skills: list[list[str]]
    creds: list[PostingCredentials]
    counts: sp.csr_matrix
    terms: np.ndarray


def group_features(profile: Profile, matchers: ProfileMatchers, postings: list[Posting],
                   vectorizer: TfidfVectorizer, min_repeats: int) -> TextFeatures:
    """Sentences, boilerplate, cleaned bodies, skills, credentials and term counts of postings
    (whole companies: boilerplate is found among them alone)."""
    from pipeline.match.index import boilerplate_keys, clean_bodies

    spans = [sentence_spans(p.description) for p in postings]
    split = [[p.description[a:b].strip() for a, b in sp_] for p, sp_ in zip(postings, spans,
                                                                            strict=True)]
    boilerplate = boilerplate_keys(postings, split, min_repeats)
    bodies = clean_bodies(postings, split, boilerplate)
    creds = [posting_credentials(p.description, profile.credentials, sp_, parts)
             for p, sp_, parts in zip(postings, spans, split, strict=True)]
    counts, terms = count_terms(vectorizer, bodies)
    return TextFeatures(boilerplate, [matchers.skills_in(b) for b in bodies], creds, counts,
                        terms)


def company_groups(postings: list[Posting], n_groups: int) -> list[np.ndarray]:
    """Posting rows split into ``n_groups`` sets of whole companies, largest company first to
    the smallest group, so the groups hold about as many postings each."""
    by_company: dict[str, list[int]] = {}
    for row, posting in enumerate(postings):
        by_company.setdefault(norm(posting.company or ""), []).append(row)
    groups: list[list[int]] = [[] for _ in range(n_groups)]
    for rows in sorted(by_company.values(), key=len, reverse=True):
        min(groups, key=len).extend(rows)
    return [np.array(sorted(g), dtype=np.int64) for g in groups if g]


_JOB: tuple = ()


def _run_group(rows: np.ndarray) -> TextFeatures:
    """In a forked worker: the features of the group's postings (inputs inherited, not sent)."""
    profile, matchers, postings, vectorizer, min_repeats = _JOB
    return group_features(profile, matchers, [postings[i] for i in rows], vectorizer,
                          min_repeats)


def text_features(profile: Profile, matchers: ProfileMatchers, postings: list[Posting],
                  vectorizer: TfidfVectorizer, min_repeats: int,
                  workers: int | None = None) -> TextFeatures:
    """``group_features`` of all postings, in ``workers`` processes (default 1; 0: one per
    core), never more than one per ``PARALLEL_MIN_POSTINGS`` postings."""
    if workers == 0:
        workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    workers = min(workers or 1, max(1, len(postings) // PARALLEL_MIN_POSTINGS))
    if workers <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        return group_features(profile, matchers, postings, vectorizer, min_repeats)
    global _JOB
    groups = company_groups(postings, workers)
    if len(groups) < 2:
        return group_features(profile, matchers, postings, vectorizer, min_repeats)
    _JOB = (profile, matchers, postings, vectorizer, min_repeats)
    try:
        with ProcessPoolExecutor(len(groups) - 1,
                                 mp_context=multiprocessing.get_context("fork")) as pool:
            futures = [pool.submit(_run_group, rows) for rows in groups[1:]]
            parts = [_run_group(groups[0])] + [f.result() for f in futures]
    finally:
        _JOB = ()
    return _in_order(parts, groups)


def _in_order(parts: list[TextFeatures], groups: list[np.ndarray]) -> TextFeatures:
    """The groups' features joined back into posting order."""
    order = np.argsort(np.concatenate(groups), kind="stable")
    counts, terms = merge_counts([(part.counts, part.terms) for part in parts])
    skills = [s for part in parts for s in part.skills]
    creds = [c for part in parts for c in part.creds]
    return TextFeatures(boilerplate=set().union(*(part.boilerplate for part in parts)),
                        skills=[skills[i] for i in order], creds=[creds[i] for i in order],
                        counts=counts[order], terms=terms)
