"""Benchmark: ranking 100,000 postings for 1,000 subscribers, against the naive approach.

    python benchmarks/bench_match.py            # 100,000 postings x 1,000 subscribers
    python benchmarks/bench_match.py --small    # 5,000 x 50, a quick run
    python benchmarks/bench_match.py --repeat 3   # best of 3 runs of each, taken in turn

Postings and resumes are synthetic, generated from a seed (same data every run): titles from
care-management and near-miss families, bodies mixing role phrases, company boilerplate and a
Zipf-distributed vocabulary of 30,000 filler words. Each approach runs in its own child process so
its peak memory (``ru_maxrss``, plus that of any child process it starts) is its own:

* ``matcher``: ``PostingIndex.build`` (fit once) + ``Matcher.rank_many`` (sparse, resume chunks of
  128, top 20 per subscriber, the default ``matching.min_score`` 0.35 as ``pipeline run`` uses it,
  every tenth subscriber with a remote-only filter); then 1% new postings arrive (1,000):
  ``index.add`` (no refit) + ranking only the new rows (what the digests of a later run score),
  compared with the full time.

The matching stage alone; ``bench_run.py`` measures ``pipeline run`` end to end.
* ``naive``: ``TfidfVectorizer.fit_transform`` on all postings, dense ``linear_kernel`` of every
  resume against every posting, ``argpartition`` for the top 20.

On a shared machine another job can slow one approach's run and not the other's: ``--repeat N``
runs each approach N times, alternating (matcher, naive, naive, matcher, ...), and compares the
fastest run of each (memory: the highest peak of any run).

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.posting import Posting  # noqa: E402

TITLES = ["RN Case Manager", "Care Coordinator", "Utilization Review Nurse", "Care Manager",
          "Social Work Case Manager", "Discharge Planner", "Patient Navigator",
          "Transitions of Care Nurse", "Staff Nurse ICU", "Nurse Manager", "Claims Adjuster",
          "Software Engineer", "Account Manager", "Medical Assistant", "Travel Nurse",
          "Property Manager", "Pharmacist", "Home Health Aide", "Billing Specialist"]
ROLE = ("care plans discharge planning coordinate care community resources utilization review "
        "interqual medical necessity caseload readmissions telephonic outreach chronic disease "
        "patient education advocacy interdisciplinary team home health skilled nursing "
        "medicare medicaid epic documentation assessment").split()
CREDS = ["Active RN license required.", "LCSW or LMSW required.", "CCM preferred.",
         "BSN preferred.", "Registered nurse license required; CCM a plus.", ""]
TOP = 20


def _vocabulary(rng: np.random.Generator, size: int) -> np.ndarray:
    letters = np.array(list("abcdefghijklmnopqrstuvwxyz"))
    lengths = rng.integers(3, 10, size)
    return np.array(["".join(rng.choice(letters, n)) for n in lengths])


def _words(rng, vocab, cdf, n: int) -> str:
    # What rng.choice(len(vocab), n, p=probs) draws, without re-checking and re-summing the
    # 30,000 probabilities on every call (that made generating the data take minutes).
    filler = vocab[cdf.searchsorted(rng.random(n), side="right")]
    role = rng.choice(ROLE, max(1, n // 4))
    return " ".join(np.concatenate([filler, role]))


def generate(n_postings: int, n_resumes: int, seed: int = 42) -> tuple[list, list]:
    """Reproducible synthetic postings and resumes."""
    rng = np.random.default_rng(seed)
    vocab = _vocabulary(rng, 30_000)
    probs = 1 / np.arange(1, len(vocab) + 1)
    probs /= probs.sum()
    cdf = probs.cumsum()
    cdf /= cdf[-1]
    n_companies = max(10, n_postings // 50)
    boiler = [f"Company {c} is an equal opportunity employer offering "
              f"{_words(rng, vocab, cdf, 12)}." for c in range(n_companies)]
    postings = []
    for i in range(n_postings):
        company = int(rng.integers(n_companies))
        sentences = [_words(rng, vocab, cdf, int(rng.integers(8, 20))) + "."
                     for _ in range(int(rng.integers(5, 10)))]
        body = " ".join(sentences + [CREDS[i % len(CREDS)], boiler[company]])
        postings.append(Posting(source="bench", source_id=str(i), company=f"Company {company}",
                                title=TITLES[int(rng.integers(len(TITLES)))], description=body,
                                remote=["remote", "hybrid", "onsite"][i % 3]))
    resumes = [_words(rng, vocab, cdf, 150) + (" RN CCM" if r % 2 else " LCSW")
               for r in range(n_resumes)]
    return postings, resumes


def _peak_mb() -> float:
    """Peak RSS of this process plus that of its largest child process, if it started one
    (neither approach does today): an upper bound on what the approach held at once."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (own + resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def run_matcher(postings, resumes, new) -> dict:
    """Fit once, rank everyone; then add new postings and re-rank only them."""
    from pipeline.config import DEFAULT_MIN_SCORE, Filters
    from pipeline.match import Matcher, load_profile
    from pipeline.match.index import PostingIndex

    matcher = Matcher(load_profile(ROOT / "models" / "care_manager.yaml"))
    filters = [Filters(remote=["remote"]) if i % 10 == 0 else None for i in range(len(resumes))]
    t0 = time.perf_counter()
    index = PostingIndex.build(matcher.profile, postings)
    t1 = time.perf_counter()
    tops = matcher.rank_many(index, resumes, filters, min_score=DEFAULT_MIN_SCORE, top=TOP)
    t2 = time.perf_counter()
    start = len(index)
    index.add(new)
    matcher.rank_many(index, resumes, filters, min_score=DEFAULT_MIN_SCORE, top=TOP,
                      rows=np.arange(start, len(index)))
    t3 = time.perf_counter()
    return {"fit": t1 - t0, "rank": t2 - t1, "full": t2 - t0, "incremental": t3 - t2,
            "peak_mb": _peak_mb(), "new": len(new),
            "mean_results": float(np.mean([len(t[0]) for t in tops]))}


def run_naive(postings, resumes, new) -> dict:
    """TF-IDF fit on everything, dense kernel of every resume with every posting, argpartition."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    t0 = time.perf_counter()
    vectorizer = TfidfVectorizer(stop_words="english")
    matrix = vectorizer.fit_transform([f"{p.title} {p.description}" for p in postings])
    kernel = linear_kernel(vectorizer.transform(resumes), matrix)
    top = np.argpartition(-kernel, TOP, axis=1)[:, :TOP]
    t1 = time.perf_counter()
    return {"full": t1 - t0, "dense_mb": kernel.nbytes / 1e6, "peak_mb": _peak_mb(),
            "top_shape": list(top.shape)}


def new_count(n: int) -> int:
    """How many new postings arrive after the full ranking: 1% (1,000 of 100,000)."""
    return max(1, n // 100)


def worker(kind: str, n: int, subs: int, seed: int) -> None:
    """Child process: generate the data, run one approach, print JSON."""
    postings, resumes = generate(n + new_count(n), subs, seed)
    data_mb = _peak_mb()
    if kind == "matcher":
        result = run_matcher(postings[:n], resumes, postings[n:])
    else:
        result = run_naive(postings[:n], resumes, postings[n:])
    print(json.dumps({**result, "data_mb": data_mb}))


def main() -> None:
    """Run both approaches in child processes and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="5,000 postings x 50 subscribers")
    parser.add_argument("--postings", type=int)
    parser.add_argument("--subscribers", type=int)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs of each approach, alternating; the fastest of each is compared")
    parser.add_argument("--worker", choices=["matcher", "naive"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    n = args.postings or (5_000 if args.small else 100_000)
    subs = args.subscribers or (50 if args.small else 1_000)
    if args.worker:
        worker(args.worker, n, subs, args.seed)
        return
    repeat = max(1, args.repeat)
    print(f"{n:,} postings x {subs:,} subscribers (seed {args.seed}); top {TOP} each"
          + (f"; fastest of {repeat} runs each" if repeat > 1 else ""))
    runs: dict[str, list[dict]] = {"matcher": [], "naive": []}
    for turn in range(repeat):
        for kind in ("matcher", "naive") if turn % 2 == 0 else ("naive", "matcher"):
            runs[kind].append(_child(kind, n, subs, args.seed))
    if repeat > 1:
        for kind, done in runs.items():
            print(f"{kind} runs: " + ", ".join(f"{r['full']:.1f}s" for r in done))
    _report({kind: _fastest(done) for kind, done in runs.items()})


def _fastest(runs: list[dict]) -> dict:
    """The fastest run, with the highest peak memory seen in any run (the cautious figure)."""
    best = dict(min(runs, key=lambda r: r["full"]))
    worst = max(runs, key=lambda r: r["peak_mb"] - r["data_mb"])
    best["peak_mb"], best["data_mb"] = worst["peak_mb"], worst["data_mb"]
    return best


def _child(kind: str, n: int, subs: int, seed: int) -> dict:
    command = [sys.executable, __file__, "--worker", kind, "--postings", str(n),
               "--subscribers", str(subs), "--seed", str(seed)]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def _report(results: dict) -> None:
    ours, naive = results["matcher"], results["naive"]
    print(f"matcher: fit {ours['fit']:.1f}s + rank {ours['rank']:.1f}s = {ours['full']:.1f}s "
          f"({ours['mean_results']:.1f} results per subscriber); "
          f"peak RSS {ours['peak_mb']:.0f} MB ({ours['peak_mb'] - ours['data_mb']:.0f} MB "
          "above the generated data)")
    print(f"naive:   {naive['full']:.1f}s; peak RSS {naive['peak_mb']:.0f} MB "
          f"({naive['peak_mb'] - naive['data_mb']:.0f} MB above the data; dense kernel "
          f"{naive['dense_mb']:.0f} MB)")
    ours_mb = ours["peak_mb"] - ours["data_mb"]
    naive_mb = max(1.0, naive["peak_mb"] - naive["data_mb"])
    print(f"ratios matcher/naive: time {ours['full'] / naive['full']:.2f}x, "
          f"memory above data {ours_mb / naive_mb:.2f}x")
    print(f"{ours['new']:,} new postings: add + re-rank {ours['incremental']:.2f}s = "
          f"{100 * ours['incremental'] / ours['full']:.1f}% of the full time (target <= 5%)")


if __name__ == "__main__":
    main()
