"""Body and skills parts measure the role's work: job names ("manager", "coordinator") are the
title part's, so a body naming them is no closer to the role for it, and the soft skills every
advert lists ("empathy", "teamwork") do not count as the role's skills."""

from __future__ import annotations

from pathlib import Path

from pipeline.match import Matcher
from pipeline.match.profile import load_weights

SETTINGS = Path(__file__).resolve().parents[2] / "models" / "care_manager.settings.yaml"

CARE = ("Coordinate care for members with chronic conditions, build care plans, connect them "
        "with community resources and follow up by phone after hospital discharge.")


def test_naming_managers_and_coordinators_is_no_evidence_of_the_role(profile, make_posting):
    office = "Answer the phones, file the records and order the supplies."
    named = ("Answer the phones for the practice manager and the unit coordinator, file the "
             "records and order the supplies.")
    board = [make_posting("plain", "Office Assistant", office, company="Elm Dental"),
             make_posting("named", "Office Assistant", named, company="Oak Dental"),
             make_posting("cc", "Care Coordinator", CARE, company="Harbor Health")]
    by_id = {m.posting.source_id: m for m in Matcher(profile, load_weights(SETTINGS)).rank(board)}
    assert by_id["named"].why.components["body"] <= by_id["plain"].why.components["body"], (
        by_id["named"].why.components, by_id["plain"].why.components)



def test_soft_skills_an_advert_lists_do_not_count_as_the_role_s_skills(profile, make_posting):
    plain = "Book the clinic's visits and keep its calendar."
    listed = (plain + " We value empathy, teamwork, problem solving, time management, "
              "negotiation, cultural competence and crisis de-escalation.")
    board = [make_posting("plain", "Clinic Assistant", plain, company="Elm Clinic"),
             make_posting("listed", "Clinic Assistant", listed, company="Oak Clinic"),
             make_posting("cc", "Care Coordinator", CARE, company="Harbor Health")]
    by_id = {m.posting.source_id: m for m in Matcher(profile, load_weights(SETTINGS)).rank(board)}
    assert by_id["listed"].why.components["skills"] == by_id["plain"].why.components["skills"], (
        by_id["listed"].why.components, by_id["plain"].why.components)
    assert by_id["cc"].why.components["skills"] > by_id["listed"].why.components["skills"]
