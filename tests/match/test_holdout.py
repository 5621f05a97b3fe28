"""The matcher on the blind hold-out set (``fixtures/holdout``), to watch generalisation.

The profile and its tuned weights were refined on ``fixtures/labels.csv``, so figures there are
in-sample. The hold-out set was written later by someone who had not read the matcher, and its
figures were first measured after it was committed (see ``fixtures/holdout/README.md``). Do not
tune on it: these tests only say whether ranking quality still carries over to unseen employers,
titles and house styles.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from pipeline.config import load_config
from pipeline.match.evaluate import (
    PROFILE_QUERY,
    evaluate_config,
    load_labels,
    load_postings,
    ranked_grades,
)
from pipeline.match.fit_grades import load_fit_rule
from pipeline.match.metrics import evaluate_ranking
from pipeline.match.resume_kinds import load_kinds

ROOT = Path(__file__).resolve().parents[2]
HOLDOUT = ROOT / "fixtures" / "holdout" / "labels.csv"
PROFILE = ROOT / "models" / "care_manager.yaml"
RESUMES = ("resume:lpn_care_coordinator", "resume:msw_hospital_social_worker")


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``pipeline eval --labels fixtures/holdout/labels.csv`` with the shipped profile and weights
    (the settings file beside the profile, exactly as the CLI picks it)."""
    path = tmp_path_factory.mktemp("holdout") / "jobs.yaml"
    path.write_text(yaml.safe_dump({"profile": {"path": str(PROFILE)}, "sources": [
        {"name": "local", "type": "files", "path": "postings"}]}), encoding="utf-8")
    return evaluate_config(load_config(path), HOLDOUT)


def test_every_holdout_posting_is_labelled_and_ranked(report):
    assert report.postings == 80
    assert report.unmatched_labels == []
    assert {row["query"] for row in report.rows} == {PROFILE_QUERY, *RESUMES}


def test_matcher_beats_both_baselines_on_unseen_postings(report):
    # Measured at commit time: MAP 0.993 (TF-IDF 0.928, BM25 0.909). The floor of 0.95 sits a
    # little below: a few core postings slipping under a hard negative costs ~0.01 each and
    # should not fail the suite, but falling to the baselines' level (~0.93) is a real loss of
    # generalisation and does.
    matcher_map = report.metric(PROFILE_QUERY, "matcher", "map")
    assert matcher_map > report.metric(PROFILE_QUERY, "tfidf", "map")
    assert matcher_map > report.metric(PROFILE_QUERY, "bm25", "map")
    assert matcher_map >= 0.95
    # The first 25 are all core when measured; allow one adjacent slip into the top 10.
    assert report.metric(PROFILE_QUERY, "matcher", "p@10") >= 0.9


def own_fit_map(report, name: str, method: str) -> float:
    """MAP of one resume's ranking on its own grades: a core job needing a licence the person
    lacks (the rubric's title rule, ``fixtures/real/licence_titles.csv``; the person's licences in
    ``resumes/resumes.csv``) is not one they can take."""
    labels = load_labels(HOLDOUT)
    labelled = [p for p in load_postings(HOLDOUT.parent / "postings") if p.source_id in labels]
    kind = load_kinds(HOLDOUT.parent / "resumes")[name]
    grades = load_fit_rule(ROOT / "fixtures" / "real").grades(
        [("holdout", p.source_id) for p in labelled], labelled, report.grades, kind)
    scores = report.scores[(f"resume:{name}", method)]
    return evaluate_ranking(ranked_grades(scores, grades), 10)["map"]


@pytest.mark.parametrize(("name", "floor"), [("lpn_care_coordinator", 0.45),
                                             ("msw_hospital_social_worker", 0.70)])
def test_a_resume_ranks_the_jobs_its_person_can_take_first(report, name, floor):
    # Measured on the person's own grades (18 and 16 of the 30 core jobs ask for an RN they do
    # not hold): MAP 0.485 (LPN) and 0.737 (MSW); TF-IDF 0.349 and 0.553, BM25 0.379 and 0.553.
    # Before their resumes were read right ("LPN-to-RN bridge", "partnered with an RN case
    # manager", "LCSW supervision in progress" read as held): 0.315 and 0.464.
    matcher = own_fit_map(report, name, "matcher")
    assert matcher >= floor
    assert matcher > own_fit_map(report, name, "bm25")
    assert matcher > own_fit_map(report, name, "tfidf")


def test_adjacent_jobs_score_between_core_and_unrelated(report):
    # Measured mean scores by grade (profile): 0.20, 0.38, 0.87. Grades are about the job, so
    # an adjacent job sitting between the two on average is what a reader of the alerts expects.
    scores = report.scores[(PROFILE_QUERY, "matcher")]
    means = [float(np.mean(scores[report.grades == grade])) for grade in (0, 1, 2)]
    assert means[0] < means[1] < means[2]
