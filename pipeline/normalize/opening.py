"""The same opening wherever it is listed: employer, title and location normalized.

De-duplication groups listings by these keys; a digest lists one listing of an opening and
counts employers by them; feedback and the reports compare employers and titles with them.
Plain string work, so the pages and the relay can use it without loading scikit-learn.
"""

from __future__ import annotations

import re

from pipeline.posting import Posting

_COMPANY_SUFFIXES = re.compile(
    r"\b(inc|incorporated|llc|l\.l\.c|ltd|limited|corp|corporation|co|company|plc|lp|llp|pc|"
    r"pllc|gmbh|the)\b\.?")
_TITLE_NOISE = re.compile(
    r"\([^)]*\)|\[[^\]]*\]|\b(req|job|requisition)?\s*#?\s*[a-z]{0,3}-?\d{4,}\b|"
    r"\b(remote|hybrid|on-?site|telecommute|work from home|full[- ]time|part[- ]time)\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")


def norm_company(name: str | None) -> str:
    """'Acme Health, Inc.' -> 'acme health'; '' when unknown."""
    text = (name or "").lower().replace("&", " and ")
    return _NON_WORD.sub(" ", _COMPANY_SUFFIXES.sub(" ", text)).strip()


def norm_title(title: str | None) -> str:
    """'RN Case Manager (Remote) - Req #12345' -> 'rn case manager'."""
    text = _TITLE_NOISE.sub(" ", (title or "").lower())
    return _NON_WORD.sub(" ", text).strip()


def norm_location(posting: Posting) -> str:
    """City / region / country when parsed, else the location text, normalized."""
    return norm_place(posting.city, posting.region, posting.country, posting.location)


def norm_place(city: str | None, region: str | None, country: str | None,
               location: str | None) -> str:
    """``norm_location`` of a posting with these fields."""
    parts = [city, region, country]
    text = " ".join(p for p in parts if p) if any(parts[:2]) else (location or "")
    return _NON_WORD.sub(" ", text.lower()).strip()


def opening_key(posting: Posting) -> tuple[str, str, str] | None:
    """Employer, title and location, normalized: the same opening wherever it is listed.

    None when the employer is unknown (too little to say two listings are one job).
    """
    company = norm_company(posting.company)
    if not company:
        return None
    return (company, norm_title(posting.title), norm_location(posting))
