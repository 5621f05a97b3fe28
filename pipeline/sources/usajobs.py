"""USAJOBS, the US federal government's job board.

Endpoint: ``GET https://data.usajobs.gov/api/Search?Keyword=...&LocationName=...&Page=N
&ResultsPerPage=500`` with the headers ``Host``, ``User-Agent: <registered e-mail>`` and
``Authorization-Key: <api key>``. Both secrets are written in jobs.yaml as ``${ENV_VAR}`` and
resolved only when fetching.

Quirks:

- pages: ``Page`` from 1, at most 500 results each; ``SearchResult.UserArea.NumberOfPages`` (a
  string) and ``SearchResultCountAll`` say when to stop;
- ``PositionRemuneration[]`` holds ``MinimumRange`` / ``MaximumRange`` as strings and
  ``RateIntervalCode`` either as a code (``PA``, ``PH``) or as words (``Per Year``);
- ``UserArea.Details.MajorDuties`` is a list, or a string holding a JSON or Python list;
- ``PublicationStartDate`` and ``ApplicationCloseDate`` (which becomes ``valid_through``) have no
  time zone: they are US Eastern time, as announcements close at 11:59 pm Eastern;
- ``TeleworkEligible`` / ``RemoteIndicator`` only exist in newer data.

``full_listing`` is True: a keyword search is a plain filter over every open announcement and all
its pages are read, so an announcement that leaves the results has closed (or no longer matches
the keyword, which makes it just as irrelevant). When the pages end before
``SearchResultCountAll`` announcements were read, the instance sets ``full_listing = False`` for
that fetch so nothing is closed on the strength of a truncated answer.
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
from pipeline.sources.base import Source, SourceConfig
from pipeline.sources.collect import collect, http_of, need, text

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
        return collect(items, self._posting, source=self)

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

    def _posting(self, item: Any) -> Posting:
        """One announcement as a posting."""
        job = need(item, "MatchedObjectDescriptor")
        details = (job.get("UserArea") or {}).get("Details") or {}
        city, region, country, locations = _locations(job.get("PositionLocation") or [])
        pay = _pay(job.get("PositionRemuneration") or [])
        return Posting(
            source=self.name,
            source_id=str(need(item, "MatchedObjectId")),
            url=text(job.get("PositionURI")),
            title=need(job, "PositionTitle"),
            company=text(job.get("OrganizationName")) or text(job.get("DepartmentName")),
            location=text(job.get("PositionLocationDisplay")),
            city=city, region=region, country=country,
            remote=_remote(details, job.get("PositionLocationDisplay")),
            description=_description(job, details),
            salary_min=pay["min"], salary_max=pay["max"], salary_currency=pay["currency"],
            salary_period=pay["period"],
            employment_type=parse_employment_type(_first_name(job.get("PositionSchedule"))),
            posted_at=parse_date(job.get("PublicationStartDate"), zone=EASTERN),
            valid_through=parse_deadline(job.get("ApplicationCloseDate"), zone=EASTERN),
            extra=_extra(job, details, locations, pay["interval"]),
        )


def _int(value: Any, default: int) -> int:
    """An integer that USAJOBS may send as a string."""
    if value is None or value == "":
        return default
    return int(float(value))


def _locations(places: list[Any]) -> tuple[str | None, str | None, str | None, list[str]]:
    """City, region, country of a single location (country only when all agree), and all names."""
    if not isinstance(places, list):
        raise ParseError("PositionLocation is not a list")
    names = [text(p.get("LocationName")) or "" for p in places]
    countries = {_country(p.get("CountryCode")) for p in places}
    country = countries.pop() if len(countries) == 1 else None
    if len(places) != 1:
        return None, None, country, names
    place = places[0]
    region = text(place.get("CountrySubDivisionCode"))
    city = (text(place.get("CityName")) or "").split(",")[0].strip() or None
    return (city if region else None), region, country, names  # no state: "Anywhere in the U.S."


def _country(value: Any) -> str | None:
    """'United States' -> 'US'; other countries as USAJOBS names them."""
    name = text(value)
    return "US" if name and name.lower() in US_NAMES else name


def _pay(ranges: list[Any]) -> dict[str, Any]:
    """Salary from the first PositionRemuneration (amounts are strings; USD)."""
    if not isinstance(ranges, list):
        raise ParseError("PositionRemuneration is not a list")
    if not ranges:
        return {"min": None, "max": None, "currency": None, "period": None, "interval": None}
    first = ranges[0]
    interval = text(first.get("RateIntervalCode"))
    pay = parse_salary((text(first.get("MinimumRange")), text(first.get("MaximumRange"))),
                       currency="USD", period=interval)
    return {"min": pay.min, "max": pay.max, "currency": pay.currency,
            "period": parse_period(interval) if interval else pay.period, "interval": interval}


def _remote(details: dict[str, Any], display: Any) -> Remote:
    """RemoteIndicator -> remote; TeleworkEligible -> hybrid; both false -> onsite."""
    remote, telework = details.get("RemoteIndicator"), details.get("TeleworkEligible")
    if _flag(remote):
        return Remote.REMOTE
    if _flag(telework):
        return Remote.HYBRID
    if remote is not None or telework is not None:
        return Remote.ONSITE
    return Remote.REMOTE if "remote" in (text(display) or "").lower() else Remote.UNKNOWN


def _flag(value: Any) -> bool:
    """USAJOBS booleans come as true/false or as "True"/"False"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _duties(value: Any) -> list[str]:
    """MajorDuties: a list, or a string holding a JSON / Python list, or plain text."""
    if isinstance(value, list):
        return [str(v) for v in value if v]
    raw = text(value)
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


def _description(job: dict[str, Any], details: dict[str, Any]) -> str:
    """Summary, duties and qualifications as plain text, in that order."""
    parts = [text(details.get("JobSummary"))]
    duties = _duties(details.get("MajorDuties"))
    if duties:
        parts.append("Major duties:\n" + "\n".join(duties))
    qualifications = text(job.get("QualificationSummary"))
    if qualifications:
        parts.append("Qualifications:\n" + qualifications)
    return "\n\n".join(p for p in parts if p)


def _first_name(values: Any) -> str | None:
    """``Name`` of the first {Name, Code} entry, as USAJOBS lists schedules and types."""
    if isinstance(values, list) and values and isinstance(values[0], dict):
        return text(values[0].get("Name"))
    return None


def _extra(job: dict, details: dict, locations: list[str], interval: str | None) -> dict:
    """What USAJOBS says that the posting has no field for."""
    extra = {
        "position_id": job.get("PositionID"),
        "department": job.get("DepartmentName"),
        "locations": locations if len(locations) > 1 else None,
        "apply_url": (job.get("ApplyURI") or [None])[0],
        "job_categories": [c.get("Name") for c in job.get("JobCategory") or []] or None,
        "grade": _grade(job, details),
        "offering_type": _first_name(job.get("PositionOfferingType")),
        "rate_interval": interval,
        "hiring_path": details.get("HiringPath") or None,
        "telework_eligible": details.get("TeleworkEligible"),
        "remote_indicator": details.get("RemoteIndicator"),
        "security_clearance": details.get("SecurityClearance") or None,
        "total_openings": details.get("TotalOpenings") or None,
    }
    return {key: value for key, value in extra.items() if value is not None}


def _grade(job: dict, details: dict) -> str | None:
    """Pay plan and grade range, e.g. 'GS-11/12'."""
    plan = ((job.get("JobGrade") or [{}])[0] or {}).get("Code")
    low, high = details.get("LowGrade"), details.get("HighGrade")
    if not plan and not low:
        return None
    grades = low if not high or high == low else f"{low}/{high}"
    return f"{plan or ''}-{grades}" if grades else plan
