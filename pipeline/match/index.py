"""Posting-side features for ranking, computed once per set of postings and reused per subscriber.

``PostingIndex.build(profile, postings)`` fits the vectorizers on the postings, drops boilerplate
sentences (8+ words, repeated in ``boilerplate_min_repeats`` postings of one company) and
computes each posting's profile-only features: title score and match (by the title's work, less
licence names; the whole title's similarity is kept beside it), negative title cue, skills, body
similarity to the profile and to its title-family peers, credentials asked.
``add(postings)`` appends rows with the fitted vectorizers, without a refit; ``rows_since(n)``
gives the features of the rows from ``n`` on, which ``extend_rows`` appends to an index of ``n``
rows as they were (what is kept of postings appended since a fit, ``pipeline.match.kept``).

The text work is in ``fit.text_features``; ``tfidf`` turns term counts into scikit-learn's TF-IDF.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from pipeline.match.credentials import (
    CredentialArrays,
    PostingCredentials,
    posting_credentials,
)
from pipeline.match.employer import job_text
from pipeline.match.filters import PostingColumns, posting_columns
from pipeline.match.fit import TextFeatures, gc_paused, text_features
from pipeline.match.matchers import ProfileMatchers
from pipeline.match.peers import Peers, company_keys
from pipeline.match.profile import Profile
from pipeline.match.text import norm, norm_title, sentence_spans
from pipeline.match.tfidf import (
    FittedTfidf,
    count_terms,
    finish_tfidf,
    fit_tfidf,
    merge_counts,
    unit_rows,
)
from pipeline.posting import Posting

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_BOILERPLATE_MIN_WORDS = 8
_FUZZY_TITLE_MIN = 0.5
#: From this many postings, body terms seen in only one posting are left out of the vocabulary.
_BIG_CORPUS = 1000
#: The features holding one entry per posting, in row order, besides the body rows, the filter
#: columns and the credential matrices (``rows_since``, ``extend_rows``).
_ROW_FEATURES = ("title_score", "licence_title_sim", "title_match", "negative", "skills",
                 "body_sim", "creds", "skill_count", "negative_mask", "peer_sim")


def _distinct(items: list[str]) -> tuple[list[str], np.ndarray]:
    """The distinct items in first-seen order, and each item's position among them."""
    index: dict[str, int] = {}
    inverse = np.fromiter((index.setdefault(x, len(index)) for x in items), np.int64, len(items))
    return list(index), inverse


def norm_titles(postings: list[Posting]) -> list[str]:
    """``norm_title`` of each posting's title, worked out once per distinct title."""
    done: dict[str, str] = {}
    return [done[t] if t in done else done.setdefault(t, norm_title(t))
            for t in (p.title for p in postings)]


def boilerplate_keys(postings: list[Posting], split: list[list[str]],
                     min_repeats: int) -> set[tuple[str, str]]:
    """(company, lower-cased sentence) pairs repeated in ``min_repeats``+ distinct texts of
    that company; ``split`` holds each posting's sentences (their spacing is already tidied by
    ``normalize.html``). Identical postings count once: the same advert posted three times is
    one job whose text is its own, not boilerplate. The sentences themselves are the keys:
    Python caches a string's hash, so counting them costs less than hashing them anew."""
    least = _BOILERPLATE_MIN_WORDS - 1  # spaces in a sentence that long
    companies: dict[str | None, str] = {}
    seen: set[tuple[str, str]] = set()
    counts: dict[str, Counter[str]] = {}  # per company: in how many of its texts
    for posting, parts in zip(postings, split, strict=True):
        company = companies.get(posting.company)
        if company is None:
            company = companies.setdefault(posting.company, norm(posting.company or ""))
        if (company, posting.description) in seen:
            continue
        seen.add((company, posting.description))
        counted = counts.get(company)
        if counted is None:
            counted = counts.setdefault(company, Counter())
        counted.update({s.lower() for s in parts if s.count(" ") >= least})
    return {(company, sentence) for company, counted in counts.items()
            for sentence, count in counted.items() if count >= min_repeats}


def clean_bodies(postings: list[Posting], split: list[list[str]],
                 boilerplate: set[tuple[str, str]]) -> list[str]:
    """Each posting's text about the job (``employer.job_text``) without its company's
    boilerplate sentences, from its sentences already split."""
    companies: dict[str, set[str]] = {}
    for company, sentence in boilerplate:
        companies.setdefault(company, set()).add(sentence)
    normalised: dict[str | None, str] = {}
    bodies = []
    for posting, parts in zip(postings, split, strict=True):
        company = "" if not companies else normalised.get(posting.company)
        if company is None:
            company = normalised.setdefault(posting.company, norm(posting.company or ""))
        cleaned = parts
        if company in companies:
            own = companies[company]
            cleaned = [s for s in parts if s.lower() not in own]
        job = job_text(cleaned, posting.company, posting.title)
        bodies.append(posting.description if job is parts else "\n".join(job))
    return bodies


def _body_vectorizer(n_postings: int) -> TfidfVectorizer:
    """Body unigrams without English stop words; from ``_BIG_CORPUS`` postings, terms of a
    single posting are left out, and above 20 those in 90% of postings."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(stop_words="english", sublinear_tf=True, ngram_range=(1, 1),
                           min_df=2 if n_postings >= _BIG_CORPUS else 1,
                           max_df=0.9 if n_postings > 20 else 1.0, dtype=np.float32)


def _fit_bodies(vectorizer: TfidfVectorizer, text: TextFeatures,
                profile: Profile) -> tuple[FittedTfidf, sp.csr_matrix]:
    """The body TF-IDF fitted on the cleaned bodies' counts plus the profile text (one more
    document, so the vocabulary is never empty), and the bodies' TF-IDF rows."""
    counted = [(text.counts, text.terms), count_terms(vectorizer, [profile.body_text()])]
    fitted, matrix = finish_tfidf(vectorizer, *merge_counts(counted))
    return fitted, matrix[:-1]


def _fit_titles(matchers: ProfileMatchers,
                postings: list[Posting]) -> tuple[FittedTfidf, FittedTfidf]:
    """Word (1-2) and character (3-5) n-gram TF-IDFs fitted on the normalised titles."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    titles = norm_titles(postings) + matchers.family
    word = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32)
    char = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                           dtype=np.float32)
    return fit_tfidf(word, titles)[0], fit_tfidf(char, titles)[0]


@dataclass
class PostingIndex:
    """Fitted vectorizers plus per-posting features; rows line up with ``postings``."""

    profile: Profile
    matchers: ProfileMatchers
    body_vectorizer: FittedTfidf
    title_vectorizers: tuple[FittedTfidf, FittedTfidf]
    boilerplate: set[tuple[str, str]]
    family_matrix: sp.csr_matrix
    profile_vector: sp.csr_matrix
    whole_family_matrix: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0)))
    postings: list[Posting] = field(default_factory=list)
    bodies: sp.csr_matrix | None = None
    title_score: np.ndarray = field(default_factory=lambda: np.zeros(0))
    #: similarity of the whole title, licence names included, to the closest family title;
    #: 1 for a neighbouring job's title (the profile's ``adjacent_titles``); both count at
    #: most ``licence_title_cap``: adjacent, not the role
    licence_title_sim: np.ndarray = field(default_factory=lambda: np.zeros(0))
    title_match: list[str | None] = field(default_factory=list)
    negative: list[str | None] = field(default_factory=list)
    skills: list[list[str]] = field(default_factory=list)
    body_sim: np.ndarray = field(default_factory=lambda: np.zeros(0))
    creds: list[PostingCredentials] = field(default_factory=list)
    skill_count: np.ndarray = field(default_factory=lambda: np.zeros(0))
    negative_mask: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    peers: Peers | None = None
    peer_sim: np.ndarray = field(default_factory=lambda: np.zeros(0))
    cred_arrays: CredentialArrays | None = None
    filter_columns: PostingColumns | None = None

    @classmethod
    def build(cls, profile: Profile, postings: list[Posting],
              min_repeats: int | None = None) -> PostingIndex:
        """Fit on ``postings`` (IDF, boilerplate) and compute their features; a sentence seen in
        ``min_repeats`` postings of one company (default: the profile's weight) is boilerplate."""
        with gc_paused():
            matchers = ProfileMatchers.compile(profile)
            body_vec = _body_vectorizer(len(postings))
            text = text_features(profile, matchers, postings, body_vec,
                                 min_repeats or profile.weights.boilerplate_min_repeats)
            body_fit, matrix = _fit_bodies(body_vec, text, profile)
            index = cls(profile=profile, matchers=matchers, body_vectorizer=body_fit,
                        title_vectorizers=_fit_titles(matchers, postings),
                        boilerplate=text.boilerplate, family_matrix=sp.csr_matrix((0, 0)),
                        profile_vector=unit_rows(body_fit.transform([profile.body_text()])))
            index.family_matrix = index._title_matrix(
                [matchers.without_licences(t) for t in matchers.family])
            index.whole_family_matrix = index._title_matrix(matchers.family)
            if postings:
                from sklearn.preprocessing import normalize  # loaded by the fit: faster here

                index._append(postings, matrix, text.skills, text.creds, normalize)
            index._fit_peers()
        return index

    def _fit_peers(self) -> None:
        """Centroid of the bodies of postings titled like the role (no negative cue): what the
        role's postings typically say, learnt from the postings themselves, no labels."""
        rows = np.flatnonzero((self.title_score >= 1.0) & ~self.negative_mask)
        keys = company_keys([p.company for p in self.postings])
        self.peers = None if self.bodies is None else Peers.fit(
            self.bodies, rows, keys, self.profile_vector)
        self.peer_sim = (np.zeros(len(self)) if self.peers is None
                         else self.peers.similarity(self.bodies, keys))

    def _title_matrix(self, titles: list[str]) -> sp.csr_matrix:
        """Word and character n-gram TF-IDF of normalised titles, side by side, unit length."""
        word, char = self.title_vectorizers
        unique, inverse = _distinct(titles)
        rows = unit_rows(sp.hstack([word.transform(unique), char.transform(unique)]).tocsr())
        return rows[inverse]

    def add(self, postings: list[Posting]) -> None:
        """Append postings using the fitted vectorizers and boilerplate (no refit)."""
        if not postings:
            return
        spans = [sentence_spans(p.description) for p in postings]
        split = [[p.description[a:b].strip() for a, b in sp_]
                 for p, sp_ in zip(postings, spans, strict=True)]
        bodies = clean_bodies(postings, split, self.boilerplate)
        creds = [posting_credentials(p.description, self.profile.credentials, sp_, parts,
                                     title=p.title)
                 for p, sp_, parts in zip(postings, spans, split, strict=True)]
        self._append(postings, self.body_vectorizer.transform(bodies),
                     [self.matchers.skills_in(b) for b in bodies], creds)

    def _append(self, postings: list[Posting], matrix: sp.csr_matrix, skills: list[list[str]],
                creds: list[PostingCredentials], unit=unit_rows) -> None:
        """Append postings whose body rows, skills and credentials are already worked out
        (``unit``: scales rows to unit length, ``unit_rows`` or scikit-learn's equal one)."""
        matrix = unit(matrix)
        self.bodies = matrix if self.bodies is None else sp.vstack([self.bodies, matrix]).tocsr()
        self.body_sim = np.concatenate(
            [self.body_sim, (matrix @ self.profile_vector.T).toarray().ravel()])
        if self.peers is not None:
            keys = company_keys([p.company for p in postings], len(self.postings))
            self.peer_sim = np.concatenate([self.peer_sim, self.peers.similarity(matrix, keys)])
        self._add_titles(postings)
        self.skills += skills
        self.skill_count = np.concatenate(
            [self.skill_count, [self.matchers.role_skill_count(s) for s in skills]])
        self.creds += creds
        if self.cred_arrays is None:
            self.cred_arrays = CredentialArrays(self.profile.credentials)
        self.cred_arrays.extend(creds)
        columns = posting_columns(postings)
        self.filter_columns = columns if self.filter_columns is None else (
            self.filter_columns.joined(columns))
        self.postings += postings

    def rows_since(self, start: int) -> dict:
        """The features of rows ``start``.. (no posting objects), for ``extend_rows``."""
        return {"rows": len(self) - start,
                "bodies": None if self.bodies is None else self.bodies[start:],
                "filter_columns": None if self.filter_columns is None else
                self.filter_columns.take(np.arange(start, len(self))),
                **{name: getattr(self, name)[start:] for name in _ROW_FEATURES}}

    def extend_rows(self, rows: dict) -> None:
        """Append rows worked out by ``rows_since`` on this index when it had its present rows
        (their postings unknown, None, until set)."""
        if not rows["rows"]:
            return
        bodies, columns = rows["bodies"], rows["filter_columns"]
        self.bodies = bodies if self.bodies is None else sp.vstack([self.bodies, bodies]).tocsr()
        self.filter_columns = columns if self.filter_columns is None else (
            self.filter_columns.joined(columns))
        for name in _ROW_FEATURES:
            mine, more = getattr(self, name), rows[name]
            setattr(self, name, mine + more if isinstance(mine, list) else
                    np.concatenate([mine, more]))
        if self.cred_arrays is None:
            self.cred_arrays = CredentialArrays(self.profile.credentials)
        self.cred_arrays.extend(rows["creds"])
        self.postings += [None] * rows["rows"]

    def _add_titles(self, postings: list[Posting]) -> None:
        """Title score and matched family title (exact phrase, else the most similar above
        ``_FUZZY_TITLE_MIN``, both less licence names) and negative cue; each distinct title
        is worked out once."""
        unique, inverse = _distinct(norm_titles(postings))
        work = [self.matchers.without_licences(t) for t in unique]
        sims = (self._title_matrix(work) @ self.family_matrix.T).toarray()
        best = sims.argmax(axis=1)
        scores = sims[np.arange(len(unique)), best]
        whole = (self._title_matrix(unique) @ self.whole_family_matrix.T).max(axis=1).toarray()
        # a neighbouring job's title is as alike as one sharing only a licence: capped, adjacent
        whole = np.where([self.matchers.adjacent(t) for t in unique], 1.0, whole.ravel())
        matches, cues = [], []
        for i, title in enumerate(unique):
            exact = self.matchers.exact_title(title)
            if exact:
                scores[i] = 1.0
            fuzzy = self.matchers.family[best[i]] if scores[i] >= _FUZZY_TITLE_MIN else None
            matches.append(exact or fuzzy)
            cues.append(self.matchers.negative(title))
        self.title_match += [matches[i] for i in inverse]
        self.negative += [cues[i] for i in inverse]
        self.title_score = np.concatenate([self.title_score, scores[inverse]])
        self.licence_title_sim = np.concatenate(
            [self.licence_title_sim, whole[inverse]])
        new_cues = np.array([cues[i] is not None for i in inverse], dtype=bool)
        self.negative_mask = np.concatenate([self.negative_mask, new_cues])

    def feature_names(self) -> np.ndarray:
        """The body vocabulary by column (computed once; the vocabulary never changes)."""
        if getattr(self, "_feature_names", None) is None:
            self._feature_names = self.body_vectorizer.get_feature_names_out()
        return self._feature_names

    def columns(self) -> PostingColumns:
        """The filter columns of every posting."""
        return self.filter_columns if self.filter_columns is not None else posting_columns([])

    def __len__(self) -> int:
        return len(self.postings)
