"""Combining a posting index's features with one subscriber's resume into scores, vectorised.

Each component is 0..1 per posting: ``title`` (family phrase, else fuzzy similarity to the closest
family title by the title's work; through a licence's name alone at most ``licence_title_cap``),
``skills`` (share found, saturating), ``body`` and ``peers`` (cosine with the profile and with
the role's postings, capped), ``credentials`` (asked by the posting, or held by the resume) and
``resume`` (cosine with the resume); the title part is scaled by ``title_belief`` (a long body
backing the role too little doubts its title). The score is their weighted mean, times
``1 - negative_title_penalty`` for another job's title cue, ``1 - missing_credential_penalty``
per required credential the resume lacks, and ``1 - missing_license_penalty`` when one is a
license. A resume holding none of the role's credentials and fewer than ``resume_gate_terms`` of
its terms (another trade's) has every part but ``resume`` scaled by terms shown / that number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from pipeline.match.credentials import ResumeCredentials, codes_in, held_with_implied
from pipeline.match.index import PostingIndex
from pipeline.match.profile import Weights
from pipeline.match.resume_terms import comparable_text
from pipeline.match.tfidf import unit_rows

COMPONENTS = ("title", "skills", "body", "peers", "credentials", "resume")


@dataclass
class Resume:
    """A resume as the scorer sees it: a unit TF-IDF vector, the credential codes it names and
    how many of the role's domain terms it shows (``terms``: which, when read by ``many``)."""

    text: str
    vector: sp.csr_matrix
    held: set[str]
    role_terms: int = 0
    terms: frozenset[str] | None = None

    @classmethod
    def from_text(cls, index: PostingIndex, text: str) -> Resume:
        """Vectorise a resume with the index's fitted body vectorizer."""
        return cls.many(index, [text])[0]

    @classmethod
    def many(cls, index: PostingIndex, texts: list[str | None]) -> list[Resume | None]:
        """Vectorise many resumes in one call (None stays None: no resume)."""
        given = [i for i, text in enumerate(texts) if text]
        out: list[Resume | None] = [None] * len(texts)
        if not given:
            return out
        matrix = unit_rows(index.body_vectorizer.transform(
            [comparable_text(texts[i]) for i in given])).tocsr()
        ptr = matrix.indptr
        credentials = index.profile.credentials
        for row, i in enumerate(given):
            a, b = ptr[row], ptr[row + 1]  # the row built directly: 4x cheaper than matrix[row]
            vector = sp.csr_matrix((matrix.data[a:b], matrix.indices[a:b], [0, b - a]),
                                   shape=(1, matrix.shape[1]))
            terms = index.matchers.terms_in(texts[i])
            out[i] = cls(text=texts[i], vector=vector,
                         held=held_with_implied(set(codes_in(texts[i], credentials)),
                                                credentials),
                         role_terms=len(terms), terms=frozenset(terms))
        return out

    def gate(self, weights: Weights) -> float:
        """1 for a resume holding one of the role's credentials or showing
        ``resume_gate_terms`` of its terms; else the share of those terms it shows."""
        if self.held or weights.resume_gate_terms <= 0:
            return 1.0
        return min(1.0, self.role_terms / weights.resume_gate_terms)


@dataclass
class Scores:
    """Scores and their parts for the scored rows (aligned arrays)."""

    score: np.ndarray
    parts: dict[str, np.ndarray]
    negative_factor: np.ndarray
    missing: np.ndarray
    unlicensed: np.ndarray


def lacking(weights: Weights, missing: np.ndarray, unlicensed: np.ndarray) -> np.ndarray:
    """The factor for required credentials a resume lacks (1 when it lacks none)."""
    per_credential = np.clip(1.0 - weights.missing_credential_penalty * missing, 0.0, 1.0)
    return per_credential * (1.0 - weights.missing_license_penalty * unlicensed)


def _take(values: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    return values if rows is None else values[rows]


def profile_parts(index: PostingIndex, weights: Weights,
                  rows: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The resume-free components (unweighted) of every posting, or of ``rows``."""
    parts = {
        "title": title_similarity(index, weights, rows) ** weights.title_fuzzy_power,
        "skills": np.minimum(1.0, _take(index.skill_count, rows)
                             / max(1.0, weights.skills_saturation)),
        "body": np.minimum(1.0, _take(index.body_sim, rows) / weights.body_cap),
        "peers": np.minimum(1.0, _take(index.peer_sim, rows) / weights.peers_cap),
        "credentials": _take(index.cred_arrays.profile_score, rows),
    }
    parts["title"] = parts["title"] * title_belief(index, weights, parts, rows)
    return parts


def title_similarity(index: PostingIndex, weights: Weights,
                     rows: np.ndarray | None = None) -> np.ndarray:
    """Each title's likeness to the family by its work; a title alike only through a licence's
    name ("Registered Nurse") counts at most ``licence_title_cap``: adjacent, not the role."""
    work = _take(index.title_score, rows).astype(float)
    whole = _take(index.licence_title_sim, rows).astype(float)
    return np.maximum(work, np.minimum(whole, weights.licence_title_cap))


def title_belief(index: PostingIndex, weights: Weights, parts: dict[str, np.ndarray],
                 rows: np.ndarray | None = None) -> np.ndarray:
    """How far each title is believed: 1 when the body backs the role (its evidence reaches
    ``title_context``) or says little; less when a long body speaks of other work (a gaming
    company's "Mentorship Case Manager", a caregiver scheduler titled "Care Coordinator")."""
    if weights.title_context <= 0:
        return np.ones(len(parts["title"]))
    backing = (parts["skills"] + parts["body"] + parts["peers"] + parts["credentials"]) / 4
    shortfall = 1.0 - np.minimum(1.0, backing / weights.title_context)
    terms = np.diff(index.bodies.indptr) if index.bodies is not None else np.zeros(len(index))
    said = np.minimum(1.0, _take(terms, rows) / weights.title_context_terms)
    return 1.0 - shortfall * said


#: Scale of the tie-break added to a score for ordering only: far below the 4 decimals shown.
TIE_EPSILON = 1e-6


def evidence(index: PostingIndex, weights: Weights, rows: np.ndarray | None = None) -> np.ndarray:
    """How far each posting's (or only ``rows``') body, peers and skills evidence goes past
    the caps.

    Capped parts make many strong postings score exactly 1.0; this orders them (more evidence
    first) instead of leaving them in storage order. It never changes a shown score.
    """
    body, peers, skills = index.body_sim, index.peer_sim, index.skill_count
    if rows is not None:
        body, peers, skills = body[rows], peers[rows], skills[rows]
    return (body / weights.body_cap + peers / weights.peers_cap
            + skills / max(1.0, weights.skills_saturation))


def score(index: PostingIndex, weights: Weights, resume: Resume | None = None,
          resume_sim: np.ndarray | None = None, rows: np.ndarray | None = None,
          parts: dict[str, np.ndarray] | None = None,
          credentials: ResumeCredentials | None = None) -> Scores:
    """Score the postings of the index (all, or only ``rows``) for one subscriber.

    ``resume_sim`` may hold the precomputed body-resume cosines of the same rows, ``parts``
    the ``profile_parts`` of the same rows (both are shared by many subscribers), and
    ``credentials`` the resume's ``cred_arrays.for_resume`` over the same rows.
    """
    parts = dict(parts if parts is not None else profile_parts(index, weights, rows))
    missing = unlicensed = np.zeros(len(parts["title"]))
    if resume is not None:
        if resume_sim is None:
            bodies = index.bodies if rows is None else index.bodies[rows]
            resume_sim = (bodies @ resume.vector.T).toarray().ravel()
        parts["resume"] = np.minimum(1.0, resume_sim / weights.resume_cap)
        parts["credentials"], missing, unlicensed = (
            credentials or index.cred_arrays.for_resume(resume.held, rows))
    total = sum(getattr(weights, name) for name in parts) or 1.0
    parts = {name: getattr(weights, name) * values / total for name, values in parts.items()}
    base = sum(parts.values())
    if resume is not None and (gate := resume.gate(weights)) < 1:
        # summed as resume_scores sums them, so both give the same score to the last bit
        base = sum(v for name, v in parts.items() if name != "resume") * gate + parts["resume"]
        parts = {name: values if name == "resume" else values * gate
                 for name, values in parts.items()}
    negative = np.where(_take(index.negative_mask, rows),
                        1.0 - weights.negative_title_penalty, 1.0)
    factor = lacking(weights, missing, unlicensed)
    return Scores(np.clip(base * negative * factor, 0.0, 1.0), parts, negative, missing,
                  unlicensed)


@dataclass
class SharedParts:
    """What every resume's score over the same rows shares: the weighted resume-free parts
    summed (title, skills, body, peers: the order ``score`` adds them in, so sums are equal to
    the last bit), the weight total with a resume, and the negative-title factor."""

    fixed: np.ndarray
    total: float
    negative: np.ndarray


def shared_parts(index: PostingIndex, weights: Weights,
                 rows: np.ndarray | None = None) -> SharedParts:
    """``SharedParts`` of every posting, or of ``rows``, for ``resume_scores``."""
    parts = profile_parts(index, weights, rows)
    total = sum(getattr(weights, name) for name in [*parts, "resume"]) or 1.0
    fixed = sum(getattr(weights, name) * parts[name] / total
                for name in ("title", "skills", "body", "peers"))
    negative = np.where(_take(index.negative_mask, rows), 1.0 - weights.negative_title_penalty,
                        1.0)
    return SharedParts(np.asarray(fixed, dtype=float), total, negative)


def resume_scores(index: PostingIndex, weights: Weights, shared: SharedParts, resume: Resume,
                  resume_sim: np.ndarray, rows: np.ndarray | None = None,
                  credentials: ResumeCredentials | None = None) -> np.ndarray:
    """``score(...).score`` for a resume, from the parts every resume shares: only the resume
    and credential parts are worked out per resume (``credentials``: the resume's
    ``cred_arrays.for_resume`` over the same rows, when already known)."""
    held, missing, unlicensed = credentials or index.cred_arrays.for_resume(resume.held, rows)
    role = shared.fixed + weights.credentials * held / shared.total
    if (gate := resume.gate(weights)) < 1:
        role = role * gate
    base = role + weights.resume * np.minimum(1.0, resume_sim / weights.resume_cap) / shared.total
    factor = lacking(weights, missing, unlicensed)
    return np.clip(base * shared.negative * factor, 0.0, 1.0)


def top_rows(scores: np.ndarray, keep: np.ndarray, min_score: float,
             top: int | None) -> np.ndarray:
    """Positions passing ``keep`` and ``min_score``, best first, at most ``top``."""
    rows = np.flatnonzero(keep & (scores >= min_score))
    if top is not None and len(rows) > top:
        rows = rows[np.argpartition(-scores[rows], top - 1)[:top]]
    return rows[np.lexsort((rows, -scores[rows]))]

