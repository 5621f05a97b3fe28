"""A subscriber's feedback applied to their own ranking (``Taste``).

"More like this" adds the liked postings' titles and text to the resume. "Not for me" acts by its
reason: ``employer`` leaves that employer out; ``role``, ``location``, ``pay`` and ``license``
demote postings of the same title family, the same place (not remote), no more pay, or asking
credentials the resume lacks; no reason demotes the title family a little.

A demoted score is multiplied by ``DEMOTE`` (``SLIGHT`` without a reason). Applied around
``Matcher.rank`` for a subscriber's digest (``notify.queue``) and ``pipeline rank --subscriber``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.match.explain import Match
from pipeline.normalize.opening import norm_company, norm_title
from pipeline.posting import Posting, Remote

DEMOTE = 0.5
SLIGHT = 0.8
#: Share of title words two titles must have in common to be of one family.
SAME_FAMILY = 0.6
#: Characters of a liked posting's text added to the resume (its role, not the boilerplate).
LIKED_TEXT = 2000


@dataclass
class Taste:
    """What one subscriber liked and disliked, as postings."""

    liked: list[Posting] = field(default_factory=list)
    disliked: list[tuple[Posting, str | None]] = field(default_factory=list)

    @classmethod
    def of(cls, store, subscriber_id: int) -> Taste:
        """The taste a subscriber's recorded feedback shows."""
        taste = cls()
        for judgment in store.feedback_of(subscriber_id):
            taste.judged(judgment)
        return taste

    @classmethod
    def of_many(cls, store, subscriber_ids: list[int]) -> dict[int, Taste]:
        """``of`` for each of these subscribers, from one read of everyone's feedback."""
        tastes = {i: cls() for i in subscriber_ids}
        for judgment in store.feedback_of():
            if judgment.subscriber_id in tastes:
                tastes[judgment.subscriber_id].judged(judgment)
        return tastes

    def judged(self, judgment) -> None:
        """Take one recorded judgment (a ``store.Judgment``) into account."""
        if judgment.verdict == "more":
            self.liked.append(judgment.posting)
        else:
            self.disliked.append((judgment.posting, judgment.reason))

    def __bool__(self) -> bool:
        return bool(self.liked or self.disliked)

    def resume(self, resume_text: str | None) -> str | None:
        """The resume moved toward the liked postings."""
        if not self.liked:
            return resume_text
        liked = "\n".join(f"{p.title}\n{p.title}\n{p.description[:LIKED_TEXT]}"
                          for p in self.liked)
        return f"{resume_text}\n{liked}" if resume_text else liked

    def adjust(self, matches: list[Match]) -> list[Match]:
        """The matches with disliked kinds left out or demoted, best first."""
        kept = []
        for match in matches:
            factor = self.factor(match)
            if factor > 0:
                kept.append(match if factor == 1 else
                            match.model_copy(update={"score": round(match.score * factor, 4)}))
        return sorted(kept, key=lambda m: m.score, reverse=True)

    def factor(self, match: Match) -> float:
        """What a match's score is multiplied by (0: left out)."""
        factor = 1.0
        for disliked, reason in self.disliked:
            if disliked.id == match.posting.id:
                return 0.0
            factor *= _factor(disliked, reason, match)
        return factor


def _factor(disliked: Posting, reason: str | None, match: Match) -> float:
    posting = match.posting
    if reason == "employer":
        same = norm_company(disliked.company) and (
            norm_company(disliked.company) == norm_company(posting.company))
        return 0.0 if same else 1.0
    if reason == "role":
        return DEMOTE if same_family(disliked.title, posting.title) else 1.0
    if reason == "location":
        return DEMOTE if _same_place(disliked, posting) else 1.0
    if reason == "pay":
        return DEMOTE if _pays_no_more(disliked, posting) else 1.0
    if reason == "license":
        return DEMOTE if match.why.missing_credentials else 1.0
    return SLIGHT if same_family(disliked.title, posting.title) else 1.0


def same_family(one: str | None, other: str | None) -> bool:
    """Titles sharing most of their words ('RN Case Manager' and 'Case Manager RN II')."""
    a, b = set(norm_title(one).split()), set(norm_title(other).split())
    return bool(a and b) and len(a & b) / min(len(a), len(b)) >= SAME_FAMILY


def _same_place(disliked: Posting, posting: Posting) -> bool:
    if posting.remote is Remote.REMOTE:
        return False
    place = (disliked.city or disliked.location or "").strip().lower()
    return bool(place) and place == (posting.city or posting.location or "").strip().lower()


def _pays_no_more(disliked: Posting, posting: Posting) -> bool:
    low = disliked.salary_max or disliked.salary_min
    offer = posting.salary_max or posting.salary_min
    return (low is not None and offer is not None
            and disliked.salary_period == posting.salary_period and offer <= low)
