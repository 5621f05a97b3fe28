"""SmartRecruiters company job lists (jobs.smartrecruiters.com/<company>).

Endpoints: ``GET https://api.smartrecruiters.com/v1/companies/{company}/postings?limit=100
&offset=N`` (``{totalFound, content}``, paged until ``offset >= totalFound`` or an empty page),
then ``.../postings/{id}`` per posting for the description and public URL.

Quirks: the description is ``jobAd.sections`` (``{title, text}`` HTML, joined under their titles);
``location{city, region, country, remote, hybrid}`` with a lower-case ISO country;
``typeOfEmployment.label``; no salary. A detail with ``active: false`` is left out; a failed
detail is skipped and the fetch is then not the full list.
"""

from __future__ import annotations

import html
from typing import Any, Literal

from pydantic import Field

from pipeline.errors import FetchError, ParseError
from pipeline.normalize import html_to_text, parse_employment_type, parse_remote, sanitize_html
from pipeline.posting import Posting, Remote
from pipeline.sources._records import Record, board_list, build_postings, http_of, log
from pipeline.sources.base import Source, SourceConfig

API = "https://api.smartrecruiters.com/v1/companies/{company}/postings"
#: The public page of a posting, when the detail gives no ``postingUrl``.
PUBLIC = "https://jobs.smartrecruiters.com/{company}/{id}"
SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")


class SmartRecruitersConfig(SourceConfig):
    """A SmartRecruiters company, named by its identifier (e.g. 'AcmeHealth1')."""

    type: Literal["smartrecruiters"]
    company: str = Field(description="company identifier as in the careers-site URL")
    page_size: int = Field(default=100, ge=1, le=100, description="postings per list request")


class SmartRecruitersSource(Source):
    """Fetches every public posting of one company: the list, then each posting's detail."""

    type = "smartrecruiters"
    Config = SmartRecruitersConfig
    full_listing = True

    @property
    def endpoint(self) -> str:
        """The postings list URL: the configured ``url`` or the public API for the company."""
        return self.config.url or API.format(company=self.config.company)

    def fetch(self) -> list[Posting]:
        """List every posting, fetch each one's detail, and map them."""
        self.full_listing = True
        records = [Record(item, source=self.name, where=f"content[{index}]")
                   for index, item in enumerate(self._list())]
        return build_postings(records, self._posting, source=self)

    def _list(self) -> list[Any]:
        """Raw list entries of every page."""
        items: list[Any] = []
        while True:
            params = {"limit": str(self.config.page_size), "offset": str(len(items))}
            page = http_of(self).get_json(self.endpoint, params=params, source=self.name)
            content = board_list(page, "content", source=self.name)
            total = page.get("totalFound")
            if not isinstance(total, int) or isinstance(total, bool):
                raise ParseError(f"totalFound should be a number, got {total!r}", source=self.name)
            items.extend(content)
            if not content or len(items) >= total:
                return items

    def _detail(self, posting_id: str) -> Record:
        """The detail record of one posting; ParseError (skip) when it cannot be fetched."""
        url = f"{self.endpoint.rstrip('/')}/{posting_id}"
        try:
            data = http_of(self).get_json(url, source=self.name)
        except FetchError as exc:
            self.full_listing = False
            raise ParseError(f"posting {posting_id}: detail unavailable: {exc}",
                             source=self.name) from exc
        return Record(data, source=self.name, where=f"posting {posting_id}")

    def _posting(self, item: Record) -> Posting | None:
        """One posting (list entry + detail) as a Posting; None when the detail says closed."""
        posting_id = item.text("id", required=True)
        title = item.text("name", required=True)
        detail = self._detail(posting_id)
        if detail.flag("active") is False:
            log.info("%s: posting %s is no longer active; left out", self.name, posting_id)
            return None
        where = item.obj("location")
        body = _sections_html(detail.obj("jobAd").obj("sections"))
        return Posting(
            source=self.name,
            source_id=posting_id,
            url=detail.text("postingUrl") or PUBLIC.format(company=self.config.company,
                                                           id=posting_id),
            title=title,
            company=item.obj("company").text("name") or self.config.company,
            location=where.text("fullLocation") or _joined(where),
            city=where.text("city"),
            region=where.text("region"),
            country=(where.text("country") or "").upper() or None,
            remote=_remote(where),
            description=html_to_text(body),
            description_html=sanitize_html(body),
            employment_type=parse_employment_type(item.obj("typeOfEmployment").text("label")),
            posted_at=item.date("releasedDate"),
            extra=_extra(item, detail),
        )


def _sections_html(sections: Record) -> str:
    """The job ad sections in reading order, each under its own heading."""
    parts = []
    for key in SECTIONS:
        section = sections.obj(key)
        text = section.text("text")
        if text:
            heading = section.text("title")
            parts.append(f"<h3>{html.escape(heading)}</h3>\n{text}" if heading else text)
    return "\n".join(parts)


def _joined(where: Record) -> str | None:
    """'City, Region, COUNTRY' when the board gives no ``fullLocation``."""
    parts = [where.text("city"), where.text("region"), (where.text("country") or "").upper()]
    return ", ".join(p for p in parts if p) or None


def _remote(where: Record) -> Remote:
    """Hybrid and remote flags; both false means on-site."""
    if where.flag("hybrid"):
        return Remote.HYBRID
    return parse_remote(flag=where.flag("remote"), location=where.text("fullLocation"))


def _extra(item: Record, detail: Record) -> dict[str, Any]:
    """Reference number, department, function, experience level, apply URL and custom fields."""
    extra = item.pick("refNumber", "uuid")
    for key in ("department", "function", "industry", "experienceLevel"):
        label = item.obj(key).text("label")
        if label:
            extra[key] = label
    apply_url = detail.text("applyUrl")
    if apply_url:
        extra["applyUrl"] = apply_url
    fields = {f.text("fieldLabel"): f.text("valueLabel") for f in item.objs("customField")}
    fields = {label: value for label, value in fields.items() if label and value}
    if fields:
        extra["custom_fields"] = fields
    return extra
