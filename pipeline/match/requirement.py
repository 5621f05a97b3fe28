"""How strongly a posting asks for each credential it names, read per clause and per section.

Sentences are cut into clauses at commas, semicolons and "but"; a parenthesis is a clause of its
own. A credential's strength comes from, in order: a strong word in its clause ("required",
"must" / "preferred", "a plus"); the section heading ("Required qualifications", "Must have" /
"Nice to have", "Desirable"); a weaker required word in its clause ("active ... license",
"licensed as"); a strong word elsewhere in the sentence; else required.

A credential after "under the supervision of", "a team of"... or before "supervision" ("LVN and
HHA supervision") is someone else's, and so is the rest of such a list when a sentence break
cuts it ("oversee a staff of RN's. LPN's, CNA's"); one after "working towards", "enrolled in",
"previously"... is not held yet, so not asked either. A conditional ("when needed", "if
required") is no requirement word. Credentials joined by "or" or "/" are alternatives; when an
alternative lies outside the profile the requirement is *open*: a resume holding one of its
licences (or the degree one of them needs) meets it; a profession offered beside it that one of
the profile's licences makes ("a registered nurse, occupational therapist or social worker": the
social-work licences) joins the open group.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

#: ``find(text) -> [(start, end, code), ...]``: where each credential is named in ``text``.
Finder = Callable[[str], list[tuple[int, int, str]]]
#: ``find(text) -> [(start, end, codes), ...]``: professions ("social worker") and the licences
#: that make one.
ProfessionFinder = Callable[[str], list[tuple[int, int, tuple[str, ...]]]]

_PREFERRED = re.compile(r"\b(prefer\w*|a plus|desired|desirable|nice to have|ideal\w*|"
                        r"bonus|advantage\w*|would be great|beneficial)")
_REQUIRED = re.compile(r"\b(requir\w*|must|minimum|mandatory|essential|needed|need to)\b")
_WEAK_REQUIRED = re.compile(
    r"\b(active|current|valid|unrestricted|in good standing|licen[cs]ed (as|to|in)|"
    r"eligib\w*|seek\w*|looking for|are you an?|you (will|must|should) (be|have|hold)|"
    r"will be an?|to be an?|recruit\w*|qualified|registration|hold\w*|possess\w*|"
    r"should (be|have|hold))\b")
_OTHERS = re.compile(
    r"\b(supervis\w*|direct(ion|ed) (of|by)|delegated|instructed|report\w*|"
    r"responsible to|support(s|ing)?|assist(s|ing)?|help(s|ing)?|team of|staff of|comprised of|"
    r"oversee\w*|schedul\w*|communicat\w*|consult\w* with|"
    r"(among|across|between|with|other|all)\s+(\w+\s+)?disciplines)\b|"
    r"\b((to|by|under)( the| an?)?|with the|partnered with( the| an?)?|alongside)\W*$")
_OTHERS_WINDOW = 8
#: After a credential (and a short list joined to it): the staff the job oversees ("including
#: LVN and HHA supervision").
_OTHERS_AFTER = re.compile(r"^[\s']*(?:(?:,|/|&|\band\b|\bor\b)\s*[\w']+[\s']*){0,3}"
                           r"(supervision|oversight)\b", re.IGNORECASE)
_NOT_YET = re.compile(r"\b(towards?|enrolled|pursu\w*|studying|previously|formerly|former|"
                      r"close to obtaining|licensure track|trainee)\b|"
                      r"\bfinish\w* (my|an?|the)\W*$")
#: After a credential a resume names: one it has not got yet ("LCSW supervision in progress",
#: "RN licence pending", "LPN-to-RN bridge program", "CCM: eligible, exam planned").
NOT_YET_AFTER = re.compile(r"\W*(?:\w+\W+){0,2}?(?:in progress|pending|bridge|eligible)\b")
# "as required (by state law)" asks for the licence; "as needed" and "if required" do not
_CONDITIONAL = re.compile(r"\b((when|if|where) (needed|required|necessary|applicable)|"
                          r"as (needed|necessary|applicable))\b")
_CUE_ONLY = re.compile(r"^\s*((strongly|highly|very)\s+)?(preferred|required|a plus|desired|"
                       r"desirable|mandatory|essential)\s*$", re.IGNORECASE)
_PAREN = re.compile(r"\(([^()]*)\)")
_CLAUSE_BREAK = re.compile(r"[,;]|\bbut\b")
_LIST_GLUE = re.compile(r"^[\s,/&]*(?:(?:or|and)[\s,/&]+)*$", re.IGNORECASE)
_ALTERNATIVE = re.compile(r"\bor\b|/", re.IGNORECASE)
_OR = re.compile(r"\bor\b")
_ARTICLE = re.compile(r"^\s*((an?|the)\s+)?$")
_OR_WINDOW = 6
_LISTED = re.compile(r"(,|\bor|\band|/)\s*((an?|the)\s+)?$")
_NOT_ALTERNATIVE = re.compile(r"\s*(equivalent|equal|higher|above|related|similar|more|greater)\b")

_HEADING_WORDS = 7
_HEADING_PREFERRED = re.compile(r"\b(prefer\w*|nice to have|desirable|desired|bonus|plus(es)?|"
                                r"ideal\w*)\b")
_HEADING_REQUIRED = re.compile(
    r"\b(requir\w*|qualifications?|minimum|must|essential|criteria|need|looking for|about you|"
    r"should|licen[cs]\w*|certifications?|credentials?|education|eligib\w*|basic)\b")
_HEADING_START = re.compile(r"^\W*(\w+\W+)?(prefer|nice|desir|bonus|plus|ideal|"
                            r"requir|qualif|minimum|must|essential|criteria|what|who|about you|"
                            r"licen|certif|credential|education|basic)", re.IGNORECASE)


def heading_mode(line: str, current: str | None) -> str | None:
    """The section after ``line`` (a sentence naming no credential): a short heading switches it
    to required or preferred, a short heading of anything else ends it, other lines keep it."""
    text = line.strip()
    words = _HEADING_WORDS * 2 if text.endswith(":") else _HEADING_WORDS
    if text.endswith((".", "!", "?")) or len(text.split(None, words)) > words:
        return current
    lowered = text.lower()
    if not (text.endswith(":") or _HEADING_START.search(text)):
        return current
    if _HEADING_PREFERRED.search(lowered):
        return "preferred"
    if _HEADING_REQUIRED.search(lowered):
        return "required"
    return None if text.endswith(":") else current


@dataclass
class Clause:
    """Part of a sentence and the credentials it names, with their positions in ``text``."""

    text: str
    hits: list[tuple[int, int, str]]

    def bare(self) -> bool:
        """True when the clause is only credentials joined by commas, "or", "and" or "/"."""
        rest, last = [], 0
        for start, end, _ in self.hits:
            rest.append(self.text[last:start])
            last = end
        rest.append(self.text[last:])
        return bool(self.hits) and bool(_LIST_GLUE.match(" ".join(rest)))

    def starts_with_credential(self) -> bool:
        """True when the clause opens with a credential (the rest of a list)."""
        return bool(self.hits) and bool(_LIST_GLUE.match(self.text[:self.hits[0][0]]))


def _outer_and_inner(sentence: str, find: Finder) -> tuple[str, list[str]]:
    """The sentence with parentheses resolved, and the parentheses that are clauses of their
    own: a credential with its own strength word inside. A bare strength word ("(Preferred)")
    or credential ("(LPN)") stays in the sentence; any other aside is dropped."""
    inner: list[str] = []

    def resolve(match: re.Match[str]) -> str:
        body = match.group(1)
        if _CUE_ONLY.match(body):
            return f" {body} "
        if not find(body):
            return " "
        if _PREFERRED.search(body.lower()) or _REQUIRED.search(body.lower()):
            inner.append(body)
            return " "
        return f" {body} "

    return _PAREN.sub(resolve, sentence), inner


def _merged(parts: list[str], find: Finder) -> list[Clause]:
    """Clauses from comma-separated parts: a part naming nothing and saying no strength is a
    preamble of the next ("Active, unrestricted RN license"); a bare credential list goes on
    into the next part when that opens with a credential ("LMSW, LCSW or MSW preferred")."""
    clauses: list[Clause] = []
    carry = ""
    for part in parts:
        text = f"{carry}, {part}" if carry else part
        clause = Clause(text, find(text))
        lowered = part.lower()
        if not clause.hits and not (_PREFERRED.search(lowered) or _REQUIRED.search(lowered)):
            carry = text
            continue
        carry = ""
        if clauses and clauses[-1].bare() and clause.starts_with_credential():
            joined = f"{clauses[-1].text}, {text}"
            clauses[-1] = Clause(joined, find(joined))
        else:
            clauses.append(clause)
    if carry:
        clauses.append(Clause(carry, find(carry)))
    return clauses


def _clauses(sentence: str, find: Finder) -> tuple[list[Clause], str]:
    """The clauses of a sentence naming credentials, and the sentence without its asides."""
    outer, inner = _outer_and_inner(sentence, find)
    clauses = _merged([p for p in _CLAUSE_BREAK.split(outer) if p.strip()], find)
    return clauses + [Clause(body, find(body)) for body in inner], outer


def _strong(text: str, position: int) -> str | None:
    """The strong word nearest to a credential at ``position`` in its clause (the one after
    it on a tie: "RN license required")."""
    lowered = text.lower()
    cues = [(m.start(), "preferred") for m in _PREFERRED.finditer(lowered)]
    cues += [(m.start(), "required") for m in _REQUIRED.finditer(lowered)]
    if not cues:
        return None
    return min(cues, key=lambda cue: (abs(cue[0] - position), cue[0] < position))[1]


def _fallback(clause: Clause, outer: str, section: str | None) -> str:
    """Strength of a credential whose clause has no strong word."""
    if section:
        return section
    lowered, whole = clause.text.lower(), outer.lower()
    if _WEAK_REQUIRED.search(lowered) or _REQUIRED.search(whole):
        return "required"
    return "preferred" if _PREFERRED.search(whole) else "required"


def _someone_else(clause: Clause, before: str = "") -> bool:
    """True when the clause names the credential as someone else's ("under the supervision of
    a registered nurse") or as not held yet; ``before``: the text before the clause, read
    when the clause opens with the credential (the rest of a list cut by a sentence break)."""
    lead = clause.text[:clause.hits[0][0]]
    others = (before_is_someone_elses(before, lead) if clause.starts_with_credential()
              else someone_elses(lead))
    after = clause.text[clause.hits[-1][1]:]
    return ((others or bool(_OTHERS_AFTER.search(after)))
            and not _REQUIRED.search(_CONDITIONAL.sub(" ", clause.text.lower())))


def someone_elses(before: str) -> bool:
    """True when the words just before a credential make it someone else's ("reconciled with
    the", "under the supervision of a") or one not held yet ("working towards")."""
    window = " ".join(before.lower().split()[-_OTHERS_WINDOW:])
    return bool(_OTHERS.search(window) or _NOT_YET.search(window))


def _conditional(clause: Clause) -> bool:
    """True when the clause asks for its credentials only "when needed" or "if required"."""
    lowered = clause.text.lower()
    return bool(_CONDITIONAL.search(lowered)) and not _REQUIRED.search(
        _CONDITIONAL.sub(" ", lowered))


def _open_codes(outer: str, find: Finder) -> set[str]:
    """Codes next to an "or" that offers something outside the profile ("a registered nurse,
    occupational therapist or social worker", "RN or paramedic"; not "RN or LPN", not "or
    equivalent")."""
    lowered, hits = outer.lower(), find(outer)
    found: set[str] = set()
    for match in _OR.finditer(lowered):
        before = [hit for hit in hits if hit[1] <= match.start()]
        after = [hit for hit in hits if hit[0] >= match.end()]
        last = max(before, key=lambda hit: hit[1]) if before else None
        first = min(after) if after else None
        gap_before = lowered[last[1]:match.start()] if last else ""
        credential_before = last is not None and bool(_LIST_GLUE.match(gap_before))
        credential_after = first is not None and bool(_ARTICLE.match(
            lowered[match.end():first[0]]))
        if credential_before and credential_after or _NOT_ALTERNATIVE.match(
                lowered[match.end():]):
            continue
        if credential_after:
            found.add(first[2])
        if last is not None and len(gap_before.split()) <= _OR_WINDOW:
            found.add(last[2])
    return found


def _offered(outer: str, professions: ProfessionFinder | None) -> list[str]:
    """Licences whose profession the sentence lists as an alternative ("..., occupational
    therapist or social worker"), not as someone else ("working with social workers")."""
    if professions is None:
        return []
    lowered = outer.lower()
    return [code for start, _, codes in professions(outer)
            if _LISTED.search(lowered[:start]) and not someone_elses(lowered[:start])
            for code in codes]


def sentence_requirements(sentence: str, find: Finder, section: str | None,
                          before: str = "", professions: ProfessionFinder | None = None,
                          ) -> list[tuple[str, list[str]]]:
    """``(required|open|preferred, codes)`` per clause of a sentence naming credentials; codes
    of one required entry are alternatives when the clause joins them with "or" or "/"; an
    ``open`` entry is required but may also be met by something outside the profile or by a
    licence whose profession the sentence offers (``before``: the previous sentence, for a
    list a sentence break cut)."""
    return requirements_reading_before(sentence, find, section, before, professions)[0]


def requirements_reading_before(sentence: str, find: Finder, section: str | None,
                                before: str = "", professions: ProfessionFinder | None = None,
                                ) -> tuple[list[tuple[str, list[str]]], str | None]:
    """``sentence_requirements``, and the lead of the first clause when they read ``before``
    (None when not: the same sentence in the same section then asks for the same, whatever
    precedes it). When they do, they depend on it only through
    ``before_is_someone_elses(before, lead)``."""
    clauses, outer = _clauses(sentence, find)
    lead = (clauses[0].text[:clauses[0].hits[0][0]]
            if clauses and clauses[0].starts_with_credential() else None)
    open_codes = _open_codes(outer, find) if _OR.search(outer.lower()) else set()
    out: list[tuple[str, list[str]]] = []
    for i, clause in enumerate(clauses):
        if not clause.hits or _someone_else(clause, before if i == 0 else "") or _conditional(
                clause):
            continue
        fallback = _fallback(clause, outer, section)
        by_mode: dict[str, list[str]] = {}
        for start, _, code in clause.hits:
            mode = _strong(clause.text, start) or fallback
            if code not in by_mode.setdefault(mode, []):
                by_mode[mode].append(code)
        required = by_mode.get("required", [])
        if open_codes.intersection(required):
            extra = [c for c in _offered(outer, professions) if c not in required]
            out.append(("open", required + list(dict.fromkeys(extra))))
        elif len(required) > 1 and _ALTERNATIVE.search(clause.text):
            out.append(("required", required))
        else:
            out += [("required", [code]) for code in required]
        out += [("preferred", [code]) for code in by_mode.get("preferred", [])]
    return out, lead


def before_is_someone_elses(before: str, lead: str) -> bool:
    """What ``_someone_else`` reads of the sentence ``before`` a first clause whose credential
    list, after ``lead``, continues a list a sentence break cut."""
    return someone_elses(f"{before} {lead}" if before else lead)
