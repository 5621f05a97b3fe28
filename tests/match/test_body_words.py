"""The body part compares what a posting says the job does with the role's work: job names
("manager", "coordinator") are the title part's, so a body naming them is no closer to the
role for it."""

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

