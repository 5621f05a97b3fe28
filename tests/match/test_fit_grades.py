"""A resume's own grades: the role's grade, or 0 where the post needs a licence it lacks."""

from __future__ import annotations

import numpy as np

from pipeline.match.fit_grades import load_fit_rule
from pipeline.match.resume_kinds import ResumeKind


def test_a_title_naming_several_professions_is_open_to_each(tmp_path, make_posting):
    (tmp_path / "licence_titles.csv").write_text(
        "title_word,licences\nnurse,RN\ncpn,RN\nsocial worker,LCSW LMSW MSW\nsw,LCSW LMSW MSW\n",
        encoding="utf-8")
    rule = load_fit_rule(tmp_path)
    postings = [make_posting("1", "Care Co-ordinator (Social Worker/OT/Nurse)", "Caseload."),
                make_posting("2", "Care Co-ordinator/CPN/SW", "Caseload."),
                make_posting("3", "Community Nurse", "Caseload.")]
    keys = [("board", p.source_id) for p in postings]
    social_worker = ResumeKind(licences=frozenset({"LMSW", "MSW"}))
    grades = rule.grades(keys, postings, np.array([2, 2, 1]), social_worker)
    assert grades.tolist() == [2, 2, 0]
