"""Credentials (RN, LCSW, CCM...) in postings and resumes, and whether a posting requires them.

A posting's credential is *required* when its sentence says so ("required", "must", "minimum",
"active ... license") or it sits under a requirements heading, and *preferred* when the sentence
or heading says "preferred", "a plus", "desired". Credentials named in one required sentence joined
by "or" ("Active RN or LCSW license required") are alternatives: holding one of them is enough.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pipeline.match.profile import Credential
from pipeline.match.text import found_phrases, norm, sentences

_PREFERRED = re.compile(r"\b(prefer\w*|a plus|plus\b|desired|desirable|nice to have|ideally|"
                        r"bonus|advantage)")
_REQUIRED = re.compile(r"\b(requir\w*|must|minimum|mandatory|essential|active\b.*licen|"
                       r"current\b.*licen|licensed as|eligible|needed)")
_HEADING_WORDS = 7


@dataclass
class PostingCredentials:
    """What a posting asks for: groups of alternatives that are required, and preferred codes."""

    required: list[list[str]] = field(default_factory=list)
    preferred: list[str] = field(default_factory=list)

    def codes(self) -> list[str]:
        """Every credential code the posting names, required first, without repeats."""
        out: list[str] = []
        for code in [c for group in self.required for c in group] + self.preferred:
            if code not in out:
                out.append(code)
        return out

    def missing(self, held: set[str]) -> list[str]:
        """Required groups none of whose credentials are held, e.g. ['RN', 'LCSW or LMSW']."""
        return [" or ".join(group) for group in self.required if not held.intersection(group)]


def codes_in(text: str, credentials: list[Credential]) -> list[str]:
    """Codes of the credentials a text names anywhere (for resumes)."""
    normalised = norm(text)
    return [c.code for c in credentials if found_phrases(normalised, c.phrases())]


def _heading_mode(sentence: str, current: str | None) -> str | None:
    """A short heading line switches the section to required / preferred (or resets it)."""
    if len(sentence.split()) > _HEADING_WORDS:
        return current
    lowered = sentence.lower()
    if _PREFERRED.search(lowered):
        return "preferred"
    if _REQUIRED.search(lowered) or "qualification" in lowered or "requirement" in lowered:
        return "required"
    if lowered.endswith(":"):
        return None
    return current


def _sentence_mode(sentence: str, section: str | None) -> str:
    lowered = sentence.lower()
    if _PREFERRED.search(lowered):
        return "preferred"
    if _REQUIRED.search(lowered):
        return "required"
    return section or "preferred"


def posting_credentials(text: str, credentials: list[Credential]) -> PostingCredentials:
    """Which profile credentials a posting asks for, split into required groups and preferred."""
    result = PostingCredentials()
    section: str | None = None
    for sentence in sentences(text):
        codes = codes_in(sentence, credentials)
        if not codes:
            section = _heading_mode(sentence, section)
            continue
        if _sentence_mode(sentence, section) == "preferred":
            result.preferred += [c for c in codes if c not in result.preferred]
        elif len(codes) > 1 and " or " in f" {norm(sentence)} ":
            if codes not in result.required:
                result.required.append(codes)
        else:
            result.required += [[c] for c in codes if [c] not in result.required]
    result.preferred = [c for c in result.preferred
                        if not any(c in group for group in result.required)]
    return result
