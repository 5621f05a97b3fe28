"""The few sentences shown under each posting of a digest: what the job is, not who the employer is.

Descriptions often open with the employer ("About Riverbend Health", "Our Mission", "Bridgeway
Behavioral Health is Colorado's..."), with a bare heading ("POSITION SUMMARY:", "Job Summary") or
with recruiting fluff ("We are growing and looking for...", "Are you ready for your next step?").
``role_snippet`` leaves those out: sections under employer or requirement headings (about us, our
mission, benefits, equal opportunity, qualifications...), heading lines, questions, and sentences
about the employer (its name or "we" / "our" as the subject, with nothing about "you" or the
role). It keeps the role's prose first, then its first duties (bullet items) when the prose is
short, whole sentences up to ``SNIPPET_CHARS`` characters. When nothing is left, it falls back to
the start of the description, so a posting is never shown without text it has.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from functools import lru_cache
from itertools import chain, islice

#: Characters of the description shown under each posting.
SNIPPET_CHARS = 280
#: Postings whose snippets are remembered (a digests pass mails the same postings to many).
_REMEMBERED = 1024
#: Prose shorter than this is followed by the first duties (bullet items).
_SHORT_PROSE = 140
_HEADING_WORDS = 6

_BULLET = re.compile(r"^\s*(?:[-*•·▪–]|\d+[.)])\s+")
_INLINE_HEADING = re.compile(r"^([A-Z][A-Za-z'’ /&]{2,40}):\s+(?=\S)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
_ROLE_HEADING = re.compile(r"\b(role|position|job|opportunity|summary|overview|duties|"
                           r"responsibilit|what you('|’)?ll do|you will|day to day|purpose)", re.I)
_OTHER_HEADING = re.compile(
    r"^(about\b|our\b|who we are|why (join|work)|benefits|what we offer|perks|equal|eeo|"
    r"compensation|pay\b|salary|life at|diversity|qualifications?|requirements?|education|"
    r"experience|skills|licens|certif|preferred|required|what we('|’)?re looking for|"
    r"you('|’)?ll stand out|nice to have|physical|working conditions|schedule|shift|location)",
    re.I)
_FLUFF = re.compile(r"^(now hiring|we('|’)?re growing|we are growing|are you|an exciting "
                    r"opportunity|join\b|apply (now|today)|come (join|work))|\b(is|are) "
                    r"(seeking|hiring|looking for)\b|\bhas an opening\b", re.I)
_NOT_THE_JOB = re.compile(
    r"(\$\s?\d|\bper (hour|year)\b|\bbonus|\bbenefits (include|package)|\b401|"
    r"equal (opportunity|pay)|accommodation|\bcandidates?\b|\bapplicants?\b|"
    r"\bapply (now|today|online|through|via|at|here)|background check|criminal|drug screen|"
    r"\bEOE\b|\bsalary\b|\bcompensation\b|\beligible for\b|differentials?\b)", re.I)
_MIN_WORDS = 6
_SCHEDULE = re.compile(r"\b(shifts?|holidays?|weekends?|PRN|per diem|full[- ]time|part[- ]time)\b",
                       re.I)
_ABOUT_US = re.compile(r"\b(we|we're|we’re|our|us)\b", re.I)
_ABOUT_ROLE = re.compile(r"\b(you|your|you'll|you’ll|role|position)\b", re.I)


def _heading_kind(line: str) -> str | None:
    """'role' or 'other' when ``line`` is a heading, else None."""
    text = line.strip().rstrip(":").strip()
    words = text.split()
    if not words or len(words) > _HEADING_WORDS or text[-1] in ".!?,;":
        return None
    if _ROLE_HEADING.search(text) and not re.match(r"^(about|our)\b(?!.*\b(role|position|job)\b)",
                                                   text, re.I):
        return "role"
    return "other" if _OTHER_HEADING.search(text) else "role"


def _about_employer(sentence: str, company: str, title: tuple[str, str] = ("", "")) -> bool:
    """Whether a sentence is about the employer or recruiting fluff rather than the job.

    ``title`` is (the posting's title, its head before any " - " or "(": "Case Manager II").
    """
    lowered = sentence.lower()
    if sentence.rstrip().endswith("?") or _FLUFF.search(sentence) or _NOT_THE_JOB.search(
            sentence) or len(sentence.split()) < _MIN_WORDS:
        return True
    full, core = title
    if full and lowered.startswith(full.lower()) and len(sentence.split()) < len(
            full.split()) + 4:
        return True  # the title said again: "Clinic RN - Primary Care (full-time)."
    if _ABOUT_ROLE.search(sentence) or (core and core.lower() in lowered):
        return False
    if _SCHEDULE.search(sentence):  # "Day shift, 8-hour shifts, every other holiday"
        return True
    first = company.split()[0].lower() if company.split() else ""
    if company and (lowered.startswith(company.lower()) or (len(first) >= 4 and lowered.startswith(
            first + " "))):
        return True
    return bool(_ABOUT_US.search(sentence))


def _lines(description: str) -> list[str]:
    """Non-empty lines, a line wrapped mid-sentence joined back to the one before it."""
    lines: list[str] = []
    for raw in (description or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        previous = lines[-1] if lines else ""
        if previous and line[0].islower() and not previous.endswith((".", "!", "?", ":")):
            lines[-1] = f"{previous} {line}"
        else:
            lines.append(line)
    return lines


def _pieces(description: str) -> tuple[list[list[str]], list[str], list[str]]:
    """(role prose paragraphs as sentences, role duties, every sentence) of a description."""
    prose, duties, every = [], [], []
    section = "role"
    for line in _lines(description):
        bullet = bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        kind = None if bullet else _heading_kind(line)
        if kind:
            section = kind
            continue
        inline = _INLINE_HEADING.match(line)
        if inline and not bullet:
            section = _heading_kind(inline.group(1)) or section
            line = line[inline.end():]
        parts = [line] if bullet else _SENTENCE_END.split(line)
        every.extend(parts)
        if section == "role" and bullet:
            duties.extend(parts)
        elif section == "role":
            prose.append(parts)
    return prose, duties, every


def _fit(sentences: Iterable[str]) -> str:
    """Whole sentences up to SNIPPET_CHARS; a first sentence too long is cut at a word."""
    text = ""
    for sentence in sentences:
        sentence = " ".join(sentence.split())
        candidate = f"{text} {sentence}".strip()
        if len(candidate) > SNIPPET_CHARS:
            if not text:
                return candidate[:SNIPPET_CHARS].rsplit(" ", 1)[0].rstrip(",;:") + "…"
            break
        text = candidate
    return text


def _as_sentence(duty: str) -> str:
    duty = duty.strip()
    return duty if duty.endswith((".", "!", ";")) else duty + "."


@lru_cache(maxsize=_REMEMBERED)
def role_snippet(description: str, company: str | None = None, title: str | None = None) -> str:
    """A short plain-text excerpt saying what the job is (see the module docstring); one
    posting's is worked out once for every digest that holds it."""
    company = " ".join((company or "").split())
    full = " ".join((title or "").split())
    title_parts = (full, re.split(r"\s[-–,(|]\s?|\(|,", full)[0].strip())

    def keep(sentence: str) -> bool:
        return not _about_employer(sentence, company, title_parts)

    paragraphs, duties, every = _pieces(description)
    chosen = _chosen(paragraphs, duties, keep)
    first = next(chosen, None)  # sentences are judged only until the snippet is full
    if first is None:
        return _fit([s for s in every if keep(s)] or every)
    return _fit(chain([first], chosen))


def _chosen(paragraphs: list[list[str]], duties: list[str],
            keep: Callable[[str], bool]) -> Iterator[str]:
    """The kept sentences in snippet order, judged lazily: the first kept paragraph, its first
    three kept duties when it is short, then the other kept paragraphs."""
    kept = (para for para in ([s for s in para if keep(s)] for para in paragraphs) if para)
    first = next(kept, [])
    yield from first
    if len(" ".join(first)) < _SHORT_PROSE:  # a short summary: its first duties say more
        yield from islice((_as_sentence(d) for d in duties if keep(d)), 3)
    for para in kept:
        yield from para
