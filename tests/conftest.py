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
from warm import RANKING_GROUP

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
    admin = _admin()
    with admin.connect() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:  # connections a test left open would block the drop
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE application_name = :name"), {"name": name})
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))


_ADMIN = []


def _admin():
    """One engine per worker for creating and dropping the schemas (a new engine for each test
    cost ~35 ms of connecting and reading the server's settings); not a fixture, so the tests
    using ``db_url`` are not kept on one worker for it."""
    if not _ADMIN:
        _ADMIN.append(create_engine(POSTGRES, isolation_level="AUTOCOMMIT", pool_size=1))
    return _ADMIN[0]


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


#: Tests that mostly wait on real time (two `pipeline schedule` workers running 1 s intervals,
#: a killed worker's lease expiring), by node id prefix. They join the group of the ranking fork
#: server's tests (tests/warm.py), which wait the same way: one xdist worker waits through them
#: in turn while the two others keep both cores busy; spread, two workers waited at once and a
#: core idled.
WAITING = ("tests/service/test_workers.py::",)


def _shared_fixture_group(item) -> str | None:
    """The xdist group of ``item``: "browser", the waiting tests' group, a session fixture's
    name, its module, or None."""
    if item.get_closest_marker("browser"):
        return "browser"
    if item.nodeid.startswith(WAITING):
        return RANKING_GROUP
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


#: Tests that take seconds of real time (processes started, leases and claims left to expire,
#: a wheel built, Chromium), by node id prefix: roughly their seconds on a quiet machine.
SLOW = {
    "tests/test_install.py": 12,  # the wheel, built once for its group
    "tests/service/test_workers.py::test_two_workers": 8,
    "tests/service/test_workers.py::test_a_worker_killed": 7,
    "tests/notify/test_relay_workers.py::test_a_relay_killed": 1,
    "tests/notify/test_relay.py::test_pipeline_run_killed": 2,
    "tests/service/test_subscriber_e2e.py": 5,
    "tests/service/test_jobs.py::test_s": 4,
    "tests/store/test_migrations.py::test_": 2,
    "tests/notify/test_digest_one_pass.py::test_": 1,
    "tests/service/test_web.py::test_pipeline_serve_access_log": 3,
    "tests/service/test_scheduler.py::test_the_running_service": 3,
    "tests/service/test_signals.py::test_": 2,
    "tests/match/test_real_eval.py::test_": 2,
}


def pytest_configure(config) -> None:
    """Order the work of xdist workers by ``SlowFirst`` (without pytest-xdist's own order, which
    puts the groups with most tests first), and check that tests kept together stay so."""
    if hasattr(config.option, "loadscopereorder"):
        config.option.loadscopereorder = False
    if (getattr(config.option, "dist", None) == "loadgroup"
            and _version("pytest") >= (9, 2) and _version("pytest-xdist") < (3, 9)):
        raise pytest.UsageError(
            "pytest 9.2 drops the groups of pytest-xdist 3.8's --dist loadgroup "
            "(pytest-dev/pytest-xdist#1386): install the versions pyproject.toml asks for "
            "(pip install -e '.[test]')")
    config.pluginmanager.register(SlowFirst(), "slow-first")


def pytest_unconfigure(config) -> None:
    """Stop the fork server of tests/warm.py, if a test started one, waiting for it: its
    children's CPU time is then counted in this process's."""
    if "warm" in sys.modules:
        sys.modules["warm"].stop()


def _version(name: str) -> tuple[int, ...]:
    """The first two numbers of an installed distribution's version."""
    from importlib.metadata import version

    return tuple(int(part) for part in version(name).split(".")[:2] if part.isdigit())


class SlowFirst:
    """Runs the work units (an xdist group, else one test) that take longest first, so that under
    ``--dist loadgroup`` no worker is left alone at the end with a long one: a unit's cost is its
    tests' ``SLOW`` seconds (0.1 for any other test); units keep the collection order otherwise."""

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items) -> None:
        """Sort ``items`` (after the grouping above and pytest-xdist's own hook)."""
        _check_groups_kept(config, items)
        cost: dict[str, float] = {}
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            unit = _unit(item)
            seconds = next((s for prefix, s in SLOW.items() if item.nodeid.startswith(prefix)),
                           0.1)
            cost[unit] = cost.get(unit, 0.0) + seconds
            first.setdefault(unit, index)
        order = {id(item): index for index, item in enumerate(items)}
        items.sort(key=lambda item: (-cost[_unit(item)], first[_unit(item)], order[id(item)]))


def _unit(item) -> str:
    """What pytest-xdist hands a worker at once: the item's group, else the item alone."""
    mark = item.get_closest_marker("xdist_group")
    return f"@{mark.args[0]}" if mark else item.nodeid


def _check_groups_kept(config, items) -> None:
    """Fail at once where ``--dist loadgroup`` would spread a group over the workers.

    pytest-xdist tells the controller a test's group by adding ``@group`` to its node id on the
    worker; pytest 9.2 ignores that change (pytest-dev/pytest-xdist#1386), and every group was
    silently spread again (a wheel built and Chromium started on each worker).
    """
    if not getattr(config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup would not keep {len(lost)} grouped tests together (e.g. "
            f"{lost[0]}): this pytest does not take pytest-xdist's group names; install "
            "the versions pyproject.toml asks for")
