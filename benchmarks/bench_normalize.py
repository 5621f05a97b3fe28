"""Benchmark: normalizing and storing 10,000 Greenhouse-style HTML postings on one core.

The board is generated here (seeded, so every run sees the same data): entity-escaped HTML
descriptions of ~3 KB with headings, paragraphs, lists and links, pay ranges in cents on half of
the jobs, 200 employers, every 25th job a repeat of the one before in another city. Stages, timed
separately in one process pinned to one CPU:

1. normalize: the real ``GreenhouseSource`` maps the parsed board into ``Posting`` objects
   (unescape + parse HTML to text, sanitize HTML, salary, location, remote, dates); the board is
   handed over already parsed, so no network or JSON decoding is timed;
2. store: ``Store.upsert_postings`` into a new SQLite file (one transaction);
3. dedupe: ``dedupe_postings`` over the stored postings (reported, not part of the target).

Peak memory is the process's maximum resident set size (ru_maxrss).

    python benchmarks/bench_normalize.py [--postings 10000]
"""

from __future__ import annotations

import argparse
import html
import os
import random
import resource
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from pipeline.dedupe import dedupe_postings
from pipeline.sources import REGISTRY
from pipeline.store import Store

WORDS = ("care coordination members discharge planning physicians families outcomes quality "
         "assessment utilization review nurse license clinical documentation benefits telephonic "
         "community resources chronic conditions medication adherence social determinants "
         "health plan interdisciplinary team caseload authorization criteria").split()
_SYLLABLES = ("ca", "re", "mem", "ber", "dis", "pla", "nu", "sing", "cli", "ni", "cal", "ro", "ta")
VOCABULARY = WORDS + ["".join(random.Random(n).choices(_SYLLABLES, k=3)) for n in range(3000)]
CITIES = ("Columbus, OH", "Remote - US", "Chicago, IL", "Hybrid (Denver, CO)", "Austin, Texas",
          "Boston, MA", "Seattle, WA", "Atlanta, GA")
TITLES = ("Nurse Case Manager", "RN Care Coordinator", "Utilization Review Nurse",
          "Social Work Case Manager", "Care Manager II", "Transitions of Care Nurse")


class PreloadedHttp:
    """Stands in for the HTTP client: returns the already-parsed board (no network timed)."""

    def __init__(self, data: dict):
        self.data = data

    def get_json(self, url: str, **kwargs) -> dict:
        """The board, whatever the URL."""
        return self.data


def sentence(rng: random.Random, words: int = 14) -> str:
    """A plausible sentence of job-posting words."""
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)).capitalize() + "."


def description(rng: random.Random) -> str:
    """About 3 KB of Greenhouse-like HTML."""
    parts = [f"<h2>About the role</h2><p>{sentence(rng)} {sentence(rng)} {sentence(rng)}</p>"]
    for heading in ("Responsibilities", "Qualifications", "Benefits"):
        items = "".join(f"<li>{sentence(rng, 10)}</li>" for _ in range(6))
        parts.append(f"<h3><strong>{heading}</strong></h3><ul>{items}</ul>")
    parts.append(f'<p>{sentence(rng)} <a href="https://example.org/benefits">Benefits</a>'
                 f"&nbsp;and&nbsp;<em>more</em>.</p><p>{sentence(rng)} {sentence(rng)}</p>")
    return "".join(parts)


def make_board(count: int) -> dict:
    """A Greenhouse board of ``count`` jobs with entity-escaped content.

    Every 25th job repeats the job before it in another city (one opening, several locations),
    so the dedupe stage has something real to find.
    """
    rng = random.Random(7)
    jobs: list[dict] = []
    for job_id in range(1, count + 1):
        if job_id % 25 == 0:
            jobs.append({**jobs[-1], "id": job_id, "location": {"name": rng.choice(CITIES)}})
            continue
        job = {"id": job_id, "title": f"{rng.choice(TITLES)} - {rng.choice(VOCABULARY).title()}",
               "company_name": f"Employer {job_id % 200}",
               "location": {"name": rng.choice(CITIES)},
               "absolute_url": f"https://boards.example.org/jobs/{job_id}",
               "updated_at": "2026-03-01T09:00:00-05:00",
               "first_published": "2026-02-20T12:30:00-05:00",
               "content": html.escape(description(rng))}
        if job_id % 2:
            low = rng.randrange(60_000, 90_000) * 100
            job["pay_input_ranges"] = [{"min_cents": low, "max_cents": low + 2_000_000,
                                        "currency_type": "USD", "title": "Base pay"}]
        jobs.append(job)
    return {"jobs": jobs, "meta": {"total": count}}


def peak_rss_mb() -> float:
    """The process's peak resident set size so far, in MB (Linux reports KB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Generate the board, time each stage, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=10_000)
    count = parser.parse_args().postings
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    board = make_board(count)
    size_mb = sum(len(job["content"]) for job in board["jobs"]) / 1e6
    base_rss = peak_rss_mb()
    source_type = REGISTRY["greenhouse"]
    source = source_type(source_type.Config(name="bench", type="greenhouse", board="bench"),
                         PreloadedHttp(board))
    started = time.perf_counter()
    postings = source.fetch()
    normalize_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as folder, \
            Store(f"sqlite:///{Path(folder) / 'jobs.db'}") as store:
        started = time.perf_counter()
        store.upsert_postings(postings, datetime.now(UTC))
        store_s = time.perf_counter() - started
        before_dedupe_rss = peak_rss_mb()
        started = time.perf_counter()
        report = dedupe_postings(store)
        dedupe_s = time.perf_counter() - started
    report_figures(len(postings), size_mb, (normalize_s, store_s, dedupe_s), report,
                   (base_rss, before_dedupe_rss))


def report_figures(count: int, size_mb: float, seconds: tuple[float, float, float], report,
                   rss: tuple[float, float]) -> None:
    """Print the figures of one benchmark run."""
    normalize_s, store_s, dedupe_s = seconds
    print(f"postings: {count} ({size_mb:.1f} MB of escaped HTML), one CPU")
    print(f"normalize: {normalize_s:6.2f} s  {count / normalize_s:8.0f} postings/s")
    print(f"store:     {store_s:6.2f} s  {count / store_s:8.0f} postings/s")
    print(f"normalize + store: {count / (normalize_s + store_s):,.0f} postings/s "
          "(target >= 1,000/s)")
    print(f"dedupe:    {dedupe_s:6.2f} s  ({report.groups} groups, {report.duplicates} "
          "duplicates; not part of the target)")
    print(f"peak RSS: {rss[1]:.0f} MB after normalize + store, {peak_rss_mb():.0f} MB "
          f"after dedupe (the generated board alone: {rss[0]:.0f} MB)")

if __name__ == "__main__":
    main()
