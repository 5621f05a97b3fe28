"""Adzuna, a job-search aggregator with an official API (free ``app_id`` / ``app_key``).

Endpoint: ``GET https://api.adzuna.com/v1/api/jobs/{country}/search/{page}?app_id=...&app_key=...
&results_per_page=50&what=...&where=...&distance=...&max_days_old=...&category=...`` (``page``
from 1); both keys are ``${ENV_VAR}``s resolved when fetching.

Quirks: ``description`` is a ~500-character snippet; ``salary_min`` / ``salary_max`` are yearly,
and ``salary_is_predicted: "1"`` (Adzuna's estimate) goes into ``extra``; ``contract_*`` often
missing; ``distance`` is km (``radius`` miles); ``redirect_url`` is a click-through link. A
search is a ranked window read up to ``max_pages``, so ``full_listing`` is False.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field, field_validator

from pipeline.config.values import env_reference
from pipeline.errors import ParseError
from pipeline.normalize import (
    canonical_region,
    parse_employment_type,
    parse_location,
    parse_remote,
)
from pipeline.posting import Posting
from pipeline.sources._records import Record, build_postings, http_of, salary_fields
from pipeline.sources.base import Source, SourceConfig

log = logging.getLogger(__name__)

API = "https://api.adzuna.com/v1/api/jobs"
KM_PER_MILE = 1.609344
CURRENCIES = {"us": "USD", "gb": "GBP", "ca": "CAD", "au": "AUD", "de": "EUR", "fr": "EUR",
              "nl": "EUR", "at": "EUR", "it": "EUR", "es": "EUR", "be": "EUR", "nz": "NZD"}


class AdzunaConfig(SourceConfig):
    """One Adzuna search."""

    type: Literal["adzuna"]
    app_id: str = Field(description="${ENV_VAR} holding the Adzuna app_id")
    app_key: str = Field(description="${ENV_VAR} holding the Adzuna app_key")
    query: str = Field(min_length=1, description="search words (what), e.g. 'case manager RN'")
    location: str | None = Field(default=None, description="place (where), e.g. 'Ohio'")
    radius: int | None = Field(default=None, ge=1, description="miles around location")
    max_age_days: int | None = Field(default=30, description="only postings this recent "
                                                            "(also asked of the board)")
    country: str = Field(default="us", pattern=r"^[a-z]{2}$", description="Adzuna country code")
    category: str | None = Field(default=None,
                                 description="category tag, e.g. 'healthcare-nursing-jobs'")
    results_per_page: int = Field(default=50, ge=1, le=50)
    max_pages: int = Field(default=10, ge=1, description="pages read per fetch at most")

    @field_validator("app_id", "app_key")
    @classmethod
    def _from_environment(cls, value: str) -> str:
        return env_reference(value)


class AdzunaSource(Source):
    """Pages of one Adzuna search, newest first."""

    type = "adzuna"
    Config = AdzunaConfig
    full_listing = False

    def fetch(self) -> list[Posting]:
        """Read the search's pages and map each result."""
        results = self._results()
        records = (Record(r, source=self.name, where=f"results[{i}]")
                   for i, r in enumerate(results))
        return build_postings(records, self._posting, source=self)

    def _params(self) -> dict[str, Any]:
        """The query parameters every page shares (keys resolved from the environment)."""
        from pipeline.config.values import secret

        config = self.config
        params: dict[str, Any] = {
            "app_id": secret(config.app_id, f"sources.{self.name}.app_id"),
            "app_key": secret(config.app_key, f"sources.{self.name}.app_key"),
            "results_per_page": config.results_per_page, "what": config.query,
            "sort_by": "date"}
        optional = {"where": config.location, "max_days_old": config.max_age_days,
                    "category": config.category,
                    "distance": round(config.radius * KM_PER_MILE) if config.radius else None}
        params.update({k: v for k, v in optional.items() if v is not None})
        return params

    def _results(self) -> list[Any]:
        """Every result of every page read, stopping at the count or an empty page."""
        base = (self.config.url or API).rstrip("/")
        params = self._params()
        results: list[Any] = []
        for page in range(1, self.config.max_pages + 1):
            url = f"{base}/{self.config.country}/search/{page}"
            data = http_of(self).get_json(url, params=params, source=self.name)
            batch, count = self._page(data, page)
            results.extend(batch)
            if not batch or len(results) >= count:
                return results
        log.info("%s: stopped after %d pages (max_pages)", self.name, self.config.max_pages)
        return results

    def _page(self, data: Any, page: int) -> tuple[list[Any], int]:
        """A page's results and the search's total count, checked for shape."""
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise ParseError(f"page {page}: the answer has no 'results' list", source=self.name)
        count = data.get("count")
        total = int(count) if isinstance(count, int | float) and not isinstance(count, bool) else 0
        return data["results"], total

    def _posting(self, job: Record) -> Posting:
        """One Adzuna result as a posting."""
        location = job.obj("location").text("display_name")
        title = job.text("title", required=True)
        city, region, country = _place(job.obj("location"), location)
        predicted = job.text("salary_is_predicted") == "1"
        pay = {} if predicted else salary_fields(
            job.number("salary_min"), job.number("salary_max"),
            currency=CURRENCIES.get(self.config.country), period="year")
        return Posting(
            source=self.name, source_id=job.text("id", required=True),
            url=job.text("redirect_url"), title=title,
            company=job.obj("company").text("display_name"),
            location=location, city=city, region=region, country=country,
            remote=parse_remote(location=location, text=title),
            description=job.text("description") or "",
            **pay,
            employment_type=parse_employment_type(job.text("contract_time")),
            posted_at=job.date("created"),
            extra=_extra(job, predicted),
        )


def _place(location: Record, display: str | None) -> tuple[str | None, str | None, str | None]:
    """City, region and country from ``area`` (["US", "New Jersey", county, city])."""
    area = [a for a in location.items("area") if isinstance(a, str)]
    if len(area) >= 2:
        city = area[-1] if len(area) >= 3 else None
        region, country = canonical_region(area[1], area[0])
        return city, region, country
    return parse_location(display)


def _extra(job: Record, predicted: bool) -> dict[str, Any]:
    """What Adzuna says that the posting has no field for."""
    extra = job.pick("contract_type", "contract_time", "latitude", "longitude", "adref")
    category = job.obj("category")
    if category.text("label"):
        extra["category"] = category.text("label")
    if predicted:
        extra["salary_estimate"] = [job.number("salary_min"), job.number("salary_max")]
    return extra
