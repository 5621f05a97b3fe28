"""DKIM-signed digests: real keys from openssl, a real aiosmtpd server, dkimpy's own verifier.

The verifier looks the public key up through ``dnsfunc``, which answers with a TXT record built
from ``openssl rsa -pubout``, not from the pipeline's own code.
"""

from __future__ import annotations

import os
import subprocess
from email import message_from_bytes, policy

import dkim
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from dkim.util import parse_tag_value
from notify_support import (
    NOW,
    FixedRanker,
    Recorder,
    add_subscribers,
    free_port,
    open_store,
    posting,
)
from notify_support import make_config as configure

from pipeline.cli import cli
from pipeline.config import SubscriberConfig, parse_config
from pipeline.config.checks import check_ready
from pipeline.errors import ConfigError
from pipeline.notify import notify
from pipeline.notify.transport import SmtpTransport
from pipeline.run import check_secrets

SELECTOR, DOMAIN = "alerts2026", "example.org"
SIGNED = {"from", "to", "subject", "date", "message-id", "mime-version", "content-type",
          "list-unsubscribe", "list-unsubscribe-post", "list-id"}


def openssl(*args: str) -> str:
    """Run openssl; its standard output."""
    return subprocess.run(["openssl", *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def key(tmp_path_factory):
    """(path of a fresh 2048-bit RSA key, its TXT record made by openssl)."""
    path = tmp_path_factory.mktemp("keys") / "dkim.pem"
    openssl("genrsa", "-out", str(path), "2048")
    public = "".join(openssl("rsa", "-in", str(path), "-pubout").strip().splitlines()[1:-1])
    return path, f"v=DKIM1; k=rsa; p={public}"


def dns_for(record: str):
    """A dnsfunc answering ``record`` for alerts2026._domainkey.example.org only."""
    def lookup(name: bytes, timeout: int = 5) -> bytes | None:
        wanted = f"{SELECTOR}._domainkey.{DOMAIN}"
        return record.encode() if name.decode().rstrip(".") == wanted else None
    return lookup


def dkim_section(key_path, **extra) -> dict:
    return {"domain": DOMAIN, "selector": SELECTOR, "private_key_file": str(key_path), **extra}


class RawRecorder(Recorder):
    """Also keeps the exact bytes of every accepted message."""

    def __init__(self):
        super().__init__()
        self.raw: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        reply = await super().handle_DATA(server, session, envelope)
        if reply.startswith("250"):
            self.raw.append(envelope.original_content or envelope.content)
        return reply


@pytest.fixture
def raw_server():
    """A real SMTP server on 127.0.0.1 recording raw bytes; yields (recorder, port)."""
    recorder, port = RawRecorder(), free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    yield recorder, port
    controller.stop()


def signature_tags(raw: bytes) -> dict:
    """The tags of the one DKIM-Signature header of a message."""
    message = message_from_bytes(raw, policy=policy.SMTP)
    [header] = message.get_all("DKIM-Signature")
    return {k.decode(): v for k, v in parse_tag_value(str(header).encode()).items()}


def test_digest_over_smtp_verifies_and_signs_the_one_click_headers(folder, raw_server, key):
    recorder, port = raw_server
    config = configure(folder, port, reply_to="help@example.org", dkim=dkim_section(key[0]))
    store = open_store(config)
    store.upsert_postings([posting(1), posting(2, title="Gestora de casos – Zoë Ñuñez")], now=NOW)
    store.save_subscriber(SubscriberConfig(email="zoe@example.org", name="Zoë Ångström"))
    report = notify(config, store, FixedRanker(), now=NOW)
    assert (report.sent, report.failed) == (1, 0)
    [raw] = recorder.raw
    assert dkim.verify(raw, dnsfunc=dns_for(key[1]))
    tags = signature_tags(raw)
    assert (tags["d"], tags["s"], tags["c"], tags["a"]) == (b"example.org", b"alerts2026",
                                                            b"relaxed/relaxed", b"rsa-sha256")
    signed = {name.strip().lower() for name in tags["h"].decode().split(":")}
    assert signed == SIGNED | {"reply-to"}


def test_tampering_with_body_or_unsubscribe_header_breaks_the_signature(folder, raw_server, key):
    recorder, port = raw_server
    config = configure(folder, port, dkim=dkim_section(key[0]))
    store = open_store(config)
    store.upsert_postings([posting(1)], now=NOW)
    add_subscribers(store, 1)
    notify(config, store, FixedRanker(), now=NOW)
    [raw] = recorder.raw
    check = dns_for(key[1])
    assert dkim.verify(raw, dnsfunc=check)
    head, _, body = raw.partition(b"\r\n\r\n")
    tampered_body = head + b"\r\n\r\n" + body.replace(b"RN Case Manager 1", b"RN Case Manager 9")
    assert tampered_body != raw and not dkim.verify(tampered_body, dnsfunc=check)
    tampered_header = raw.replace(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click",
                                  b"List-Unsubscribe-Post: List-Unsubscribe=Two-Click")
    assert tampered_header != raw and not dkim.verify(tampered_header, dnsfunc=check)
    assert not dkim.verify(raw, dnsfunc=dns_for(_other_record(folder)))


def _other_record(folder) -> str:
    """The TXT record of a different key: a signature must not verify against it."""
    other = folder / "other.pem"
    openssl("genrsa", "-out", str(other), "2048")
    return "v=DKIM1; k=rsa; p=" + "".join(
        openssl("rsa", "-in", str(other), "-pubout").strip().splitlines()[1:-1])


class Tap:
    """A transport around the real SMTP one that keeps the bytes of every attempt."""

    def __init__(self, inner: SmtpTransport):
        self.inner, self.attempts = inner, []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.inner.close()

    def send(self, mail):
        """Record what is handed over, then send it for real."""
        self.attempts.append(mail.raw)
        self.inner.send(mail)


def test_a_retried_digest_is_signed_again_with_the_same_message_id(folder, raw_server, key):
    recorder, port = raw_server
    recorder.busy = 1  # the first DATA is answered 421: the relay retries in the run
    config = configure(folder, port, dkim=dkim_section(key[0]))
    store = open_store(config)
    store.upsert_postings([posting(1)], now=NOW)
    add_subscribers(store, 1)
    tap = Tap(SmtpTransport(config.email.smtp))
    report = notify(config, store, FixedRanker(), now=NOW, transport=tap)
    assert report.sent == 1 and len(tap.attempts) == 2
    check = dns_for(key[1])
    ids = {message_from_bytes(raw, policy=policy.SMTP)["Message-ID"] for raw in tap.attempts}
    assert ids == {store.outbox_rows(["sent"])[0].message_id}
    for raw in tap.attempts + recorder.raw:
        assert raw.count(b"DKIM-Signature:") == 1 and dkim.verify(raw, dnsfunc=check)


def test_file_transport_eml_carries_a_valid_signature(folder, key):
    config = configure(folder, dkim=dkim_section(key[0]))
    store = open_store(config)
    store.upsert_postings([posting(1), posting(2)], now=NOW)
    add_subscribers(store, 2)
    assert notify(config, store, FixedRanker(), now=NOW).sent == 2
    written = sorted((folder / "out").glob("*.eml"))
    assert len(written) == 2
    for path in written:
        raw = path.read_bytes()
        assert dkim.verify(raw, dnsfunc=dns_for(key[1])), path.name
        assert b"list-unsubscribe-post" in signature_tags(raw)["h"].lower()
    pem_line = key[0].read_text().splitlines()[5].encode()
    assert pem_line not in (folder / "jobs.db").read_bytes()  # the key is never stored


def test_without_dkim_section_nothing_is_signed(folder):
    config = configure(folder)
    store = open_store(config)
    store.upsert_postings([posting(1)], now=NOW)
    add_subscribers(store, 1)
    notify(config, store, FixedRanker(), now=NOW)
    [path] = (folder / "out").glob("*.eml")
    assert b"DKIM-Signature" not in path.read_bytes()


def test_key_from_an_environment_variable_signs(folder, key, monkeypatch):
    pem = key[0].read_text().replace("\n", "\\n")  # as often pasted into a one-line variable
    monkeypatch.setenv("TEST_DKIM_KEY", pem)
    config = configure(folder, dkim={"domain": DOMAIN, "selector": SELECTOR,
                                       "private_key": "${TEST_DKIM_KEY}"})
    check_ready(config)
    store = open_store(config)
    store.upsert_postings([posting(1)], now=NOW)
    add_subscribers(store, 1)
    notify(config, store, FixedRanker(), now=NOW)
    [path] = (folder / "out").glob("*.eml")
    assert dkim.verify(path.read_bytes(), dnsfunc=dns_for(key[1]))
    monkeypatch.delenv("TEST_DKIM_KEY")
    with pytest.raises(ConfigError, match=r"email.dkim.private_key: environment variable "
                                          r"TEST_DKIM_KEY is not set"):
        check_secrets(config, sources=False, smtp=True)


def bad_key(folder, kind: str):
    """A key file that must be refused, of the given kind."""
    path = folder / f"{kind}.pem"
    if kind == "ec":
        openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(path))
    elif kind == "small":
        openssl("genrsa", "-out", str(path), "512")
    elif kind == "encrypted":
        openssl("genrsa", "-aes256", "-passout", "pass:secret", "-out", str(path), "2048")
    elif kind == "text":
        path.write_text("this is not a key\n")
    return path


@pytest.mark.parametrize(("kind", "says"), [
    ("missing", "no such file"), ("text", "not a PEM key"),
    ("ec", "not an RSA private key (found 'EC PRIVATE KEY')"),
    ("small", "a 512-bit RSA key"), ("encrypted", "encrypted with a passphrase")])
def test_sending_checks_refuse_a_bad_key_naming_it(folder, kind, says):
    path = bad_key(folder, kind)
    config = configure(folder, dkim=dkim_section(path))
    check_ready(config)  # the key is only checked for commands that send
    with pytest.raises(ConfigError) as caught:
        check_secrets(config, sources=False, smtp=True)
    message = str(caught.value)
    assert f"email.dkim.private_key_file {str(path)!r}" in message and says in message
    if kind != "encrypted":
        assert "openssl genrsa -out dkim.pem 2048" in message


def test_run_with_a_bad_key_exits_2_and_sends_nothing(tmp_path, make_config):
    config = make_config(email={"outbox_dir": "out", "dkim": dkim_section("missing.pem")})
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "email.dkim.private_key_file" in result.output and "missing.pem" in result.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "data").exists()


@pytest.mark.parametrize("kind", ["missing", "unreadable"])
def test_a_key_only_the_sender_can_read_stops_sending_commands_only(tmp_path, make_config, key,
                                                                      kind):
    path = tmp_path / "dkim.pem"
    if kind == "unreadable":
        if os.geteuid() == 0:
            pytest.skip("root reads a file whatever its mode")
        path.write_bytes(key[0].read_bytes())
        path.chmod(0)
    config = str(make_config(email={"outbox_dir": "out", "dkim": dkim_section(path)}))
    for command in (["fetch"], ["rank", "--top", "2"], ["eval"], ["notify", "--dry-run"]):
        result = CliRunner().invoke(cli, [*command, "--config", config])
        assert "email.dkim" not in result.output, command
    ranked = CliRunner().invoke(cli, ["rank", "--top", "2", "--config", config])
    assert ranked.exit_code == 0 and "RN Case Manager" in ranked.output
    for command in (["run"], ["notify"], ["outbox", "--retry"], ["schedule"]):
        result = CliRunner().invoke(cli, [*command, "--config", config])
        assert result.exit_code == 2, (command, result.output)
        assert f"email.dkim.private_key_file {str(path)!r}" in result.output
        assert ("no such file" if kind == "missing" else "cannot read it") in result.output
    assert not (tmp_path / "out").exists()


def test_dkim_command_prints_the_record_openssl_would(tmp_path, make_config, key):
    config = make_config(email={"dkim": dkim_section(key[0])})
    result = CliRunner().invoke(cli, ["dkim", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert f"name:  {SELECTOR}._domainkey.{DOMAIN}\nvalue: {key[1]}\n" in result.output


def parse(folder, **dkim_keys):
    return parse_config({"email": {"dkim": dkim_keys}}, base_dir=folder)


def test_a_literal_key_in_the_file_is_refused_without_echoing_it(folder):
    with pytest.raises(ConfigError) as caught:
        parse(folder, domain=DOMAIN, selector=SELECTOR,
              private_key="-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n")
    message = str(caught.value)
    assert "email.dkim.private_key: secrets are not written in jobs.yaml" in message
    assert "MIIE" not in message and "BEGIN" not in message


def test_from_domain_must_be_the_dkim_domain_or_below_it(folder):
    section = {"domain": DOMAIN, "selector": SELECTOR, "private_key_file": "k.pem"}
    for sender in ("alerts@example.org", "Alerts <alerts@mail.example.org>"):
        parse_config({"email": {"from": sender, "dkim": section}}, base_dir=folder)
    for sender in ("alerts@other.example", "alerts@notexample.org"):
        with pytest.raises(ConfigError) as caught:
            parse_config({"email": {"from": sender, "dkim": section}}, base_dir=folder)
        message = str(caught.value)
        assert "email.dkim.domain: 'example.org' does not cover" in message
        assert repr(sender.rpartition("@")[2]) in message


def test_unknown_or_missing_dkim_keys_are_errors(folder):
    with pytest.raises(ConfigError, match=r"email.dkim.algorithm: unknown key 'algorithm'; "
                                          r"allowed keys here: domain, selector, "
                                          r"private_key_file, private_key"):
        parse(folder, domain=DOMAIN, selector=SELECTOR, private_key_file="k.pem",
              algorithm="ed25519")
    with pytest.raises(ConfigError, match="give the key once"):
        parse(folder, domain=DOMAIN, selector=SELECTOR)
    with pytest.raises(ConfigError, match="email.dkim.selector: required key is missing"):
        parse(folder, domain=DOMAIN, private_key_file="k.pem")
    with pytest.raises(ConfigError, match="email.dkim.domain: not a DNS name"):
        parse(folder, domain="example org", selector=SELECTOR, private_key_file="k.pem")


def test_key_file_path_is_relative_to_jobs_yaml(folder):
    config = parse(folder, domain=DOMAIN, selector=SELECTOR, private_key_file="keys/dkim.pem")
    assert config.email.dkim.private_key_file == (folder / "keys" / "dkim.pem").resolve()
