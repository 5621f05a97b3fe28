"""Credentials in postings: required vs preferred by sentence and heading; "or" alternatives."""

from __future__ import annotations

from pipeline.match.credentials import codes_in, posting_credentials


def test_required_and_preferred_by_sentence(profile):
    text = ("Active RN license required. CCM certification preferred. "
            "BSN is a plus.")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert found.preferred == ["CCM", "BSN"]


def test_alternatives_in_one_sentence(profile):
    found = posting_credentials("Must hold an LCSW or LMSW license.", profile.credentials)
    assert found.required == [["LCSW", "LMSW"]]
    assert found.missing({"LMSW"}) == []
    assert found.missing({"RN"}) == ["LCSW or LMSW"]


def test_headings_set_the_section(profile):
    text = ("Requirements:\nRegistered Nurse with 3 years of acute care\n"
            "Preferred Qualifications:\nCertified Case Manager (CCM)\nACM")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert found.preferred == ["CCM", "ACM"]


def test_no_credentials_in_an_unrelated_posting(profile):
    found = posting_credentials("Python, Go and Kubernetes. Must be on call.", profile.credentials)
    assert found.codes() == []


def test_codes_in_resume_need_whole_words(profile):
    assert codes_in("Jane Doe, BSN, RN, CCM", profile.credentials) == ["RN", "BSN", "CCM"]
    assert codes_in("Learned Kubernetes and Rust", profile.credentials) == []
