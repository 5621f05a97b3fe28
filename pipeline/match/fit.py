"""The text work of fitting an index: sentences, boilerplate, skills, credentials, term counts.

Everything ``PostingIndex.build`` learns from posting text is per company or per posting:
boilerplate is a sentence repeated within one company, and sentences, skills, credentials and term
counts belong to one posting. ``text_features`` works them out in one pass, with cyclic garbage
collection paused (``gc_paused``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from pipeline.match.credentials import PostingCredentials, posting_credentials
from pipeline.match.matchers import ProfileMatchers
from pipeline.match.profile import Profile
from pipeline.match.text import sentence_spans
from pipeline.match.tfidf import count_terms
from pipeline.posting import Posting

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer


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


def text_features(profile: Profile, matchers: ProfileMatchers, postings: list[Posting],
                  vectorizer: TfidfVectorizer, min_repeats: int) -> TextFeatures:
    """Sentences, boilerplate, cleaned bodies, skills, credentials and term counts of postings
    (boilerplate: a sentence repeated in ``min_repeats`` postings of one company)."""
    from pipeline.match.index import boilerplate_keys, clean_bodies

    split, creds = [], []
    for posting in postings:  # a posting's sentence spans are needed only for its credentials
        spans = sentence_spans(posting.description)
        parts = [posting.description[a:b].strip() for a, b in spans]
        split.append(parts)
        creds.append(posting_credentials(posting.description, profile.credentials, spans, parts,
                                         title=posting.title))
    boilerplate = boilerplate_keys(postings, split, min_repeats)
    bodies = clean_bodies(postings, split, boilerplate)
    del split
    counts, terms = count_terms(vectorizer, bodies)
    return TextFeatures(boilerplate, [matchers.skills_in(b) for b in bodies], creds, counts,
                        terms)
