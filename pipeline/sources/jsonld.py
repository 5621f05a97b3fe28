"""Employers' own career pages that carry schema.org ``JobPosting`` JSON-LD.

Endpoints, any mix of: ``pages`` (posting pages), ``listing`` (an HTML page whose links on its own
host, or matching ``link_pattern``, are followed) and ``sitemap`` (XML sitemap or index, maybe
gzipped, ``<loc>`` URLs matching ``link_pattern``); ``url:`` replaces the listing (else sitemap)
URL. robots.txt is asked first. ``jsonld_posting`` reads ``@graph``, ``@type`` lists, several or
malformed blocks and arrays; a page with no JobPosting, a soft 404 or a failed fetch gives no
posting (a failed one makes the fetch partial). ``full_listing`` is True only when postings came
from a listing or sitemap and every page was read; ``pages`` alone close by ``validThrough``.
"""

from __future__ import annotations

import gzip
import logging
import re
from typing import Any, Literal
from urllib.parse import urldefrag, urljoin, urlsplit

from lxml import etree
from pydantic import Field, field_validator, model_validator

from pipeline.errors import FetchError, ParseError
from pipeline.posting import Posting
from pipeline.sources._records import build_postings, http_of
from pipeline.sources.base import Source, SourceConfig
from pipeline.sources.jsonld_posting import (
    is_soft_404,
    job_postings,
    json_ld_blocks,
    parse_html,
    to_posting,
)

log = logging.getLogger(__name__)

SITEMAP_DEPTH = 2  # a sitemap index may point to sitemaps, which point to pages
_XML = etree.XMLParser(resolve_entities=False, no_network=True, recover=True, huge_tree=False)


class JsonLdConfig(SourceConfig):
    """Career pages: posting pages, a listing page and/or a sitemap."""

    type: Literal["jsonld"]
    pages: list[str] = Field(default_factory=list, description="posting page URLs")
    listing: str | None = Field(default=None, description="HTML page linking to postings")
    sitemap: str | None = Field(default=None, description="XML sitemap of the career site")
    link_pattern: str | None = Field(default=None,
                                     description="regex a posting URL must match (searched)")
    company: str | None = Field(default=None, description="employer when pages do not name it")
    max_pages: int = Field(default=200, ge=1, description="posting pages read per fetch at most")

    @field_validator("link_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _has_somewhere_to_look(self) -> JsonLdConfig:
        if not (self.pages or self.listing or self.sitemap or self.url):
            raise ValueError("give pages, listing or sitemap (at least one)")
        return self


class JsonLdSource(Source):
    """Postings read from the JSON-LD of career pages."""

    type = "jsonld"
    Config = JsonLdConfig
    full_listing = False

    def fetch(self) -> list[Posting]:
        """Discover posting pages, read each, and map every JobPosting found."""
        urls, discovered = self._page_urls()
        complete = discovered
        if len(urls) > self.config.max_pages:
            log.warning("%s: %d pages found, reading the first %d (max_pages)",
                        self.name, len(urls), self.config.max_pages)
            urls, complete = urls[: self.config.max_pages], False
        found: list[tuple[str, int, dict[str, Any]]] = []
        failures: list[FetchError] = []
        for url in urls:
            try:
                found.extend(self._read_page(url))
            except FetchError as exc:
                log.warning("%s: skipped %s: %s", self.name, url, exc)
                failures.append(exc)
        if failures and len(failures) == len(urls):
            raise failures[0]
        self.full_listing = complete and not failures
        self.read_errors += len(failures)  # pages that would not load: their postings are not gone
        return build_postings(found, self._posting, source=self)

    def _page_urls(self) -> tuple[list[str], bool]:
        """Posting page URLs in order, without duplicates; and whether they came from an index."""
        config = self.config
        listing, sitemap, pages = config.listing, config.sitemap, list(config.pages)
        if config.url and listing:
            listing = config.url
        elif config.url and sitemap:
            sitemap = config.url
        elif config.url:
            pages.append(config.url)
        found = [*self._from_listing(listing), *self._from_sitemap(sitemap, SITEMAP_DEPTH)]
        return list(dict.fromkeys(pages + found)), bool(listing or sitemap)

    def _get(self, url: str) -> Any:
        """One polite request: robots.txt honoured."""
        return http_of(self).get(url, robots=True, source=self.name)

    def _from_listing(self, url: str | None) -> list[str]:
        """Links on the listing page that lead to posting pages."""
        if not url:
            return []
        response = self._get(url)
        soup = parse_html(response.text)
        base = urljoin(response.url or url, (soup.find("base") or {}).get("href") or "")
        links = (urldefrag(urljoin(base, a["href"]))[0] for a in soup.find_all("a", href=True))
        host = urlsplit(base).netloc
        keep = [link for link in links if link.startswith(("http://", "https://"))
                and link.rstrip("/") != base.rstrip("/") and self._wanted(link, host)]
        if not keep:
            log.warning("%s: the listing %s links to no posting page", self.name, url)
        return keep

    def _wanted(self, link: str, host: str | None) -> bool:
        """A link matching ``link_pattern``, or (without one) on the listing's own host."""
        if self.config.link_pattern:
            return re.search(self.config.link_pattern, link) is not None
        return host is None or urlsplit(link).netloc == host

    def _from_sitemap(self, url: str | None, depth: int) -> list[str]:
        """``<loc>`` URLs of a sitemap, following a sitemap index ``depth`` levels down."""
        if not url:
            return []
        content = self._get(url).content
        if content[:2] == b"\x1f\x8b":
            content = gzip.decompress(content)
        root = etree.fromstring(content, _XML) if content.strip() else None
        if root is None or not isinstance(root.tag, str):
            raise ParseError(f"{url} is not an XML sitemap", source=self.name)
        kind = etree.QName(root).localname
        locs = [loc.text.strip() for loc in root.iter("{*}loc", "loc") if loc.text]
        if kind == "sitemapindex":
            if depth <= 0:
                raise ParseError(f"{url}: sitemap indexes nested too deep", source=self.name)
            return [page for child in locs for page in self._from_sitemap(child, depth - 1)]
        if kind != "urlset":
            raise ParseError(f"{url}: <{kind}> is not a sitemap <urlset>", source=self.name)
        return [loc for loc in locs if self._wanted(loc, None)]

    def _read_page(self, url: str) -> list[tuple[str, int, dict[str, Any]]]:
        """Every JobPosting on one page with its URL and index (none for a soft 404)."""
        response = self._get(url)
        soup = parse_html(response.text)
        if is_soft_404(soup):
            log.info("%s: %s says the job is no longer available", self.name, url)
            return []
        values, bad = json_ld_blocks(soup)
        if bad:
            log.warning("%s: %s: skipped %d malformed JSON-LD block(s)", self.name, url, bad)
        nodes = [node for value in values for node in job_postings(value)]
        if not nodes:
            log.warning("%s: %s has no schema.org JobPosting", self.name, url)
        return [(url, index, node) for index, node in enumerate(nodes)]

    def _posting(self, found: tuple[str, int, dict[str, Any]]) -> Posting:
        """One JobPosting found on a page, as a posting."""
        url, index, node = found
        return to_posting(node, source=self.name, page_url=url, index=index,
                          company=self.config.company)
