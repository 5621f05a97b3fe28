"""Workday career sites (``https://{tenant}.wd{N}.myworkdayjobs.com/{site}``).

Endpoints (``url:`` replaces ``https://{host}/wday/cxs/{tenant}/{site}``): ``POST .../jobs`` with
``{"appliedFacets", "limit": 20, "offset", "searchText"}`` (``total`` trusted from the first page;
paging stops at an empty page or ``total``), then ``GET ...{externalPath}`` per posting.

Quirks: list entries hold only ``title``, ``externalPath``, ``locationsText``, ``postedOn`` in
words ("Posted 3 Days Ago") and ``bulletFields`` (requisition id first). Tenants list thousands,
so unchanged entries reuse the stored posting (``reuses_stored``) until a refresh is due. Pay is
read from the description; ``hiringOrganization.name`` has a numeric prefix (``company``
overrides). A failed detail is skipped and counted in ``read_errors``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, field_validator

from pipeline.errors import FetchError, ParseError
from pipeline.normalize import (
    html_to_text,
    parse_employment_type,
    parse_location,
    parse_remote,
    sanitize_html,
)
from pipeline.posting import Posting, StoredPosting
from pipeline.sources._records import (
    REUSE_KEYS,
    Record,
    board_list,
    build_postings,
    http_of,
    pay_line,
    reuse_marks,
    text_salary_fields,
    unchanged,
)
from pipeline.sources.base import Source, SourceConfig

if TYPE_CHECKING:
    from pipeline.http import HttpClient

#: A careers URL as operators see it: host, optional locale segment, site (then maybe a job's
#: path or a search query, which are ignored).
CAREERS = re.compile(r"^https?://(?P<host>(?P<tenant>[\w-]+)\.wd\d+\.myworkdayjobs\.com)"
                     r"(?:/[a-z]{2}-[A-Z]{2})?/(?P<site>[\w-]+)(?:[/?#].*)?$")
_POSTED = re.compile(r"posted\s+(?:(today)|(yesterday)|(\d+)\+?\s+days?\s+ago)", re.I)
#: How old "Posted 30+ Days Ago" is at least, in days.
OLDEST_SHOWN = 31


class WorkdayConfig(SourceConfig):
    """One Workday career site, by its careers URL."""

    type: Literal["workday"]
    careers_url: str = Field(description="https://{tenant}.wd{N}.myworkdayjobs.com/{site} "
                                         "(a locale segment like /en-US/ is allowed)")
    company: str | None = Field(default=None, description="employer name shown in digests")
    search: str | None = Field(default=None, description="search words (searchText)")
    facets: dict[str, list[str]] = Field(
        default_factory=dict, description="appliedFacets: facet name -> list of facet ids")
    page_size: int = Field(default=20, ge=1, le=20, description="postings per search request")
    @field_validator("careers_url")
    @classmethod
    def _careers(cls, value: str) -> str:
        if not CAREERS.match(value.strip()):
            raise ValueError(f"{value!r} is not a Workday careers URL; write it like "
                             "https://acme.wd5.myworkdayjobs.com/External")
        return value.strip()


class WorkdaySource(Source):
    """Every posting of one Workday site: the search pages, then details of new or changed ones."""

    type = "workday"
    Config = WorkdayConfig
    full_listing = True
    reuses_stored = True
    stored_extra = REUSE_KEYS

    def __init__(self, config: WorkdayConfig, http: HttpClient | None = None):
        super().__init__(config, http)
        self.site = CAREERS.match(config.careers_url)

    @property
    def endpoint(self) -> str:
        """The API base: the configured ``url`` or ``https://{host}/wday/cxs/{tenant}/{site}``."""
        site = self.site
        return (self.config.url or
                f"https://{site['host']}/wday/cxs/{site['tenant']}/{site['site']}").rstrip("/")

    def fetch(self) -> list[Posting | StoredPosting]:
        """Search every page; map each entry, asking details only for new or changed ones."""
        self.full_listing = True
        return build_postings(self._list(), self._posting, source=self, where="jobPostings")

    def _list(self) -> list[Any]:
        """Raw entries of every search page."""
        entries: list[Any] = []
        total: int | None = None
        while total is None or len(entries) < total:
            page = self._page(len(entries))
            batch = board_list(page, "jobPostings", source=self.name)
            total = _total(page, self.name) if total is None else total
            entries.extend(batch)
            if not batch:
                break
        return entries

    def _page(self, offset: int) -> Any:
        """One search request."""
        body = {"appliedFacets": self.config.facets, "limit": self.config.page_size,
                "offset": offset, "searchText": self.config.search or ""}
        return http_of(self).post_json(f"{self.endpoint}/jobs", body, source=self.name,
                                       headers={"Accept": "application/json"})

    def _posting(self, entry: Record) -> Posting | StoredPosting | None:
        """One list entry as a posting: as stored when unchanged, else from its detail."""
        path = entry.text("externalPath", required=True)
        source_id = _source_id(entry, path)
        key = "|".join(filter(None, (entry.text("title"), path, entry.text("locationsText"))))
        stored = unchanged(self, source_id, key)
        if stored is not None:
            return stored
        if _too_old(entry.text("postedOn"), self.config.max_age_days):
            return None
        info, company = self._detail(path)
        posting = self._from_detail(source_id, info, company, path, key)
        if self.config.max_age_days and _older(posting.posted_at, self.config.max_age_days):
            return None
        return posting

    def _detail(self, path: str) -> tuple[Record, str | None]:
        """``jobPostingInfo`` and the hiring organisation's name; ParseError (skip) on failure."""
        try:
            data = http_of(self).get_json(f"{self.endpoint}{path}", source=self.name)
        except FetchError as exc:
            raise ParseError(f"{path}: detail unavailable: {exc}", source=self.name) from exc
        detail = Record(data, source=self.name, where=path)
        return detail.obj("jobPostingInfo"), detail.obj("hiringOrganization").text("name")

    def _from_detail(self, source_id: str, info: Record, company: str | None, path: str,
                     key: str) -> Posting:
        """The posting a detail describes."""
        body = info.text("jobDescription") or ""
        text = html_to_text(body)
        places = [info.text("location"), *map(str, info.items("additionalLocations"))]
        location = "; ".join(p for p in places if p) or None
        city, region, _ = parse_location(info.text("location"))
        country = info.obj("jobRequisitionLocation").obj("country").text("alpha2Code")
        pay = pay_line(text)
        return Posting(
            source=self.name, source_id=source_id,
            url=info.text("externalUrl") or self._public(path),
            title=info.text("title", required=True),
            company=self.config.company or _employer(company),
            location=location, city=city, region=region, country=country,
            remote=parse_remote(workplace_type=info.text("remoteType"), location=location),
            description=text, description_html=sanitize_html(body),
            **text_salary_fields(pay, currency="USD"),
            employment_type=parse_employment_type(info.text("timeType")),
            posted_at=info.date("startDate"),
            valid_through=info.date("endDate", deadline=True),
            extra=_extra(info, company, pay, key),
        )

    def _public(self, path: str) -> str:
        """The posting's page on the career site."""
        return f"https://{self.site['host']}/{self.site['site']}{path}"


def _total(page: dict[str, Any], source: str) -> int:
    """The first page's ``total``."""
    total = page.get("total")
    if not isinstance(total, int) or isinstance(total, bool):
        raise ParseError(f"total should be a number, got {total!r}", source=source)
    return total


def _source_id(entry: Record, path: str) -> str:
    """The requisition id (first bullet field) when it looks like one, else the path."""
    bullets = entry.items("bulletFields")
    first = str(bullets[0]).strip() if bullets else ""
    return first if first and " " not in first and any(c.isdigit() for c in first) else path


def posted_on(text: str | None, now: datetime | None = None) -> datetime | None:
    """'Posted Today' / 'Posted Yesterday' / 'Posted 3 Days Ago' / 'Posted 30+ Days Ago' as a
    date (midnight UTC); '30+' gives the latest date it can be (31 days ago)."""
    found = _POSTED.search(text or "")
    if not found:
        return None
    today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
    days = 0 if found[1] else 1 if found[2] else int(found[3])
    if "+" in (text or ""):
        days = max(days, OLDEST_SHOWN)
    return today - timedelta(days=days)


def _too_old(text: str | None, max_age_days: int | None) -> bool:
    """Whether a list entry's 'Posted ...' says it is older than ``max_age_days``."""
    return bool(max_age_days) and _older(posted_on(text), max_age_days)


def _older(when: datetime | None, days: int) -> bool:
    """Whether ``when`` lies more than ``days`` days (whole days, UTC) before today."""
    if when is None:
        return False
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return when < today - timedelta(days=days)


def _employer(name: str | None) -> str | None:
    """'1000 Acme Health LLC' -> 'Acme Health LLC' (Workday prefixes a company code)."""
    return re.sub(r"^[A-Z]*\d+\s+", "", name).strip() or None if name else None


def _extra(info: Record, company: str | None, pay: str | None, key: str) -> dict[str, Any]:
    """Requisition id, time type, dates in words, legal entity, pay text and the change key."""
    extra = info.pick("jobReqId", "timeType", "remoteType", "timeLeftToApply",
                      "jobPostingEndDateAsText", "additionalLocations", "jobPostingSiteId")
    if company:
        extra["hiring_organization"] = company
    if pay:
        extra["pay_text"] = pay
    extra.update(reuse_marks(key))
    return extra

