"""A built wheel, installed outside the checkout, runs: the role profiles ship inside it.

The wheel is built once per session from a copy of the project (so the checkout gets no build/
folder), offline, by calling the build backend of pyproject.toml (setuptools' ``build_meta``, as
``pip wheel --no-build-isolation`` does, without pip's own start), and installed into a
temporary folder as ``pip install --no-deps --target`` would, by PyPA's ``installer`` in this
process. The commands then run as ``python -m pipeline`` does, each in a temporary folder of
its own, all in one interpreter that has only that folder on its path (``_COMMANDS``: one
start, not one per command); each test checks that the installed package, not the checkout's,
is the one that ran.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from installer import install
from installer.destinations import SchemeDictionaryDestination
from installer.sources import WheelFile

from pipeline.cli import cli

ROOT = Path(__file__).resolve().parents[1]
BUILD_INPUTS = ("pyproject.toml", "setup.py", "README.md", "pipeline", "models")

POSTING = {
    "source_id": "w-1",
    "title": "RN Case Manager",
    "company": "Riverbend Health",
    "url": "https://jobs.riverbend.example/1",
    "location": "Denver, CO",
    "remote": "hybrid",
    "description": "Coordinate care plans and discharge planning for high-risk members. "
                   "Utilization review, care coordination and patient advocacy with the "
                   "interdisciplinary team. Required: active RN license; CCM preferred.",
}

#: The build backend's PEP 517 hook, run in the copy of the project; prints the wheel's name.
_BUILD = "import sys; from setuptools import build_meta; print(build_meta.build_wheel(sys.argv[1]))"

#: Runs each (folder, arguments) of the JSON list in argv[1] as ``python -m pipeline`` would
#: (the installed package's __main__, in that folder, its exit code and output kept), then
#: prints them as JSON with the file of every ``pipeline`` module it loaded.
_COMMANDS = """
import contextlib, importlib.util, io, json, logging, os, runpy, sys

results = []
for folder, args in json.loads(sys.argv[1]):
    os.chdir(folder)
    sys.argv = ["pipeline", *args]
    logging.root.handlers.clear()  # each command's log goes to its own stderr
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_module("pipeline", run_name="__main__", alter_sys=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    results.append({"exit": code, "stdout": out.getvalue(), "stderr": err.getvalue()})
files = sorted({m.__file__ for name, m in list(sys.modules.items())
                if name.split(".")[0] == "pipeline" and getattr(m, "__file__", None)}
               | {importlib.util.find_spec("pipeline.__main__").origin})
print(json.dumps({"results": results, "files": files}))
"""


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """A folder holding the package installed from a freshly built wheel."""
    source = tmp_path_factory.mktemp("source")
    for name in (name for name in BUILD_INPUTS if (ROOT / name).exists()):
        copy = shutil.copytree if (ROOT / name).is_dir() else shutil.copy2
        copy(ROOT / name, source / name,
             **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree
                else {}))
    wheels = tmp_path_factory.mktemp("wheels")
    subprocess.run([sys.executable, "-c", _BUILD, str(wheels)], cwd=source, check=True,
                   capture_output=True, text=True)
    (wheel,) = wheels.glob("*.whl")
    target = tmp_path_factory.mktemp("site")
    # what `pip install --no-deps --target` does with a wheel, by the library pip's own
    # installs follow (PyPA's installer), without starting pip
    scheme = {"purelib": target, "platlib": target, "headers": target / "include",
              "scripts": target / "bin", "data": target}
    destination = SchemeDictionaryDestination({k: str(v) for k, v in scheme.items()},
                                              interpreter=sys.executable, script_kind="posix")
    with WheelFile.open(wheel) as source:
        install(source, destination, additional_metadata={"INSTALLER": b"tests\n"})
    return target


@pytest.fixture(scope="session")
def wheel_runs(installed, tmp_path_factory) -> dict:
    """The installed package's commands, run from outside the checkout in one interpreter:
    ``folders`` (name: folder) and ``ran`` (name: exit, stdout, stderr), ``files`` (every
    ``pipeline`` module file that interpreter loaded)."""
    folders = {name: tmp_path_factory.mktemp(name) for name in ("run", "wrong", "preset")}
    # the posting the run reads (init leaves an existing postings folder as it is)
    (folders["run"] / "postings").mkdir()
    (folders["run"] / "postings" / "jobs.jsonl").write_text(json.dumps(POSTING) + "\n",
                                                            encoding="utf-8")
    # the same starter file, from the checkout; only the run must be the wheel's
    jobs = folders["wrong"] / "jobs.yaml"
    assert CliRunner().invoke(cli, ["init", str(jobs)]).exit_code == 0
    jobs.write_text(jobs.read_text(encoding="utf-8").replace("path: care_manager ",
                                                             "path: care_manger "),
                    encoding="utf-8")
    commands = {"init": ("run", ["init"]), "run": ("run", ["run"]),
                "wrong profile": ("wrong", ["run"]),
                "preset": ("preset", ["init", "--preset", "national", "--state", "CT"]),
                "check": ("preset", ["sources", "check", "--board", "nonesuch"])}
    steps = [(str(folders[folder]), args) for folder, args in commands.values()]
    env = {**os.environ, "PYTHONPATH": str(installed), "PIPELINE_SECRET": "test-secret"}
    done = subprocess.run([sys.executable, "-c", _COMMANDS, json.dumps(steps)],
                          cwd=tmp_path_factory.mktemp("elsewhere"), env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    return {"folders": folders, "ran": dict(zip(commands, report["results"], strict=True)),
            "files": report["files"]}


def test_the_installed_wheel_is_what_runs(installed, wheel_runs):
    files = wheel_runs["files"]
    assert all(Path(f).is_relative_to(installed) for f in files), files
    assert "pipeline/__main__.py" in {str(Path(f).relative_to(installed)) for f in files}
    assert {str(Path(f).parent.relative_to(installed)) for f in files
            if Path(f).name == "__init__.py"} >= {"pipeline", "pipeline/models"}
    shipped = sorted(p.name for p in (installed / "pipeline" / "models").glob("*.yaml"))
    assert shipped == sorted(p.name for p in (ROOT / "models").glob("*.yaml"))
    assert (installed / "pipeline" / "service" / "static" / "pages.css").is_file()


def test_init_then_run_from_a_wheel_gives_a_digest(wheel_runs):
    folder, ran = wheel_runs["folders"]["run"], wheel_runs["ran"]
    init, run = ran["init"], ran["run"]
    assert init["exit"] == 0, init["stderr"]
    jobs = (folder / "jobs.yaml").read_text(encoding="utf-8")
    assert "path: care_manager " in jobs and "site-packages" not in jobs
    assert run["exit"] == 0, run["stderr"] + run["stdout"]
    (digest,) = (folder / "out" / "emails").glob("*.eml")
    text = digest.read_text(encoding="utf-8")
    assert "you@example.org" in text and "RN Case Manager" in text


def test_a_wrong_profile_name_lists_the_shipped_ones(wheel_runs):
    run = wheel_runs["ran"]["wrong profile"]
    assert run["exit"] == 2
    assert ("profile.path: no shipped profile named 'care_manger'; shipped: care_manager, "
            "social_work_case_manager" in run["stderr"])


def test_init_with_a_preset_from_a_wheel_uses_the_shipped_catalogue(wheel_runs):
    folder, ran = wheel_runs["folders"]["preset"], wheel_runs["ran"]
    init, check = ran["preset"], ran["check"]
    assert init["exit"] == 0, init["stderr"]
    jobs = (folder / "jobs.yaml").read_text(encoding="utf-8")
    assert "type: jibe" in jobs and "Yale New Haven Health" in jobs
    assert check["exit"] == 2 and "no catalogue employer is on 'nonesuch'" in check["stderr"]
