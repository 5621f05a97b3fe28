"""jobs.yaml loading: strict validation; messages name the key, the value and the choices."""

from pathlib import Path

import pytest

from pipeline.config import load_config, secret
from pipeline.errors import ConfigError

#: The one source a jobs.yaml needs.
A_SOURCE = "sources:\n  - {name: local, type: files, path: postings}\n"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "jobs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def error_of(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == 2
    return str(caught.value)


def test_the_repository_default_config_loads():
    config = load_config(Path(__file__).parents[2] / "jobs.yaml")
    assert [s.type for s in config.sources] == ["files"]
    assert config.sources[0].path.is_dir()
    assert len(config.subscribers) == 2
    assert all(s.resume.is_file() for s in config.subscribers)


def test_relative_paths_resolve_against_the_config_folder(tmp_path):
    path = write(tmp_path, "sources:\n  - {name: local, type: files, path: postings}\n")
    config = load_config(path)
    assert config.sources[0].path == tmp_path / "postings"
    assert config.database_url() == f"sqlite:///{tmp_path}/data/jobs.db"
    assert config.email.outbox_dir == tmp_path / "out" / "emails"


def test_missing_file_says_how_to_create_one(tmp_path):
    message = error_of(tmp_path / "nope.yaml")
    assert "nope.yaml" in message and "pipeline init" in message


def test_misspelled_top_level_key_lists_the_allowed_sections(tmp_path):
    message = error_of(write(tmp_path, "sources: []\nsubscriber: []\n"))
    assert "jobs.yaml: subscriber: unknown key 'subscriber'" in message
    assert "subscribers" in message and "sources" in message


def test_unknown_source_type_names_the_path_and_the_choices(tmp_path):
    text = ("sources:\n  - {name: a, type: files, path: x}\n  - {name: b, type: files, path: y}\n"
            "  - {name: c, type: greenhose, board: acme}\n")
    message = error_of(write(tmp_path, text))
    assert "sources[2].type: 'greenhose' is not a source type" in message
    assert "files" in message


def test_misspelled_source_key_lists_that_source_types_keys(tmp_path):
    message = error_of(write(tmp_path, "sources:\n  - {name: a, type: files, pth: x}\n"))
    assert "sources[0].pth: unknown key 'pth'; allowed keys here:" in message
    assert "path" in message
    assert "sources[0].path: required key is missing" in message


def test_bad_values_name_the_value_and_what_is_allowed(tmp_path):
    text = ("email:\n  transport: smpt\nsubscribers:\n  - email: not-an-address\n"
            "    timezone: Mars/Olympus\n    filters: {remote: [moon]}\n")
    message = error_of(write(tmp_path, text))
    assert "email.transport: Input should be 'file' or 'smtp' (got 'smpt')" in message
    assert "subscribers[0].email: 'not-an-address' is not a valid e-mail address" in message
    assert "subscribers[0].timezone: unknown time zone 'Mars/Olympus'" in message
    assert "subscribers[0].filters.remote[0]" in message and "'moon'" in message


def test_the_operator_s_own_addresses_must_be_ascii_and_valid(tmp_path):
    """A non-ASCII From would make every digest need SMTPUTF8 (a server without it would fail
    them all, blaming the subscribers); names may use any letters."""
    text = ("email:\n  from: 'Zoë <alerts@exämple.org>'\n  reply_to: nobody\n"
            "  unsubscribe_mailto: zoë@example.org\n")
    message = error_of(write(tmp_path, text))
    assert "email.from: 'alerts@exämple.org': write the address in ASCII" in message
    assert "xn--" in message
    assert "email.reply_to: 'nobody' is not a valid e-mail address" in message
    assert "email.unsubscribe_mailto: 'zoë@example.org': write the address in ASCII" in message
    fine = write(tmp_path, A_SOURCE + "email:\n  from: 'Zoë Ålerts <alerts@example.org>'\n")
    assert load_config(fine).email.sender == "Zoë Ålerts <alerts@example.org>"


def test_literal_secret_is_refused_and_not_echoed(tmp_path):
    message = error_of(write(tmp_path, "email:\n  smtp:\n    password: hunter2\n"))
    assert "email.smtp.password" in message and "${ENV_VARIABLE}" in message
    assert "hunter2" not in message


def test_secret_references_resolve_from_the_environment(monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "s3cret")
    assert secret("${SMTP_PASSWORD}", "email.smtp.password") == "s3cret"
    monkeypatch.delenv("SMTP_PASSWORD")
    with pytest.raises(ConfigError, match="SMTP_PASSWORD is not set"):
        secret("${SMTP_PASSWORD}", "email.smtp.password")


def test_duplicate_source_names_are_refused(tmp_path):
    text = "sources:\n  - {name: a, type: files, path: x}\n  - {name: a, type: files, path: y}\n"
    assert "source names must be unique; repeated: a" in error_of(write(tmp_path, text))


def test_invalid_yaml_and_wrong_top_level(tmp_path):
    assert "not valid YAML" in error_of(write(tmp_path, "sources: [\n"))
    assert "top level must be a mapping" in error_of(write(tmp_path, "- a\n- b\n"))


def test_a_file_that_is_not_utf8_names_the_line_instead_of_a_traceback(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_bytes(b"database:\n  url: 'sqlite:///caf\xe9.db'\n")
    message = error_of(path)
    assert "jobs.yaml, line 2: not UTF-8 text (byte 0xe9)" in message


def test_a_tab_in_the_indentation_names_line_and_column_and_the_fix(tmp_path):
    message = error_of(write(tmp_path, "sources:\n\t- {name: a, type: files, path: x}\n"))
    assert "not valid YAML: line 2, column 1" in message
    assert "YAML does not allow tabs" in message
    assert "<unicode string>" not in message


def test_an_empty_section_takes_its_defaults(tmp_path):
    config = load_config(write(tmp_path, "database:\nsubscribers:\n" + A_SOURCE))
    assert config.subscribers == [] and len(config.sources) == 1
    assert config.database_url().endswith("/data/jobs.db")


@pytest.mark.parametrize(("text", "expected"), [
    ("sources: {name: a, type: files}\n",
     "sources: expected a list, one '- ' item per entry (got {'name': 'a', 'type': 'files'})"),
    ("subscribers:\n  - lee@example.org\n",
     "subscribers[0]: expected a mapping of keys (email, name, resume,"),
    ("email: [smtp]\n", "email: expected a mapping of keys (transport, outbox_dir, smtp,"),
])
def test_a_list_for_a_mapping_or_the_reverse_says_which_is_wanted(tmp_path, text, expected):
    message = error_of(write(tmp_path, text))
    assert expected in message
    assert "instance of" not in message and "valid dictionary" not in message


def test_a_database_url_sqlalchemy_cannot_parse_is_refused(tmp_path):
    message = error_of(write(tmp_path, "database: {url: 'jobs.db'}\n"))
    assert "database.url: not a SQLAlchemy database URL" in message
    assert "postgresql+psycopg://" in message and "(got 'jobs.db')" in message


def test_a_missing_required_key_says_what_it_is_for(tmp_path):
    message = error_of(write(tmp_path, "sources:\n  - {name: a, type: files}\n"))
    assert "sources[0].path: required key is missing (file or folder of" in message


def test_an_unquoted_send_at_is_refused_not_read_as_minutes_past_midnight(tmp_path):
    message = error_of(write(tmp_path, "subscribers:\n  - {email: a@b.org, send_at: 8:00}\n"))
    assert 'subscribers[0].send_at: write the time in quotes, like send_at: "08:00"' in message
    config = load_config(write(tmp_path, A_SOURCE
                                         + "subscribers:\n  - {email: a@b.org, send_at: '8:00'}\n"))
    assert config.subscribers[0].send_at.hour == 8


def test_a_section_written_twice_is_refused_instead_of_silently_replacing_the_first(tmp_path):
    text = ("subscribers:\n  - {email: a@b.org}\nemail: {transport: file}\n"
            "subscribers:\n  - {email: c@d.org}\n")
    message = error_of(write(tmp_path, text))
    assert "line 4, column 1: key 'subscribers' appears twice in one mapping" in message
    anchors = "x-base: &base {min_score: 0.5}\n"  # merge keys still work: not a repeat
    with pytest.raises(ConfigError, match="x-base: unknown key"):
        load_config(write(tmp_path, anchors + "matching:\n  <<: *base\n  min_score: 0.6\n"))
