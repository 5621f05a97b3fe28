"""Subscriber filters through a whole run: files source -> store -> matcher -> digest e-mail."""

from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

from click.testing import CliRunner

from pipeline.cli import cli
from tests.conftest import write_config

_BODY = ("Coordinate care for members with complex needs: assessments, care plans, discharge "
         "planning, utilization review, community resources. Requires an active RN license. ")


def _remote_job(source_id: str, title: str, location: str, extra_text: str = "") -> dict:
    return {"source_id": source_id, "title": title, "company": f"Plan {source_id}",
            "location": location, "remote": "remote", "url": f"https://jobs.example/{source_id}",
            "description": _BODY + extra_text}


POSTINGS = [
    _remote_job("az-text", "RN Case Manager", "Remote",
                "This position is remote; you must reside in AZ to be considered."),
    _remote_job("az-location", "Nurse Case Manager", "Remote - Arizona"),
    _remote_job("co-az", "Telephonic Care Manager RN", "Remote",
                "Candidates must be located in one of the following states: Colorado, Arizona."),
    _remote_job("anywhere", "Care Coordinator RN", "Remote, US",
                "We have offices in Arizona and Texas."),
    _remote_job("not-co", "Care Manager RN", "Remote",
                "This position is not open to residents of Colorado or Washington."),
]


def _digest_for(tmp_path, filters: dict) -> tuple[str, str]:
    """Run the pipeline for one subscriber with ``filters``; (text, HTML) of their digest."""
    config = write_config(tmp_path, POSTINGS, subscribers=[
        {"email": "dana@example.org", "name": "Dana", "filters": filters}])
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    [eml] = list((tmp_path / "outbox").glob("*.eml")) or list(tmp_path.rglob("*.eml"))
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    return (message.get_body(("plain",)).get_content(),
            message.get_body(("html",)).get_content())


def test_a_job_restricted_to_another_state_never_reaches_a_state_filter(tmp_path):
    text, html = _digest_for(tmp_path, {"states": ["CO"]})
    assert "https://jobs.example/az-text" not in text
    assert "https://jobs.example/az-location" not in text
    assert "https://jobs.example/co-az" in text
    assert "https://jobs.example/anywhere" in text  # unrestricted remote still passes
    assert "https://jobs.example/not-co" not in text
    assert "Remote (AZ or CO residents only)" in text
    assert "Remote (AZ or CO residents only)" in html


def test_a_remote_only_subscriber_with_a_state_gets_the_same_rule(tmp_path):
    text, _html = _digest_for(tmp_path, {"remote": ["remote"], "states": ["Colorado"]})
    assert "jobs.example/az-" not in text
    assert "https://jobs.example/co-az" in text


def test_the_allowed_state_gets_every_restricted_job_with_its_restriction(tmp_path):
    text, _html = _digest_for(tmp_path, {"states": ["Arizona"]})
    for source_id in ("az-text", "az-location", "co-az", "anywhere", "not-co"):
        assert f"https://jobs.example/{source_id}" in text
    assert text.count("Remote (AZ residents only)") == 2
    assert "Remote (not open to CO or WA residents)" in text


def _days_ago(days: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days)).isoformat()


AGED = [
    {**_remote_job("fresh", "RN Case Manager", "Remote"), "posted_at": _days_ago(3)},
    {**_remote_job("month", "Nurse Case Manager", "Remote"), "posted_at": _days_ago(20)},
    {**_remote_job("stale", "Care Manager RN", "Remote"), "posted_at": _days_ago(60)},
    _remote_job("undated", "Care Coordinator RN", "Remote"),  # first seen now
]


def _run_digest(tmp_path, postings: list[dict], subscriber: dict) -> str:
    """Run the pipeline for one subscriber; the text of their digest."""
    config = write_config(tmp_path, postings, subscribers=[
        {"email": "dana@example.org", "name": "Dana", **subscriber}])
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 0, result.output
    [eml] = list(tmp_path.rglob("*.eml"))
    return message_from_bytes(eml.read_bytes(), policy=policy.default).get_body(
        ("plain",)).get_content()


def test_max_age_days_keeps_recent_postings_and_undated_ones_by_first_seen(tmp_path):
    text = _run_digest(tmp_path, AGED, {"filters": {"max_age_days": 10}})
    assert "jobs.example/fresh" in text and "jobs.example/undated" in text
    assert "jobs.example/month" not in text and "jobs.example/stale" not in text


def test_a_first_digest_holds_no_posting_older_than_30_days_by_default(tmp_path):
    text = _run_digest(tmp_path, AGED, {})
    assert "jobs.example/fresh" in text and "jobs.example/month" in text
    assert "jobs.example/undated" in text
    assert "jobs.example/stale" not in text


def test_credentials_held_count_as_named_on_the_resume(tmp_path):
    resume = tmp_path / "cv.txt"
    resume.write_text("Case manager: care plans, discharge planning, utilization review, "
                      "community resources.", encoding="utf-8")
    postings = [_remote_job("rn", "RN Case Manager", "Remote")]
    lacking = _run_digest(tmp_path / "a", postings, {"resume": str(resume)})
    assert "Required, not on your resume: RN" in lacking
    held = _run_digest(tmp_path / "b", postings,
                       {"resume": str(resume), "filters": {"credentials_held": ["rn"]}})
    assert "jobs.example/rn" in held and "not on your resume" not in held


def test_a_posting_handed_back_unchanged_keeps_its_residency_without_a_new_scan(
        tmp_path, monkeypatch):
    from pipeline.config import load_config
    from pipeline.stages import fetch as fetch_stage
    from pipeline.store import Store

    config = write_config(tmp_path, POSTINGS[:1])
    assert CliRunner().invoke(cli, ["fetch", "--config", str(config)]).exit_code == 0
    scans = []
    scan = fetch_stage.with_residency
    monkeypatch.setattr(fetch_stage, "with_residency", lambda p: scans.append(p) or scan(p))
    again = CliRunner().invoke(cli, ["fetch", "--config", str(config)])  # the file is unchanged
    assert again.exit_code == 0, again.output
    with Store(load_config(config).database_url()) as store:
        [posting] = store.open_postings()
    assert posting.extra["residency"] == ["AZ"] and scans == []


def _onsite_job(source_id: str, location: str) -> dict:
    city, region = location.split(", ")
    return {**_remote_job(source_id, "RN Case Manager", location), "remote": "onsite",
            "city": city, "region": region}


PLACES = [
    _onsite_job("austin", "Austin, TX"),
    _onsite_job("round-rock", "Round Rock, TX"),  # ~17 miles north of Austin
    _onsite_job("san-antonio", "San Antonio, TX"),  # ~75 miles south-west
    _onsite_job("hamlet", "Tinyville, TX"),  # too small for the place data
    _remote_job("remote", "Care Coordinator RN", "Remote"),
]


def test_a_radius_keeps_nearby_cities_and_drops_far_ones(tmp_path):
    text = _run_digest(tmp_path, PLACES, {"filters": {"cities": ["Austin"], "states": ["TX"],
                                                      "radius_miles": 25}})
    assert "jobs.example/austin" in text and "jobs.example/round-rock" in text
    assert "jobs.example/remote" in text
    assert "jobs.example/san-antonio" not in text and "jobs.example/hamlet" not in text


def test_without_a_radius_only_the_listed_city_passes(tmp_path):
    text = _run_digest(tmp_path, PLACES, {"filters": {"cities": ["Austin, TX"]}})
    assert "jobs.example/austin" in text and "jobs.example/remote" in text
    assert "jobs.example/round-rock" not in text


def test_a_town_the_place_data_lacks_passes_by_its_exact_name(tmp_path):
    text = _run_digest(tmp_path, PLACES, {"filters": {"cities": ["Tinyville"],
                                                      "radius_miles": 100}})
    assert "jobs.example/hamlet" in text and "jobs.example/remote" in text
    assert "jobs.example/austin" not in text


def test_a_radius_without_a_city_is_refused_with_the_key_named(tmp_path):
    config = write_config(tmp_path, PLACES, subscribers=[
        {"email": "dana@example.org", "filters": {"radius_miles": 25}}])
    result = CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert result.exit_code == 2
    assert "radius_miles needs at least one city in cities" in result.output
