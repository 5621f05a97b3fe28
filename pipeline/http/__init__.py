"""One polite HTTP client shared by every network source: ``HttpClient.get`` and ``post_json``.

Every request has connect and read timeouts, one deadline (``request_deadline``) and a body size
cap (``max_body_bytes``); 429 and 5xx are retried with backoff (``Retry-After`` up to
``max_retry_after``); hosts are paced (``pacing``); robots.txt is honoured when asked (protego);
unchanged pages answer 304 from an on-disk cache (``cache``); redirects are followed hop by hop
(``redirects``). ``post_json`` is never cached.

Every failure raises ``FetchError`` (carrying the source name); ``HttpResponse.json`` raises
``ParseError`` for a body that is not JSON.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import urllib3
from protego import Protego
from requests.structures import CaseInsensitiveDict
from urllib3.util.retry import Retry

from pipeline.config import HttpConfig
from pipeline.errors import FetchError, ParseError
from pipeline.http.cache import CacheEntry, HttpCache, cache_key
from pipeline.http.deadline import Budget, DeadlineAdapter, late, read_capped, watch
from pipeline.http.pacing import HostGate
from pipeline.http.redirects import (
    MAX_REDIRECTS,
    MAX_ROBOTS_REDIRECTS,
    REDIRECT_STATUSES,
    describe,
    first_url,
    next_url,
    refuse_internal,
    same_origin,
)
from pipeline.normalize.encoding import decode_body

RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass
class HttpResponse:
    """A finished response: status, headers, the whole body, and whether it came from the cache."""

    status: int
    headers: CaseInsensitiveDict
    content: bytes
    url: str
    from_cache: bool = False
    source: str | None = None
    _text: str | None = field(default=None, repr=False)

    @property
    def text(self) -> str:
        """The body decoded with the declared charset, else a detected one; never raises."""
        if self._text is None:
            self._text = decode_body(self.content, self.headers.get("Content-Type"))
        return self._text

    def json(self) -> Any:
        """The body parsed as JSON; ParseError (naming an HTML page when it was one) if not."""
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise ParseError(self._not_json_message(exc), source=self.source) from exc

    def _not_json_message(self, exc: ValueError) -> str:
        content_type = self.headers.get("Content-Type", "")
        start = self.text.lstrip()[:200].lower()
        if "html" in content_type or start.startswith(("<!doctype html", "<html", "<")):
            return (f"{self.url}: expected JSON but got an HTML page (status {self.status}, "
                    f"{content_type or 'no Content-Type'}); the endpoint may have moved")
        return f"{self.url}: malformed JSON: {exc}"


@dataclass
class _Answer:
    """The last hop of a chain: its status, headers, body, URL and the cache entry it used."""

    status: int
    headers: CaseInsensitiveDict
    content: bytes
    url: str
    cached: CacheEntry | None
    key: str | None


class HttpClient:
    """The one HTTP client of the pipeline; thread-safe, use one per run."""

    def __init__(self, config: HttpConfig) -> None:
        self.config = config
        self.session = _session(config)
        self.cache = HttpCache(config.cache_dir) if config.cache_dir else None
        self._gates: dict[str, HostGate] = {}
        self._robots: dict[str, Protego | None] = {}
        self._lock = threading.Lock()

    @property
    def user_agent(self) -> str:
        """The User-Agent sent with every request: product, version and contact."""
        agent = self.config.user_agent
        return f"{agent} (+{self.config.contact})" if self.config.contact else agent

    def get(self, url: str, *, params: dict | None = None, headers: dict | None = None,
            robots: bool = False, source: str | None = None) -> HttpResponse:
        """GET ``url`` politely, following redirects hop by hop; raise FetchError on any failure
        (see the module docstring)."""
        last = self._walk(url, params, headers or {}, robots=robots, source=source,
                          use_cache=self.cache is not None, limit=MAX_REDIRECTS)
        if last.status == 304 and last.cached is not None:
            merged = CaseInsensitiveDict({**last.cached.headers, **last.headers})
            return HttpResponse(304, merged, last.cached.content, last.url, from_cache=True,
                                source=source)
        if last.status >= 400 or last.status == 304:
            raise FetchError(f"{last.url}: HTTP {last.status}{_reason(last.status)}",
                             source=source)
        if self.cache and last.key and last.status == 200:
            self.cache.save(last.key, last.url, dict(last.headers), last.content)
        return HttpResponse(last.status, last.headers, last.content, last.url, source=source)

    def get_json(self, url: str, **kw: Any) -> Any:
        """GET ``url`` and parse the body as JSON (ParseError when it is not)."""
        return self.get(url, **kw).json()

    def post_json(self, url: str, payload: Any, *, headers: dict | None = None,
                  source: str | None = None) -> Any:
        """POST ``payload`` as JSON to a search endpoint that only answers POST, with the same
        pacing, retries, deadline and size cap as ``get``; the JSON answer (never cached)."""
        last = self._walk(url, None, headers or {}, robots=False, source=source,
                          use_cache=False, limit=MAX_REDIRECTS, payload=payload)
        if last.status >= 300:
            raise FetchError(f"{last.url}: HTTP {last.status}{_reason(last.status)}",
                             source=source)
        return HttpResponse(last.status, last.headers, last.content, last.url,
                            source=source).json()

    def get_text(self, url: str, **kw: Any) -> str:
        """GET ``url`` and return the decoded body."""
        return self.get(url, **kw).text

    def allowed(self, url: str, *, source: str | None = None) -> bool:
        """Whether robots.txt of ``url``'s host lets our User-Agent fetch it (cached per host)."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = origin in self._robots
        if not known:
            rules = self._fetch_robots(origin, source)
            with self._lock:
                self._robots[origin] = rules
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self.config.user_agent)

    def peak_in_flight(self) -> dict[str, int]:
        """The most requests seen in flight at once, per host (for benchmarks and tests)."""
        with self._lock:
            return {host: gate.peak for host, gate in self._gates.items()}

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _walk(self, url: str, params: dict | None, headers: dict, *, robots: bool,
              source: str | None, use_cache: bool, limit: int, payload: Any = None) -> _Answer:
        """Send ``url`` and each redirect after it, every hop paced by its own host, allowed by
        its robots.txt (with ``robots``) and conditional on its own cache entry. A ``payload``
        is POSTed as JSON (and again after a 307/308; other redirects become a GET)."""
        chain = [first_url(url, params, source)]
        key = cache_key(url, params) if use_cache else None
        budget = Budget(self.config.request_deadline, self.config.max_body_bytes)
        while True:
            if robots:
                self._check_robots(chain, source)
            cached = self.cache.load(key) if self.cache and key else None
            sent = {**(cached.validators() if cached else {}), **headers}
            status, got, content, answered = self._send(url, params, sent, source, budget,
                                                        payload)
            if status not in REDIRECT_STATUSES:
                return _Answer(status, got, content, answered, cached, key)
            target = next_url(chain, status, got, limit, source)
            if not self.config.allow_private_redirects:
                refuse_internal(chain, status, target, source)
            if not same_origin(chain[-1], target):
                headers = {}  # an API key or a Host header is for the origin it was given to
            chain.append(target)
            url, params = target, None
            payload = payload if status in (307, 308) else None
            key = cache_key(target, None) if use_cache else None

    def _check_robots(self, chain: list[str], source: str | None) -> None:
        """FetchError when robots.txt of the last URL's host disallows it (the chain shown)."""
        if not self.allowed(chain[-1], source=source):
            raise FetchError(f"{chain[-1]}: disallowed by the site's robots.txt for "
                             f"{self.config.user_agent}{describe(chain)}", source=source)

    def _fetch_robots(self, origin: str, source: str | None) -> Protego | None:
        """robots.txt rules; None (allow all) when it is missing; deny all when unreachable."""
        try:
            last = self._walk(f"{origin}/robots.txt", None, {}, robots=False, source=source,
                              use_cache=False, limit=MAX_ROBOTS_REDIRECTS)
            status, content = last.status, last.content
        except FetchError:
            status, content = 503, b""
        if 400 <= status < 500:
            return None  # RFC 9309: an unavailable robots.txt allows everything
        if status >= 500:
            content = b"User-agent: *\nDisallow: /\n"  # RFC 9309: unreachable means disallow
        return Protego.parse(decode_body(content, "text/plain"))

    def _gate(self, url: str) -> HostGate:
        host = urlsplit(url).netloc.lower()
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = HostGate(self.config.per_host_concurrency, self.config.per_host_interval)
                self._gates[host] = gate
            return gate

    def _send(self, url: str, params: dict | None, headers: dict, source: str | None,
              budget: Budget, payload: Any = None) -> tuple[int, CaseInsensitiveDict, bytes, str]:
        """One paced hop: a streamed GET that does not follow redirects, retried on 429 and 5xx
        within ``budget``; returns status, headers, body and the URL asked for."""
        retry = _status_retry(self.config)
        with self._gate(url):
            while True:
                answer = self._attempt(url, params, headers, source, budget, payload)
                retry, wait = _next_try(retry, url, answer[0], answer[1])
                if wait is None:
                    return answer
                if wait >= budget.left():
                    raise FetchError(f"{url}: HTTP {answer[0]}{_reason(answer[0])}; a retry in "
                                     f"{wait:g} s would pass the {budget.seconds:g}-s request "
                                     "deadline", source=source)
                time.sleep(wait)

    def _attempt(self, url: str, params: dict | None, headers: dict, source: str | None,
                 budget: Budget, payload: Any = None,
                 ) -> tuple[int, CaseInsensitiveDict, bytes, str]:
        """One GET (a POST of ``payload`` as JSON when given) and its whole body (whatever the
        status), within what ``budget`` has left."""
        left = budget.left()
        if left <= 0:
            raise FetchError(f"{url}: not sent: the {budget.seconds:g}-s request deadline has "
                             "passed", source=source)
        timeout = (min(self.config.connect_timeout, left), min(self.config.read_timeout, left))
        with watch(budget.deadline) as watched:
            try:
                method = "GET" if payload is None else "POST"
                with self.session.request(method, url, params=params, headers=headers,
                                          json=payload, timeout=timeout, stream=True,
                                          allow_redirects=False) as response:
                    content = read_capped(response, source, budget, watched)
                    answer = response.status_code, response.headers, content, response.url
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                if watched.expired:
                    raise late(url, budget, source) from exc
                raise FetchError(f"{url}: {_cause(exc)}", source=source) from exc
        if watched.expired:  # what was read may be cut short
            raise late(url, budget, source)
        return answer


def _status_retry(config: HttpConfig) -> Retry:
    """Which statuses are tried again, how often and after how long (urllib3 decides)."""
    return Retry(total=config.retries, status_forcelist=RETRY_STATUSES, allowed_methods=["GET"],
                 backoff_factor=config.backoff, backoff_jitter=config.backoff / 2,
                 backoff_max=30, respect_retry_after_header=True,
                 retry_after_max=config.max_retry_after, raise_on_status=False)


def _next_try(retry: Retry, url: str, status: int,
              headers: CaseInsensitiveDict) -> tuple[Retry, float | None]:
    """The retry state after an answer, and the seconds to wait before trying again (None: the
    answer is final, a success or an error with no tries left)."""
    if not retry.is_retry("GET", status, "Retry-After" in headers):
        return retry, None
    answered = urllib3.HTTPResponse(headers=dict(headers), status=status)  # what Retry reads
    try:
        retry = retry.increment("GET", url, response=answered)
    except urllib3.exceptions.MaxRetryError:
        return retry, None
    return retry, retry.get_retry_after(answered) or retry.get_backoff_time()


class _HopSession(requests.Session):
    """A session that leaves redirects to the client. Even when told not to follow one,
    requests prepares ``response.next`` and reads the redirect's whole body to do so, past the
    size cap and the body deadline (and a malformed Location raises a bare ValueError)."""

    def resolve_redirects(self, *args: Any, **kwargs: Any) -> Iterator[Any]:
        """No next request: ``HttpClient._walk`` makes each hop itself."""
        return iter(())


def _session(config: HttpConfig) -> requests.Session:
    """A requests session that retries connection failures (statuses are the client's: urllib3
    would read an error body whole before retrying), with a connection pool per host and our
    User-Agent."""
    retry = Retry(
        total=config.retries, read=min(config.retries, 1),  # a hung host costs two timeouts
        status_forcelist=None, respect_retry_after_header=False, allowed_methods=["GET"],
        backoff_factor=config.backoff, backoff_jitter=config.backoff / 2, backoff_max=30,
        raise_on_status=False,
    )
    pool = max(config.per_host_concurrency, config.concurrency)
    adapter = DeadlineAdapter(max_retries=retry, pool_connections=pool, pool_maxsize=pool)
    session = _HopSession()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    contact = f" (+{config.contact})" if config.contact else ""
    session.headers["User-Agent"] = config.user_agent + contact
    session.headers["Accept-Encoding"] = "gzip, deflate"
    return session


def _cause(exc: Exception) -> str:
    """The reason of a requests error, in a few words."""
    text = str(exc)
    if "Connection refused" in text or "Errno 111" in text:
        return "cannot connect (connection refused)"
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        return "timed out (no answer within the connect or read timeout)"
    if "Name or service not known" in text or "getaddrinfo" in text:
        return "cannot connect (unknown host name)"
    if isinstance(exc, requests.ConnectionError):
        return f"cannot connect ({text[:200]})"
    return f"request failed ({text[:200]})"


def _reason(status: int) -> str:
    """A short human reason for common statuses."""
    reasons = {304: " (not modified, but nothing cached)", 403: " (forbidden)",
               404: " (not found: the board or endpoint may have moved)",
               429: " (rate limited, still after retries)", 500: " (server error after retries)"}
    return reasons.get(status, "")
