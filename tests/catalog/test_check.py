"""`pipeline sources check` against a local server standing in for the boards (--base-url)."""

from __future__ import annotations

from click.testing import CliRunner

from pipeline.catalog import load_catalog
from pipeline.cli import cli


def write_config(tmp_path):
    path = tmp_path / "jobs.yaml"
    path.write_text("http:\n  per_host_interval: 0\n  retries: 0\n  cache_dir: null\n"
                    "sources:\n  - name: local\n    type: files\n    path: postings\n",
                    encoding="utf-8")
    (tmp_path / "postings").mkdir()
    return path


def check(config, *options):
    return CliRunner().invoke(cli, ["sources", "check", "--config", str(config), *options])


def test_dead_and_changed_boards_are_reported_and_exit_1(httpserver, tmp_path):
    boards = [e.keys["board"] for e in load_catalog() if e.board == "greenhouse"]
    dead, changed, *alive = boards
    for board in alive:
        httpserver.expect_request(f"/v1/boards/{board}/jobs").respond_with_json(
            {"jobs": [], "meta": {"total": 0}})
    httpserver.expect_request(f"/v1/boards/{dead}/jobs").respond_with_json(
        {"status": 404, "error": "Job board not found"}, status=404)
    httpserver.expect_request(f"/v1/boards/{changed}/jobs").respond_with_data(
        "<html><body>Moved to our new careers site</body></html>", content_type="text/html")
    result = check(write_config(tmp_path), "--board", "greenhouse",
                   "--base-url", httpserver.url_for("/"))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("dead: ") for line in lines) == 2
    assert any(f"/v1/boards/{dead}/jobs: HTTP 404" in line for line in lines)
    assert any(f"boards/{changed}/jobs: expected JSON but got an HTML page" in line
               for line in lines)
    assert lines[-1] == f"{len(alive)} ok, 2 dead, 0 skipped of {len(boards)} catalogue entries."


def test_every_board_alive_is_exit_0(httpserver, tmp_path):
    jibe = [e for e in load_catalog() if e.board == "jibe"]
    assert {e.keys["api"].split("/", 3)[3] for e in jibe} == {"api/jobs"}
    httpserver.expect_request("/api/jobs", query_string={"page": "1", "limit": "1"}
                              ).respond_with_json({"jobs": [], "totalCount": 0})
    result = check(write_config(tmp_path), "--board", "jibe", "--base-url",
                   httpserver.url_for("/"))
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (f"{len(jibe)} ok, 0 dead, 0 skipped of {len(jibe)} "
                                     "catalogue entries.")


def test_unknown_board_filter_is_exit_2(tmp_path):
    result = check(write_config(tmp_path), "--board", "taleo")
    assert result.exit_code == 2 and "no catalogue employer is on 'taleo'" in result.output
