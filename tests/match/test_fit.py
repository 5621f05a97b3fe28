"""Fitting an index leaves the process as it found it."""

from __future__ import annotations

import gc

import pytest

from pipeline.match import index as index_module
from pipeline.match.index import PostingIndex

EEO = "We are an equal opportunity employer and value a diverse and inclusive workforce here."


def _board(make_posting) -> list:
    """Three companies, one repeating an EEO sentence, with skills and credentials."""
    board = []
    for i in range(12):
        company = ["Mercy Health", "Acme Staffing", "Blue Plan"][i % 3]
        body = (f"In unit {i} you coordinate care plans and discharge planning for a caseload. "
                f"Active RN license required. CCM preferred. {EEO if i % 3 == 0 else ''}")
        board.append(make_posting(str(i), ["RN Case Manager", "Staff Nurse"][i % 2], body,
                                  company=company))
    return board


def test_a_fit_leaves_garbage_collection_as_it_found_it(profile, make_posting, monkeypatch):
    assert gc.isenabled()
    PostingIndex.build(profile, _board(make_posting))
    assert gc.isenabled(), "collection back on after a fit"

    def fail(*args):
        raise MemoryError("no room for the term counts")

    with monkeypatch.context() as patch:
        patch.setattr(index_module, "_fit_bodies", fail)
        with pytest.raises(MemoryError):
            PostingIndex.build(profile, _board(make_posting))
    assert gc.isenabled(), "and after a fit that failed half-way"
    gc.disable()
    try:
        PostingIndex.build(profile, _board(make_posting))
        assert not gc.isenabled(), "a caller's choice to keep it off is kept"
    finally:
        gc.enable()


def test_boilerplate_ignores_case_and_stays_out_of_postings_added_later(profile, make_posting):
    """A company's repeated sentence counts whatever its case, and is dropped from postings
    added to the index afterwards too: a skill named only there is not a skill of the job."""
    eeo = ("Every member of staff here values care coordination across our whole "
           "workforce.")
    variants = [eeo, eeo.upper(), eeo.lower()]
    board = [make_posting(str(i), "Staff Nurse", f"Provide bedside care on unit {i}. {text}",
                          company="Mercy Health") for i, text in enumerate(variants)]
    index = PostingIndex.build(profile, board, min_repeats=3)
    assert ("mercy health", eeo.lower()) in index.boilerplate
    assert not any("care coordination" in skills for skills in index.skills)
    index.add([make_posting("new", "Staff Nurse", f"Night shifts on unit 9. {eeo}",
                            company="Mercy Health"),
               make_posting("other", "Staff Nurse", f"Night shifts. {eeo}", company="Acme")])
    assert "care coordination" not in index.skills[-2], "boilerplate of Mercy Health"
    assert "care coordination" in index.skills[-1], "not boilerplate of another company"
