"""Feedback links in digests: the pages behind them, and what they change in the next digest.

Everything is real: the matcher and its profile, SQLite files, the outbox sending to aiosmtpd,
the Flask app on 127.0.0.1 reached over HTTP, and the CLI.
"""

from __future__ import annotations

import csv
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import SubscriberConfig, parse_config
from pipeline.match.matcher import Matcher
from pipeline.notify import notify
from pipeline.posting import Posting
from pipeline.service.web import create_app
from pipeline.store import Store
from pipeline.store.schema import feedback

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LINKS = "https://alerts.carealerts.test"
CARE = ("Coordinate care for members with complex needs: assessments, care plans, discharge "
        "planning, utilization review, community resources. Requires an active RN license.")


def job(source_id: str, title: str, company: str, location: str = "Columbus, OH",
        **fields) -> Posting:
    """A care-management posting."""
    return Posting(source="test", source_id=source_id, title=title, company=company,
                   location=location, url=f"https://jobs.example/{source_id}",
                   description=CARE, posted_at=NOW - timedelta(days=2), **fields)


@pytest.fixture
def world(tmp_path, smtp_inbox, monkeypatch):
    """(config, store, inbox, matcher) with subscribers ann and bob, alike in every setting."""
    monkeypatch.setenv("PIPELINE_SECRET", "test-secret")
    inbox, port = smtp_inbox
    config = parse_config({
        "database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
        "profile": {"path": str(REPO / "models" / "care_manager.yaml")},
        "matching": {"min_score": 0.2},
        "email": {"unsubscribe_url": LINKS, "unsubscribe_mailto": "unsubscribe@carealerts.test",
                  "transport": "smtp", "retry_backoff": 0, "max_per_employer": 5,
                  "smtp": {"host": "127.0.0.1", "port": port, "security": "none"}}},
        base_dir=tmp_path)
    store = Store(config.database_url())
    for name in ("ann", "bob"):
        store.save_subscriber(SubscriberConfig(email=f"{name}@example.org", name=name))
    return config, store, inbox, Matcher.from_config(config)


def text_of(message) -> str:
    """The plain-text part of a digest."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def titles_in(message) -> list[str]:
    """The posting titles of a digest, in its order."""
    return re.findall(r"^\d+\. (.+)$", text_of(message), re.M)


def feedback_link(message, title: str, which: str) -> str:
    """The "More like this" or "Not for me" URL under the posting with this title."""
    text = text_of(message)
    block = text[text.index(f". {title}\n"):]
    return re.search(rf"{which}: (\S+)", block).group(1)


def post(url: str, data: dict | None = None) -> tuple[int, str]:
    """POST a form; (status, page)."""
    body = urllib.parse.urlencode(data or {}).encode()
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=body), timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def get(url: str) -> tuple[int, str]:
    """GET a page; (status, page)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, reply.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def first_round(world):
    """Store two jobs and send both subscribers their first digest; returns ann's digest."""
    config, store, inbox, matcher = world
    store.upsert_postings([job("a1", "RN Case Manager", "Lakeside Health"),
                           job("a2", "Care Coordinator", "Summit Plan", "Remote - US",
                               remote="remote")], now=NOW)
    notify(config, store, matcher, now=NOW)
    return inbox.to("ann@example.org")[-1]


def second_round(world) -> dict[str, list[str]]:
    """New jobs, and the next digest of each subscriber: {name: titles}."""
    config, store, inbox, matcher = world
    later = NOW + timedelta(hours=1)
    store.upsert_postings([job("b1", "Nurse Case Manager", "Lakeside Health"),
                           job("b3", "RN Care Manager", "Northgate Health", "Columbus, OH"),
                           job("b2", "Case Manager RN", "Riverbend Clinic", "Dayton, OH")],
                          now=later)  # b3 and b2 tie (new employers): b3, stored first, leads
    notify(config, store, matcher, now=later + timedelta(minutes=1))
    return {name: titles_in(inbox.to(f"{name}@example.org")[-1]) for name in ("ann", "bob")}


def test_every_posting_of_a_digest_carries_both_links(world):
    message = first_round(world)
    html = message.get_body(("html",)).get_content()
    for title in ("RN Case Manager", "Care Coordinator"):
        assert feedback_link(message, title, "More like this").startswith(f"{LINKS}/feedback/")
        assert feedback_link(message, title, "Not for me").endswith("/not")
    assert html.count(">More like this</a>") == 2 and html.count(">Not for me</a>") == 2


def test_not_for_me_employer_leaves_that_employer_out_of_the_next_digest(world, serve_app):
    config, store, _inbox, _matcher = world
    base = serve_app(create_app(config, store))
    link = feedback_link(first_round(world), "RN Case Manager", "Not for me").replace(LINKS, base)
    status, page = get(link)
    assert status == 200 and "Why is this job not for you?" in page and "Wrong location" in page
    assert store.feedback_of() == []  # a GET (a mail scanner) records nothing
    for _ in range(2):  # following it twice records it once
        status, page = post(link, {"reason": "employer"})
        assert status == 200 and "noted as not for you (not this employer)" in page
    with store.engine.connect() as conn:
        assert conn.execute(feedback.select()).all().__len__() == 1
    digests = second_round(world)
    assert "Nurse Case Manager" in digests["bob"]
    assert "Nurse Case Manager" not in digests["ann"]
    assert digests["ann"] == [t for t in digests["bob"] if t != "Nurse Case Manager"]


def test_rank_subscriber_shows_the_ranking_their_feedback_makes(world, serve_app, tmp_path):
    config, store, _inbox, _matcher = world
    base = serve_app(create_app(config, store))
    link = feedback_link(first_round(world), "RN Case Manager", "Not for me").replace(LINKS, base)
    post(link, {"reason": "employer"})
    config_file = tmp_path / "jobs.yaml"
    config_file.write_text(f"database:\n  url: {config.database_url()}\n"
                           f"profile:\n  path: {REPO / 'models' / 'care_manager.yaml'}\n"
                           "sources:\n  - {name: local, type: files, path: postings}\n")
    ranked = {}
    for name in ("ann", "bob"):
        result = CliRunner().invoke(cli, ["rank", "--config", str(config_file), "--json",
                                          "--subscriber", f"{name}@example.org"])
        assert result.exit_code == 0, result.output
        ranked[name] = [json.loads(line)["company"] for line in result.output.splitlines()]
    assert "Lakeside Health" in ranked["bob"] and "Lakeside Health" not in ranked["ann"]


def test_not_for_me_wrong_location_demotes_jobs_in_that_place(world, serve_app):
    config, store, _inbox, _matcher = world
    base = serve_app(create_app(config, store))
    link = feedback_link(first_round(world), "RN Case Manager", "Not for me").replace(LINKS, base)
    assert post(link, {"reason": "location"})[0] == 200
    digests = second_round(world)
    in_columbus = {"Nurse Case Manager", "RN Care Manager"}
    assert digests["bob"][0] in in_columbus  # without feedback, a Columbus job leads
    assert digests["ann"][0] == "Case Manager RN"  # the Dayton job now leads
    assert set(digests["ann"][1:]) <= in_columbus


def test_links_cannot_be_forged_or_used_for_another_subscriber(world, serve_app):
    config, store, inbox, _matcher = world
    base = serve_app(create_app(config, store))
    first_round(world)
    ann = feedback_link(inbox.to("ann@example.org")[-1], "RN Case Manager", "Not for me")
    bob = feedback_link(inbox.to("bob@example.org")[-1], "RN Case Manager", "Not for me")
    ann_token, bob_token = ann.split("/")[-2], bob.split("/")[-2]
    forged = bob_token.rsplit(".", 1)[0] + "." + ann_token.rsplit(".", 1)[1]
    unsubscribe_token = re.search(r"/unsubscribe/(\S+)", text_of(
        inbox.to("ann@example.org")[-1])).group(1)
    for token in (forged, "nonsense", unsubscribe_token):
        status, page = post(f"{base}/feedback/{token}/not", {"reason": "employer"})
        assert status == 404 and "This link does not work" in page
    assert store.feedback_of() == []


def test_more_like_this_is_recorded_and_an_unknown_reason_is_refused(world, serve_app):
    config, store, _inbox, _matcher = world
    base = serve_app(create_app(config, store))
    message = first_round(world)
    more = feedback_link(message, "Care Coordinator", "More like this").replace(LINKS, base)
    assert "More jobs like this one?" in get(more)[1]
    status, page = post(more)
    assert status == 200 and "you will see more jobs like this one" in page
    nope = feedback_link(message, "RN Case Manager", "Not for me").replace(LINKS, base)
    status, page = post(nope, {"reason": "astrology"})
    assert status == 400 and "Choose one of the reasons below." in page
    assert [(j.posting.title, j.verdict) for j in store.feedback_of()] == [
        ("Care Coordinator", "more")]


def test_feedback_export_writes_labels_eval_reads(world, serve_app, tmp_path):
    config, store, _inbox, _matcher = world
    base = serve_app(create_app(config, store))
    message = first_round(world)
    post(feedback_link(message, "Care Coordinator", "More like this").replace(LINKS, base))
    post(feedback_link(message, "RN Case Manager", "Not for me").replace(LINKS, base),
         {"reason": "role"})
    config_file = tmp_path / "jobs.yaml"
    config_file.write_text(f"database:\n  url: {config.database_url()}\n"
                           f"profile:\n  path: {REPO / 'models' / 'care_manager.yaml'}\n"
                           "sources:\n  - {name: local, type: files, path: postings}\n")
    out = tmp_path / "labels"
    result = CliRunner().invoke(cli, ["feedback", "export", "--config", str(config_file),
                                      "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "2 labelled postings from 2 judgments" in result.output
    with (out / "labels.csv").open() as handle:
        assert {row["source_id"]: row["grade"] for row in csv.DictReader(handle)} == {
            "a1": "0", "a2": "2"}
    result = CliRunner().invoke(cli, ["eval", "--config", str(config_file), "--labels",
                                      str(out / "labels.csv")])
    assert result.exit_code == 0, result.output
    fixtures, judged = result.output.split("On subscribers' judgments")
    assert "NDCG@10" in fixtures and "2 labelled postings (1 core, 0 adjacent)" in judged
