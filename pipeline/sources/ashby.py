"""Ashby job boards (jobs.ashbyhq.com/<board>).

Endpoint: ``GET https://api.ashbyhq.com/posting-api/job-board/{board}?includeCompensation=true``
returns the whole board (``{"apiVersion": "1", "jobs": [...]}``); no paging.

Quirks: remote comes from ``workplaceType`` (``Remote``, ``Hybrid``, ``OnSite``) and the
``isRemote`` flag; ``location`` is one name and ``secondaryLocations[]`` the others (kept in
``extra``); ``address.postalAddress`` gives city / region / country when set; pay is in
``compensation.compensationTiers[].components[]`` where ``compensationType`` is ``Salary`` (equity,
bonus and commission components are ignored) with ``interval`` such as ``1 YEAR`` or ``1 HOUR``;
tiers (one per location zone, say) are merged into the widest range of the first currency.
``isListed: false`` postings are hidden on the board and left out.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pipeline.normalize import (
    html_to_text,
    parse_employment_type,
    parse_location,
    parse_remote,
    sanitize_html,
)
from pipeline.posting import Posting
from pipeline.sources._records import Record, board_list, build_postings, http_of, salary_fields
from pipeline.sources.base import Source, SourceConfig

API = "https://api.ashbyhq.com/posting-api/job-board/{board}"
SALARY_TYPES = ("Salary", "Hourly")


class AshbyConfig(SourceConfig):
    """An Ashby job board, named as in jobs.ashbyhq.com/<board>."""

    type: Literal["ashby"]
    board: str = Field(description="board name, e.g. 'acmehealth'")
    company: str | None = Field(default=None, description="employer name (default: the board)")


class AshbySource(Source):
    """Fetches every listed job of one Ashby board, with compensation."""

    type = "ashby"
    Config = AshbyConfig

    @property
    def endpoint(self) -> str:
        """The board URL: the configured ``url`` or Ashby's posting API."""
        return self.config.url or API.format(board=self.config.board)

    def fetch(self) -> list[Posting]:
        """Fetch the board and map each listed job."""
        data = http_of(self).get_json(
            self.endpoint, params={"includeCompensation": "true"}, source=self.name
        )
        jobs = board_list(data, "jobs", source=self.name)
        records = (Record(job, source=self.name, where=f"jobs[{i}]") for i, job in enumerate(jobs))
        return build_postings(records, self._posting, source=self)

    def _posting(self, job: Record) -> Posting | None:
        """One Ashby job as a Posting; None for an unlisted job."""
        if job.flag("isListed") is False:
            return None
        title = job.text("title", required=True)
        location = job.text("location")
        city, region, country = _place(job, location)
        body = job.text("descriptionHtml")
        return Posting(
            source=self.name,
            source_id=job.text("id", required=True),
            url=job.text("jobUrl"),
            title=title,
            company=self.config.company or self.config.board,
            location=location,
            city=city,
            region=region,
            country=country,
            remote=parse_remote(flag=job.flag("isRemote"),
                                workplace_type=job.text("workplaceType"), location=location),
            description=job.text("descriptionPlain") or html_to_text(body),
            description_html=sanitize_html(body),
            **_salary(job.obj("compensation")),
            employment_type=parse_employment_type(job.text("employmentType")),
            posted_at=job.date("publishedAt"),
            extra=_extra(job),
        )


def _place(job: Record, location: str | None) -> tuple[str | None, str | None, str | None]:
    """City, region, country parsed from the location name; the postal address fills gaps."""
    address = job.obj("address").obj("postalAddress")
    city, region, country = parse_location(location)
    return (city or address.text("addressLocality"), region or address.text("addressRegion"),
            country or address.text("addressCountry"))


def _salary(compensation: Record) -> dict[str, Any]:
    """The widest salary range across tiers, in the first salary component's currency."""
    components = [
        part for tier in compensation.objs("compensationTiers") for part in tier.objs("components")
        if part.text("compensationType") in SALARY_TYPES
    ]
    if not components:
        return {}
    first = components[0]
    currency, interval = first.text("currencyCode"), first.text("interval")
    same = [c for c in components
            if c.text("currencyCode") == currency and c.text("interval") == interval]
    lows = [v for c in same if (v := c.number("minValue")) is not None]
    highs = [v for c in same if (v := c.number("maxValue")) is not None]
    return salary_fields(min(lows, default=None), max(highs, default=None), currency=currency,
                         period=interval)


def _extra(job: Record) -> dict[str, Any]:
    """Department, team, other locations, apply URL and the compensation summary."""
    extra = job.pick("department", "team", "applyUrl", "workplaceType")
    others = [loc.text("location") for loc in job.objs("secondaryLocations")]
    if any(others):
        extra["secondary_locations"] = [loc for loc in others if loc]
    compensation = job.obj("compensation")
    summary = compensation.text("compensationTierSummary")
    if summary:
        extra["compensation"] = summary
    tiers = [t.text("tierSummary") for t in compensation.objs("compensationTiers")]
    if len([t for t in tiers if t]) > 1:
        extra["compensation_tiers"] = [t for t in tiers if t]
    return extra
