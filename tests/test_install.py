"""A built wheel, installed outside the checkout, runs: the role profiles ship inside it.

The wheel is built once per session from a copy of the project (so the checkout gets no build/
folder), offline (``--no-build-isolation``, with the test environment's setuptools), and
installed with ``pip install --target`` into a temporary folder. Commands then run from another
temporary folder with only that folder on PYTHONPATH, and each test checks that the installed
package, not the checkout's, is the one imported.
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


def _pip(*args: str, cwd: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args],
                   cwd=cwd, check=True, capture_output=True, text=True)


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
    _pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(wheels), ".",
         cwd=source)
    (wheel,) = wheels.glob("*.whl")
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel), cwd=wheels)
    return target


def _pipeline(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(installed), "PIPELINE_SECRET": "test-secret"}
    return subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_installed_wheel_is_what_runs(installed, tmp_path):
    code = "import pipeline, pipeline.models as m; print(pipeline.__file__); print(m.__file__)"
    env = {**os.environ, "PYTHONPATH": str(installed)}
    files = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, check=True,
                           capture_output=True, text=True).stdout.split()
    assert all(Path(f).is_relative_to(installed) for f in files), files
    shipped = sorted(p.name for p in (installed / "pipeline" / "models").glob("*.yaml"))
    assert shipped == sorted(p.name for p in (ROOT / "models").glob("*.yaml"))
    assert (installed / "pipeline" / "service" / "static" / "pages.css").is_file()


def test_init_then_run_from_a_wheel_gives_a_digest(installed, tmp_path):
    init = _pipeline(installed, tmp_path, "init")
    assert init.returncode == 0, init.stderr
    jobs = (tmp_path / "jobs.yaml").read_text(encoding="utf-8")
    assert "path: care_manager " in jobs and "site-packages" not in jobs
    (tmp_path / "postings" / "jobs.jsonl").write_text(json.dumps(POSTING) + "\n",
                                                      encoding="utf-8")
    run = _pipeline(installed, tmp_path, "run")
    assert run.returncode == 0, run.stderr + run.stdout
    (digest,) = (tmp_path / "out" / "emails").glob("*.eml")
    text = digest.read_text(encoding="utf-8")
    assert "you@example.org" in text and "RN Case Manager" in text


def test_a_wrong_profile_name_lists_the_shipped_ones(installed, tmp_path):
    jobs = tmp_path / "jobs.yaml"  # the same starter file; only the run must be the wheel's
    assert CliRunner().invoke(cli, ["init", str(jobs)]).exit_code == 0
    jobs.write_text(jobs.read_text(encoding="utf-8").replace("path: care_manager ",
                                                             "path: care_manger "),
                    encoding="utf-8")
    run = _pipeline(installed, tmp_path, "run")
    assert run.returncode == 2
    assert ("profile.path: no shipped profile named 'care_manger'; shipped: care_manager, "
            "social_work_case_manager" in run.stderr)


def test_init_with_a_preset_from_a_wheel_uses_the_shipped_catalogue(installed, tmp_path):
    init = _pipeline(installed, tmp_path, "init", "--preset", "national", "--state", "CT")
    assert init.returncode == 0, init.stderr
    jobs = (tmp_path / "jobs.yaml").read_text(encoding="utf-8")
    assert "type: jibe" in jobs and "Yale New Haven Health" in jobs
    check = _pipeline(installed, tmp_path, "sources", "check", "--board", "nonesuch")
    assert check.returncode == 2 and "no catalogue employer is on 'nonesuch'" in check.stderr
