"""The command line: exit codes, messages, and `rank --json` output, through click's runner."""

import json
import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config

#: The one source a jobs.yaml needs (a local folder, empty unless a test fills it).
A_SOURCE = "sources:\n  - {name: local, type: files, path: postings}\n"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_every_command_has_help():
    for command in (["run"], ["fetch"], ["rank"], ["notify"], ["subscribers", "add"],
                    ["subscribers", "list"], ["subscribers", "remove"], ["init"]):
        result = invoke(*command, "--help")
        assert result.exit_code == 0, command
        assert "Usage: " in result.output
        assert ("--config" in result.output) == (command != ["init"]), command
    for command in ("run", "fetch", "rank", "notify"):
        assert "Examples:\n    pipeline " + command in invoke(command, "--help").output, command


def test_misspelled_key_exits_2_naming_the_key_path(tmp_path, config_file):
    config_file.write_text(config_file.read_text().replace("min_score", "min_scroe"))
    result = invoke("run", "--config", config_file)
    assert result.exit_code == 2
    assert "matching.min_scroe: unknown key 'min_scroe'" in result.output
    assert not (tmp_path / "data").exists(), "nothing may run before the config is valid"


def test_missing_config_exits_2_and_says_how_to_make_one(tmp_path):
    result = invoke("fetch", "--config", tmp_path / "jobs.yaml")
    assert result.exit_code == 2
    assert "pipeline init" in result.output


def test_init_writes_a_config_that_loads_and_refuses_to_overwrite(tmp_path):
    target = tmp_path / "new" / "jobs.yaml"
    assert invoke("init", target).exit_code == 0
    assert invoke("fetch", "--config", target).exit_code == 0
    again = invoke("init", target)
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output


def test_init_s_commented_dkim_and_unsubscribe_mail_lines_work_once_uncommented(tmp_path):
    target = tmp_path / "jobs.yaml"
    assert invoke("init", target).exit_code == 0
    text = target.read_text(encoding="utf-8")
    for key in ("dkim:", "domain:", "selector:", "private_key_file:", "unsubscribe_mail:"):
        text, found = re.subn(rf"^( *)# ( *){key}", rf"\1\2{key}", text, flags=re.M)
        assert found == 1, key
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    target.write_text(text.replace("/home/alerts/Maildir", str(maildir)), encoding="utf-8")
    result = invoke("notify", "--config", target)  # a command that sends checks the key
    assert result.exit_code == 2  # the key file the example names is not there yet
    assert "email.dkim" in result.output and "dkim.pem" in result.output
    subprocess.run(["openssl", "genrsa", "-out", str(tmp_path / "dkim.pem"), "2048"],
                   check=True, capture_output=True)
    result = invoke("notify", "--config", target)
    assert result.exit_code == 0, result.output
    config = load_config(target)
    assert (config.email.dkim.domain, config.email.dkim.selector) == ("example.org", "alerts2026")
    assert config.email.dkim.private_key_file == tmp_path / "dkim.pem"
    assert config.schedule.unsubscribe_mail == maildir


def test_fetch_then_rank_json_lists_every_field_care_managers_first(config_file):
    assert invoke("fetch", "--config", config_file).exit_code == 0
    result = invoke("rank", "--config", config_file, "--json")
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in result.output.splitlines()]
    assert len(records) == 4
    assert {r["source_id"] for r in records[:2]} == {"cm-1", "cm-2"}
    first = records[0]
    for key in ("source", "source_id", "title", "company", "url", "score", "why", "location",
                "remote", "salary_min", "salary_max", "salary_currency", "salary_period",
                "posted_at", "description", "first_seen", "extra"):
        assert key in first, key
    assert list(first)[:6] == ["source", "source_id", "title", "company", "url", "score"]
    assert first["why"]["title_match"]
    scores = [r["score"] for r in records]
    assert scores == sorted(scores, reverse=True)


def test_rank_table_shows_the_reasons(config_file):
    invoke("fetch", "--config", config_file)
    result = invoke("rank", "--config", config_file, "--top", "2")
    assert result.exit_code == 0
    assert "RN Case Manager" in result.output and "Software Engineer" not in result.output


def test_rank_for_an_unknown_subscriber_exits_2(config_file):
    result = invoke("rank", "--config", config_file, "--subscriber", "nobody@example.org")
    assert result.exit_code == 2
    assert "no subscriber nobody@example.org" in result.output


@pytest.mark.parametrize("args, message", [
    (["--resume", "x.txt", "--subscriber", "a@b.org"], "does not exist"),
    (["--top", "0"], "--top"),
])
def test_rank_refuses_bad_arguments(config_file, args, message):
    result = invoke("rank", "--config", config_file, *args)
    assert result.exit_code == 2 and message in result.output


def test_subscribers_add_list_remove(config_file, tmp_path):
    resume = tmp_path / "resume.txt"
    resume.write_text("RN, BSN, CCM. Case management, care coordination, discharge planning.")
    added = invoke("subscribers", "add", "--config", config_file, "Lee@Example.org",
                   "--name", "Lee", "--resume", resume, "--frequency", "daily")
    assert added.exit_code == 0, added.output
    listed = invoke("subscribers", "list", "--config", config_file)
    assert "lee@example.org" in listed.output and "daily" in listed.output
    assert "dana@example.org" in listed.output
    assert invoke("subscribers", "remove", "--config", config_file,
                  "lee@example.org", "--yes").exit_code == 0
    assert "lee@example.org" not in invoke("subscribers", "list", "--config",
                                           config_file).output


def test_subscribers_add_refuses_a_bad_address_and_time_zone(config_file):
    bad_email = invoke("subscribers", "add", "--config", config_file, "not-an-email")
    assert bad_email.exit_code == 2 and "not a valid e-mail address" in bad_email.output
    bad_zone = invoke("subscribers", "add", "--config", config_file, "a@example.org",
                      "--timezone", "Mars/Olympus")
    assert bad_zone.exit_code == 2 and "unknown time zone" in bad_zone.output


def test_rank_for_a_jobs_yaml_subscriber_before_any_run_uses_their_filters(make_config):
    config_file = make_config(subscribers=[{"email": "remote@example.org",
                                            "filters": {"remote": ["remote"]}}])
    invoke("fetch", "--config", config_file)
    result = invoke("rank", "--config", config_file, "--subscriber", "remote@example.org",
                    "--json")
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["source_id"] for line in result.output.splitlines()] == ["cm-2"]


@pytest.mark.parametrize(("extra", "message"), [
    ("subscribers:\n  - {email: lee@example.org, resume: nowhere/lee.pdf}\n",
     "subscribers[0].resume: no such file"),
    ("sources:\n  - {name: s, type: files, path: p, schedule: {cron: '99 * * *'}}\n",
     "sources[0].schedule.cron: '99 * * *' is not a crontab expression"),
    ("sources:\n  - {name: s, type: files, path: p, schedule: {every: 6x}}\n",
     "sources[0].schedule.every: '6x' is not an interval"),
    ("sources:\n  - {name: s, type: files, path: p, schedule: {cron: '0 * * * *', every: 1h}}\n",
     "sources[0].schedule: give either cron or every, not both"),
])
def test_missing_resume_or_bad_schedule_exits_2_before_any_work(tmp_path, extra, message):
    config = tmp_path / "jobs.yaml"
    config.write_text(extra if extra.startswith("sources") else A_SOURCE + extra,
                      encoding="utf-8")
    result = invoke("run", "--config", config)
    assert result.exit_code == 2, result.output
    assert f"jobs.yaml: {message}" in result.output
    assert not (tmp_path / "data").exists(), "nothing may run before the config is ready"


def test_database_folder_that_cannot_be_created_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "blocker").write_text("a file where the folder should be")
    config = tmp_path / "jobs.yaml"
    config.write_text(A_SOURCE + "database: {url: 'sqlite:///blocker/db/jobs.db'}\n",
                      encoding="utf-8")
    result = invoke("fetch", "--config", config)
    assert result.exit_code == 1
    assert "Error: cannot create the database folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_database_driver_that_is_not_installed_is_named(tmp_path):
    config = tmp_path / "jobs.yaml"
    config.write_text(A_SOURCE + "database: {url: 'mysql+nosuchdriver://u@127.0.0.1/x'}\n",
                      encoding="utf-8")
    result = invoke("fetch", "--config", config)
    assert result.exit_code == 1
    assert "Error: " in result.output and "Traceback" not in result.output


def test_a_database_error_never_shows_the_password_in_the_url(tmp_path):
    config = tmp_path / "jobs.yaml"
    config.write_text(A_SOURCE + "database: {url: 'mysql+nosuchdriver://u:hunter2@127.0.0.1/x'}\n")
    result = invoke("fetch", "--config", config)
    assert result.exit_code == 1 and "u:***@127.0.0.1" in result.output
    assert "hunter2" not in result.output


SMTP_WITH_LOGIN = ("email:\n  transport: smtp\n  unsubscribe_url: https://alerts.carealerts.test\n"
                   "  unsubscribe_mailto: null\n"
                   "  smtp: {host: 127.0.0.1, port: 1, security: none,"
                   " username: '${R2_UNSET_USER}', password: '${R2_UNSET_PASSWORD}'}\n")


@pytest.mark.parametrize("command", ["run", "notify"])
def test_an_unset_smtp_login_variable_stops_sending_commands_before_any_work(tmp_path, command):
    config = tmp_path / "jobs.yaml"
    config.write_text(A_SOURCE + SMTP_WITH_LOGIN, encoding="utf-8")
    result = invoke(command, "--config", config)
    assert result.exit_code == 2, result.output
    assert "email.smtp.username: environment variable R2_UNSET_USER is not set" in result.output
    assert "email.smtp.password: environment variable R2_UNSET_PASSWORD" in result.output
    assert not (tmp_path / "data").exists()


def test_commands_that_send_nothing_do_not_need_the_smtp_login(tmp_path):
    config = tmp_path / "jobs.yaml"
    profile = Path(__file__).parents[1] / "models" / "care_manager.yaml"
    (tmp_path / "postings").mkdir()
    config.write_text(A_SOURCE + SMTP_WITH_LOGIN + f"profile: {{path: '{profile}'}}\n",
                      encoding="utf-8")
    assert invoke("fetch", "--config", config).exit_code == 0
    dry = invoke("run", "--dry-run", "--config", config)
    assert dry.exit_code == 0, dry.output


def test_an_unset_source_key_variable_stops_fetch_before_any_work(tmp_path):
    config = tmp_path / "jobs.yaml"
    config.write_text("sources:\n  - {name: fed, type: usajobs, keyword: case manager, "
                      "api_key: '${R2_UNSET_KEY}', email: '${R2_UNSET_EMAIL}'}\n", encoding="utf-8")
    result = invoke("fetch", "--config", config)
    assert result.exit_code == 2, result.output
    assert "sources[0].api_key: environment variable R2_UNSET_KEY is not set" in result.output
    assert not (tmp_path / "data").exists()


def test_ctrl_c_is_a_one_line_message_and_exit_130(config_file, monkeypatch):
    import pipeline.run

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(pipeline.run, "run_once", interrupted)
    result = invoke("run", "--config", config_file)
    assert result.exit_code == 130
    assert "Interrupted; the next run carries on" in result.output


def test_init_where_a_file_blocks_the_folder_is_a_message_not_a_traceback(tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = invoke("init", tmp_path / "taken" / "jobs.yaml")
    assert result.exit_code == 1
    assert "Error: cannot write" in result.output and "taken" in result.output


def test_preview_with_nothing_new_exits_0_saying_so(config_file, tmp_path):
    assert invoke("run", "--config", config_file).exit_code == 0  # dana has had everything
    out = tmp_path / "next.html"
    result = invoke("preview", "--config", config_file, "--subscriber", "dana@example.org",
                    "--out", out)
    assert result.exit_code == 0, result.output
    assert "Nothing to preview for dana@example.org" in result.output and not out.exists()


def test_fetch_of_an_unknown_source_is_a_bad_argument_listing_the_sources(make_config):
    config_file = make_config(sources=[{"name": "local", "type": "files", "path": "postings"},
                                       {"name": "other", "type": "files", "path": "postings"}])
    result = invoke("fetch", "--config", config_file, "--source", "nope")
    assert result.exit_code == 2, result.output
    assert "--source: no enabled source named 'nope'" in result.output
    assert "enabled sources: local, other" in result.output


def test_config_before_the_command_is_used_and_a_clash_is_refused(config_file, tmp_path):
    ran = invoke("--config", config_file, "run")
    assert ran.exit_code == 0, ran.output
    assert "dana@example.org" in invoke("--config", config_file, "subscribers", "list").output
    assert invoke("--config", config_file, "fetch", "--config", config_file).exit_code == 0
    other = tmp_path / "other.yaml"
    other.write_text(config_file.read_text())
    clash = invoke("--config", config_file, "fetch", "--config", other)
    assert clash.exit_code == 2
    assert f"given twice, {config_file} before the command and {other} after it" \
        in clash.output
    fresh = tmp_path / "fresh" / "jobs.yaml"
    assert invoke("--config", fresh, "init").exit_code == 0 and fresh.is_file()


@pytest.mark.parametrize("address", ["lee@gmail.com,", "lee@example..org", ".lee@example.org"])
def test_malformed_addresses_are_refused_everywhere(config_file, make_config, address):
    added = invoke("subscribers", "add", "--config", config_file, address)
    assert added.exit_code == 2 and f"{address!r} is not a valid e-mail address" in added.output
    listed = make_config(subscribers=[{"email": address}])
    result = invoke("subscribers", "list", "--config", listed)
    assert result.exit_code == 2
    assert f"subscribers[0].email: {address!r} is not a valid e-mail address" in result.output
    for key in ("from", "reply_to", "unsubscribe_mailto"):
        operator = make_config(email={key: f"Alerts <{address}>"})
        result = invoke("subscribers", "list", "--config", operator)
        assert result.exit_code == 2, (key, result.output)
        assert f"email.{key}: {address!r} is not a valid e-mail address" in result.output


def test_an_address_with_more_after_it_is_refused_as_the_operator_s_own(make_config):
    config_file = make_config(email={"from": "Alerts <alerts@example.org>, x@example.org"})
    result = invoke("subscribers", "list", "--config", config_file)
    assert result.exit_code == 2 and "email.from: " in result.output


def test_international_subscriber_addresses_are_still_accepted(config_file):
    for address in ("zoë@exämple.org", "bob@xn--exmple-cua.org"):
        added = invoke("subscribers", "add", "--config", config_file, address)
        assert added.exit_code == 0, added.output
        assert f"Subscribed {address}" in added.output
