"""Ranking metrics on graded labels (0 = not this job, 1 = adjacent, 2 = core care management).

``grades`` is the list of labels in ranked order, best first.

* ``ndcg_at(grades, k)``: DCG (gain ``2**grade - 1``, discount ``log2(rank + 1)``) over the DCG
  of the ideal order of all labelled postings; ``ndcg`` has no cut-off.
* ``precision_at(grades, k)``: share of the top ``k`` that are relevant (grade >= 2 by default);
  missing places count as not relevant.
* ``average_precision(grades)``: mean precision@i over the relevant ranks, over all relevant
  postings; ``MAP`` in reports averages it over a row's queries.
* ``clean_at(grades, k)``: for a control query (someone who can do none of the role's jobs),
  how few core postings its top ``k`` holds, from 0 (as many as could be there) to 1 (as few as
  the ranking allows: a list shorter than ``k`` plus the non-core postings must hold some), so
  higher is better like the others and a tuner can average them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

RELEVANT = 2


def dcg(grades: Sequence[int], k: int) -> float:
    """Discounted cumulative gain of the first ``k`` grades."""
    return sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(grades[:k]))


def ndcg_at(grades: Sequence[int], k: int = 10, all_grades: Sequence[int] | None = None) -> float:
    """NDCG@k; the ideal order is built from ``all_grades`` (default: ``grades``)."""
    ideal = dcg(sorted(all_grades if all_grades is not None else grades, reverse=True), k)
    return dcg(grades, k) / ideal if ideal > 0 else 0.0


def precision_at(grades: Sequence[int], k: int = 10, relevant: int = RELEVANT) -> float:
    """Share of the top ``k`` places holding a posting of grade >= ``relevant``."""
    return sum(1 for g in grades[:k] if g >= relevant) / k


def average_precision(grades: Sequence[int], relevant: int = RELEVANT) -> float:
    """Average precision of a full ranking, relevance = grade >= ``relevant``."""
    hits, total = 0, 0.0
    for rank, grade in enumerate(grades, start=1):
        if grade >= relevant:
            hits += 1
            total += hits / rank
    n_relevant = sum(1 for g in grades if g >= relevant)
    return total / n_relevant if n_relevant else 0.0


def clean_at(grades: Sequence[int], k: int = 10, relevant: int = RELEVANT) -> float:
    """1 - (core in the top ``k`` - fewest possible) / (most possible - fewest possible)."""
    core = sum(1 for g in grades if g >= relevant)
    shown = min(k, len(grades))
    most, fewest = min(shown, core), max(0, shown - (len(grades) - core))
    if most == fewest:
        return 1.0
    return 1.0 - (sum(1 for g in grades[:k] if g >= relevant) - fewest) / (most - fewest)


def evaluate_ranking(grades: Sequence[int], k: int = 10) -> dict[str, float]:
    """NDCG@k, P@k, AP and full NDCG of one ranking (grades best first, all labelled ranked)."""
    return {f"ndcg@{k}": ndcg_at(grades, k), f"p@{k}": precision_at(grades, k),
            "map": average_precision(grades), "ndcg": ndcg_at(grades, len(grades))}
