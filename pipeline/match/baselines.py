"""Three baselines the matcher is measured against, in the same run.

* ``tfidf_scores``: plain TF-IDF of the whole profile text (plus the resume) against whole
  postings (title + description), cosine similarity. What the design says is nearly useless.
* ``title_tfidf_scores``: TF-IDF of the role's title family (plus the resume) against the
  postings' titles alone.
* ``bm25_scores``: Okapi BM25 (k1 = 1.2, b = 0.75) of the same query over the same postings, on a
  sparse count matrix; each distinct query term counts once.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from pipeline.posting import Posting


def _documents(postings: list[Posting]) -> list[str]:
    return [f"{p.title}\n{p.description}" for p in postings]


def tfidf_scores(postings: list[Posting], query: str) -> np.ndarray:
    """Cosine of TF-IDF vectors (IDF fitted on the postings) between query and each posting."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    matrix = vectorizer.fit_transform(_documents(postings))
    return (matrix @ vectorizer.transform([query]).T).toarray().ravel()


def title_tfidf_scores(postings: list[Posting], query: str) -> np.ndarray:
    """Cosine of TF-IDF vectors (IDF fitted on the titles) between query and each title."""
    vectorizer = TfidfVectorizer(stop_words="english", sublinear_tf=True)
    matrix = vectorizer.fit_transform([p.title for p in postings])
    return (matrix @ vectorizer.transform([query]).T).toarray().ravel()


def bm25_scores(postings: list[Posting], query: str, k1: float = 1.2,
                b: float = 0.75) -> np.ndarray:
    """BM25 score of ``query`` for each posting."""
    counts = CountVectorizer(stop_words="english")
    tf = counts.fit_transform(_documents(postings)).tocsc().astype(np.float64)
    n = tf.shape[0]
    df = np.diff(tf.indptr)
    idf = np.log((n - df + 0.5) / (df + 0.5) + 1.0)
    lengths = np.asarray(tf.sum(axis=1)).ravel()
    norm_len = k1 * (1 - b + b * lengths / max(lengths.mean(), 1e-9))
    terms = np.flatnonzero(counts.transform([query]).toarray().ravel())
    sub = tf[:, terms].tocoo()
    weights = sub.data * (k1 + 1) / (sub.data + norm_len[sub.row]) * idf[terms][sub.col]
    return np.asarray(sp.csr_matrix((weights, (sub.row, sub.col)), shape=sub.shape)
                      .sum(axis=1)).ravel()


def unit(scores: np.ndarray) -> np.ndarray:
    """Scores scaled to 0..1 (for plotting baselines beside the matcher)."""
    top = scores.max() if len(scores) else 0.0
    return scores / top if top > 0 else scores

