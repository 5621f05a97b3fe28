"""Himalayas, a board of remote jobs only.

Endpoint: ``GET https://himalayas.app/jobs/api?limit=20&cursor=...`` (the whole feed, newest
first) or, with ``query``, ``GET https://himalayas.app/jobs/api/search?q=...``; each answer's
``nextCursor`` is sent back as ``?cursor=`` until it is missing.

Quirks: ``pubDate`` / ``expiryDate`` are epoch seconds although documented as milliseconds (either
is read); ``locationRestrictions[]`` names where one may work (strings or objects with ``name``);
``minSalary`` / ``maxSalary`` may be null, with ``currency`` and ``salaryPeriod``. The feed holds
about 100,000 jobs, so at most ``max_pages`` pages are read, and ``full_listing`` is True only
when the last page was reached.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from pipeline.errors import ParseError
from pipeline.normalize import (
    html_to_text,
    parse_date,
    parse_employment_type,
    parse_location,
    parse_salary,
    sanitize_html,
)
from pipeline.posting import Posting, Remote
from pipeline.sources._records import Record, build_postings, http_of, text
from pipeline.sources.base import Source, SourceConfig

log = logging.getLogger(__name__)

FEED = "https://himalayas.app/jobs/api"
SEARCH = "https://himalayas.app/jobs/api/search"


class HimalayasConfig(SourceConfig):
    """The Himalayas feed, or one search of it."""

    type: Literal["himalayas"]
    query: str | None = Field(default=None, description="search words, e.g. 'case manager'")
    limit: int = Field(default=20, ge=1, le=100, description="jobs per page")
    max_pages: int = Field(default=50, ge=1, description="pages read per fetch at most")


class HimalayasSource(Source):
    """Pages of the Himalayas feed or search, followed by cursor."""

    type = "himalayas"
    Config = HimalayasConfig
    full_listing = True

    def fetch(self) -> list[Posting]:
        """Follow ``nextCursor`` up to ``max_pages`` pages and map every job."""
        jobs, complete = self._jobs()
        self.full_listing = complete
        return build_postings(jobs, self._posting, source=self, where="jobs")

    def _endpoint(self) -> tuple[str, dict[str, Any]]:
        """The URL and fixed parameters: feed, or search when a query is set."""
        params: dict[str, Any] = {"limit": self.config.limit}
        if self.config.query:
            params["q"] = self.config.query
            return self.config.url or SEARCH, params
        return self.config.url or FEED, params

    def _jobs(self) -> tuple[list[Any], bool]:
        """Every job of every page read, and whether the last page was reached."""
        url, params = self._endpoint()
        jobs: list[Any] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(self.config.max_pages):
            page = self._page(url, {**params, "cursor": cursor} if cursor else params)
            jobs.extend(page["jobs"])
            cursor = text(page.get("nextCursor"))
            if not cursor or not page["jobs"]:
                return jobs, True
            if cursor in seen:
                raise ParseError(f"nextCursor {cursor!r} came back twice", source=self.name)
            seen.add(cursor)
        log.warning("%s: stopped after %d pages (max_pages); older jobs not read",
                    self.name, self.config.max_pages)
        return jobs, False

    def _page(self, url: str, params: dict[str, Any]) -> dict[str, Any]:
        """One answer, checked to hold a ``jobs`` list."""
        data = http_of(self).get_json(url, params=params, source=self.name)
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
            raise ParseError("the answer has no 'jobs' list", source=self.name)
        return data

    def _posting(self, job: Record) -> Posting:
        """One Himalayas job as a posting."""
        html = job.text("description")
        places = _restrictions(job.raw("locationRestrictions"))
        _, _, country = parse_location(places[0]) if len(places) == 1 else (None, None, None)
        pay = parse_salary((job.raw("minSalary"), job.raw("maxSalary")),
                           currency=job.text("currency"), period=job.text("salaryPeriod"))
        return Posting(
            source=self.name,
            source_id=job.text("guid", required=True),
            url=job.text("applicationLink") or job.text("guid"),
            title=job.text("title", required=True),
            company=job.text("companyName"),
            location=", ".join(places) or None,
            country=country,
            remote=Remote.REMOTE,
            description=html_to_text(html),
            description_html=sanitize_html(html),
            salary_min=pay.min, salary_max=pay.max, salary_currency=pay.currency,
            salary_period=pay.period,
            employment_type=parse_employment_type(job.text("employmentType")),
            posted_at=parse_date(job.raw("pubDate")),
            valid_through=parse_date(job.raw("expiryDate")),
            extra=_extra(job, places),
        )


def _restrictions(value: Any) -> list[str]:
    """``locationRestrictions``: country names, or objects with a ``name`` (empty = worldwide)."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise ParseError(f"locationRestrictions is a {type(value).__name__}, not a list")
    names = (text(v.get("name")) if isinstance(v, dict) else text(v) for v in value)
    return [name for name in names if name]


def _extra(job: Record, places: list[str]) -> dict[str, Any]:
    """What Himalayas says that the posting has no field for."""
    extra = {
        "company_slug": job.raw("companySlug"),
        "company_logo": job.raw("companyLogo"),
        "excerpt": job.raw("excerpt"),
        "seniority": job.raw("seniority") or None,
        "categories": job.raw("categories") or None,
        "parent_categories": job.raw("parentCategories") or None,
        "location_restrictions": places or None,
        "timezone_restrictions": job.raw("timezoneRestrictions") or None,
    }
    return {key: value for key, value in extra.items() if value is not None}
