"""Nothing a jobs.yaml edit does loses a subscriber's history: an empty or truncated file is
refused, a subscriber taken out is removed (no digests) and purged only after the grace period
or by `pipeline subscribers remove`, and an address put back never gets a posting twice. Through
the real CLI (click's runner, or a terminal for the confirmation) over a real SQLite file."""

from __future__ import annotations

import json
import os
import pty
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.errors import SubscriberError
from pipeline.notify.subscribers import sync_subscribers
from pipeline.store import Store
from pipeline.store.schema import utcnow

DANA = {"email": "dana@example.org", "name": "Dana", "resume": "dana.txt"}
LEE = {"email": "lee@example.org", "name": "Lee"}
RESUME = "Dana's resume, ZEBRA-7731: RN, case management, discharge planning, care plans."
NEW_POSTING = {"source_id": "cm-3", "title": "Utilization Review Nurse Case Manager",
               "company": "Harbor Health", "location": "Remote - US", "remote": "remote",
               "url": "https://jobs.example/cm-3",
               "description": "Utilization review and care coordination for members; care "
                              "plans, discharge planning. Active RN license required; CCM."}


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _edit(config_file: Path, **changes) -> None:
    data = yaml.safe_load(config_file.read_text())
    data.update(changes)
    config_file.write_text(yaml.safe_dump(data, sort_keys=False))


def _digests(folder: Path, email: str) -> list[str]:
    """The .eml files written to ``email`` so far."""
    files = sorted((folder / "out" / "emails").glob("*.eml"))
    texts = [f.read_text(encoding="utf-8", errors="replace") for f in files]
    return [text for text in texts
            if any(line.startswith("To:") and email in line for line in text.splitlines())]


def _sent_count(config_file: Path, email: str) -> str:
    shown = invoke("subscribers", "show", "--config", config_file, email)
    assert shown.exit_code == 0, shown.output
    return next(line for line in shown.output.splitlines() if line.startswith("postings sent:"))


@pytest.fixture
def two(config_file, tmp_path) -> Path:
    """jobs.yaml with Dana (resume) and Lee, after a run that sent each of them a digest."""
    (tmp_path / "dana.txt").write_text(RESUME)
    _edit(config_file, subscribers=[DANA, LEE])
    assert invoke("run", "--config", config_file).exit_code == 0
    assert len(_digests(tmp_path, "dana@example.org")) == 1
    return config_file


def _add_posting(folder: Path) -> None:
    (folder / "postings" / "more.jsonl").write_text(json.dumps(NEW_POSTING) + "\n")


@pytest.mark.parametrize("text", ["", "  \n\n", "# every line\n# commented out\n", "truncated"])
def test_an_empty_or_truncated_jobs_yaml_is_refused_and_erases_nothing(two, tmp_path, text):
    good = two.read_text()
    sent = _sent_count(two, "dana@example.org")
    two.write_text(good.split("sources:")[0] if text == "truncated" else text)
    for command in (["subscribers", "list"], ["subscribers", "show", "dana@example.org"],
                    ["run"], ["notify"]):
        result = invoke(*command, "--config", two)
        assert result.exit_code == 2, (command, result.output)
        assert f"Error: {two}: " in result.output and "nothing was changed" in result.output
    two.write_text(good)
    assert _sent_count(two, "dana@example.org") == sent
    assert "active" in invoke("subscribers", "show", "--config", two, "dana@example.org").output
    assert invoke("run", "--config", two).exit_code == 0
    assert len(_digests(tmp_path, "dana@example.org")) == 1  # nothing mailed again


def test_taken_out_of_jobs_yaml_gets_nothing_and_put_back_carries_on(two, tmp_path):
    sent = _sent_count(two, "dana@example.org")
    _edit(two, subscribers=[LEE])
    listed = invoke("subscribers", "list", "--config", two).output
    assert "dana@example.org\tDana\tinstant\tremoved\tdana.txt\tjobs.yaml" in listed
    shown = invoke("subscribers", "show", "--config", two, "dana@example.org").output
    assert "data purged after" in shown and sent in shown
    _add_posting(tmp_path)
    assert invoke("run", "--config", two).exit_code == 0
    assert len(_digests(tmp_path, "lee@example.org")) == 2
    assert len(_digests(tmp_path, "dana@example.org")) == 1  # removed: no digest
    _edit(two, subscribers=[DANA, LEE])
    assert "state:         active" in invoke("subscribers", "show", "--config", two,
                                              "dana@example.org").output
    assert invoke("run", "--config", two).exit_code == 0
    dana = _digests(tmp_path, "dana@example.org")
    subjects = sorted(line for text in dana for line in text.splitlines()
                      if line.startswith("Subject:"))
    assert len(subjects) == 2  # the second holds only the posting new since she was removed
    assert subjects[0].startswith("Subject: 1 new Care Manager job: Utilization Review")


def test_removed_data_is_purged_after_the_grace_period_and_nothing_is_sent_twice(two,
                                                                               tmp_path):
    sent = _sent_count(two, "dana@example.org")
    _edit(two, subscribers=[LEE], database={"purge_removed_after_days": 10})
    config = load_config(two)
    with Store(config.database_url()) as store:
        sync_subscribers(config, store)
        sync_subscribers(config, store, now=utcnow() + timedelta(days=9))
        assert store.get_subscriber("dana@example.org").resume_text == RESUME  # still kept
        sync_subscribers(config, store, now=utcnow() + timedelta(days=11))
        with pytest.raises(SubscriberError, match="no subscriber dana@example.org"):
            store.get_subscriber("dana@example.org")
    assert "dana@example.org" not in invoke("subscribers", "list", "--config", two).output
    files = [p for p in tmp_path.rglob("*.db*") if p.is_file()]
    assert files and not [p for p in files if b"ZEBRA-7731" in p.read_bytes()
                          or b"dana@example.org" in p.read_bytes()]
    _edit(two, subscribers=[DANA, LEE])
    assert _sent_count(two, "dana@example.org") == sent  # the tombstone's history is back
    assert invoke("run", "--config", two).exit_code == 0
    assert len(_digests(tmp_path, "dana@example.org")) == 1  # no posting sent twice


def test_remove_without_a_terminal_needs_yes_and_a_cli_address_added_back_gets_nothing_twice(
        config_file, tmp_path):
    added = invoke("subscribers", "add", "--config", config_file, "lee@example.org")
    assert added.exit_code == 0, added.output
    assert invoke("run", "--config", config_file).exit_code == 0
    refused = invoke("subscribers", "remove", "--config", config_file, "lee@example.org")
    assert refused.exit_code == 2 and "pass --yes" in refused.output
    assert "lee@example.org" in invoke("subscribers", "list", "--config", config_file).output
    removed = invoke("subscribers", "remove", "--config", config_file, "lee@example.org", "--yes")
    assert removed.exit_code == 0, removed.output
    assert "lee@example.org" not in invoke("subscribers", "list", "--config",
                                           config_file).output
    invoke("subscribers", "add", "--config", config_file, "Lee@Example.org")
    assert invoke("run", "--config", config_file).exit_code == 0
    assert len(_digests(tmp_path, "lee@example.org")) == 1


def _on_a_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run `pipeline ARGS` with a pseudo-terminal as stdin, stdout and stderr, typing ``answer``.

    In this process: the terminal, not a process of its own, is what the command looks at.
    """
    leader, follower = pty.openpty()
    os.write(leader, answer)
    code = None
    with (open(follower, encoding="utf-8", closefd=False) as keys,
          open(follower, "w", encoding="utf-8", closefd=False) as screen,
          pytest.MonkeyPatch.context() as patch):
        patch.setattr(sys, "stdin", keys)
        patch.setattr(sys, "stdout", screen)
        patch.setattr(sys, "stderr", screen)
        try:
            cli.main(args, prog_name="pipeline")
        except SystemExit as done:
            code = done.code
    os.close(follower)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal is closed and everything read
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return code, output.decode("utf-8", "replace")


def test_remove_on_a_terminal_asks_first(config_file):
    invoke("subscribers", "add", "--config", config_file, "lee@example.org")
    code, output = _on_a_terminal(["subscribers", "remove", "--config", str(config_file),
                                   "lee@example.org"], b"n\n")
    assert code == 1 and "Delete everything stored about lee@example.org?" in output
    assert "lee@example.org" in invoke("subscribers", "list", "--config", config_file).output
    code, output = _on_a_terminal(["subscribers", "remove", "--config", str(config_file),
                                   "lee@example.org"], b"y\n")
    assert code == 0, output
    assert "lee@example.org" not in invoke("subscribers", "list", "--config",
                                           config_file).output


def test_show_syncs_jobs_yaml_first(config_file):
    shown = invoke("subscribers", "show", "--config", config_file, "dana@example.org")
    assert shown.exit_code == 0, shown.output
    assert "state:         active" in shown.output and "from:          jobs.yaml" in shown.output
