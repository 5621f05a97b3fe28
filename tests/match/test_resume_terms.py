"""A resume resembles postings through what the person does, not their address or dates."""

from __future__ import annotations

ENGINEER = """KAI HENDRICKS
Boston, MA | 617-555-0108 | kai@mailbox.example
Backend engineer since 2019: Python services, Kafka pipelines, Kubernetes on AWS.
"""


def test_a_resume_does_not_resemble_a_posting_through_its_town_and_years(matcher, make_posting):
    board = [make_posting("cm", "Case Manager", "Boston community team, 2019 service model: "
                          "case management for adults with complex needs. Boston, MA."),
             make_posting("de", "Platform Engineer", "Run Kubernetes clusters for our teams.")]
    ranked = matcher.rank(board, ENGINEER)
    assert [m.posting.source_id for m in ranked][0] == "de"
    case_manager = next(m for m in ranked if m.posting.source_id == "cm")
    assert case_manager.why.components.get("resume", 0.0) == 0.0
