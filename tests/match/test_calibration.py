"""The shown match strength: a fixed reference from labelled postings, written and read back."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.match.calibration import Calibration, calibration_path_for, label
from tests.match.test_cli_commands import PROFILE


def _config(tmp_path, labels):
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "profile": {"path": str(PROFILE)},
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "sources": [{"name": "labelled", "type": "files", "path": str(labels.parent / "postings")}],
        "matching": {"labels": str(labels), "settings": str(tmp_path / "tuned.settings.yaml")},
    }), encoding="utf-8")
    (tmp_path / "tuned.settings.yaml").write_text("weights: {}\n", encoding="utf-8")
    return path


def test_strength_is_the_share_of_core_postings_ranked_at_or_below():
    reference = Calibration(profile=[(0.5, 1.0), (0.9, 2.0), (1.0, 3.0), (1.0, 5.0)], resume=[])
    assert reference.percent(1.0, 9.0, has_resume=False) == 100
    assert reference.percent(1.0, 4.0, has_resume=False) == 75  # a capped score, less evidence
    assert reference.percent(0.7, 1.0, has_resume=True) == 25  # no resume reference: profile's
    assert reference.percent(0.1, 0.0, has_resume=False) == 0
    assert [label(p)[0] for p in (100, 50, 49, 10, 9)] == ["Strong", "Strong", "Good", "Good",
                                                             "Fair"]


def test_calibrate_writes_beside_the_settings_and_rank_shows_it(tmp_path, labelled):
    config = _config(tmp_path, labelled)
    result = CliRunner().invoke(cli, ["calibrate", "--config", str(config)])
    assert result.exit_code == 0, result.output
    written = tmp_path / "tuned.calibration.yaml"
    assert written == calibration_path_for(tmp_path / "tuned.settings.yaml")
    data = yaml.safe_load(written.read_text(encoding="utf-8"))
    assert len(data["reference"]["profile"]) == 8  # the core postings
    # ... with the RN resume (not the engineer's), but not the one that requires an LCSW
    assert len(data["reference"]["resume"]) == 7
    assert CliRunner().invoke(cli, ["fetch", "--config", str(config)]).exit_code == 0
    ranked = CliRunner().invoke(cli, ["rank", "--config", str(config), "--json", "--top", "30"])
    strengths = [json.loads(line)["strength"] for line in ranked.output.splitlines()]
    assert strengths[0] == 100 and strengths[-1] == 0
    assert len(set(strengths[:8])) >= 4  # the core postings are told apart


def test_a_damaged_calibration_file_is_a_one_line_error(tmp_path, labelled):
    config = _config(tmp_path, labelled)
    (tmp_path / "tuned.calibration.yaml").write_text("reference: [1, 2\n", encoding="utf-8")
    assert CliRunner().invoke(cli, ["fetch", "--config", str(config)]).exit_code == 0
    result = CliRunner().invoke(cli, ["rank", "--config", str(config)])
    assert result.exit_code == 2
    assert "tuned.calibration.yaml: not a calibration file" in result.output
    assert "pipeline calibrate" in result.output


def test_the_shipped_calibration_is_the_one_the_current_scoring_writes(tmp_path):
    """The strength a digest shows is read against `models/care_manager.calibration.yaml`; a
    change to the profile or the scoring that is not recalibrated shows stale strengths."""
    root = PROFILE.parent
    written = tmp_path / "calibration.yaml"
    result = CliRunner().invoke(cli, ["calibrate", "--config", str(root.parent / "jobs.yaml"),
                                      "--output", str(written)])
    assert result.exit_code == 0, result.output
    shipped = yaml.safe_load((root / "care_manager.calibration.yaml").read_text(encoding="utf-8"))
    assert yaml.safe_load(written.read_text(encoding="utf-8")) == shipped, (
        "run `pipeline calibrate` and commit models/care_manager.calibration.yaml")
