"""The shipped employer catalogue and `pipeline init --preset`, through the real CLI."""

from __future__ import annotations

import re

import yaml
from click.testing import CliRunner

from pipeline.catalog import load_catalog, presets
from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.sources import REGISTRY


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_catalogue_holds_at_least_60_employers_each_with_evidence():
    employers = load_catalog()
    assert len(employers) >= 60
    assert all(e.seen and e.board and e.states for e in employers)
    assert len({e.employer for e in employers}) == len(employers)
    boards = {e.board for e in employers}
    assert {"workday", "oracle", "greenhouse", "jibe"} <= boards


def test_presets_are_national_and_states_with_enough_employers():
    names = presets()
    assert names[0] == "national"
    assert {"oh", "ny", "ca"} <= set(names)
    assert "hi" not in names


def test_national_preset_writes_a_config_that_loads(tmp_path):
    target = tmp_path / "jobs.yaml"
    result = invoke("init", target, "--preset", "national")
    assert result.exit_code == 0, result.output
    config = load_config(target)
    types = {source.type for source in config.sources}
    assert types <= set(REGISTRY) and {"greenhouse", "lever", "jibe", "workday", "oracle"} <= types
    names = [source.name for source in config.sources]
    assert len(names) == len(set(names)) and "yale-new-haven-health" in names
    text = target.read_text(encoding="utf-8")
    # Boards this version cannot read are kept, commented out, with the reason.
    assert re.search(r"^  #   type: m-cloud$", text, re.M)
    assert "Commented out: board types this version cannot read yet:" in text
    assert "# (no source for this board type yet)" in text
    assert "# Cleveland Clinic: health-system, OH, FL; seen in" in text


def test_state_narrows_to_employers_there_or_nationwide(tmp_path):
    target = tmp_path / "jobs.yaml"
    assert invoke("init", target, "--preset", "national", "--state", "ct").exit_code == 0
    text = target.read_text(encoding="utf-8")
    assert "Yale New Haven Health" in text and "Hartford HealthCare" in text
    assert "Cleveland Clinic" not in text and "Centene" in text  # nationwide
    load_config(target)


def test_state_preset_keeps_only_that_state(tmp_path):
    target = tmp_path / "jobs.yaml"
    assert invoke("init", target, "--preset", "ny").exit_code == 0
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    names = [s["name"] for s in data["sources"]]
    assert {"mount-sinai-health-system", "newyork-presbyterian"} <= set(names)
    text = target.read_text(encoding="utf-8")
    assert "Centene" not in text and "Cleveland Clinic" not in text  # not New York's
    assert "# - name: northwell-health" in text  # an m-cloud board: kept, commented out
    load_config(target)


def test_unknown_preset_or_bad_state_is_exit_2_naming_what_is_allowed(tmp_path):
    target = tmp_path / "jobs.yaml"
    result = invoke("init", target, "--preset", "atlantis")
    assert result.exit_code == 2
    assert "--preset: no preset 'atlantis'; presets: national, " in result.output
    bad = invoke("init", target, "--preset", "national", "--state", "Ohio")
    assert bad.exit_code == 2 and "--state: 'Ohio' is not a two-letter state code" in bad.output
    alone = invoke("init", target, "--state", "OH")
    assert alone.exit_code == 2 and "give --preset too" in alone.output
    assert not target.exists()  # nothing half-written
