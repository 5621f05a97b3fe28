"""Where the suite's CPU time goes, test by test; a pytest plugin, off unless asked for:

    bash scripts/with-postgres.sh .venv/bin/python -m pytest -n 3 --dist loadgroup \\
        -p tests.cpu_per_test --cpu-per-test=/tmp/cpu

writes one file per process (``gw0.tsv``..., or ``main.tsv``) in that folder: a line per test
(node id, CPU seconds of the test process, of its children, wall seconds; setup and teardown
included) and a last line ``__total__`` with the process's own and its children's CPU seconds
so far (what the tests' lines leave over is collection and imports).

A child's CPU time counts when it is reaped: Chromium's shows in the test whose teardown closes
the browser, and that of the processes forked by tests/warm.py in no test (their fork server is
reaped after this writes; the whole run's ``/usr/bin/time`` counts them).
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

import pytest

_rows: list[tuple[str, float, float, float]] = []


def pytest_addoption(parser) -> None:
    parser.addoption("--cpu-per-test", metavar="DIR", default=None,
                     help="write each test's CPU seconds (own, children) and wall seconds to "
                          "DIR/<xdist worker or main>.tsv")


def _cpu() -> tuple[float, float]:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    own, children = _cpu()
    start = time.perf_counter()
    yield
    own_after, children_after = _cpu()
    _rows.append((item.nodeid, own_after - own, children_after - children,
                  time.perf_counter() - start))


def pytest_sessionfinish(session) -> None:
    folder = session.config.getoption("--cpu-per-test")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own, children = _cpu()
    lines = [f"{nodeid}\t{a:.3f}\t{b:.3f}\t{wall:.3f}" for nodeid, a, b, wall in _rows]
    lines.append(f"__total__\t{own:.3f}\t{children:.3f}\t0")
    (Path(folder) / f"{name}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
