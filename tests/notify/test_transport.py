"""The SMTP transport over STARTTLS and implicit TLS with a login, and the file transport.

A self-signed certificate for ``localhost`` is made with the ``openssl`` command and trusted
through ``SSL_CERT_FILE``, so the transport's normal certificate checks stay on.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from notify_support import (
    NOW,
    OWN_UNSUBSCRIBE,
    FixedRanker,
    Recorder,
    add_subscribers,
    free_port,
    posting,
)

from pipeline.config import SmtpConfig, parse_config
from pipeline.errors import ConfigError
from pipeline.notify import notify
from pipeline.notify.message import build_message
from pipeline.notify.transport import FileTransport, ServerUnavailable, SmtpTransport
from pipeline.store import Store

pytestmark = [
    pytest.mark.skipif(shutil.which("openssl") is None,
                       reason="needs the openssl command to make a test certificate"),
    # aiosmtpd warns about AUTH without STARTTLS in the implicit-TLS case (which is TLS).
    pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS"),
]


@pytest.fixture(scope="module")
def key_pair(tmp_path_factory):
    """(cert, key): a self-signed certificate for localhost, made once for the module (making
    an RSA key is the slowest step of these tests)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


@pytest.fixture
def certificate(key_pair, monkeypatch):
    """(cert, key) for localhost, trusted by this process's default SSL contexts."""
    monkeypatch.setenv("SSL_CERT_FILE", str(key_pair[0]))
    return key_pair


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"alerts" and auth_data.password == b"pa55"
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535


def _server(certificate, implicit: bool):
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    recorder, port = Recorder(), free_port()
    # With implicit TLS aiosmtpd does not see the session as TLS, so AUTH must be allowed.
    options = {"ssl_context": context, "auth_require_tls": False} if implicit else {
        "tls_context": context, "require_starttls": True}
    controller = Controller(recorder, hostname="localhost", port=port,
                            authenticator=_authenticator, auth_required=True, **options)
    controller.start()
    return controller, recorder, port


def _config(tmp_path, port, security):
    return parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
                         "email": {"transport": "smtp", "send_retries": 0,
                                   **OWN_UNSUBSCRIBE, "smtp": {
                             "host": "localhost", "port": port, "security": security,
                             "username": "${SMTP_USER}", "password": "${SMTP_PASS}",
                             "timeout": 5}}}, base_dir=tmp_path)


def _notify_over_tls(tmp_path, certificate, monkeypatch, security: str, password: str):
    """One digest sent through a TLS server that wants a login: (report, recorder, store)."""
    controller, recorder, port = _server(certificate, implicit=security == "tls")
    monkeypatch.setenv("SMTP_USER", "alerts")
    monkeypatch.setenv("SMTP_PASS", password)
    config = _config(tmp_path, port, security)
    store = Store(config.database_url())
    store.upsert_postings([posting(1)], now=NOW)
    add_subscribers(store, 1)
    try:
        return notify(config, store, FixedRanker(), now=NOW), recorder, store
    finally:
        controller.stop()


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_tls_with_login_from_the_environment(tmp_path, certificate, monkeypatch, security):
    report, recorder, _store = _notify_over_tls(tmp_path, certificate, monkeypatch, security,
                                                "pa55")
    assert report.sent == 1 and recorder.recipients() == ["s0@example.org"]


def test_wrong_password_keeps_the_digest_queued_with_the_reason(tmp_path, certificate,
                                                                monkeypatch):
    report, recorder, store = _notify_over_tls(tmp_path, certificate, monkeypatch, "starttls",
                                               "wrong")
    assert (report.sent, report.pending) == (0, 1) and recorder.messages == []
    assert "refused the login" in store.outbox_rows(["pending"])[0].last_error


def test_untrusted_certificate_is_refused(tmp_path, certificate, monkeypatch):
    controller, _recorder, port = _server(certificate, implicit=True)
    monkeypatch.delenv("SSL_CERT_FILE")
    transport = SmtpTransport(SmtpConfig(host="localhost", port=port, security="tls",
                                         timeout=5))
    try:
        with pytest.raises(ServerUnavailable, match="cannot connect"):
            transport.send(_message())
    finally:
        controller.stop()


def test_unset_login_variable_is_a_config_error(monkeypatch):
    monkeypatch.delenv("SMTP_USER", raising=False)
    recorder, port = Recorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    transport = SmtpTransport(SmtpConfig(host="127.0.0.1", port=port, security="none",
                                         username="${SMTP_USER}", password="${SMTP_USER}"))
    try:
        with pytest.raises(ConfigError, match="SMTP_USER is not set"):
            transport.send(_message())
    finally:
        controller.stop()


def _message():
    config = parse_config({}, base_dir=Path("."))
    return build_message(config.email, recipient="b@example.org", name=None,
                         message_id="<fixed-1@example.org>", subject="s", text="t",
                         html="<p>h</p>", date=NOW, unsubscribe_url="https://a.example/u/t",
                         token="t")


def test_file_transport_writes_once_per_message_id(tmp_path):
    folder = tmp_path / "out"
    transport = FileTransport(folder)
    transport.send(_message())
    transport.send(_message())  # a resend after a crash
    [written] = list(folder.iterdir())
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == "<fixed-1@example.org>"
    assert parsed.get_body(("html",)).get_content().strip() == "<p>h</p>"
