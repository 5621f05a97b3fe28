"""Credentials (RN, LCSW, CCM...) in postings and resumes, and which ones a posting requires.

Credentials are found as whole words ("Registered Nurses" and "RN's" name RN too); how strongly a
posting asks for each is read per clause and per section by ``pipeline.match.requirement``.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from pipeline.match.profile import Credential
from pipeline.match.requirement import (
    NOT_YET_AFTER,
    Finder,
    ProfessionFinder,
    before_is_someone_elses,
    heading_mode,
    requirements_reading_before,
    someone_elses,
)
from pipeline.match.text import norm, phrase_matches, phrase_pattern, sentence_spans


@dataclass
class PostingCredentials:
    """What a posting asks for: groups of alternatives that are required, required groups
    with an alternative outside the profile (``open``: "RN or paramedic"), preferred codes."""

    required: list[list[str]] = field(default_factory=list)
    preferred: list[str] = field(default_factory=list)
    open: list[list[str]] = field(default_factory=list)

    def codes(self) -> list[str]:
        """Every credential code the posting names, required first, without repeats."""
        out: list[str] = []
        for code in [c for group in self.required + self.open for c in group] + self.preferred:
            if code not in out:
                out.append(code)
        return out

    def __reduce__(self) -> tuple:
        """Pickled as a constructor call: far faster to load than the default (the fit's
        worker processes send one per posting)."""
        return (PostingCredentials, (self.required, self.preferred, self.open))

    def missing(self, held: set[str], unlicensed: bool = False) -> list[str]:
        """Required groups none of whose credentials are held, e.g. ['RN', 'LCSW or LMSW'];
        with ``unlicensed`` (the resume holds none of the licenses the posting asks for), the
        unmet open groups too, e.g. ['RN, LCSW, LMSW or another registration']."""
        found = [" or ".join(group) for group in self.required if not held.intersection(group)]
        if unlicensed:
            found += [", ".join(group) + " or another registration" for group in self.open
                      if not held.intersection(group)]
        return found


@lru_cache(maxsize=32)
def _compiled(key: tuple[tuple[str, tuple[str, ...]], ...]) -> tuple[re.Pattern[str], dict]:
    """One whole-word regex over every credential phrase and its plurals ("RNs", "RN's",
    "registered nurses"), and phrase -> code."""
    code_of = {norm(phrase) + plural: code for code, phrases in key for phrase in phrases
               for plural in ("", "s", "'s") if norm(phrase)}
    return phrase_pattern(code_of), code_of


def codes_in(text: str, credentials: list[Credential]) -> list[str]:
    """Codes of the credentials a resume holds, in profile order: those it names anywhere
    except where it names someone else's ("reconciled with the RN care manager", "with RNs and
    therapists": a plural is other people) or one not held yet ("working towards the LCSW",
    "LCSW supervision in progress", "CCM: eligible")."""
    if not credentials:
        return []
    pattern, code_of = _compiled(tuple((c.code, tuple(c.phrases())) for c in credentials))
    lowered = text.lower().replace("’", "'")
    singular = {norm(phrase) for c in credentials for phrase in c.phrases()}
    found = {code_of.get(key) for m in pattern.finditer(lowered)
             if (key := norm(m.group(1))) in singular  # "RNs", "the RN's plan": other people
             and not someone_elses(_clause_before(lowered, m.start(1)))
             and not NOT_YET_AFTER.match(lowered, m.end(1), m.end(1) + 60)}
    return [c.code for c in credentials if c.code in found]


def held_with_implied(held: set[str], credentials: list[Credential]) -> set[str]:
    """``held`` and the credentials it implies (``implied_by``: an RN holds the LPN's scope,
    an LCSW or LMSW the MSW their licence needs)."""
    return held | {c.code for c in credentials if held.intersection(c.implied_by)}


#: Where a clause starts: punctuation, a blank line or a bullet (a wrapped line goes on).
_CLAUSE_START = re.compile(r"[.;:,(]|\n\s*\n|\n\s*[-*\u2022]")


def _clause_before(text: str, position: int) -> str:
    """The text of the clause before ``position``: back to punctuation, a bullet or a blank
    line."""
    window = text[max(0, position - 120):position]
    cut = max((m.end() for m in _CLAUSE_START.finditer(window)), default=0)
    return window[cut:]


#: id(list of credentials) -> (that list, its ``_compiled_for``): the few lists in use (the
#: profile's, its licences) remembered by identity, since an index asks once per posting.
_COMPILED_FOR: dict[int, tuple[list[Credential], tuple]] = {}


def _compiled_for(credentials: list[Credential]) -> tuple[re.Pattern[str], dict, dict]:
    """``_compiled`` for this list of credentials plus code -> profile order."""
    known = _COMPILED_FOR.get(id(credentials))
    if known is None or known[0] is not credentials:
        pattern, code_of = _compiled(tuple((c.code, tuple(c.phrases())) for c in credentials))
        order = {c.code: i for i, c in enumerate(credentials)}
        if len(_COMPILED_FOR) >= 8:
            _COMPILED_FOR.clear()
        known = _COMPILED_FOR[id(credentials)] = (credentials, (pattern, code_of, order))
    return known[1]


#: A whitespace-free run holding an e-mail or web address ("jane@ccm.com", "www.rn.org/jobs").
_ADDRESS = re.compile(r"@|://|\bwww\.")


def _in_address(lowered: str, start: int, end: int) -> bool:
    """True when the hit at ``start:end`` is part of an e-mail or web address."""
    left = max(lowered.rfind(" ", 0, start), lowered.rfind("\n", 0, start)) + 1
    right = min((i for i in (lowered.find(" ", end), lowered.find("\n", end)) if i >= 0),
                default=len(lowered))
    return bool(_ADDRESS.search(lowered, left, right))


_PARENTHESISED = re.compile(r"\(\s*([a-z]{2,8})\s*\)")
_WORD = re.compile(r"[a-z][\w&'-]*")
_RUN_OF_WORDS = re.compile(r"(?:[a-z][\w&'-]*[ \t-]+)*[a-z][\w&'-]*\s*$")


def foreign_abbreviations(lowered: str, credentials: list[Credential]) -> frozenset[str]:
    """Credential abbreviations the text defines as something else: "Carlisle Construction
    Materials (CCM)" makes every "CCM" of that posting the company's, not a certification
    (a definition by the credential's own words, "Certified Case Manager (CCM)", keeps it)."""
    out = set()
    for m in _PARENTHESISED.finditer(lowered):
        abbreviation = m.group(1)
        own = [c for c in credentials if abbreviation in {norm(p) for p in c.phrases()}]
        if not own:
            continue
        # the words just before, joined by spaces or hyphens only: "(LPCC)Clinical Social
        # worker (LCSW)" does not spell LCSW
        lead = _RUN_OF_WORDS.search(lowered, max(0, m.start() - 120), m.start())
        words = _WORD.findall(lead.group(0))[-len(abbreviation):] if lead else []
        if "".join(w[0] for w in words) == abbreviation and not any(
                norm(" ".join(words)) == norm(p) for c in own for p in c.phrases()):
            out.add(abbreviation)
    return frozenset(out)


def _credential_hits(pattern: re.Pattern[str], lowered: str,
                     foreign: frozenset[str]) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of the matches of ``pattern`` in ``lowered`` that name a
    credential: not inside an address nor an abbreviation the text defines as something else
    (``foreign``). An address is looked for around a hit only when the text holds the marks of
    one (what ``_ADDRESS`` finds)."""
    addresses = "@" in lowered or "://" in lowered or "www." in lowered
    hits = phrase_matches(pattern, lowered)
    if not (foreign or addresses):
        return hits
    return [hit for hit in hits
            if not ((foreign and norm(hit[2]) in foreign)
                    or (addresses and _in_address(lowered, hit[0], hit[1])))]


def _codes_per_sentence(text: str, credentials: list[Credential],
                        spans: list[tuple[int, int]] | None,
                        parts: list[str] | None = None,
                        foreign: frozenset[str] = frozenset(),
                        lowered: str | None = None) -> list[tuple[str, list]]:
    """Each sentence of ``text`` up to the last one naming a credential, with the codes it
    names (one regex pass over the text; ``parts``: the sentences of ``spans``, stripped;
    ``foreign``: abbreviations the text defines as something else; ``lowered``: the text
    lower-cased with straight apostrophes, when already worked out)."""
    pattern, code_of, order = _compiled_for(credentials)
    lowered = text.lower().replace("’", "'") if lowered is None else lowered
    # same length: positions still line up
    hits = [(start, phrase) for start, _, phrase in _credential_hits(pattern, lowered, foreign)]
    if not hits:
        return []
    spans = sentence_spans(text) if spans is None else spans
    if parts is not None and len(parts) != len(spans):
        raise ValueError(f"{len(parts)} sentences given for {len(spans)} sentence spans")
    starts = [a for a, _ in spans]
    found: dict[int, set[str]] = {}
    for start, phrase in hits:
        code = code_of.get(phrase) or code_of.get(norm(phrase))
        i = bisect_right(starts, start) - 1
        if code is not None and i >= 0 and start < spans[i][1]:
            found.setdefault(i, set()).add(code)
    last = max(found, default=-1)
    if parts is None:
        parts = [text[a:b].strip() for a, b in spans[:last + 1]]
    return [(parts[i], sorted(found[i], key=order.__getitem__) if i in found else [])
            for i in range(last + 1)]


def _finder(credentials: list[Credential], foreign: frozenset[str] = frozenset()) -> Finder:
    """``find(text)``: (start, end, code) of every credential named in ``text`` (not in an
    address, nor one of the ``foreign`` abbreviations)."""
    pattern, code_of, _ = _compiled_for(credentials)

    def find(text: str) -> list[tuple[int, int, str]]:
        lowered = text.lower().replace("’", "'")
        hits = [(start, end, code_of.get(phrase) or code_of.get(norm(phrase)))
                for start, end, phrase in _credential_hits(pattern, lowered, foreign)]
        return [hit for hit in hits if hit[2] is not None]

    return find


def _profession_finder(credentials: list[Credential]) -> ProfessionFinder:
    """``_professions`` for this list of credentials; the last list is remembered by identity,
    as ``_compiled_for`` does."""
    if _LAST_PROFESSIONS[0] is not credentials:
        _LAST_PROFESSIONS[:] = [credentials, _professions(credentials)]
    return _LAST_PROFESSIONS[1]


_LAST_PROFESSIONS: list = [None, None]


def _professions(credentials: list[Credential]) -> ProfessionFinder:
    """``find(text)``: (start, end, codes) of every profession a licence's ``title_terms``
    name ("social workers": LCSW, LMSW), plurals too."""
    codes_of: dict[str, list[str]] = {}
    for c in credentials:
        if c.kind == "license":
            for term in c.title_terms:
                codes_of.setdefault(term.lower(), []).append(c.code)
    if not codes_of:
        return lambda text: []
    pattern = re.compile(r"\b(" + "|".join(re.escape(t) for t in sorted(codes_of, key=len,
                                                                        reverse=True))
                         + r")s?\b")

    def find(text: str) -> list[tuple[int, int, tuple[str, ...]]]:
        return [(m.start(), m.end(), tuple(codes_of[m.group(1)]))
                for m in pattern.finditer(text.lower())]

    return find


#: (credentials, {title: its ``title_licenses``}) for the last list of credentials asked about:
#: an index asks once per posting, and titles repeat (emptied past 20,000 titles).
_LAST_TITLES: list = [None, {}]


def title_licenses(title: str, credentials: list[Credential]) -> list[str]:
    """Licenses a job title says the job needs, as one group of alternatives, in profile order:
    those it names ("RN Case Manager") and those whose ``title_terms`` it uses ("Staff Nurse":
    RN; "Care Co-ordinator/CPN/SW": RN or a social-work license)."""
    if _LAST_TITLES[0] is not credentials or len(_LAST_TITLES[1]) > 20_000:
        _LAST_TITLES[:] = [credentials, {}]
    done = _LAST_TITLES[1]
    if title not in done:
        done[title] = _title_licenses(title, credentials)
    return list(done[title])


def _title_licenses(title: str, credentials: list[Credential]) -> list[str]:
    """``title_licenses``, worked out."""
    licenses = [c for c in credentials if c.kind == "license"]
    if not licenses:
        return []
    lowered = title.lower().replace("’", "'")
    named: set[str] = set()
    for start, end, code in _finder(licenses)(title):  # "Licensed Practical Nurse" is LPN only
        named.add(code)
        lowered = lowered[:start] + " " * (end - start) + lowered[end:]
    return [c.code for c in licenses if c.code in named or any(
        re.search(rf"\b{re.escape(term.lower())}s?\b", lowered) for term in c.title_terms)]


def _with_title(result: PostingCredentials, title: str,
                credentials: list[Credential]) -> PostingCredentials:
    """``result`` plus the title's licence group as required, when the text requires no
    license itself (an NHS "Staff Nurse" advert rarely names the registration)."""
    licenses = {c.code for c in credentials if c.kind == "license"}
    if any(licenses.intersection(group) for group in result.required + result.open):
        return result
    group = title_licenses(title, credentials)
    if group:
        result.required.append(group)
        result.preferred = [c for c in result.preferred if c not in group]
    return result


#: (credentials, {(sentence, section, foreign abbreviations): (lead, {what the requirements
#: read of the sentence before: requirements})}) for the last list of credentials: adverts
#: repeat their credential sentences ("Active RN license required."), within an employer and
#: across. Emptied past 20,000 sentences, so a long-running service keeps a few MB at most.
_LAST_REQUIREMENTS: list = [None, {}]


def _requirements(sentence: str, credentials: list[Credential], foreign: frozenset[str],
                  find: Finder, section: str | None, before: str,
                  professions: ProfessionFinder) -> list[tuple[str, list[str]]]:
    """``sentence_requirements`` of a sentence (``find`` and ``professions``: those of
    ``credentials`` and ``foreign``), worked out once per sentence, section and foreign
    abbreviations, and per answer of ``before_is_someone_elses`` when they read it."""
    if _LAST_REQUIREMENTS[0] is not credentials or len(_LAST_REQUIREMENTS[1]) > 20_000:
        _LAST_REQUIREMENTS[:] = [credentials, {}]
    done = _LAST_REQUIREMENTS[1]
    key = (sentence, section, foreign)
    known = done.get(key)
    if known is None:
        found, lead = requirements_reading_before(sentence, find, section, before, professions)
        read = None if lead is None else before_is_someone_elses(before, lead)
        known = done[key] = (lead, {read: found})
    else:
        lead, answers = known
        read = None if lead is None else before_is_someone_elses(before, lead)
        if read not in answers:
            answers[read] = requirements_reading_before(sentence, find, section, before,
                                                        professions)[0]
    return [(mode, list(group)) for mode, group in known[1][read]]


def posting_credentials(text: str, credentials: list[Credential],
                        spans: list[tuple[int, int]] | None = None,
                        parts: list[str] | None = None, title: str = "") -> PostingCredentials:
    """Which profile credentials a posting asks for, split into required groups and preferred
    (``spans``: the text's ``sentence_spans`` when already known, ``parts``: their text;
    ``title``: the job title, read for a license the text does not require)."""
    result = PostingCredentials()
    if not credentials:
        return result
    lowered = text.lower().replace("’", "'")
    foreign = foreign_abbreviations(lowered, credentials)
    find, professions = _finder(credentials, foreign), _profession_finder(credentials)
    section: str | None = None
    previous = ""
    for sentence, codes in _codes_per_sentence(text, credentials, spans, parts, foreign,
                                               lowered):
        before, previous = previous, sentence
        if not codes:
            section = heading_mode(sentence, section)
            continue
        for mode, group in _requirements(sentence, credentials, foreign, find, section,
                                         before, professions):
            if mode == "preferred":
                result.preferred += [c for c in group if c not in result.preferred]
            elif group not in (groups := result.open if mode == "open" else result.required):
                groups.append(group)
    result.preferred = [c for c in result.preferred
                        if not any(c in group for group in result.required + result.open)]
    return _with_title(result, title, credentials) if title else result


class ResumeCredentials(NamedTuple):
    """One resume against many postings: ``share`` of asked credentials held, ``missing``
    required groups unmet, ``unlicensed`` 1 where an unmet group is a license (RN, LCSW...)."""

    share: np.ndarray
    missing: np.ndarray
    unlicensed: np.ndarray


class CredentialArrays:
    """Credentials asked by every posting, as sparse matrices, grown as postings are added.

    ``asked``: postings x codes, 1 when the posting names the code. ``required``: postings x
    groups, 1 when the posting requires that group of alternatives. ``profile_score``: the
    resume-free credentials component (1 when a license or certification is asked, 0.5 when only
    a degree, else 0).
    """

    def __init__(self, credentials: list[Credential]):
        self.codes = [c.code for c in credentials]
        self._col = {code: i for i, code in enumerate(self.codes)}
        self._licensed = {c.code for c in credentials if c.kind != "degree"}
        self._licenses = {c.code for c in credentials if c.kind == "license"}
        #: degree -> the licenses that need it (MSW: LCSW, LMSW)
        self._degree_for = {c.code: set(c.implied_by) for c in credentials
                            if c.kind == "degree" and c.implied_by}
        self.groups: dict[tuple[str, ...], int] = {}
        self._asked: list[sp.csr_matrix] = []
        self._required: list[tuple[np.ndarray, np.ndarray, int]] = []
        self._open: list[tuple[np.ndarray, np.ndarray]] = []
        self.profile_score = np.zeros(0)
        self.asked_count = np.zeros(0)
        self.rows = 0

    def extend(self, found: list[PostingCredentials]) -> None:
        """Append the rows of newly added postings."""
        a_rows, a_cols, r_rows, r_cols, profile = [], [], [], [], []
        o_rows: list[int] = []
        o_cols: list[int] = []
        for row, creds in enumerate(found):
            names = creds.codes()
            a_rows += [row] * len(names)
            a_cols += [self._col[c] for c in names]
            for group in creds.required:
                r_rows.append(row)
                r_cols.append(self.groups.setdefault(tuple(group), len(self.groups)))
            for group in creds.open:
                o_rows.append(row)
                o_cols.append(self.groups.setdefault(tuple(group), len(self.groups)))
            profile.append(1.0 if self._licensed & set(names) else 0.5 if names else 0.0)
        asked = sp.csr_matrix((np.ones(len(a_rows)), (a_rows, a_cols)),
                              shape=(len(found), len(self.codes)))
        self._asked.append(asked)
        self._required.append((np.array(r_rows, dtype=int) + self.rows,
                               np.array(r_cols, dtype=int), len(found)))
        self._open.append((np.array(o_rows, dtype=int) + self.rows, np.array(o_cols, dtype=int)))
        self.asked_count = np.concatenate([self.asked_count, np.diff(asked.indptr)])
        self.profile_score = np.concatenate([self.profile_score, profile])
        self.rows += len(found)
        self._cache: tuple[sp.csr_matrix, sp.csr_matrix] | None = None
        self._last_slice = None

    def matrices(self) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """(asked, required) over every posting so far."""
        if getattr(self, "_cache", None) is None:
            asked = sp.vstack(self._asked).tocsr() if self._asked else sp.csr_matrix(
                (0, len(self.codes)))
            rows = np.concatenate([r for r, _, _ in self._required] or [np.zeros(0, int)])
            cols = np.concatenate([c for _, c, _ in self._required] or [np.zeros(0, int)])
            required = sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                     shape=(self.rows, len(self.groups)))
            rows = np.concatenate([r for r, _ in self._open] or [np.zeros(0, int)])
            cols = np.concatenate([c for _, c in self._open] or [np.zeros(0, int)])
            self._open_matrix = sp.csr_matrix((np.ones(len(rows)), (rows, cols)),
                                              shape=(self.rows, len(self.groups)))
            self._cache = (asked, required)
        return self._cache

    def _rows(self, rows: np.ndarray | None
              ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix, np.ndarray]:
        """The matrices (asked, required, open) and counts of ``rows``; the last slice is kept,
        since many subscribers are scored over the same rows one after another."""
        asked, required = self.matrices()
        if rows is None:
            return asked, required, self._open_matrix, self.asked_count.astype(float)
        last = getattr(self, "_last_slice", None)
        if last is None or last[0] is not rows:
            last = (rows, asked[rows], required[rows], self._open_matrix[rows],
                    self.asked_count[rows].astype(float))
            self._last_slice = last
        return last[1], last[2], last[3], last[4]

    def for_resume(self, held: set[str],
                   rows: np.ndarray | None = None) -> ResumeCredentials:
        """Credentials of ``rows`` (None: all) against a resume holding ``held``.

        ``unlicensed`` is 1 where the resume holds none of the licenses the posting asks for
        while it asks for one, required or in an open group ("a registered nurse, OT or social
        worker" is no post for an LPN or a medical assistant; it is for a social worker with
        the MSW the licenses need). A posting rarely needs two licenses, so one that reads
        as asking for RN and LPN, or RN and LCSW, is open to a holder of either (the other is
        usually an alternative or the staff the job oversees).
        """
        asked, required, open_, count = self._rows(rows)
        has = np.array([code in held for code in self.codes], dtype=float)
        hits = asked @ has
        share = np.divide(hits, count, out=np.zeros_like(count), where=count > 0)
        if not self.groups:
            return ResumeCredentials(share, np.zeros(len(count)), np.zeros(len(count)))
        unmet = np.array([0.0 if held.intersection(g) else 1.0 for g in self.groups])
        license = np.array([1.0 if self._licenses.intersection(g) else 0.0
                            for g in self.groups])
        missing = np.asarray(required @ unmet).ravel()
        # an open group is met by one of its licenses or by the degree one of them needs (the
        # UK registers a social worker with an MSW); an LPN is no social worker or OT
        for_licenses = set().union(*(self._degree_for.get(code, set()) for code in held))
        open_unmet = np.array([0.0 if held.intersection(g) or for_licenses.intersection(g)
                               else 1.0 for g in self.groups])
        lacks = np.asarray(required @ (unmet * license) + open_ @ (open_unmet * license)
                           ).ravel() > 0
        holds = np.asarray((required + open_) @ ((1.0 - unmet) * license)).ravel() > 0
        return ResumeCredentials(share, missing, (lacks & ~holds).astype(float))
