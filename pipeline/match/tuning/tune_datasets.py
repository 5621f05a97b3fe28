"""``pipeline tune --postings FOLDER``: search the weights with leave-one-dataset-out validation.

Each dataset of the real labels (one job board's style) is ranked on its own index. Every
candidate weight set (``tune.candidates``: the current weights first, then a seeded random search)
and half of them near the current weights: each weight scaled by up to +-30%) is scored once per
dataset: the mean of ``metric`` over the queries (profile alone and profile with each resume;
a care resume by the mean of its figure on the role's grades and on its own, ``fit_grades``;
a control resume counts by ``metrics.clean_at``: a core posting in its top 10 is a loss).
For each dataset that has a posting of grade >= 1, the candidate best on the *other* datasets is
measured on it: the held-out figure. When the search's picks generalise (held out, better
than the current weights on some dataset and worse on none), the weights written are the best on
the mean over datasets among the candidates that lose on no dataset against the current weights
(a gain on one board's style must not be a loss on another's); otherwise the current weights
are kept.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from pipeline.config import JobsConfig
from pipeline.errors import ConfigError
from pipeline.match.fit_grades import FitRule
from pipeline.match.matcher import Matcher
from pipeline.match.profile import Weights
from pipeline.match.real_eval import group_metrics, groups_of
from pipeline.match.real_postings import Key
from pipeline.match.resume_kinds import ResumeKind
from pipeline.match.scoring import TIE_EPSILON, Resume, evidence, score
from pipeline.match.tuning.tune import (
    INTEGERS,
    SPACE,
    Objective,
    candidates,
    query_value,
    write_weights,
)
from pipeline.posting import Posting


@dataclass
class DatasetTuneResult:
    """The chosen weights and, per held-out dataset, its figure under tuned and start weights."""

    weights: Weights
    metric: str
    held_out: dict[str, float] = field(default_factory=dict)
    held_out_start: dict[str, float] = field(default_factory=dict)
    chosen: dict[str, float] = field(default_factory=dict)
    candidates: int = 0
    kept_start: bool = False


def nearby(start: Weights, n: int, seed: int, spread: float = 0.3) -> list[Weights]:
    """``n`` weight sets near ``start``: each searched weight scaled by 1 +- ``spread``, kept
    inside ``tune.SPACE``."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        values = {}
        for name, (low, high) in SPACE.items():
            value = getattr(start, name) * (1 + rng.uniform(-spread, spread))
            value = min(max(value, low), high)
            values[name] = round(value) if name in INTEGERS else round(value, 3)
        out.append(start.model_copy(update=values))
    return out


def search_pool(start: Weights, trials: int, seed: int) -> list[Weights]:
    """``start``, random weight sets from ``tune.SPACE``, then as many near ``start``."""
    return candidates(start, trials - trials // 2, seed) + nearby(start, trials // 2, seed)


def _dataset_table(matcher: Matcher, pool: list[Weights], postings: dict[Key, Posting],
                   labels: dict[Key, int], resumes: dict[str, str], metric: str,
                   controls: frozenset[str] = frozenset(), fit: FitRule | None = None,
                   kinds: dict[str, ResumeKind] | None = None) -> dict[str, np.ndarray]:
    """``dataset -> objective of each candidate`` (mean over queries), for datasets with a
    positive. With ``fit``, a care resume's query counts by the mean of its figure on the
    role's grades and on its own (``fit_grades``: a post needing a licence it lacks is 0)."""
    table = {}
    for group in groups_of(postings, labels):
        if not group.name.startswith("dataset:") or not (group.grades >= 1).any():
            continue
        index = matcher.index(group.postings)
        parsed = [(None, False, None), *(
            (Resume.from_text(index, text), name in controls,
             None if fit is None or name in controls else fit.grades(
                 group.keys, group.postings, group.grades, (kinds or {}).get(name, ResumeKind())))
            for name, text in resumes.items())]
        values = np.zeros(len(pool))
        for number, weights in enumerate(pool):
            tie = TIE_EPSILON * np.tanh(evidence(index, weights))
            values[number] = np.mean([
                _value(score(index, weights, r).score + tie, group.grades, metric, control, own)
                for r, control, own in parsed])
        table[group.name.removeprefix("dataset:")] = values
    return table


def _value(scores: np.ndarray, grades: np.ndarray, metric: str, control: bool,
           own: np.ndarray | None = None) -> float:
    """One query's share of the objective on one dataset (``tune.query_value``); ``own``: the
    resume's own grades, averaged with the role's."""
    if control:
        order = np.lexsort((np.arange(len(scores)), -scores))
        return query_value([int(g) for g in grades[order]], metric, control=True)
    role = group_metrics(scores, grades)[metric] or 0.0
    if own is None:
        return role
    return (role + (group_metrics(scores, own)[metric] or 0.0)) / 2


def tune_datasets(matcher: Matcher, postings: dict[Key, Posting], labels: dict[Key, int],
                  resumes: dict[str, str] | None = None, trials: int = 200, seed: int = 7,
                  metric: str = "ndcg@10",
                  more: dict[str, Callable[[Weights], float]] | None = None,
                  controls: frozenset[str] = frozenset(), fit: FitRule | None = None,
                  kinds: dict[str, ResumeKind] | None = None) -> DatasetTuneResult:
    """Leave-one-dataset-out random search of the weights; see the module docstring.

    ``more`` adds datasets judged by a function of the weights (the fixtures' MAP), held out
    and guarded against loss like the others; ``controls`` names the control resumes; ``fit``
    and ``kinds``: the own-fit rule and each resume's licences, so a care resume counts by
    its role and own-fit figures alike.
    """
    pool = search_pool(matcher.weights, trials, seed)
    table = _dataset_table(matcher, pool, postings, labels, resumes or {}, metric, controls,
                           fit, kinds)
    table |= {name: np.array([judge(w) for w in pool]) for name, judge in (more or {}).items()}
    if len(table) < 2:
        raise ConfigError(f"only {len(table)} dataset(s) with a posting of grade 1 or 2; "
                          "leave-one-dataset-out tuning needs at least 2")
    result = DatasetTuneResult(weights=matcher.weights, metric=metric, candidates=len(pool))
    names = sorted(table)
    for held in names:
        train = np.mean([table[n] for n in names if n != held], axis=0)
        result.held_out[held] = round(float(table[held][int(np.argmax(train))]), 4)
        result.held_out_start[held] = round(float(table[held][0]), 4)
    every = np.array([table[n] for n in names])
    no_loss = (every >= every[:, :1]).all(axis=0)
    best = int(np.argmax(np.where(no_loss, every.mean(axis=0), -np.inf)))
    if not generalises(result.held_out, result.held_out_start):
        best, result.kept_start = 0, True
    result.weights = pool[best]
    result.chosen = {n: round(float(table[n][best]), 4) for n in names}
    return result


def generalises(held_out: dict[str, float], start: dict[str, float]) -> bool:
    """Whether the held-out picks beat the start weights on some dataset and lose on none."""
    gains = [held_out[name] - start[name] for name in held_out]
    return min(gains) >= 0 and max(gains) > 0


def format_dataset_result(result: DatasetTuneResult) -> str:
    """A few lines for the terminal: each held-out dataset, tuned against start weights."""
    name = result.metric.upper()
    lines = [f"held-out {name} per dataset (tuned on the others; start weights in brackets):"]
    lines += [f"  {d:34} {v:.3f}  [{result.held_out_start[d]:.3f}]"
              for d, v in result.held_out.items()]
    how = ("the current weights, kept: held out, the search's picks lost on a dataset or "
           "gained on none"
           if result.kept_start else f"best mean {name} with no dataset worse")
    lines.append(f"written weights ({how}; in-sample): " + ", ".join(
        f"{d} {v:.3f}" for d, v in result.chosen.items()))
    lines.append(f"candidates searched: {result.candidates}")
    return "\n".join(lines)


def write_dataset_settings(result: DatasetTuneResult, path: Path) -> Path:
    """Write the chosen weights with their held-out figures per dataset."""
    return write_weights(result.weights, {
        "metric": result.metric, "validation": "leave-one-dataset-out",
        "candidates": result.candidates, "kept_current_weights": result.kept_start,
        "held_out": result.held_out,
        "held_out_start": result.held_out_start, "written_in_sample": result.chosen}, path)


def fixture_judges(config: JobsConfig, matcher: Matcher) -> dict[str, Callable[[Weights], float]]:
    """The fixtures' labelled postings (``matching.labels``) as one more dataset, judged by MAP
    over its queries (NDCG@10 is 1.0 there for most weights); none when the file is absent."""
    from pipeline.match.evaluate import eval_paths, load_labels, load_postings, load_resumes
    from pipeline.match.resume_kinds import controls, load_kinds

    labels_path = config.matching.labels
    if not labels_path.is_file():
        return {}
    postings_dir, resumes_dir = eval_paths(labels_path, None, None)
    labels = load_labels(labels_path)
    labelled = [p for p in load_postings(postings_dir) if p.source_id in labels]
    grades = np.array([labels[p.source_id] for p in labelled])
    objective = Objective(matcher, labelled, grades, load_resumes(resumes_dir), "map",
                          controls(load_kinds(resumes_dir)))
    rows = np.arange(len(labelled))
    return {f"fixtures ({labels_path.name}, MAP)": lambda weights: objective(weights, rows)}
