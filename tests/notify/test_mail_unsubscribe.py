"""`pipeline subscribers unsubscribe-mail`: the List-Unsubscribe mailto, read from a real Maildir
or mbox built with the standard library, through the real CLI over a real SQLite file."""

from __future__ import annotations

import base64
import hashlib
import mailbox
import os
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.notify.mail_unsubscribe import find_tokens
from pipeline.notify.tokens import LinkSigner, signer_for
from pipeline.store import Store

ADDRESS = "unsubscribe@example.org"


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def setup(config_file):
    """(config path, {e-mail: token}) for three subscribers, one already unsubscribed; the key
    'forged' holds a token of the right shape for lee, signed with another key."""
    data = yaml.safe_load(config_file.read_text())
    data["subscribers"] = [{"email": e} for e in
                           ("dana@example.org", "lee@example.org", "sam@example.org")]
    config_file.write_text(yaml.safe_dump(data))
    assert invoke("subscribers", "list", "--config", config_file).exit_code == 0
    config = load_config(config_file)
    with Store(config.database_url()) as store:
        signer = signer_for(config, store)
        tokens = {s.email: signer.token(s) for s in store.list_subscribers()}
        tokens["forged"] = LinkSigner("not-our-secret").token(
            store.get_subscriber("lee@example.org"))
        store.unsubscribe(store.get_subscriber("sam@example.org").id)
    return config_file, tokens


def state(config_file: Path) -> dict:
    """{e-mail: unsubscribed_at} as stored."""
    with Store(load_config(config_file).database_url()) as store:
        return {s.email: s.unsubscribed_at for s in store.list_subscribers()}


def request(subject: str, sender: str, message_id: str, body: str = "") -> EmailMessage:
    """A message to the unsubscribe address as a mail client sends it."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ADDRESS
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body or "This message was sent by my mail app's unsubscribe button.")
    return message


def encoded_request(token: str) -> bytes:
    """A subject sent wholly as RFC 2047 encoded words, split in two and folded."""
    text = f"unsubscribe {token}".encode()
    first, second = (base64.b64encode(part).decode() for part in (text[:30], text[30:]))
    return (f"From: Lee <lee@example.org>\r\nTo: {ADDRESS}\r\n"
            f"Subject: =?UTF-8?B?{first}?=\r\n =?UTF-8?B?{second}?=\r\n"
            "Message-ID: <encoded@example.org>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n\r\n").encode()


def mixed_messages(tokens: dict) -> list:
    """Lee (encoded subject), Dana (a reply), Sam (already out), a forgery, and garbage."""
    dana_reply = request(f"Re:  UNSUBSCRIBE   {tokens['dana@example.org']}",
                         "Dana <dana@example.org>", "<reply@example.org>")
    sam = request("Remove me", "sam@example.org", "<body@example.org>",
                  body=f"Please stop.\nunsubscribe {tokens['sam@example.org']}\nThanks")
    forgery = request(f"unsubscribe {tokens['forged']}", "mallory@example.net",
                      "<forged@example.net>")
    return [encoded_request(tokens["lee@example.org"]), dana_reply, sam, forgery,
            b"\x00\xff\xfe binary junk, no headers at all \x01\x02"]


@pytest.fixture
def maildir(setup, tmp_path):
    """(config path, Maildir path, tokens) with the mixed messages delivered to new/."""
    config_file, tokens = setup
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for message in mixed_messages(tokens):
        box.add(message)
    return config_file, tmp_path / "Maildir", tokens


@pytest.fixture
def mbox(setup, tmp_path):
    """(config path, mbox path, tokens) with the mixed messages appended."""
    config_file, tokens = setup
    box = mailbox.mbox(tmp_path / "unsubscribe.mbox", create=True)
    for message in mixed_messages(tokens):
        box.add(message)
    box.close()
    return config_file, tmp_path / "unsubscribe.mbox", tokens


def test_the_mailto_of_a_real_digest_unsubscribes_and_a_sync_does_not_undo_it(config_file,
                                                                             tmp_path):
    assert invoke("run", "--config", config_file).exit_code == 0
    [sent] = (tmp_path / "out" / "emails").glob("*.eml")
    header = message_from_bytes(sent.read_bytes(), policy=default)["List-Unsubscribe"]
    mailto = urlsplit(header.split(", ")[1].strip("<>"))
    subject = unquote(mailto.query.removeprefix("subject="))
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    box.add(request(subject, "dana@example.org", "<click@example.org>"))

    result = invoke("subscribers", "unsubscribe-mail", tmp_path / "Maildir",
                    "--config", config_file)
    assert result.exit_code == 0, result.output
    assert "1 unsubscribed, 0 already unsubscribed, 0 not understood." in result.output
    assert mailto.path == ADDRESS and state(config_file)["dana@example.org"] is not None
    assert list(box.keys()) == []
    [moved] = box.get_folder("processed")
    assert "S" in moved.get_flags() and moved["Message-ID"] == "<click@example.org>"
    assert invoke("subscribers", "list", "--config", config_file).exit_code == 0  # syncs
    assert state(config_file)["dana@example.org"] is not None


def test_maildir_run_unsubscribes_reports_the_rest_and_a_second_run_changes_nothing(maildir):
    config_file, path, _tokens = maildir
    result = invoke("subscribers", "unsubscribe-mail", path, "--config", config_file)
    assert result.exit_code == 0, result.output
    assert "2 unsubscribed, 1 already unsubscribed, 2 not understood." in result.output
    assert "unsubscribed: lee@example.org (<encoded@example.org>" in result.output
    assert "unsubscribed: dana@example.org (<reply@example.org>" in result.output
    assert "already unsubscribed: sam@example.org" in result.output
    assert "not understood: token refused: this link is not valid" in result.output
    assert "not understood: no 'unsubscribe TOKEN' in the subject" in result.output
    after = state(config_file)
    assert after["lee@example.org"] and after["dana@example.org"]
    box = mailbox.Maildir(path, create=False)
    left = sorted(box.get_bytes(key) for key in box.keys())
    assert len(left) == 2 and any(b"<forged@example.net>" in raw for raw in left)
    assert len(box.get_folder("processed")) == 3

    again = invoke("subscribers", "unsubscribe-mail", path, "--config", config_file)
    assert again.exit_code == 0, again.output
    assert "0 unsubscribed, 0 already unsubscribed, 2 not understood." in again.output
    assert state(config_file) == after
    assert len(box.get_folder("processed")) == 3


def test_mbox_is_never_written_and_a_second_run_skips_what_was_done(mbox):
    config_file, path, _tokens = mbox
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    result = invoke("subscribers", "unsubscribe-mail", path, "--config", config_file)
    assert result.exit_code == 0, result.output
    assert "2 unsubscribed, 1 already unsubscribed, 2 not understood." in result.output
    after = state(config_file)
    assert after["lee@example.org"] and after["dana@example.org"]

    again = invoke("subscribers", "unsubscribe-mail", path, "--config", config_file)
    assert again.exit_code == 0, again.output
    assert ("0 unsubscribed, 0 already unsubscribed, 2 not understood "
            "(3 processed before).") in again.output
    assert "<forged@example.net>" in again.output
    assert state(config_file) == after
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


@pytest.mark.parametrize("kind", ["maildir", "mbox"])
def test_dry_run_shows_what_would_happen_and_changes_nothing(kind, request):
    config_file, path, _tokens = request.getfixturevalue(kind)
    files_before = sorted(str(p.relative_to(path.parent)) for p in path.parent.rglob("*")
                          if "Maildir" in p.parts or p == path)
    before = state(config_file)
    result = invoke("subscribers", "unsubscribe-mail", path, "--dry-run",
                    "--config", config_file)
    assert result.exit_code == 0, result.output
    assert ("2 would be unsubscribed, 1 already unsubscribed, 2 not understood. "
            "Dry run: nothing was changed.") in result.output
    assert state(config_file) == before
    assert sorted(str(p.relative_to(path.parent)) for p in path.parent.rglob("*")
                  if "Maildir" in p.parts or p == path) == files_before
    real = invoke("subscribers", "unsubscribe-mail", path, "--config", config_file)
    assert "2 unsubscribed, 1 already unsubscribed" in real.output  # nothing was taken


def test_an_unreadable_message_is_reported_and_the_others_go_on(setup, tmp_path):
    config_file, tokens = setup
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    bad_charset = EmailMessage()
    bad_charset["Subject"] = "stop"
    bad_charset["Message-ID"] = "<charset@example.org>"
    bad_charset.set_content("unsubscribe please")
    bad_charset.replace_header("Content-Type", "text/plain; charset=x-no-such-charset")
    box.add(bad_charset)
    os.symlink(tmp_path / "moved-away", tmp_path / "Maildir" / "new" / "0000.gone")
    box.add(request(f"unsubscribe {tokens['dana@example.org']}", "dana@example.org",
                    "<good@example.org>"))

    result = invoke("subscribers", "unsubscribe-mail", tmp_path / "Maildir",
                    "--config", config_file)
    assert result.exit_code == 0, result.output
    assert "1 unsubscribed, 0 already unsubscribed, 2 not understood." in result.output
    assert "cannot be read: unknown encoding: x-no-such-charset" in result.output
    assert "(message 0000.gone)" in result.output and "No such file" in result.output
    assert state(config_file)["dana@example.org"] is not None


def test_a_path_that_is_no_mailbox_exits_2_with_a_sentence(config_file, tmp_path):
    (tmp_path / "folder").mkdir()
    result = invoke("subscribers", "unsubscribe-mail", tmp_path / "folder",
                    "--config", config_file)
    assert result.exit_code == 2
    assert "is a folder but not a Maildir (no cur, new, tmp/ inside)" in result.output
    missing = invoke("subscribers", "unsubscribe-mail", tmp_path / "nowhere",
                     "--config", config_file)
    assert missing.exit_code == 2 and "does not exist" in missing.output


TOKEN = "WzEsImRhbmFAZXhhbXBsZS5vcmciXQ.q3K1l9v2gkB3m5tHfH2p-x_yZQk"


@pytest.mark.parametrize("subject", [
    f"unsubscribe {TOKEN}", f"Re: unsubscribe {TOKEN}", f"RE:  Unsubscribe   {TOKEN}",
    f"Fwd: UNSUBSCRIBE {TOKEN}", f"unsubscribe%20{TOKEN}", f"Re: [list] unsubscribe\t{TOKEN} "])
def test_tokens_are_found_in_subjects_as_clients_send_them(subject):
    assert find_tokens(request(subject, "a@example.org", "<s@example.org>")) == [TOKEN]


@pytest.mark.parametrize("body, found", [
    (f"Hello,\n\nunsubscribe {TOKEN}\n", [TOKEN]),
    (f"Stop: https://alerts.example.org/unsubscribe/{TOKEN}\n", [TOKEN]),
    (f"> {TOKEN}\n", [TOKEN]),
    ("Please remove me.\nvisit example.org\n", []),
    ("\n" * 25 + f"unsubscribe {TOKEN}\n", []),  # too far down: not looked at
])
def test_tokens_are_found_in_the_first_lines_of_the_body(body, found):
    message = request("Please remove me", "a@example.org", "<b@example.org>", body=body)
    assert find_tokens(message) == found


def test_the_scheduler_processes_schedule_unsubscribe_mail_every_digests_every(maildir, caplog):
    from pipeline.service.jobs import plan_jobs, unsubscribe_mail_job

    config_file, path, _tokens = maildir
    assert "unsubscribe-mail" not in plan_jobs(load_config(config_file))
    data = yaml.safe_load(config_file.read_text())
    data["schedule"] = {"digests_every": "10m", "unsubscribe_mail": path.name}  # relative
    config_file.write_text(yaml.safe_dump(data))
    config = load_config(config_file)
    assert config.schedule.unsubscribe_mail == path
    plan = plan_jobs(config)
    func, args, trigger = plan["unsubscribe-mail"]
    assert func is unsubscribe_mail_job and str(trigger) == str(plan["digests"][2])

    caplog.set_level("INFO", logger="pipeline.service.jobs")
    func(*args)
    assert "unsubscribe mail: 2 unsubscribed, 1 already unsubscribed, 2 not understood." \
        in caplog.text
    assert state(config_file)["lee@example.org"] is not None
    assert len(mailbox.Maildir(path, create=False)) == 2
