"""Greenhouse job boards.

Endpoint: ``GET https://boards-api.greenhouse.io/v1/boards/{board}/jobs?content=true``, the whole
board at once, no paging. With ``pay_transparency: true`` each job without pay ranges is fetched
again from ``.../jobs/{id}?pay_transparency=true`` (one request per job, off by default); a failed
one is skipped and the fetch is then not the full board.

Quirks: ``content`` is entity-escaped HTML; ``company_name`` and ``first_published`` are
undocumented (board token and ``updated_at`` stand in); ``pay_input_ranges`` are in cents with no
period (inferred from the amounts); no remote flag (read from location and title);
``application_deadline`` is ``valid_through``; the employment type is a board-named custom field.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from pipeline.errors import FetchError, ParseError
from pipeline.normalize import (
    html_to_text,
    parse_employment_type,
    parse_location,
    parse_remote,
    sanitize_html,
)
from pipeline.posting import Posting
from pipeline.sources._records import (
    Record,
    board_list,
    build_postings,
    http_of,
    log,
    salary_fields,
)
from pipeline.sources.base import Source, SourceConfig

API = "https://boards-api.greenhouse.io/v1/boards/{board}/jobs"
#: Custom (metadata) field names boards use for the employment type, lower-cased.
EMPLOYMENT_FIELDS = {"employment type", "job type", "employment status", "position type",
                     "employment_type", "time type"}


class GreenhouseConfig(SourceConfig):
    """A Greenhouse job board, named by its board token (boards.greenhouse.io/<board>)."""

    type: Literal["greenhouse"]
    board: str = Field(description="board token, e.g. 'acmehealth'")
    company: str | None = Field(default=None, description="employer name when the board has none")
    pay_transparency: bool = Field(
        default=False, description="fetch each job's pay ranges (one extra request per job)"
    )


class GreenhouseSource(Source):
    """Fetches every open job of one Greenhouse board."""

    type = "greenhouse"
    Config = GreenhouseConfig

    @property
    def endpoint(self) -> str:
        """The jobs URL: the configured ``url`` or the public API for the board."""
        return self.config.url or API.format(board=self.config.board)

    def fetch(self) -> list[Posting]:
        """Fetch the board and map each job; see the module docstring for the quirks."""
        self.full_listing = True
        data = http_of(self).get_json(self.endpoint, params={"content": "true"}, source=self.name)
        jobs = board_list(data, "jobs", source=self.name)
        total = data.get("meta", {}).get("total") if isinstance(data.get("meta"), dict) else None
        if isinstance(total, int) and total != len(jobs):
            log.warning("%s: board says %d jobs but sent %d", self.name, total, len(jobs))
        records = (Record(job, source=self.name, where=f"jobs[{i}]") for i, job in enumerate(jobs))
        return build_postings(records, self._posting, source=self)

    def _posting(self, job: Record) -> Posting:
        """One Greenhouse job as a Posting."""
        job_id = job.text("id", required=True)
        title = job.text("title", required=True)
        location = _location_name(job)
        content = job.text("content") or ""
        ranges = job.objs("pay_input_ranges")
        if not ranges and self.config.pay_transparency:
            ranges = self._pay_ranges(job_id)
        city, region, country = parse_location(location)
        return Posting(
            source=self.name,
            source_id=job_id,
            url=job.text("absolute_url"),
            title=title,
            company=job.text("company_name") or self.config.company or self.config.board,
            location=location,
            city=city,
            region=region,
            country=country,
            remote=parse_remote(location=location, text=title),
            description=html_to_text(content),
            description_html=sanitize_html(content),
            **_salary(ranges),
            employment_type=_employment_type(_metadata(job)),
            posted_at=job.date("first_published") or job.date("updated_at"),
            valid_through=job.date("application_deadline", deadline=True),
            extra=_extra(job, ranges),
        )

    def _pay_ranges(self, job_id: str) -> list[Record]:
        """The pay ranges of one job, from its detail URL with ``pay_transparency=true``.

        When that request fails the job is skipped (ParseError) and this fetch no longer counts
        as the full board, so the skipped job is not closed.
        """
        url = f"{self.endpoint.rstrip('/')}/{job_id}"
        try:
            data = http_of(self).get_json(url, params={"pay_transparency": "true"},
                                          source=self.name)
        except FetchError as exc:
            self.full_listing = False
            raise ParseError(f"job {job_id}: pay ranges unavailable: {exc}",
                             source=self.name) from exc
        return Record(data, source=self.name, where=f"job {job_id}").objs("pay_input_ranges")


def _location_name(job: Record) -> str | None:
    """``location.name``; a plain string is accepted too (seen on edited boards)."""
    if isinstance(job.raw("location"), str):
        return job.text("location")
    return job.obj("location").text("name")


def _salary(ranges: list[Record]) -> dict[str, Any]:
    """Salary fields from pay ranges in cents: the widest span of the first currency."""
    if not ranges:
        return {}
    currency = ranges[0].text("currency_type")
    same = [r for r in ranges if r.text("currency_type") == currency]
    lows = [v for r in same if (v := r.number("min_cents")) is not None]
    highs = [v for r in same if (v := r.number("max_cents")) is not None]
    return salary_fields(min(lows, default=None), max(highs, default=None), currency=currency,
                         cents=True)


def _metadata(job: Record) -> dict[str, Any]:
    """Custom fields (``metadata: [{name, value}]``) as a name -> value mapping."""
    fields = {}
    for item in job.objs("metadata"):
        name, value = item.text("name"), item.raw("value")
        if name and value not in (None, "", []):
            fields[name] = value
    return fields


def _employment_type(metadata: dict[str, Any]) -> str | None:
    """The employment type from whichever custom field holds it ('Employment Type', 'Job type')."""
    for name, value in metadata.items():
        if name.strip().lower() in EMPLOYMENT_FIELDS:
            return parse_employment_type(value)
    return None


def _extra(job: Record, ranges: list[Record]) -> dict[str, Any]:
    """Everything else worth keeping: departments, offices, ids, custom fields, pay notes."""
    extra = job.pick("requisition_id", "internal_job_id", "language", "updated_at")
    names = {
        "departments": [d.text("name") for d in job.objs("departments") if d.text("name")],
        "offices": [o.text("name") for o in job.objs("offices") if o.text("name")],
        "pay_ranges": [r.text("title") for r in ranges if r.text("title")],
    }
    extra.update({key: value for key, value in names.items() if value})
    metadata = _metadata(job)
    if metadata:
        extra["metadata"] = metadata
    return extra
