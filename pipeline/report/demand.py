"""Skills and credentials in demand among the fitting postings, against the resume.

A skill is the profile's responsibilities and technical skills (soft skills are asked by every
job), found with the matcher's own phrase matching; a credential is found and read as required or
preferred by ``pipeline.match.credentials``. Each share says how many postings it rests on.

Gaps: a posting is *nearly matched* when it passes the subscriber's filters, requires a
credential (or group of alternatives, "RN or LCSW") the resume does not show, and would score at
least the subscriber's minimum if the resume showed every credential it asks for. Adding a
credential *qualifies* the subscriber for a nearly matched posting when, with it, no required
group is unmet and the posting's score reaches the minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.report.fitting import Fit

#: Gaps listed: the credentials that would open the most postings.
GAPS_SHOWN = 3


@dataclass
class Demand:
    """How many of ``total`` fitting postings ask for one skill or credential."""

    name: str
    kind: str  # "skill" or "credential"
    count: int
    total: int
    held: bool | None  # None without a resume
    required: int = 0  # credentials: postings requiring it (alone or as one alternative)

    @property
    def share(self) -> float:
        """Share of the fitting postings asking for it (0 when there are none)."""
        return self.count / self.total if self.total else 0.0


@dataclass
class Gap:
    """A credential the resume lacks and the nearly matched postings it would open."""

    code: str
    opens: int
    nearly: int


def skill_demand(fit: Fit) -> list[Demand]:
    """Each profile skill (responsibilities, technical skills), most asked first."""
    profile = fit.matcher.profile
    names = [s.name for s in [*profile.responsibilities, *profile.technical_skills]]
    held = set(fit.index.matchers.skills_in(fit.resume.text)) if fit.resume and fit.index else None
    asked = [set(fit.index.skills[row]) for row in fit.rows] if fit.index else []
    found = [Demand(name, "skill", sum(name in a for a in asked), len(asked),
                    None if held is None else name in held) for name in names]
    return sorted(found, key=lambda d: (-d.count, names.index(d.name)))


def credential_demand(fit: Fit) -> list[Demand]:
    """Each profile credential, most asked first, with how many postings require it."""
    codes = [c.code for c in fit.matcher.profile.credentials]
    creds = [fit.index.creds[row] for row in fit.rows] if fit.index else []
    held = fit.held_codes() if fit.resume is not None else None
    found = []
    for code in codes:
        asked = sum(code in c.codes() for c in creds)
        required = sum(any(code in group for group in c.required) for c in creds)
        found.append(Demand(code, "credential", asked, len(creds),
                            None if held is None else code in held, required))
    return sorted(found, key=lambda d: (-d.count, codes.index(d.name)))


def nearly_matched(fit: Fit) -> np.ndarray:
    """Rows passing the filters that require an unshown credential and would reach the
    minimum score with every credential they ask for shown."""
    held = fit.held_codes()
    lacking = np.array([bool(c.missing(held)) for c in fit.index.creds])
    every = {c.code for c in fit.matcher.profile.credentials}
    reachable = fit.scores_holding(every) >= fit.min_score
    return np.flatnonzero(fit.passes & lacking & reachable)


def credential_gaps(fit: Fit, shown: int = GAPS_SHOWN) -> list[Gap]:
    """The credentials not on the resume that would qualify it for most nearly matched
    postings, best first (none without a resume)."""
    if fit.resume is None or fit.index is None:
        return []
    nearly = nearly_matched(fit)
    held = fit.held_codes()
    gaps = []
    for credential in fit.matcher.profile.credentials:
        code = credential.code
        if code in held or not len(nearly):
            continue
        scores = fit.scores_holding({code})
        opens = sum(1 for row in nearly if scores[row] >= fit.min_score
                    and not fit.index.creds[row].missing(fit.holding({code})))
        if opens:
            gaps.append(Gap(code, opens, len(nearly)))
    return sorted(gaps, key=lambda g: -g.opens)[:shown]
