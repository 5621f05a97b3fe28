"""USAJOBS, the US federal government's job board.

Endpoint: ``GET https://data.usajobs.gov/api/Search?Keyword=...&LocationName=...&Page=N
&ResultsPerPage=500`` with ``Host``, ``User-Agent: <registered e-mail>`` and ``Authorization-Key``
headers, both secrets ``${ENV_VAR}``s resolved when fetching. Pages from 1, until
``UserArea.NumberOfPages`` / ``SearchResultCountAll``; ``full_listing`` unless they end early.

Quirks: ``PositionRemuneration[]`` ranges are strings, ``RateIntervalCode`` a code (``PA``) or
words (``Per Year``); ``MajorDuties`` is a list or a string holding one;
``PublicationStartDate`` / ``ApplicationCloseDate`` (``valid_through``) are US Eastern time;
``TeleworkEligible`` / ``RemoteIndicator`` exist only in newer data.
"""

from __future__ import annotations

import ast
import json
import logging
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from pipeline.config.values import env_reference, secret
from pipeline.errors import ParseError
from pipeline.normalize import (
    parse_date,
    parse_deadline,
    parse_employment_type,
    parse_period,
    parse_salary,
)
from pipeline.posting import Posting, Remote
from pipeline.sources._records import Record, build_postings, http_of
from pipeline.sources.base import Source, SourceConfig

log = logging.getLogger(__name__)

ENDPOINT = "https://data.usajobs.gov/api/Search"
MAX_PER_PAGE = 500
US_NAMES = {"united states", "united states of america", "usa", "us"}
EASTERN = ZoneInfo("America/New_York")  # the zone of USAJOBS' zone-less dates


class UsajobsConfig(SourceConfig):
    """A USAJOBS keyword search."""

    type: Literal["usajobs"]
    keyword: str = Field(min_length=1, description="search words, e.g. 'nurse case manager'")
    location: str | None = Field(default=None, description="LocationName, e.g. 'Denver, Colorado'")
    api_key: str = Field(description="${ENV_VAR} holding the USAJOBS Authorization-Key")
    email: str = Field(description="${ENV_VAR} holding the e-mail registered with the key")
    results_per_page: int = Field(default=MAX_PER_PAGE, ge=1, le=MAX_PER_PAGE)
    max_pages: int = Field(default=20, ge=1, description="pages read per fetch at most")

    _from_environment = field_validator("api_key", "email")(env_reference)


class UsajobsSource(Source):
    """Every page of one USAJOBS keyword search."""

    type = "usajobs"
    Config = UsajobsConfig
    full_listing = True

    def fetch(self) -> list[Posting]:
        """Read all pages of the search and map each announcement."""
        items, complete = self._items()
        self.full_listing = complete
        return build_postings(items, self._posting, source=self, where="SearchResultItems")

    def _headers(self) -> dict[str, str]:
        endpoint = self.config.url or ENDPOINT
        return {
            "Host": urlsplit(endpoint).netloc,
            "User-Agent": secret(self.config.email, f"sources.{self.name}.email") or "",
            "Authorization-Key": secret(self.config.api_key, f"sources.{self.name}.api_key") or "",
        }

    def _items(self) -> tuple[list[Any], bool]:
        """All SearchResultItems, and whether they are as many as the board counted."""
        headers = self._headers()
        items: list[Any] = []
        page, pages, total = 1, 1, 0
        while page <= min(pages, self.config.max_pages):
            result = self._page(page, headers)
            batch = result["SearchResultItems"]
            items.extend(batch)
            pages = _int(result.get("UserArea", {}).get("NumberOfPages"), pages)
            total = _int(result.get("SearchResultCountAll"), len(items))
            if not batch or len(items) >= total:
                break
            page += 1
        if len(items) < total:
            log.warning("%s: read %d of %d announcements", self.name, len(items), total)
        return items, len(items) >= total

    def _page(self, page: int, headers: dict[str, str]) -> dict[str, Any]:
        """One page's ``SearchResult``, checked for shape."""
        params: dict[str, Any] = {"Keyword": self.config.keyword, "Page": page,
                                  "ResultsPerPage": self.config.results_per_page}
        if self.config.location:
            params["LocationName"] = self.config.location
        data = http_of(self).get_json(self.config.url or ENDPOINT, params=params, headers=headers,
                                      source=self.name)
        result = data.get("SearchResult") if isinstance(data, dict) else None
        if not isinstance(result, dict) or not isinstance(result.get("SearchResultItems"), list):
            raise ParseError(f"page {page}: no SearchResult.SearchResultItems list",
                             source=self.name)
        return result

    def _posting(self, item: Record) -> Posting:
        """One announcement as a posting."""
        job = item.obj("MatchedObjectDescriptor")
        details = job.obj("UserArea").obj("Details")
        city, region, country, locations = _locations(job.objs("PositionLocation"))
        pay = _pay(job.objs("PositionRemuneration"))
        return Posting(
            source=self.name,
            source_id=item.text("MatchedObjectId", required=True),
            url=job.text("PositionURI"),
            title=job.text("PositionTitle", required=True),
            company=job.text("OrganizationName") or job.text("DepartmentName"),
            location=job.text("PositionLocationDisplay"),
            city=city, region=region, country=country,
            remote=_remote(details, job.text("PositionLocationDisplay")),
            description=_description(job, details),
            salary_min=pay["min"], salary_max=pay["max"], salary_currency=pay["currency"],
            salary_period=pay["period"],
            employment_type=parse_employment_type(_first_name(job, "PositionSchedule")),
            posted_at=parse_date(job.raw("PublicationStartDate"), zone=EASTERN),
            valid_through=parse_deadline(job.raw("ApplicationCloseDate"), zone=EASTERN),
            extra=_extra(job, details, locations, pay["interval"]),
        )


def _int(value: Any, default: int) -> int:
    """An integer that USAJOBS may send as a string."""
    if value is None or value == "":
        return default
    return int(float(value))


def _locations(places: list[Record]) -> tuple[str | None, str | None, str | None, list[str]]:
    """City, region, country of a single location (country only when all agree), and all names."""
    names = [p.text("LocationName") or "" for p in places]
    countries = {_country(p.text("CountryCode")) for p in places}
    country = countries.pop() if len(countries) == 1 else None
    if len(places) != 1:
        return None, None, country, names
    place = places[0]
    region = place.text("CountrySubDivisionCode")
    city = (place.text("CityName") or "").split(",")[0].strip() or None
    return (city if region else None), region, country, names  # no state: "Anywhere in the U.S."


def _country(name: str | None) -> str | None:
    """'United States' -> 'US'; other countries as USAJOBS names them."""
    return "US" if name and name.lower() in US_NAMES else name


def _pay(ranges: list[Record]) -> dict[str, Any]:
    """Salary from the first PositionRemuneration (amounts are strings; USD)."""
    if not ranges:
        return {"min": None, "max": None, "currency": None, "period": None, "interval": None}
    first = ranges[0]
    interval = first.text("RateIntervalCode")
    pay = parse_salary((first.text("MinimumRange"), first.text("MaximumRange")),
                       currency="USD", period=interval)
    return {"min": pay.min, "max": pay.max, "currency": pay.currency,
            "period": parse_period(interval) if interval else pay.period, "interval": interval}


def _remote(details: Record, display: str | None) -> Remote:
    """RemoteIndicator -> remote; TeleworkEligible -> hybrid; both false -> onsite."""
    remote, telework = details.raw("RemoteIndicator"), details.raw("TeleworkEligible")
    if _flag(remote):
        return Remote.REMOTE
    if _flag(telework):
        return Remote.HYBRID
    if remote is not None or telework is not None:
        return Remote.ONSITE
    return Remote.REMOTE if "remote" in (display or "").lower() else Remote.UNKNOWN


def _flag(value: Any) -> bool:
    """USAJOBS booleans come as true/false or as "True"/"False"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _duties(details: Record) -> list[str]:
    """MajorDuties: a list, or a string holding a JSON / Python list, or plain text."""
    if isinstance(details.raw("MajorDuties"), list):
        return [str(v) for v in details.items("MajorDuties") if v]
    raw = details.text("MajorDuties")
    if not raw:
        return []
    if raw.startswith("["):
        for reader in (json.loads, ast.literal_eval):
            try:
                parsed = reader(raw)
            except (ValueError, SyntaxError):
                continue
            if isinstance(parsed, list):
                return [str(v) for v in parsed if v]
    return [raw]


def _description(job: Record, details: Record) -> str:
    """Summary, duties and qualifications as plain text, in that order."""
    parts = [details.text("JobSummary")]
    duties = _duties(details)
    if duties:
        parts.append("Major duties:\n" + "\n".join(duties))
    qualifications = job.text("QualificationSummary")
    if qualifications:
        parts.append("Qualifications:\n" + qualifications)
    return "\n\n".join(p for p in parts if p)


def _first_name(job: Record, key: str) -> str | None:
    """``Name`` of the first {Name, Code} entry, as USAJOBS lists schedules and types."""
    values = job.raw(key)
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return job.objs(key)[0].text("Name")
    return None


def _extra(job: Record, details: Record, locations: list[str], interval: str | None) -> dict:
    """What USAJOBS says that the posting has no field for."""
    extra = {
        "position_id": job.raw("PositionID"),
        "department": job.raw("DepartmentName"),
        "locations": locations if len(locations) > 1 else None,
        "apply_url": (job.raw("ApplyURI") or [None])[0],
        "job_categories": [c.raw("Name") for c in job.objs("JobCategory")] or None,
        "grade": _grade(job, details),
        "offering_type": _first_name(job, "PositionOfferingType"),
        "rate_interval": interval,
        "hiring_path": details.raw("HiringPath") or None,
        "telework_eligible": details.raw("TeleworkEligible"),
        "remote_indicator": details.raw("RemoteIndicator"),
        "security_clearance": details.raw("SecurityClearance") or None,
        "total_openings": details.raw("TotalOpenings") or None,
    }
    return {key: value for key, value in extra.items() if value is not None}


def _grade(job: Record, details: Record) -> str | None:
    """Pay plan and grade range, e.g. 'GS-11/12'."""
    plan = ((job.raw("JobGrade") or [{}])[0] or {}).get("Code")
    low, high = details.raw("LowGrade"), details.raw("HighGrade")
    if not plan and not low:
        return None
    grades = low if not high or high == low else f"{low}/{high}"
    return f"{plan or ''}-{grades}" if grades else plan
