"""Benchmark: how long the ``pipeline`` command takes to start, median of N fresh processes.

    python benchmarks/bench_start.py [--runs 7] [--repo DIR] [--small]

Each case runs ``python -m pipeline ...`` with the checkout ``--repo`` (default: this one) first
on the path, so the same script measures another checkout (e.g. main in a throwaway worktree)
for a before/after. Cases:

- ``--help``: the command list (target under 0.3 s);
- ``rank --help``: a command's own start, before any real work (target under 1 s);
- ``init --force``: writes a starter jobs.yaml (all start-up, little work);
- ``rank --top 5``: the whole ranking of the repository's fixture postings, fetched once into a
  temporary SQLite file beforehand (start-up plus the real work of matching).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def write_config(folder: Path, repo: Path) -> Path:
    """A jobs.yaml over the repository's fixture postings and profile, database in ``folder``."""
    path = folder / "jobs.yaml"
    path.write_text(f"""\
database:
  url: sqlite:///{folder / 'jobs.db'}
profile:
  path: {repo / 'models' / 'care_manager.yaml'}
sources:
  - name: fixtures
    type: files
    path: {repo / 'fixtures' / 'postings'}
email:
  transport: file
  outbox_dir: {folder / 'out'}
""", encoding="utf-8")
    return path


def pipeline(repo: Path, folder: Path, *args: str) -> float:
    """Seconds one ``pipeline ARGS`` takes in a fresh interpreter (it must succeed)."""
    env = {**os.environ, "PYTHONPATH": str(repo)}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pipeline", *args], cwd=folder, env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def cases(config: Path, folder: Path) -> dict[str, list[str]]:
    """Each case's name and arguments."""
    return {
        "pipeline --help": ["--help"],
        "pipeline rank --help": ["rank", "--help"],
        "pipeline init --force": ["init", str(folder / "starter" / "jobs.yaml"), "--force"],
        "pipeline rank --top 5": ["rank", "--config", str(config), "--top", "5"],
    }


def main() -> None:
    """Print the median, min and max seconds of every case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="processes per case")
    parser.add_argument("--repo", type=Path, default=ROOT, help="the checkout to measure")
    parser.add_argument("--small", action="store_true", help="3 runs per case")
    args = parser.parse_args()
    runs, repo = (3 if args.small else args.runs), args.repo.resolve()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        config = write_config(folder, repo)
        pipeline(repo, folder, "fetch", "--config", str(config))
        print(f"{repo}: median of {runs} runs (min-max), seconds")
        for name, argv in cases(config, folder).items():
            times = [pipeline(repo, folder, *argv) for _ in range(runs)]
            print(f"  {name:24} {statistics.median(times):6.2f}  "
                  f"({min(times):.2f}-{max(times):.2f})", flush=True)


if __name__ == "__main__":
    main()
