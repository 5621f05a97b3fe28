"""Which postings of a window fit a subscriber: their filters passed and score >= min score.

The report scores postings exactly as the digests do (``pipeline.match``): the same index, the
same weights, the subscriber's resume, filters and minimum score. Pay is looked at over the
postings that fit apart from the subscriber's own minimum pay (``pay_rows``), so that minimum can
be set against what the market pays. The market report has no subscriber: every posting of the
window fits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from pipeline.config import Filters
from pipeline.match import Matcher
from pipeline.match.credentials import held_with_implied
from pipeline.match.filters import filter_mask
from pipeline.match.index import PostingIndex
from pipeline.match.scoring import Resume, score
from pipeline.posting import Posting


@dataclass
class Fit:
    """The postings of a window, the rows of them that fit, and how they were scored."""

    matcher: Matcher
    index: PostingIndex | None
    passes: np.ndarray  # the filters' mask over every posting of the window
    rows: np.ndarray  # the fitting postings: filters passed and score >= min_score
    resume: Resume | None
    min_score: float
    pay_rows: np.ndarray  # the postings that fit apart from the minimum pay filter

    @property
    def postings(self) -> list[Posting]:
        """The fitting postings."""
        return [self.index.postings[row] for row in self.rows] if self.index else []

    @property
    def pay_postings(self) -> list[Posting]:
        """The postings that fit apart from the subscriber's minimum pay."""
        return [self.index.postings[row] for row in self.pay_rows] if self.index else []

    def held_codes(self) -> set[str]:
        """Credential codes the resume names (empty without a resume)."""
        return set(self.resume.held) if self.resume is not None else set()

    def holding(self, codes: set[str]) -> set[str]:
        """The credentials the resume would hold if it also named ``codes``: those and what
        they imply (an RN holds the LPN's scope)."""
        return self.held_codes() | held_with_implied(codes, self.matcher.profile.credentials)

    def scores_holding(self, codes: set[str]) -> np.ndarray:
        """Every posting's score if the resume also named these credentials."""
        resume = replace(self.resume, held=self.holding(codes))
        return score(self.index, self.matcher.weights, resume).score


def subscriber_fit(matcher: Matcher, postings: list[Posting], resume_text: str | None,
                   filters: Filters | None, min_score: float) -> Fit:
    """The postings that fit one subscriber, scored with their resume."""
    if not postings:
        return _empty(matcher, min_score)
    index = matcher.index(postings)
    resume = Resume.from_text(index, resume_text) if resume_text else None
    texts = [f"{p.title}\n{p.description}" for p in index.postings]
    passes = filter_mask(index.columns(), filters, texts)
    any_pay = filter_mask(index.columns(), filters.model_copy(update={"min_salary": None}),
                          texts) if filters is not None else passes
    good = score(index, matcher.weights, resume).score >= min_score
    return Fit(matcher, index, passes, np.flatnonzero(passes & good), resume, min_score,
               np.flatnonzero(any_pay & good))


def market_fit(matcher: Matcher, postings: list[Posting]) -> Fit:
    """Every posting of the window, for operators and tuners."""
    if not postings:
        return _empty(matcher, 0.0)
    index = matcher.index(postings)
    every = np.arange(len(postings))
    return Fit(matcher, index, np.ones(len(postings), dtype=bool), every, None, 0.0, every)


def _empty(matcher: Matcher, min_score: float) -> Fit:
    """The fit of a window without postings."""
    none = np.zeros(0, dtype=int)
    return Fit(matcher, None, np.zeros(0, dtype=bool), none, None, min_score, none)
