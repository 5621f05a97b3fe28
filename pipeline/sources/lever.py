"""Lever job sites (jobs.lever.co/<site>).

Endpoint: ``GET https://api.lever.co/v0/postings/{site}?mode=json&skip=N&limit=100``
(``api.eu.lever.co`` with ``region: eu``): a bare JSON list, paged until a page holds fewer than
``limit``; a site that ignores ``skip`` and repeats a page stops the paging.

Quirks: ``createdAt`` is epoch milliseconds; the description is ``descriptionPlain`` (or
``description``), then ``lists[]`` (``{text, content}``), then ``additionalPlain``;
``workplaceType`` is ``unspecified``/``on-site``/``remote``/``hybrid``; ``salaryRange{currency,
interval, min, max}``; ``country`` is ISO; no company name (the slug or ``company`` stands in).
"""

from __future__ import annotations

import html
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
from pipeline.sources._records import (
    Record,
    board_list,
    build_postings,
    http_of,
    log,
    salary_fields,
)
from pipeline.sources.base import Source, SourceConfig

API = {"us": "https://api.lever.co/v0/postings/{site}", "eu": "https://api.eu.lever.co/v0/postings/{site}"}


class LeverConfig(SourceConfig):
    """A Lever job site, named by its slug (jobs.lever.co/<site>)."""

    type: Literal["lever"]
    site: str = Field(description="site slug, e.g. 'acmehealth'")
    region: Literal["us", "eu"] = Field(default="us", description="'eu' for api.eu.lever.co")
    company: str | None = Field(default=None, description="employer name (default: the site)")
    page_size: int = Field(default=100, ge=1, le=100, description="postings per request")


class LeverSource(Source):
    """Fetches every published posting of one Lever site, page by page."""

    type = "lever"
    Config = LeverConfig

    @property
    def endpoint(self) -> str:
        """The postings URL: the configured ``url`` or Lever's API for the site and region."""
        return self.config.url or API[self.config.region].format(site=self.config.site)

    def fetch(self) -> list[Posting]:
        """Fetch every page of the site and map each posting."""
        records = [
            Record(item, source=self.name, where=f"postings[{index}]")
            for index, item in enumerate(self._all_items())
        ]
        return build_postings(records, self._posting, source=self)

    def _all_items(self) -> list[Any]:
        """Raw postings of every page, stopping at a short page or a repeated one."""
        items: list[Any] = []
        seen: set[str] = set()
        limit = self.config.page_size
        while True:
            params = {"mode": "json", "skip": str(len(items)), "limit": str(limit)}
            answer = http_of(self).get_json(self.endpoint, params=params, source=self.name)
            page = board_list(answer, None, source=self.name)
            ids = {str(item.get("id")) for item in page if isinstance(item, dict)}
            if ids and ids <= seen:
                log.warning("%s: the site ignored skip=%d; stopping", self.name, len(items))
                return items
            seen |= ids
            items.extend(page)
            if len(page) < limit:
                return items

    def _posting(self, item: Record) -> Posting:
        """One Lever posting as a Posting."""
        title = item.text("text", required=True)
        categories = item.obj("categories")
        location = categories.text("location")
        city, region, country = parse_location(location)
        body_html = _description_html(item)
        return Posting(
            source=self.name,
            source_id=item.text("id", required=True),
            url=item.text("hostedUrl"),
            title=title,
            company=self.config.company or self.config.site,
            location=location,
            city=city,
            region=region,
            country=item.text("country") or country,
            remote=parse_remote(workplace_type=item.text("workplaceType"), location=location),
            description=_description_text(item),
            description_html=sanitize_html(body_html),
            **_salary(item.obj("salaryRange")),
            employment_type=parse_employment_type(categories.text("commitment")),
            posted_at=item.date("createdAt"),
            extra=_extra(item, categories),
        )


def _lists(item: Record) -> list[tuple[str, str]]:
    """``lists[]`` as (heading, HTML of the items)."""
    return [(entry.text("text") or "", entry.text("content") or "") for entry in item.objs("lists")]


def _description_text(item: Record) -> str:
    """Opening text, each list with its heading, then the closing text."""
    parts = [item.text("descriptionPlain") or html_to_text(item.text("description"))]
    for heading, content in _lists(item):
        parts.append("\n".join(filter(None, [heading, html_to_text(content)])))
    parts.append(item.text("additionalPlain") or html_to_text(item.text("additional")))
    return "\n\n".join(part.strip() for part in parts if part and part.strip())


def _description_html(item: Record) -> str:
    """The same parts as HTML, lists wrapped in ``<ul>`` under an ``<h3>`` heading."""
    parts = [item.text("description") or ""]
    for heading, content in _lists(item):
        title = f"<h3>{html.escape(heading)}</h3>" if heading else ""
        parts.append(f"{title}<ul>{content}</ul>")
    parts.append(item.text("additional") or "")
    return "\n".join(part for part in parts if part)


def _salary(salary: Record) -> dict[str, Any]:
    """Salary fields from ``salaryRange``; empty when the posting has none."""
    return salary_fields(salary.number("min"), salary.number("max"),
                         currency=salary.text("currency"), period=salary.text("interval"))


def _extra(item: Record, categories: Record) -> dict[str, Any]:
    """Team, department, every location, the apply URL and the salary note."""
    extra = categories.pick("team", "department", "level")
    extra.update(item.pick("applyUrl", "workplaceType"))
    locations = [loc for loc in categories.items("allLocations") if isinstance(loc, str)]
    if len(locations) > 1:
        extra["locations"] = locations
    note = item.text("salaryDescriptionPlain") or html_to_text(item.text("salaryDescription"))
    if note:
        extra["salary_note"] = note
    return extra
