"""Oracle Recruiting Cloud career sites (Oracle Fusion HCM "Candidate Experience").

Endpoints (``url:`` replaces ``https://{host}/hcmRestApi/resources/latest``): the search
``recruitingCEJobRequisitions?onlyData=true&expand=requisitionList.secondaryLocations,
requisitionList.requisitionFlexFields&finder=findReqs;siteNumber={site},limit={n},offset={o},
sortBy=POSTING_DATES_DESC[,keyword="..."]`` (``items[0]``: ``TotalJobsCount``,
``requisitionList``), then ``recruitingCEJobRequisitionDetails?expand=all&onlyData=true&finder=
ById;Id="{Id}",siteNumber={site}`` per posting. The operator gives the browser careers URL.

Quirks: the outer ``count``/``hasMore`` describe the search object; the text is the
``External*Str`` HTML fields; ``company`` names the employer; pay is free text in a flex field or
the description. Unchanged postings reuse their stored detail; a failed detail closes nothing.
"""

from __future__ import annotations

import html
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

CAREERS = re.compile(r"^https?://(?P<host>[^/]+)/hcmUI/CandidateExperience/"
                     r"(?:[a-z]{2}(?:-[A-Za-z]{2})?/)?sites/(?P<site>[^/?#]+)")
EXPAND = "requisitionList.secondaryLocations,requisitionList.requisitionFlexFields"
SECTIONS = ("ExternalDescriptionStr", "ExternalResponsibilitiesStr", "ExternalQualificationsStr")
_PAY_PROMPT = re.compile(r"pay|salary|compensation|wage", re.I)


class OracleConfig(SourceConfig):
    """One Oracle Recruiting Cloud career site, by its careers URL."""

    type: Literal["oracle"]
    careers_url: str = Field(description="https://{host}/hcmUI/CandidateExperience/en/sites/"
                                         "{site number}")
    company: str | None = Field(default=None, description="employer name shown in digests")
    search: str | None = Field(default=None, description="search words (the finder's keyword)")
    page_size: int = Field(default=25, ge=1, le=100, description="postings per search request")
    @field_validator("careers_url")
    @classmethod
    def _careers(cls, value: str) -> str:
        if not CAREERS.match(value.strip()):
            raise ValueError(f"{value!r} is not an Oracle careers URL; write it like "
                             "https://acme.fa.us2.oraclecloud.com/hcmUI/CandidateExperience/en/"
                             "sites/CX_1")
        return value.strip()


class OracleSource(Source):
    """Every posting of one Oracle career site: the search pages, then new or changed details."""

    type = "oracle"
    Config = OracleConfig
    full_listing = True
    reuses_stored = True
    stored_extra = REUSE_KEYS

    def __init__(self, config: OracleConfig, http: HttpClient | None = None):
        super().__init__(config, http)
        found = CAREERS.match(config.careers_url)
        self.host, self.site = found["host"], found["site"]

    @property
    def endpoint(self) -> str:
        """The REST base: the configured ``url`` or ``https://{host}/hcmRestApi/resources/latest``."""
        return (self.config.url or f"https://{self.host}/hcmRestApi/resources/latest").rstrip("/")

    def fetch(self) -> list[Posting]:
        """Search every page; map each requisition, asking details only for new or changed ones."""
        self.full_listing = True
        return build_postings(self._list(), self._posting, source=self, where="requisitionList")

    def _list(self) -> list[Any]:
        """Raw requisitions of every search page."""
        entries: list[Any] = []
        while True:
            search = self._page(len(entries))
            batch = board_list(search, "requisitionList", source=self.name)
            total = search.get("TotalJobsCount")
            if not isinstance(total, int) or isinstance(total, bool):
                raise ParseError(f"TotalJobsCount should be a number, got {total!r}",
                                 source=self.name)
            entries.extend(batch)
            if not batch or len(entries) >= total:
                return entries

    def _page(self, offset: int) -> Any:
        """The search object of one page (``items[0]``)."""
        finder = (f"findReqs;siteNumber={self.site},limit={self.config.page_size},"
                  f"offset={offset},sortBy=POSTING_DATES_DESC")
        if self.config.search:
            finder += f',keyword="{self.config.search}"'
        params = {"onlyData": "true", "expand": EXPAND, "finder": finder}
        data = http_of(self).get_json(f"{self.endpoint}/recruitingCEJobRequisitions",
                                      params=params, source=self.name)
        items = board_list(data, "items", source=self.name)
        if not items:
            return {"TotalJobsCount": 0, "requisitionList": []}
        return items[0]

    def _posting(self, entry: Record) -> Posting | StoredPosting | None:
        """One requisition as a posting: as stored when unchanged, else from its detail."""
        req_id = entry.text("Id", required=True)
        key = "|".join(filter(None, (entry.text("Title"), entry.text("PostedDate"),
                                     entry.text("PrimaryLocation"))))
        stored = unchanged(self, req_id, key)
        if stored is not None:
            return stored
        if self.config.max_age_days and _older(entry, self.config.max_age_days):
            return None
        return self._from_detail(self._detail(req_id), entry, key)

    def _detail(self, req_id: str) -> Record:
        """The detail record of one requisition; ParseError (skip) when it cannot be had."""
        params = {"expand": "all", "onlyData": "true",
                  "finder": f'ById;Id="{req_id}",siteNumber={self.site}'}
        try:
            data = http_of(self).get_json(f"{self.endpoint}/recruitingCEJobRequisitionDetails",
                                          params=params, source=self.name)
        except FetchError as exc:
            raise ParseError(f"requisition {req_id}: detail unavailable: {exc}",
                             source=self.name) from exc
        items = board_list(data, "items", source=self.name)
        if not items:
            raise ParseError(f"requisition {req_id}: the detail has no items", source=self.name)
        return Record(items[0], source=self.name, where=f"requisition {req_id}")

    def _from_detail(self, detail: Record, entry: Record, key: str) -> Posting:
        """The posting a detail describes (the list entry fills what it lacks)."""
        body = _body(detail)
        text = html_to_text(body)
        primary = detail.text("PrimaryLocation") or entry.text("PrimaryLocation")
        city, region, country = parse_location(primary)
        pay = _flex_pay(detail) or pay_line(text)
        req_id = entry.text("Id", required=True)
        return Posting(
            source=self.name, source_id=req_id,
            url=f"https://{self.host}/hcmUI/CandidateExperience/en/sites/{self.site}/job/{req_id}",
            title=detail.text("Title") or entry.text("Title", required=True),
            company=self.config.company or _employer(detail),
            location=_locations(primary, detail), city=city, region=region,
            country=detail.text("PrimaryLocationCountry") or country,
            remote=parse_remote(workplace_type=_workplace(detail), location=primary),
            description=text, description_html=sanitize_html(body),
            **text_salary_fields(pay, currency="USD"),
            employment_type=parse_employment_type(detail.text("JobSchedule")),
            posted_at=detail.date("ExternalPostedStartDate") or entry.date("PostedDate"),
            valid_through=detail.date("ExternalPostedEndDate", deadline=True),
            extra=_extra(detail, pay, key),
        )


def _older(entry: Record, days: int) -> bool:
    """Whether a requisition's ``PostedDate`` lies more than ``days`` days back."""
    posted = entry.date("PostedDate")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return posted is not None and posted < today - timedelta(days=days)


def _body(detail: Record) -> str:
    """The description, responsibilities and qualifications HTML, in that order."""
    return "\n".join(part for part in (detail.text(key) for key in SECTIONS) if part)


def _locations(primary: str | None, detail: Record) -> str | None:
    """The primary location, then the secondary ones."""
    others = [loc.text("Name") for loc in detail.objs("secondaryLocations")]
    places = [primary, *others]
    return "; ".join(dict.fromkeys(p for p in places if p)) or None


def _workplace(detail: Record) -> str | None:
    """'ORA_REMOTE' -> 'remote'; the display text when there is no code."""
    code = detail.text("WorkplaceTypeCode")
    return code.removeprefix("ORA_") if code else detail.text("WorkplaceType")


def _employer(detail: Record) -> str | None:
    """A legal employer or business unit, else a short organisation description."""
    name = detail.text("LegalEmployer") or detail.text("BusinessUnit")
    org = detail.text("OrganizationDescriptionStr")
    if not name and org and len(org) <= 80 and "<" not in org:
        name = html.unescape(org)
    return name


def _flex_pay(detail: Record) -> str | None:
    """The value of the flex field whose prompt is about pay, if any."""
    for field in detail.objs("requisitionFlexFields"):
        if _PAY_PROMPT.search(field.text("Prompt") or "") and field.text("Value"):
            return field.text("Value")
    return None


def _extra(detail: Record, pay: str | None, key: str) -> dict[str, Any]:
    """Category, requisition type, function, shift, internal number, pay text, change key."""
    extra = detail.pick("Category", "RequisitionType", "JobFunction", "JobShift", "JobFamily",
                        "RequisitionId", "WorkplaceType")
    if pay:
        extra["pay_text"] = pay
    extra.update(reuse_marks(key))
    return extra
