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

from pipeline.normalize.places import US_STATES
from pipeline.posting import Posting

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
    re.compile(rf"\b{_REMOTE}\b(?>(?:\s*(?:[-–—:,(/|]|\b(?:in|within|from)\b))+\s*)"
               rf"{_STATE_WORD}{_LIST}", re.I),
    re.compile(rf"(?:^|[-–—(|:]\s*){_LIST}(?>(?:\s*[-–—,(/|])+\s*){_REMOTE}\b", re.I),
)
#: Any text: a residency phrase followed by a list of states.
_PHRASES = (
    re.compile(
        r"\b(?:must|required\s+to|need\s+to|needs\s+to|should|will\s+need\s+to)\s+"
        r"(?:currently\s+|already\s+|permanently\s+)?"
        r"(?:reside|live|be\s+located|be\s+based|be\s+(?:a\s+)?residents?|work)\s+"
        r"(?:and\s+work\s+)?(?:in|of|within|from)\s+(?:one\s+of\s+)?" + _STATE_WORD + _LIST, re.I),
    re.compile(r"(?<!not )\b(?:open|available|limited|restricted)\s+(?:only\s+)?to\s+"
               r"(?:candidates|applicants|residents|people|those)\s+"
               r"(?:(?:who\s+)?(?:reside|residing|live|living|located|based|are\s+located)\s+)?"
               r"(?:in|of|within)\s+(?:one\s+of\s+)?" + _STATE_WORD + _LIST, re.I),
    re.compile(r"\bresidency\s+in\s+" + _STATE_WORD + _LIST, re.I),
    re.compile(rf"\b(?:remote|remotely)\s+(?:(?:position|role|job|opportunity|work)\s+)?"
               rf"(?:in|within|from)\s+{_STATE_WORD}{_LIST}", re.I),
)
#: The states a job is closed to: "not open to residents of CA, WA, NY & CO", "we cannot hire
#: candidates located in California".
_EXCLUSIONS = (
    re.compile(r"\bnot\s+(?:open|available)\s+to\s+(?:candidates|applicants|residents|people|"
               r"those)\s+(?:(?:who\s+)?(?:reside|residing|live|living|located|based)\s+)?"
               r"(?:in|of|within|from)\s+" + _STATE_WORD + _LIST, re.I),
    re.compile(r"\b(?:cannot|can\s*not|unable\s+to|not\s+able\s+to)\s+(?:hire|employ|consider)\s+"
               r"(?:(?:candidates|applicants|residents|people|anyone)\s+)?"
               r"(?:(?:who\s+)?(?:reside|residing|live|living|located|based)\s+)?"
               r"(?:in|of|within|from)\s+" + _STATE_WORD + _LIST, re.I),
)
#: "Texas residents only": found by its tail, then the states are read just before it (a list
#: searched for at every position of a long description would cost 20 times more). A heading
#: ("Colorado residents only: the salary range for ...") is a pay notice, not a restriction.
_RESIDENTS_ONLY = re.compile(r"\s+residents?\s+only\b(?!\s*:)", re.I)
_LIST_AT_END = re.compile(rf"{_LIST}$")
_BEFORE = 200
_CODES = {name.lower(): code for code, name in US_STATES.items()}


#: Words a pattern cannot match without (lower case; one of each group): an ASCII text missing
#: a group is not searched with it. Every new description is read; most name no residency.
_WHO = ("candidates", "applicants", "residents", "people", "those")
_NEEDS = {  # by id: a compiled pattern hashes its whole source at every lookup
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
    found: set[str] = set()
    for text in (title, location):
        if text:
            found |= _states_of(text, (*_BESIDE_REMOTE, *_PHRASES))
    if description:
        found |= _states_of(description, _PHRASES)
    return sorted(found)


def excluded_states(title: str | None = None, location: str | None = None,
                    description: str | None = None) -> list[str]:
    """The state codes a job says it is not open to (sorted); usually empty."""
    texts = [text for text in (title, location, description) if text]
    return sorted({code for text in texts for code in _states_of(text, _EXCLUSIONS, tails=False)})


def _states_of(text: str, patterns: tuple[re.Pattern, ...], tails: bool = True) -> set[str]:
    """Codes of every state listed after one of ``patterns`` in ``text``, and (``tails``)
    before "residents only"."""
    folded = text.lower() if text.isascii() else None
    patterns = tuple(p for p in patterns if _may_match(p, folded))
    lists = [match.group("states") for pattern in patterns for match in pattern.finditer(text)]
    tails = tails and _may_match(_RESIDENTS_ONLY, folded)
    for tail in _RESIDENTS_ONLY.finditer(text) if tails else ():
        before = _LIST_AT_END.search(text[max(0, tail.start() - _BEFORE):tail.start()])
        lists += [before.group("states")] if before else []
    return {_code(token) for states in lists for token in re.findall(_STATE, states)}


def _may_match(pattern: re.Pattern, folded: str | None) -> bool:
    """False when the lower-cased ASCII text ``folded`` lacks every word of one of the groups
    ``pattern`` needs; True for None (beyond ASCII, case folding has exceptions)."""
    if folded is None:
        return True
    for group in _NEEDS.get(id(pattern), ()):
        for word in group:
            if word in folded:
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
    texts = (posting.title, posting.location, posting.description)
    found = {"residency": residency_states(*texts), "residency_excluded": excluded_states(*texts)}
    if all(posting.extra.get(key, []) == value for key, value in found.items()):
        return posting
    extra = {key: value for key, value in posting.extra.items() if key not in found}
    extra.update({key: value for key, value in found.items() if value})
    return posting.updated(extra=extra)
