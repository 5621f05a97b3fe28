"""Workable accounts (apply.workable.com/<account>).

Endpoint: ``GET https://apply.workable.com/api/v1/widget/accounts/{account}?details=true``
returns the whole account (``{"name": ..., "jobs": [...]}``); no paging.

Quirks: the employer name is the top-level ``name``, not a field of each job; the job id is
``shortcode``; ``telecommuting`` is the only remote flag (true = remote; false may still be
hybrid, which the location text can tell); ``city`` / ``state`` / ``country`` are full names and
often empty strings, while ``locations[]`` lists every place with an ISO ``countryCode``;
``published_on`` is a bare date; ``description`` is HTML; no salary.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pipeline.normalize import html_to_text, parse_employment_type, parse_remote, sanitize_html
from pipeline.posting import Posting
from pipeline.sources._records import Record, board_list, build_postings
from pipeline.sources.base import Source, SourceConfig

API = "https://apply.workable.com/api/v1/widget/accounts/{account}"


class WorkableConfig(SourceConfig):
    """A Workable account, named by its subdomain (apply.workable.com/<account>)."""

    type: Literal["workable"]
    account: str = Field(description="account subdomain, e.g. 'acmehealth'")
    company: str | None = Field(default=None, description="employer name (default: the account's)")


class WorkableSource(Source):
    """Fetches every published job of one Workable account."""

    type = "workable"
    Config = WorkableConfig

    @property
    def endpoint(self) -> str:
        """The account URL: the configured ``url`` or Workable's widget API."""
        return self.config.url or API.format(account=self.config.account)

    def fetch(self) -> list[Posting]:
        """Fetch the account and map each job."""
        data = self.http.get_json(self.endpoint, params={"details": "true"}, source=self.name)
        jobs = board_list(data, "jobs", source=self.name)
        account = Record(data, source=self.name, where="account")
        company = self.config.company or account.text("name") or self.config.account
        records = (Record(job, source=self.name, where=f"jobs[{i}]") for i, job in enumerate(jobs))
        return build_postings(records, lambda job: self._posting(job, company), source=self)

    def _posting(self, job: Record, company: str) -> Posting:
        """One Workable job as a Posting."""
        location, city, region, country = _where(job)
        body = job.text("description")
        return Posting(
            source=self.name,
            source_id=job.text("shortcode", required=True),
            url=job.text("url") or job.text("shortlink"),
            title=job.text("title", required=True),
            company=company,
            location=location,
            city=city,
            region=region,
            country=country,
            remote=parse_remote(flag=job.flag("telecommuting"), location=location),
            description=html_to_text(body),
            description_html=sanitize_html(body),
            employment_type=parse_employment_type(job.text("employment_type")),
            posted_at=job.date("published_on"),
            extra=_extra(job),
        )


def _where(job: Record) -> tuple[str | None, str | None, str | None, str | None]:
    """Location text, city, region and ISO country; ``locations[0]`` fills empty fields."""
    places = _places(job)
    first = places[0] if places else Record({}, source=job.source, where=job.where)
    city = job.text("city") or first.text("city")
    region = job.text("state") or first.text("region")
    country = job.text("country") or first.text("country")
    location = ", ".join(part for part in (city, region, country) if part) or None
    code = first.text("countryCode")
    return location, city, region, code.upper() if code else country


def _places(job: Record) -> list[Record]:
    """The visible entries of ``locations[]``."""
    return [place for place in job.objs("locations") if place.flag("hidden") is not True]


def _extra(job: Record) -> dict[str, Any]:
    """Department, function, industry, experience, education, apply URL, other locations."""
    extra = job.pick("department", "function", "industry", "experience", "education", "code",
                     "application_url", "created_at")
    places = [", ".join(p for p in (place.text("city"), place.text("region"),
                                    place.text("country")) if p) for place in _places(job)]
    if len(places) > 1:
        extra["locations"] = places
    return extra
