"""Benchmark: the fetch stage alone (files source, SQLite), first fetch, +1% and nothing new.

    python benchmarks/bench_fetch_stage.py                   # 10,000 postings
    python benchmarks/bench_fetch_stage.py --postings 100000
    python benchmarks/bench_fetch_stage.py --root /tmp/main-copy   # another checkout's pipeline

The postings of ``bench_run.py`` (same generator, same seed) go into a folder read by the
``files`` source. A child process runs ``fetch_once`` three times on one database: on an empty
database (parse, store, de-duplicate everything), after 1% new postings arrive in a new file,
and with nothing changed. The CPU time (all threads) and wall time of each are printed, never
asserted; ``bench_run.py`` measures the whole ``pipeline run``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

CHILD = '''
import json, shutil, sys, time
from pathlib import Path
from pipeline.config import load_config
from pipeline.run import fetch_once
work = Path(sys.argv[1])
config = load_config(work / "jobs.yaml")
for step in ("first", "+1%", "nothing new"):
    if step == "+1%":
        shutil.copy(work / "later.jsonl", work / "postings" / "board-2.jsonl")
    wall, cpu = time.perf_counter(), time.process_time()
    report = fetch_once(config)
    print(json.dumps({"step": step, "wall": time.perf_counter() - wall,
                      "cpu": time.process_time() - cpu, "new": report.new,
                      "duplicates": report.dedupe.duplicates}), flush=True)
'''


def main() -> None:
    """Write the data, run the three fetches in a child process, print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline runs")
    args = parser.parse_args()
    from bench_run import _write_postings, write_data

    work = Path(tempfile.mkdtemp(prefix="bench-fetch-stage-"))
    try:
        later = write_data(work, args.postings, 1, args.seed, args.root)
        _write_postings(work / "later.jsonl", later)
        env = {**os.environ, "PYTHONPATH": str(args.root.resolve())}
        done = subprocess.run([sys.executable, "-c", CHILD, str(work)], cwd=work, env=env,
                              check=True, capture_output=True, text=True)
        print(f"{args.postings:,} postings, pipeline of {args.root}")
        for line in done.stdout.splitlines():
            f = json.loads(line)
            print(f"{f['step']:12} CPU {f['cpu']:6.2f} s  wall {f['wall']:6.2f} s  "
                  f"new {f['new']:,}  duplicates {f['duplicates']:,}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
