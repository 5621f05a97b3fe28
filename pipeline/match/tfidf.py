"""TF-IDF fitting and transforming that give scikit-learn's exact result, with no scikit-learn
needed to transform new text.

``TfidfVectorizer.fit_transform`` counts tokens in a Python loop, one dictionary look-up per
token. ``fit_tfidf`` counts each distinct document once (titles repeat a lot) and, for plain word
unigrams, tokenises a chunk of documents with the vectorizer's own regex and counts with
a self-numbering dictionary (C speed). Stop words, ``min_df`` / ``max_df``, the alphabetical
vocabulary and the IDF are applied as scikit-learn does. The ``TfidfVectorizer`` passed in only
carries the settings (``get_params``); it is never fitted.

The result is a ``FittedTfidf``: plain data (vocabulary, IDF, the analyser's settings) whose
``transform`` splits text into words, word n-grams or padded character n-grams as
scikit-learn's analysers do, and weighs and scales the counts with the same floating-point
steps, so a kept index transforms new postings and resumes to the very matrix scikit-learn
would give, without importing it (importing scikit-learn costs a run more than the transform).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from itertools import chain, count
from numbers import Integral
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from pipeline.errors import PipelineError

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_CHUNK = 4000
_TOKEN_DEFAULT = r"(?u)\b\w\w+\b"
#: Finds exactly the default pattern's tokens: scanning left to right, a match can only start
#: at a word's first character and runs to its end, so the ``\b`` checks never change a match;
#: without them the regex engine can jump straight to the next word character (25% faster).
_TOKEN_FAST = re.compile(r"\w\w+")
#: Every ASCII character that is no word character (``\w``) -> a space: an ASCII text so
#: translated splits on white space into its runs of word characters, which are the default
#: pattern's tokens but for those of one character (string methods only, no regex: faster).
_ASCII_NON_WORD = str.maketrans({chr(c): " " for c in range(128)
                                 if not (chr(c).isalnum() or chr(c) == "_")})
#: Runs of white space, which the character analyser folds to one space.
_WHITE_SPACES = re.compile(r"\s\s+")


@dataclass
class FittedTfidf:
    """A fitted TF-IDF as plain data: the vocabulary (term -> column), the IDF (None without
    IDF weighting) and the settings ``transform`` needs to turn new text into rows."""

    vocabulary: dict[str, int]
    idf: np.ndarray | None
    analyzer: str  # "word" or "char_wb"
    ngram_range: tuple[int, int]
    token_pattern: str
    stop_words: frozenset[str]
    lowercase: bool
    sublinear_tf: bool
    norm: str | None
    dtype: type

    @classmethod
    def of(cls, vec: TfidfVectorizer, vocabulary: dict[str, int],
           idf: np.ndarray | None) -> FittedTfidf:
        """The fitted state of ``vec``'s settings (only settings ``transform`` reproduces)."""
        if not (vec.analyzer in ("word", "char_wb") and vec.preprocessor is None
                and vec.tokenizer is None and vec.strip_accents is None
                and vec.input == "content" and not vec.binary and vec.norm in ("l2", None)):
            raise PipelineError(f"TF-IDF settings not supported: {vec.get_params()}")
        return cls(vocabulary=vocabulary, idf=idf, analyzer=vec.analyzer,
                   ngram_range=tuple(vec.ngram_range), token_pattern=vec.token_pattern,
                   stop_words=frozenset(vec.get_stop_words() or ()) if vec.analyzer == "word"
                   else frozenset(), lowercase=bool(vec.lowercase),
                   sublinear_tf=bool(vec.sublinear_tf), norm=vec.norm, dtype=vec.dtype)

    def transform(self, docs: list[str]) -> sp.csr_matrix:
        """TF-IDF rows of ``docs`` over the fitted vocabulary (``TfidfVectorizer.transform``)."""
        return self.weigh(self.count(docs))

    def count(self, docs: list[str]) -> sp.csr_matrix:
        """Counts of the vocabulary's terms in ``docs``, one row each, columns ascending."""
        features = self._analyser()
        vocabulary = self.vocabulary.get
        ids = [[i for i in map(vocabulary, features(doc)) if i is not None] for doc in docs]
        lengths = np.fromiter(map(len, ids), np.int64, len(ids))
        columns = np.fromiter(chain.from_iterable(ids), np.int64, int(lengths.sum()))
        rows = np.repeat(np.arange(len(ids)), lengths)
        counts = sp.coo_matrix((np.ones(len(columns), dtype=self.dtype), (rows, columns)),
                               shape=(len(ids), len(self.vocabulary))).tocsr()
        counts.sum_duplicates()
        counts.sort_indices()
        return counts

    def weigh(self, counts: sp.csr_matrix, unit=None) -> sp.csr_matrix:
        """TF-IDF rows of term counts (``TfidfTransformer.transform``, same steps: log-scaled
        counts, times the IDF, rows to unit length by ``unit``, default ``unit_rows``);
        ``counts`` is changed in place."""
        data = counts.data
        if self.sublinear_tf:
            np.log(data, out=data)
            data += 1.0
        if self.idf is not None:
            data *= self.idf[counts.indices]
        if self.norm != "l2":
            return counts
        return unit(counts) if unit is not None else unit_rows(counts, copy=False)

    def get_feature_names_out(self) -> np.ndarray:
        """The term of each column."""
        names = np.empty(len(self.vocabulary), dtype=object)
        for term, column in self.vocabulary.items():
            names[column] = term
        return names

    def _analyser(self):
        """Text -> its features, as scikit-learn's analyser of these settings gives them."""
        low, high = self.ngram_range
        lower = str.lower if self.lowercase else str

        if self.analyzer == "char_wb":
            def features(doc: str) -> list[str]:
                grams = []
                for word in _WHITE_SPACES.sub(" ", lower(doc)).split():
                    word = f" {word} "
                    for n in range(low, high + 1):
                        grams += [word[i:i + n] for i in range(max(len(word) - n, 0) + 1)]
                        if len(word) <= n:  # a short word is counted once, not per n
                            break
                return grams
            return features

        token = (_TOKEN_FAST if self.token_pattern == _TOKEN_DEFAULT
                 else re.compile(self.token_pattern)).findall
        stop = self.stop_words

        def words(doc: str) -> list[str]:
            tokens = token(lower(doc))
            if stop:
                tokens = [t for t in tokens if t not in stop]
            if high == 1:
                return tokens
            grams = list(tokens) if low == 1 else []
            for n in range(max(low, 2), min(high, len(tokens)) + 1):
                grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
            return grams
        return words


def unit_rows(matrix: sp.spmatrix, copy: bool = True) -> sp.csr_matrix:
    """``matrix`` with each row scaled to unit Euclidean length (all-zero rows kept), with the
    floating-point steps of scikit-learn's ``normalize``: squares in the matrix's precision,
    summed in order in double precision, each value divided by the root in double."""
    result = matrix.tocsr(copy=copy) if sp.issparse(matrix) else sp.csr_matrix(matrix)
    if result.dtype not in (np.float32, np.float64):
        result = result.astype(np.float64)
    data, lengths = result.data, np.diff(result.indptr)
    starts = result.indptr[:-1]
    squares = (data * data).astype(np.float64)
    sums = np.zeros(result.shape[0])
    by_length = np.argsort(-lengths, kind="stable")
    live = len(by_length)
    for k in range(int(lengths.max(initial=0))):  # the k-th value of every row that long
        while lengths[by_length[live - 1]] <= k:
            live -= 1
        rows = by_length[:live]
        sums[rows] += squares[starts[rows] + k]
    roots = np.sqrt(sums)
    roots[sums == 0.0] = 1.0
    result.data = (data / np.repeat(roots, lengths)).astype(data.dtype, copy=False)
    return result


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
    ``min_df`` / ``max_df``, alphabetical vocabulary, IDF), and the counted documents' rows
    (scaled by scikit-learn's ``normalize``, loaded for the fit anyway: faster on a corpus)."""
    from sklearn.preprocessing import normalize

    stop = vectorizer.get_stop_words() or frozenset()
    keep = np.fromiter((t not in stop and t != "" for t in terms), bool, len(terms))
    counts, vocabulary = _limit(vectorizer, counts.tocsr(), terms, keep)
    if counts.dtype not in (np.float32, np.float64):
        counts = counts.astype(np.float64)
    fitted = FittedTfidf.of(vectorizer, vocabulary,
                            _idf(counts, vectorizer.smooth_idf) if vectorizer.use_idf else None)
    return fitted, fitted.weigh(counts, unit=lambda m: normalize(m, copy=False))


def _idf(counts: sp.csr_matrix, smooth: bool) -> np.ndarray:
    """The inverse document frequency of each column, in the counts' precision, computed with
    scikit-learn's steps: ln((documents + smooth) / (frequency + smooth)) + 1."""
    frequency = np.bincount(counts.indices, minlength=counts.shape[1]).astype(counts.dtype)
    frequency += float(smooth)
    idf = np.full_like(frequency, fill_value=counts.shape[0] + int(smooth))
    idf /= frequency
    np.log(idf, out=idf)
    idf += 1.0
    return idf


def _count_params(vec: TfidfVectorizer) -> dict:
    """The counting settings of ``vec`` (``CountVectorizer``'s), without the vocabulary limits."""
    return {key: getattr(vec, key) for key in _counting_keys()}


@cache
def _counting_keys() -> tuple[str, ...]:
    """``CountVectorizer``'s settings but the vocabulary limits (sklearn finds an estimator's
    settings by inspecting its signature: slow enough to show in every fit)."""
    from sklearn.feature_extraction.text import CountVectorizer

    return tuple(k for k in CountVectorizer().get_params()
                 if k not in ("min_df", "max_df", "max_features", "vocabulary"))


def _fast_ok(vec: TfidfVectorizer) -> bool:
    """Plain lower-cased word unigrams with the default pattern: what ``_fast_counts`` does."""
    return (vec.analyzer == "word" and tuple(vec.ngram_range) == (1, 1) and vec.lowercase
            and vec.preprocessor is None and vec.tokenizer is None and vec.strip_accents is None
            and vec.input == "content" and vec.vocabulary is None and vec.max_features is None
            and not vec.binary)


def _sklearn_counts(vec: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    from sklearn.feature_extraction.text import CountVectorizer

    counter = CountVectorizer(**_count_params(vec), vocabulary=vec.vocabulary)
    counts = counter.fit_transform(docs)
    return counts.tocsr(), counter.get_feature_names_out()


def _fast_counts(vec: TfidfVectorizer, docs: list[str]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Term counts (columns in first-seen order) and the terms: tokenised a chunk at a time,
    each token mapped to its column by a dictionary that numbers new terms itself (C speed)."""
    default = vec.token_pattern == _TOKEN_DEFAULT
    token = _TOKEN_FAST if default else re.compile(vec.token_pattern)
    vocabulary: defaultdict[str, int] = defaultdict(count().__next__)  # new term: next column
    parts = []
    for start in range(0, len(docs), _CHUNK):
        lowered = map(str.lower, docs[start:start + _CHUNK])
        tokens = ([low.translate(_ASCII_NON_WORD).split() if low.isascii() else
                   token.findall(low) for low in lowered] if default
                  else [token.findall(low) for low in lowered])
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
    terms = np.array(list(vocabulary) or [""], dtype=object)
    if default:  # the split ASCII texts' one-character words are no tokens
        single = np.fromiter(map(len, terms), np.int64, len(terms)) == 1
        if single.any():
            kept = np.flatnonzero(~single)
            if not len(kept):  # as when no token at all was seen
                return sp.csr_matrix((len(docs), 1), dtype=vec.dtype), np.array([""], object)
            counts, terms = counts[:, kept].tocsr(), terms[kept]
    return counts, terms


def _limit(vec: TfidfVectorizer, counts: sp.csr_matrix, terms: np.ndarray,
           keep: np.ndarray) -> tuple[sp.csr_matrix, dict[str, int]]:
    """Keep the columns ``keep`` (a mask) within ``min_df`` / ``max_df``, ordered
    alphabetically by term: one column selection of the counts."""
    n_doc = counts.shape[0]
    high = vec.max_df if isinstance(vec.max_df, Integral) else vec.max_df * n_doc
    low = vec.min_df if isinstance(vec.min_df, Integral) else vec.min_df * n_doc
    if high < low:
        raise PipelineError("max_df corresponds to fewer documents than min_df")
    dfs = np.bincount(counts.indices, minlength=counts.shape[1])
    kept = np.flatnonzero(keep & (dfs <= high) & (dfs >= low))
    order = kept[np.argsort(terms[kept].astype(str), kind="stable")]
    if len(order) == 0:
        raise PipelineError("After pruning, no terms remain; the postings have no usable words")
    result = counts[:, order].tocsr()
    result.sort_indices()
    return result, {str(terms[i]): n for n, i in enumerate(order)}
