"""Shared helpers for source tests: the project's fixture bodies, an HTTP client, and serving.

Fixture bodies live in ``fixtures/sources/<board>/`` in each board's own format; tests serve them
from a real HTTP server on 127.0.0.1 (pytest-httpserver) and point the source's ``url`` at it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pipeline.config import HttpConfig
from pipeline.http import HttpClient

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures" / "sources"


def fixture_text(board: str, name: str) -> str:
    """The text of ``fixtures/sources/<board>/<name>``."""
    return (FIXTURES / board / name).read_text(encoding="utf-8")


def fixture_json(board: str, name: str) -> Any:
    """The parsed JSON of ``fixtures/sources/<board>/<name>``."""
    return json.loads(fixture_text(board, name))


def readme_example(board: str) -> list[dict]:
    """The sources of the YAML example under ``### <board>`` in README.md."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = re.search(rf"^### {board}\n(.*?)(?=^##)", readme, re.M | re.S)
    assert section, f"README.md has no '### {board}' section"
    block = re.search(r"```yaml\n(.*?)```", section.group(1), re.S)
    assert block, f"README.md's '### {board}' section has no yaml example"
    return yaml.safe_load(block.group(1))


@pytest.fixture
def readme_sources():
    """``readme_sources(board)``: the source entries of that board's README example."""
    return readme_example


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
