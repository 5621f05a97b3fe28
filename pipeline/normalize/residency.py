"""Which US states a remote job may be worked from, read from its title, location and description.

``residency_states`` finds restrictions such as "Remote - Arizona", "Arizona (Remote)",
"Remote (Texas residents only)", "remote in TX, OK", "must reside in AZ", "must live in
Arizona", "open to residents of Colorado or Utah" and "candidates must be located in one of the
following states: Arizona, Colorado, Texas", and returns the state codes, sorted. "Remote, US",
"must reside in the United States" or "we have offices in Arizona and Texas" restrict nothing:
only a residency phrase followed by a list of states counts. ``excluded_states`` reads the
opposite ("not open to residents of CA, WA, NY & CO"). State codes count only in capitals
("OK", "IN", "ME"), so words like "ok" or "in" are never read as states. A license ("RN license
in AZ") is no residency restriction.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property, lru_cache

from pipeline.normalize.places import US_STATES
from pipeline.posting import Posting


class _Pattern:
    """A regular expression compiled when first searched with: each holds the list of states
    twice, and compiling all of them was most of the cost of importing this module, while the
    new postings of most runs need few (``_NEEDS`` skips the others)."""

    def __init__(self, source: str, flags: int = 0):
        self.source, self.flags = source, flags

    @cached_property
    def _compiled(self) -> re.Pattern:
        return re.compile(self.source, self.flags)

    def finditer(self, text: str) -> Iterator[re.Match]:
        """``re.Pattern.finditer``."""
        return self._compiled.finditer(text)

    def search(self, text: str) -> re.Match | None:
        """``re.Pattern.search``."""
        return self._compiled.search(text)

_NAMES = sorted(US_STATES.values(), key=len, reverse=True)  # "West Virginia" before "Virginia"
_STATE = (r"(?:(?i:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in _NAMES) + r")"
          r"|(?-i:\b(?:" + "|".join(US_STATES) + r")\b))")
#: Between two states: a comma, slash, "and", "or", a line break or " - ", then perhaps "and" /
#: "or" and a bullet. Atomic (``(?>...)``) so a long run of spaces or line breaks is read once.
_SEP = (r"(?>[ \t]*(?:[,/;&|]|\n|\b(?i:and|or)\b|(?<=\s)-(?=\s))(?:\s*(?i:and|or)\b)?"
        r"[\s•*-]*)")
_LIST = rf"(?P<states>{_STATE}(?:{_SEP}{_STATE})*)(?![\w-])"
_REMOTE = r"(?:fully\s+|100%\s+)?(?:remote|telecommute|work\s+from\s+home|wfh)"
_STATE_WORD = r"(?>(?:the\s+)?(?:following\s+)?(?:states?(?:\s+of)?\s*:?\s*)?(?:[-•*]\s+)?)"

#: Short texts (title, location): a remote word right beside a list of states.
_BESIDE_REMOTE = (
    _Pattern(rf"\b{_REMOTE}\b(?>(?:\s*(?:[-–—:,(/|]|\b(?:in|within|from)\b))+\s*)"
               rf"{_STATE_WORD}{_LIST}", re.I),
    _Pattern(rf"(?:^|[-–—(|:]\s*){_LIST}(?>(?:\s*[-–—,(/|])+\s*){_REMOTE}\b", re.I),
)
#: Any text: a residency phrase followed by a list of states.
_PHRASES = (
    _Pattern(
        r"\b(?:must|required\s+to|need\s+to|needs\s+to|should|will\s+need\s+to)\s+"
        r"(?:currently\s+|already\s+|permanently\s+)?"
        r"(?:reside|live|be\s+located|be\s+based|be\s+(?:a\s+)?residents?|work)\s+"
        r"(?:and\s+work\s+)?(?:in|of|within|from)\s+(?:one\s+of\s+)?" + _STATE_WORD + _LIST, re.I),
    _Pattern(r"(?<!not )\b(?:open|available|limited|restricted)\s+(?:only\s+)?to\s+"
               r"(?:candidates|applicants|residents|people|those)\s+"
               r"(?:(?:who\s+)?(?:reside|residing|live|living|located|based|are\s+located)\s+)?"
               r"(?:in|of|within)\s+(?:one\s+of\s+)?" + _STATE_WORD + _LIST, re.I),
    _Pattern(r"\bresidency\s+in\s+" + _STATE_WORD + _LIST, re.I),
    _Pattern(rf"\b(?:remote|remotely)\s+(?:(?:position|role|job|opportunity|work)\s+)?"
               rf"(?:in|within|from)\s+{_STATE_WORD}{_LIST}", re.I),
)
#: The states a job is closed to: "not open to residents of CA, WA, NY & CO", "we cannot hire
#: candidates located in California".
_EXCLUSIONS = (
    _Pattern(r"\bnot\s+(?:open|available)\s+to\s+(?:candidates|applicants|residents|people|"
               r"those)\s+(?:(?:who\s+)?(?:reside|residing|live|living|located|based)\s+)?"
               r"(?:in|of|within|from)\s+" + _STATE_WORD + _LIST, re.I),
    _Pattern(r"\b(?:cannot|can\s*not|unable\s+to|not\s+able\s+to)\s+(?:hire|employ|consider)\s+"
               r"(?:(?:candidates|applicants|residents|people|anyone)\s+)?"
               r"(?:(?:who\s+)?(?:reside|residing|live|living|located|based)\s+)?"
               r"(?:in|of|within|from)\s+" + _STATE_WORD + _LIST, re.I),
)
#: "Texas residents only": found by its tail, then the states are read just before it (a list
#: searched for at every position of a long description would cost 20 times more). A heading
#: ("Colorado residents only: the salary range for ...") is a pay notice, not a restriction.
_RESIDENTS_ONLY = _Pattern(r"\s+residents?\s+only\b(?!\s*:)", re.I)
_LIST_AT_END = _Pattern(rf"{_LIST}$")
_BEFORE = 200
_CODES = {name.lower(): code for code, name in US_STATES.items()}


#: Words a pattern cannot match without (lower case; one of each group): an ASCII text missing
#: a group is not searched with it. Every new description is read; most name no residency.
_WHO = ("candidates", "applicants", "residents", "people", "those")
_NEEDS = {  # by id: cheaper than hashing a pattern
    _PHRASES[0]: (("must", "required", "need", "should"),
                  ("reside", "live", "located", "based", "resident", "work")),
    _PHRASES[1]: (("open", "available", "limited", "restricted"), _WHO),
    _PHRASES[2]: (("residency",),),
    _PHRASES[3]: (("remote",),),
    _EXCLUSIONS[0]: (("not",), ("open", "available"), _WHO),
    _EXCLUSIONS[1]: (("not", "unable"), ("hire", "employ", "consider")),
    _RESIDENTS_ONLY: (("resident",), ("only",)),
}
_NEEDS = {id(pattern): needs for pattern, needs in _NEEDS.items()}


def residency_states(title: str | None = None, location: str | None = None,
                     description: str | None = None) -> list[str]:
    """The state codes a job is restricted to (sorted); empty when the texts restrict nothing."""
    return sorted(_restricted(title, location, description)[0])


def excluded_states(title: str | None = None, location: str | None = None,
                    description: str | None = None) -> list[str]:
    """The state codes a job says it is not open to (sorted); usually empty."""
    return sorted(_restricted(title, location, description)[1])


def _restricted(title: str | None, location: str | None,
                description: str | None) -> tuple[set[str], set[str]]:
    """(the states a job's texts restrict it to, the states they close it to): each text is
    folded and searched for the words the patterns need once, for both."""
    found: set[str] = set()
    excluded: set[str] = set()
    for text in (title, location):
        if text:
            states, closed = _short_restricted(text)
            found |= states
            excluded |= closed
    if description:
        words = _Words(description)
        found |= _states_of(description, _PHRASES, words)
        excluded |= _states_of(description, _EXCLUSIONS, words, tails=False)
    return found, excluded


@lru_cache(maxsize=16384)
def _short_restricted(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """``_restricted`` of a title or location (a board repeats few of them, many times)."""
    words = _Words(text)
    return (frozenset(_states_of(text, (*_BESIDE_REMOTE, *_PHRASES), words)),
            frozenset(_states_of(text, _EXCLUSIONS, words, tails=False)))


def _states_of(text: str, patterns: tuple[_Pattern, ...], words: _Words,
               tails: bool = True) -> set[str]:
    """Codes of every state listed after one of ``patterns`` in ``text`` (``words``: its
    ``_Words``), and (``tails``) before "residents only"."""
    patterns = tuple(p for p in patterns if _may_match(p, words))
    lists = [match.group("states") for pattern in patterns for match in pattern.finditer(text)]
    tails = tails and _may_match(_RESIDENTS_ONLY, words)
    for tail in _RESIDENTS_ONLY.finditer(text) if tails else ():
        before = _LIST_AT_END.search(text[max(0, tail.start() - _BEFORE):tail.start()])
        lists += [before.group("states")] if before else []
    return {_code(token) for states in lists for token in re.findall(_STATE, states)}


class _Words:
    """The words the patterns need that a text holds (as parts of words too), each searched
    for once, when first asked about; every word counts as held beyond ASCII, where case
    folding has exceptions (then every pattern is tried)."""

    def __init__(self, text: str):
        self.folded = text.lower() if text.isascii() else None
        self.found: dict[str, bool] = {}

    def __contains__(self, word: str) -> bool:
        found = self.found.get(word)
        if found is None:
            found = self.found[word] = self.folded is None or word in self.folded
        return found


def _may_match(pattern: _Pattern, words: _Words) -> bool:
    """False when ``words`` lack every word of one of the groups ``pattern`` needs."""
    for group in _NEEDS.get(id(pattern), ()):
        for word in group:
            if word in words:
                break
        else:
            return False
    return True


def _code(token: str) -> str:
    """'Arizona' / 'AZ' / 'new  york' -> its two-letter code."""
    token = " ".join(token.split())
    return token if token in US_STATES else _CODES[token.lower()]


def with_residency(posting: Posting) -> Posting:
    """The posting with ``extra["residency"]`` (the states its texts restrict it to) and
    ``extra["residency_excluded"]`` (the states it is not open to) set, each only when found."""
    states, excluded = _restricted(posting.title, posting.location, posting.description)
    found = {"residency": sorted(states), "residency_excluded": sorted(excluded)}
    if all(posting.extra.get(key, []) == value for key, value in found.items()):
        return posting
    extra = {key: value for key, value in posting.extra.items() if key not in found}
    extra.update({key: value for key, value in found.items() if value})
    return posting.updated(extra=extra)
