"""Finding the job board behind an employer's careers page (``pipeline sources detect URL``).

The page is fetched politely (``HttpClient``, robots.txt honoured) and recognised, best first:

1. its address after redirects, or a board address written in it: Workday, Oracle Recruiting
   Cloud, iCIMS, Greenhouse, Lever, Ashby, SmartRecruiters, Workable;
2. a Jibe career site (its ``/api/jobs`` endpoint);
3. an RSS or Atom feed it links to;
4. schema.org ``JobPosting`` JSON-LD on the page.

Failing that, its iframes and job-like links are tried one level deep (at most ``FOLLOW_LIMIT``).
Nothing recognised raises ``BoardNotFoundError`` saying what was seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

from pipeline.errors import BoardNotFoundError, FetchError
from pipeline.sources.jsonld_posting import job_postings, json_ld_blocks, parse_html

if TYPE_CHECKING:
    from pipeline.http import HttpClient

FOLLOW_LIMIT = 6
SOURCE = "detect"
_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]*"
_FEEDS = ("application/rss+xml", "application/atom+xml")
_GENERIC_LABELS = {"www", "jobs", "careers", "career", "apply", "recruiting"}
_JOBISH = re.compile(r"job|career|opening|position|vacanc|search", re.I)

#: (board type, compiled URL pattern, function of the match giving the jobs.yaml keys)
_BOARDS: list[tuple[str, re.Pattern[str], Any]] = [
    ("workday", re.compile(rf"https?://({_ID})\.(wd\d+)\.myworkdayjobs\.com/(?:wday/cxs/{_ID}/)?"
                           rf"(?:[a-z]{{2}}-[A-Z]{{2}}/)?({_ID})", re.I),
     lambda m: {"careers_url": f"https://{m[1]}.{m[2]}.myworkdayjobs.com/{m[3]}"}),
    ("oracle", re.compile(rf"https?://([a-z0-9.-]+\.oraclecloud\.com)/hcmUI/CandidateExperience/"
                          rf"(?:[a-z]{{2}}(?:-[A-Z]{{2}})?/)?sites/({_ID})", re.I),
     lambda m: {"careers_url": f"https://{m[1]}/hcmUI/CandidateExperience/en/sites/{m[2]}"}),
    ("oracle", re.compile(r"https?://([a-z0-9.-]+\.oraclecloud\.com)/hcmRestApi/resources/[^\"' ]*"
                          rf"siteNumber=({_ID})", re.I),
     lambda m: {"careers_url": f"https://{m[1]}/hcmUI/CandidateExperience/en/sites/{m[2]}"}),
    ("icims", re.compile(r"https?://((?!www\.)(?:[a-z0-9-]+\.)*[a-z0-9-]+\.icims\.com)"
                         r"(?=[/\"' ?]|$)", re.I),
     lambda m: {"portal": f"https://{m[1].lower()}"}),
    ("greenhouse", re.compile(rf"https?://(?:boards|job-boards)(?:\.eu)?\.greenhouse\.io/"
                              rf"(?:embed/job_board(?:/js)?\?for=)?(?!embed\b)({_ID})", re.I),
     lambda m: {"board": m[1]}),
    ("greenhouse", re.compile(rf"https?://boards-api\.greenhouse\.io/v1/boards/({_ID})", re.I),
     lambda m: {"board": m[1]}),
    ("lever", re.compile(rf"https?://(?:jobs|api)(?:\.eu)?\.lever\.co/(?:v0/postings/)?({_ID})",
                         re.I), lambda m: {"site": m[1]}),
    ("ashby", re.compile(rf"https?://(?:jobs\.ashbyhq\.com|api\.ashbyhq\.com/posting-api/job-board)"
                         rf"/({_ID})", re.I), lambda m: {"board": m[1]}),
    ("smartrecruiters", re.compile(rf"https?://(?:jobs|careers)\.smartrecruiters\.com/({_ID})",
                                   re.I), lambda m: {"company": m[1]}),
    ("smartrecruiters", re.compile(rf"https?://api\.smartrecruiters\.com/v1/companies/({_ID})",
                                   re.I), lambda m: {"company": m[1]}),
    ("workable", re.compile(rf"https?://apply\.workable\.com/(?:api/v\d/widget/accounts/)?"
                            rf"(?!api\b|j\b)({_ID})", re.I), lambda m: {"account": m[1]}),
    ("workable", re.compile(rf"https?://(?!apply\.|www\.)({_ID})\.workable\.com", re.I),
     lambda m: {"account": m[1]}),
]
_JIBE = re.compile(r"jibecdn\.com|jibe(?:apply)?\.com|\bjibe[_-]?(?:app|search|config)\b", re.I)


@dataclass
class Detection:
    """A recognised board: its source type, jobs.yaml keys, and what gave it away."""

    type: str
    keys: dict[str, Any]
    evidence: str

    def entry(self, name: str | None = None) -> dict[str, Any]:
        """The jobs.yaml source entry: name, type, then the board's keys."""
        return {"name": name or suggest_name(self), "type": self.type, **self.keys}


def suggest_name(found: Detection) -> str:
    """A source name from the board's identifier or host (``acmehealth-greenhouse``)."""
    value = next(iter(found.keys.values()), "")
    text = value[0] if isinstance(value, list) and value else str(value)
    if text.startswith("http"):
        labels = (urlsplit(text).hostname or "").split(".")
        while len(labels) > 2 and labels[0] in _GENERIC_LABELS:
            labels.pop(0)
        text = labels[0].removeprefix("careers-")
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "careers"
    return f"{slug}-{found.type}"


def match_board(text: str) -> Detection | None:
    """The first board address found in ``text`` (a URL or a whole page), else None."""
    best: tuple[int, Detection] | None = None
    for kind, pattern, keys in _BOARDS:
        found = pattern.search(text)
        if found and (best is None or found.start() < best[0]):
            best = (found.start(), Detection(kind, keys(found), f"address {found.group(0)}"))
    return best[1] if best else None


def detect(url: str, http: HttpClient) -> Detection:
    """Recognise the board behind a careers page; BoardNotFoundError when nothing is."""
    found = match_board(url)
    if found:
        return found
    response = http.get(url, robots=True, source=SOURCE)
    page = _Page(response.url, response.text)
    found = match_board(response.url) or page.recognise()
    if found:
        return found
    seen = [page.summary()]
    for link in page.follow_links():
        try:
            linked = http.get(link, robots=True, source=SOURCE)
        except FetchError as exc:
            seen.append(f"{link}: {exc}")
            continue
        child = _Page(linked.url, linked.text)
        found = match_board(linked.url) or child.recognise(listing=url)
        if found:
            return found
        seen.append(child.summary())
    raise BoardNotFoundError(f"no job board recognised at {url}; saw: " + "; ".join(seen))


class _Page:
    """One fetched HTML page and what it shows."""

    def __init__(self, url: str, text: str):
        self.url = url
        self.text = text
        self.soup = parse_html(text)

    def recognise(self, listing: str | None = None) -> Detection | None:
        """A board named in the page, a Jibe site, a linked feed, or JobPosting JSON-LD."""
        found = match_board(self.text) or self._jibe() or self._feed()
        if found:
            return found
        if self.postings():
            if listing:
                return Detection("jsonld", {"listing": listing},
                                 f"JobPosting JSON-LD on linked page {self.url}")
            return Detection("jsonld", {"pages": [self.url]}, "JobPosting JSON-LD on the page")
        return None

    def _jibe(self) -> Detection | None:
        """A Jibe career site: its assets or settings named in the page."""
        if not _JIBE.search(self.text):
            return None
        parts = urlsplit(self.url)
        return Detection("jibe", {"api": f"{parts.scheme}://{parts.netloc}/api/jobs"},
                         "a Jibe career site's scripts")

    def _feed(self) -> Detection | None:
        """An RSS or Atom feed linked with ``<link rel="alternate">``."""
        for link in self.soup.find_all("link", href=True):
            rel = " ".join(link.get("rel") or []).lower()
            if "alternate" in rel and (link.get("type") or "").lower() in _FEEDS:
                return Detection("rss", {"feed": urljoin(self.url, link["href"])},
                                 f"a {link.get('type')} feed linked from the page")
        return None

    def postings(self) -> int:
        """How many JobPosting objects the page's JSON-LD holds."""
        blocks, _bad = json_ld_blocks(self.soup)
        return sum(1 for block in blocks for _ in job_postings(block))

    def follow_links(self) -> list[str]:
        """Iframes first, then links that look like job listings, absolute, at most a few."""
        frames = [f.get("src") for f in self.soup.find_all("iframe")]
        anchors = [a.get("href") for a in self.soup.find_all("a", href=True)
                   if _JOBISH.search(a.get("href", "")) or _JOBISH.search(a.get_text(" "))]
        links: list[str] = []
        for href in [*frames, *anchors]:
            if not href or href.startswith(("#", "mailto:", "javascript:", "tel:")):
                continue
            absolute = urljoin(self.url, href).split("#")[0]
            if absolute != self.url and absolute not in links:
                links.append(absolute)
        return links[:FOLLOW_LIMIT]

    def summary(self) -> str:
        """What the page showed, in a few words, for the not-recognised message."""
        title = self.soup.title.get_text(" ", strip=True) if self.soup.title else "no title"
        scripts = len(self.soup.find_all("script"))
        links = len(self.soup.find_all("a", href=True))
        frames = len(self.soup.find_all("iframe"))
        return (f"{self.url} ({title!r}: {links} links, {frames} iframes, {scripts} scripts, "
                f"no board address, feed or JobPosting)")

