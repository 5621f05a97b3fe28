"""The Python API (``import pipeline``) on a files source and a real SQLite file, and
``pipeline rank --csv`` that prints the same rows."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

import pipeline
from pipeline.api import RANK_COLUMNS
from pipeline.cli import cli
from pipeline.errors import ConfigError

RESUME = ("Registered Nurse (RN), CCM. Six years of case management: care plans, discharge "
          "planning, utilization review and care coordination for Medicaid members.\n")

CARE_JOBS = {"cm-1", "cm-2"}


@pytest.fixture
def fetched(config_file):
    """The sample postings' config, fetched once into its SQLite file."""
    pipeline.fetch(pipeline.load_config(config_file))
    return config_file


def test_import_pipeline_is_light_and_names_its_api():
    child = ("import json, sys, pipeline; print(json.dumps({'all': pipeline.__all__, "
             "'dir': dir(pipeline), 'loaded': sorted(sys.modules)}))")
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True,
                          check=True)
    shown = json.loads(done.stdout)
    api = {"load_config", "fetch", "rank", "rank_matches", "evaluate"}
    assert api <= set(shown["all"]) and api <= set(shown["dir"])
    heavy = {"pandas", "sklearn", "sqlalchemy", "pydantic", "pipeline.api"}
    loaded = set(shown["loaded"]) | {name.split(".")[0] for name in shown["loaded"]}
    assert not heavy & loaded


def test_three_lines_fetch_and_rank_a_resume_file(config_file, tmp_path):
    (tmp_path / "cv.txt").write_text(RESUME, encoding="utf-8")
    cfg = pipeline.load_config(config_file)
    report = pipeline.fetch(cfg)
    df = pipeline.rank(cfg, resume=tmp_path / "cv.txt")
    assert report.new == 4 and (tmp_path / "data" / "jobs.db").is_file()
    assert isinstance(df, pd.DataFrame) and len(df) == 4
    assert list(df.columns[:len(RANK_COLUMNS)]) == list(RANK_COLUMNS)
    assert set(df["source_id"][:2]) == CARE_JOBS and df["source_id"].iloc[-1] == "it-1"
    assert df["score"].is_monotonic_decreasing
    assert df["resume_terms"].iloc[0], "the resume's overlap is listed"
    assert df["why"].iloc[0].startswith("Title")


def test_rank_the_profile_alone_a_resume_text_or_a_subscriber(fetched):
    cfg = pipeline.load_config(fetched)
    alone = pipeline.rank(cfg, top=2)
    assert set(alone["source_id"]) == CARE_JOBS
    assert not any(alone["resume_terms"])
    with_text = pipeline.rank(cfg, resume_text=RESUME)
    assert any(with_text["resume_terms"])
    subscriber = pipeline.rank_matches(cfg, subscriber="dana@example.org", top=1)
    assert subscriber[0].posting.source_id in CARE_JOBS
    with pytest.raises(TypeError, match="one of resume, resume_text or subscriber"):
        pipeline.rank(cfg, resume_text=RESUME, subscriber="dana@example.org")


def test_rank_before_any_fetch_is_an_empty_frame_with_every_column(config_file):
    df = pipeline.rank(pipeline.load_config(config_file))
    assert df.empty and list(df.columns[:len(RANK_COLUMNS)]) == list(RANK_COLUMNS)


def test_evaluate_gives_the_metrics_of_eval_as_a_frame(config_file, tmp_path):
    (tmp_path / "labels.csv").write_text("source_id,grade\ncm-1,2\ncm-2,2\nnm-1,1\nit-1,0\n",
                                         encoding="utf-8")
    metrics = pipeline.evaluate(pipeline.load_config(config_file), tmp_path / "labels.csv")
    assert {"matcher", "tfidf", "bm25"} <= set(metrics["method"])
    assert {"ndcg@10", "map"} <= set(metrics.columns)


def test_a_bad_config_raises_the_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no such config file"):
        pipeline.load_config(tmp_path / "missing.yaml")


def test_pipeline_fetch_is_the_api_function_beside_the_fetch_stage():
    from pipeline.stages.fetch import fetch_sources

    assert callable(pipeline.fetch) and pipeline.fetch.__module__ == "pipeline.api"
    assert fetch_sources.__module__ == "pipeline.stages.fetch"


def test_rank_csv_prints_the_ranking_with_a_header(fetched):
    result = CliRunner().invoke(cli, ["rank", "--config", str(fetched), "--top", "3", "--csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and list(rows[0])[:len(RANK_COLUMNS)] == list(RANK_COLUMNS)
    assert {row["source_id"] for row in rows[:2]} == CARE_JOBS
    scores = [float(row["score"]) for row in rows]
    assert scores == sorted(scores, reverse=True)
    assert rows[0]["why"].startswith("Title") and "; " in rows[0]["skills"]
    assert rows[0]["url"].startswith("https://jobs.example/")


def test_rank_json_still_prints_the_whole_explanation(fetched):
    result = CliRunner().invoke(cli, ["rank", "--config", str(fetched), "--top", "1", "--json"])
    record = json.loads(result.stdout)
    assert record["source_id"] in CARE_JOBS and isinstance(record["why"]["skills"], list)


def test_rank_json_and_csv_together_is_a_usage_error(fetched):
    result = CliRunner().invoke(cli, ["rank", "--config", str(fetched), "--json", "--csv"])
    assert result.exit_code == 2 and "give --json or --csv, not both" in result.output
