"""Credential gaps count what a credential implies: a licence meeting another's posts opens them."""

from __future__ import annotations

from pathlib import Path

from report_support import make_posting

from pipeline.match import Matcher
from pipeline.posting import Remote
from pipeline.report.demand import credential_gaps
from pipeline.report.fitting import subscriber_fit

ROOT = Path(__file__).resolve().parents[2]
#: Care coordination work, no licence named: every licence is a gap for it.
RESUME = ("Care coordinator for six years: discharge planning, care coordination and "
          "utilization review for heart failure patients; motivational interviewing.\n")


def test_a_licence_that_implies_the_one_asked_opens_the_post():
    matcher = Matcher.from_files(ROOT / "models" / "care_manager.yaml")
    postings = [make_posting("main", "L1", "Care Coordinator", "Acme Health", "Austin", "TX",
                             Remote.ONSITE, "LPN license required. Care coordination, discharge "
                             "planning and utilization review for members.")]
    fit = subscriber_fit(matcher, postings, RESUME, None, 0.0)
    gaps = {gap.code: gap.opens for gap in credential_gaps(fit)}
    # an RN may take an LPN's post (the profile's implied_by), so naming RN opens it as LPN does
    assert gaps.get("LPN") == 1
    assert gaps.get("RN") == 1
