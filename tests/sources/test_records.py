"""Typed reading of board records and the skip-and-record rule every fetcher follows."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest

from pipeline.errors import ParseError
from pipeline.posting import Posting
from pipeline.sources._records import (
    Record,
    board_list,
    build_postings,
    pay_line,
    salary_fields,
    text_salary_fields,
)


def record(**fields):
    return Record(fields, source="board", where="jobs[0]")


def test_text_accepts_numbers_strips_and_treats_blank_as_missing():
    job = record(id=6120450008, title="  RN Care Manager ", code="  ")
    assert job.text("id") == "6120450008"
    assert job.text("title") == "RN Care Manager"
    assert job.text("code") is None and job.text("absent") is None


def test_text_refuses_other_types_naming_the_field_path():
    job = record(location={"name": "Columbus, OH"})
    with pytest.raises(ParseError, match=r"jobs\[0\]\.location: expected text, got an object"):
        job.text("location")
    assert job.obj("location").text("name") == "Columbus, OH"
    with pytest.raises(ParseError) as caught:
        job.text("title", required=True)
    assert str(caught.value) == "jobs[0].title: missing or empty"
    assert caught.value.source == "board"


def test_number_reads_numeric_text_and_refuses_words():
    job = record(min="72,000", max=88000, cents="9650000.00", note="negotiable", on=True)
    assert (job.number("min"), job.number("max"), job.number("cents")) == (72000.0, 88000.0,
                                                                          9650000.0)
    with pytest.raises(ParseError, match="note: expected a number, got text 'negotiable'"):
        job.number("note")
    with pytest.raises(ParseError, match="on: expected a number"):
        job.number("on")


def test_flag_reads_booleans_and_their_text():
    job = record(remote=True, hybrid="false", telecommuting="TRUE", onsite="sometimes")
    assert (job.flag("remote"), job.flag("hybrid"), job.flag("telecommuting")) == (True, False,
                                                                                   True)
    assert job.flag("absent") is None
    with pytest.raises(ParseError, match="onsite: expected true or false"):
        job.flag("onsite")


def test_date_reads_iso_epoch_ms_and_digit_text():
    job = record(iso="2026-11-20T10:30:00-05:00", ms=1795188600123, digits="1795188600",
                 day="2026-11-21", bad="next Tuesday", shape=["2026-11-21"])
    assert job.date("iso") == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert job.date("ms") == datetime(2026, 11, 20, 15, 30, 0, 123000, tzinfo=UTC)
    assert job.date("digits") == datetime(2026, 11, 20, 15, 30, tzinfo=UTC)
    assert job.date("day") == datetime(2026, 11, 21, tzinfo=UTC)
    for key in ("bad", "shape"):
        with pytest.raises(ParseError, match=f"{key}: expected a date"):
            job.date(key)


def test_nested_objects_and_lists_carry_their_path():
    job = record(categories={"location": ["Phoenix"]}, lists=[{"text": "Duties"}, "oops"])
    with pytest.raises(ParseError, match=r"jobs\[0\]\.categories\.location: expected text"):
        job.obj("categories").text("location")
    assert job.obj("absent").text("anything") is None and job.items("absent") == []
    with pytest.raises(ParseError, match=r"jobs\[0\]\.lists\[1\]: expected an object"):
        job.objs("lists")
    with pytest.raises(ParseError, match="categories: expected a list"):
        job.items("categories")


def test_pick_keeps_only_present_non_empty_fields():
    job = record(team="Care Management", level="", tags=[], dept=None)
    assert job.pick("team", "level", "tags", "dept", "absent") == {"team": "Care Management"}


def test_salary_fields_converts_cents_and_infers_a_clear_period():
    assert salary_fields(7800000, 9650000, currency="usd", cents=True) == {
        "salary_min": 78000.0, "salary_max": 96500.0, "salary_currency": "USD",
        "salary_period": "year"}
    hourly = salary_fields(27.5, 33, currency="USD", period="per-hour-wage")
    assert hourly["salary_period"] == "hour"
    assert salary_fields(None, None, currency="USD") == {}


def build(job):
    """A minimal fetcher mapping: id and title are required; 'hidden' jobs are left out."""
    job = Record(job, source="board", where="job")
    if job.flag("hidden"):
        return None
    return Posting(source="board", source_id=job.text("id", required=True),
                   title=job.text("title", required=True))


def test_build_postings_skips_and_logs_an_unreadable_record(caplog):
    records = [{"id": 1, "title": "Care Manager"}, {"id": 2}, {"id": 3, "hidden": True}]
    with caplog.at_level(logging.WARNING):
        postings = build_postings(records, build, source="board")
    assert [p.source_id for p in postings] == ["1"]
    assert "board: skipped a posting that cannot be read: job.title: missing" in caplog.text


def test_build_postings_fails_when_no_record_is_readable():
    with pytest.raises(ParseError, match="none of the 2 postings could be read; first problem: "
                                         "job.title: missing") as caught:
        build_postings([{"id": 1}, {"id": 2}], build, source="board")
    assert caught.value.source == "board"


def test_build_postings_reports_model_validation_errors_as_skips():
    def bad_remote(job):
        return Posting(source="board", source_id="1", title="Care Manager", remote="sometimes")

    with pytest.raises(ParseError, match="remote"):
        build_postings([{}], bad_remote, source="board")


def test_only_hidden_records_is_an_empty_board_not_a_failure():
    assert build_postings([{"id": 1, "title": "x", "hidden": True}], build, source="board") == []


def test_build_postings_wraps_raw_items_and_skips_one_that_is_no_object(caplog):
    def mapped(job: Record) -> Posting:
        return Posting(source="board", source_id=job.text("id", required=True),
                       title=job.text("title", required=True))

    items = [{"id": 7, "title": "Care Manager"}, ["not", "a", "job"]]
    with caplog.at_level(logging.WARNING):
        postings = build_postings(items, mapped, source="board", where="jobs")
    assert [p.source_id for p in postings] == ["7"]
    assert "jobs[1]: expected an object, got a list" in caplog.text


def test_build_postings_skips_a_record_whose_field_changed_type():
    def careless(job):
        return Posting(source="board", source_id=str(job["id"]), title=job["title"].strip())

    postings = build_postings([{"id": 1, "title": " RN "}, {"id": 2, "title": 5}], careless,
                              source="board")
    assert [p.title for p in postings] == ["RN"]


def test_pay_line_finds_the_stated_range():
    text = "About us.\nPay range: $38.25 - $52.10 per hour, based on experience.\nBenefits."
    assert pay_line(text) == "Pay range: $38.25 - $52.10 per hour, based on experience."
    assert text_salary_fields(pay_line(text), currency="USD") == {
        "salary_min": 38.25, "salary_max": 52.1, "salary_currency": "USD",
        "salary_period": "hour"}
    assert pay_line("Competitive pay and $500 sign-on bonus.") is None


def test_board_list_names_what_it_found():
    assert board_list({"jobs": []}, "jobs", source="b") == []
    with pytest.raises(ParseError, match=r"no 'jobs' list \(its keys: error, status\)"):
        board_list({"status": 404, "error": "not found"}, "jobs", source="b")
    with pytest.raises(ParseError, match="'jobs': expected a list of postings, got an object"):
        board_list({"jobs": {}}, "jobs", source="b")
    with pytest.raises(ParseError, match="the response: expected a list of postings, got text"):
        board_list("<html>", None, source="b")
