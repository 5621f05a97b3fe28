"""Ranking: care-management postings above near misses, with explanations a subscriber can read."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import numpy as np

from pipeline.config import Filters
from pipeline.match import Matcher
from pipeline.match.profile import load_weights
from pipeline.notify.digest import digest_items
from pipeline.notify.render import render_digest
from pipeline.posting import Remote

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)

BOILERPLATE = ("Mercy Health is an equal opportunity employer and values diversity in every "
               "team we build. We offer medical, dental and vision insurance with a 401k match.")


def _board(make_posting):
    """A small board: four care-management postings and five near misses sharing vocabulary."""
    p = make_posting
    return [
        p("cm1", "RN Case Manager", "Assess patient needs and develop individualized care plans. "
          "Coordinate care with the interdisciplinary team and plan safe discharges to home "
          "health and skilled nursing. Active RN license required. CCM preferred. " + BOILERPLATE),
        p("cm2", "Care Co-ordinator", "Coordinate services for members with chronic conditions, "
          "connect them with community resources and follow up by phone. Manage a caseload. "
          "LCSW or LMSW required. " + BOILERPLATE),
        p("cm3", "Sr. UR Nurse", "Concurrent review of inpatient stays using InterQual criteria "
          "for medical necessity and level of care; work with the care team on discharge "
          "planning. Registered nurse license required. " + BOILERPLATE),
        p("cm4", "Case Mgr - Transitions of Care", "Telephonic outreach after discharge to "
          "prevent readmissions; care plan, medication questions, patient education. "
          "RN required. " + BOILERPLATE),
        p("nm1", "Staff Nurse, ICU", "Provide bedside nursing care to critically ill patients, "
          "administer medications, educate families. RN license required. " + BOILERPLATE),
        p("nm2", "Nurse Manager, Med Surg", "Lead the nursing unit: staffing, budgets, "
          "scheduling, quality of patient care. RN and BSN required. " + BOILERPLATE),
        p("nm3", "Claims Case Manager", "Investigate workers compensation claims, set reserves, "
          "negotiate settlements with attorneys. " + BOILERPLATE),
        p("nm4", "Account Manager, Health Plan Sales", "Grow broker relationships and sell "
          "health plan products to employers; quotas, CRM. " + BOILERPLATE),
        p("nm5", "Software Engineer, Care Platform", "Build services for our care coordination "
          "product in Python and Go. Kubernetes experience. " + BOILERPLATE),
    ]


def test_care_management_postings_rank_above_near_misses(matcher, make_posting):
    ranked = [m.posting.source_id for m in matcher.rank(_board(make_posting))]
    assert set(ranked[:4]) == {"cm1", "cm2", "cm3", "cm4"}, ranked


def test_scores_are_between_zero_and_one_best_first(matcher, make_posting):
    scores = [m.score for m in matcher.rank(_board(make_posting))]
    assert all(0.0 <= s <= 1.0 for s in scores)
    assert scores == sorted(scores, reverse=True)


def test_explanation_names_title_skills_and_credentials(matcher, make_posting):
    best = {m.posting.source_id: m for m in matcher.rank(_board(make_posting))}
    why = best["cm1"].why
    assert why.title_match == "rn case manager"
    assert why.title_score == 1.0
    assert {"care planning", "discharge planning"} <= set(why.skills)
    assert why.credentials == ["RN", "CCM"]
    assert "Title matches 'rn case manager'" in why.summary()
    assert set(why.components) >= {"title", "skills", "body", "credentials"}


def test_abbreviated_titles_match_the_family(matcher, make_posting):
    best = {m.posting.source_id: m.why for m in matcher.rank(_board(make_posting))}
    assert best["cm2"].title_match == "care coordinator"
    assert best["cm3"].title_match == "senior utilization review nurse".removeprefix("senior ")
    assert best["cm4"].title_match in {"case manager", "transitions of care"}


def test_negative_title_cue_is_explained(matcher, make_posting):
    best = {m.posting.source_id: m.why for m in matcher.rank(_board(make_posting))}
    assert best["nm3"].negative_title == "claims"
    assert "another job ('claims')" in best["nm3"].summary()
    assert best["nm3"].components["negative_title"] < 0


def test_resume_lacking_a_required_license_is_told_so(matcher, make_posting):
    resume = "Licensed Clinical Social Worker (LCSW). Case management, community resources."
    best = {m.posting.source_id: m for m in matcher.rank(_board(make_posting), resume)}
    assert best["cm1"].why.missing_credentials == ["RN"]
    assert best["cm2"].why.missing_credentials == []
    assert best["cm2"].why.credentials == ["LCSW"]
    assert "lacks: RN" in best["cm1"].why.summary()
    assert best["cm2"].score > best["cm1"].score


def test_resume_terms_are_shared_words(matcher, make_posting):
    resume = "RN case manager: InterQual concurrent review, medical necessity, discharge planning."
    best = {m.posting.source_id: m for m in matcher.rank(_board(make_posting), resume)}
    assert "interqual" in best["cm3"].why.resume_terms
    assert best["cm3"].why.components["resume"] > 0


def test_boilerplate_repeated_by_one_company_is_ignored(matcher, make_posting):
    index = matcher.index(_board(make_posting))
    assert index.boilerplate, "the company's repeated EEO sentence should be found"
    assert "401k" not in index.body_vectorizer.vocabulary


def test_min_score_and_top(matcher, make_posting):
    board = _board(make_posting)
    everything = matcher.rank(board)
    assert len(matcher.rank(board, top=3)) == 3
    cut = everything[3].score
    assert all(m.score >= cut for m in matcher.rank(board, min_score=cut))


def test_new_postings_are_scored_without_refit(matcher, make_posting, profile):
    board = _board(make_posting)
    index = matcher.index(board[:5])
    vocabulary = dict(index.body_vectorizer.vocabulary)
    index.add(board[5:])
    assert len(index) == len(board)
    assert index.body_vectorizer.vocabulary == vocabulary
    rows, _ = Matcher(profile).rank_many(index, [None], top=4)[0]
    assert {index.postings[r].source_id for r in rows} == {"cm1", "cm2", "cm3", "cm4"}


def test_filters_remote_salary_company_and_words(matcher, make_posting):
    p = make_posting
    board = [
        p("a", "Case Manager", "Care plans.", remote="remote", salary_min=40, salary_max=45,
          salary_period="hour"),
        p("b", "Case Manager", "Care plans.", remote="onsite", region="TX", city="Austin"),
        p("c", "Case Manager", "Care plans. Weekend call required.", remote="hybrid",
          company="Acme Staffing"),
        p("d", "Case Manager", "Care plans.", remote="onsite", region="Ohio", salary_min=50000,
          salary_max=55000, salary_period="year"),
    ]

    def ids(**kw):
        return sorted(m.posting.source_id for m in matcher.rank(board, filters=Filters(**kw)))

    assert ids(remote=["remote"]) == ["a"]
    assert ids(states=["Texas"]) == ["a", "b"]  # remote postings pass place filters
    assert ids(cities=["austin"]) == ["a", "b"]
    assert ids(min_salary=80000) == ["a", "b", "c"]  # 45/h ~ 93,600/yr; no salary passes
    assert ids(exclude_companies=["acme staffing"]) == ["a", "b", "d"]
    assert ids(exclude_words=["weekend"]) == ["a", "b", "d"]


def test_an_opening_merged_from_several_cities_passes_a_filter_on_any_of_them(
        matcher, make_posting):
    p = make_posting
    merged = p("m", "Case Manager", "Care plans.", remote="onsite", location="Columbus, OH",
               city="Columbus", region="OH",
               extra={"opening_locations": ["Columbus, OH", "Dayton, OH", "Erie, PA"]})
    board = [merged, p("s", "Case Manager", "Care plans.", remote="onsite",
                       location="Akron, OH", city="Akron", region="OH")]

    def ids(**kw):
        return sorted(m.posting.source_id for m in matcher.rank(board, filters=Filters(**kw)))

    assert ids(cities=["Dayton"]) == ["m"]
    assert ids(states=["PA"]) == ["m"]
    assert ids(cities=["Columbus"]) == ["m"]
    assert ids(cities=["Toledo"]) == []


def test_postings_without_descriptions_still_rank_by_title(matcher, make_posting):
    board = [make_posting("a", "Staff Nurse", ""), make_posting("b", "Case Manager", "")]
    ranked = matcher.rank(board, resume_text="RN: the and of")
    assert [m.posting.source_id for m in ranked] == ["b", "a"]
    assert ranked[0].why.resume_terms == []


def test_rank_many_with_min_score_agrees_with_rank(matcher, make_posting):
    board = _board(make_posting)
    resume = "LCSW: community resources, caseload, care coordination for members."
    index = matcher.index(board)
    for text in (None, resume):
        rows, scores = matcher.rank_many(index, [text], min_score=0.3, top=20)[0]
        expected = matcher.rank(board, text, min_score=0.3)
        assert [index.postings[r].source_id for r in rows] == [
            m.posting.source_id for m in expected]
        assert np.allclose(scores, [m.score for m in expected], atol=1e-4)
        assert 0 < len(rows) < len(board)


def test_rank_many_over_subscribers_sharing_filters_and_credentials_agrees_with_rank(
        matcher, make_posting):
    """Subscribers with the same filters or the same credentials share work inside rank_many;
    each must still get exactly what ranking them alone gives."""
    board = _board(make_posting)
    for i, posting in enumerate(board):
        posting.remote = [Remote.REMOTE, Remote.ONSITE, Remote.HYBRID][i % 3]
    rn = "RN, CCM. Care plans, discharge planning and telephonic outreach for members."
    lcsw = "LCSW. Community resources, caseload, care coordination for members."
    remote = Filters(remote=["remote"])
    subscribers = [(rn, None), (lcsw, remote), (rn, Filters(remote=["remote"])), (None, remote),
                   (lcsw, Filters(exclude_companies=["Acme"])), (rn, remote), (lcsw, None)]
    index = matcher.index(board)
    got = matcher.rank_many(index, [t for t, _ in subscribers], [f for _, f in subscribers],
                            min_score=0.2, top=5)
    for (text, filters), (rows, scores) in zip(subscribers, got, strict=True):
        expected = matcher.rank(board, text, filters, min_score=0.2, top=5)
        assert [index.postings[r].source_id for r in rows] == [
            m.posting.source_id for m in expected]
        assert np.allclose(scores, [m.score for m in expected], atol=1e-4)
    assert got[0][0].tolist() != got[2][0].tolist(), "the remote filter must change the list"


def test_summary_of_an_unrelated_posting_says_the_title_does_not_fit(matcher, make_posting):
    ranked = matcher.rank(_board(make_posting))
    staff = next(m for m in ranked if m.posting.source_id == "nm1")
    assert staff.why.title_match is None
    assert staff.why.summary().startswith("Title is not one of the role's titles; title "
                                          "suggests another job ('staff nurse')")


def test_employment_type_filter_is_loose_and_keeps_unstated(matcher, make_posting):
    p = make_posting
    board = [p("ft", "Case Manager", "Care plans.", employment_type="Full Time"),
             p("pt", "Case Manager", "Care plans.", employment_type="part-time"),
             p("na", "Case Manager", "Care plans.")]
    kept = matcher.rank(board, filters=Filters(employment_types=["full-time"]))
    assert sorted(m.posting.source_id for m in kept) == ["ft", "na"]


def test_postings_tied_at_the_cap_are_ordered_by_their_evidence_not_storage_order():
    from pathlib import Path

    from pipeline.match.evaluate import load_postings
    from pipeline.match.scoring import evidence

    root = Path(__file__).resolve().parents[2]
    matcher = Matcher.from_files(root / "models" / "care_manager.yaml",
                                 root / "models" / "care_manager.settings.yaml")
    postings = load_postings(root / "fixtures" / "postings")
    for order in (postings, postings[::-1]):  # storage order must not decide
        ranked = matcher.rank(order)
        tied = [m for m in ranked if m.score == ranked[0].score]
        assert len(tied) > 5, "the fixtures have many postings at the cap"
        strength = evidence(matcher.index(order), matcher.weights)
        by_key = {p.key: strength[i] for i, p in enumerate(order)}
        values = [by_key[m.posting.key] for m in tied]
        assert values == sorted(values, reverse=True)
        if order is postings:
            first = [m.posting.key for m in tied]
    assert [m.posting.key for m in tied] == first


RN_ONLY_JOB = (
    "Join our care management team. Assess members with chronic conditions, build and monitor "
    "care plans, coordinate discharge planning and transitions of care, connect members with "
    "community resources and advocate with payers and providers.\n\n"
    "Required qualifications:\nActive, unrestricted RN license (compact preferred)\n"
    "3 years of case management experience\n"
    "Preferred qualifications:\nCCM certification\n")
LCSW_RESUME = (
    "Jordan Lee, LCSW. Licensed clinical social worker and case manager: care planning, "
    "discharge planning, transitions of care, community resources, chronic conditions, care "
    "coordination with payers and providers.")


def test_a_resume_without_the_required_license_is_told_so_and_not_a_strong_match(
        profile, make_posting):
    board = [make_posting("rn", "RN Case Manager", RN_ONLY_JOB),
             *[make_posting(f"o{i}", title, text) for i, (title, text) in enumerate(
                 [("Software Engineer", "Build Python services on Kubernetes."),
                  ("Social Work Case Manager", "Care plans and community resources. LCSW "
                   "required.")])]]
    tuned = load_weights(Path(__file__).resolve().parents[2] / "models"
                         / "care_manager.settings.yaml")
    for matcher in (Matcher(profile), Matcher(profile, tuned)):
        match = next(m for m in matcher.rank(board, LCSW_RESUME) if m.posting.source_id == "rn")
        assert match.why.missing_credentials == ["RN"]
        _, text, html = render_digest(digest_items([match]), now=NOW, name=None,
                                      frequency="daily", unsubscribe_url="https://a.example/u",
                                      preferences_url="https://a.example/p")
        for part in (text, html):
            assert "Required, not on your resume: RN" in part
            assert "Strong match" not in part


def test_a_job_open_to_nurses_or_social_workers_asks_no_license_of_a_social_worker(
        matcher, make_posting):
    board = [make_posting("cc", "Care Co-ordinator", "Are you a registered nurse, occupational "
                          "therapist or social worker? Coordinate care plans and community "
                          "resources for adults with complex needs.")]
    match = matcher.rank(board, "Social worker, MSW: care plans and community resources.")[0]
    assert match.why.missing_credentials == []
    assert "missing_credentials" not in match.why.components


COMMUNITY_NURSE_JOB = (
    "We are looking for a community nurse to join our district team. You will manage a caseload "
    "of housebound patients, complete holistic assessments, write care plans, coordinate care "
    "with GPs and social services and plan hospital discharges. Band 6.")
SOFTWARE_RESUME = (
    "Alex Moreno. Backend software engineer: Python and Go services, PostgreSQL, Kafka, "
    "Kubernetes, REST APIs, code review, on-call and observability dashboards.")
UK_NURSE_RESUME = (
    "Registered Mental Health Nurse, NMC registration current. Band 6 community care "
    "co-ordinator: caseload, assessments, care plans, risk assessment and discharge planning.")


def _tuned(profile) -> Matcher:
    return Matcher(profile, load_weights(Path(__file__).resolve().parents[2] / "models"
                                         / "care_manager.settings.yaml"))


def test_a_nurse_title_asks_a_resume_for_the_registration_its_text_never_names(
        profile, make_posting):
    board = [make_posting("cn", "Community Staff Nurse", COMMUNITY_NURSE_JOB)]
    matcher = _tuned(profile)
    social_worker = matcher.rank(board, LCSW_RESUME)[0]
    nurse = matcher.rank(board, UK_NURSE_RESUME)[0]
    assert social_worker.why.missing_credentials == ["RN"]
    assert "missing_credentials" in social_worker.why.components
    assert nurse.why.missing_credentials == []
    assert nurse.score > social_worker.score


def test_a_resume_of_another_trade_scores_below_min_score_on_care_postings(
        profile, make_posting):
    board = [make_posting("cn", "Community Staff Nurse", COMMUNITY_NURSE_JOB),
             make_posting("cm", "RN Case Manager", RN_ONLY_JOB),
             make_posting("cc", "Care Coordinator", "Coordinate care for members with chronic "
                          "conditions, connect them with community resources, manage a "
                          "caseload and follow up by phone after discharge."),
             make_posting("se", "Software Engineer", "Build Python services on Kubernetes "
                          "with PostgreSQL and Kafka; code review and on-call.")]
    matcher = _tuned(profile)
    assert matcher.rank(board, SOFTWARE_RESUME, min_score=0.35) == []
    ranked = matcher.rank(board, SOFTWARE_RESUME)
    assert ranked[0].posting.source_id == "se"
    care = matcher.rank(board, UK_NURSE_RESUME, min_score=0.35)
    assert {"cm", "cc"} <= {m.posting.source_id for m in care}
    index = matcher.index(board)
    rows, scores = matcher.rank_many(index, [SOFTWARE_RESUME])[0]
    by_id = {m.posting.source_id: m.score for m in ranked}
    pairs = zip(rows, scores, strict=True)
    assert {board[r].source_id: round(float(s), 4) for r, s in pairs} == by_id


def test_the_same_job_posted_three_times_keeps_its_own_words(matcher, make_posting):
    job = ("Our team manages every discharge to assess referral for people with complex needs. "
           "You will hold a caseload, write care plans and coordinate care with the ward teams.")
    board = [make_posting(f"cm{i}", "Case Manager", job, company="Sirona Care") for i in range(3)]
    board.append(make_posting("hr", "HR Officer", "Process payroll changes and staff records "
                              "for the whole of our organisation every single month.",
                              company="Sirona Care"))
    ranked = {m.posting.source_id: m for m in matcher.rank(board)}
    assert {"caseload management", "care planning"} <= set(ranked["cm0"].why.skills)


SCHEDULER = (
    "Rebound Staffing places caregivers and companions in private homes across the North Shore. "
    "The coordinator answers the office phones, fills open shifts from our roster, texts aides "
    "their weekly schedules, enters timesheets into payroll, updates client billing records, "
    "orders gloves and uniforms, books interviews with applicants, runs background checks, "
    "greets walk-in visitors, files paperwork, covers the reception desk on Saturdays, sends "
    "holiday cards, tracks mileage reimbursements and keeps the break room tidy. Requirements: "
    "high school diploma, reliable car, typing speed of forty words per minute, friendly phone "
    "manner, bilingual Spanish a plus, comfortable with spreadsheets, punctual and organised. "
    "Pay twenty dollars hourly, weekday hours, free parking, paid holidays and a yearly bonus.")
PRIOR_AUTH = (
    "Review prior authorization requests for medical necessity against InterQual criteria, "
    "work with physicians on level of care and concurrent review, and refer cases to the "
    "medical director. Active RN license required.")


def test_a_role_title_over_a_body_about_other_work_is_doubted(profile, make_posting):
    board = [make_posting("sched", "Home Care Coordinator", SCHEDULER, company="Rebound"),
             make_posting("pa", "Prior Authorization Nurse", PRIOR_AUTH, company="Harbor Plan"),
             make_posting("bare", "Care Coordinator", "", company="Elm Clinic")]
    ranked = _tuned(profile).rank(board)
    order = [m.posting.source_id for m in ranked]
    assert order.index("pa") < order.index("sched"), order
    title = {m.posting.source_id: m.why.components["title"] for m in ranked}
    assert title["sched"] < title["bare"], "a body saying nothing leaves the title believed"


FRONT_DESK = (
    "Front desk position in our endocrinology practice. Greet and check in patients, register "
    "them, schedule follow-up appointments, verify HMO and managed care insurance, collect "
    "co-pays, answer the phones and follow HIPAA guidelines for patient privacy.")
AIDE = (
    "Join the care team on a medical unit: take vital signs, help patients with bathing and "
    "meals, report changes to the nurse and keep the patient care plan documentation current.")
REFERRALS = (
    "Process referrals and prior authorizations for specialty visits, work with health plans on "
    "denials, and coordinate with the care team so patients are seen on time.")


def test_front_desk_and_aide_titles_rank_below_referral_work(profile, make_posting):
    board = [make_posting("desk", "Patient Service Coordinator", FRONT_DESK, company="Lakeside"),
             make_posting("aide", "Patient Care Associate", AIDE, company="Harbor Hospital"),
             make_posting("ref", "Referral Coordinator", REFERRALS, company="Elm Clinic")]
    ranked = _tuned(profile).rank(board)
    assert ranked[0].posting.source_id == "ref", [m.posting.source_id for m in ranked]
    cues = {m.posting.source_id: m.why.negative_title for m in ranked}
    assert cues == {"desk": "patient service coordinator", "aide": "patient care associate",
                    "ref": None}


BEDSIDE = (
    "Provide direct patient care on a medical unit: administer medications and treatments, "
    "monitor vital signs, follow the care plan and educate patients and families. Current RN "
    "license required.")
HOME_HEALTH_CASES = (
    "Manage a caseload of home health patients: assess needs at start of care, build and update "
    "the plan of care with the physician, coordinate visits by therapists and aides, plan "
    "discharges and refer patients to community resources. Current RN license required.")


def _licence_title_share(weights) -> float:
    """The most the title part can add for a title capped at ``licence_title_cap``: adjacent."""
    return weights.licence_title_cap ** weights.title_fuzzy_power * weights.title / sum(
        getattr(weights, part) for part in ("title", "skills", "body", "peers", "credentials"))


def test_a_title_naming_only_a_licence_is_adjacent_not_the_role(profile, make_posting):
    board = [make_posting("rn", "Registered Nurse", BEDSIDE, company="Harbor Hospital"),
             make_posting("hh", "Fulltime RN - Home Health Houston", HOME_HEALTH_CASES,
                          company="Lakeside Home Care")]
    matcher = _tuned(profile)
    ranked = matcher.rank(board)
    assert [m.posting.source_id for m in ranked] == ["hh", "rn"]
    nurse = next(m for m in ranked if m.posting.source_id == "rn")
    most = _licence_title_share(matcher.weights)
    assert 0 < nurse.why.components["title"] <= round(most, 4)


COUNSELLING = (
    "Provide crisis support and short-term counselling to adults and families, write safety "
    "plans with each client, hold a caseload and refer clients to housing and legal services.")


def test_a_neighbouring_jobs_title_is_adjacent_and_ranks_above_other_work(profile, make_posting):
    # the same duties under two titles: a counsellor's (work next to care management) and a
    # supervisor's of billing (none), so only the title tells them apart
    board = [make_posting("billing", "Revenue Supervisor", COUNSELLING, company="Elm Clinic"),
             make_posting("counsel", "Bilingual Counselor Advocate", COUNSELLING,
                          company="Harbor Services")]
    matcher = _tuned(profile)
    ranked = matcher.rank(board)
    assert [m.posting.source_id for m in ranked] == ["counsel", "billing"]
    most = _licence_title_share(matcher.weights)
    counsellor = ranked[0].why.components["title"]
    assert ranked[1].why.components["title"] < counsellor <= round(most, 4)


CARE_PLANS = ("Coordinate care plans and community resources for adults with complex needs, "
              "follow up after discharge and manage a caseload.")


def _score_of(matcher, board, resume, source_id):
    return next(m for m in matcher.rank(board, resume) if m.posting.source_id == source_id)


def test_an_rn_may_take_a_post_that_requires_an_lpn(matcher, make_posting):
    board = [make_posting("lpn", "Care Coordinator", CARE_PLANS + " Active LPN license "
                          "required."),
             make_posting("none", "Care Coordinator", CARE_PLANS)]
    rn = "Registered nurse (RN), care plans and community resources, discharge follow-up."
    match = _score_of(matcher, board, rn, "lpn")
    assert match.why.missing_credentials == []
    assert match.score >= _score_of(matcher, board, rn, "none").score


def test_a_posting_asking_two_licenses_is_open_to_a_holder_of_either(matcher, make_posting):
    w = matcher.weights
    board = [make_posting("both", "Care Coordinator", CARE_PLANS + " Requirements: active RN "
                          "license; active LCSW license."),
             make_posting("rn", "Care Coordinator", CARE_PLANS + " Requirements: active RN "
                          "license.")]
    rn = "Registered nurse (RN), care plans and community resources, discharge follow-up."
    both, alone = _score_of(matcher, board, rn, "both"), _score_of(matcher, board, rn, "rn")
    assert both.why.missing_credentials == ["LCSW"]  # still said, and still costs a little
    assert both.score < alone.score
    assert both.score > alone.score * (1 - w.missing_license_penalty)


def test_a_post_open_to_a_nurse_ot_or_social_worker_is_no_post_for_an_lpn(matcher,
                                                                          make_posting):
    w = matcher.weights
    board = [make_posting("open", "Care Co-ordinator", "Are you a registered nurse, "
                          "occupational therapist or social worker? " + CARE_PLANS),
             make_posting("any", "Care Co-ordinator", "Are you an experienced professional? "
                          + CARE_PLANS)]
    lpn = "Licensed practical nurse (LPN): care plans and community resources, discharge."
    rn = "Registered nurse (RN): care plans and community resources, discharge."
    open_, any_ = _score_of(matcher, board, lpn, "open"), _score_of(matcher, board, lpn, "any")
    assert open_.score <= any_.score * (1 - w.missing_license_penalty) + 0.05
    assert open_.why.missing_credentials == ["RN, LCSW, LMSW or another registration"]
    assert "missing_credentials" in open_.why.components
    nurse = _score_of(matcher, board, rn, "open")
    assert nurse.why.missing_credentials == [] and nurse.score > open_.score


def test_a_post_open_to_registered_professions_is_lowered_for_a_resume_with_none(
        matcher, make_posting):
    board = [make_posting("open", "Care Co-ordinator", "Are you a registered nurse, "
                          "occupational therapist or social worker? " + CARE_PLANS),
             make_posting("any", "Care Co-ordinator", "Are you an experienced professional? "
                          + CARE_PLANS)]
    assistant = ("Medical assistant: care plans and community resources, discharge follow-up, "
                 "scheduling and referrals for a caseload.")
    open_ = _score_of(matcher, board, assistant, "open")
    assert open_.score < _score_of(matcher, board, assistant, "any").score
    assert open_.why.missing_credentials == ["RN, LCSW, LMSW or another registration"]
    # a social worker with the MSW the social-work licences need is not lowered
    msw = _score_of(matcher, board, "Social worker, MSW: " + CARE_PLANS, "open")
    assert msw.why.missing_credentials == [] and msw.score > open_.score


def test_explained_rows_say_what_ranking_says_from_one_subscriber_to_the_next(matcher,
                                                                              make_posting):
    """A digest explains a few rows of the index per subscriber, one subscriber after another
    and after the index grows: each explanation is the one ``rank`` gives that posting (after
    the index grew, the one a matcher explaining that index for the first time gives)."""
    board = _board(make_posting)
    index = matcher.index(board[:6])
    resumes = ["RN, CCM. Case management, care plans, discharge planning, InterQual.",
               "LCSW. Community resources, care coordination, caseload.", None,
               "RN, CCM. Case management, care plans, discharge planning, InterQual.",
               "LCSW. Community resources, care coordination, caseload."]
    for step, resume in enumerate(resumes):
        if step == 3:
            index.add(board[6:])  # new postings arrive: the index grows in place
        rows = list(range(len(index)))[::-1]
        if step < 3:
            ranked = {m.posting.source_id: m for m in Matcher(matcher.profile).rank(
                board[:6], resume_text=resume)}
            wanted = [ranked[index.postings[r].source_id] for r in rows]
        else:
            wanted = Matcher(matcher.profile).explain(index, rows, resume_text=resume)
        explained = matcher.explain(index, rows, resume_text=resume)
        assert [m.model_dump() for m in explained] == [m.model_dump() for m in wanted], step


def test_explanations_are_the_same_whatever_the_number_of_credential_sets(matcher, make_posting):
    board = _board(make_posting)
    index = matcher.index(board)
    codes = [credential.code for credential in matcher.profile.credentials]
    sets = [set(pair) for pair in combinations(codes, 2)] + [set()]  # more than are kept
    assert len(sets) > 20
    resume = "Case management, care plans, discharge planning, community resources."
    rows = list(range(len(board)))
    for held in sets:
        fresh = Matcher(matcher.profile).explain(index, rows, resume_text=resume, held=held)
        explained = matcher.explain(index, rows, resume_text=resume, held=held)
        assert [m.model_dump() for m in explained] == [m.model_dump() for m in fresh], held


PSYCHOTHERAPY = (
    "Provide individual and family counselling to adults with serious mental illness, complete "
    "psychosocial assessments, write treatment plans, coordinate care with psychiatrists and "
    "community resources and manage a caseload. LCSW or LMSW required.")
REHAB = (
    "Evaluate patients after surgery, plan and deliver exercise programmes to restore mobility, "
    "track progress against goals and teach home exercises. Physical therapy license required.")


def test_a_counselling_therapist_is_adjacent_work_but_a_physical_therapist_another_trade(
        profile, make_posting):
    board = [make_posting("mh", "Mental Health Therapist", PSYCHOTHERAPY, company="Elm Clinic"),
             make_posting("pt", "Physical Therapist", REHAB, company="Harbor Hospital")]
    ranked = _tuned(profile).rank(board, LCSW_RESUME)
    cues = {m.posting.source_id: m.why.negative_title for m in ranked}
    assert cues == {"mh": None, "pt": "physical therapist"}
    assert ranked[0].posting.source_id == "mh"
