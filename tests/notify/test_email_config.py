"""The e-mail section of jobs.yaml: the one-click unsubscribe base must be an HTTPS URL."""

from __future__ import annotations

import pytest

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
