"""The fixture database of the report tests (``report_support``)."""

from __future__ import annotations

import pytest
from report_support import store_market


@pytest.fixture
def market(tmp_path, monkeypatch):
    """(config, store, now) with the fixture postings stored and the subscriber saved."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    return store_market(tmp_path)
