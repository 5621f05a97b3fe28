"""Redirects for ``pipeline.http``, one hop at a time: where the next hop goes, when to stop.

The client sends every hop itself, so each is paced and robots-checked by its own host; this
module is the pure part: resolve ``Location``, refuse a missing or non-HTTP target, a loop or a
too-long chain (``FetchError`` showing the chain), and say which headers may follow (same origin
only: they may hold an API key). A hop to another host whose name resolves to an internal address
(``internal_address``) is refused unless ``http.allow_private_redirects``: a board must not make
the fetcher read an internal URL. Every hop is a GET without a body (RFC 9110 section 15.4).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Mapping
from urllib.parse import urldefrag, urljoin, urlsplit

from requests.exceptions import RequestException
from requests.models import PreparedRequest
from requests.utils import requote_uri

from pipeline.errors import FetchError

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
#: Redirects followed for one page or API call before giving up.
MAX_REDIRECTS = 10
#: RFC 9309 section 2.3.1.2: follow at least five consecutive redirects for robots.txt.
MAX_ROBOTS_REDIRECTS = 5


def first_url(url: str, params: dict | None, source: str | None = None) -> str:
    """The URL a GET of ``url`` with ``params`` asks for: the first link of its chain."""
    request = PreparedRequest()
    try:
        request.prepare_url(url, params)
    except RequestException as exc:
        raise FetchError(f"{url}: not a usable URL ({exc})", source=source) from exc
    return urldefrag(request.url or url)[0]


def next_url(chain: list[str], status: int, headers: Mapping[str, str], limit: int,
             source: str | None = None) -> str:
    """Where the redirect that ``chain[-1]`` answered leads; FetchError when it must not be
    followed (no Location, not http(s), a URL already in the chain, more than ``limit`` hops)."""
    here = chain[-1]
    location = _location(headers)
    if not location:
        raise FetchError(f"{here}: HTTP {status} redirect without a Location header",
                         source=source)
    try:
        target = urldefrag(requote_uri(urljoin(here, location)))[0]
        scheme = urlsplit(target).scheme
    except ValueError:  # e.g. a malformed IPv6 host
        scheme = ""
    if scheme not in ("http", "https"):
        raise FetchError(f"{here}: HTTP {status} redirect to {location!r}, which is not an "
                         "http(s) URL", source=source)
    if target in chain:
        raise FetchError(f"redirect loop: {_shown(chain, target)}", source=source)
    if len(chain) > limit:
        raise FetchError(f"more than {limit} redirects: {_shown(chain, target)}", source=source)
    return target


def refuse_internal(chain: list[str], status: int, target: str,
                    source: str | None = None) -> None:
    """FetchError when ``target`` is on another machine than ``chain[0]``, at an internal address.

    Not concerned: a source configured on such an address (a local mirror, tests), hops within the
    first host, and hops to another name of the first host's own addresses (``localhost`` and
    ``127.0.0.1``, another port included). The name is resolved here and again by the request,
    so a host whose DNS answer changes in between is not caught.
    """
    address = internal_address(chain[0], target)
    if address is not None:
        raise FetchError(
            f"{chain[-1]}: HTTP {status} redirect to {target} refused: "
            f"{urlsplit(target).hostname} is at {address}, a loopback, private, link-local or "
            "reserved address; set http.allow_private_redirects: true to follow such redirects",
            source=source)


def internal_address(first: str, target: str) -> str | None:
    """An internal address ``target``'s host resolves to that ``first``'s host does not (another
    machine); None when there is none, or the host does not resolve (the request then fails as
    an unknown host)."""
    host, origin = urlsplit(target).hostname, urlsplit(first).hostname
    if host is None or host == origin:
        return None
    internal = [ip for ip in _resolve(host) if not ip.is_global or ip.is_multicast]
    if not internal:
        return None
    same_machine = set(_resolve(origin)) if origin else set()
    return next((str(ip) for ip in internal if ip not in same_machine), None)


def _resolve(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """The addresses ``host`` resolves to (an IPv4 address written as IPv6 counts as itself)."""
    try:
        found = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    addresses = []
    for info in found:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # no zone ("fe80::1%eth0")
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        addresses.append(ip)
    return addresses


def same_origin(first: str, second: str) -> bool:
    """Whether two URLs share scheme, host and port (headers may then go along)."""
    one, two = urlsplit(first), urlsplit(second)
    return (one.scheme, one.netloc.lower()) == (two.scheme, two.netloc.lower())


def describe(chain: list[str]) -> str:
    """`` (redirected: a -> b)`` for a chain of several URLs, nothing for a single one."""
    return f" (redirected: {' -> '.join(chain)})" if len(chain) > 1 else ""


def _location(headers: Mapping[str, str]) -> str:
    """The Location header, stripped; http.client reads header bytes as Latin-1, so UTF-8 ones
    are read again as UTF-8 (as requests does)."""
    location = (headers.get("Location") or "").strip()
    try:
        return location.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return location


def _shown(chain: list[str], target: str) -> str:
    """The chain and the refused target, joined by arrows."""
    return " -> ".join([*chain, target])
