"""A simulated wiki survey whose true preferences are known (for benchmarks and tests).

Ideas have a true appeal (the demo company's ideas carry one). Simulated participants
arrive one after the other, each answering a session of pairs chosen by
:func:`palabre.innovation.pairwise.next_pair`; some ideas are added while the survey
runs. The ranking palabre estimates is compared with the true one (Spearman) at
chosen numbers of answers. docs/pairwise.md describes the simulation and the figures.

Pure analysis: no database, no file system.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import expit, ndtr
from scipy.stats import spearmanr

from palabre.innovation.pairwise import (
    FloatArray,
    PairState,
    PairwiseModel,
    PairwiseVote,
    Strategy,
    beat_chance,
    next_pair,
)

Choice = Literal["logit", "thurstone"]


@dataclass(frozen=True)
class SurveySimulation:
    """How the simulated participants behave and how the survey grows.

    ``heterogeneity``: standard deviation of a participant's own taste for an idea around
    its appeal (people disagree). ``choice``: ``logit`` (Luce / Bradley–Terry: idea a
    wins with ``sigmoid(u_a - u_b)``) or ``thurstone`` (``Phi((u_a - u_b) / sqrt 2)``).
    ``cant_decide``: chance of answering "can't decide" on a perfectly even pair, shrinking
    as the pair gets clearer (``cant_decide * (1 - |2 P - 1|)``). ``new_share`` of the
    ideas (drawn at random) are added one by one, evenly spaced between the answers
    ``new_from`` and ``new_until``. Sessions last a geometric number of answers of mean
    ``mean_session``. The model is refitted every ``max(refit_min, answers / 20)``
    answers, as a server refreshing it now and then would; selection keeps counting
    appearances in between.
    """

    strategy: Strategy = "adaptive"
    choice: Choice = "logit"
    heterogeneity: float = 0.5
    cant_decide: float = 0.2
    new_share: float = 0.2
    new_from: int = 100
    new_until: int = 1000
    mean_session: float = 15.0
    refit_min: int = 10
    prior_scale: float = 1.0


@dataclass(frozen=True)
class SurveyRun:
    """What one simulated survey produced."""

    checkpoints: tuple[int, ...]
    spearman: tuple[float, ...]  # at each checkpoint, over the ideas then in the survey
    votes: tuple[PairwiseVote, ...]
    ideas: tuple[str, ...]  # in the order they entered the survey
    added: tuple[str, ...]  # the ideas added while the survey ran
    model: PairwiseModel  # fitted on every answer, intervals included


def true_scores(appeal: Sequence[float]) -> FloatArray:
    """Each idea's true chance of beating a random other idea under the logit model."""
    values = np.asarray(appeal, dtype=np.float64)
    scores: FloatArray = beat_chance(values[None, :])[0]
    return scores


def simulate_survey(
    appeal: Mapping[str, float],
    checkpoints: Sequence[int],
    config: SurveySimulation | None = None,
    seed: int = 0,
    n_draws: int = 2000,
) -> SurveyRun:
    """Run one survey until the last checkpoint; Spearman against the truth at each.

    ``appeal`` maps each idea to its true appeal; ``checkpoints`` are numbers of answers
    ("can't decide" included: it is an answer the participant gave). The final model is
    fitted with ``n_draws`` posterior draws for its intervals.
    """
    cfg = config or SurveySimulation()
    marks = sorted(set(checkpoints))
    if not marks or marks[0] < 1:
        raise ValueError(f"checkpoints must be positive numbers of answers, got {checkpoints}")
    if len(appeal) < 3:
        raise ValueError("a simulated survey needs at least three ideas")
    rng = np.random.default_rng(seed)
    names = list(appeal)
    order = [names[k] for k in rng.permutation(len(names))]
    n_new = min(len(names) - 2, round(cfg.new_share * len(names)))
    initial, late = order[: len(order) - n_new], order[len(order) - n_new :]
    arrivals = (
        dict(
            zip(
                np.linspace(cfg.new_from, cfg.new_until, n_new).round().astype(int),
                late,
                strict=True,
            )
        )
        if n_new
        else {}
    )

    values = np.array([appeal[name] for name in names])
    column = {name: k for k, name in enumerate(names)}
    state = PairState.start(initial, cfg.prior_scale)
    votes: list[PairwiseVote] = []
    spearman: list[float] = []
    model = PairwiseModel(prior_scale=cfg.prior_scale, n_draws=0)
    fitted_at = 0
    participant, left_in_session = "", 0
    taste = np.zeros(len(names))
    people = 0
    while len(votes) < marks[-1]:
        answered = len(votes)
        if answered in arrivals:
            state = state.with_idea(arrivals[answered])
        if left_in_session == 0:
            people += 1
            participant = f"p{people:05d}"
            left_in_session = int(rng.geometric(1.0 / cfg.mean_session))
            taste = values + cfg.heterogeneity * rng.standard_normal(len(names))
        pair = next_pair(state, rng, participant, cfg.strategy)
        votes.append(_answer(participant, pair, taste, column, cfg, rng))
        left_in_session -= 1
        state = state.shown(participant, pair)
        answered = len(votes)
        due = answered - fitted_at >= max(cfg.refit_min, answered // 20)
        if due or answered in marks:
            model.fit(votes, state.ideas)
            fitted_at = answered
            state = model.pair_state()
        if answered in marks:
            truth = [appeal[idea] for idea in model.ideas_]
            spearman.append(float(spearmanr(model.score_, truth).statistic))
    final = PairwiseModel(prior_scale=cfg.prior_scale, n_draws=n_draws, random_state=seed)
    final.fit(votes, state.ideas)
    return SurveyRun(
        checkpoints=tuple(marks),
        spearman=tuple(spearman),
        votes=tuple(votes),
        ideas=state.ideas,
        added=tuple(idea for idea in late if idea in state.ideas),
        model=final,
    )


def _answer(
    participant: str,
    pair: tuple[str, str],
    taste: FloatArray,
    column: Mapping[str, int],
    cfg: SurveySimulation,
    rng: np.random.Generator,
) -> PairwiseVote:
    a, b = pair
    difference = float(taste[column[a]] - taste[column[b]])
    if cfg.choice == "logit":
        p_a = float(expit(difference))
    else:
        p_a = float(ndtr(difference / math.sqrt(2.0)))
    if rng.random() < cfg.cant_decide * (1.0 - abs(2.0 * p_a - 1.0)):
        return PairwiseVote(participant, a, b, cant_decide=True)
    if rng.random() < p_a:
        return PairwiseVote(participant, a, b)
    return PairwiseVote(participant, b, a)
