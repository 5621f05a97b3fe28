"""``tune``: cross-validated weight search that writes a settings file the matcher then reads."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from pipeline.config import parse_config
from pipeline.match import Matcher
from pipeline.match.evaluate import load_labels, load_postings, load_resumes
from pipeline.match.tuning.tune import folds_of, tune, write_settings

PROFILE = Path(__file__).resolve().parents[3] / "models" / "care_manager.yaml"


def test_tune_writes_settings_that_the_matcher_uses(matcher, labelled, tmp_path):
    folder = labelled.parent
    result = tune(matcher, load_postings(folder / "postings"), load_labels(labelled),
                  load_resumes(folder / "resumes"), folds=3, trials=12, seed=1)
    assert len(result.held_out["map"]) == len(result.held_out["ndcg@10"]) == 3
    assert 0.0 <= result.mean("map") <= 1.0

    models = tmp_path / "models"
    models.mkdir()
    shutil.copy(PROFILE, models / "care_manager.yaml")
    written = write_settings(result, models / "care_manager.settings.yaml", folds=3)
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert data["tuned"]["held_out_map"] == round(result.mean("map"), 4)
    assert data["tuned"]["held_out_ndcg@10"] == round(result.mean("ndcg@10"), 4)
    assert data["tuned"]["folds"] == 3

    config = parse_config({"profile": {"path": "models/care_manager.yaml"}}, base_dir=tmp_path)
    assert Matcher.from_config(config).weights == result.weights


def test_folds_are_stratified_and_cover_every_posting():
    import numpy as np

    grades = np.array([2] * 6 + [1] * 3 + [0] * 9)
    folds = folds_of(grades, 3, seed=3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(grades)))
    assert all((grades[f] == 2).sum() == 2 for f in folds)
