"""The e-mail section of jobs.yaml: the one-click unsubscribe base must be an HTTPS URL, and
mail sent over SMTP must carry the operator's own unsubscribe addresses, not the examples."""

from __future__ import annotations

import pytest
import yaml

from pipeline.config import parse_config
from pipeline.errors import ConfigError


def _email(tmp_path, **email):
    return parse_config({"email": email}, base_dir=tmp_path).email


@pytest.mark.parametrize("url", ["http://alerts.example.org", "alerts.example.org",
                                 "ftp://alerts.example.org", "https://"])
def test_unsubscribe_url_must_be_https(tmp_path, url):
    with pytest.raises(ConfigError) as caught:
        _email(tmp_path, unsubscribe_url=url)
    message = str(caught.value)
    assert "email.unsubscribe_url" in message and "is not an https:// URL" in message


def test_https_and_local_http_are_accepted(tmp_path):
    assert _email(tmp_path, unsubscribe_url=" https://a.example/x ").unsubscribe_url == \
        "https://a.example/x"
    assert _email(tmp_path, unsubscribe_url="http://127.0.0.1:8080").unsubscribe_url == \
        "http://127.0.0.1:8080"


SMTP = {"transport": "smtp", "smtp": {"host": "127.0.0.1", "port": 1, "security": "none"}}


def test_sending_over_smtp_without_own_unsubscribe_addresses_stops_before_any_work(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli

    config = tmp_path / "jobs.yaml"
    config.write_text(yaml.safe_dump({"email": SMTP, "subscribers": [
        {"email": "lee@carealerts.test"}]}))
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2, result.output
    assert "email.unsubscribe_url: 'alerts.example.org' is a placeholder domain" in result.output
    assert "email.unsubscribe_mailto: 'example.org' is a placeholder domain" in result.output
    assert "null for none" in result.output
    assert not (tmp_path / "data").exists()


@pytest.mark.parametrize("key, value", [
    ("unsubscribe_url", "https://alerts.example.com"), ("unsubscribe_url", "https://EXAMPLE.net/"),
    ("unsubscribe_url", "https://alerts.mine.example"), ("unsubscribe_url", "https://x.invalid"),
    ("unsubscribe_mailto", "leave@lists.example.org"),
    ("unsubscribe_mailto", "Stop <s@example.com>"),
])
def test_placeholder_unsubscribe_addresses_are_refused_with_smtp(tmp_path, key, value):
    own = {"unsubscribe_url": "https://alerts.carealerts.test", "unsubscribe_mailto": None}
    with pytest.raises(ConfigError) as caught:
        _email(tmp_path, **SMTP, **{**own, key: value})
    assert f"email.{key}: " in str(caught.value) and "placeholder domain" in str(caught.value)


def test_own_unsubscribe_url_with_or_without_a_mailto_sends_over_smtp(tmp_path):
    url = "https://alerts.carealerts.test"
    assert _email(tmp_path, **SMTP, unsubscribe_url=url, unsubscribe_mailto=None).\
        unsubscribe_mailto is None
    email = _email(tmp_path, **SMTP, unsubscribe_url=url, unsubscribe_mailto="u@carealerts.test")
    assert (email.unsubscribe_url, email.unsubscribe_mailto) == (url, "u@carealerts.test")


def test_the_file_transport_keeps_the_example_defaults(tmp_path):
    email = _email(tmp_path)
    assert (email.transport, email.unsubscribe_url) == ("file", "https://alerts.example.org")


def test_the_starter_config_switched_to_smtp_asks_for_own_unsubscribe_addresses(tmp_path):
    from click.testing import CliRunner

    from pipeline.cli import cli
    from pipeline.config import load_config

    target = tmp_path / "jobs.yaml"
    assert CliRunner().invoke(cli, ["init", str(target)]).exit_code == 0
    assert load_config(target).email.transport == "file"  # valid as written
    text = target.read_text().replace("transport: file", "transport: smtp")
    target.write_text(text)
    refused = CliRunner().invoke(cli, ["notify", "--config", str(target)])
    assert refused.exit_code == 2 and "email.unsubscribe_url" in refused.output
    target.write_text(text.replace("# unsubscribe_url: https://alerts.example.org",
                                   "unsubscribe_url: https://alerts.carealerts.test")
                      .replace("# unsubscribe_mailto: unsubscribe@example.org",
                               "unsubscribe_mailto: stop@carealerts.test"))
    email = load_config(target).email
    assert (email.unsubscribe_url, email.unsubscribe_mailto) == (
        "https://alerts.carealerts.test", "stop@carealerts.test")
