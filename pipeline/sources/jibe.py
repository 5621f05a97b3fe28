"""Jibe career sites: the JSON API behind many health systems' own career domains (often on iCIMS).

Endpoint: ``GET https://{career-domain}/api/jobs?page={n}&limit={m}`` (``page`` from 1; optional
``keywords`` and ``categories``), no key; ``{jobs: [{data}], totalCount}``, paged until
``page * limit >= totalCount`` or an empty page.

Quirks: ``req_id`` is the id; ``posted_date`` has a colon-less offset (``+0000``);
``description``, ``qualifications`` and ``responsibilities`` are joined in that order; no remote
flag (tenant-specific ``tagsN`` lists go into ``extra`` and are read for remote / hybrid).
``full_listing`` only when every page was read with no filter.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field

from pipeline.errors import ParseError
from pipeline.normalize import (
    canonical_region,
    html_to_text,
    parse_employment_type,
    parse_remote,
    sanitize_html,
)
from pipeline.posting import Posting
from pipeline.sources._records import Record, build_postings, http_of
from pipeline.sources.base import Source, SourceConfig

log = logging.getLogger(__name__)


class JibeConfig(SourceConfig):
    """One Jibe career site, named by its API URL (``https://jobs.example.org/api/jobs``)."""

    type: Literal["jibe"]
    api: str = Field(pattern=r"^https?://", description="the site's /api/jobs URL")
    company: str | None = Field(default=None, description="employer name when a job has none")
    query: str | None = Field(default=None, description="keywords, e.g. 'case manager'")
    categories: str | None = Field(default=None, description="category filter, e.g. 'Nursing'")
    limit: int = Field(default=100, ge=1, le=100, description="jobs per page")
    max_pages: int = Field(default=50, ge=1, description="pages read per fetch at most")


class JibeSource(Source):
    """Every page of one Jibe career site's job API."""

    type = "jibe"
    Config = JibeConfig

    def fetch(self) -> list[Posting]:
        """Read every page and map each job."""
        jobs, complete = self._jobs()
        self.full_listing = complete and not (self.config.query or self.config.categories)
        return build_postings(jobs, self._unwrapped, source=self)

    def _unwrapped(self, job: Any) -> Posting:
        """The posting of one ``{data: {...}}`` item."""
        return self._posting(Record(job, source=self.name, where="jobs[]").obj("data"))

    def _jobs(self) -> tuple[list[Any], bool]:
        """Every job of every page read, and whether the count was reached."""
        url = self.config.url or self.config.api
        params: dict[str, Any] = {"limit": self.config.limit}
        params.update({k: v for k, v in (("keywords", self.config.query),
                                          ("categories", self.config.categories)) if v})
        jobs: list[Any] = []
        for page in range(1, self.config.max_pages + 1):
            data = http_of(self).get_json(url, params={**params, "page": page}, source=self.name)
            batch, total = self._page(data, page)
            jobs.extend(batch)
            if not batch or len(jobs) >= total:
                return jobs, len(jobs) >= total
        log.warning("%s: stopped after %d pages (max_pages)", self.name, self.config.max_pages)
        return jobs, False

    def _page(self, data: Any, page: int) -> tuple[list[Any], int]:
        """A page's jobs and the site's total, checked for shape."""
        if not isinstance(data, dict) or not isinstance(data.get("jobs"), list):
            raise ParseError(f"page {page}: the answer has no 'jobs' list", source=self.name)
        total = data.get("totalCount")
        if not isinstance(total, int) or isinstance(total, bool):
            raise ParseError(f"page {page}: totalCount is not a number", source=self.name)
        return data["jobs"], total

    def _posting(self, job: Record) -> Posting:
        """One Jibe job as a posting."""
        title = job.text("title", required=True)
        region, country = canonical_region(job.text("state"), job.text("country_code"))
        html = "\n".join(p for p in (job.text("description"), job.text("qualifications"),
                                     job.text("responsibilities")) if p)
        tags = _tags(job)
        location = job.text("full_location") or job.text("short_location")
        return Posting(
            source=self.name, source_id=job.text("req_id") or job.text("slug", required=True),
            url=job.text("apply_url"), title=title,
            company=job.text("hiring_organization") or self.config.company,
            location=location, city=job.text("city"), region=region, country=country,
            remote=parse_remote(location=" ".join([location or "", *tags.get("tags6", [])]),
                                text=title),
            description=html_to_text(html), description_html=sanitize_html(html),
            employment_type=parse_employment_type(job.text("employment_type")),
            posted_at=job.date("posted_date") or job.date("create_date"),
            extra={**job.pick("ats_code", "update_date", "multipleLocations"),
                   **({"categories": c} if (c := _categories(job)) else {}), **tags},
        )


def _categories(job: Record) -> list[str]:
    """Category names (``categories: [{name}]``)."""
    return [name for c in job.objs("categories") if (name := c.text("name"))]


def _tags(job: Record) -> dict[str, list[str]]:
    """The tenant's numbered tag lists (``tags``, ``tags1`` ... ``tags9``) that are set."""
    found: dict[str, list[str]] = {}
    for key in ["tags", *(f"tags{n}" for n in range(1, 10))]:
        values = [v.strip() for v in job.items(key) if isinstance(v, str) and v.strip()]
        if values:
            found[key] = values
    return found
