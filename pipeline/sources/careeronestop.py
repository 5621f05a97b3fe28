"""CareerOneStop Jobs API (US Department of Labor; National Labor Exchange listings).

Endpoint: ``GET https://api.careeronestop.org/v2/jobsearch/{userId}/{keyword}/{location}/
{radius}/{sortColumns}/{sortOrder}/{startRecord}/{pageSize}/{days}
?enableJobDescriptionSnippet=true`` with ``Authorization: Bearer {token}``; user id and token are
``${ENV_VAR}``s resolved when fetching.

Quirks: search terms are URL-encoded path segments (``0`` = any); paging by 0-based
``startRecord``; the date is ``AccquisitionDate`` (sic); ``Fc`` flags a federal contractor; no
salary or closing date; ``Jobcount`` is the total. A search is a window read up to
``max_pages``, so ``full_listing`` is False.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import quote

from pydantic import Field, field_validator

from pipeline.config.values import env_reference
from pipeline.errors import ParseError
from pipeline.normalize import html_to_text, parse_location, parse_remote
from pipeline.posting import Posting
from pipeline.sources._records import Record, build_postings, http_of
from pipeline.sources.base import Source, SourceConfig

API = "https://api.careeronestop.org/v2/jobsearch"


class CareerOneStopConfig(SourceConfig):
    """One CareerOneStop job search."""

    type: Literal["careeronestop"]
    user_id: str = Field(description="${ENV_VAR} holding the CareerOneStop user id")
    token: str = Field(description="${ENV_VAR} holding the CareerOneStop API token")
    query: str = Field(min_length=1, description="keyword, occupation title or O*NET code")
    location: str = Field(default="US", min_length=1, description="ZIP, 'City, ST', state or US")
    radius: int = Field(default=25, ge=0, description="miles around location")
    max_age_days: int | None = Field(default=30, description="only postings this recent "
                                                            "(also asked of the board)")
    page_size: int = Field(default=100, ge=1, le=500)
    max_pages: int = Field(default=10, ge=1, description="pages read per fetch at most")

    @field_validator("user_id", "token")
    @classmethod
    def _from_environment(cls, value: str) -> str:
        return env_reference(value)


class CareerOneStopSource(Source):
    """Pages of one CareerOneStop search, newest first."""

    type = "careeronestop"
    Config = CareerOneStopConfig
    full_listing = False

    def fetch(self) -> list[Posting]:
        """Read the search's pages and map each job."""
        jobs = self._jobs()
        records = (Record(j, source=self.name, where=f"Jobs[{i}]") for i, j in enumerate(jobs))
        return build_postings(records, self._posting, source=self)

    def _page_url(self, user_id: str, start: int) -> str:
        """The search URL of the page that starts at ``start``."""
        config = self.config
        parts = [user_id, config.query, config.location, config.radius, "DatePosted", "DESC",
                 start, config.page_size, config.max_age_days or 0]
        path = "/".join(quote(str(part), safe="") for part in parts)
        return f"{(config.url or API).rstrip('/')}/{path}"

    def _jobs(self) -> list[Any]:
        """Every job of every page read, stopping at the count or a short page."""
        from pipeline.config.values import secret

        user_id = secret(self.config.user_id, f"sources.{self.name}.user_id") or ""
        token = secret(self.config.token, f"sources.{self.name}.token")
        headers = {"Authorization": f"Bearer {token}"}
        params = {"enableJobDescriptionSnippet": "true", "showFilters": "false"}
        jobs: list[Any] = []
        for number in range(self.config.max_pages):
            url = self._page_url(user_id, number * self.config.page_size)
            data = http_of(self).get_json(url, params=params, headers=headers, source=self.name)
            batch, total = self._page(data, number + 1)
            jobs.extend(batch)
            if len(batch) < self.config.page_size or (total is not None and len(jobs) >= total):
                break
        return jobs

    def _page(self, data: Any, number: int) -> tuple[list[Any], int | None]:
        """A page's jobs and the search's total (None when not sent), checked for shape."""
        if not isinstance(data, dict) or not isinstance(data.get("Jobs"), list):
            raise ParseError(f"page {number}: the answer has no 'Jobs' list", source=self.name)
        total = data.get("Jobcount")
        if isinstance(total, str) and total.strip().isdigit():
            total = int(total)
        return data["Jobs"], total if isinstance(total, int) else None

    def _posting(self, job: Record) -> Posting:
        """One CareerOneStop job as a posting."""
        title = job.text("JobTitle", required=True)
        location = job.text("Location")
        city, region, country = parse_location(location)
        snippet = job.text("JobDescriptionSnippet") or job.text("Description") or ""
        return Posting(
            source=self.name, source_id=job.text("JvId", required=True),
            url=job.text("URL"), title=title, company=job.text("Company"),
            location=location, city=city, region=region, country=country or "US",
            remote=parse_remote(location=location, text=title),
            description=html_to_text(snippet),
            posted_at=job.date("AccquisitionDate"),
            extra=job.pick("Fc"),
        )
