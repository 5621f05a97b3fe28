"""Any RSS 2.0 or Atom job feed (WeWorkRemotely, employers' own feeds, aggregators).

Endpoint: the ``feed`` URL (``url:`` replaces it), fetched with the project's HTTP client and
parsed with feedparser. ``guid`` / ``id`` (else the link) is the id; ``title`` is the role, or
"Company: Role" with ``title_format: company_colon``; the company is ``company:``, else the part
before the colon, else ``author``; ``pubDate`` / ``published`` is ``posted_at``. WeWorkRemotely's
``expires_at`` is ``valid_through``, ``region`` / ``country`` the location, ``type`` the
employment type, ``state`` and ``category`` go into ``extra``.

Feeds usually show only their latest items, so ``full_listing`` is False unless the config says
``full_listing: true``; other postings close by ``expires_at`` or ``stale_after_days``.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from pipeline.errors import ParseError
from pipeline.normalize import (
    html_to_text,
    parse_date,
    parse_deadline,
    parse_employment_type,
    parse_location,
    parse_remote,
    sanitize_html,
)
from pipeline.posting import Posting, Remote
from pipeline.sources._records import Record, build_postings, http_of
from pipeline.sources.base import Source, SourceConfig


class RssConfig(SourceConfig):
    """One RSS or Atom feed of job postings."""

    type: Literal["rss"]
    feed: str = Field(description="URL of the RSS 2.0 or Atom feed")
    title_format: Literal["plain", "company_colon"] = Field(
        default="plain", description="company_colon: titles read 'Company: Role'")
    company: str | None = Field(default=None, description="employer of every item (own feeds)")
    remote: Remote | None = Field(default=None, description="set for all-remote boards")
    full_listing: bool = Field(
        default=False,
        description="true only when the feed lists every open job (e.g. an employer's own feed "
                    "of all its openings): then postings it no longer shows are closed. Leave "
                    "false for feeds of the latest N items, where a posting scrolling off the "
                    "feed is still open")

    @field_validator("full_listing", mode="before")
    @classmethod
    def _true_or_false(cls, value: Any) -> Any:
        """Only a YAML boolean: 'no' in quotes or 0 would be read as something else by mistake."""
        if not isinstance(value, bool):
            raise ValueError("write true (the feed lists every open job) or false (default)")
        return value


class RssSource(Source):
    """Every item of one feed."""

    type = "rss"
    Config = RssConfig
    full_listing = False

    def fetch(self) -> list[Posting]:
        """Fetch the feed and map each item."""
        self.full_listing = self.config.full_listing  # a skipped item sets it False again
        response = http_of(self).get(self.config.url or self.config.feed, source=self.name)
        import feedparser  # imported when a feed is read: it costs every start otherwise

        parsed = feedparser.parse(response.content, response_headers=_headers(response))
        if not parsed.get("version"):
            reason = parsed.get("bozo_exception") or "no RSS or Atom root element"
            raise ParseError(f"not an RSS or Atom feed: {reason}", source=self.name)
        return build_postings(parsed.entries, self._posting, source=self, where="entries")

    def _posting(self, entry: Record) -> Posting:
        """One feed item as a posting."""
        title, company = self._title_and_company(entry)
        html = _body(entry)
        region, country = entry.text("region"), entry.text("country")
        location = region or country
        country_code = parse_location(country or region)[2]  # a region is no city
        link = entry.text("link")
        return Posting(
            source=self.name,
            source_id=entry.text("id") or _required(link, "guid or link"),
            url=link,
            title=title,
            company=company,
            location=location,
            country=country_code,
            remote=self.config.remote or parse_remote(location=location, text=title),
            description=html_to_text(html),
            description_html=sanitize_html(html),
            employment_type=parse_employment_type(entry.text("type")),
            posted_at=parse_date(entry.raw("published") or entry.raw("updated")),
            valid_through=parse_deadline(entry.raw("expires_at") or entry.raw("expires")),
            extra=_extra(entry, region),
        )

    def _title_and_company(self, entry: Record) -> tuple[str, str | None]:
        """Role and employer from the title (and author), as ``title_format`` says."""
        title = _required(entry.text("title"), "title")
        company = self.config.company or entry.text("author")
        if self.config.title_format == "company_colon" and ": " in title:
            named, role = title.split(": ", 1)
            return role.strip(), self.config.company or named.strip()
        return title, company


def _headers(response: Any) -> dict[str, str]:
    """The response headers feedparser uses to pick the encoding and base URL."""
    return {"content-type": response.headers.get("Content-Type", ""),
            "content-location": response.url}


def _body(entry: Record) -> str | None:
    """The item's HTML: Atom ``content`` when longer than the summary, else the summary."""
    summary = entry.text("summary")
    contents = entry.objs("content")
    longest = max((c.text("value") or "" for c in contents), key=len, default="")
    return longest if len(longest) > len(summary or "") else summary


def _required(value: str | None, what: str) -> str:
    """A value an item cannot do without."""
    if not value:
        raise ParseError(f"item has no {what}")
    return value


def _extra(entry: Record, region: str | None) -> dict[str, Any]:
    """What the feed says that the posting has no field for."""
    extra = {
        "region": region,
        "headquarters": entry.text("state"),
        "categories": [t.raw("term") for t in entry.objs("tags") if t.raw("term")] or None,
        "author": entry.text("author"),
        "logo": ((entry.raw("media_content") or [{}])[0] or {}).get("url"),
    }
    return {key: value for key, value in extra.items() if value is not None}
