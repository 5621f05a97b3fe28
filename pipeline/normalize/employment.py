"""Employment types in one vocabulary, whatever each board calls them.

Boards write the same thing many ways: ``full_time`` (Remotive), ``Full Time`` (Lever, Himalayas),
``FULL_TIME`` (schema.org JSON-LD), ``FullTime`` (Ashby), ``Full-time`` (Workable, USAJOBS),
``CONTRACTOR``, ``PRN``. ``employment_types`` maps them to the terms subscribers filter on:
full-time, part-time, contract, temporary, per-diem, internship. A value naming several types
("Full-time, Part-time", a JSON-LD list) gives each in order; within one value the most specific
term wins ("Part Time - Per Diem" is per-diem, "Full-time Temporary" temporary). Values that name
no known type ("Regular", "OTHER", "Volunteer") give nothing, so a subscriber's type filter keeps
such postings rather than dropping them on a word it cannot read.
"""

from __future__ import annotations

import re
from typing import Any

#: The terms postings and subscribers' filters use.
VOCABULARY = ("full-time", "part-time", "contract", "temporary", "per-diem", "internship")
#: The vocabulary's patterns, most specific first: the first that matches a value wins.
EMPLOYMENT_TYPES = (
    ("per-diem", r"per diem|perdiem|prn|as needed|intermittent"),
    ("internship", r"intern|internship|interns|co op|student|trainee"),
    ("temporary", r"temporary|temp|seasonal|fixed term"),
    ("contract", r"contract|contractor|contracted|freelance|freelancer|consultant|1099"),
    ("part-time", r"part time|parttime|pt"),
    ("full-time", r"full time|fulltime|ft|permanent full time"),
)
_PATTERNS = [(term, re.compile(rf"\b(?:{words})\b")) for term, words in EMPLOYMENT_TYPES]
_SPLIT = re.compile(r"\s*(?:,|;|/|\||\bor\b|\band\b|&)\s*")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def employment_types(value: Any) -> list[str]:
    """Every employment type a board value names, in the vocabulary, in order, without repeats."""
    items = value if isinstance(value, (list, tuple)) else [value]
    found: list[str] = []
    for item in items:
        if not isinstance(item, str):
            continue
        for part in _SPLIT.split(_CAMEL.sub(" ", item)):
            term = _term(part)
            if term and term not in found:
                found.append(term)
    return found


def parse_employment_type(value: Any) -> str | None:
    """The first employment type a board value names ('FULL_TIME' -> 'full-time'), else None."""
    found = employment_types(value)
    return found[0] if found else None


def _term(text: str) -> str | None:
    """The vocabulary term of one value ('Full Time Hourly' -> 'full-time'), else None."""
    key = re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()
    if not key:
        return None
    for term, pattern in _PATTERNS:
        if pattern.search(key):
            return term
    return None
