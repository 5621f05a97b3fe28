"""Telling a posting's text about the job from its text about the employer.

An advert says what the job is (duties, qualifications) and, beside it, who the employer is: an
"About us" or "Our mission" section, the benefits on offer, the equal-opportunity paragraph. The
employer's text names the employer's work ("Harbor Health Plan, the state's Medicaid plan,
improves its members' health outcomes"), not the applicant's, so ``job_text`` leaves it
out of what the body and skills parts read. Boilerplate removal finds such text only when an
employer repeats it across its adverts; this finds it in a single advert, by its shape:

- a section under an employer heading ("About <anyone>", "Who we are", "Our mission", "What we
  offer", "Benefits", "Total compensation", "Equal opportunity", "Company overview"), up to the
  next heading about the job ("Responsibilities", "Qualifications", "About the role", the job's
  title...);
- before any heading, a sentence whose subject is the employer: it opens with the company's
  name ("Riverside Medical Center is...", "At Lakeside Health, our mission...");
- anywhere, an equal-opportunity sentence ("an equal opportunity employer", "without regard
  to race"), whose list of people and services served is the employer's policy, not the work.

"We" and "our" alone do not make a sentence the employer's: UK adverts speak for the team the
applicant joins ("We focus on people's strengths"). A heading is a short sentence
(``_HEADING_WORDS`` words or fewer) ending in a colon or standing without a full stop. A
posting that would keep nothing keeps all its text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipeline.match.text import norm

_HEADING_WORDS = 6
#: Headings (the whole heading, lower-cased, without its colon) of a section about the employer.
_EMPLOYER_HEADING = re.compile(
    r"(?:about(?: [\w&'’.()\- ]+)?|who we are|why (?:join|work|choose)\b.*"
    r"|our (?:mission|story|values|vision|company|culture|organi[sz]ation|commitment|benefits)\b.*"
    r"|mission(?: statement)?|what we offer|we offer|(?:employee )?benefits(?: (?:and|&) perks)?"
    r"|perks(?: (?:and|&) benefits)?|total compensation|compensation (?:and|&) benefits"
    r"|(?:company|organi[sz]ation|employer|department|agency|hospital) "
    r"(?:description|overview|profile|information)"
    r"|equal (?:employment )?opportunity(?: employer| statement)?|eeo(?: statement)?)")
#: Words of a heading that opens a section about the job itself (checked first: "About the
#: role" is the job's).
_JOB_HEADING = re.compile(
    r"\b(?:responsibilit|dut(?:y|ies)\b|qualification|requirement|skills\b|experience\b"
    r"|education\b|position|role\b|job\b|what you(?:'ll| will)|you will|essential"
    r"|licen[cs]|certif|competenc|knowledge\b|functions?\b|summary\b|person\b|purpose\b"
    r"|candidate|post\b|you\b)")
_EQUAL_OPPORTUNITY = re.compile(
    r"equal (?:employment )?opportunit|affirmative action|without regard to (?:race|age|sex)")
#: Words one of which an equal-opportunity sentence holds: looked for before the regex, faster.
_EQUAL_OPPORTUNITY_WORDS = ("opportunit", "affirmative", "regard to")
_PARENTHESES = re.compile(r"\([^)]*\)")


def _heading(sentence: str) -> str | None:
    """The sentence as a heading (lower-cased, no colon), or None when it is not one."""
    text = sentence.strip()
    if text.count(" ") >= _HEADING_WORDS or text[-1:] in ".!?;,":
        return None
    return text.rstrip(":").strip().lower().replace("’", "'")


@lru_cache(maxsize=4096)
def company_opening(company: str | None) -> str:
    """The first two words of the company's name, normalised ("" without a name): how a
    sentence about it opens ("Riverside Medical Center is...", "Lakeside Health Care's model")."""
    words = norm(_PARENTHESES.sub(" ", company or "")).split()
    return " ".join(words[:2])


def _equal_opportunity(text: str) -> bool:
    """Whether the text holds an equal-opportunity statement."""
    low = text.lower()
    return (any(word in low for word in _EQUAL_OPPORTUNITY_WORDS)
            and _EQUAL_OPPORTUNITY.search(low) is not None)


def _about_employer(sentence: str, opening: str) -> bool:
    """Whether a sentence opens with the employer's name, or with "At <employer>" (``opening``
    not empty; its first letters are compared before the sentence is normalised)."""
    head = sentence[:2].lower()
    if head != opening[:2] and head != "at":
        return False
    start = f"{norm(sentence[:80])} "
    return start.startswith(f"{opening} ") or start.startswith(f"at {opening} ")


def job_text(sentences: list[str], company: str | None, title: str = "") -> list[str]:
    """The sentences about the job, in order: ``sentences`` less those about the employer
    (all of them when none would be left); a heading naming the job's ``title`` is the job's."""
    opening = company_opening(company)
    title = title.strip().lower().replace("’", "'")
    # one search of the whole text, then per sentence only where it found something
    equal_opportunity = _equal_opportunity("\n".join(sentences))
    kept: list[str] = []
    section = None  # None: no heading yet; "job" or "employer" after one
    for sentence in sentences:
        heading = _heading(sentence)
        if heading is not None and (_JOB_HEADING.search(heading) or heading == title):
            section = "job"
        elif heading is not None and _EMPLOYER_HEADING.fullmatch(heading):
            section = "employer"
            continue
        if section == "employer" or (equal_opportunity and _equal_opportunity(sentence)):
            continue
        if section is None and opening and _about_employer(sentence, opening):
            continue
        kept.append(sentence)
    return sentences if not kept or len(kept) == len(sentences) else kept
