"""The polite HTTP client against a real HTTP server on 127.0.0.1 (pytest-httpserver)."""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from in_flight import InFlight
from local_server import LocalServer
from pytest_httpserver import HTTPServer
from trickle import Trickle
from werkzeug import Request, Response

from pipeline.config import HttpConfig
from pipeline.errors import FetchError, ParseError
from pipeline.http import HttpClient
from pipeline.http import pacing as http_pacing


def make_client(tmp_path=None, **overrides) -> HttpClient:
    """A client with fast defaults: no pacing, tiny backoff, cache only when tmp_path is given."""
    settings = dict(per_host_interval=0, backoff=0.01, retries=2,
                    cache_dir=(tmp_path / "cache") if tmp_path else None)
    settings.update(overrides)
    return HttpClient(HttpConfig(**settings))


@pytest.fixture
def threaded_server():
    """A threaded HTTP server, so concurrent requests really overlap."""
    server = LocalServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def free_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_connection_refused_raises_fetch_error_naming_the_source():
    client = make_client(retries=0)
    with pytest.raises(FetchError, match="connection refused") as info:
        client.get(f"http://127.0.0.1:{free_port()}/jobs", source="acme")
    assert info.value.source == "acme"


def test_read_timeout_raises_fetch_error(httpserver: HTTPServer):
    def slow(request: Request) -> Response:
        time.sleep(0.5)  # past the 0.2 s timeout; the shared server is busy until it returns
        return Response("late")

    httpserver.expect_request("/slow").respond_with_handler(slow)
    client = make_client(retries=0, read_timeout=0.2)
    with pytest.raises(FetchError, match="timed out"):
        client.get(httpserver.url_for("/slow"), source="slowpoke")


def test_a_read_timeout_is_tried_once_more(threaded_server: HTTPServer):
    calls: list[int] = []

    def slow_once(request: Request) -> Response:
        calls.append(1)
        if len(calls) == 1:
            time.sleep(1.0)
        return Response("answered")

    threaded_server.expect_request("/hang").respond_with_handler(slow_once)
    client = make_client(retries=3, read_timeout=0.3)
    assert client.get_text(threaded_server.url_for("/hang")) == "answered"
    assert len(calls) == 2


def test_429_with_retry_after_is_waited_out_then_succeeds(httpserver: HTTPServer):
    times: list[float] = []

    def limited(request: Request) -> Response:
        times.append(time.monotonic())
        if len(times) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response(json.dumps({"jobs": []}), content_type="application/json")

    httpserver.expect_request("/jobs").respond_with_handler(limited)
    assert make_client().get_json(httpserver.url_for("/jobs")) == {"jobs": []}
    assert len(times) == 2
    assert times[1] - times[0] >= 0.9  # the server's Retry-After was honoured


def test_retry_after_is_capped_by_config(httpserver: HTTPServer):
    times: list[float] = []

    def limited(request: Request) -> Response:
        times.append(time.monotonic())
        if len(times) == 1:
            return Response("later", status=503, headers={"Retry-After": "3600"})
        return Response("ok")

    httpserver.expect_request("/jobs").respond_with_handler(limited)
    assert make_client(max_retry_after=0.1).get_text(httpserver.url_for("/jobs")) == "ok"
    assert times[1] - times[0] < 60  # an hour-long Retry-After was cut to the cap


def test_500_then_success_is_retried(httpserver: HTTPServer):
    httpserver.expect_ordered_request("/jobs").respond_with_data("oops", status=500)
    httpserver.expect_ordered_request("/jobs").respond_with_json({"ok": True})
    assert make_client().get_json(httpserver.url_for("/jobs")) == {"ok": True}


def test_persistent_500_fails_after_the_configured_retries(httpserver: HTTPServer):
    httpserver.expect_request("/jobs").respond_with_data("down", status=500)
    with pytest.raises(FetchError, match="HTTP 500") as info:
        make_client(retries=2).get(httpserver.url_for("/jobs"), source="down")
    assert info.value.source == "down"
    assert len(httpserver.log) == 3  # one try and two retries


def test_404_is_not_retried(httpserver: HTTPServer):
    httpserver.expect_request("/gone").respond_with_data("no", status=404)
    with pytest.raises(FetchError, match="404"):
        make_client(retries=3).get(httpserver.url_for("/gone"))
    assert len(httpserver.log) == 1


def test_malformed_json_raises_parse_error(httpserver: HTTPServer):
    httpserver.expect_request("/jobs").respond_with_data(
        '{"jobs": [', content_type="application/json")
    with pytest.raises(ParseError, match="malformed JSON") as info:
        make_client().get_json(httpserver.url_for("/jobs"), source="broken")
    assert info.value.source == "broken"


def test_html_page_where_json_was_expected_says_so(httpserver: HTTPServer):
    page = "<!DOCTYPE html><html><head><title>Maintenance</title></head><body>Back soon</body>"
    httpserver.expect_request("/jobs").respond_with_data(page, content_type="text/html")
    with pytest.raises(ParseError, match="expected JSON but got an HTML page"):
        make_client().get_json(httpserver.url_for("/jobs"))


def test_oversized_body_with_content_length_is_refused(httpserver: HTTPServer):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(FetchError, match="1000-byte limit"):
        make_client(max_body_bytes=1000).get(httpserver.url_for("/big"))


def test_oversized_streamed_body_is_cut_off(httpserver: HTTPServer):
    sent: list[int] = []

    def endless(request: Request) -> Response:
        def chunks():
            for _ in range(10_000):
                sent.append(1)
                yield b"y" * 1024
        return Response(chunks(), content_type="text/plain")  # chunked, no Content-Length

    httpserver.expect_request("/stream").respond_with_handler(endless)
    with pytest.raises(FetchError, match="over the 4096-byte limit"):
        make_client(max_body_bytes=4096).get(httpserver.url_for("/stream"))


@pytest.mark.parametrize(("body", "content_type"), [
    ("Café – Crème".encode("cp1252"), "text/plain; charset=utf-8"),  # declared wrong
    ("Café – Crème".encode(), "text/plain; charset=iso-8859-1"),  # UTF-8 labelled Latin-1
    ("Café – Crème".encode(), "text/plain; charset=x-no-such-charset"),
    ("Café – Crème".encode(), "text/plain"),
])
def test_wrong_or_missing_charset_still_decodes(httpserver: HTTPServer, body, content_type):
    httpserver.expect_request("/text").respond_with_data(body, content_type=content_type)
    assert make_client().get_text(httpserver.url_for("/text")) == "Café – Crème"


def test_declared_charset_is_used(httpserver: HTTPServer):
    body = "Größe".encode("iso-8859-1")
    httpserver.expect_request("/t").respond_with_data(body,
                                                      content_type="text/plain; charset=latin-1")
    assert make_client().get_text(httpserver.url_for("/t")) == "Größe"


def test_conditional_get_returns_cached_body_on_304(httpserver: HTTPServer, tmp_path):
    def board(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response(json.dumps({"jobs": [1, 2]}), content_type="application/json",
                        headers={"ETag": '"v1"'})

    httpserver.expect_request("/board").respond_with_handler(board)
    client = make_client(tmp_path)
    first = client.get(httpserver.url_for("/board"), params={"content": "true"})
    second = client.get(httpserver.url_for("/board"), params={"content": "true"})
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.json() == {"jobs": [1, 2]}
    assert second.status == 304
    other = client.get(httpserver.url_for("/board"), params={"content": "false"})
    assert other.from_cache is False  # the cache is keyed by URL and parameters


def test_conditional_get_with_last_modified_survives_a_new_client(httpserver: HTTPServer,
                                                                   tmp_path):
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"

    def board(request: Request) -> Response:
        if request.headers.get("If-Modified-Since") == stamp:
            return Response(status=304)
        return Response("listing", headers={"Last-Modified": stamp})

    httpserver.expect_request("/feed").respond_with_handler(board)
    make_client(tmp_path).get(httpserver.url_for("/feed"))
    again = make_client(tmp_path).get(httpserver.url_for("/feed"))
    assert again.from_cache and again.text == "listing"


def test_robots_txt_disallow_is_honoured_and_fetched_once(httpserver: HTTPServer):
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /careers/private\n")
    httpserver.expect_request("/careers/open").respond_with_data("welcome")
    client = make_client()
    with pytest.raises(FetchError, match="robots.txt") as info:
        client.get(httpserver.url_for("/careers/private/job"), robots=True, source="acme")
    assert info.value.source == "acme"
    assert client.get_text(httpserver.url_for("/careers/open"), robots=True) == "welcome"
    robots_hits = [r for r, _ in httpserver.log if r.path == "/robots.txt"]
    assert len(robots_hits) == 1


def test_missing_robots_txt_allows_everything(httpserver: HTTPServer):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/careers").respond_with_data("jobs")
    assert make_client().get_text(httpserver.url_for("/careers"), robots=True) == "jobs"


def test_user_agent_names_the_contact(httpserver: HTTPServer):
    httpserver.expect_request(
        "/ua", headers={"User-Agent": "care-bot/1.0 (+ops@example.org)"}
    ).respond_with_data("hi")
    client = make_client(user_agent="care-bot/1.0", contact="ops@example.org")
    assert client.get_text(httpserver.url_for("/ua")) == "hi"


def test_per_host_concurrency_is_never_exceeded(threaded_server: HTTPServer):
    served = InFlight(delay=0.1)
    threaded_server.expect_request("/job").respond_with_handler(
        served.handler(lambda request: Response("ok")))
    client = make_client(per_host_concurrency=2, concurrency=8)
    with ThreadPoolExecutor(max_workers=8) as pool:
        bodies = list(pool.map(lambda i: client.get_text(threaded_server.url_for(f"/job?i={i}")),
                               range(16)))
    assert bodies == ["ok"] * 16
    assert served.most == 2  # requests did overlap, but never more than two
    assert max(client.peak_in_flight().values()) == 2


def test_per_host_interval_spaces_requests(httpserver: HTTPServer):
    times: list[float] = []

    def stamp(request: Request) -> Response:
        times.append(time.monotonic())
        return Response("ok")

    httpserver.expect_request("/p").respond_with_handler(stamp)
    client = make_client(per_host_interval=0.2)
    before = time.monotonic()
    for _ in range(3):
        client.get(httpserver.url_for("/p"))
    # The n-th request may start 0.2 s * n after the first, which started after ``before``: a
    # lower bound that a slow machine (a late first request) can only make longer.
    assert len(times) == 3
    assert all(t - before >= 0.2 * n - 0.001 for n, t in enumerate(times)), times


def test_client_is_a_context_manager(httpserver: HTTPServer):
    httpserver.expect_request("/x").respond_with_data("x")
    with make_client() as client:
        assert client.get_text(httpserver.url_for("/x")) == "x"


@pytest.mark.parametrize("chunked", [True, False])
def test_a_body_dripped_a_byte_at_a_time_is_given_up(chunked):
    """Each byte comes within the read timeout, so only a deadline on the whole body stops it."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        framing = b"Transfer-Encoding: chunked" if chunked else b"Content-Length: 100000"
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + framing + b"\r\n\r\n")
        while not stop.wait(0.02):
            try:
                conn.sendall(b"1\r\nx\r\n" if chunked else b"x")
            except OSError:
                break
        conn.close()

    thread = threading.Thread(target=drip, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    try:
        with pytest.raises(FetchError, match=r"body still arriving at the 0.5-s request deadline"):
            make_client(retries=0, read_timeout=0.25, request_deadline=0.5).get(
                f"http://127.0.0.1:{port}/")
    finally:
        stop.set()
        thread.join()
        listener.close()


def test_a_gzip_encoded_body_is_decoded(httpserver: HTTPServer):
    body = json.dumps({"jobs": ["Care Manager"] * 200}).encode()
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(body), headers={"Content-Encoding": "gzip"},
        content_type="application/json")
    assert make_client().get_json(httpserver.url_for("/gz")) == {"jobs": ["Care Manager"] * 200}


# Redirects: each hop is a request to its own host, paced and (for career pages) allowed there.

@pytest.fixture
def other_host():
    """A second server on another port: another host (and origin) for the client."""
    server = LocalServer(host="127.0.0.1", threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


def redirect(server: HTTPServer, path: str, location: str, status: int = 302) -> None:
    """Make ``server`` answer ``path`` with a redirect to ``location``."""
    server.expect_request(path).respond_with_data("", status=status,
                                                  headers={"Location": location})


def paths(server: HTTPServer) -> list[str]:
    """The paths ``server`` was asked for, in order."""
    return [request.path for request, _ in server.log]


def test_a_redirect_to_another_host_checks_that_hosts_robots_txt(httpserver: HTTPServer,
                                                                  other_host: HTTPServer):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    redirect(httpserver, "/jobs", other_host.url_for("/careers/open"))
    other_host.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /careers/private\n")
    other_host.expect_request("/careers/open").respond_with_data("welcome")
    response = make_client().get(httpserver.url_for("/jobs"), robots=True)
    assert response.text == "welcome"
    assert response.url == other_host.url_for("/careers/open")
    assert paths(httpserver) == ["/robots.txt", "/jobs"]
    assert paths(other_host) == ["/robots.txt", "/careers/open"]


def test_a_redirect_to_a_disallowed_url_is_refused_and_never_requested(
        httpserver: HTTPServer, other_host: HTTPServer):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n")
    redirect(httpserver, "/jobs", other_host.url_for("/careers/private/job"))
    other_host.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /careers/private\n")
    other_host.expect_request("/careers/private/job").respond_with_data("secret")
    with pytest.raises(FetchError, match="disallowed by the site's robots.txt") as info:
        make_client().get(httpserver.url_for("/jobs"), robots=True, source="acme")
    assert info.value.source == "acme"
    assert f"{httpserver.url_for('/jobs')} -> {other_host.url_for('/careers/private/job')}" \
        in str(info.value)
    assert paths(other_host) == ["/robots.txt"]


def test_a_robots_txt_that_redirects_is_followed(httpserver: HTTPServer, other_host: HTTPServer):
    redirect(httpserver, "/robots.txt", other_host.url_for("/robots.txt"), status=301)
    other_host.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /private\n")
    httpserver.expect_request("/private/page").respond_with_data("secret")
    with pytest.raises(FetchError, match="robots.txt"):
        make_client().get(httpserver.url_for("/private/page"), robots=True)
    assert paths(httpserver) == ["/robots.txt"]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_every_redirect_status_is_followed_with_a_get_and_no_body(
        httpserver: HTTPServer, other_host: HTTPServer, status):
    redirect(httpserver, "/jobs", other_host.url_for("/moved"), status=status)
    other_host.expect_request("/moved", method="GET").respond_with_data("here")
    assert make_client().get_text(httpserver.url_for("/jobs")) == "here"
    (request, _), = other_host.log
    assert request.method == "GET" and request.get_data() == b""


def test_caller_headers_follow_a_redirect_only_within_the_same_origin(
        httpserver: HTTPServer, other_host: HTTPServer):
    redirect(httpserver, "/v1/search", "/v2/search")
    redirect(httpserver, "/v2/search", other_host.url_for("/elsewhere"))
    other_host.expect_request("/elsewhere").respond_with_data("done")
    client = make_client()
    assert client.get_text(httpserver.url_for("/v1/search"),
                           headers={"Authorization-Key": "k3y"}) == "done"
    keys = [request.headers.get("Authorization-Key") for request, _ in httpserver.log]
    assert keys == ["k3y", "k3y"]
    (request, _), = other_host.log
    assert request.headers.get("Authorization-Key") is None  # the key is not given away


@pytest.mark.parametrize(("location", "landing"), [
    ("/careers/new", "/careers/new"),
    ("../new/list?page=2", "/careers/new/list"),
    ("listing", "/careers/old/listing"),
])
def test_a_relative_location_is_resolved_against_the_url_that_answered(
        httpserver: HTTPServer, location, landing):
    redirect(httpserver, "/careers/old/index", location)
    httpserver.expect_request(landing).respond_with_data("found")
    response = make_client().get(httpserver.url_for("/careers/old/index"))
    assert response.text == "found"
    assert paths(httpserver) == ["/careers/old/index", landing]
    assert response.url.startswith(httpserver.url_for(landing))


def test_a_redirect_loop_fails_naming_the_chain(httpserver: HTTPServer):
    redirect(httpserver, "/a", "/b")
    redirect(httpserver, "/b", httpserver.url_for("/a"))
    with pytest.raises(FetchError, match="redirect loop") as info:
        make_client().get(httpserver.url_for("/a"), source="loopy")
    a, b = httpserver.url_for("/a"), httpserver.url_for("/b")
    assert f"{a} -> {b} -> {a}" in str(info.value)
    assert info.value.source == "loopy"
    assert paths(httpserver) == ["/a", "/b"]


def test_too_many_redirects_fail_naming_the_chain(httpserver: HTTPServer):
    def onwards(request: Request) -> Response:
        hop = int(request.path.rsplit("/", 1)[1])
        return Response("", status=302, headers={"Location": f"/hop/{hop + 1}"})

    httpserver.expect_request(re.compile(r"/hop/\d+")).respond_with_handler(onwards)
    with pytest.raises(FetchError, match="more than 10 redirects") as info:
        make_client().get(httpserver.url_for("/hop/0"))
    assert f"{httpserver.url_for('/hop/10')} -> {httpserver.url_for('/hop/11')}" \
        in str(info.value)
    assert len(httpserver.log) == 11  # the first request and ten redirects, no more


def test_a_redirect_without_location_is_an_error(httpserver: HTTPServer):
    httpserver.expect_request("/jobs").respond_with_data("", status=302)
    with pytest.raises(FetchError, match="302 redirect without a Location"):
        make_client().get(httpserver.url_for("/jobs"))


def test_the_redirected_hop_counts_toward_the_other_hosts_interval(
        httpserver: HTTPServer, other_host: HTTPServer, monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr(http_pacing, "_pause", waits.append)  # see the waits, skip the sleeping
    redirect(httpserver, "/jobs", other_host.url_for("/landing"))
    other_host.expect_request("/landing").respond_with_data("landed")
    other_host.expect_request("/direct").respond_with_data("direct")
    client = make_client(per_host_interval=600)
    client.get(httpserver.url_for("/jobs"))
    assert waits == []  # first request to either host
    client.get(other_host.url_for("/direct"))
    assert len(waits) == 1 and 500 < waits[0] <= 600  # the hop to /landing started it
    assert paths(other_host) == ["/landing", "/direct"]


def test_redirected_requests_share_the_other_hosts_in_flight_limit(
        threaded_server: HTTPServer, other_host: HTTPServer):
    served = InFlight(delay=0.1)

    def onwards(request: Request) -> Response:
        target = other_host.url_for(f"/job?i={request.args['i']}")
        return Response("", status=302, headers={"Location": target})

    other_host.expect_request("/job").respond_with_handler(
        served.handler(lambda request: Response("ok")))
    threaded_server.expect_request("/go").respond_with_handler(onwards)
    client = make_client(per_host_concurrency=2, concurrency=8)
    urls = [(threaded_server.url_for("/go") if i % 2 else other_host.url_for("/job")) + f"?i={i}"
            for i in range(16)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(client.get_text, urls)) == ["ok"] * 16
    assert served.most == 2  # direct and redirected requests together never exceed two


def test_the_cache_revalidates_the_final_url_of_a_redirect(httpserver: HTTPServer,
                                                            other_host: HTTPServer, tmp_path):
    def board(request: Request) -> Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return Response(status=304, headers={"ETag": '"v1"'})
        return Response("listing", headers={"ETag": '"v1"'})

    redirect(httpserver, "/board", other_host.url_for("/board"), status=301)
    other_host.expect_request("/board").respond_with_handler(board)
    client = make_client(tmp_path)
    first = client.get(httpserver.url_for("/board"))
    second = client.get(httpserver.url_for("/board"))
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.text == "listing" and second.url == other_host.url_for("/board")
    asked = [request.headers.get("If-None-Match") for request, _ in other_host.log]
    assert asked == [None, '"v1"']


def test_a_redirect_to_a_non_http_url_is_an_error(httpserver: HTTPServer):
    redirect(httpserver, "/jobs", "ftp://files.example.org/jobs.csv")
    with pytest.raises(FetchError, match="not an http"):
        make_client().get(httpserver.url_for("/jobs"))


def test_a_malformed_location_is_a_fetch_error():
    """werkzeug will not send a broken Location, so a bare socket does."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def answer_once() -> None:
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: http://[broken/jobs\r\n"
                     b"Content-Length: 0\r\nConnection: close\r\n\r\n")
        conn.close()

    thread = threading.Thread(target=answer_once, daemon=True)
    thread.start()
    try:
        with pytest.raises(FetchError, match="not an http"):
            make_client(retries=0).get(f"http://127.0.0.1:{listener.getsockname()[1]}/jobs")
    finally:
        thread.join(timeout=5)
        listener.close()


def test_a_url_without_a_scheme_is_a_fetch_error():
    with pytest.raises(FetchError, match="not a usable URL") as info:
        make_client().get("boards.example.org/jobs", source="typo")
    assert info.value.source == "typo"


def test_the_body_of_a_redirect_is_capped_too(httpserver: HTTPServer):
    def endless_redirect(request: Request) -> Response:
        def chunks():
            for _ in range(10_000):
                yield b"z" * 1024
        return Response(chunks(), status=302, headers={"Location": "/next"})

    httpserver.expect_request("/jobs").respond_with_handler(endless_redirect)
    httpserver.expect_request("/next").respond_with_data("next")
    with pytest.raises(FetchError, match="over the 4096-byte limit"):
        make_client(max_body_bytes=4096).get(httpserver.url_for("/jobs"))
    assert paths(httpserver) == ["/jobs"]


def test_an_interrupted_wait_gives_the_hosts_slot_back(httpserver: HTTPServer, monkeypatch):
    waits: list[float] = []

    def interrupted_once(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) == 1:
            raise KeyboardInterrupt  # Ctrl-C while waiting for the host's next start time

    monkeypatch.setattr(http_pacing, "_pause", interrupted_once)
    httpserver.expect_request("/jobs").respond_with_data("ok")
    client = make_client(per_host_concurrency=1, per_host_interval=600)
    url = httpserver.url_for("/jobs")
    assert client.get_text(url) == "ok"  # the first request to the host does not wait
    with pytest.raises(KeyboardInterrupt):
        client.get_text(url)
    answers: list[str] = []
    worker = threading.Thread(target=lambda: answers.append(client.get_text(url)), daemon=True)
    worker.start()
    worker.join(timeout=60)  # a slot kept by the interrupted request would block it for ever
    assert answers == ["ok"], "the interrupted request kept the host's only slot"
    assert len(waits) == 2 and len(httpserver.log) == 2


# Every byte of every answer (error statuses and retries too) under one deadline per request.

def test_a_503_whose_body_trickles_ends_at_the_request_deadline_without_a_retry():
    with Trickle(status=503) as board:
        client = make_client(retries=3, read_timeout=0.5, request_deadline=1)
        with pytest.raises(FetchError, match=r"HTTP 503 body still arriving at the 1-s request "
                                             r"deadline \(\d+ bytes\); stopped reading"):
            client.get(board.url, source="slow")
    assert board.served == 1  # no retry started once the deadline had passed


# A board must not redirect the fetcher to an internal address of another host.

def test_a_redirect_to_another_machines_loopback_address_is_refused_and_never_requested(
        httpserver: HTTPServer):
    internal = LocalServer(host="127.0.0.2")  # loopback, but not an address of localhost
    internal.start()
    try:
        internal.expect_request("/admin/secrets").respond_with_data("secret")
        redirect(httpserver, "/jobs", internal.url_for("/admin/secrets"))
        with pytest.raises(FetchError, match=r"redirect to http://127.0.0.2:\d+/admin/secrets "
                                             r"refused: 127.0.0.2 is at 127.0.0.2, a loopback"):
            make_client().get(httpserver.url_for("/jobs"), source="board")
        assert paths(internal) == []
        allowed = make_client(allow_private_redirects=True)
        assert allowed.get_text(httpserver.url_for("/jobs")) == "secret"
    finally:
        internal.clear()
        internal.stop()


def test_a_redirect_to_the_link_local_metadata_address_is_refused(httpserver: HTTPServer):
    redirect(httpserver, "/jobs", "http://169.254.169.254/latest/meta-data/")
    with pytest.raises(FetchError, match=r"refused: 169.254.169.254 is at 169.254.169.254"):
        make_client(retries=0).get(httpserver.url_for("/jobs"))


def test_headers_dripped_a_byte_at_a_time_end_at_the_request_deadline():
    with Trickle(status=200, in_headers=True) as board:
        client = make_client(retries=1, read_timeout=0.5, request_deadline=1)
        with pytest.raises(FetchError, match=r"still arriving at the 1-s request deadline"):
            client.get(board.url, source="slow")


def test_a_retry_after_longer_than_the_deadline_left_is_not_waited_for(httpserver: HTTPServer):
    httpserver.expect_request("/busy").respond_with_data(
        "busy", status=429, headers={"Retry-After": "30"})
    client = make_client(retries=3, max_retry_after=60, request_deadline=1)
    with pytest.raises(FetchError, match=r"HTTP 429.*a retry in 30 s would pass the 1-s "
                                         r"request deadline"):
        client.get(httpserver.url_for("/busy"))
    assert len(httpserver.log) == 1
