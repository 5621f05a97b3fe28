"""Combining a posting index's features with one subscriber's resume into scores, vectorised.

Every component is 0..1 per posting: ``title`` (family phrase or n-gram similarity), ``skills``
(share of the profile's skills found, saturating at ``skills_saturation``), ``body`` (cosine of
the cleaned body with the profile text, divided by ``body_cap``), ``credentials`` (without a
resume: does the posting ask for the profile's licenses or certifications; with one: the share of
asked credentials the resume holds) and ``resume`` (cosine of body and resume over
``resume_cap``). The score is their weighted mean, times ``1 - negative_title_penalty`` when the
title carries a cue of another job, times ``1 - missing_credential_penalty`` per required
credential the resume lacks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import normalize

from pipeline.match.credentials import codes_in
from pipeline.match.index import PostingIndex
from pipeline.match.profile import Weights

COMPONENTS = ("title", "skills", "body", "credentials", "resume")


@dataclass
class Resume:
    """A resume as the scorer sees it: a unit TF-IDF vector and the credential codes it names."""

    text: str
    vector: sp.csr_matrix
    held: set[str]

    @classmethod
    def from_text(cls, index: PostingIndex, text: str) -> Resume:
        """Vectorise a resume with the index's fitted body vectorizer."""
        vector = normalize(index.body_vectorizer.transform([text])).tocsr()
        return cls(text=text, vector=vector, held=set(codes_in(text, index.profile.credentials)))


@dataclass
class CredentialArrays:
    """Credentials asked by every posting, as matrices over codes and required groups."""

    codes: list[str]
    asked: sp.csr_matrix          # postings x codes, 1 when the posting names the code
    groups: list[tuple[str, ...]]
    required: sp.csr_matrix       # postings x groups, 1 when the group is required
    profile_score: np.ndarray     # resume-free credentials component

    @classmethod
    def of(cls, index: PostingIndex) -> CredentialArrays:
        """Build the matrices from the index's parsed credentials."""
        codes = [c.code for c in index.profile.credentials]
        licensed = {c.code for c in index.profile.credentials if c.kind != "degree"}
        col = {code: i for i, code in enumerate(codes)}
        groups: dict[tuple[str, ...], int] = {}
        asked_rows, asked_cols, req_rows, req_cols, profile = [], [], [], [], []
        for row, creds in enumerate(index.creds):
            names = creds.codes()
            asked_rows += [row] * len(names)
            asked_cols += [col[c] for c in names]
            for group in creds.required:
                req_rows.append(row)
                req_cols.append(groups.setdefault(tuple(group), len(groups)))
            profile.append(1.0 if licensed & set(names) else 0.5 if names else 0.0)
        n = len(index.creds)
        asked = sp.csr_matrix((np.ones(len(asked_rows)), (asked_rows, asked_cols)),
                              shape=(n, len(codes)))
        required = sp.csr_matrix((np.ones(len(req_rows)), (req_rows, req_cols)),
                                 shape=(n, len(groups)))
        return cls(codes, asked, list(groups), required, np.array(profile))


@dataclass
class Scores:
    """Scores and their parts for the scored rows of an index (aligned arrays)."""

    score: np.ndarray
    parts: dict[str, np.ndarray]
    negative_factor: np.ndarray
    missing: np.ndarray


def credential_arrays(index: PostingIndex) -> CredentialArrays:
    """The index's credential matrices, cached until postings are added."""
    cached = getattr(index, "_cred_arrays", None)
    if cached is None or cached.asked.shape[0] != len(index):
        cached = CredentialArrays.of(index)
        index._cred_arrays = cached
    return cached


def _resume_credentials(arrays: CredentialArrays, held: set[str]) -> tuple[np.ndarray, np.ndarray]:
    """(share of asked credentials held, number of required groups not satisfied) per posting."""
    has = np.array([code in held for code in arrays.codes], dtype=float)
    asked = np.asarray(arrays.asked.sum(axis=1)).ravel()
    share = np.divide(arrays.asked @ has, asked, out=np.zeros_like(asked), where=asked > 0)
    unmet = np.array([0.0 if held.intersection(g) else 1.0 for g in arrays.groups])
    missing = arrays.required @ unmet if len(unmet) else np.zeros(arrays.asked.shape[0])
    return share, np.asarray(missing).ravel()


def score(index: PostingIndex, weights: Weights, resume: Resume | None = None,
          resume_sim: np.ndarray | None = None) -> Scores:
    """Score every posting of the index for one subscriber (resume optional)."""
    n = len(index)
    arrays = credential_arrays(index)
    skills = np.array([len(s) for s in index.skills], dtype=float)
    parts = {
        "title": index.title_score.astype(float),
        "skills": np.minimum(1.0, skills / max(1.0, weights.skills_saturation)),
        "body": np.minimum(1.0, index.body_sim / weights.body_cap),
        "credentials": arrays.profile_score,
    }
    missing = np.zeros(n)
    if resume is not None:
        if resume_sim is None:
            resume_sim = (index.bodies @ resume.vector.T).toarray().ravel()
        parts["resume"] = np.minimum(1.0, resume_sim / weights.resume_cap)
        parts["credentials"], missing = _resume_credentials(arrays, resume.held)
    total = sum(getattr(weights, name) for name in parts) or 1.0
    parts = {name: getattr(weights, name) * values / total for name, values in parts.items()}
    base = sum(parts.values())
    negative = np.array([1.0 - weights.negative_title_penalty if cue else 1.0
                         for cue in index.negative])
    lacking = np.clip(1.0 - weights.missing_credential_penalty * missing, 0.0, 1.0)
    return Scores(np.clip(base * negative * lacking, 0.0, 1.0), parts, negative, missing)


def top_rows(scores: np.ndarray, keep: np.ndarray, min_score: float,
             top: int | None) -> np.ndarray:
    """Row numbers passing ``keep`` and ``min_score``, best first, at most ``top``."""
    rows = np.flatnonzero(keep & (scores >= min_score))
    if top is not None and len(rows) > top:
        rows = rows[np.argpartition(-scores[rows], top - 1)[:top]]
    return rows[np.lexsort((rows, -scores[rows]))]
