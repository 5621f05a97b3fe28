"""Benchmark: the end-to-end ``pipeline run`` as users start it, against a naive script.

    python benchmarks/bench_run.py                         # 10,000 postings x 100 subscribers
    python benchmarks/bench_run.py --big                   # 100,000 x 1,000 (takes minutes)
    python benchmarks/bench_run.py --postings 2000 --subscribers 20
    python benchmarks/bench_run.py --root /tmp/main-copy   # the pipeline of another checkout
    python benchmarks/bench_run.py --profile run.prof      # cProfile of the first run
    python benchmarks/bench_run.py --profile-new new.prof  # cProfile of the +1% run
    python benchmarks/bench_run.py --repeat 3              # fastest of 3 rounds, and the spread

Synthetic postings and resumes (``bench_match.generate``, same seed, same data) go into a folder
read by the ``files`` source; every subscriber is instant, with a resume file; digests are
written by the file transport. Each step is a child process timed on its own (wall time, CPU
time and peak RSS from ``os.wait4``):

* first run: ``pipeline run`` on an empty database (fetch, store, de-duplicate, rank, queue,
  render and write every digest);
* +1% run: 1% new postings appear in the folder, ``pipeline run`` again;
* nothing new: ``pipeline notify`` when no posting arrived since the last digests, and
  ``pipeline schedule``'s digests job doing the same inside a process that has already
  imported everything (as in the long-running scheduler), twice: the first job after the
  scheduler starts (it loads the kept index) and the next one;
* naive: one process reading the same postings and resumes, ``TfidfVectorizer.fit_transform``,
  cosine of every resume with every posting, writing the top 10 per subscriber.

The pipeline of the checkout is byte-compiled before anything is timed, and the children may
write their bytecode caches whatever PYTHONDONTWRITEBYTECODE says (``pip install`` compiles an
installed package): otherwise, where that variable is set, each child compiles the ~100 modules
of the pipeline from source again, about 0.3 CPU s a run that no installed pipeline spends.

The CPU time of one step varies by 10-20% between runs on a shared or throttled machine, more
than most changes move it: ``--repeat N`` runs every step (naive included) in N rounds, each on
fresh data and a fresh database, and reports the fastest round of each step with the range over
the rounds; the ratios are those of the fastest figures, then each round's own ratios (lowest,
median, highest).

Figures and ratios are printed, never asserted. Goals: first run <= 3x naive at 10k x 100 and
<= 2x at 100k x 1,000 (peak < 1.5 GB); +1% run <= 0.25x the first; nothing new < 2 s.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from bench_match import generate, new_count  # noqa: E402

NAIVE = '''
import json, sys
from pathlib import Path
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
work = Path(sys.argv[1])
postings = [json.loads(line) for f in sorted((work / "postings").glob("*.jsonl"))
            for line in f.read_text().splitlines()]
resumes = [p.read_text() for p in sorted((work / "resumes").glob("*.txt"))]
vectorizer = TfidfVectorizer(stop_words="english")
matrix = vectorizer.fit_transform([p["title"] + " " + p["description"] for p in postings])
queries = vectorizer.transform(resumes)
out = work / "naive"
out.mkdir(exist_ok=True)
for start in range(0, len(resumes), 128):
    sims = (queries[start:start + 128] @ matrix.T).toarray()
    top = np.argpartition(-sims, 10, axis=1)[:, :10]
    for row, best in enumerate(top):
        best = best[np.argsort(-sims[row, best])]
        lines = [f"{sims[row, i]:.4f} {postings[i]['title']} {postings[i]['url']}" for i in best]
        (out / f"{start + row}.txt").write_text("\\n".join(lines))
'''


JOB = '''
import json, sys, time
import pipeline.match, pipeline.notify, pipeline.store, sklearn.feature_extraction.text
from pipeline.service.jobs import digest_job
times = []
for _ in range(2):  # the scheduler's first job after start, then a later one in the same process
    wall, cpu = time.perf_counter(), time.process_time()
    digest_job(sys.argv[1])
    times.append((time.perf_counter() - wall, time.process_time() - cpu))
print(json.dumps({"wall": times[0][0], "cpu": times[0][1],
                  "wall again": times[1][0], "cpu again": times[1][1]}))
'''


def measure(command: list[str], cwd: Path, env: dict) -> dict:
    """Wall time, CPU time (user + system) and peak RSS of one child process."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT)
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if child.returncode:
        sys.exit(f"{' '.join(command)} exited {child.returncode}:\n{output.decode()[-3000:]}")
    figures = {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "mb": usage.ru_maxrss / 1024}
    last = output.decode().strip().splitlines()[-1:] or [""]
    if last[0].startswith("{"):
        figures.update(json.loads(last[0]))  # the child timed its own part
    return figures


def write_data(work: Path, n: int, subs: int, seed: int, root: Path = ROOT) -> list:
    """The first ``n`` postings, the resumes and jobs.yaml; returns the postings still to come.
    The profile (and its weights beside it) is the one of the checkout at ``root``: another
    checkout's code may not read this one's profile."""
    postings, resumes = generate(n + new_count(n), subs, seed)
    (work / "postings").mkdir(parents=True)
    (work / "resumes").mkdir()
    _write_postings(work / "postings" / "board-1.jsonl", postings[:n])
    subscribers = []
    for i, text in enumerate(resumes):
        path = work / "resumes" / f"{i:05d}.txt"
        path.write_text(text)
        subscribers.append({"email": f"s{i}@example.org", "resume": str(path),
                            **({"filters": {"remote": ["remote"]}} if i % 10 == 0 else {})})
    config = {"database": {"url": f"sqlite:///{work / 'jobs.db'}"},
              "profile": {"path": str(root.resolve() / "models" / "care_manager.yaml")},
              "http": {"contact": "bench@example.org"},
              "sources": [{"name": "board", "type": "files", "path": str(work / "postings")}],
              "subscribers": subscribers,
              "email": {"transport": "file", "outbox_dir": str(work / "out")}}
    (work / "jobs.yaml").write_text(json.dumps(config))  # JSON is YAML
    return postings[n:]


def _write_postings(path: Path, postings: list) -> None:
    with path.open("w") as out:
        for i, posting in enumerate(postings):
            data = posting.model_dump(mode="json", exclude_none=True,
                                      exclude={"id", "first_seen", "last_seen", "closed_at"})
            data["url"] = f"https://jobs.example/{posting.source_id or i}"
            out.write(json.dumps(data) + "\n")


def pipeline(root: Path, profile: Path | None, *args: str) -> list[str]:
    """The command line of ``pipeline ARGS`` from the checkout at ``root``."""
    code = "from pipeline.cli import main; main()"
    if profile is None:
        return [sys.executable, "-c", code, *args]
    runner = ("import cProfile, sys; from pipeline.cli import cli; sys.argv = ['pipeline'] "
              f"+ sys.argv[1:]; cProfile.run('cli(standalone_mode=False)', {str(profile)!r})")
    return [sys.executable, "-c", runner, *args]


def main() -> None:
    """Generate the data, time the runs and the naive script, print figures and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    parser.add_argument("--subscribers", type=int, default=100)
    parser.add_argument("--big", action="store_true", help="100,000 postings x 1,000 subscribers")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose pipeline runs")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the first run here")
    parser.add_argument("--profile-new", type=Path, help="write a cProfile of the +1%% run here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every step; the fastest of each is reported")
    args = parser.parse_args()
    n, subs = (100_000, 1_000) if args.big else (args.postings, args.subscribers)
    env = {**os.environ, "PYTHONPATH": str(args.root.resolve())}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # bytecode as an installed package has it
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(args.root / "pipeline")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"{n:,} postings x {subs:,} subscribers (seed {args.seed}), pipeline of {args.root}"
          + (f", {args.repeat} rounds" if args.repeat > 1 else ""))
    rounds = []
    for number in range(args.repeat):
        profiles = (args.profile, args.profile_new) if number == 0 else (None, None)
        rounds.append(_round(args, n, subs, env, *profiles))
    figures = {name: min((r[0][name] for r in rounds), key=lambda f: f["cpu"])
               for name in rounds[0][0]}
    spread = {name: [r[0][name]["cpu"] for r in rounds] for name in rounds[0][0]}
    _report(figures, rounds[0][1], spread if args.repeat > 1 else None)
    if args.repeat > 1:
        _report_per_round([r[0] for r in rounds])


def _round(args: argparse.Namespace, n: int, subs: int, env: dict, profile: Path | None,
           profile_new: Path | None) -> tuple[dict, int]:
    """Every step once, on fresh data in a new work folder: the figures, the digests written."""
    work = Path(tempfile.mkdtemp(prefix="bench-run-"))
    print(f"work folder {work}", flush=True)
    later = write_data(work, n, subs, args.seed, args.root)
    config = ["--config", str(work / "jobs.yaml")]
    figures = {"first run": measure(pipeline(args.root, profile, "run", *config), work, env)}
    _write_postings(work / "postings" / "board-2.jsonl", later)
    figures["+1% run"] = measure(pipeline(args.root, profile_new, "run", *config), work, env)
    figures["nothing new"] = measure(pipeline(args.root, None, "notify", *config), work, env)
    (work / "job.py").write_text(JOB)
    figures["digests job"] = measure([sys.executable, str(work / "job.py"),
                                      str(work / "jobs.yaml")], work, env)
    (work / "naive.py").write_text(NAIVE)
    figures["naive"] = measure([sys.executable, str(work / "naive.py"), str(work)], work, env)
    emails = len(list((work / "out").glob("*")))
    if not args.keep:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return figures, emails


def _report(figures: dict, emails: int, spread: dict | None = None) -> None:
    for name, f in figures.items():
        line = f"{name:12} wall {f['wall']:7.1f} s  CPU {f['cpu']:7.1f} s  peak {f['mb']:6.0f} MB"
        if spread:
            line += f"  (CPU over the rounds {min(spread[name]):.1f}-{max(spread[name]):.1f} s)"
        print(line)
    first, naive = figures["first run"], figures["naive"]
    print(f"digests written: {emails}")
    print(f"first run / naive: wall {first['wall'] / naive['wall']:.2f}x, "
          f"CPU {first['cpu'] / naive['cpu']:.2f}x, memory {first['mb'] / naive['mb']:.2f}x")
    job = figures["digests job"]
    print(f"digests job with nothing new, in a warm process: wall {job['wall']:.2f} s, "
          f"CPU {job['cpu']:.2f} s; the next job in that process: wall "
          f"{job['wall again']:.2f} s, CPU {job['cpu again']:.2f} s")
    print(f"+1% run / first run: wall {figures['+1% run']['wall'] / first['wall']:.2f}x, "
          f"CPU {figures['+1% run']['cpu'] / first['cpu']:.2f}x")


def _report_per_round(rounds: list[dict]) -> None:
    """The CPU ratios of each round's own steps (the fastest figures above may come from
    different rounds): lowest, median and highest."""
    for label, part, whole in (("first run / naive", "first run", "naive"),
                               ("+1% run / first run", "+1% run", "first run")):
        ratios = sorted(r[part]["cpu"] / r[whole]["cpu"] for r in rounds)
        print(f"{label}, CPU, each round's own: {ratios[0]:.2f}-{ratios[-1]:.2f}x "
              f"(median {statistics.median(ratios):.2f}x)")


if __name__ == "__main__":
    main()
