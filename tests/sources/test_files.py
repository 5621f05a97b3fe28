"""The files source: postings in the project's model from JSON, JSONL and YAML files."""

import json
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.config import parse_config
from pipeline.errors import ParseError, SourceError
from pipeline.http import HttpClient
from pipeline.posting import Remote
from pipeline.sources import files as files_module
from pipeline.sources.files import FilesConfig, FilesSource
from pipeline.stages.fetch import fetch_sources
from pipeline.store import Store


def source(path) -> FilesSource:
    return FilesSource(FilesConfig(name="local", type="files", path=path))


def test_reads_every_format_in_a_folder_recursively(tmp_path):
    (tmp_path / "a.jsonl").write_text(
        json.dumps({"source_id": "1", "title": "RN Case Manager", "remote": "remote",
                    "salary_min": 38, "salary_max": 45, "salary_period": "hour"}) + "\n\n"
        + json.dumps({"source_id": "2", "title": "Care Coordinator"}) + "\n")
    (tmp_path / "nested").mkdir()
    (tmp_path / "nested" / "b.yaml").write_text(
        "- source_id: '3'\n  title: Utilization Review Nurse\n  company: Plan Co\n"
        "  posted_at: 2026-11-01T09:00:00-05:00\n")
    (tmp_path / "c.json").write_text(json.dumps({"source_id": "4", "title": "Discharge Planner"}))
    (tmp_path / "notes.txt").write_text("not a posting")
    postings = source(tmp_path).fetch()
    assert [p.source_id for p in postings] == ["1", "2", "4", "3"]
    first = postings[0]
    assert (first.source, first.remote, first.salary_min, first.salary_period) == (
        "local", Remote.REMOTE, 38.0, "hour")
    assert first.annual_salary() == (38 * 2080, 45 * 2080)
    assert postings[3].posted_at.utcoffset().total_seconds() == -5 * 3600


def test_a_record_in_the_wrong_shape_names_the_file_record_and_field(tmp_path):
    (tmp_path / "bad.jsonl").write_text(json.dumps({"source_id": "1"}) + "\n")
    with pytest.raises(ParseError, match=r"bad.jsonl: record 1: title: Field required"):
        source(tmp_path).fetch()


def test_unknown_fields_are_refused_so_typos_do_not_vanish(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps({"source_id": "1", "title": "x", "titel": "y"}))
    with pytest.raises(ParseError, match="titel"):
        source(tmp_path).fetch()


def test_malformed_json_and_a_missing_folder_are_clear_errors(tmp_path):
    (tmp_path / "broken.json").write_text("{not json")
    with pytest.raises(ParseError, match="broken.json: not valid JSON"):
        source(tmp_path).fetch()
    with pytest.raises(SourceError, match="does not exist"):
        source(tmp_path / "missing").fetch()


def test_employment_types_are_mapped_to_the_common_vocabulary(tmp_path):
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(
        {"source_id": str(i), "title": "Care Manager", "employment_type": kind})
        for i, kind in enumerate(["Full-time", "per diem", "Regular"])) + "\n")
    assert [p.employment_type for p in source(tmp_path).fetch()] == ["full-time", "per-diem", None]


def test_a_bad_jsonl_line_is_named_by_its_line_in_the_file(tmp_path):
    good = '{"source_id": "1", "title": "Case Manager", "description": "x"}'
    (tmp_path / "postings.jsonl").write_text(f"{good}\n\n{{\"source_id\": \"2\", \"title\": }}\n")
    with pytest.raises(ParseError, match=r"postings.jsonl, line 3: not valid JSON"):
        source(tmp_path).fetch()


def test_a_file_that_is_not_utf8_is_a_parse_error_not_a_crash(tmp_path):
    (tmp_path / "latin1.json").write_bytes(b'{"source_id": "1", "title": "Caf\xe9"}')
    with pytest.raises(ParseError, match=r"latin1.json: not UTF-8 text .*save it as UTF-8"):
        source(tmp_path).fetch()


def test_an_unreadable_record_is_skipped_and_the_others_are_read(tmp_path, caplog):
    (tmp_path / "mixed.jsonl").write_text(
        json.dumps({"source_id": "1", "title": "Care Manager"}) + "\n"
        + json.dumps({"source_id": "2"}) + "\n"
        + json.dumps({"source_id": "3", "title": "Case Manager"}) + "\n")
    files = source(tmp_path)
    assert [p.source_id for p in files.fetch()] == ["1", "3"]
    assert files.read_errors == 1 and files.full_listing is False  # "2" is not taken for gone
    assert "mixed.jsonl: record 2: title: Field required" in caplog.text


NOW = datetime(2026, 11, 2, 9, tzinfo=UTC)


def _fetch(tmp_path, folder, now):
    """One fetch of a files source into a SQLite file in tmp_path; (its run, the store)."""
    config = parse_config({"database": {"url": f"sqlite:///{tmp_path / 'jobs.db'}"},
                           "sources": [{"name": "local", "type": "files", "path": str(folder)}]},
                          base_dir=tmp_path)
    store = Store(config.database_url())
    with HttpClient(config.http) as http:
        report = fetch_sources(config, store, http, now=now)
    return report.runs[0], store


@pytest.fixture
def reads(monkeypatch):
    """The names of the files the source parses (the real parser runs)."""
    names = []

    def counted(file, name):
        names.append(file.name)
        return real(file, name)
    real = files_module._records
    monkeypatch.setattr(files_module, "_records", counted)
    return names


def _folder(tmp_path):
    folder = tmp_path / "postings"
    folder.mkdir()
    (folder / "a.jsonl").write_text(json.dumps(
        {"source_id": "1", "title": "RN Case Manager", "company": "Acme Health"}) + "\n")
    (folder / "b.json").write_text(json.dumps([  # "3" is the same job as "1": dedupe notes it
        {"source_id": "2", "title": "Care Coordinator", "company": "Plan Co"},
        {"source_id": "3", "title": "RN Case Manager", "company": "Acme Health"}]))
    return folder


def _without_last_seen(store):
    return [p.model_dump(exclude={"last_seen"}) for p in store.all_postings()]


def test_an_unchanged_file_is_not_read_again_and_its_postings_stay_open_and_unchanged(
        tmp_path, reads):
    folder = _folder(tmp_path)
    first, store = _fetch(tmp_path, folder, NOW)
    before = _without_last_seen(store)
    reads.clear()
    again, store = _fetch(tmp_path, folder, NOW + timedelta(hours=1))
    assert reads == []
    assert (again.status, again.seen, again.new, again.changed, again.closed) == (
        "ok", 3, 0, 0, 0)
    assert _without_last_seen(store) == before
    assert store.count_postings(open_only=True) == first.seen - 1  # "3" duplicates "1"
    assert {p.last_seen for p in store.all_postings()} == {NOW + timedelta(hours=1)}


def test_a_changed_file_is_read_again_and_only_it(tmp_path, reads):
    folder = _folder(tmp_path)
    _fetch(tmp_path, folder, NOW)
    (folder / "b.json").write_text(json.dumps([
        {"source_id": "2", "title": "Senior Care Coordinator", "company": "Plan Co"}]))
    reads.clear()
    again, store = _fetch(tmp_path, folder, NOW + timedelta(hours=1))
    assert reads == ["b.json"]
    assert (again.new, again.changed, again.closed) == (0, 1, 1)  # "3" left the file
    assert {p.source_id: p.title for p in store.open_postings()} == {
        "1": "RN Case Manager", "2": "Senior Care Coordinator"}


def test_postings_reused_from_an_unchanged_file_are_stored_as_a_full_read_stores_them(
        tmp_path, reads, monkeypatch):
    folder = _folder(tmp_path)
    (folder / "c.jsonl").write_text(json.dumps(  # expired: closed, and stays closed
        {"source_id": "4", "title": "Care Manager", "company": "Old Co",
         "valid_through": "2026-10-01T00:00:00Z"}) + "\n")

    def fetch_twice(where, reuse):
        monkeypatch.setattr(FilesSource, "reuses_stored", reuse)
        where.mkdir()
        _fetch(where, folder, NOW)[1].close_missing("local", ["2", "3", "4"], NOW)  # "1" closed
        reads.clear()
        run, store = _fetch(where, folder, NOW + timedelta(hours=1))
        return reads[:], (run.seen, run.new, run.changed, run.closed), [
            p.model_dump() for p in store.all_postings()]

    reused, full = fetch_twice(tmp_path / "reused", True), fetch_twice(tmp_path / "full", False)
    assert (reused[0], full[0]) == ([], ["a.jsonl", "b.json", "c.jsonl"])
    assert reused[1:] == full[1:]
    assert reused[1] == (4, 0, 0, 0)
    assert [(p["source_id"], p["closed_at"], p["last_seen"]) for p in reused[2]] == [
        ("1", None, NOW + timedelta(hours=1)), ("2", None, NOW + timedelta(hours=1)),
        ("3", None, NOW + timedelta(hours=1)), ("4", NOW, NOW + timedelta(hours=1))]
