"""Opinion groups of agree / disagree statements, following Pol.is's own math.

Participants vote agree (+1), disagree (-1) or pass (0) on short statements. This
module turns those votes into the opinion map Pol.is draws: a 2-D projection of
the participants, opinion groups, the statements that represent each group, the
statements every group agrees on (consensus) and those that split them (divisive).

The pipeline mirrors polismath (``conversation.clj``, ``pca.clj``, ``clusters.clj``,
``repness.clj``) and its Python port red-dwarf; docs/opinions.md gives the math,
the assumptions made where the sources could not be read again, and the agreement
measured against the groups Pol.is itself assigned on real conversations:

1. vote matrix, participants x statements, the latest vote of each pair winning;
2. moderated-out statements zeroed for everyone (kept as columns, not dropped);
3. participants with at least ``min(min_votes, statements)`` votes are clustered;
4. missing votes imputed with the statement (column) mean, the matrix centred,
   two principal components;
5. each participant projected from its own votes only and the projection scaled by
   ``sqrt(statements / own votes)`` so that people who voted little are not pulled
   to the centre;
6. about 100 base clusters (k-means on the projections), then 2-5 opinion groups
   by a size-weighted k-means of the base clusters, k chosen by silhouette; across
   :meth:`OpinionModel.update` calls the number of groups changes only when a new k
   wins ``group_k_buffer`` updates in a row.

Pure analysis: numpy arrays in, numpy arrays and dataclasses out; no database, no
file system (reading a Pol.is export lives in :mod:`palabre.innovation.polis`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple, Self

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_samples

from palabre.innovation.repness import GroupStatistics, Representative, group_statistics

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: Pol.is clusters a participant once they voted on this many statements (or on all).
DEFAULT_MIN_VOTES = 7
#: polismath's ``base-k``: the fine clustering the opinion groups are made from.
DEFAULT_BASE_CLUSTERS = 100
#: polismath's ``max-max-k``: never more than five opinion groups.
DEFAULT_MAX_GROUPS = 5
#: polismath's group-k smoother: a new group count must win this many updates in a row.
DEFAULT_GROUP_K_BUFFER = 4


class Vote(NamedTuple):
    """One vote as exported by Pol.is: who, on what, the value and when (any sortable time)."""

    participant: str
    statement: str
    value: int
    timestamp: int


@dataclass(frozen=True)
class VoteMatrix:
    """Participants x statements; ``values`` holds +1 / -1 / 0 and NaN where no vote."""

    participants: tuple[str, ...]
    statements: tuple[str, ...]
    values: FloatArray

    def moderated_mask(self, moderated_out: Iterable[str]) -> BoolArray:
        """The columns of the statements named in ``moderated_out`` (unknown names ignored)."""
        out = set(moderated_out)
        return np.array([s in out for s in self.statements], dtype=bool)


def _id_key(identifier: str) -> tuple[int, int, str]:
    # Pol.is ids are integers: order them numerically, anything else after, by text.
    return (0, int(identifier), "") if identifier.isdigit() else (1, 0, identifier)


def build_vote_matrix(votes: Iterable[Vote]) -> VoteMatrix:
    """The vote matrix of a conversation; for each (participant, statement) the latest vote wins.

    Votes are ordered by timestamp (input order breaks ties, as when Pol.is receives
    a corrected vote in the same millisecond). Rows come in the order participants
    first voted, like polismath's rating matrix; columns are the statements that
    received at least one vote, in id order.
    """
    ordered = sorted(enumerate(votes), key=lambda item: (item[1].timestamp, item[0]))
    rows: dict[str, int] = {}
    latest: dict[tuple[str, str], int] = {}
    for _, vote in ordered:
        if vote.value not in (-1, 0, 1):
            raise ValueError(f"vote of {vote.participant!r} on {vote.statement!r}: {vote.value}")
        rows.setdefault(vote.participant, len(rows))
        latest[(vote.participant, vote.statement)] = vote.value
    statements = sorted({statement for _, statement in latest}, key=_id_key)
    columns = {statement: index for index, statement in enumerate(statements)}
    values = np.full((len(rows), len(statements)), np.nan)
    for (participant, statement), value in latest.items():
        values[rows[participant], columns[statement]] = value
    return VoteMatrix(tuple(rows), tuple(statements), values)


@dataclass(frozen=True)
class OpinionGroup:
    """One opinion group: its members (row indices) and representative statements (columns)."""

    members: tuple[int, ...]
    representative: tuple[Representative, ...]

    @property
    def size(self) -> int:
        """Number of participants in the group."""
        return len(self.members)


@dataclass
class _Smoother:
    """polismath's group-k smoother: the count it shows and the candidate that is winning."""

    smoothed_k: int | None = None
    last_k: int | None = None
    last_k_count: int = 0

    def step(self, winner: int, buffer: int) -> int:
        self.last_k_count = self.last_k_count + 1 if winner == self.last_k else 1
        self.last_k = winner
        if self.smoothed_k is None or self.last_k_count >= buffer:
            self.smoothed_k = winner
        return self.smoothed_k


@dataclass
class OpinionModel:
    """Pol.is opinion groups as an estimator (scikit-learn contract).

    ``fit(votes)`` learns from scratch; ``update(votes)`` re-learns on the conversation as it
    now stands (same rows and columns first, new ones appended) keeping the state
    Pol.is keeps between updates: the group count moves only when a new count wins
    ``group_k_buffer`` updates in a row, and group numbers follow their members.

    ``votes`` is a participants x statements array of +1 / -1 / 0 with NaN for "no
    vote" (see :func:`build_vote_matrix`); ``moderated_out`` marks the columns
    moderated out (a boolean mask or column indices).

    Learned attributes (all end in ``_``): ``clustered_`` (mask of the clustered
    participants), ``components_`` and ``center_`` (the PCA), ``projection_`` (every
    participant's scaled 2-D position), ``base_labels_`` / ``base_centers_`` /
    ``base_sizes_``, ``silhouettes_`` (k -> weighted silhouette), ``n_groups_``,
    ``participant_group_`` (group index, -1 when not clustered), ``groups_``,
    ``statement_stats_``, ``consensus_`` and ``divisive_`` (column indices).
    """

    n_base_clusters: int = DEFAULT_BASE_CLUSTERS
    max_groups: int = DEFAULT_MAX_GROUPS
    min_votes: int = DEFAULT_MIN_VOTES
    group_k_buffer: int = DEFAULT_GROUP_K_BUFFER
    n_representative: int = 5
    n_consensus: int = 5
    n_divisive: int = 5
    random_state: int = 0
    _smoother: _Smoother = field(default_factory=_Smoother, init=False, repr=False)

    # -- the estimator API -------------------------------------------------------------

    def fit(
        self, votes: FloatArray, moderated_out: Sequence[int] | BoolArray | None = None
    ) -> Self:
        """Learn the opinion map of ``votes`` from scratch (forgets earlier updates)."""
        self._smoother = _Smoother()
        return self._learn(votes, moderated_out, previous=None)

    def update(
        self, votes: FloatArray, moderated_out: Sequence[int] | BoolArray | None = None
    ) -> Self:
        """Learn again on the grown conversation, keeping the state kept between updates."""
        previous = getattr(self, "participant_group_", None)
        return self._learn(votes, moderated_out, previous=previous)

    def fit_predict(
        self, votes: FloatArray, moderated_out: Sequence[int] | BoolArray | None = None
    ) -> IntArray:
        """``fit`` then return ``participant_group_``."""
        return self.fit(votes, moderated_out).participant_group_

    # -- the pipeline ------------------------------------------------------------------

    def _learn(
        self,
        votes: FloatArray,
        moderated_out: Sequence[int] | BoolArray | None,
        previous: IntArray | None,
    ) -> Self:
        values = np.asarray(votes, dtype=np.float64)
        if values.ndim != 2:
            raise ValueError(f"votes must be 2-D (participants x statements), got {values.shape}")
        finite = values[~np.isnan(values)]
        if not np.isin(finite, (-1.0, 0.0, 1.0)).all():
            raise ValueError("votes holds values other than +1, -1, 0 and NaN")
        n_statements = values.shape[1]
        mod = _column_mask(moderated_out, n_statements)

        # Which participants count is decided on the votes they really cast.
        own_votes = np.sum(~np.isnan(values), axis=1)
        self.clustered_: BoolArray = own_votes >= min(self.min_votes, n_statements)

        # polismath zero-outs a moderated column for every row: nobody's position
        # depends on it any more, yet the column still counts in the scaling.
        zeroed = values.copy()
        zeroed[:, mod] = 0.0
        self.center_, self.components_ = _pca(zeroed)
        self.projection_: FloatArray = _project(zeroed, self.center_, self.components_)

        self._cluster(previous)
        self._describe(values, mod)
        return self

    def _cluster(self, previous: IntArray | None) -> None:
        n_participants = self.projection_.shape[0]
        points = self.projection_[self.clustered_]
        groups = np.full(n_participants, -1, dtype=np.int64)
        self.silhouettes_: dict[int, float] = {}
        if len(points) == 0:
            self.base_labels_: IntArray = np.empty(0, dtype=np.int64)
            self.base_centers_: FloatArray = np.empty((0, 2))
            self.base_sizes_: FloatArray = np.empty(0)
            self.n_groups_ = 0
            self.participant_group_: IntArray = groups
            return
        labels, centers, sizes = _base_clusters(points, self.n_base_clusters, self.random_state)
        self.base_labels_, self.base_centers_, self.base_sizes_ = labels, centers, sizes
        candidates = _group_candidates(
            centers, sizes, self.max_groups, self.random_state, self.silhouettes_
        )
        if candidates:
            winner = max(candidates, key=lambda k: (self.silhouettes_[k], -k))
            shown = self._smoother.step(winner, self.group_k_buffer)
            # The smoothed count may be out of reach when the base clusters shrank.
            k = shown if shown in candidates else winner
            of_base = candidates[k]
        else:
            # One or two distinct base clusters: each is its own group.
            of_base = np.arange(len(centers), dtype=np.int64)
        groups[self.clustered_] = of_base[labels]
        groups = _number_groups(groups, previous)
        self.n_groups_ = int(groups.max()) + 1
        self.participant_group_ = groups

    def _describe(self, values: FloatArray, mod: BoolArray) -> None:
        stats = group_statistics(values, self.participant_group_, self.n_groups_)
        self.statement_stats_: GroupStatistics = stats
        visible = ~mod
        groups = []
        for g in range(self.n_groups_):
            members = tuple(int(i) for i in np.flatnonzero(self.participant_group_ == g))
            groups.append(
                OpinionGroup(members, stats.representative(g, visible, self.n_representative))
            )
        self.groups_: list[OpinionGroup] = groups
        self.consensus_: list[int] = stats.consensus(visible, self.n_consensus)
        self.divisive_: list[int] = stats.divisive(visible, self.n_divisive)


def _column_mask(moderated_out: Sequence[int] | BoolArray | None, n: int) -> BoolArray:
    mask = np.zeros(n, dtype=bool)
    if moderated_out is None:
        return mask
    given = np.asarray(moderated_out)
    if given.dtype == np.bool_:
        if given.shape != (n,):
            raise ValueError(f"moderated_out mask has shape {given.shape}, expected ({n},)")
        return given.copy()
    mask[given.astype(np.int64)] = True
    return mask


def _pca(zeroed: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Centre and the two leading components of the column-mean-imputed matrix.

    polismath runs a power iteration (warm-started from the previous components) on
    the centred matrix; it converges to the leading singular vectors, which an exact
    SVD gives directly. The sign of a component is arbitrary in both: it is fixed
    here (largest loading positive) so that results are reproducible.
    """
    n, m = zeroed.shape
    voted = ~np.isnan(zeroed)
    counts = voted.sum(axis=0)
    sums = np.where(voted, zeroed, 0.0).sum(axis=0)
    center = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    components = np.zeros((2, m))
    if n == 0 or m == 0:
        return center, components
    # Imputing a missing vote with its column mean makes it exactly 0 once centred.
    centred = np.where(voted, zeroed - center, 0.0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    found = vt[:2]
    for row, vector in enumerate(found):
        pivot = int(np.argmax(np.abs(vector)))
        components[row] = vector if vector[pivot] >= 0 else -vector
    return center, components


def _project(zeroed: FloatArray, center: FloatArray, components: FloatArray) -> FloatArray:
    """polismath's sparsity-aware projection: own votes only, scaled by sqrt(m / votes)."""
    voted = ~np.isnan(zeroed)
    centred = np.where(voted, zeroed - center, 0.0)
    projection: FloatArray = centred @ components.T
    n_votes = voted.sum(axis=1)
    scale = np.sqrt(zeroed.shape[1] / np.maximum(n_votes, 1))
    scaled: FloatArray = projection * scale[:, None]
    return scaled


def _base_clusters(
    points: FloatArray, n_clusters: int, seed: int
) -> tuple[IntArray, FloatArray, FloatArray]:
    """k-means into at most ``n_clusters`` base clusters (fewer when points coincide)."""
    distinct = len(np.unique(points, axis=0))
    k = max(1, min(n_clusters, distinct))
    # One k-means++ start, as polismath runs one k-means per update: measured on
    # the Pol.is conversations, more restarts do not bring palabre closer to Pol.is.
    model = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(points)
    labels = np.asarray(model.labels_, dtype=np.int64)
    sizes = np.bincount(labels, minlength=k).astype(np.float64)
    used = sizes > 0
    renumber = np.cumsum(used) - 1
    centers: FloatArray = np.asarray(model.cluster_centers_, dtype=np.float64)[used]
    return renumber[labels], centers, sizes[used]


def _group_candidates(
    centers: FloatArray,
    sizes: FloatArray,
    max_groups: int,
    seed: int,
    silhouettes: dict[int, float],
) -> dict[int, IntArray]:
    """Size-weighted k-means of the base clusters for each k, scored by silhouette.

    As polismath, the largest k tried grows with the number of base clusters
    (``2 + base clusters / 12``, capped at ``max_groups``), and each base cluster's
    silhouette weighs as many participants as it holds.
    """
    n_base = len(centers)
    top = min(max_groups, 2 + n_base // 12, n_base - 1)
    candidates: dict[int, IntArray] = {}
    for k in range(2, top + 1):
        model = KMeans(n_clusters=k, n_init=10, random_state=seed)
        labels = np.asarray(model.fit(centers, sample_weight=sizes).labels_, dtype=np.int64)
        if len(np.unique(labels)) < 2:
            continue
        per_base = silhouette_samples(centers, labels)
        silhouettes[k] = float(np.average(per_base, weights=sizes))
        candidates[k] = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    return candidates


def _number_groups(groups: IntArray, previous: IntArray | None) -> IntArray:
    """Number groups 0, 1, ... reproducibly, keeping earlier numbers across updates.

    From scratch: by size, largest first (ties: the group of the earliest participant).
    On an update: each group takes the number of the earlier group it shares most
    members with (an optimal matching), so a participant's group does not change name
    when nothing changed for them.
    """
    labels = [int(g) for g in np.unique(groups[groups >= 0])]
    if not labels:
        return groups

    def order_key(g: int) -> tuple[int, int]:
        members = np.flatnonzero(groups == g)
        return (-len(members), int(members[0]))

    ordered = sorted(labels, key=order_key)
    mapping = {g: i for i, g in enumerate(ordered)}
    if previous is not None and previous.size and (previous >= 0).any():
        common = min(len(previous), len(groups))
        old_labels = [int(g) for g in np.unique(previous[previous >= 0])]
        overlap = np.zeros((len(ordered), len(old_labels)))
        for i, g in enumerate(ordered):
            for j, h in enumerate(old_labels):
                overlap[i, j] = np.sum((groups[:common] == g) & (previous[:common] == h))
        rows, cols = linear_sum_assignment(-overlap)
        mapping = {}
        taken = set()
        for i, j in zip(rows, cols, strict=True):
            if overlap[i, j] > 0:
                mapping[ordered[i]] = old_labels[j]
                taken.add(old_labels[j])
        free = (n for n in range(len(ordered) + len(old_labels)) if n not in taken)
        for g in ordered:
            if g not in mapping:
                mapping[g] = next(free)
        # Keep the numbers dense (0..k-1) so that group i is groups_[i].
        dense = {old: new for new, old in enumerate(sorted(mapping.values()))}
        mapping = {g: dense[n] for g, n in mapping.items()}
    out = np.full_like(groups, -1)
    for g, n in mapping.items():
        out[groups == g] = n
    return out
