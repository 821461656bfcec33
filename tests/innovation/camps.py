"""Synthetic conversations whose opinion camps are known."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def camps_conversation(
    sizes: list[int],
    n_statements: int = 30,
    *,
    turnout: float = 0.8,
    consistency: float = 0.9,
    seed: int = 1,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """A vote matrix (NaN = no vote) of camps with opposite stances, and each row's camp.

    Each camp agrees or disagrees with each statement (stances drawn at random, made
    different between camps); a member votes on a share ``turnout`` of the statements
    and follows the camp's stance with probability ``consistency``, else passes.
    """
    rng = np.random.default_rng(seed)
    stances = rng.choice([-1.0, 1.0], size=(len(sizes), n_statements))
    # Make every pair of camps disagree on at least half of the statements.
    for a in range(1, len(sizes)):
        for b in range(a):
            same = np.flatnonzero(stances[a] == stances[b])
            excess = len(same) - n_statements // 2
            if excess > 0:
                stances[a, same[:excess]] *= -1.0
    rows = []
    truth = []
    for camp, size in enumerate(sizes):
        for _ in range(size):
            votes = np.where(rng.random(n_statements) < consistency, stances[camp], 0.0)
            votes[rng.random(n_statements) >= turnout] = np.nan
            rows.append(votes)
            truth.append(camp)
    return np.array(rows), np.array(truth, dtype=np.int64)
