"""Shared helpers for source tests: the project's fixture bodies, an HTTP client, and serving.

Fixture bodies live in ``fixtures/sources/<board>/`` in each board's own format; tests serve them
from a real HTTP server on 127.0.0.1 (pytest-httpserver) and point the source's ``url`` at it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipeline.config import HttpConfig
from pipeline.http import HttpClient

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "sources"


def fixture_text(board: str, name: str) -> str:
    """The text of ``fixtures/sources/<board>/<name>``."""
    return (FIXTURES / board / name).read_text(encoding="utf-8")


def fixture_json(board: str, name: str) -> Any:
    """The parsed JSON of ``fixtures/sources/<board>/<name>``."""
    return json.loads(fixture_text(board, name))


@pytest.fixture
def board_json():
    """``board_json(board, name)``: a fresh copy of a fixture body, to alter in a test."""
    return fixture_json


@pytest.fixture
def http():
    """A real HttpClient with no cache, no pacing and no retries (tests stay fast)."""
    client = HttpClient(HttpConfig(cache_dir=None, per_host_interval=0, retries=0))
    yield client
    client.close()


@pytest.fixture
def serve(httpserver):
    """``serve(path, body, query=None, status=200)``: answer GET ``path`` with ``body``.

    ``body`` is a fixture file name as ``(board, name)``, a Python value (sent as JSON) or raw
    text. Returns the full URL of ``path`` on the test server.
    """

    def _serve(path: str, body: Any, *, query: dict | None = None, status: int = 200,
               content_type: str = "application/json") -> str:
        if isinstance(body, tuple):
            body = fixture_text(*body)
        elif not isinstance(body, str):
            body = json.dumps(body)
        httpserver.expect_request(path, method="GET", query_string=query).respond_with_data(
            body, status=status, content_type=content_type
        )
        return httpserver.url_for(path)

    return _serve
