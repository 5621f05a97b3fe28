"""Waiting for what another thread or process does: one generous hang guard for every test.

The guard only stops a test that would otherwise hang: a test goes on as soon as its condition
holds, so a loaded machine (parallel pytest-xdist workers, other jobs) makes it slower, never
red. ``PIPELINE_TEST_WAIT`` (seconds) sets the guard.
"""

from __future__ import annotations

import os
import subprocess
import time

import pytest

#: Seconds a wait may last before the test fails as hung.
HANG_GUARD = float(os.environ.get("PIPELINE_TEST_WAIT", "180"))


def wait_for(condition, what: str, process: subprocess.Popen | None = None,
             interval: float = 0.02):
    """Poll ``condition`` until it is true and return its value; fail naming ``what`` if
    ``process`` exits first or the hang guard runs out."""
    deadline = time.monotonic() + HANG_GUARD
    while not (value := condition()):
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process exited ({process.returncode}) before {what}")
        if time.monotonic() > deadline:
            pytest.fail(f"still waiting after {HANG_GUARD:.0f} s for {what}")
        time.sleep(interval)
    return value
