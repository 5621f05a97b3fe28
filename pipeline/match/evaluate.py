"""``pipeline eval``: ranking quality on labelled fixture postings, beside two baselines.

Postings come from ``<labels folder>/postings`` (the files-source format), resumes from
``<labels folder>/resumes/*.txt|.md|.pdf|.docx``, grades from the labels CSV
(``source_id,grade,note``; 2 core, 1 adjacent, 0 not this job). Only labelled postings are ranked.
Each query (the profile alone, then the profile with each resume) is ranked by three methods:
``matcher`` (this package), ``tfidf`` (whole profile text vs whole postings) and ``bm25``.
See ``pipeline.match.metrics`` for the exact metric definitions.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import JobsConfig
from pipeline.errors import ConfigError
from pipeline.match.baselines import bm25_scores, tfidf_scores
from pipeline.match.calibration import (
    CORE_GRADE,
    Calibration,
    calibration_path_for,
    reference_keys,
    spread,
    write_calibration,
)
from pipeline.match.matcher import Matcher
from pipeline.match.metrics import evaluate_ranking
from pipeline.match.resume import SUPPORTED, read_resume
from pipeline.match.scoring import Resume, evidence, score
from pipeline.posting import Posting
from pipeline.sources.files import FilesConfig, FilesSource

METHODS = ("matcher", "tfidf", "bm25")
PROFILE_QUERY = "profile"
K = 10
#: How many of the matcher's best postings the strength spread is reported for.
STRENGTH_TOPS = (10, 50)


@dataclass
class EvalReport:
    """Metrics per (query, method) and the scores behind them, for tables, JSON and plots."""

    rows: list[dict] = field(default_factory=list)
    scores: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    grades: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=int))
    postings: int = 0
    unmatched_labels: list[str] = field(default_factory=list)
    strengths: dict[str, dict] = field(default_factory=dict)  # query -> top N -> spread

    def metric(self, query: str, method: str, name: str) -> float:
        """One figure, e.g. ``metric('profile', 'matcher', 'ndcg@10')``."""
        for row in self.rows:
            if row["query"] == query and row["method"] == method:
                return row[name]
        raise KeyError((query, method, name))

    def as_json(self) -> dict:
        """Plain data for ``--json``."""
        return {"postings": self.postings, "k": K, "relevant_grade": 2, "rows": self.rows,
                "unmatched_labels": self.unmatched_labels, "strengths": self.strengths}


def load_labels(path: Path) -> dict[str, int]:
    """``source_id -> grade`` from a labels CSV; ConfigError naming the bad line."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no labels file; pass --labels FILE or set matching.labels")
    labels: dict[str, int] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"source_id", "grade"} <= set(reader.fieldnames):
            raise ConfigError(f"{path}: the header must have source_id,grade(,note)")
        for line, row in enumerate(reader, start=2):
            grade = (row.get("grade") or "").strip()
            if grade not in {"0", "1", "2"}:
                raise ConfigError(f"{path}:{line}: grade must be 0, 1 or 2 (got {grade!r})")
            labels[row["source_id"].strip()] = int(grade)
    return labels


def load_postings(folder: Path) -> list[Posting]:
    """Every posting file under ``folder`` (files-source format)."""
    source = FilesSource(FilesConfig(name="fixtures", type="files", path=Path(folder)))
    return source.fetch()


def load_resumes(folder: Path) -> dict[str, str]:
    """``name -> text`` of every resume in ``folder`` (sorted by name; none when it is absent;
    a ``README`` says how the resumes were made and is not one)."""
    folder = Path(folder)
    if not folder.is_dir():
        return {}
    files = sorted(p for p in folder.iterdir()
                   if p.suffix.lower() in SUPPORTED and p.stem.upper() != "README")
    return {p.stem: read_resume(p) for p in files}


def method_scores(method: str, matcher: Matcher, postings: list[Posting],
                  resume: str | None) -> np.ndarray:
    """Scores of ``postings`` (in their order) by one method for one query."""
    if method == "matcher":
        by_key = {m.posting.key: m.score for m in matcher.rank(postings, resume)}
        return np.array([by_key[p.key] for p in postings])
    query = matcher.profile.full_text() + ("\n" + resume if resume else "")
    return tfidf_scores(postings, query) if method == "tfidf" else bm25_scores(postings, query)


def ranked_grades(scores: np.ndarray, grades: np.ndarray) -> list[int]:
    """Grades in score order, best first (ties keep posting order)."""
    order = np.lexsort((np.arange(len(scores)), -scores))
    return [int(g) for g in grades[order]]


def run_eval(matcher: Matcher, postings: list[Posting], labels: dict[str, int],
             resumes: dict[str, str] | None = None) -> EvalReport:
    """Rank the labelled postings for every query and method; collect the metrics."""
    labelled = [p for p in postings if p.source_id in labels]
    if not labelled:
        raise ConfigError("no posting has a label: check that the labels' source_id values "
                          "match the postings' source_id")
    report = EvalReport(postings=len(labelled))
    report.unmatched_labels = sorted(set(labels) - {p.source_id for p in labelled})
    report.grades = np.array([labels[p.source_id] for p in labelled])
    queries = {PROFILE_QUERY: None, **{f"resume:{n}": t for n, t in (resumes or {}).items()}}
    for query, resume in queries.items():
        for method in METHODS:
            scores = method_scores(method, matcher, labelled, resume)
            report.scores[(query, method)] = scores
            metrics = evaluate_ranking(ranked_grades(scores, report.grades), K)
            report.rows.append({"query": query, "method": method,
                                **{k: round(v, 4) for k, v in metrics.items()}})
        matches = matcher.rank(labelled, resume)
        report.strengths[query] = {f"top{n}": spread(matches, n) for n in STRENGTH_TOPS}
    return report


def format_table(report: EvalReport) -> str:
    """The metrics as a fixed-width table: one line per query, methods side by side."""
    lines = [f"{len(report.grades)} labelled postings "
             f"({int((report.grades >= 2).sum())} core, {int((report.grades == 1).sum())} "
             f"adjacent); relevant = grade 2; NDCG = over the whole ranking", ""]
    head = f"{'query':30}" + "".join(f"{m:>33}" for m in METHODS)
    sub = f"{'':30}" + "".join(f"{'NDCG@10':>10}{'P@10':>6}{'MAP':>8}{'NDCG':>8}"
                               for _ in METHODS)
    lines += [head, sub]
    for query in dict.fromkeys(row["query"] for row in report.rows):
        cells = "".join(f"{report.metric(query, m, f'ndcg@{K}'):>10.3f}"
                        f"{report.metric(query, m, f'p@{K}'):>6.2f}"
                        f"{report.metric(query, m, 'map'):>8.3f}"
                        f"{report.metric(query, m, 'ndcg'):>8.3f}" for m in METHODS)
        lines.append(f"{query[:30]:30}{cells}")
    lines += _strength_lines(report)
    if report.unmatched_labels:
        lines.append(f"\n{len(report.unmatched_labels)} labels have no posting: "
                     + ", ".join(report.unmatched_labels[:5]))
    return "\n".join(lines)


def _strength_lines(report: EvalReport) -> list[str]:
    """The matcher's top 10 / top 50 as the e-mail shows them, beside the raw scores."""
    lines = ["", "Match strength of the matcher's top postings, as shown (raw score in brackets):"]
    for query, tops in report.strengths.items():
        for top, both in tops.items():
            lines.append(f"{query[:30]:30} {top:>5}: " + "  ".join(
                f"{'[' if name == 'raw' else ''}Strong {c['Strong']}, Good {c['Good']}, "
                f"Fair {c['Fair']}, {c['min']}-{c['max']}%, {c['97-100']} at 97-100%"
                f"{']' if name == 'raw' else ''}" for name, c in both.items()))
    return lines


def eval_paths(labels: Path, postings: Path | None, resumes: Path | None) -> tuple[Path, Path]:
    """Default postings and resumes folders: ``postings/`` and ``resumes/`` beside the labels."""
    base = Path(labels).parent
    return (Path(postings) if postings else base / "postings",
            Path(resumes) if resumes else base / "resumes")


def evaluate_config(config: JobsConfig, labels: Path | None = None, postings: Path | None = None,
                    resumes: Path | None = None) -> EvalReport:
    """``pipeline eval``: the configured matcher on the labelled fixtures (defaults from config)."""
    labels = Path(labels) if labels else config.matching.labels
    postings_dir, resumes_dir = eval_paths(labels, postings, resumes)
    graded = load_labels(labels)
    return run_eval(Matcher.from_config(config), load_postings(postings_dir), graded,
                    load_resumes(resumes_dir))


def calibrate(matcher: Matcher, postings: list[Posting], labels: dict[str, int],
              resumes: dict[str, str] | None = None) -> Calibration:
    """The shown-strength reference (``pipeline.match.calibration``) from labelled postings."""
    labelled = [p for p in postings if p.source_id in labels]
    if not any(labels[p.source_id] == CORE_GRADE for p in labelled):
        raise ConfigError(f"no labelled posting has grade {CORE_GRADE}: nothing to calibrate on")
    index = matcher.index(labelled)
    grades = np.array([labels[p.source_id] for p in labelled])
    more = evidence(index, matcher.weights)
    profile = reference_keys(score(index, matcher.weights).score, more, grades)
    pooled: list = []
    for text in (resumes or {}).values():
        resume = Resume.from_text(index, text)
        if resume.held:  # a resume of another trade (no credential of the role) is no reference
            scored = score(index, matcher.weights, resume)
            # nor is a core posting that requires what this resume lacks (an RN job for an LCSW)
            pooled += reference_keys(scored.score, more, grades, scored.missing == 0)
    return Calibration(profile=profile, resume=sorted(pooled))


def calibrate_config(config: JobsConfig, labels: Path | None = None,
                     output: Path | None = None, matcher: Matcher | None = None) -> Path:
    """``pipeline calibrate``: write the matcher's calibration beside its settings (or profile)."""
    labels = Path(labels) if labels else config.matching.labels
    postings_dir, resumes_dir = eval_paths(labels, None, None)
    reference = calibrate(matcher or Matcher.from_config(config), load_postings(postings_dir),
                          load_labels(labels), load_resumes(resumes_dir))
    target = output or calibration_path_for(config.matching.settings or config.profile.path)
    return write_calibration(reference, target, labels)
