"""The run lock through the real CLI: crashed holders taken over, `pipeline fetch` holding it,
`pipeline unlock`, and a database upgraded from the host:pid locks."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from schema_v6 import make_version_6
from sqlalchemy import inspect, text

from pipeline.cli import cli
from pipeline.config import load_config
from pipeline.run import run_once
from pipeline.store import Store
from pipeline.store.schema import utcnow


def _url(config_file) -> str:
    return load_config(config_file).database_url()


def _crashed_run(url: str, *, ago: float) -> None:
    """The lease of a `pipeline run` whose container was killed ``ago`` seconds back."""
    then = utcnow() - timedelta(seconds=ago)
    with Store(url) as store, store.engine.begin() as conn:
        conn.execute(text("INSERT INTO leases (name, owner, host, pid, acquired_at, heartbeat_at, "
                          "expires_at) VALUES ('run', 'c0ffee', 'container-1f3a', 1, :a, :a, :e)"),
                     {"a": then.replace(tzinfo=None),
                      "e": (then + timedelta(seconds=90)).replace(tzinfo=None)})


def _invoke(*args, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def test_a_run_takes_over_the_lock_of_a_crashed_run_without_operator_action(config_file):
    _crashed_run(_url(config_file), ago=3600)
    result = _invoke("run", "--config", str(config_file))
    assert result.exit_code == 0, result.output
    assert "4 new" in result.output
    with Store(_url(config_file)) as store:
        assert store.holder("run") is None  # released on the way out


def test_a_database_of_version_6_with_a_stale_host_pid_lock_runs_after_the_upgrade(config_file):
    url = _url(config_file)
    with Store(url) as store, store.engine.begin() as conn:  # made as version 6 made it
        make_version_6(conn)
        conn.execute(text("INSERT INTO locks VALUES ('run', 'old-container-name:7', "
                          "'2026-11-30 03:00:00.000000')"))
    result = _invoke("run", "--config", str(config_file))
    assert result.exit_code == 0, result.output
    with Store(url) as store:
        tables = inspect(store.engine).get_table_names()
    assert "leases" in tables and "locks" not in tables


def test_fetch_is_refused_with_exit_3_while_a_run_holds_the_lock(config_file):
    url = _url(config_file)
    with Store(url) as store:
        owner = store.acquire_lock("run")
        result = _invoke("fetch", "--config", str(config_file))
        assert result.exit_code == 3, result.output
        assert "another run is in progress" in result.output
        assert store.count_postings() == 0  # nothing fetched beside the run
        store.release_lock("run", owner)
    again = _invoke("fetch", "--config", str(config_file))
    assert again.exit_code == 0, again.output
    assert "local: ok, 4 seen, 4 new" in again.output


def test_unlock_shows_the_holder_and_asks_before_releasing(config_file):
    url = _url(config_file)
    _crashed_run(url, ago=5)  # not expired yet: a run refuses
    assert _invoke("run", "--config", str(config_file)).exit_code == 3
    kept = _invoke("unlock", "--config", str(config_file), input="n\n")
    assert kept.exit_code == 1
    for shown in ("owner           c0ffee", "host            container-1f3a",
                  "pid             1", "since", "last heartbeat", "Release the run lock?"):
        assert shown in kept.output
    with Store(url) as store:
        assert store.holder("run").owner == "c0ffee"
    released = _invoke("unlock", "--config", str(config_file), input="y\n")
    assert released.exit_code == 0, released.output
    assert "Released the run lock." in released.output
    assert _invoke("run", "--config", str(config_file)).exit_code == 0


def test_unlock_yes_releases_without_asking_and_a_free_lock_is_said_so(config_file):
    _crashed_run(_url(config_file), ago=5)
    result = _invoke("unlock", "run", "--yes", "--config", str(config_file))
    assert result.exit_code == 0, result.output
    assert "Release the run lock?" not in result.output
    assert "Released the run lock." in result.output
    free = _invoke("unlock", "--config", str(config_file))
    assert free.exit_code == 0
    assert "No process holds the run lock (locks held: none)." in free.output


def test_a_run_interrupted_with_ctrl_c_gives_the_lock_back(config_file):
    config = load_config(config_file)

    def interrupt(_label, _total):
        raise KeyboardInterrupt  # Ctrl-C as the first stage starts

    try:
        run_once(config, progress=interrupt)
    except KeyboardInterrupt:
        pass
    with Store(config.database_url()) as store:
        assert store.holder("run") is None
