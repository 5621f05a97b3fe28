"""``evaluate``: metrics for the matcher and both baselines on a labelled fixture folder."""

from __future__ import annotations

import json

import pytest

from pipeline.errors import ConfigError
from pipeline.match.evaluate import (
    METHODS,
    eval_paths,
    format_table,
    load_labels,
    load_postings,
    load_resumes,
    run_eval,
)
from pipeline.match.report import write_html


def _report(matcher, labels_path):
    postings_dir, resumes_dir = eval_paths(labels_path, None, None)
    return run_eval(matcher, load_postings(postings_dir), load_labels(labels_path),
                    load_resumes(resumes_dir))


def test_every_query_has_every_method(matcher, labelled):
    report = _report(matcher, labelled)
    queries = {row["query"] for row in report.rows}
    assert queries == {"profile", "resume:engineer", "resume:rn"}
    assert {row["method"] for row in report.rows} == set(METHODS)
    assert report.postings == 22


def test_matcher_puts_core_postings_first(matcher, labelled):
    report = _report(matcher, labelled)
    assert report.metric("profile", "matcher", "p@10") == pytest.approx(0.8)  # all 8 core
    assert report.metric("profile", "matcher", "map") == pytest.approx(1.0)


def test_table_json_and_html(matcher, labelled, tmp_path):
    report = _report(matcher, labelled)
    table = format_table(report)
    assert "bm25" in table and "tfidf" in table and "resume:rn" in table
    assert json.loads(json.dumps(report.as_json()))["rows"][0]["query"] == "profile"
    page = write_html(report, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<svg" in page and "NDCG@10" in page


def test_bad_grade_names_the_line(tmp_path):
    bad = tmp_path / "labels.csv"
    bad.write_text("source_id,grade,note\na,2,\nb,high,\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"labels.csv:3: grade must be 0, 1 or 2"):
        load_labels(bad)


def test_labels_matching_no_posting(matcher, labelled):
    with pytest.raises(ConfigError, match="no posting has a label"):
        run_eval(matcher, load_postings(labelled.parent / "postings"), {"zzz": 2})
