"""Trying every catalogue entry with one request, to find the entries whose board has gone.

``probe_url`` names the one cheap request per board type (the board's own API where it has a GET
one, else the careers page an operator would open). ``check`` sends it for each employer and
returns a ``Probe`` per employer: ``ok``, ``dead`` (an HTTP error, an unreachable host, or an
answer that is not what the board sends) or ``skipped`` (no identifier to try). ``base_url``
replaces the scheme and host of every request (a mirror, a proxy, or a local test server).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from pipeline.catalog import Employer
from pipeline.errors import FetchError, ParseError

if TYPE_CHECKING:
    from pipeline.http import HttpClient

ORACLE_API = ("/hcmRestApi/resources/latest/recruitingCEJobRequisitions?onlyData=true"
              "&expand=requisitionList&finder=findReqs;siteNumber={site},limit=1")
#: Board type -> (URL of the one request, whether its answer must be JSON)
_PROBES: dict[str, tuple[Callable[[dict], str], bool]] = {
    "greenhouse": (lambda k: f"https://boards-api.greenhouse.io/v1/boards/{k['board']}/jobs",
                   True),
    "lever": (lambda k: f"https://api.lever.co/v0/postings/{k['site']}?mode=json&limit=1", True),
    "ashby": (lambda k: f"https://api.ashbyhq.com/posting-api/job-board/{k['board']}", True),
    "smartrecruiters": (lambda k: "https://api.smartrecruiters.com/v1/companies/"
                                  f"{k['company']}/postings?limit=1", True),
    "workable": (lambda k: f"https://apply.workable.com/api/v1/widget/accounts/{k['account']}",
                 True),
    "jibe": (lambda k: f"{k['api']}?page=1&limit=1", True),
    "icims": (lambda k: f"{k['portal'].rstrip('/')}/jobs/search?pr=0&in_iframe=1", False),
    "oracle": (lambda k: _oracle(k["careers_url"]), True),
}


@dataclass
class Probe:
    """The outcome of trying one employer's board."""

    employer: Employer
    url: str | None
    status: str  # ok / dead / skipped
    detail: str = ""


def probe_url(employer: Employer, base_url: str | None = None) -> tuple[str, bool] | None:
    """The URL of the one request that tries this employer's board, and whether it is JSON."""
    kind, json_answer = _PROBES.get(employer.board, (None, False))
    try:
        url = kind(employer.keys) if kind else employer.keys.get("careers_url")
    except KeyError:
        return None
    if not url:
        return None
    return (_rebase(url, base_url) if base_url else url), json_answer


def check(employers: Iterable[Employer], http: HttpClient, *,
          base_url: str | None = None) -> list[Probe]:
    """Try each employer's board with one request, ``http.concurrency`` at a time (the client
    still paces each host); the probes come back in the employers' order."""
    with ThreadPoolExecutor(max_workers=http.config.concurrency) as pool:
        return list(pool.map(lambda employer: _try(employer, http, base_url), employers))


def _try(employer: Employer, http: HttpClient, base_url: str | None) -> Probe:
    """One employer's probe."""
    target = probe_url(employer, base_url)
    if target is None:
        return Probe(employer, None, "skipped", "no identifier to try")
    url, json_answer = target
    try:
        response = http.get(url, source=f"catalog:{employer.slug}")
        if json_answer:
            response.json()
    except (FetchError, ParseError) as exc:
        return Probe(employer, url, "dead", str(exc))
    return Probe(employer, url, "ok", f"HTTP {response.status}")


def _oracle(careers_url: str) -> str:
    """The requisitions API of an Oracle candidate-experience site URL."""
    parts = urlsplit(careers_url)
    site = parts.path.rstrip("/").rsplit("/", 1)[-1]
    return f"{parts.scheme}://{parts.netloc}" + ORACLE_API.format(site=quote(site, safe=""))


def _rebase(url: str, base_url: str) -> str:
    """``url`` with the scheme and host of ``base_url`` (its path and query kept)."""
    parts = urlsplit(url)
    rest = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + rest
