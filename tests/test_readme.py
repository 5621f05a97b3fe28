"""The README's promises: its main command on the default config, and its command list."""

import json
import re
import shutil
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import click
import yaml
from click.testing import CliRunner, Result

from pipeline.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def copy_default_setup(folder: Path) -> None:
    """The repository's jobs.yaml with everything it points at, in a fresh folder."""
    shutil.copy(REPO / "jobs.yaml", folder / "jobs.yaml")
    shutil.copytree(REPO / "fixtures", folder / "fixtures")
    shutil.copytree(REPO / "models", folder / "models")


def pipeline_run(folder: Path, monkeypatch) -> Result:
    """`pipeline run` in ``folder`` with its default ``./jobs.yaml`` (in-process)."""
    monkeypatch.chdir(folder)
    return CliRunner().invoke(cli, ["run"])


def emails(folder: Path) -> list[Path]:
    return sorted((folder / "out" / "emails").glob("*.eml"))


def test_main_command_writes_one_digest_per_subscriber_then_nothing_new(tmp_path,
                                                                        monkeypatch):
    copy_default_setup(tmp_path)
    subscribers = yaml.safe_load((tmp_path / "jobs.yaml").read_text())["subscribers"]

    first = pipeline_run(tmp_path, monkeypatch)
    assert first.exit_code == 0, first.output
    written = emails(tmp_path)
    assert len(written) == len(subscribers) == 2
    recipients = {message_from_bytes(p.read_bytes(), policy=default)["To"] for p in written}
    assert {s["email"] for s in subscribers} <= {r.split("<")[-1].rstrip(">") for r in recipients}
    assert "digests queued: 2" in first.stdout

    second = pipeline_run(tmp_path, monkeypatch)
    assert second.exit_code == 0, second.output
    assert emails(tmp_path) == written
    assert "digests queued: 0" in second.stdout

    new_posting = {"source_id": "new-1", "title": "RN Case Manager - Transitions of Care",
                   "company": "Brand New Health", "location": "Remote - US", "remote": "remote",
                   "description": "Nurse case manager coordinating transitions of care: "
                   "discharge planning, care plans, utilization review, patient education, "
                   "community resources, follow-up calls. Active RN license required; CCM "
                   "preferred."}
    (tmp_path / "fixtures" / "postings" / "zz_new.jsonl").write_text(json.dumps(new_posting))
    third = pipeline_run(tmp_path, monkeypatch)
    assert third.exit_code == 0, third.output
    added = [p for p in emails(tmp_path) if p not in written]
    assert added, third.stdout
    for path in added:
        text = message_from_bytes(path.read_bytes(), policy=default).get_body(
            ("plain",)).get_content()
        assert "1. RN Case Manager - Transitions of Care" in text and "Brand New Health" in text
        assert "\n2. " not in text, "only the new posting: the others were mailed already"


def test_readme_names_the_two_commands_and_every_command_it_documents_exists():
    assert "make run" in README and "make test" in README
    documented = set(re.findall(r"`pipeline ([a-z]+)", README))
    commands = set(cli.list_commands(click.Context(cli)))
    assert documented <= commands, documented - commands
    assert commands <= documented, commands - documented


def _reference() -> str:
    start = README.index("## jobs.yaml reference")
    return README[start:README.index("\n## ", start + 1)]


def test_every_jobs_yaml_key_is_in_the_readme_reference():
    from pydantic import BaseModel

    from pipeline.config import Filters, JobsConfig, SubscriberConfig

    reference = _reference()
    missing = []
    for section, info in JobsConfig.model_fields.items():
        model = info.annotation
        if info.exclude or not (isinstance(model, type) and issubclass(model, BaseModel)):
            continue
        for name, field in model.model_fields.items():
            key = field.alias or name
            nested = field.annotation
            if isinstance(nested, type) and issubclass(nested, BaseModel):
                missing += [f"{section}.{key}.{sub}" for sub in nested.model_fields
                            if f"`{section}.{key}.{sub}`" not in reference
                            and f"`.{sub}`" not in reference]
            elif f"`{section}.{key}`" not in reference:
                missing.append(f"{section}.{key}")
    for model in (SubscriberConfig, Filters):
        missing += [f"subscribers[].{name}" for name in model.model_fields
                    if f"`{name}`" not in reference]
    assert missing == []


def test_rank_json_on_the_default_fixtures_puts_care_manager_roles_first(tmp_path):
    """The issue's promise, through the CLI on the repository's own postings and labels:
    the first 40 are all labelled care-manager roles (grade 2), none a near miss."""
    import csv

    copy_default_setup(tmp_path)
    grades = {row["source_id"]: int(row["grade"]) for row in
              csv.DictReader((REPO / "fixtures" / "labels.csv").open(encoding="utf-8"))}
    from click.testing import CliRunner

    config = str(tmp_path / "jobs.yaml")
    assert CliRunner().invoke(cli, ["fetch", "--config", config]).exit_code == 0
    ranked = CliRunner().invoke(cli, ["rank", "--json", "--top", "200", "--config", config])
    assert ranked.exit_code == 0, ranked.output
    records = [json.loads(line) for line in ranked.output.splitlines()]
    assert len(records) >= 60
    top = [(record["title"], grades[record["source_id"]]) for record in records[:40]]
    assert [title for title, grade in top if grade != 2] == []
    assert all({"source", "source_id", "url", "score", "why", "salary_min"} <= set(record)
               for record in records)
