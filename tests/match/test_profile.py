"""Role profiles are data: loading, errors that name the key, and a second role with no code."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import load_config
from pipeline.errors import ConfigError, ProfileError
from pipeline.match import Matcher, load_profile, load_weights

MODELS = Path(__file__).resolve().parents[2] / "models"


def test_care_manager_profile_has_the_guide_content(profile):
    assert "nurse case manager" in profile.title_family
    assert {c.code for c in profile.credentials} >= {"RN", "LPN", "BSN", "LCSW", "LMSW", "MSW",
                                                       "CCM", "ACM", "CPHQ"}
    assert "discharge planning" in {s.name for s in profile.skills()}


def test_second_role_is_just_another_file(make_posting):
    matcher = Matcher(load_profile(MODELS / "social_work_case_manager.yaml"))
    board = [
        make_posting("sw", "Medical Social Worker", "Psychosocial assessment, community "
                     "resources and discharge planning. LCSW required."),
        make_posting("rn", "Staff Nurse", "Bedside nursing care. RN license required."),
    ]
    ranked = matcher.rank(board)
    assert ranked[0].posting.source_id == "sw"
    assert ranked[0].why.credentials == ["LCSW"]


def test_profile_error_names_the_key(tmp_path):
    bad = tmp_path / "role.yaml"
    bad.write_text("name: X\ntitle_family: []\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="title_family"):
        load_profile(bad)
    bad.write_text("name: X\ntitle_family: [a]\nweights: {titel: 1}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="weights.titel"):
        load_profile(bad)


def test_missing_profile_and_bad_settings(tmp_path):
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile(tmp_path / "none.yaml")
    settings = tmp_path / "s.yaml"
    settings.write_text("weights: {title: -1}\n", encoding="utf-8")
    with pytest.raises(ProfileError, match="weights.title"):
        load_weights(settings)


def _profile_in(tmp_path, value: str) -> Path:
    jobs = tmp_path / "conf" / "jobs.yaml"
    jobs.parent.mkdir(exist_ok=True)
    jobs.write_text(f"sources:\n  - {{name: local, type: files, path: postings}}\n"
                    f"profile:\n  path: {value}\n", encoding="utf-8")
    return load_config(jobs).profile.path


def test_a_profile_is_named_or_given_as_a_file_beside_jobs_yaml(tmp_path):
    assert _profile_in(tmp_path, "social_work_case_manager").read_bytes() == (
        MODELS / "social_work_case_manager.yaml").read_bytes()
    assert _profile_in(tmp_path, "roles/mine.yaml") == tmp_path / "conf" / "roles" / "mine.yaml"
    assert _profile_in(tmp_path, "mine.yml") == tmp_path / "conf" / "mine.yml"
    absolute = MODELS / "care_manager.yaml"
    assert _profile_in(tmp_path, str(absolute)) == absolute


def test_an_unknown_profile_name_lists_the_shipped_names(tmp_path):
    with pytest.raises(ConfigError, match=r"profile.path: no shipped profile named 'nurse'; "
                       r"shipped: care_manager, social_work_case_manager; or give a \.yaml"):
        _profile_in(tmp_path, "nurse")
