"""Shared test helpers: a jobs.yaml in a temporary folder, over the repository's role profile,
``db_url``: each test's own database, on SQLite and on PostgreSQL, and the grouping that keeps
tests sharing an expensive fixture on one pytest-xdist worker (``make test`` runs in parallel)."""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path

import pytest
import yaml
from browser_support import CHROMIUM, CHROMIUM_ARGS
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

# Compiled modules are cached even where the environment says not to (PYTHONDONTWRITEBYTECODE):
# without the cache each xdist worker rewrites the asserts of every test module and compiles the
# package again (~3 CPU s a worker), and each `pipeline` subprocess a test starts compiles what it
# imports (up to ~1 CPU s). The caches go where Python puts them, in ignored __pycache__ folders.
sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)

REPO = Path(__file__).resolve().parents[1]
PROFILE = REPO / "models" / "care_manager.yaml"

#: A few postings in the project's model: two care-management jobs and two near misses.
SAMPLE_POSTINGS = [
    {"source_id": "cm-1", "title": "RN Case Manager", "company": "Lakeside Health",
     "location": "Columbus, OH", "remote": "hybrid", "salary_min": 78000, "salary_max": 92000,
     "salary_currency": "USD", "salary_period": "year", "url": "https://jobs.example/cm-1",
     "posted_at": "2026-11-20T09:00:00Z",
     "description": "Coordinate care for patients with complex needs: assessments, care plans, "
                    "discharge planning, utilization review, community resources. Requires an "
                    "active RN license; CCM preferred."},
    {"source_id": "cm-2", "title": "Care Coordinator - Medicaid", "company": "Summit Plan",
     "location": "Remote - US", "remote": "remote", "url": "https://jobs.example/cm-2",
     "description": "Telephonic care coordination for Medicaid members: assess needs, build "
                    "care plans, connect members with community resources, follow up after "
                    "hospital discharge. LCSW or RN required."},
    {"source_id": "nm-1", "title": "Staff Nurse, ICU", "company": "Lakeside Health",
     "location": "Columbus, OH", "remote": "onsite", "url": "https://jobs.example/nm-1",
     "description": "Bedside critical care nursing in a 24-bed ICU: ventilators, titrating "
                    "drips, 12-hour shifts. Requires an active RN license and BLS/ACLS."},
    {"source_id": "it-1", "title": "Senior Software Engineer", "company": "Byte Corp",
     "location": "Austin, TX", "remote": "onsite", "url": "https://jobs.example/it-1",
     "description": "Build data pipelines in Python and Go; Kubernetes, AWS, CI/CD."},
]


def write_config(folder: Path, postings: list[dict] | None = None, **sections) -> Path:
    """A jobs.yaml in ``folder`` reading ``postings`` from ``folder/postings``; returns its path."""
    (folder / "postings").mkdir(parents=True, exist_ok=True)
    lines = "\n".join(json.dumps(p) for p in (postings if postings is not None
                                               else SAMPLE_POSTINGS))
    (folder / "postings" / "postings.jsonl").write_text(lines + "\n", encoding="utf-8")
    config = {
        "profile": {"path": str(PROFILE)},
        "sources": [{"name": "local", "type": "files", "path": "postings"}],
        "subscribers": [{"email": "dana@example.org", "name": "Dana"}],
        "matching": {"min_score": 0.0},
        **sections,
    }
    path = folder / "jobs.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def config_file(tmp_path) -> Path:
    """A jobs.yaml over the sample postings, in a temporary folder."""
    return write_config(tmp_path)


@pytest.fixture
def make_config(tmp_path):
    """A factory: ``make_config(postings=None, **sections)`` writes jobs.yaml in tmp_path."""
    return lambda postings=None, **sections: write_config(tmp_path, postings, **sections)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for every browser test of a worker (each opens its own context);
    the browser tests check first that it is installed (``needs_chromium`` of test_web)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: A PostgreSQL database the tests may create schemas in (scripts/with-postgres.sh starts one).
POSTGRES = os.environ.get("PIPELINE_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """The URL of a fresh, empty database: a SQLite file, or a schema of its own on PostgreSQL.

    PostgreSQL tests skip without PIPELINE_TEST_POSTGRES_URL, except under CI=true: they fail.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/jobs.db"
        return
    if not POSTGRES:
        if os.environ.get("CI") == "true":
            pytest.fail("PIPELINE_TEST_POSTGRES_URL is not set: CI runs the PostgreSQL tests "
                        "through scripts/with-postgres.sh")
        pytest.skip("no PostgreSQL server: run the tests through scripts/with-postgres.sh "
                    "(or set PIPELINE_TEST_POSTGRES_URL)")
    yield from _postgres_schema(f"t_{uuid.uuid4().hex[:16]}")


def _postgres_schema(name: str):
    """Yield a URL whose connections work in schema ``name`` only; drop it afterwards."""
    url = make_url(POSTGRES).update_query_dict(
        {"options": f"-csearch_path={name}", "application_name": name})
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:  # connections a test left open would block the drop
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :name"), {"name": name})
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items) -> None:
    """Keep the tests sharing one of our module- or session-scoped fixtures on one xdist worker.

    Under ``--dist loadgroup`` each group runs on a single worker, so a wheel build, a Chromium or
    an RSA key made once per module (or session) is made once, not once per worker that happens
    to get one of its tests. Browser tests form one group: one Chromium at a time on two cores.
    """
    for item in items:
        group = _shared_fixture_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


def _shared_fixture_group(item) -> str | None:
    """The xdist group of ``item``: "browser", a session fixture's name, its module, or None."""
    if item.get_closest_marker("browser"):
        return "browser"
    scopes = {fixturedefs[-1].scope for fixturedefs in _our_fixtures(item)}
    if "session" in scopes or "package" in scopes:
        return "session:" + min(d[-1].argname for d in _our_fixtures(item)
                                if d[-1].scope in ("session", "package"))
    return item.nodeid.split("::")[0] if "module" in scopes else None


def _our_fixtures(item) -> list:
    """The fixture definitions ``item`` uses that a conftest or test module defines (a plugin's
    fixtures have an empty ``baseid``)."""
    info = getattr(item, "_fixtureinfo", None)
    return [defs for defs in (info.name2fixturedefs.values() if info else ())
            if defs and defs[-1].baseid]
