"""Helpers of the subscriber-page tests: the resume lines they upload, and a wait."""

from __future__ import annotations

import waiting

RESUME_LINES = ["Dana Reyes, RN, CCM", "Nurse case manager, 6 years: care planning,",
                "discharge planning, utilization review, community resources,",
                "care coordination for members with complex chronic conditions."]


def wait_for(condition):
    """Poll ``condition`` until it is true (a background send); its value."""
    return waiting.wait_for(condition, "a message in the test inbox")
