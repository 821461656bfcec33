"""polismath's representativeness, consensus and divisiveness (palabre.innovation.repness)."""

from __future__ import annotations

import math

import numpy as np

from palabre.innovation.repness import Z_90, group_statistics, prop_test, two_prop_test


def test_the_z_tests_add_one_to_the_counts_as_polismath_does() -> None:
    # 10 agrees of 10 votes: 2 * sqrt(11) * (11/11 - 1/2)
    assert prop_test(np.array([10.0]), np.array([10.0]))[0] == math.sqrt(11)
    # 10 / 10 in the group against 0 / 10 elsewhere, pooled (11 + 1) / (11 + 11)
    pooled = 12 / 22
    expected = (11 / 11 - 1 / 11) / math.sqrt(pooled * (1 - pooled) * (1 / 11 + 1 / 11))
    z = two_prop_test(np.array([10.0]), np.array([10.0]), np.array([0.0]), np.array([10.0]))
    assert math.isclose(z[0], expected)


def _two_groups(column_a: list[float], column_b: list[float]) -> np.ndarray:
    return np.array([[v] for v in column_a + column_b])


def test_probabilities_are_laplace_smoothed_per_group() -> None:
    votes = _two_groups([1, 1, 1, -1, np.nan], [0, 0])
    groups = np.array([0] * 5 + [1] * 2)
    stats = group_statistics(votes, groups, 2)
    assert stats.pa[0, 0] == (3 + 1) / (4 + 2)
    assert stats.pd[0, 0] == (1 + 1) / (4 + 2)
    assert stats.pa[1, 0] == 1 / 4  # passes count as seen


def test_a_statement_represents_a_group_only_when_both_tests_pass_at_90_percent() -> None:
    # Statement 0: group 0 agrees, group 1 disagrees -> representative of both.
    # Statement 1: everybody agrees -> nobody's distinctive opinion.
    group0 = [[1.0, 1.0]] * 12
    group1 = [[-1.0, 1.0]] * 12
    votes = np.array(group0 + group1)
    groups = np.array([0] * 12 + [1] * 12)
    stats = group_statistics(votes, groups, 2)
    visible = np.ones(2, dtype=bool)
    (rep0,) = stats.representative(0, visible, 5)
    (rep1,) = stats.representative(1, visible, 5)
    assert (rep0.statement, rep0.direction) == (0, "agree")
    assert (rep1.statement, rep1.direction) == (0, "disagree")
    assert rep0.probability_z > Z_90
    assert rep0.ratio_z > Z_90
    assert stats.consensus(visible, 5) == [1]
    assert stats.divisive(visible, 5)[0] == 0
    # Hidden statements are never chosen.
    assert stats.representative(0, np.array([False, True]), 5)[0].statement != 0


def test_too_few_votes_are_not_significant() -> None:
    votes = np.array([[1.0], [1.0], [0.0], [-1.0], [-1.0]])
    stats = group_statistics(votes, np.array([0, 0, 0, 1, 1]), 2)
    assert stats.pat[0, 0] < Z_90  # 2 agrees of 3 votes: not enough evidence
    assert stats.representative(0, np.array([True]), 5)[0].statement == 0  # shown anyway
    votes[2, 0] = 1.0
    assert group_statistics(votes, np.array([0, 0, 0, 1, 1]), 2).pat[0, 0] > Z_90
