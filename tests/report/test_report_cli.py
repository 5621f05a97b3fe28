"""``pipeline report`` through click's CliRunner on the fixture database."""

from __future__ import annotations

import base64
import re

import yaml
from click.testing import CliRunner
from report_support import EMAIL, RESUME, ROOT

from pipeline.cli import cli


def _jobs_yaml(config, tmp_path):
    """A jobs.yaml on the fixture database, listing the subscriber with a resume file."""
    (tmp_path / "postings").mkdir(exist_ok=True)
    (tmp_path / "lee.txt").write_text(RESUME, encoding="utf-8")
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump({
        "database": {"url": config.database.url},
        "profile": {"path": str(ROOT / "models" / "care_manager.yaml")},
        "sources": [{"name": "local", "type": "files", "path": "postings"}],
        "subscribers": [{"email": EMAIL, "resume": "lee.txt", "min_score": 0.0,
                         "filters": {"states": ["TX"], "min_salary": 90000}}],
    }), encoding="utf-8")
    return path


def test_subscriber_report_in_the_terminal(market, tmp_path):
    config, _store, _now = market
    result = CliRunner().invoke(cli, ["report", "--config", str(_jobs_yaml(config, tmp_path)),
                                      "--subscriber", EMAIL])
    assert result.exit_code == 0, result.output
    assert "Last 90 days: 7 fitting postings of 9" in result.output
    assert "CCM: 5/7 (71%) [not shown]" in result.output
    assert "Adding CCM would qualify you for 4 more of the 4 postings you nearly match" in (
        result.output)
    assert "Your minimum $90,000 is met by 5 of 7" in result.output


def test_html_file_is_self_contained_with_png_charts(market, tmp_path):
    config, _store, _now = market
    out = tmp_path / "lee.html"
    result = CliRunner().invoke(cli, ["report", "--config", str(_jobs_yaml(config, tmp_path)),
                                      "--subscriber", EMAIL, "--html", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) == 6
    assert all(base64.b64decode(i).startswith(b"\x89PNG") for i in images)
    assert "<link" not in page and "<style>" in page  # nothing to fetch


def test_market_report_counts_every_posting_once(market, tmp_path):
    config, _store, _now = market
    result = CliRunner().invoke(cli, ["report", "--config", str(_jobs_yaml(config, tmp_path)),
                                      "--market"])
    assert result.exit_code == 0, result.output
    assert "Last 30 days: 8 fitting postings of 8" in result.output
    assert "LCSW: 1/9 (11%)" in result.output
    assert "[not shown]" not in result.output  # no resume in the market report


def test_bad_arguments_and_an_unknown_subscriber_exit_2(market, tmp_path):
    config, _store, _now = market
    jobs = str(_jobs_yaml(config, tmp_path))
    both = CliRunner().invoke(cli, ["report", "--config", jobs, "--market",
                                    "--subscriber", EMAIL])
    neither = CliRunner().invoke(cli, ["report", "--config", jobs])
    assert (both.exit_code, neither.exit_code) == (2, 2)
    assert "give --subscriber EMAIL or --market" in neither.output
    unknown = CliRunner().invoke(cli, ["report", "--config", jobs, "--subscriber",
                                       "nobody@example.org"])
    assert unknown.exit_code == 2 and "no subscriber nobody@example.org" in unknown.output


def test_a_bad_pay_reference_file_is_named_with_its_key(market, tmp_path):
    config, _store, _now = market
    profile = tmp_path / "role.yaml"
    profile.write_text((ROOT / "models" / "care_manager.yaml").read_text(encoding="utf-8"),
                       encoding="utf-8")
    (tmp_path / "role.pay.yaml").write_text("source: my survey\nmedian: lots\n",
                                            encoding="utf-8")
    jobs = _jobs_yaml(config, tmp_path)
    jobs.write_text(jobs.read_text(encoding="utf-8").replace(
        str(ROOT / "models" / "care_manager.yaml"), str(profile)), encoding="utf-8")
    result = CliRunner().invoke(cli, ["report", "--config", str(jobs), "--market"])
    assert result.exit_code == 2
    assert "role.pay.yaml: median: Input should be a valid number" in result.output
