"""schema.org ``JobPosting`` JSON-LD in HTML pages: finding it, and mapping it into a Posting.

Used by the career-page source (``pipeline/sources/jsonld.py``). Survives what real pages do:
several ``<script type="application/ld+json">`` blocks, ``@graph`` wrappers, top-level arrays,
``@type`` given as a list, one malformed block beside a good one (skipped and counted), HTML
entities inside the JSON (``&amp;``, or a whole block escaped), and descriptions as (escaped)
HTML. Properties read: ``identifier`` (string or ``PropertyValue.value``), ``title``,
``hiringOrganization.name``, ``jobLocation[].address`` (``PostalAddress``), ``jobLocationType:
TELECOMMUTE`` with ``applicantLocationRequirements``, ``baseSalary`` (``MonetaryAmount`` with a
``QuantitativeValue`` of ``minValue`` / ``maxValue`` / ``value`` / ``unitText``), ``datePosted``,
``validThrough`` and ``employmentType`` (a string or a list).
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pipeline.errors import ParseError
from pipeline.normalize import (
    html_to_text,
    parse_date,
    parse_deadline,
    parse_employment_type,
    parse_location,
    parse_remote,
    parse_salary,
    sanitize_html,
)
from pipeline.posting import Posting, Remote

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

NESTED_KEYS = ("@graph", "mainEntity", "itemListElement", "item")
SOFT_404 = re.compile(
    r"\b(?:(?:job|position|posting|role|vacancy|opening)\s+(?:is|has)\s+(?:no longer available"
    r"|been filled|been closed|expired|closed)|no longer (?:available|accepting applications)"
    r"|(?:job|position|posting) not found)\b", re.I)
_WRAPPERS = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")



def parse_html(text: str) -> BeautifulSoup:
    """``text`` parsed by BeautifulSoup with lxml; bs4 is imported on first use, so runs that
    read no HTML page (most) do not pay for importing it."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(text, "lxml")


def json_ld_blocks(soup: BeautifulSoup) -> tuple[list[Any], int]:
    """Parsed JSON of every ld+json script on the page, and how many blocks were unreadable."""
    values: list[Any] = []
    bad = 0
    for script in soup.find_all("script"):
        if (script.get("type") or "").split(";")[0].strip().lower() != "application/ld+json":
            continue
        raw = _WRAPPERS.sub("", script.string or script.get_text() or "")
        if not raw.strip():
            continue
        value = _loads(raw)
        if value is None:
            bad += 1
        else:
            values.append(value)
    return values, bad


def _loads(raw: str) -> Any:
    """JSON, or JSON whose quotes were entity-escaped; None when neither reads."""
    for candidate in (raw, html_lib.unescape(raw)):
        try:
            return json.loads(candidate, strict=False)
        except json.JSONDecodeError:
            continue
    return None


def job_postings(value: Any) -> Iterator[dict[str, Any]]:
    """Every JobPosting object in a JSON-LD value (arrays, @graph, lists of items)."""
    if isinstance(value, list):
        for item in value:
            yield from job_postings(item)
    elif isinstance(value, dict):
        if "JobPosting" in _types(value):
            yield value
        for key in NESTED_KEYS:
            if key in value:
                yield from job_postings(value[key])


def _types(node: dict[str, Any]) -> set[str]:
    """``@type`` as a set of bare names ('schema:JobPosting' and URLs reduced to 'JobPosting')."""
    raw = node.get("@type")
    names = raw if isinstance(raw, list) else [raw]
    return {re.split(r"[/:#]", name)[-1] for name in names if isinstance(name, str)}


def is_soft_404(soup: BeautifulSoup) -> bool:
    """Whether the page's visible text says the job is gone (a closed job answering 200)."""
    title = soup.title.get_text(" ") if soup.title else ""
    headings = " ".join(h.get_text(" ") for h in soup.find_all(["h1", "h2", "p"], limit=20))
    return bool(SOFT_404.search(f"{title} {headings}"))


def to_posting(node: dict[str, Any], *, source: str, page_url: str, index: int = 0,
               company: str | None = None) -> Posting:
    """One JobPosting object as a posting; ``index`` tells apart several on one page."""
    title = _string(node.get("title")) or _string(node.get("name"))
    if not title:
        raise ParseError("JobPosting has no title")
    description = _string(node.get("description"), unescape=False)
    places = [_address(place) for place in _as_list(node.get("jobLocation"))]
    applicants = [n for n in (_name(a) for a in _as_list(node.get("applicantLocationRequirements")))
                  if n]
    remote = _remote(node, places, title)
    where = _location(places, applicants, remote)
    pay = _salary(node.get("baseSalary"))
    types = [t for t in (_string(t) for t in _as_list(node.get("employmentType"))) if t]
    first = places[0] if places else {}
    return Posting(
        source=source,
        source_id=_identifier(node.get("identifier")) or _page_id(page_url, index),
        url=page_url,
        title=title,
        company=_name(node.get("hiringOrganization")) or company,
        location=where, city=first.get("city"), region=first.get("region"),
        country=first.get("country") or _only_country(applicants),
        remote=remote,
        description=html_to_text(description),
        description_html=sanitize_html(description),
        salary_min=pay.min, salary_max=pay.max, salary_currency=pay.currency,
        salary_period=pay.period,
        employment_type=parse_employment_type(types),
        posted_at=parse_date(node.get("datePosted")),
        valid_through=parse_deadline(node.get("validThrough")),
        extra=_extra(node, places, applicants, types),
    )


def _as_list(value: Any) -> list[Any]:
    """A JSON-LD property that may be one value or a list of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _string(value: Any, *, unescape: bool = True) -> str | None:
    """A text property, with HTML entities undone; numbers accepted, objects refused."""
    if value is None:
        return None
    if isinstance(value, dict | list) or isinstance(value, bool):
        raise ParseError(f"expected text, got {type(value).__name__}")
    text = str(value).strip()
    return (html_lib.unescape(text) if unescape else text) or None


def _name(value: Any) -> str | None:
    """An organization, country or place given as a string or as an object with ``name``."""
    if isinstance(value, dict):
        return _string(value.get("name"))
    return _string(value)


def _identifier(value: Any) -> str | None:
    """``identifier`` as a string, a number or a PropertyValue (first of a list)."""
    value = (_as_list(value) or [None])[0]
    if isinstance(value, dict):
        value = value.get("value") if value.get("value") is not None else value.get("@id")
    return _string(value)


def _page_id(page_url: str, index: int) -> str:
    """The page URL as the id (with ``#n`` for the second and later postings of a page)."""
    return page_url if index == 0 else f"{page_url}#{index + 1}"


def _address(place: Any) -> dict[str, str | None]:
    """City, region, country and display text of a Place / PostalAddress / plain string."""
    address = place.get("address", place) if isinstance(place, dict) else place
    if not isinstance(address, dict):
        city, region, country = parse_location(_string(address))
        return {"city": city, "region": region, "country": country, "text": _string(address)}
    city = _string(address.get("addressLocality"))
    region = _string(address.get("addressRegion"))
    country = _country(_name(address.get("addressCountry")))
    shown = ", ".join(p for p in (city, region) if p) or _name(address.get("addressCountry"))
    return {"city": city, "region": region, "country": country, "text": shown}


def _country(name: str | None) -> str | None:
    """A country name or code as parse_location normalises it ('United States' -> 'US')."""
    if not name:
        return None
    return parse_location(name)[2] or name


def _only_country(applicants: list[str]) -> str | None:
    """The country of a remote job open to applicants from exactly one place."""
    return _country(applicants[0]) if len(applicants) == 1 else None


def _remote(node: dict[str, Any], places: list[dict], title: str) -> Remote:
    """TELECOMMUTE -> remote; a physical address alone -> on-site; else what the words say."""
    kinds = " ".join(str(k) for k in _as_list(node.get("jobLocationType")))
    if "TELECOMMUTE" in kinds.upper():
        return Remote.REMOTE
    found = parse_remote(location=places[0]["text"] if places else None, text=title)
    return Remote.ONSITE if found is Remote.UNKNOWN and places else found


def _location(places: list[dict], applicants: list[str], remote: Remote) -> str | None:
    """Display location: the first address, or 'Remote (where applicants may live)'."""
    if places and places[0]["text"]:
        return places[0]["text"]
    if remote is Remote.REMOTE:
        return f"Remote ({', '.join(applicants)})" if applicants else "Remote"
    return None


def _salary(value: Any) -> Any:
    """``baseSalary`` (MonetaryAmount; value a QuantitativeValue, number or text)."""
    amount = (_as_list(value) or [None])[0]
    if not isinstance(amount, dict):
        return parse_salary(amount)
    currency = _string(amount.get("currency"))
    inner = amount.get("value")
    if not isinstance(inner, dict):
        return parse_salary(inner, currency=currency)
    period = _string(inner.get("unitText"))
    low, high = inner.get("minValue"), inner.get("maxValue")
    if low is None and high is None:
        low = high = inner.get("value")
    return parse_salary((low, high), currency=currency, period=period)


def _extra(node: dict, places: list[dict], applicants: list[str], types: list[str]) -> dict:
    """What the JobPosting says that the posting has no field for."""
    organization = node.get("hiringOrganization")
    extra = {
        "identifier": _identifier(node.get("identifier")),
        "jsonld_url": _string(node.get("url")),
        "company_url": organization.get("sameAs") if isinstance(organization, dict) else None,
        "locations": [p["text"] for p in places] if len(places) > 1 else None,
        "applicant_locations": applicants or None,
        "job_location_type": node.get("jobLocationType"),
        "employment_types": types if len(types) > 1 else None,
        "industry": node.get("industry"),
        "occupational_category": node.get("occupationalCategory"),
        "direct_apply": node.get("directApply"),
    }
    return {key: value for key, value in extra.items() if value is not None}
