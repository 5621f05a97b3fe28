"""Helpers of the subscriber-page tests: the resume lines they upload, and a wait."""

from __future__ import annotations

RESUME_LINES = ["Dana Reyes, RN, CCM", "Nurse case manager, 6 years: care planning,",
                "discharge planning, utilization review, community resources,",
                "care coordination for members with complex chronic conditions."]


def wait_for(condition, timeout: float = 10.0):
    """Poll ``condition`` until it is true (a background send); its last value."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)
