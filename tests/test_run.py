"""`pipeline run` as a whole: a failing board is reported and the others go on (on SQLite and
PostgreSQL: ``db_url``)."""

import json
import socket

from click.testing import CliRunner

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.store import Store


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(config_file, *args):
    return CliRunner().invoke(cli, ["run", "--config", str(config_file), *args])


def test_a_failing_board_is_reported_and_the_healthy_one_is_stored(make_config, db_url):
    config_file = make_config(http={"retries": 0, "cache_dir": None}, database={"url": db_url})
    text = config_file.read_text()
    config_file.write_text(text.replace("sources:\n", "sources:\n- name: down\n  type: greenhouse"
                                        "\n  board: nobody\n  url: http://127.0.0.1:"
                                        f"{closed_port()}/jobs\n"))
    result = run(config_file)
    assert result.exit_code == 0, result.output
    assert "Sources: 2 fetched, 1 failed" in result.output
    assert "FAILED down:" in result.output
    config = load_config(config_file)
    with Store(config.database_url()) as store:
        assert store.count_postings() == 4
        runs = {r.source: r.status for r in store.source_runs()}
    assert runs == {"down": "failed", "local": "ok"}
    assert "digests queued: 1" in result.output

    strict = run(config_file, "--strict")
    assert strict.exit_code == 4
    assert "sources failed: down" in strict.output


def test_a_run_where_every_source_failed_exits_1(tmp_path, make_config):
    config_file = make_config(http={"retries": 0, "cache_dir": None})
    text = config_file.read_text()
    start = text.index("sources:")
    end = text.index("subscribers:")
    config_file.write_text(text[:start] + "sources:\n- name: down\n  type: greenhouse\n"
                           f"  board: nobody\n  url: http://127.0.0.1:{closed_port()}/jobs\n"
                           + text[end:])
    result = run(config_file)
    assert result.exit_code == 1
    assert "every source failed" in result.output


def test_each_long_stage_gets_its_own_progress_bar_and_never_overruns_it(make_config):
    from contextlib import contextmanager

    from pipeline.run import run_once

    bars = []

    @contextmanager
    def record(label, total):
        ticks = []
        bars.append((label, total, ticks))
        yield ticks.append

    config_file = make_config()
    paused = "- {name: paused-board, type: files, path: nowhere, enabled: false}\n"
    text = config_file.read_text().replace("sources:\n", "sources:\n" + paused)
    config_file.write_text(text)
    run_once(load_config(config_file), progress=record)
    assert [(label, total) for label, total, _ in bars] == [("Fetching", 1), ("Digests", 1)]
    assert bars[0][2] == ["local"]
    assert all(len(ticks) <= total for _, total, ticks in bars)


def test_a_hostile_posting_in_the_first_source_does_not_stop_the_second_being_mailed(
        make_config, httpserver, db_url):
    hostile = {"id": 7, "title": "Care Manager \ud800", "location": {"name": "Remote\u0000"},
               "absolute_url": "https://boards.example.org/jobs/7", "content": "Care\ud800"}
    httpserver.expect_request("/first/jobs").respond_with_data(
        json.dumps({"jobs": [hostile]}), content_type="application/json")
    config_file = make_config(http={"retries": 0, "cache_dir": None, "per_host_interval": 0},
                              database={"url": db_url})
    text = config_file.read_text()
    first = (f"sources:\n- name: first\n  type: greenhouse\n  board: first\n"
             f"  url: {httpserver.url_for('/first/jobs')}\n")
    config_file.write_text(text.replace("sources:\n", first))
    result = run(config_file)
    assert result.exit_code == 0, result.output
    assert "Sources: 2 fetched, 0 failed" in result.output
    assert "sent: 1" in result.output
    config = load_config(config_file)
    with Store(config.database_url()) as store:
        assert {r.source: r.status for r in store.source_runs()} == {"first": "ok", "local": "ok"}
        assert store.count_postings() == 5
    [mail] = config.email.outbox_dir.glob("*.eml")
    assert "RN Case Manager" in mail.read_text(encoding="utf-8")  # from the second source


def test_a_posting_that_cannot_be_read_is_skipped_and_counted_in_the_summary(make_config):
    config_file = make_config(postings=[{"source_id": "cm-1", "title": "RN Case Manager"},
                                        {"source_id": "no-title"}])
    result = run(config_file)
    assert result.exit_code == 0, result.output
    assert "postings: 1 seen, 1 new" in result.output
    assert ("PARTIAL local: could not read 1 of its postings or pages; none closed as missing"
            in result.output)
