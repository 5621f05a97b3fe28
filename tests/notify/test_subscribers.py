"""Subscribers: jobs.yaml kept in step with the database, and the `pipeline subscribers`,
`preview` and `outbox` commands (click's runner over a real SQLite file)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import docx
import pytest
import yaml
from click.testing import CliRunner
from resume_bombs import docx_bomb, million_page_pdf

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.errors import SubscriberError
from pipeline.notify.subscribers import remove_subscriber, sync_subscribers
from pipeline.store import Store

RESUME = ("Registered Nurse (RN), six years of hospital case management: care coordination, "
          "discharge planning, utilization review with InterQual, CCM certified.")


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def _edit(config_file: Path, **changes) -> None:
    data = yaml.safe_load(config_file.read_text())
    data.update(changes)
    config_file.write_text(yaml.safe_dump(data, sort_keys=False))


def _store(config_file: Path) -> tuple:
    config = load_config(config_file)
    return config, Store(config.database_url())


def test_sync_adds_updates_and_marks_removed_jobs_yaml_subscribers(config_file, tmp_path):
    (tmp_path / "cv.txt").write_text(RESUME)
    _edit(config_file, subscribers=[{"email": "dana@example.org", "resume": "cv.txt",
                                     "frequency": "daily", "timezone": "America/Chicago"}])
    config, store = _store(config_file)
    sync_subscribers(config, store)
    dana = store.get_subscriber("dana@example.org")
    assert dana.from_config and dana.resume_text == RESUME and dana.frequency == "daily"
    assert invoke("subscribers", "add", "--config", config_file, "cli@example.org").exit_code == 0
    config.subscribers = []
    sync_subscribers(config, store)
    assert [s.email for s in store.list_subscribers(active_only=True)] == ["cli@example.org"]
    removed = store.get_subscriber("dana@example.org")
    assert removed.removed_at is not None and removed.resume_text == RESUME  # kept for now


def test_sync_never_undoes_an_unsubscribe(config_file):
    config, store = _store(config_file)
    sync_subscribers(config, store)
    store.unsubscribe(store.get_subscriber("dana@example.org").id)
    sync_subscribers(config, store)
    assert store.get_subscriber("dana@example.org").unsubscribed_at is not None


def _warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "pipeline.notify.subscribers" and r.levelno == logging.WARNING]


def test_unreadable_resume_in_jobs_yaml_affects_that_subscriber_alone(config_file, tmp_path,
                                                                     caplog):
    million_page_pdf(tmp_path / "dana.pdf")
    (tmp_path / "lee.txt").write_text(RESUME)
    _edit(config_file, subscribers=[{"email": "dana@example.org", "resume": "dana.pdf"},
                                    {"email": "lee@example.org", "resume": "lee.txt"}])
    with caplog.at_level(logging.WARNING):
        ran = invoke("run", "--config", config_file)
    assert ran.exit_code == 0, ran.output
    (warning,) = _warnings(caplog)
    assert warning.startswith("subscriber dana@example.org: ")
    assert "dana.pdf: the PDF has 1000000 pages" in warning
    assert warning.endswith("their digests use the role profile alone")
    config, store = _store(config_file)
    assert sorted(row.recipient for row in store.outbox_rows(["sent"])) == [
        "dana@example.org", "lee@example.org"]
    shown = invoke("subscribers", "show", "--config", config_file, "dana@example.org").output
    assert "dana.pdf (cannot be read: digests use the role profile alone)" in shown
    assert "resume error:" in shown and "the PDF has 1000000 pages" in shown


def test_a_resume_that_breaks_keeps_the_last_good_text(config_file, tmp_path, caplog):
    good = docx.Document()
    good.add_paragraph(RESUME)
    good.save(tmp_path / "cv.docx")
    _edit(config_file, subscribers=[{"email": "dana@example.org", "resume": "cv.docx"}])
    assert invoke("subscribers", "list", "--config", config_file).exit_code == 0
    docx_bomb(tmp_path / "cv.docx", unpacked_mb=40)
    with caplog.at_level(logging.WARNING):
        listed = invoke("subscribers", "list", "--config", config_file)
    assert listed.exit_code == 0, listed.output
    assert "\tcv.docx (unreadable)\t" in listed.output
    (warning,) = _warnings(caplog)
    assert "cv.docx: the DOCX declares 4" in warning
    assert warning.endswith(f"use the last resume text read ({len(RESUME)} characters)")
    config, store = _store(config_file)
    assert store.get_subscriber("dana@example.org").resume_text == RESUME
    ranked = invoke("rank", "--config", config_file, "--subscriber", "dana@example.org")
    assert ranked.exit_code == 0, ranked.output
    shown = invoke("subscribers", "show", "--config", config_file, "dana@example.org").output
    assert f"digests use the last resume text read ({len(RESUME)} characters)" in shown


def test_a_resume_is_read_again_only_when_the_file_changes(config_file, tmp_path):
    cv = tmp_path / "cv.txt"
    cv.write_text(RESUME)
    _edit(config_file, subscribers=[{"email": "dana@example.org", "resume": "cv.txt"}])
    config, store = _store(config_file)
    sync_subscribers(config, store)
    before = cv.stat()
    cv.write_bytes(b"\x00" * before.st_size)  # unreadable, were it read: same size and mtime
    os.utime(cv, ns=(before.st_atime_ns, before.st_mtime_ns))
    sync_subscribers(config, store)
    dana = store.get_subscriber("dana@example.org")
    assert (dana.resume_text, dana.resume_error) == (RESUME, None)
    cv.write_text(RESUME.replace("six years", "ten years"))
    sync_subscribers(config, store)
    assert "ten years" in store.get_subscriber("dana@example.org").resume_text


def test_a_sync_with_nothing_changed_leaves_the_database_untouched(config_file, tmp_path):
    (tmp_path / "cv.txt").write_text(RESUME)
    _edit(config_file, subscribers=[
        {"email": f"s{i}@example.org", "resume": "cv.txt", "frequency": "daily"}
        for i in range(3)])
    config, store = _store(config_file)
    sync_subscribers(config, store)
    database = Path(config.database_url().removeprefix("sqlite:///"))
    files = sorted(database.parent.glob(database.name + "*"))
    before = {f.name: f.read_bytes() for f in files}
    sync_subscribers(load_config(config_file), store)
    assert {f.name: f.read_bytes() for f in files} == before
    _edit(config_file, subscribers=[
        {"email": f"s{i}@example.org", "resume": "cv.txt", "frequency": "weekly"}
        for i in range(3)])
    sync_subscribers(load_config(config_file), store)
    assert {s.frequency for s in store.list_subscribers()} == {"weekly"}


def test_add_from_the_cli_refuses_an_unreadable_resume(config_file, tmp_path):
    million_page_pdf(tmp_path / "lee.pdf")
    result = invoke("subscribers", "add", "--config", config_file, "lee@example.org",
                    "--resume", tmp_path / "lee.pdf")
    assert result.exit_code == 2
    assert "subscriber lee@example.org: " in result.output
    assert "the PDF has 1000000 pages" in result.output
    with pytest.raises(SubscriberError):
        _store(config_file)[1].get_subscriber("lee@example.org")


@pytest.mark.parametrize("args, message", [
    (["not-an-email"], "is not a valid e-mail address"),
    (["a@example.org", "--timezone", "Mars/Olympus"], "unknown time zone 'Mars/Olympus'"),
    (["a@example.org", "--resume", "nothing-here.docx"], "no such resume file"),
    (["a@example.org", "--send-at", "25:99"], "send_at"),
])
def test_add_refuses_bad_input_with_a_clear_message(config_file, args, message):
    result = invoke("subscribers", "add", "--config", config_file, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_add_show_pause_resume_remove(config_file, tmp_path):
    (tmp_path / "cv.txt").write_text(RESUME)
    added = invoke("subscribers", "add", "--config", config_file, "Lee@Example.org",
                   "--resume", tmp_path / "cv.txt", "--frequency", "weekly", "--weekday", "fri",
                   "--send-at", "07:30", "--timezone", "America/Denver", "--state", "CO",
                   "--min-salary", "70000", "--digest-size", "5", "--remote-only")
    assert added.exit_code == 0, added.output
    assert "Subscribed lee@example.org (weekly at 07:30 America/Denver)" in added.output
    shown = invoke("subscribers", "show", "--config", config_file, "lee@example.org").output
    for fact in ("weekly at 07:30 America/Denver on fri", "next digest:   now", "CO",
                 "70000", "digest size:   5", f"({len(RESUME)} characters)",
                 "state:         active", "postings sent: 0"):
        assert fact in shown, (fact, shown)
    assert invoke("subscribers", "pause", "--config", config_file, "lee@example.org"
                  ).exit_code == 0
    assert "\tpaused\t" in invoke("subscribers", "list", "--config", config_file).output
    invoke("subscribers", "resume", "--config", config_file, "lee@example.org")
    assert "lee@example.org\t\tweekly\tactive" in invoke("subscribers", "list", "--config",
                                                          config_file).output
    removed = invoke("subscribers", "remove", "--config", config_file, "lee@example.org",
                     "--yes")
    assert removed.exit_code == 0, removed.output
    config, store = _store(config_file)
    with pytest.raises(SubscriberError):
        store.get_subscriber("lee@example.org")


def test_remove_deletes_resume_text_deliveries_and_outbox(config_file, tmp_path):
    (tmp_path / "cv.txt").write_text(RESUME)
    invoke("subscribers", "add", "--config", config_file, "lee@example.org", "--resume",
           tmp_path / "cv.txt")
    assert invoke("run", "--config", config_file).exit_code == 0
    config, store = _store(config_file)
    assert "lee@example.org" in [row.recipient for row in store.outbox_rows(["sent"])]
    remove_subscriber(config, store, "lee@example.org")
    with store.engine.connect() as conn:
        from sqlalchemy import text
        left = conn.execute(text("SELECT count(*) FROM subscribers WHERE resume_text LIKE "
                                 "'%InterQual%'")).scalar()
        outbox = conn.execute(text("SELECT count(*) FROM outbox WHERE recipient = "
                                   "'lee@example.org'")).scalar()
        given = conn.execute(text("SELECT count(*) FROM deliveries")).scalar()
        dana = conn.execute(text("SELECT count(*) FROM outbox WHERE recipient = "
                                 "'dana@example.org'")).scalar()
    assert left == 0 and outbox == 0
    assert dana == 1 and given > 0  # dana's digest and deliveries stay


def test_remove_refuses_a_jobs_yaml_subscriber(config_file):
    config, store = _store(config_file)
    sync_subscribers(config, store)
    result = invoke("subscribers", "remove", "--config", config_file, "dana@example.org")
    assert result.exit_code == 2 and "remove them there" in result.output


def test_preview_writes_html_and_records_nothing(config_file, tmp_path):
    assert invoke("fetch", "--config", config_file).exit_code == 0
    invoke("subscribers", "list", "--config", config_file)  # syncs dana from jobs.yaml
    out = tmp_path / "next.html"
    result = invoke("preview", "--config", config_file, "--subscriber", "dana@example.org",
                    "--out", out)
    assert result.exit_code == 0, result.output
    html = out.read_text()
    assert "RN Case Manager" in html and "https://jobs.example/cm-1" in html
    assert "new Care Manager job" in result.output
    config, store = _store(config_file)
    dana = store.get_subscriber("dana@example.org")
    assert store.sent_posting_ids(dana.id) == set() and store.outbox_rows(
        ["pending", "sent", "failed"]) == []


def _run_with_no_mail_server(config_file: Path, **email) -> None:
    """`pipeline run` with SMTP pointed at a port nothing listens on (the digest stays)."""
    _edit(config_file, email={"transport": "smtp", "retry_backoff": 0, "send_retries": 0,
                              "unsubscribe_url": "https://alerts.carealerts.test",
                              "unsubscribe_mailto": None,
                              "smtp": {"host": "127.0.0.1", "port": 9, "security": "none",
                                       "timeout": 2}, **email})
    assert invoke("run", "--config", config_file).exit_code == 0


def test_outbox_lists_failed_and_retry_sends(config_file, tmp_path):
    _run_with_no_mail_server(config_file, max_attempts=1)
    listed = invoke("outbox", "--config", config_file).output
    assert "failed\tdana@example.org" in listed and "cannot connect" in listed
    _edit(config_file, email={"transport": "file", "outbox_dir": "mail"})
    retried = invoke("outbox", "--config", config_file, "--retry", "1")
    assert retried.exit_code == 0, retried.output
    assert "Requeued 1; sent 1" in retried.output
    assert "The outbox is empty" in retried.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_outbox_retry_makes_a_waiting_digest_due_now(config_file, tmp_path):
    _run_with_no_mail_server(config_file, retry_delay=3600)
    listed = invoke("outbox", "--config", config_file).output
    assert "pending\tdana@example.org" in listed and "next try" in listed
    _edit(config_file, email={"transport": "file", "outbox_dir": "mail"})
    assert "sent: 0, pending: 1" in invoke("notify", "--config", config_file).output  # waits
    retried = invoke("outbox", "--config", config_file, "--retry")
    assert "Requeued 1; sent 1" in retried.output, retried.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_outbox_retry_sends_while_a_notify_is_queueing(config_file, tmp_path):
    """Relays claim each digest, so a retry needs no lock: it sends while another process holds
    the notify lease (queueing), and the digest goes once."""
    _run_with_no_mail_server(config_file, retry_delay=3600)
    _edit(config_file, email={"transport": "file", "outbox_dir": "mail"})
    config, store = _store(config_file)
    owner = store.acquire_lock("notify")
    try:
        retried = invoke("outbox", "--config", config_file, "--retry")
    finally:
        store.release_lock("notify", owner)
    assert "Requeued 1; sent 1" in retried.output, retried.output
    again = invoke("outbox", "--config", config_file, "--retry")
    assert "Requeued 0; sent 0" in again.output, again.output
    assert len(list((tmp_path / "mail").glob("*.eml"))) == 1


def test_removed_resume_text_is_not_left_in_the_database_files(config_file, tmp_path):
    """Deleted rows are overwritten, not just unlinked, even where SQLite's build default is off."""
    resume = "Lee's resume, ZEBRA-7731. " + "Discharge planning and utilization review. " * 400
    (tmp_path / "cv.txt").write_text(resume)
    config, store = _store(config_file)
    with store.engine.connect() as conn:  # the pool hands this connection to the next query
        conn.exec_driver_sql("PRAGMA secure_delete = OFF")
    invoke("subscribers", "add", "--config", config_file, "lee@example.org", "--resume",
           tmp_path / "cv.txt")
    remove_subscriber(config, store, "lee@example.org")
    files = [p for p in tmp_path.rglob("*.db*") if p.is_file()]
    assert files and not [p for p in files if b"ZEBRA-7731" in p.read_bytes()]
