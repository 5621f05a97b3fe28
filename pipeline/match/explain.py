"""The structured "why" of a score (``Explanation``) and one ranked result (``Match``).

The notifier puts ``Explanation.summary()`` in the digest; ``pipeline rank --json`` prints the
whole explanation.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from pipeline.posting import Posting

_MAX_LISTED = 5


def _listing(items: list[str]) -> str:
    shown = ", ".join(items[:_MAX_LISTED])
    return shown + (f" (+{len(items) - _MAX_LISTED} more)" if len(items) > _MAX_LISTED else "")


class Explanation(BaseModel):
    """Why a posting got its score: title, skills, credentials, resume overlap, parts of the sum."""

    title_match: str | None = None
    title_score: float = 0.0
    skills: list[str] = Field(default_factory=list)
    credentials: list[str] = Field(default_factory=list)
    missing_credentials: list[str] = Field(default_factory=list)
    resume_terms: list[str] = Field(default_factory=list)
    components: dict[str, float] = Field(default_factory=dict)
    negative_title: str | None = Field(default=None, description="title cue of another job")

    def summary(self) -> str:
        """One human sentence, e.g. "Title matches 'nurse case manager'; skills: care planning"."""
        parts = []
        if self.title_match and self.title_score >= 0.999:
            parts.append(f"Title matches '{self.title_match}'")
        elif self.title_match:
            parts.append(f"Title resembles '{self.title_match}'")
        else:
            parts.append("Title is not one of the role's titles")
        if self.negative_title:
            parts.append(f"title suggests another job ('{self.negative_title}')")
        if self.skills:
            parts.append(f"skills: {_listing(self.skills)}")
        if self.credentials:
            parts.append(f"credentials: {_listing(self.credentials)}")
        if self.missing_credentials:
            parts.append(f"requires what your resume lacks: {_listing(self.missing_credentials)}")
        if self.resume_terms:
            parts.append(f"shares with your resume: {_listing(self.resume_terms)}")
        return "; ".join(parts) + "."


class Match(BaseModel):
    """One posting with its score (0..1), the explanation of that score and its shown strength."""

    posting: Posting
    score: float
    why: Explanation
    strength: int | None = Field(default=None, description="percent of the labelled core "
                                 "postings it ranks at or above (see match.calibration)")
