"""Pairwise crowd validation (a wiki survey, as All Our Ideas).

A participant sees two ideas and picks one, or answers "can't decide"; anyone may add
an idea while the survey runs. This module turns those votes into a score per idea,
*the estimated chance that the idea beats a randomly chosen other idea*, with an
uncertainty interval, and chooses the next pair to show.

The model (docs/pairwise.md gives the details and the measured convergence):

* **Bradley–Terry (logit) choice model**: idea i beats idea j with probability
  ``sigmoid(q_i - q_j)``; each idea's latent quality ``q`` has a Gaussian prior
  ``N(0, prior_scale²)``. This is Luce's choice axiom, which is also how the demo
  company's true appeal works (an idea draws votes in proportion to ``e^appeal``).
* **Fit**: maximum a posteriori by Newton's method on the (strictly concave) log
  posterior, from the win counts; milliseconds for a few hundred ideas.
* **Uncertainty**: Laplace approximation, ``N(MAP, H⁻¹)`` with H the negative
  Hessian at the MAP; the interval of each score comes from draws of that posterior
  pushed through the score (so it respects the 0–1 bounds and the correlations).
* **"Can't decide"** is recorded (it counts as an appearance, so pair selection knows
  the pair was shown) but carries no preference: it is left out of the likelihood, as
  All Our Ideas leaves its "I can't decide" answers out of its scores.
* **New ideas** start at the prior (an average idea, with a wide interval) and catch up
  because :func:`next_pair` shows rarely-seen ideas more often.

Pure analysis: plain Python values and numpy arrays in and out; no database.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal, NamedTuple, Self

import numpy as np
from numpy.typing import NDArray
from scipy.special import expit, log_expit

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

Strategy = Literal["adaptive", "uniform"]

#: Share of the second idea's draw left uniform, so that every pair keeps a chance
#: (the design stays connected even where the model is wrong).
EXPLORATION = 0.1
#: Ceiling on the memory one block of posterior draws may take (float64 values).
_DRAW_BLOCK_VALUES = 2_000_000
#: Sigmoids spent on the intervals at most (draws x ideas²), and the fewest draws used.
_DRAW_BUDGET = 50_000_000
_MIN_DRAWS = 200


class PairwiseVote(NamedTuple):
    """One answer of a participant to a pair.

    ``winner`` beat ``loser``; when ``cant_decide`` is true the participant saw both and
    picked neither (the order of the two is then meaningless).
    """

    participant: str
    winner: str
    loser: str
    cant_decide: bool = False


@dataclass(frozen=True)
class IdeaScore:
    """One idea's standing: its score, the interval around it and what it rests on."""

    idea: str
    score: float  # estimated chance of beating a randomly chosen other idea
    low: float
    high: float
    wins: int
    losses: int
    ties: int  # "can't decide" answers on pairs holding this idea
    appearances: int


@dataclass
class PairwiseModel:
    """Scores of a wiki survey as an estimator (scikit-learn contract).

    ``fit(votes, ideas)`` learns from the survey as it stands: ``votes`` are
    :class:`PairwiseVote` (any 3- or 4-tuple of participant, winner, loser,
    can't decide); ``ideas`` lists every idea of the survey, those not compared yet
    included (omitted: the ideas named by the votes, in order of first mention).

    Parameters: ``prior_scale`` (standard deviation of the ideas' latent quality, logit
    units), ``confidence`` (of the intervals), ``n_draws`` (posterior draws for the
    intervals, at most; fewer past ~150 ideas, never under 200; 0 skips them and leaves
    them NaN, for a server that refits after every vote and only needs the ranking and
    pair selection), ``random_state`` (seeds the draws), ``max_iter`` and ``tol``
    (Newton's method).

    Learned attributes (all end in ``_``): ``ideas_``; ``win_matrix_`` (``[i, j]`` =
    times i beat j); ``wins_``, ``losses_``, ``ties_``, ``appearances_``;
    ``n_votes_`` (decisive votes), ``n_ties_``, ``n_participants_``; ``quality_``
    (MAP latent quality), ``covariance_`` (Laplace), ``quality_std_``; ``score_``,
    ``score_low_``, ``score_high_``; ``last_pairs_`` (participant -> the pair they
    answered last); ``n_iter_``; ``n_draws_used_``.
    """

    prior_scale: float = 1.0
    confidence: float = 0.95
    n_draws: int = 2000
    random_state: int = 0
    max_iter: int = 100
    tol: float = 1e-10
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    # -- the estimator API -------------------------------------------------------------

    def fit(self, votes: Iterable[PairwiseVote], ideas: Sequence[str] | None = None) -> Self:
        """Learn the ideas' qualities and scores from ``votes`` (from scratch)."""
        self._check_params()
        answers = list(votes)
        ideas_ = self._collect(answers, ideas)
        self._count(answers, len(ideas_))
        self.quality_, self.covariance_, self.n_iter_ = fit_quality(
            self.win_matrix_, self.prior_scale, self.max_iter, self.tol
        )
        self.quality_std_: FloatArray = np.sqrt(np.diag(self.covariance_))
        self.score_: FloatArray = beat_chance(self.quality_[None, :])[0]
        self.score_low_, self.score_high_ = self._intervals()
        return self

    def ranking(self) -> list[IdeaScore]:
        """Every idea, best score first (equal scores: survey order)."""
        order = sorted(range(len(self.ideas_)), key=lambda i: (-self.score_[i], i))
        return [
            IdeaScore(
                idea=self.ideas_[i],
                score=float(self.score_[i]),
                low=float(self.score_low_[i]),
                high=float(self.score_high_[i]),
                wins=int(self.wins_[i]),
                losses=int(self.losses_[i]),
                ties=int(self.ties_[i]),
                appearances=int(self.appearances_[i]),
            )
            for i in order
        ]

    def win_probability(self, idea: str, other: str) -> float:
        """Estimated chance that ``idea`` beats ``other`` (at the MAP qualities)."""
        i, j = self._position(idea), self._position(other)
        return float(expit(self.quality_[i] - self.quality_[j]))

    def pair_state(self) -> PairState:
        """What :func:`next_pair` needs, as this fit leaves the survey."""
        return PairState(
            ideas=self.ideas_,
            quality=self.quality_.copy(),
            variance=self.quality_std_**2,
            appearances=self.appearances_.copy(),
            last_pairs=dict(self.last_pairs_),
            prior_scale=self.prior_scale,
        )

    # -- steps -------------------------------------------------------------------------

    def _check_params(self) -> None:
        if not self.prior_scale > 0:
            raise ValueError(f"prior_scale must be positive, got {self.prior_scale}")
        if not 0 < self.confidence < 1:
            raise ValueError(f"confidence must be between 0 and 1, got {self.confidence}")
        if self.n_draws < 0:
            raise ValueError(f"n_draws must be 0 or more, got {self.n_draws}")

    def _collect(
        self, votes: Sequence[PairwiseVote], ideas: Sequence[str] | None
    ) -> tuple[str, ...]:
        if ideas is not None:
            listed = tuple(ideas)
            if len(set(listed)) != len(listed):
                twice = sorted({i for i in listed if listed.count(i) > 1})
                raise ValueError(f"ideas listed more than once: {twice}")
            self._index = {idea: k for k, idea in enumerate(listed)}
        else:
            self._index = {}
            for vote in votes:
                for idea in (vote[1], vote[2]):
                    self._index.setdefault(idea, len(self._index))
        self.ideas_: tuple[str, ...] = tuple(self._index)
        if len(self.ideas_) < 2:
            raise ValueError(f"a pairwise survey needs at least two ideas, got {len(self.ideas_)}")
        return self.ideas_

    def _count(self, votes: Sequence[PairwiseVote], n: int) -> None:
        wins = np.zeros((n, n), dtype=np.int64)
        ties = np.zeros(n, dtype=np.int64)
        last: dict[str, tuple[str, str]] = {}
        for number, vote in enumerate(votes, start=1):
            participant, winner, loser = vote[0], vote[1], vote[2]
            cant_decide = bool(vote[3]) if len(vote) > 3 else False
            where = f"vote {number} (participant {participant!r})"
            if winner == loser:
                raise ValueError(f"{where}: idea {winner!r} is compared with itself")
            for idea in (winner, loser):
                if idea not in self._index:
                    raise ValueError(f"{where}: idea {idea!r} is not in the survey's ideas")
            i, j = self._index[winner], self._index[loser]
            if cant_decide:
                ties[i] += 1
                ties[j] += 1
            else:
                wins[i, j] += 1
            last[participant] = (winner, loser)
        self.win_matrix_: IntArray = wins
        self.wins_: IntArray = wins.sum(axis=1)
        self.losses_: IntArray = wins.sum(axis=0)
        self.ties_: IntArray = ties
        self.appearances_: IntArray = self.wins_ + self.losses_ + ties
        self.n_votes_ = int(wins.sum())
        self.n_ties_ = int(ties.sum() // 2)
        self.n_participants_ = len(last)
        self.last_pairs_: dict[str, tuple[str, str]] = last

    def _intervals(self) -> tuple[FloatArray, FloatArray]:
        n = len(self.ideas_)
        if self.n_draws == 0:
            self.n_draws_used_ = 0
            return np.full(n, np.nan), np.full(n, np.nan)
        rng = np.random.default_rng(self.random_state)
        # Each draw costs n² sigmoids: large surveys get fewer draws (never under
        # _MIN_DRAWS) so that a results page stays quick.
        n_draws = min(self.n_draws, max(_MIN_DRAWS, _DRAW_BUDGET // (n * n)))
        self.n_draws_used_ = n_draws
        # The covariance is positive definite (the prior adds 1/s² to every eigenvalue).
        root = np.linalg.cholesky(self.covariance_)
        per_block = max(1, _DRAW_BLOCK_VALUES // (n * n))
        scores = np.empty((n_draws, n))
        for start in range(0, n_draws, per_block):
            stop = min(n_draws, start + per_block)
            draws = self.quality_ + rng.standard_normal((stop - start, n)) @ root.T
            scores[start:stop] = beat_chance(draws)
        tail = (1.0 - self.confidence) / 2.0
        low, high = np.quantile(scores, [tail, 1.0 - tail], axis=0)
        return np.asarray(low, dtype=np.float64), np.asarray(high, dtype=np.float64)

    def _position(self, idea: str) -> int:
        if idea not in self._index:
            raise KeyError(f"idea {idea!r} is not in the survey")
        return self._index[idea]


def beat_chance(quality: FloatArray) -> FloatArray:
    """Each idea's chance of beating a randomly chosen *other* idea, row by row.

    ``quality`` is draws x ideas; the result has the same shape: for idea i, the mean
    over j != i of ``sigmoid(q_i - q_j)``.
    """
    n = quality.shape[1]
    pairwise = expit(quality[:, :, None] - quality[:, None, :])
    # The diagonal holds sigmoid(0) = 1/2 for each idea against itself: take it out.
    result: FloatArray = (pairwise.sum(axis=2) - 0.5) / (n - 1)
    return result


def fit_quality(
    win_matrix: IntArray, prior_scale: float, max_iter: int = 100, tol: float = 1e-10
) -> tuple[FloatArray, FloatArray, int]:
    """MAP latent qualities of a Bradley–Terry model with a Gaussian prior, and their covariance.

    Maximises ``sum_ij W_ij log sigmoid(q_i - q_j) - |q|² / (2 s²)`` by Newton's method
    with step halving (the objective is strictly concave, so the maximum is unique and
    exists even when an idea won every comparison). Returns the qualities, the Laplace
    covariance (inverse negative Hessian at the maximum) and the iterations used.
    """
    wins = np.asarray(win_matrix, dtype=np.float64)
    n = wins.shape[0]
    compared = wins + wins.T
    precision = 1.0 / prior_scale**2
    quality: FloatArray = np.zeros(n)

    def objective(q: FloatArray) -> float:
        return float(np.sum(wins * log_expit(q[:, None] - q[None, :])) - 0.5 * precision * q @ q)

    def hessian(q: FloatArray) -> FloatArray:
        p = expit(q[:, None] - q[None, :])
        weight = compared * p * (1.0 - p)
        negative: FloatArray = np.diag(weight.sum(axis=1)) - weight
        negative[np.diag_indices(n)] += precision
        return negative

    current = objective(quality)
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported as n_iter_
        p = expit(quality[:, None] - quality[None, :])
        gradient = wins.sum(axis=1) - (compared * p).sum(axis=1) - precision * quality
        step: FloatArray = np.linalg.solve(hessian(quality), gradient)
        size = 1.0
        while True:
            candidate: FloatArray = quality + size * step
            value = objective(candidate)
            if value >= current - 1e-12 or size < 1e-8:
                break
            size /= 2.0
        quality, current = candidate, value
        if float(np.max(np.abs(size * step))) < tol:
            break
    inverse = np.linalg.inv(hessian(quality))
    # Symmetrise: inversion leaves rounding asymmetries the Cholesky factor dislikes.
    covariance: FloatArray = np.asarray((inverse + inverse.T) / 2.0, dtype=np.float64)
    return quality, covariance, iterations


# -- choosing the next pair ---------------------------------------------------------------


@dataclass(frozen=True)
class PairState:
    """What pair selection knows about the survey: per idea its estimated quality, the
    variance of that estimate and how often it was shown; per participant the pair shown
    last. Immutable: :meth:`shown` and :meth:`with_idea` return updated copies, so a
    server can keep selecting between two refits of the model."""

    ideas: tuple[str, ...]
    quality: FloatArray
    variance: FloatArray
    appearances: IntArray
    last_pairs: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    prior_scale: float = 1.0

    @classmethod
    def start(cls, ideas: Sequence[str], prior_scale: float = 1.0) -> PairState:
        """A survey with no vote yet: every idea at the prior."""
        n = len(ideas)
        return cls(
            ideas=tuple(ideas),
            quality=np.zeros(n),
            variance=np.full(n, prior_scale**2),
            appearances=np.zeros(n, dtype=np.int64),
            prior_scale=prior_scale,
        )

    def with_idea(self, idea: str) -> PairState:
        """The state once ``idea`` is added: never shown, at the prior."""
        if idea in self.ideas:
            raise ValueError(f"idea {idea!r} is already in the survey")
        return replace(
            self,
            ideas=(*self.ideas, idea),
            quality=np.append(self.quality, 0.0),
            variance=np.append(self.variance, self.prior_scale**2),
            appearances=np.append(self.appearances, 0),
        )

    def shown(self, participant: str, pair: tuple[str, str]) -> PairState:
        """The state once ``pair`` was shown to ``participant`` (answered or not)."""
        appearances = self.appearances.copy()
        for idea in pair:
            if idea not in self.ideas:
                raise ValueError(f"idea {idea!r} shown to {participant!r} is not in the survey")
            appearances[self.ideas.index(idea)] += 1
        last = dict(self.last_pairs)
        last[participant] = pair
        return replace(self, appearances=appearances, last_pairs=last)


def next_pair(
    state: PairState,
    rng: np.random.Generator,
    participant: str | None = None,
    strategy: Strategy = "adaptive",
) -> tuple[str, str]:
    """The next pair of ideas to show ``participant``, left then right.

    ``adaptive`` (the default): the first idea is drawn with weight ``1 / (appearances
    + 1)²``, so ideas shown rarely — new ones above all — come up more often until they
    catch up; the second is drawn by how much the answer would teach, ``p (1 - p)``
    (largest for a close contest) times ``v_i + v_j`` (largest when the estimates are
    uncertain), with ``p`` the chance of the first idea winning averaged over the
    uncertainty; a share :data:`EXPLORATION` of that draw stays uniform.
    ``uniform``: two distinct ideas uniformly at random (the baseline).

    Either way the pair the participant saw last is not shown to them again at once
    (unless the survey holds only two ideas), the left/right order is random, and the
    result depends only on ``state``, ``participant`` and the generator's seed.
    """
    n = len(state.ideas)
    if n < 2:
        raise ValueError(f"a pairwise survey needs at least two ideas, got {n}")
    if strategy not in ("adaptive", "uniform"):
        raise ValueError(f"unknown pair selection strategy {strategy!r}")
    avoid: tuple[int, int] | None = None
    last = state.last_pairs.get(participant) if participant is not None else None
    if last is not None and n > 2 and last[0] in state.ideas and last[1] in state.ideas:
        avoid = (state.ideas.index(last[0]), state.ideas.index(last[1]))

    if strategy == "uniform":
        first_weights = np.ones(n)
    else:
        first_weights = 1.0 / (state.appearances.astype(np.float64) + 1.0) ** 2
    first = int(rng.choice(n, p=first_weights / first_weights.sum()))

    uniform = np.ones(n)
    uniform[first] = 0.0
    if strategy == "uniform":
        second_weights = uniform / uniform.sum()
    else:
        spread = state.variance[first] + state.variance
        # The probit approximation of the chance of winning averaged over the
        # uncertainty: a pair that is close *or* poorly known looks like a close contest.
        p = expit((state.quality[first] - state.quality) / np.sqrt(1.0 + math.pi * spread / 8.0))
        gain = p * (1.0 - p) * spread
        gain[first] = 0.0
        total = gain.sum()
        informative = gain / total if total > 0 else uniform / uniform.sum()
        second_weights = (1.0 - EXPLORATION) * informative + EXPLORATION * uniform / uniform.sum()
    if avoid is not None and first in avoid:
        second_weights = second_weights.copy()
        second_weights[avoid[1] if first == avoid[0] else avoid[0]] = 0.0
    second = int(rng.choice(n, p=second_weights / second_weights.sum()))
    pair = (state.ideas[first], state.ideas[second])
    return pair if rng.random() < 0.5 else (pair[1], pair[0])
