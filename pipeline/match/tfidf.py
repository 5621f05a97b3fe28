"""TF-IDF fitting that gives scikit-learn's exact result, faster on large, repetitive corpora.

``TfidfVectorizer.fit_transform`` counts tokens in a Python loop, one dictionary look-up per
token. ``fit_tfidf`` counts each distinct document once (titles repeat a lot) and, for plain word
unigrams, tokenises a chunk of documents with the vectorizer's own regex and counts with
a self-numbering dictionary (C speed). Stop words, ``min_df`` / ``max_df`` and the alphabetical
vocabulary are applied as scikit-learn does. The result is a ``FittedTfidf`` built from public
scikit-learn parts only (a ``CountVectorizer`` given the vocabulary, a fitted ``TfidfTransformer``),
so its ``transform`` of postings added later survives scikit-learn upgrades. The
``TfidfVectorizer`` passed in only carries the settings (``get_params``); it is never fitted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import chain, count
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfTransformer, TfidfVectorizer

from pipeline.errors import PipelineError

_CHUNK = 4000
_TOKEN_DEFAULT = r"(?u)\b\w\w+\b"
#: Finds exactly the default pattern's tokens: scanning left to right, a match can only start
#: at a word's first character and runs to its end, so the ``\b`` checks never change a match;
#: without them the regex engine can jump straight to the next word character (25% faster).
_TOKEN_FAST = re.compile(r"\w\w+")


@dataclass
class FittedTfidf:
    """A fitted TF-IDF: the vocabulary (term -> column), the IDF and ``transform`` of new text."""

    vocabulary: dict[str, int]
    counter: CountVectorizer
    weigher: TfidfTransformer

    @property
    def idf(self) -> np.ndarray:
        """The inverse document frequency of each column."""
        return self.weigher.idf_

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``docs`` over the fitted vocabulary (``TfidfVectorizer.transform``)."""
        return self.weigher.transform(self.counter.transform(docs), copy=False)

    def get_feature_names_out(self) -> np.ndarray:
        """The term of each column."""
        return self.counter.get_feature_names_out()


def fit_tfidf(vectorizer: TfidfVectorizer,
              docs: list[str]) -> tuple[FittedTfidf, sp.csr_matrix]:
    """The TF-IDF of ``vectorizer``'s settings fitted on ``docs``, and their rows (as
    ``fit_transform`` would give)."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(d, len(index)) for d in docs), np.int64, len(docs))
    counts, terms = count_terms(vectorizer, list(index))
    return finish_tfidf(vectorizer, counts[inverse], terms)


def count_terms(vectorizer: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Term counts of ``docs`` (one row each) and the term of each column, before stop words,
    ``min_df`` and ``max_df`` are applied; parts counted apart join with ``merge_counts``."""
    if _fast_ok(vectorizer):
        return _fast_counts(vectorizer, docs)
    return _sklearn_counts(vectorizer, docs)


def merge_counts(parts: list[tuple[sp.csr_matrix, np.ndarray]]) -> tuple[sp.csr_matrix, np.ndarray]:
    """The rows of every part, in order, over the union of their terms."""
    vocabulary: dict[str, int] = {}
    blocks = []
    for counts, terms in parts:
        ids = np.fromiter((vocabulary.setdefault(t, len(vocabulary)) for t in terms), np.int64,
                          len(terms))
        blocks.append((counts.data, ids[counts.indices], counts.indptr, counts.shape[0]))
    width = max(len(vocabulary), 1)
    merged = sp.vstack([sp.csr_matrix((d, i, p), shape=(n, width)) for d, i, p, n in blocks])
    return merged.tocsr(), np.array(list(vocabulary) or [""], dtype=object)


def finish_tfidf(vectorizer: TfidfVectorizer, counts: sp.csr_matrix,
                 terms: np.ndarray) -> tuple[FittedTfidf, sp.csr_matrix]:
    """The TF-IDF of ``vectorizer``'s settings fitted from term counts (stop words out,
    ``min_df`` / ``max_df``, alphabetical vocabulary, IDF), and the counted documents' rows."""
    stop = vectorizer.get_stop_words() or frozenset()
    keep = np.flatnonzero([t not in stop and t != "" for t in terms])
    counts, vocabulary = _limit(vectorizer, counts[:, keep].tocsr(), terms[keep])
    transformer = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                   smooth_idf=vectorizer.smooth_idf,
                                   sublinear_tf=vectorizer.sublinear_tf).fit(counts)
    counter = CountVectorizer(**_count_params(vectorizer), vocabulary=vocabulary)
    return (FittedTfidf(vocabulary, counter, transformer),
            transformer.transform(counts, copy=False))


def _count_params(vec: TfidfVectorizer) -> dict:
    """The counting settings of ``vec`` (``CountVectorizer``'s), without the vocabulary limits."""
    return {key: getattr(vec, key) for key in _counting_keys()}


@cache
def _counting_keys() -> tuple[str, ...]:
    """``CountVectorizer``'s settings but the vocabulary limits (sklearn finds an estimator's
    settings by inspecting its signature: slow enough to show in every fit)."""
    return tuple(k for k in CountVectorizer().get_params()
                 if k not in ("min_df", "max_df", "max_features", "vocabulary"))


def _fast_ok(vec: TfidfVectorizer) -> bool:
    """Plain lower-cased word unigrams with the default pattern: what ``_fast_counts`` does."""
    return (vec.analyzer == "word" and tuple(vec.ngram_range) == (1, 1) and vec.lowercase
            and vec.preprocessor is None and vec.tokenizer is None and vec.strip_accents is None
            and vec.input == "content" and vec.vocabulary is None and vec.max_features is None
            and not vec.binary)


def _sklearn_counts(vec: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    counter = CountVectorizer(**_count_params(vec), vocabulary=vec.vocabulary)
    counts = counter.fit_transform(docs)
    return counts.tocsr(), counter.get_feature_names_out()


def _fast_counts(vec: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Term counts (columns in first-seen order) and the terms: tokenised a chunk at a time,
    each token mapped to its column by a dictionary that numbers new terms itself (C speed)."""
    token = _TOKEN_FAST if vec.token_pattern == _TOKEN_DEFAULT else re.compile(vec.token_pattern)
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)  # new term: next column
    parts = []
    for start in range(0, len(docs), _CHUNK):
        tokens = [token.findall(doc.lower()) for doc in docs[start:start + _CHUNK]]
        lengths = np.fromiter(map(len, tokens), np.int64, len(tokens))
        ids = np.fromiter(map(vocabulary.__getitem__, chain.from_iterable(tokens)), np.int64,
                          int(lengths.sum()))
        rows = np.repeat(np.arange(len(tokens)), lengths)
        chunk = sp.coo_matrix((np.ones(len(ids), dtype=vec.dtype), (rows, ids)),
                              shape=(len(tokens), max(len(vocabulary), 1)))
        parts.append(chunk.tocsr())
    width = max(len(vocabulary), 1)
    counts = sp.vstack([sp.csr_matrix(p, shape=(p.shape[0], width)) for p in parts] or
                       [sp.csr_matrix((0, width), dtype=vec.dtype)]).tocsr()
    return counts, np.array(list(vocabulary) or [""], dtype=object)


def _limit(vec: TfidfVectorizer, counts: sp.csr_matrix,
           terms: np.ndarray) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Drop terms outside ``min_df`` / ``max_df`` and order the columns alphabetically."""
    n_doc = counts.shape[0]
    high = vec.max_df if isinstance(vec.max_df, Integral) else vec.max_df * n_doc
    low = vec.min_df if isinstance(vec.min_df, Integral) else vec.min_df * n_doc
    if high < low:
        raise PipelineError("max_df corresponds to fewer documents than min_df")
    dfs = np.bincount(counts.indices, minlength=counts.shape[1])
    kept = np.flatnonzero((dfs <= high) & (dfs >= low))
    order = kept[np.argsort(terms[kept].astype(str), kind="stable")]
    if len(order) == 0:
        raise PipelineError("After pruning, no terms remain; the postings have no usable words")
    result = counts[:, order].tocsr()
    result.sort_indices()
    return result, {str(terms[i]): n for n, i in enumerate(order)}
