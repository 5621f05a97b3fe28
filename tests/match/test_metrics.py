"""Metric values checked against a small example computed by hand."""

from __future__ import annotations

import math

import pytest

from pipeline.match.metrics import (
    average_precision,
    clean_at,
    evaluate_ranking,
    ndcg_at,
    precision_at,
)

# Ranked grades, best first: core, not, adjacent, core.
RANKED = [2, 0, 1, 2]


def test_ndcg_by_hand():
    # DCG@3 = 3/log2(2) + 0/log2(3) + 1/log2(4) = 3.5
    # ideal [2, 2, 1]: 3 + 3/log2(3) + 1/2 = 5.3928
    expected = 3.5 / (3 + 3 / math.log2(3) + 0.5)
    assert ndcg_at(RANKED, 3) == pytest.approx(expected)
    assert ndcg_at(RANKED, 3) == pytest.approx(0.64902, abs=1e-5)


def test_ndcg_of_the_ideal_order_is_one():
    assert ndcg_at([2, 2, 1, 0], 10) == pytest.approx(1.0)


def test_ndcg_ideal_counts_postings_left_out_of_the_ranking():
    # Only [0] was ranked, but a core posting existed: the ranking missed it entirely.
    assert ndcg_at([0], 10, all_grades=[0, 2]) == 0.0


def test_precision_counts_only_core_and_empty_places():
    assert precision_at(RANKED, 3) == pytest.approx(1 / 3)
    assert precision_at(RANKED, 10) == pytest.approx(0.2)  # 2 core in 10 places


def test_average_precision_by_hand():
    # core at ranks 1 and 4: (1/1 + 2/4) / 2
    assert average_precision(RANKED) == pytest.approx(0.75)
    assert average_precision([0, 1]) == 0.0


def test_evaluate_ranking_keys():
    assert evaluate_ranking(RANKED, 10) == pytest.approx(
        {"ndcg@10": ndcg_at(RANKED, 10), "p@10": 0.2, "map": 0.75, "ndcg": ndcg_at(RANKED, 4)})


def test_a_control_is_judged_on_the_core_postings_it_could_have_kept_out_of_its_top_k():
    assert clean_at([0] * 12 + [2], 10) == 1.0
    assert clean_at([2] + [0] * 12, 10) == 0.0
    # 5 postings, 4 core: any top 10 holds all 4, so no ranking is worse than another
    assert clean_at([2, 2, 2, 2, 0], 10) == 1.0
    # 12 postings, 4 core: at least 2 core in any top 10; 3 is halfway between best and worst
    assert clean_at([2, 2, 2] + [0] * 8 + [2], 10) == 0.5
