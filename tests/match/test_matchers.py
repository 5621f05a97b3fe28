"""The role's domain vocabulary and the "shares with your resume" terms of explanations."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.match import Matcher, load_profile
from pipeline.match.evaluate import load_postings, load_resumes
from pipeline.match.matchers import ProfileMatchers, domain_terms

ROOT = Path(__file__).resolve().parents[2]

#: Words the old explanations listed because both texts used them: useless to a subscriber.
GENERIC = {"right", "weekly", "lead", "support", "cases", "team", "work", "the", "and",
           "communication skills", "teamwork", "collaboration", "hospital"}
#: Care-management practice an IT engineer's resume does not show.
CARE_PRACTICE = {"utilization review", "discharge planning", "interqual", "care plans",
                 "caseload", "care coordination", "readmission"}


@pytest.fixture(scope="module")
def ranked():
    """The main fixture postings ranked for the RN case manager and the IT engineer resumes."""
    matcher = Matcher(load_profile(ROOT / "models" / "care_manager.yaml"))
    postings = load_postings(ROOT / "fixtures" / "postings")
    resumes = load_resumes(ROOT / "fixtures" / "resumes")
    return {name: matcher.rank(postings, resumes[name], top=20)
            for name in ("rn_case_manager", "it_engineer")}


def test_domain_terms_leave_out_soft_skills_and_settings(profile):
    terms = set(domain_terms(profile))
    assert {"utilization review", "discharge planning", "interqual"} <= terms
    assert not terms & {"teamwork", "communication skills", "hospital"}


def test_terms_in_finds_phrases_across_punctuation_in_text_order(profile):
    found = ProfileMatchers.compile(profile).terms_in(
        "Performs Utilization-Review with InterQual; leads discharge planning. Teamwork!")
    assert found == ["utilization review", "interqual", "discharge planning"]


def test_rn_case_manager_resume_shares_real_care_management_terms(ranked):
    shared = {term for match in ranked["rn_case_manager"] for term in match.why.resume_terms}
    assert {"utilization review", "discharge planning", "interqual"} <= shared
    assert not shared & GENERIC
    assert "shares with your resume: " in ranked["rn_case_manager"][0].why.summary()


def test_it_resume_gets_no_generic_or_care_practice_shared_terms(ranked):
    shared = {term for match in ranked["it_engineer"] for term in match.why.resume_terms}
    assert not shared & GENERIC
    assert not shared & CARE_PRACTICE
    assert shared <= {"ehr", "epic", "hipaa"}, "only health-IT words the resume really uses"
