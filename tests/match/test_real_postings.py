"""Real postings datasets read by format, and ``pipeline eval --credential-labels`` on them."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.errors import ConfigError
from pipeline.match.real_postings import read_postings

PROFILE = Path(__file__).resolve().parents[2] / "models" / "care_manager.yaml"

NHS_TEXT = ("&lt;p&gt;&lt;strong&gt;Essential criteria:&lt;/strong&gt;&lt;/p&gt;"
            "&lt;ul&gt;&lt;li&gt;Registered Nurse with current NMC registration&lt;/li&gt;"
            "&lt;li&gt;Community experience&lt;/li&gt;&lt;/ul&gt;")
LINKEDIN_ROWS = [
    {"job_id": "4001", "company_name": "Lakeview Clinic", "title": "Phone Triage Nurse",
     "description": "Triage patient calls.\nQualifications\nActive RN or LPN license\n"
                    "BSN preferred", "max_salary": "", "pay_period": "", "location": "Erie, PA"},
    {"job_id": "4002", "company_name": "Harbor Homes", "title": "Support Worker",
     "description": "Work under the supervision of the registered nurse.", "max_salary": "",
     "pay_period": "", "location": "Erie, PA"},
]
INDEED_ROWS = [
    ("0", "healthcare", "Care Coordinator", "Elm Health", "Care plans. LCSW required."),
    ("1", "healthcare", "Patient Observer", "Elm Health", "Report changes to the RN."),
    ("0", "healthcare", "Case Manager", "Oak Health",
     "Required qualifications:\nActive, unrestricted RN license (compact preferred)"),
]


def _write_datasets(folder: Path) -> Path:
    """One small dataset per real format, with the real files' columns and made-up text."""
    folder.mkdir()
    record = {"@context": "http://schema.org", "@type": "JobPosting", "title": "CHC Nurse Assessor",
              "description": NHS_TEXT, "hiringOrganization": {"name": "North CCG"},
              "url": "https://www.jobs.nhs.uk/xi/vacancy/917000001"}
    (folder / "nhs_sample.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    with (folder / "linkedin_sample.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(LINKEDIN_ROWS[0]))
        writer.writeheader()
        writer.writerows(LINKEDIN_ROWS)
    with (folder / "indeed_sample.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["", "Search", "Position", "Company", "Description"])
        writer.writerows(INDEED_ROWS)
    return folder


def test_each_format_is_read_by_dataset_name_and_id(tmp_path):
    folder = _write_datasets(tmp_path / "postings")
    wanted = [("nhs_sample", "917000001"), ("linkedin_sample", "4001"), ("indeed_sample", "2")]
    found = read_postings(folder, wanted)
    assert sorted(found) == sorted(wanted)
    nhs = found[("nhs_sample", "917000001")]
    assert (nhs.title, nhs.company) == ("CHC Nurse Assessor", "North CCG")
    assert "Registered Nurse with current NMC registration" in nhs.description
    assert "&lt;" not in nhs.description and "<li>" not in nhs.description
    assert found[("linkedin_sample", "4001")].company == "Lakeview Clinic"
    assert found[("indeed_sample", "2")].company == "Oak Health"  # the row, not the index column


def test_an_unknown_dataset_names_the_ones_there(tmp_path):
    folder = _write_datasets(tmp_path / "postings")
    with pytest.raises(ConfigError, match="no dataset 'monster'.*indeed_sample"):
        read_postings(folder, [("monster", "1")])


def _labels(path: Path, rows: list[str]) -> Path:
    path.write_text("dataset,posting_id,credential,strength\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")
    return path


def _eval(tmp_path, labels: Path, *extra: str):
    config = tmp_path / "jobs.yaml"
    config.write_text(yaml.safe_dump({
        "profile": {"path": str(PROFILE)},
        "sources": [{"name": "local", "type": "files", "path": str(tmp_path)}]}), encoding="utf-8")
    return CliRunner().invoke(cli, ["eval", "--config", str(config), "--credential-labels",
                                    str(labels), *extra])


def test_eval_reports_required_and_preferred_precision_and_recall(tmp_path):
    folder = _write_datasets(tmp_path / "postings")
    labels = _labels(tmp_path / "labels.csv", [
        "nhs_sample,917000001,RN,required", "linkedin_sample,4001,RN,required",
        "linkedin_sample,4001,LPN,required", "linkedin_sample,4001,BSN,preferred",
        "linkedin_sample,4002,,none", "indeed_sample,0,LCSW,required", "indeed_sample,1,,none",
        "indeed_sample,2,RN,required", "indeed_sample,2,CCM,preferred"])
    result = _eval(tmp_path, labels, "--postings", str(folder), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)["credentials"]
    assert data["postings"] == 6
    # Every required license is read as required; the CCM labelled preferred is never named.
    assert data["required"] == {"tp": 5, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0}
    assert data["preferred"] == {"tp": 1, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.5}
    table = _eval(tmp_path, labels, "--postings", str(folder))
    assert "required" in table.output and "0.500" in table.output


def test_eval_refuses_a_bad_label_with_its_line(tmp_path):
    folder = _write_datasets(tmp_path / "postings")
    labels = _labels(tmp_path / "labels.csv", ["nhs_sample,917000001,RN,must"])
    result = _eval(tmp_path, labels, "--postings", str(folder))
    assert result.exit_code == 2
    assert "labels.csv:2: strength must be required, preferred or none (got 'must')" in (
        result.output)
    result = _eval(tmp_path, _labels(tmp_path / "l2.csv", ["nhs_sample,917000001,RNX,required"]),
                   "--postings", str(folder))
    assert result.exit_code == 2 and "credential 'RNX' is not in the profile" in result.output


def test_eval_with_credential_labels_needs_the_postings_folder(tmp_path):
    result = _eval(tmp_path, _labels(tmp_path / "labels.csv", ["a,1,,none"]))
    assert result.exit_code == 2
    assert "--credential-labels needs --postings FOLDER" in result.output


def test_an_unreadable_dataset_is_a_one_line_error(tmp_path):
    folder = _write_datasets(tmp_path / "postings")
    (folder / "indeed_sample.csv").write_bytes(b",Position,Description\n0,Nurse,\xff\xfe RN\n")
    result = _eval(tmp_path, _labels(tmp_path / "labels.csv", ["indeed_sample,0,RN,required"]),
                   "--postings", str(folder))
    assert result.exit_code == 2
    assert "indeed_sample.csv: cannot read this dataset" in result.output
