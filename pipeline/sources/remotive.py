"""Remotive, a board of remote jobs only.

Endpoint: ``GET https://remotive.com/api/remote-jobs?search=...&category=...``, every match at
once; ``full_listing`` unless ``limit`` cut the answer short.

Remotive allows at most 4 fetches a day and blocks clients that ask more: the default schedule is
``every: 6h``, a shorter ``every`` is refused at load, and ``min_interval`` (6 hours) makes any
sooner run skip the source.

Quirks: ``00-warning`` / ``0-legal-notice`` keys are ignored; ``salary`` is free text, kept in
``extra.salary_text``; ``publication_date`` has no zone (UTC); ``candidate_required_location``
says from where one may work.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Literal

from pydantic import Field, field_validator

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
from pipeline.sources._records import Record, build_postings, http_of
from pipeline.sources.base import Schedule, Source, SourceConfig

ENDPOINT = "https://remotive.com/api/remote-jobs"
MIN_INTERVAL_HOURS = 6  # Remotive: "max. 4 times a day"
_EVERY = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd])\s*$")
_HOURS = {"s": 1 / 3600, "m": 1 / 60, "h": 1, "d": 24}
_TIME_ZONE = re.compile(r"\b(?:UTC|GMT|[A-Z]{1,2}[SD]?T)\b|[+-]\d{1,2}\b")


class RemotiveConfig(SourceConfig):
    """Remotive's remote jobs, optionally searched or limited to one category."""

    type: Literal["remotive"]
    search: str | None = Field(default=None, description="search words, e.g. 'care manager'")
    category: str | None = Field(default=None, description="category slug, e.g. 'medical'")
    limit: int | None = Field(default=None, ge=1, description="at most this many jobs")
    schedule: Schedule | None = Field(
        default_factory=lambda: Schedule(every=f"{MIN_INTERVAL_HOURS}h"),
        description="Remotive asks for at most 4 fetches a day; default every 6h",
    )

    @field_validator("schedule")
    @classmethod
    def _at_most_four_a_day(cls, schedule: Schedule | None) -> Schedule | None:
        every = schedule.every if schedule else None
        match = _EVERY.match(every) if every else None
        if match and float(match.group(1)) * _HOURS[match.group(2)] < MIN_INTERVAL_HOURS:
            raise ValueError(f"Remotive asks for at most 4 fetches a day; use every: "
                             f"{MIN_INTERVAL_HOURS}h or longer (got {every!r})")
        return schedule


class RemotiveSource(Source):
    """All Remotive jobs matching the configured search and category."""

    type = "remotive"
    Config = RemotiveConfig
    full_listing = True
    min_interval = timedelta(hours=MIN_INTERVAL_HOURS)
    min_interval_reason = "Remotive allows at most 4 fetches a day"

    def fetch(self) -> list[Posting]:
        """One request; every job in its ``jobs`` list."""
        params = {key: value for key, value in (("search", self.config.search),
                                                ("category", self.config.category),
                                                ("limit", self.config.limit)) if value}
        data = http_of(self).get_json(self.config.url or ENDPOINT, params=params or None,
                                      source=self.name)
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
            raise ParseError("the answer has no 'jobs' list", source=self.name)
        limit = self.config.limit
        self.full_listing = not (limit and len(data["jobs"]) >= limit)  # cut off at the limit
        return build_postings(data["jobs"], self._posting, source=self, where="jobs")

    def _posting(self, job: Record) -> Posting:
        """One Remotive job as a posting."""
        html = job.text("description")
        where = job.text("candidate_required_location")
        salary_text = job.text("salary")
        pay = parse_salary(salary_text)
        return Posting(
            source=self.name,
            source_id=job.text("id", required=True),
            url=job.text("url"),
            title=job.text("title", required=True),
            company=job.text("company_name"),
            location=where,
            country=_country(where),
            remote=Remote.REMOTE,
            description=html_to_text(html),
            description_html=sanitize_html(html),
            salary_min=pay.min, salary_max=pay.max, salary_currency=pay.currency,
            salary_period=pay.period,
            employment_type=parse_employment_type(job.text("job_type")),
            posted_at=parse_date(job.raw("publication_date")),
            extra=_extra(job, salary_text),
        )


def _country(where: str | None) -> str | None:
    """The country when ``candidate_required_location`` names exactly one (time zones aside)."""
    parts = [part.strip() for part in (where or "").split(",")]
    places = [part for part in parts if part and not _TIME_ZONE.search(part)]
    if len(places) != 1:
        return None
    return parse_location(places[0])[2]


def _extra(job: Record, salary_text: str | None) -> dict[str, Any]:
    """What Remotive says that the posting has no field for."""
    tags = job.raw("tags")
    if tags is not None and not isinstance(tags, list):
        raise ParseError(f"tags is a {type(tags).__name__}, not a list")
    extra = {
        "category": job.raw("category"),
        "tags": tags or None,
        "salary_text": salary_text,
        "candidate_required_location": job.raw("candidate_required_location") or None,
        "company_logo": job.raw("company_logo_url") or job.raw("company_logo"),
    }
    return {key: value for key, value in extra.items() if value is not None}
