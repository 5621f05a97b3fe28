"""Fast start: ``pipeline --help`` and a command's start import only what they need.

The import time is measured and reported (``-s`` output and the junit property), never asserted:
the figures belong to ``benchmarks/bench_start.py``. What is asserted is the structure that makes
the start fast: which modules a start loads.
"""

from __future__ import annotations

import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys

import click
import click.testing

import pipeline.cli
from pipeline.cli import COMMANDS, cli

#: Runs the CLI like the console script, then prints the loaded module names as the last line.
CHILD = """
import json, sys
from pipeline.cli import main
sys.argv[0] = "pipeline"
try:
    main()
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""

HEAVY = {"sklearn", "pandas", "scipy", "numpy", "matplotlib", "sqlalchemy", "apscheduler",
         "flask", "jinja2", "pypdf", "docx", "dkim", "feedparser", "rich", "pydantic", "bs4",
         "lxml", "requests", "yaml"}


def start(*args: str) -> tuple[set[str], str, float]:
    """Run ``pipeline ARGS`` in a fresh interpreter: modules loaded, help text, import seconds."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", CHILD, *args],
                          capture_output=True, text=True, check=True)
    *shown, loaded = done.stdout.splitlines()
    cumulative = re.search(r"\|\s*(\d+) \|\s*pipeline\.cli$", done.stderr, re.MULTILINE)
    return set(json.loads(loaded)), "\n".join(shown), int(cumulative.group(1)) / 1e6


def test_help_lists_every_command_without_importing_heavy_libraries(record_property):
    loaded, shown, seconds = start("--help")
    record_property("import_pipeline_cli_seconds", seconds)
    print(f"\n`pipeline --help` imported pipeline.cli in {seconds:.3f}s")
    assert {name.split(".")[0] for name in loaded} & HEAVY == set()
    assert not {name for name in loaded if name.startswith("pipeline.cli.")}
    for name in COMMANDS:
        assert re.search(rf"^  {name} +\S", shown, re.MULTILINE), name


def test_a_command_loads_only_its_own_module():
    loaded, shown, _ = start("rank", "--help")
    assert "--resume FILE" in shown
    assert {name for name in loaded if name.startswith("pipeline.cli.")} == {"pipeline.cli.match"}
    assert not {"sklearn", "pandas", "matplotlib"} & {name.split(".")[0] for name in loaded}


def test_the_command_list_names_each_command_with_its_own_short_help():
    context = click.Context(cli)
    for name, (module, short_help) in COMMANDS.items():
        command = cli.get_command(context, name)
        assert command.callback.__module__ == f"pipeline.cli.{module}", name
        assert command.get_short_help_str(limit=1000) == short_help, name
    for module in pkgutil.iter_modules(pipeline.cli.__path__, "pipeline.cli."):
        importlib.import_module(module.name)  # every command module, listed or not
    unlisted = set(cli.commands) - set(COMMANDS)
    assert not unlisted, f"add {unlisted} to pipeline.cli.COMMANDS, or pipeline cannot run them"


def test_sending_the_outbox_and_serving_pages_load_no_ranking_libraries():
    """`pipeline outbox --retry`, the relay of every worker and `pipeline serve` rank nothing:
    their modules must not pull in scikit-learn or pandas (about a second of each start)."""
    modules = ["pipeline.notify.relay", "pipeline.service.web", "pipeline.notify.subscribers"]
    script = (f"import json, sys\nfor m in {modules!r}: __import__(m)\n"
              "print(json.dumps(sorted(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True)
    loaded = {name.split(".")[0] for name in json.loads(done.stdout)}
    assert not {"sklearn", "pandas", "scipy"} & loaded


#: Runs several ``pipeline`` commands in turn in one fresh interpreter (``sys.argv[1]``: a JSON
#: list of [environment to add, arguments]), printing after each the loaded module names as a
#: line of its own: what the first commands load is what the later ones start with.
STEPS = """
import json, os, sys
from pipeline.cli import main
for env, args in json.loads(sys.argv[1]):
    os.environ.update(env)
    sys.argv = ["pipeline", *args]
    try:
        main()
    except SystemExit:
        pass
    print("modules: " + json.dumps(sorted(sys.modules)), flush=True)
"""


def test_a_redirected_run_of_local_files_loads_no_rich_no_other_board_no_parsers(tmp_path):
    """Under cron, the scheduler or a script (output not a terminal) a ``pipeline run`` that
    finds a new posting, and ``pipeline notify``, show no progress bar and print plain lines:
    rich is never loaded (the first run may load it with the libraries a first fit needs, so it
    runs here, in-process). That run, whose sources are all local files, imports no other
    board's module, no HTML parser (lxml), no date parser (dateutil) and, its store being
    SQLite, no PostgreSQL dialect: a start cost of every run that reads only files. The
    commands share one interpreter: rich loaded by neither the run nor the notify after it
    means by neither alone; then, with FORCE_COLOR, a run loads it."""
    from tests.conftest import SAMPLE_POSTINGS, write_config

    more = [{**posting, "source_id": f"{posting['source_id']}-{city}", "location": f"{city}, OH",
             "company": f"{posting['company']} of {city}"}
            for posting in SAMPLE_POSTINGS for city in ("Dayton", "Akron")]
    config = write_config(tmp_path, SAMPLE_POSTINGS[1:] + more)  # a new one then is no refit
    first = click.testing.CliRunner().invoke(cli, ["run", "--config", str(config)])
    assert first.exit_code == 0, first.output
    write_config(tmp_path, SAMPLE_POSTINGS + more)  # one more, fit for a care manager
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    steps = [({}, ["run", "--config", str(config)]), ({}, ["notify", "--config", str(config)]),
             ({"FORCE_COLOR": "1"},  # a terminal, to rich: the bars are drawn with it
              ["run", "--config", str(config)])]
    done = subprocess.run([sys.executable, "-c", STEPS, json.dumps(steps)], capture_output=True,
                          text=True, check=True, cwd=tmp_path, env=env)
    outputs = done.stdout.split("modules: ")
    shown = outputs[0]
    modules = [set(json.loads(out.splitlines()[0])) for out in outputs[1:]]
    loaded = [{name.split(".")[0] for name in names} for names in modules]
    assert "postings: 12 seen, 1 new" in shown and "dana@example.org: queued" in shown
    assert "rich" not in loaded[0]
    boards = {name for name in modules[0] if name.startswith("pipeline.sources.")}
    assert boards == {"pipeline.sources.files", "pipeline.sources.base",
                      "pipeline.sources._records"}
    assert not {"lxml", "dateutil"} & loaded[0]
    assert "sqlalchemy.dialects.postgresql" not in modules[0]  # the store is SQLite
    assert "Subscribers: 1; digests queued: 0" in outputs[1]
    assert "rich" not in loaded[1]
    assert "rich" in loaded[2]


def test_the_help_of_the_run_commands_loads_no_config_library():
    """``pipeline run --help`` (and fetch's, notify's) needs neither pydantic nor SQLAlchemy:
    the command module reads the config only when a command runs."""
    for command in ("run", "fetch", "notify"):
        loaded, shown, _ = start(command, "--help")
        assert "--config FILE" in shown
        assert not {"pydantic", "sqlalchemy", "yaml"} & {name.split(".")[0] for name in loaded}
        assert "pipeline.config" not in loaded


#: Counts the garbage collections of a ``pipeline run``, printed as the last line.
COUNTING = """
import gc, sys
from pipeline.cli import main
collections = []
gc.callbacks.append(lambda phase, info: collections.append(1) if phase == "start" else None)
sys.argv[0] = "pipeline"
try:
    main()
except SystemExit:
    pass
print(len(collections))
"""


def test_a_run_collects_no_garbage_while_it_imports_its_libraries(tmp_path):
    """The libraries a run loads (pydantic, SQLAlchemy, NumPy...) make about a million objects
    and almost no garbage: collecting while they import (some 120 collections, walking them
    again and again) was CPU time for nothing. A few collections remain: those of the CLI's
    own start, and the run's own every 200,000 new objects."""
    from tests.conftest import write_config

    config = write_config(tmp_path)
    done = subprocess.run([sys.executable, "-c", COUNTING, "run", "--config", str(config)],
                          capture_output=True, text=True, check=True, cwd=tmp_path)
    *shown, count = done.stdout.splitlines()
    assert "dana@example.org: queued" in "\n".join(shown)
    assert int(count) < 40
