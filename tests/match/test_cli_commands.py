"""``pipeline eval`` and ``pipeline tune`` end to end through the CLI, on a labelled folder."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from click.testing import CliRunner

from pipeline.cli import cli

PROFILE = Path(__file__).resolve().parents[2] / "models" / "care_manager.yaml"


def _config(tmp_path, labels: Path) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "profile": {"path": str(PROFILE)},
        "sources": [{"name": "local", "type": "files", "path": "postings"}],
        "matching": {"labels": str(labels), "settings": str(tmp_path / "tuned.yaml")},
    }), encoding="utf-8")
    return path


def test_eval_prints_table_json_and_html(tmp_path, labelled):
    config = _config(tmp_path, labelled)
    (tmp_path / "tuned.yaml").write_text("weights: {}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--config", str(config),
                                      "--html", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert "matcher" in result.output and "bm25" in result.output
    assert "<svg" in (tmp_path / "r.html").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", "--config", str(config), "--json"])
    data = json.loads(result.output)
    assert data["postings"] == 22
    assert {row["method"] for row in data["rows"]} == {"matcher", "tfidf", "bm25"}


def test_eval_with_missing_labels_is_a_one_line_error(tmp_path):
    config = _config(tmp_path, tmp_path / "nothing.csv")
    result = CliRunner().invoke(cli, ["eval", "--config", str(config)])
    assert result.exit_code == 2
    assert "no labels file" in result.output


def test_tune_reports_held_out_score_and_writes_settings(tmp_path, labelled):
    config = _config(tmp_path, labelled)
    result = CliRunner().invoke(cli, ["tune", "--config", str(config), "--folds", "3",
                                      "--trials", "10"])
    assert result.exit_code == 0, result.output
    assert "held-out NDCG@10" in result.output and "held-out MAP" in result.output
    written = yaml.safe_load((tmp_path / "tuned.yaml").read_text(encoding="utf-8"))
    assert set(written) == {"weights", "tuned"}
