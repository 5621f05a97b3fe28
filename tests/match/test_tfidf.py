"""``fit_tfidf`` gives scikit-learn's own ``fit_transform`` result: vocabulary, IDF, rows and
the transform of new text, without setting any fitted attribute of scikit-learn's objects."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from pipeline.match import tfidf
from pipeline.match.tfidf import count_terms, finish_tfidf, fit_tfidf, merge_counts, unit_rows

DOCS = [
    "RN Case Manager: coordinate care plans; discharge planning for a caseload.",
    "Care co-ordinator (LCSW) - community resources, caseload 40-60, on_call rota.",
    "Équipe soins à domicile: coordination des soins, naïve café 2024 x y z I a.",
    "Utilization review nurse, InterQual/MCG, medical necessity, 24/7 telephonic!!",
    "rn case manager rn case manager RN CASE MANAGER",
    "",
    "a b c 1 2 3 _ __ ___ a_b",
    "cafe\u0301 nai\u0308ve x\u0301y \u00b2\u00b3 \U0001d400\U0001d401 \u0661\u0662",
    "co\u00adordinator and care\u200bplans",
    "Staff nurse ICU, 12-hour shifts; care plans and caseload.",
]


def _same_fit(ours: TfidfVectorizer, theirs: TfidfVectorizer, docs: list[str]) -> None:
    expected = theirs.fit_transform(docs)
    fitted, got = fit_tfidf(ours, docs)
    assert fitted.vocabulary == theirs.vocabulary_
    assert not hasattr(ours, "vocabulary_"), "the settings are never fitted"
    np.testing.assert_array_equal(fitted.idf, theirs.idf_)
    # (scikit-learn's fitted rows sum a row's squares in first-seen term order, ours in column
    # order: the last bit of a value can differ; new text's rows are the same to the last bit)
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-6, atol=1e-12)
    new = ["care plans for a new caseload", "nothing known here"]
    np.testing.assert_array_equal(fitted.transform(new).toarray(), theirs.transform(new).toarray())


@pytest.mark.parametrize("params", [
    {},
    {"stop_words": "english", "sublinear_tf": True},
    {"stop_words": "english", "min_df": 2},
    {"max_df": 0.5, "dtype": np.float32},
    {"token_pattern": r"(?u)\b\w+\b"},
    {"ngram_range": (1, 2)},
    {"analyzer": "char_wb", "ngram_range": (3, 5)},
])
def test_fit_matches_scikit_learn(params):
    _same_fit(TfidfVectorizer(**params), TfidfVectorizer(**params), DOCS)


def test_repeated_documents_are_counted_once_but_weigh_as_often():
    docs = DOCS + DOCS[:3] * 5
    _same_fit(TfidfVectorizer(min_df=2), TfidfVectorizer(min_df=2), docs)


def test_parts_counted_apart_and_merged_equal_one_fit():
    whole = TfidfVectorizer(stop_words="english")
    expected = whole.fit_transform(DOCS)
    parts = TfidfVectorizer(stop_words="english")
    counted = [count_terms(parts, DOCS[:3]), count_terms(parts, DOCS[3:])]
    fitted, got = finish_tfidf(parts, *merge_counts(counted))
    assert fitted.vocabulary == whole.vocabulary_
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-5, atol=1e-7)


def test_the_default_token_pattern_takes_the_fast_path():
    """The fast tokeniser is chosen by comparing with scikit-learn's default pattern: if that
    default ever changes, this says so instead of silently falling back to the slow one."""
    assert TfidfVectorizer().token_pattern == tfidf._TOKEN_DEFAULT


def test_corpus_counted_over_many_chunks_equals_one_fit(monkeypatch):
    monkeypatch.setattr(tfidf, "_CHUNK", 3)
    docs = DOCS * 3
    _same_fit(TfidfVectorizer(stop_words="english"), TfidfVectorizer(stop_words="english"), docs)


KEPT_PROBE = """
import pickle, sys
fitted, docs = pickle.loads(sys.stdin.buffer.read())
rows = [f.transform(docs) for f in fitted]
heavy = ("sklearn", "pandas", "scipy.stats")
sys.stdout.buffer.write(pickle.dumps((rows, [m for m in heavy if m in sys.modules])))
"""


def test_a_kept_fit_transforms_new_text_to_scikit_learns_matrix_without_loading_it():
    """The index kept between runs transforms new postings and resumes in a process that never
    imports scikit-learn, to the very rows scikit-learn's own vectorizer gives (so a kept
    index scores as a fresh fit of the same vocabulary would, to the last bit)."""
    settings = [  # the index's body and title vectorizers, and a word n-gram one with stop words
        {"stop_words": "english", "sublinear_tf": True, "dtype": np.float32},
        {"ngram_range": (1, 2), "sublinear_tf": True, "dtype": np.float32},
        {"analyzer": "char_wb", "ngram_range": (3, 5), "sublinear_tf": True,
         "dtype": np.float32},
        {"ngram_range": (1, 3), "stop_words": "english", "token_pattern": r"(?u)\b\w+\b"},
    ]
    theirs = [TfidfVectorizer(**params).fit(DOCS) for params in settings]
    ours = [fit_tfidf(TfidfVectorizer(**params), DOCS)[0] for params in settings]
    new = DOCS[::-1] + ["care plans for a new caseload", "nothing known here", "a", "",
                        "Case  Manager\tRN\n\nCCM  case manager, RN"]
    done = subprocess.run([sys.executable, "-c", KEPT_PROBE], input=pickle.dumps((ours, new)),
                          capture_output=True, check=True)
    rows, loaded = pickle.loads(done.stdout)
    assert loaded == []
    for got, vectorizer in zip(rows, theirs, strict=True):
        expected = vectorizer.transform(new)
        assert got.dtype == expected.dtype and got.shape == expected.shape
        np.testing.assert_array_equal(got.toarray(), expected.toarray())


def test_rows_scaled_to_unit_length_equal_scikit_learns_to_the_last_bit():
    rng = np.random.default_rng(7)
    for dtype in (np.float32, np.float64):
        matrix = sp.random(300, 400, density=0.05, format="csr", dtype=dtype, random_state=3)
        matrix.data = (rng.random(matrix.nnz) * rng.integers(1, 1000, matrix.nnz)).astype(dtype)
        matrix = sp.vstack([matrix, sp.csr_matrix((1, 400), dtype=dtype)]).tocsr()  # empty row
        given = matrix.copy()
        expected = normalize(matrix)
        got = unit_rows(matrix)
        assert got.dtype == dtype
        np.testing.assert_array_equal(got.toarray(), expected.toarray())
        np.testing.assert_array_equal(matrix.toarray(), given.toarray())  # left as it was
