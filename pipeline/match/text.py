"""Text normalisation shared by the matcher: titles, sentences, whole-word phrase search.

Titles are written many ways ("Case Mgr", "Care Co-ordinator", "RN-CM", "Sr. UR Nurse");
``norm_title`` expands the usual abbreviations so the profile's title family matches as phrases.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

_SPACES = re.compile(r"\s+")
_NON_WORD = re.compile(r"[^a-z0-9+']+")
#: A sentence break: whitespace after . ! ? ; or :, a line break, a bullet, or " - ". Written to
#: start with ``\s`` (same matches as the plain alternation) so the regex engine skips ahead to
#: whitespace instead of trying every alternative at every character (2.7x faster); the last
#: three alternatives all need whitespace, a bullet or a hyphen next, which one look-ahead
#: checks first: most spaces are between two words and fail it at once (a fifth fewer
#: instructions).
_SENTENCE = re.compile(
    r"\s(?:(?<=[.!?;:]\s)\s*|(?<=\n)\s*|(?=[\s•·▪-])(?:\s*\n\s*|\s*[•·▪]\s*|-\s))")

#: Abbreviations in titles, applied to whole tokens after lower-casing and hyphen splitting.
_TITLE_ABBREVIATIONS = {
    "mgr": "manager", "mngr": "manager", "mgmt": "management", "mgt": "management",
    "coord": "coordinator", "coordinater": "coordinator", "ordinator": "coordinator",
    "cm": "case manager", "rncm": "rn case manager", "ur": "utilization review",
    "um": "utilization management", "sr": "senior", "jr": "junior", "soc": "social",
    "sw": "social worker", "hc": "health care", "healthcare": "health care",
    "toc": "transitions of care",
    "nav": "navigator", "ltc": "long term care", "bh": "behavioral health",
}


def norm(text: str) -> str:
    """Lower-case, punctuation to spaces, single spaces (apostrophes kept inside words)."""
    text = text.lower().replace("’", "'")
    return _SPACES.sub(" ", _NON_WORD.sub(" ", text)).strip()


def norm_title(title: str) -> str:
    """A title with abbreviations expanded: 'Sr. RN-CM' -> 'senior rn case manager'."""
    text = title.lower().replace("co-ordinator", "coordinator").replace("&", " and ")
    words = norm(text.replace("-", " ").replace("/", " ")).split()
    expanded = [_TITLE_ABBREVIATIONS.get(word, word) for word in words]
    return " ".join(expanded).replace("healthcare", "health care")


def has_phrase(normalised_text: str, phrase: str) -> bool:
    """True when ``phrase`` occurs as whole words in an already-normalised text."""
    target = norm(phrase)
    if not target:
        return False
    return f" {target} " in f" {normalised_text} "


def found_phrases(normalised_text: str, phrases: Iterable[str]) -> list[str]:
    """The phrases that occur as whole words, in the order given."""
    return [phrase for phrase in phrases if has_phrase(normalised_text, phrase)]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence or bullet item of ``text`` (never empty or all blank)."""
    spans, start = [], 0
    for at, end in _separators(text or ""):
        if not text[start:at].isspace() and at > start:
            spans.append((start, at))
        start = end
    if text and start < len(text) and not text[start:].isspace():
        spans.append((start, len(text)))
    return spans


#: The marks next to which a sentence break (``_SENTENCE``) can start: the punctuation before
#: its white space, a line break or bullet in or after it, the hyphen after it (the bullets
#: are looked for only in a text that is not all ASCII).
_BREAK_MARKS = ".!?;:\n-"
_BULLETS = "•·▪"


def _separators(text: str) -> list[tuple[int, int]]:
    """The spans of ``_SENTENCE.finditer(text)``, found by trying the regex only where a break
    can start: after . ! ? ; or :, in the white space up to a line break or a bullet, before a
    hyphen. Most white space is between two words, and the regex engine would try each; the
    marks are found by ``str.find``, which skips through text far faster than a regex."""
    starts = []
    for char in _BREAK_MARKS if text.isascii() else _BREAK_MARKS + _BULLETS:
        at = text.find(char)
        while at >= 0:
            if char in ".!?;:":
                if text[at + 1:at + 2].isspace():
                    starts.append(at + 1)
            elif char == "-":
                if at and text[at - 1].isspace():
                    starts.append(at - 1)
            else:  # every position of the white space up to a line break, or before a bullet
                back = at - (char != "\n")
                while back >= 0 and text[back].isspace():
                    starts.append(back)
                    back -= 1
            at = text.find(char, at + 1)
    found, end, match = [], 0, _SENTENCE.match
    for at in sorted(set(starts)):
        if at >= end and (separator := match(text, at)) is not None:
            end = separator.end()
            found.append((at, end))
    return found


def sentences(text: str) -> list[str]:
    """Split a plain-text description into sentences and bullet items (non-empty, stripped)."""
    return [text[a:b].strip() for a, b in sentence_spans(text)]


_SEPARATOR = r"[^a-z0-9+']+"


def _trie_regex(node: dict) -> str:
    """A regex for the strings of a character trie (``""`` marks an end): alternation by first
    character, so the engine tries one branch per position instead of every phrase."""
    ends = "" in node
    branches = [(_SEPARATOR if char == " " else re.escape(char)) + _trie_regex(child)
                for char, child in sorted(node.items()) if char != ""]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def phrase_pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    """One regex finding any of ``phrases`` as whole words in lower-cased raw text, with any
    punctuation or spaces between the words (as ``norm`` would see them). The longest phrase
    at a position wins; ``norm(match.group(1))`` is the normalised phrase."""
    return _compiled_phrases(frozenset(norm(p) for p in phrases if norm(p)))


#: ``phrase_pattern``'s regex (its source) -> the same search in the text with a space put
#: before it, written to match the character before a phrase instead of looking behind: a regex
#: that opens with a set of characters lets the engine skip ahead to the next one (a space or a
#: punctuation mark) instead of trying every position (a third fewer instructions).
_PADDED: dict[str, re.Pattern[str]] = {}


@lru_cache(maxsize=64)
def _compiled_phrases(phrases: frozenset[str]) -> re.Pattern[str]:
    """The regex of ``phrase_pattern`` for normalised phrases; a profile's few phrase sets are
    compiled once per process, not once per posting index."""
    trie: dict = {}
    for phrase in phrases:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}
    body = _trie_regex(trie)
    pattern = re.compile(rf"(?<![a-z0-9])({body})(?![a-z0-9])")
    # a phrase opening with "+" or "'" could follow one closing with either with nothing in
    # between, where no character is left to match before it: such sets keep the look-behind
    if phrases and all(p[0].isascii() and p[0].isalnum() for p in phrases):
        _PADDED[pattern.pattern] = re.compile(rf"[^a-z0-9]({body})(?![a-z0-9])")
    return pattern


def phrase_matches(pattern: re.Pattern[str], lowered: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase as written) of each match of ``pattern``, a ``phrase_pattern``, in
    the lower-cased text ``lowered``: its ``finditer``, faster."""
    padded = _PADDED.get(pattern.pattern, pattern)
    return [(m.start(1) - 1, m.end(1) - 1, m.group(1)) for m in padded.finditer(f" {lowered}")]


def phrases_in(pattern: re.Pattern[str], lowered: str) -> list[str]:
    """Each phrase ``pattern``, a ``phrase_pattern``, finds in the lower-cased text
    ``lowered``, as written: its ``findall``, faster."""
    return _PADDED.get(pattern.pattern, pattern).findall(f" {lowered}")
