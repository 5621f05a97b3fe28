"""Run every benchmark (``benchmarks/bench_*.py``) in turn and print each one's output.

    python benchmarks/run_all.py            # full size (``make bench``)
    python benchmarks/run_all.py --small    # each benchmark's quick run

Each benchmark runs in its own process with this interpreter; its output is printed as it comes.
``--small`` goes only to the benchmarks that have that option (the others run at their size).
The exit status is non-zero when any benchmark fails, and the failures are listed at the end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    """The benchmark scripts, in name order."""
    return sorted(HERE.glob("bench_*.py"))


def takes_small(script: Path) -> bool:
    """Whether the benchmark has a ``--small`` option (the others have one size only)."""
    return '"--small"' in script.read_text(encoding="utf-8")


def run(script: Path, small: bool) -> int:
    """Run one benchmark, its output going straight to ours; its exit status."""
    small = small and takes_small(script)
    command = [sys.executable, str(script)] + (["--small"] if small else [])
    print(f"== {script.name}{' --small' if small else ''} ==", flush=True)
    start = time.perf_counter()
    status = subprocess.run(command, cwd=HERE.parent, check=False).returncode
    print(f"-- {script.name}: {'ok' if status == 0 else f'FAILED (exit {status})'} "
          f"in {time.perf_counter() - start:.1f}s\n", flush=True)
    return status


def main() -> int:
    """Run them all; 0 when every benchmark succeeded, else 1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="pass --small to each benchmark")
    args = parser.parse_args()
    failed = [script.name for script in benchmarks() if run(script, args.small) != 0]
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    print(f"all {len(benchmarks())} benchmarks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
