"""iCIMS classic career portals (``careers-{tenant}.icims.com``).

Endpoints: ``GET {portal}/jobs/search?pr={page}&in_iframe=1`` (``pr`` from 0, optional
``searchKeyword``), then ``GET {portal}/jobs/{id}/{slug}/job?in_iframe=1`` per job; no key, and
robots.txt is asked first. Pages go on while the listing links to ``pr={page + 1}``.

Quirks: jobs are ``li.iCIMS_JobCardItem`` cards (``a.iCIMS_Anchor``, title in ``h3``, location
after "Job Locations"); ``dl.iCIMS_JobHeaderGroup`` pairs go into ``extra``; a job page's
JSON-LD is read when present, else ``.iCIMS_JobContent``. Job links are followed on the
configured portal. A failed job page makes the fetch partial; a keyword search is never the
full listing.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from pipeline.errors import FetchError, ParseError
from pipeline.normalize import html_to_text, parse_location, parse_remote, sanitize_html
from pipeline.posting import Posting
from pipeline.sources._records import build_postings, http_of
from pipeline.sources.base import Source, SourceConfig
from pipeline.sources.jsonld_posting import job_postings, json_ld_blocks, parse_html, to_posting

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

log = logging.getLogger(__name__)

JOB_PATH = re.compile(r"/jobs/(\d+)(/[^?#]*)?")
LOCATION = re.compile(r"^US-(?P<region>[A-Z]{2})-(?P<city>.+)$")


class IcimsConfig(SourceConfig):
    """One iCIMS career portal, named by its address (``https://careers-acme.icims.com``)."""

    type: Literal["icims"]
    portal: str = Field(pattern=r"^https?://", description="the portal, e.g. "
                        "'https://careers-acmehealth.icims.com'")
    company: str | None = Field(default=None, description="employer name shown on postings")
    query: str | None = Field(default=None, description="searchKeyword, e.g. 'case manager'")
    max_pages: int = Field(default=200, ge=1, description="listing pages read per fetch at most")


class IcimsSource(Source):
    """The listing pages of one iCIMS portal, then each listed job's page."""

    type = "icims"
    Config = IcimsConfig

    @property
    def base(self) -> str:
        """Where requests go: the configured ``url`` or the portal."""
        return (self.config.url or self.config.portal).rstrip("/")

    def fetch(self) -> list[Posting]:
        """Read the listing, then each job's page; see the module docstring."""
        cards, complete = self._cards()
        self.full_listing = complete and not self.config.query
        return build_postings(cards, self._posting, source=self)

    def _cards(self) -> tuple[list[dict[str, Any]], bool]:
        """Every job card of every listing page, and whether the last page was reached."""
        cards: list[dict[str, Any]] = []
        for page in range(self.config.max_pages):
            params: dict[str, Any] = {"pr": page, "in_iframe": 1}
            if self.config.query:
                params["searchKeyword"] = self.config.query
            html = http_of(self).get_text(f"{self.base}/jobs/search", params=params,
                                          robots=True, source=self.name)
            soup = parse_html(html)
            found = [_card(item) for item in soup.select("li.iCIMS_JobCardItem")]
            if page == 0 and not found and not _is_listing(soup):
                raise ParseError("the search page has no iCIMS job cards or listing markup",
                                 source=self.name)
            cards.extend(found)
            if not found or not _links_to_page(soup, page + 1):
                return cards, True
        log.warning("%s: stopped after %d pages (max_pages)", self.name, self.config.max_pages)
        return cards, False

    def _posting(self, card: dict[str, Any]) -> Posting:
        """One job: its page's JSON-LD when present, else the card and the page's text."""
        if card.get("error"):
            raise ParseError(card["error"], source=self.name)
        path = card["path"]
        try:
            page = http_of(self).get_text(f"{self.base}{path}", params={"in_iframe": 1},
                                          robots=True, source=self.name)
        except FetchError as exc:
            raise ParseError(f"job {card['id']}: page unavailable: {exc}",
                             source=self.name) from exc
        url = f"{self.config.portal.rstrip('/')}{path}"
        soup = parse_html(page)
        nodes = [node for block in json_ld_blocks(soup)[0] for node in job_postings(block)]
        if nodes:
            posting = to_posting(nodes[0], source=self.name, page_url=url,
                                 company=self.config.company)
            return posting.updated(source_id=card["id"],
                                   extra={**card["fields"], **posting.extra})
        return self._from_card(card, url, soup)

    def _from_card(self, card: dict[str, Any], url: str, soup: BeautifulSoup) -> Posting:
        """A posting from the card and the page's ``.iCIMS_JobContent`` text."""
        content = soup.select_one(".iCIMS_JobContent") or soup.select_one(".iCIMS_InfoMsg_Job")
        html = content.decode_contents() if content else ""
        location = card["location"]
        city, region, country = _place(location)
        return Posting(
            source=self.name, source_id=card["id"], url=url, title=card["title"],
            company=self.config.company, location=location, city=city, region=region,
            country=country, remote=parse_remote(location=location, text=card["title"]),
            description=html_to_text(html), description_html=sanitize_html(html),
            extra=card["fields"],
        )


def _links_to_page(soup: BeautifulSoup, page: int) -> bool:
    """Whether the listing links to page ``page`` (``pr=3``, not ``pr=30``)."""
    wanted = re.compile(rf"[?&]pr={page}(?!\d)")
    return any(wanted.search(a["href"]) for a in soup.find_all("a", href=True))


def _is_listing(soup: BeautifulSoup) -> bool:
    """Whether a page without cards is still an iCIMS listing (an empty board)."""
    return bool(soup.select_one('[class*="iCIMS_"]'))


def _card(item: Tag) -> dict[str, Any]:
    """The id, job path, title, location and header fields of one job card."""
    anchor = item.select_one("a.iCIMS_Anchor") or item.select_one("a[href*='/jobs/']")
    match = JOB_PATH.search(urlsplit(anchor.get("href") or "").path) if anchor else None
    heading = anchor.select_one("h3") if anchor else None
    title = heading.get_text(" ", strip=True) if heading else None
    if not match or not title:
        return {"error": "a job card without a job link or title"}
    fields = {}
    for pair in item.select("dl.iCIMS_JobHeaderGroup div.iCIMS_JobHeaderTag"):
        name, value = pair.select_one("dt"), pair.select_one("dd")
        if name and value and value.get_text(strip=True):
            fields[name.get_text(" ", strip=True)] = value.get_text(" ", strip=True)
    return {"id": match.group(1), "path": f"/jobs/{match.group(1)}{match.group(2) or '/job'}",
            "title": title, "location": _card_location(item), "fields": fields}


def _card_location(item: Tag) -> str | None:
    """The text after the card's "Job Locations" / "Location" label."""
    for label in item.select(".header .field-label, .header .sr-only"):
        if "location" in label.get_text(" ", strip=True).lower():
            value = label.find_next_sibling("span")
            return value.get_text(" ", strip=True) if value else None
    return None


def _place(location: str | None) -> tuple[str | None, str | None, str | None]:
    """City, region, country of iCIMS's ``US-OH-Columbus`` form, or of plain text."""
    if location == "US":
        return None, None, "US"
    match = LOCATION.match(location or "")
    if match:
        return match.group("city"), match.group("region"), "US"
    return parse_location(location)
