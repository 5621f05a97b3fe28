"""The role profile compiled for fast matching: title phrases, skill and domain-term regexes.

``domain_terms`` is the vocabulary that explains a match to a subscriber: the phrases of the
profile's responsibilities, technical skills and specialisations. Soft skills ("teamwork",
"communication skills") are left out, since every job asks for them, and so are settings
("hospital"), which say where the work is, not what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.match.profile import Profile
from pipeline.match.text import norm, norm_title, phrase_pattern


def domain_terms(profile: Profile) -> list[str]:
    """Normalised phrases of the role's own work (no soft skills, no settings), no repeats."""
    skills = [*profile.responsibilities, *profile.technical_skills]
    phrases = [p for s in skills for p in s.phrases()] + profile.specialisations
    return list(dict.fromkeys(norm(p) for p in phrases if norm(p)))


@dataclass
class ProfileMatchers:
    """The profile compiled for fast matching: phrase regexes and phrase -> name maps."""

    family: list[str]
    negatives: list[str]
    skill_regex: re.Pattern[str]
    skill_of: dict[str, str]
    n_skills: int
    term_regex: re.Pattern[str]

    @classmethod
    def compile(cls, profile: Profile) -> ProfileMatchers:
        """Normalise the title family and negatives; one regex for every skill phrase."""
        skill_of = {norm(p): s.name for s in profile.skills() for p in s.phrases()}
        return cls(
            family=list(dict.fromkeys(norm_title(t) for t in profile.title_family)),
            negatives=list(dict.fromkeys(norm_title(t) for t in profile.negative_titles)),
            skill_regex=phrase_pattern(skill_of),
            skill_of=skill_of, n_skills=len(profile.skills()),
            term_regex=phrase_pattern(domain_terms(profile)))

    def skills_in(self, text: str) -> list[str]:
        """Names of the skills whose phrases occur in ``text``, in order of first appearance."""
        lowered = text.lower().replace("’", "'")
        found = (self.skill_of.get(m.group(1)) or self.skill_of.get(norm(m.group(1)))
                 for m in self.skill_regex.finditer(lowered))
        return [name for name in dict.fromkeys(found) if name]

    def terms_in(self, text: str) -> list[str]:
        """The profile's domain terms (``domain_terms``) that occur in ``text``, normalised, in
        order of first appearance."""
        lowered = text.lower().replace("’", "'")
        return list(dict.fromkeys(norm(m.group(1)) for m in self.term_regex.finditer(lowered)))

    def exact_title(self, title: str) -> str | None:
        """The longest family phrase inside the normalised title, if any."""
        padded = f" {title} "
        hits = [f for f in self.family if f" {f} " in padded]
        return max(hits, key=len) if hits else None

    def negative(self, title: str) -> str | None:
        """The first negative cue inside the normalised title, if any."""
        padded = f" {title} "
        return next((n for n in self.negatives if f" {n} " in padded), None)
