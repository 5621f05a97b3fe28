"""Peer evidence: a posting titled like the role is compared with what *other* employers'
role-titled postings say, never with itself or its own employer's copies."""

from __future__ import annotations

from pathlib import Path

from pipeline.match import Matcher
from pipeline.match.profile import load_weights

SETTINGS = Path(__file__).resolve().parents[2] / "models" / "care_manager.settings.yaml"

GAMER = ("Join our esports community as a mentor. Coach players on strategy, run weekly "
         "streams, moderate the Discord server and plan tournaments with the league team.")
CARE = ("Coordinate care for members with chronic conditions, build care plans, connect them "
        "with community resources and follow up by phone after hospital discharge. RN required.")
HOME_HEALTH = ("Home health nurse case management: assess patients at home, develop the plan "
               "of care, coordinate care with physicians and therapists, educate patients and "
               "families, plan discharges. Active RN license required.")


def _tuned(profile) -> Matcher:
    return Matcher(profile, load_weights(SETTINGS))


def test_an_off_domain_role_title_gets_no_peer_evidence_from_itself(profile, make_posting):
    board = [make_posting("gm", "Mentorship Case Manager", GAMER, company="Gold Star Games"),
             make_posting("cc", "Care Coordinator", CARE, company="Harbor Health"),
             make_posting("rn", "Fulltime RN", HOME_HEALTH, company="Cantor Home Health")]
    ranked = _tuned(profile).rank(board)
    by_id = {m.posting.source_id: m for m in ranked}
    assert by_id["gm"].why.components["peers"] < 0.05, by_id["gm"].why.components
    assert [m.posting.source_id for m in ranked].index("rn") < [
        m.posting.source_id for m in ranked].index("gm")


def test_one_employer_s_copies_do_not_vouch_for_each_other(profile, make_posting):
    copies = [make_posting(f"hh{i}", "Home Health Care Coordinator",
                           "Schedule caregivers for client visits and answer the office phone.",
                           company="Rebound Staffing") for i in range(2)]
    board = [*copies, make_posting("cc", "Care Coordinator", CARE, company="Harbor Health")]
    ranked = _tuned(profile).rank(board)
    peers = {m.posting.source_id: m.why.components["peers"] for m in ranked}
    assert peers["hh0"] == peers["hh1"] < 0.05, peers


DELIVERY = ("Drive the company van to deliver, set up and pick up medical equipment at patients' "
            "homes. Load oxygen concentrators, hospital beds, wheelchairs and walkers. Keep a "
            "clean driving record and your own reliable vehicle; mileage is reimbursed. Contact "
            "patients to schedule deliveries, educate patients and families on their equipment, "
            "document every visit and follow up by phone. We cover delivery zones "
            + ", ".join(str(zone) for zone in range(10, 110)) + ".")
SCHEDULER = ("Schedule patient appointments for the clinic, process referrals from physicians, "
             "verify insurance and prior authorizations, coordinate with the care team and "
             "answer patient questions by phone.")


def test_a_role_title_over_a_mid_length_body_of_other_work_ranks_below_adjacent_work(
        profile, make_posting):
    board = [make_posting("dl", "Home Health Care Coordinator", DELIVERY,
                          company="Rolling Medical Supply"),
             make_posting("sc", "Patient Scheduling Coordinator", SCHEDULER,
                          company="Harbor Clinic"),
             make_posting("cc", "Care Coordinator", CARE, company="Harbor Health")]
    ranked = [m.posting.source_id for m in _tuned(profile).rank(board)]
    assert ranked == ["cc", "sc", "dl"], ranked
