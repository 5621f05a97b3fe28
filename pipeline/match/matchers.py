"""The role profile compiled for fast matching: title phrases, skill and domain-term regexes.

Titles are compared with the family by the work they name, not the licence they ask for
(``without_licences``): "Registered Nurse" is not three quarters of "registered nurse case
manager", and the credentials part already counts the licence.

``domain_terms`` is the vocabulary that explains a match to a subscriber: the phrases of the
profile's responsibilities, technical skills and specialisations. Soft skills ("teamwork",
"communication skills") are left out, since every job asks for them, and so are settings
("hospital"), which say where the work is, not what it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipeline.match.profile import Profile
from pipeline.match.text import norm, norm_title, phrase_pattern, phrases_in


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
    licence_regex: re.Pattern[str] | None = None
    soft_skills: frozenset[str] = frozenset()
    adjacents: tuple[str, ...] = ()

    @classmethod
    def compile(cls, profile: Profile) -> ProfileMatchers:
        """Normalise the title family and negatives; one regex for every skill phrase."""
        skill_of = {norm(p): s.name for s in profile.skills() for p in s.phrases()}
        return cls(
            family=list(dict.fromkeys(norm_title(t) for t in profile.title_family)),
            negatives=list(dict.fromkeys(norm_title(t) for t in profile.negative_titles)),
            skill_regex=phrase_pattern(skill_of),
            skill_of=skill_of, n_skills=len(profile.skills()),
            term_regex=phrase_pattern(domain_terms(profile)),
            licence_regex=_licence_pattern(profile),
            soft_skills=frozenset(s.name for s in profile.soft_skills),
            adjacents=tuple(dict.fromkeys(norm_title(t) for t in profile.adjacent_titles)))

    def skills_in(self, text: str) -> list[str]:
        """Names of the skills whose phrases occur in ``text``, in order of first appearance."""
        phrases = phrases_in(self.skill_regex, text.lower().replace("’", "'"))
        names = list(map(self.skill_of.get, phrases))  # a phrase as the profile spells it
        if None in names:  # else spelt another way ("care-plan"): its normalised form
            names = [name or self.skill_of.get(norm(phrase))
                     for name, phrase in zip(names, phrases, strict=True)]
        return [name for name in dict.fromkeys(names) if name]

    def role_skill_count(self, names: list[str]) -> int:
        """How many of the skills named (``skills_in``) are the role's work: responsibilities
        and technical skills. Soft skills ("empathy", "teamwork") are left out, since every
        advert asks for them: a long advert listing them is no more the role's for it."""
        return sum(1 for name in names if name not in self.soft_skills)

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

    def without_licences(self, title: str) -> str:
        """A normalised title less the names of the profile's licences ("prn registered nurse"
        -> "prn"), for comparing it with the family by its work."""
        if self.licence_regex is None:
            return title
        return " ".join(self.licence_regex.sub(" ", title).split())

    def adjacent(self, title: str) -> bool:
        """Whether the normalised title names a neighbouring job (plural too: "counselors")."""
        padded = f" {title} "
        return any(f" {a} " in padded or f" {a}s " in padded for a in self.adjacents)

    def negative(self, title: str) -> str | None:
        """The first negative cue inside the normalised title, if any."""
        padded = f" {title} "
        return next((n for n in self.negatives if f" {n} " in padded), None)


def _licence_pattern(profile: Profile) -> re.Pattern[str] | None:
    """Whole-word names of the profile's licences in a normalised title (longest first)."""
    names = {norm_title(p) for c in profile.credentials if c.kind == "license"
             for p in c.phrases()}
    names = sorted((n for n in names if n), key=len, reverse=True)
    if not names:
        return None
    return re.compile(r"(?<!\S)(?:" + "|".join(map(re.escape, names)) + r")(?!\S)")
