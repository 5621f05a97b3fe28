"""``pipeline tune``: search the scoring weights with k-fold cross-validation on labelled postings.

Postings are split into ``folds`` folds stratified by grade (seeded). For each fold, a random
search (seeded; the current weights are always candidate 0) picks the weights with the best mean
of ``metric`` (MAP by default: NDCG@10 is 1.0 for most weights on the fixtures, so it cannot
choose) over the queries (profile alone and profile + each resume) on the other folds; those
weights are then measured on the held-out fold, by MAP and NDCG@10. A control resume (declared
in the resumes' ``resumes.csv``, see ``pipeline.match.resume_kinds``) counts by ``clean_at``
instead: lower is better for it, so a core posting in its top 10 lowers the objective. The
reported figures are the means over held-out folds, never training scores. The weights written
are the search's best on all postings.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import yaml

from pipeline.config import JobsConfig
from pipeline.errors import ConfigError
from pipeline.match.evaluate import ranked_grades
from pipeline.match.matcher import Matcher
from pipeline.match.metrics import clean_at, evaluate_ranking
from pipeline.match.profile import Weights, load_profile, settings_path_for
from pipeline.match.scoring import Resume, score
from pipeline.posting import Posting

#: (low, high) of each searched weight; those in ``INTEGERS`` are searched as integers.
SPACE: dict[str, tuple[float, float]] = {
    "title": (0.2, 1.0), "skills": (0.0, 0.5), "body": (0.0, 0.5), "credentials": (0.0, 0.3),
    "resume": (0.0, 0.5), "negative_title_penalty": (0.0, 0.9),
    "missing_credential_penalty": (0.0, 0.3), "body_cap": (0.15, 0.5),
    "skills_saturation": (3, 12), "peers": (0.0, 0.5), "peers_cap": (0.2, 0.7),
    "title_fuzzy_power": (1.0, 4.0), "title_context": (0.0, 1.0),
    "title_context_terms": (50, 600), "licence_title_cap": (0.0, 1.0),
}
INTEGERS = frozenset({"skills_saturation", "title_context_terms"})


@dataclass
class TuneResult:
    """What tuning found: the weights and, per fold, held-out figures of tuned and start weights."""

    weights: Weights
    metric: str = "map"
    held_out: dict[str, list[float]] = field(default_factory=lambda: {"map": [], "ndcg@10": []})
    held_out_default: dict[str, list[float]] = field(
        default_factory=lambda: {"map": [], "ndcg@10": []})
    train: float = 0.0
    candidates: int = 0

    def mean(self, metric: str, default: bool = False) -> float:
        """Mean held-out ``metric`` over the folds (of the starting weights when ``default``)."""
        values = (self.held_out_default if default else self.held_out)[metric]
        return float(np.mean(values))


class Objective:
    """Mean of a metric over the queries, for any weights and any subset of postings."""

    def __init__(self, matcher: Matcher, postings: list[Posting], grades: np.ndarray,
                 resumes: dict[str, str], metric: str = "map",
                 controls: frozenset[str] = frozenset()):
        self.index = matcher.index(postings)
        self.grades = grades
        self.metric = metric
        self.queries: list[tuple[Resume | None, np.ndarray | None, bool]] = [(None, None, False)]
        for name, text in resumes.items():
            resume = Resume.from_text(self.index, text)
            sim = (self.index.bodies @ resume.vector.T).toarray().ravel()
            self.queries.append((resume, sim, name in controls))

    def __call__(self, weights: Weights, rows: np.ndarray, metric: str | None = None) -> float:
        values = []
        for resume, sim, control in self.queries:
            scores = score(self.index, weights, resume, resume_sim=sim).score[rows]
            ranked = ranked_grades(scores, self.grades[rows])
            values.append(query_value(ranked, metric or self.metric, control))
        return float(np.mean(values))


def query_value(ranked: list[int], metric: str, control: bool) -> float:
    """What one query adds to the objective: ``metric`` of its ranking (grades best first), or
    for a control resume ``clean_at``: 1 less the share of core postings in its top 10."""
    if control:
        return clean_at(ranked, 10)
    k = int(metric.split("@")[1]) if "@" in metric else 10
    return evaluate_ranking(ranked, k)[metric]


def candidates(start: Weights, n: int, seed: int) -> list[Weights]:
    """``start`` followed by ``n - 1`` random weight sets from ``SPACE``."""
    rng = random.Random(seed)
    out = [start]
    for _ in range(n - 1):
        values = {k: (rng.randint(int(lo), int(hi)) if k in INTEGERS
                      else round(rng.uniform(lo, hi), 3)) for k, (lo, hi) in SPACE.items()}
        out.append(start.model_copy(update=values))
    return out


def folds_of(grades: np.ndarray, k: int, seed: int) -> list[np.ndarray]:
    """Row numbers of ``k`` folds, stratified by grade, shuffled with ``seed``."""
    rng = np.random.default_rng(seed)
    assignment = np.empty(len(grades), dtype=int)
    for grade in np.unique(grades):
        rows = rng.permutation(np.flatnonzero(grades == grade))
        assignment[rows] = np.arange(len(rows)) % k
    return [np.flatnonzero(assignment == f) for f in range(k)]


def tune(matcher: Matcher, postings: list[Posting], labels: dict[str, int],
         resumes: dict[str, str] | None = None, folds: int = 5, trials: int = 200,
         seed: int = 7, metric: str = "map",
         controls: frozenset[str] = frozenset()) -> TuneResult:
    """Cross-validated random search of the weights; see the module docstring (``controls``:
    names of the control resumes)."""
    labelled = [p for p in postings if p.source_id in labels]
    if len(labelled) < folds * 2:
        raise ConfigError(f"only {len(labelled)} labelled postings; need at least {folds * 2} "
                          f"for {folds}-fold tuning")
    grades = np.array([labels[p.source_id] for p in labelled])
    objective = Objective(matcher, labelled, grades, resumes or {}, metric, controls)
    pool = candidates(matcher.weights, trials, seed)
    result = TuneResult(weights=matcher.weights, metric=metric, candidates=len(pool))
    every = np.arange(len(labelled))
    for held in folds_of(grades, folds, seed):
        train = np.setdiff1d(every, held)
        best = max(pool, key=lambda w: objective(w, train))
        for name in result.held_out:
            result.held_out[name].append(objective(best, held, name))
            result.held_out_default[name].append(objective(pool[0], held, name))
    result.weights = max(pool, key=lambda w: objective(w, every))
    result.train = objective(result.weights, every)
    return result


def write_settings(result: TuneResult, path: Path, folds: int) -> Path:
    """Write the tuned weights (and how they were found) as a settings YAML file."""
    held_out = {f"held_out_{name}": round(result.mean(name), 4) for name in result.held_out}
    before = {f"held_out_{name}_start": round(result.mean(name, True), 4)
              for name in result.held_out}
    return write_weights(result.weights, {
        "metric": result.metric, "folds": folds, "candidates": result.candidates, **held_out,
        **before, f"train_{result.metric}": round(result.train, 4)}, path)


def write_weights(weights: Weights, tuned: dict, path: Path) -> Path:
    """Write weights and how they were found (``tuned``, stamped with the time) as settings."""
    data = {"weights": weights.model_dump(),
            "tuned": {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **tuned}}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "# Written by `pipeline tune`; the matcher reads these, not the profile weights.\n"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def format_result(result: TuneResult) -> str:
    """A few lines for the terminal: held-out figures first."""
    lines = []
    for name in result.held_out:
        folds = ", ".join(f"{v:.3f}" for v in result.held_out[name])
        lines.append(f"held-out {name.upper()} (mean of {len(result.held_out[name])} folds): "
                     f"{result.mean(name):.3f} [{folds}]; starting weights on the same folds: "
                     f"{result.mean(name, True):.3f}")
    lines.append(f"tuned for {result.metric.upper()}; training {result.metric.upper()} of the "
                 f"written weights (optimistic): {result.train:.3f}; "
                 f"candidates searched: {result.candidates}")
    return "\n".join(lines)


def tune_config(config: JobsConfig, labels: Path | None = None, output: Path | None = None,
                folds: int = 5, trials: int = 200, seed: int = 7,
                metric: str = "map") -> tuple[TuneResult, Path]:
    """``pipeline tune``: tune from the configured profile and labels, write the settings file.

    The file goes to ``output``, else ``matching.settings``, else ``<profile>.settings.yaml``.
    Tuning starts from the profile's own weights, not from a previous tuning.
    """
    from pipeline.match.evaluate import eval_paths, load_labels, load_postings, load_resumes
    from pipeline.match.resume_kinds import controls, load_kinds

    labels = Path(labels) if labels else config.matching.labels
    postings_dir, resumes_dir = eval_paths(labels, None, None)
    matcher = Matcher(load_profile(config.profile.path))
    result = tune(matcher, load_postings(postings_dir), load_labels(labels),
                  load_resumes(resumes_dir), folds=folds, trials=trials, seed=seed,
                  metric=metric, controls=controls(load_kinds(resumes_dir)))
    target = output or config.matching.settings or settings_path_for(config.profile.path)
    return result, write_settings(result, target, folds)
