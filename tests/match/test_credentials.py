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


def test_required_heading_keeps_a_license_required_despite_an_aside(profile):
    text = ("Required Qualifications:\nActive, unrestricted RN license (compact preferred)\n"
            "3 years of case management experience\n"
            "Preferred Qualifications:\nCCM certification")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert found.preferred == ["CCM"]


def test_preferred_heading_makes_credentials_preferred(profile):
    text = ("Minimum requirements:\nBachelor's degree in a health field\n"
            "Nice to have:\nActive LCSW or LMSW license\nCCM")
    found = posting_credentials(text, profile.credentials)
    assert found.required == []
    assert found.preferred == ["LCSW", "LMSW", "CCM"]


def test_either_license_satisfies_an_or_requirement(profile):
    found = posting_credentials("Must have: active RN or LPN license, BSN required.",
                                profile.credentials)
    assert found.required == [["RN", "LPN"], ["BSN"]]
    assert found.missing({"LPN", "BSN"}) == []
    assert found.missing({"LCSW"}) == ["RN or LPN", "BSN"]


def test_preferred_in_another_clause_leaves_the_license_required(profile):
    text = ("Active RN license, compact licensure preferred. "
            "Current LCSW license; CCM a plus. "
            "We are seeking a Registered Nurse with 2 years of experience preferred in home care.")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"], ["LCSW"]]
    assert found.preferred == ["CCM"]


def test_a_requirement_line_saying_preferred_does_not_change_the_section(profile):
    text = "Requirements:\n1 year of experience preferred\nRegistered Nurse\nBSN preferred"
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert found.preferred == ["BSN"]


def test_someone_elses_credential_is_not_asked_of_the_applicant(profile):
    text = ("Patient Observer. Works under the direction of the registered nurse. "
            "Reports changes in condition to the RN.")
    assert posting_credentials(text, profile.credentials).codes() == []


def test_an_or_with_a_profession_outside_the_profile_is_never_reported_missing(profile):
    text = ("Are you a registered nurse, occupational therapist or social worker looking for a "
            "new challenge? You must be a Registered Nurse or Paramedic.")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [] and found.open == [["RN", "LCSW", "LMSW"], ["RN"]]
    assert found.missing({"MSW"}) == []
    closed = posting_credentials("You must be a registered nurse or LPN, educated to diploma "
                                 "level or equivalent.", profile.credentials)
    assert closed.required == [["RN", "LPN"]] and closed.open == []


NO_LICENSE_TEXT = ("Join our community team. You will hold a caseload, carry out assessments and "
                   "write care plans with patients and their families. Band 6.")


def test_a_title_naming_the_profession_requires_its_license_when_the_text_names_none(profile):
    expected = {"Staff Nurse": [["RN"]], "Community Nurse - Band 6": [["RN"]],
                "CPN - Older Adults": [["RN"]], "Nurse Case Manager": [["RN"]],
                "RN Case Manager II - PRN": [["RN"]], "Social Worker": [["LCSW", "LMSW"]],
                "LCSW Care Coordinator": [["LCSW"]], "Care Co-ordinator": [],
                "Licensed Practical Nurse": [["LPN"]],
                "Care Co-ordinator/CPN/SW": [["RN", "LCSW", "LMSW"]]}
    for title, required in expected.items():
        found = posting_credentials(NO_LICENSE_TEXT, profile.credentials, title=title)
        assert found.required == required, title
        assert found.missing(set()) == [" or ".join(g) for g in required], title


def test_the_texts_own_license_requirement_wins_over_the_title(profile):
    found = posting_credentials("RN or LPN license required. CCM preferred.",
                                profile.credentials, title="Nurse Case Manager")
    assert found.required == [["RN", "LPN"]]
    assert found.missing({"LPN"}) == []


def test_a_uk_nurse_registration_on_a_resume_is_read_as_rn(profile):
    assert codes_in("Registered nurse on the NMC register; NMC PIN available.",
                    profile.credentials) == ["RN"]
    assert codes_in("HCPC registered social worker (Social Work England).",
                    profile.credentials) == ["LMSW"]


LPN_RESUME = """TERESA HOLLOWAY, LPN
Licensed Practical Nurse, eight years in long-term care and care coordination.
- Transitional care follow-up after discharge; medication lists reconciled with
  the RN care manager and provider.
- Reported changes in condition to the supervising RN; scheduled visits for the registered nurse.
"""


def test_a_resume_naming_a_colleagues_licence_does_not_hold_it(profile):
    assert codes_in(LPN_RESUME, profile.credentials) == ["LPN"]
    assert codes_in("Maria Lopez, BSN, RN\n- Worked with the LPN team", profile.credentials) == [
        "RN", "BSN"]


def test_an_lpn_is_told_an_rn_case_manager_job_needs_an_rn(matcher, make_posting):
    board = [make_posting("rn", "RN Case Manager", "Coordinate care plans and discharge for "
                          "complex patients. Active RN license required.")]
    match = matcher.rank(board, LPN_RESUME)[0]
    assert match.why.missing_credentials == ["RN"]


def test_a_licence_asked_only_when_needed_is_not_required(profile):
    text = ("Take readings and pass any change in condition to the RN or charge nurse when "
            "needed. Current CPR card required.")
    found = posting_credentials(text, profile.credentials)
    assert found.codes() == []


def test_a_licence_as_required_by_law_is_required(profile):
    for text in ("Current RN license in the state of Ohio as required by state law.",
                 "Active RN licensure as required."):
        assert posting_credentials(text, profile.credentials).required == [["RN"]], text


def test_the_rest_of_a_staff_list_cut_by_a_sentence_break_is_not_asked(profile):
    text = ("The director will oversee a staff of RN's. LPN's, CNA's and unit clerks report "
            "to the director too. Active RN license required.")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert "LPN" not in found.codes()


def test_staff_named_after_an_abbreviation_break_are_not_asked(profile):
    text = ("Works with department heads on scheduling the facility staff (i.e. RN's/LPN's/aides, "
            "kitchen, etc.) around the clock.")
    assert posting_credentials(text, profile.credentials).codes() == []


def test_a_licence_the_applicant_is_working_towards_is_not_asked(profile):
    text = ("You hold a master's degree and are working towards an LCSW. Trainees enrolled in "
            "BSN programs are welcome.")
    assert posting_credentials(text, profile.credentials).codes() == []


def test_a_resume_working_towards_a_licence_does_not_hold_it(profile):
    resume = "MSW, 2021. Working towards LCSW licensure; 300 supervised hours so far."
    assert codes_in(resume, profile.credentials) == ["MSW"]


def test_a_post_offered_to_a_nurse_or_a_social_worker_is_open_to_both(profile):
    text = ("Are you a registered nurse, physiotherapist or social worker who enjoys "
            "community work? Join our recovery team.")
    found = posting_credentials(text, profile.credentials)
    assert found.open == [["RN", "LCSW", "LMSW"]]
    assert found.missing({"LMSW"}) == []


def test_social_workers_named_as_colleagues_are_not_alternatives(profile):
    text = "You will be a registered nurse or paramedic working with social workers and GPs."
    assert posting_credentials(text, profile.credentials).open == [["RN"]]


def test_a_community_matron_post_needs_an_rn(profile):
    found = posting_credentials("Lead a caseload of people with long-term conditions.",
                                profile.credentials, title="Community Matron")
    assert found.required == [["RN"]]


def test_the_staff_a_case_manager_supervises_are_not_asked_of_them(profile):
    text = ("Case manager for home health patients. Manages all aspects of patient care, "
            "including LVN and aide supervision. Registered nurse license required.")
    assert posting_credentials(text, profile.credentials).required == [["RN"]]


def test_a_resume_does_not_hold_a_licence_it_works_under_beside_or_towards(profile):
    lpn = ("Licensed Practical Nurse (LPN), home health.\n"
           "- Visit patients under the RN case manager's plan of care; escalate to the RN.\n"
           "- Work alongside RN care managers.\n"
           "- LPN-to-RN bridge program, expected 2027: I hope to finish my RN degree soon.\n")
    assert codes_in(lpn, profile.credentials) == ["LPN"]
    msw = ("MSW, hospital social worker. LCSW supervision in progress (2,000 hours).\n"
           "- Partnered with an RN case manager on two units; case conferences with RNs.\n"
           "- Certified Case Manager (CCM): eligible, exam planned for next year.\n")
    assert codes_in(msw, profile.credentials) == ["MSW"]
    # a licence held stays held next to a colleague's, and "under" a plan is not a licence
    assert codes_in("RN, CCM. Led discharges under the RN case manager model.",
                    profile.credentials) == ["RN", "CCM"]


def test_a_credential_inside_an_address_is_not_asked(profile):
    text = ("Bachelor's degree in social work required. Send your resume to "
            "talent@ccm.example.org or apply at www.rn-careers.example.com/jobs.")
    found = posting_credentials(text, profile.credentials)
    assert "CCM" not in found.codes() and "RN" not in found.codes()


def test_an_abbreviation_defined_as_something_else_is_no_credential(profile):
    text = ("Cascade Construction Materials (CCM) is hiring a site manager.\n"
            "Why join CCM? Follow CCM safety programs. Five years of experience required.")
    assert posting_credentials(text, profile.credentials).codes() == []
    own = posting_credentials("Certified Case Manager (CCM) required. Why CCM? Growth.",
                              profile.credentials)
    assert own.required == [["CCM"]]


def test_disciplines_the_job_coordinates_are_not_asked_of_the_applicant(profile):
    text = ("Coordinates the distribution of visits among all disciplines (SN, PT, OT, MSW, "
            "HHA) after the start of care. Active RN license required.")
    found = posting_credentials(text, profile.credentials)
    assert found.required == [["RN"]]
    assert "MSW" not in found.codes()
