"""What each opinion group thinks: representative, consensus and divisive statements.

The statistics of polismath's ``repness.clj``, per group g and statement s, counting
only the votes of the group's members:

- ``na``, ``nd``, ``ns``: agrees, disagrees and votes (passes included);
- ``pa = (na + 1) / (ns + 2)`` and ``pd`` alike: agree / disagree probability with
  Laplace smoothing (a statement nobody in the group saw sits at 1/2);
- ``pat``: one-proportion z-test of ``pa`` against 1/2, on the counts plus one;
- ``ra = pa / pa(rest)``: how much more the group agrees than everybody else
  (the other groups together); ``rat``: two-proportion z-test of that difference;
- a statement represents g by agreement when ``pat`` and ``rat`` are both
  significant at 90 % (one-sided, z > 1.2816), by disagreement alike with ``pd``;
  candidates are ranked by ``ra * rat * pa * pat`` (agreements before disagreements).

Group-aware consensus is the product over groups of ``pa``; divisive statements are
those whose ``pa`` varies most across groups.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]

#: One-sided 90 % quantile of the normal distribution (polismath's ``z-sig-90?``).
Z_90 = 1.2816


@dataclass(frozen=True)
class Representative:
    """A statement that sets a group apart, and the figures that say so."""

    statement: int
    direction: Literal["agree", "disagree"]
    probability: float
    ratio: float
    probability_z: float
    ratio_z: float


def prop_test(successes: FloatArray, n: FloatArray) -> FloatArray:
    """z of a proportion against 1/2, polismath's ``prop-test`` (counts plus one)."""
    s, t = successes + 1.0, n + 1.0
    result: FloatArray = 2.0 * np.sqrt(t) * (s / t - 0.5)
    return result


def two_prop_test(
    successes_in: FloatArray, n_in: FloatArray, successes_out: FloatArray, n_out: FloatArray
) -> FloatArray:
    """z of the difference of two proportions, polismath's ``two-prop-test`` (counts plus one)."""
    s1, n1, s2, n2 = successes_in + 1.0, n_in + 1.0, successes_out + 1.0, n_out + 1.0
    pooled = (s1 + s2) / (n1 + n2)
    spread = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    result: FloatArray = np.divide(
        s1 / n1 - s2 / n2, spread, out=np.zeros_like(spread), where=spread > 0
    )
    return result


@dataclass(frozen=True)
class GroupStatistics:
    """The figures of ``repness.clj``: arrays of shape groups x statements."""

    agrees: FloatArray
    disagrees: FloatArray
    seen: FloatArray
    pa: FloatArray
    pd: FloatArray
    pat: FloatArray
    pdt: FloatArray
    ra: FloatArray
    rd: FloatArray
    rat: FloatArray
    rdt: FloatArray

    @property
    def group_aware_consensus(self) -> FloatArray:
        """Per statement: the product over groups of the agree probability."""
        result: FloatArray = np.prod(self.pa, axis=0)
        return result

    @property
    def divisiveness(self) -> FloatArray:
        """Per statement: the variance of the agree probability across groups."""
        result: FloatArray = np.var(self.pa, axis=0)
        return result

    def representative(
        self, group: int, visible: BoolArray, limit: int
    ) -> tuple[Representative, ...]:
        """Up to ``limit`` statements representing ``group``, by polismath's rule.

        When no statement passes both tests, the statement the group agrees with
        most distinctively (highest agree metric among those it agrees more than it
        disagrees with) stands alone, as Pol.is shows at least one per group.
        """
        agree_side = self.rat[group] >= self.rdt[group]
        agree_metric = self.ra[group] * self.rat[group] * self.pa[group] * self.pat[group]
        disagree_metric = self.rd[group] * self.rdt[group] * self.pd[group] * self.pdt[group]
        agree_ok = (self.pat[group] > Z_90) & (self.rat[group] > Z_90)
        disagree_ok = (self.pdt[group] > Z_90) & (self.rdt[group] > Z_90)
        chosen: list[tuple[int, float, int]] = []
        for s in np.flatnonzero(visible):
            if agree_side[s] and agree_ok[s]:
                chosen.append((0, -float(agree_metric[s]), int(s)))
            elif not agree_side[s] and disagree_ok[s]:
                chosen.append((1, -float(disagree_metric[s]), int(s)))
        if not chosen:
            leaning = visible & (self.pa[group] > self.pd[group]) & (self.agrees[group] > 0)
            if leaning.any():
                best = max(np.flatnonzero(leaning), key=lambda s: (agree_metric[s], -s))
                chosen.append((0, 0.0, int(best)))
        chosen.sort()
        return tuple(self._entry(group, s, side == 0) for side, _, s in chosen[:limit])

    def _entry(self, group: int, s: int, agree: bool) -> Representative:
        if agree:
            return Representative(
                s,
                "agree",
                float(self.pa[group, s]),
                float(self.ra[group, s]),
                float(self.pat[group, s]),
                float(self.rat[group, s]),
            )
        return Representative(
            s,
            "disagree",
            float(self.pd[group, s]),
            float(self.rd[group, s]),
            float(self.pdt[group, s]),
            float(self.rdt[group, s]),
        )

    def consensus(self, visible: BoolArray, limit: int) -> list[int]:
        """Statements a majority of every group agrees with, by group-aware consensus."""
        if self.pa.shape[0] == 0:
            return []
        everyone = visible & (self.pa > 0.5).all(axis=0)
        score = self.group_aware_consensus
        ranked = sorted(np.flatnonzero(everyone), key=lambda s: (-score[s], s))
        return [int(s) for s in ranked[:limit]]

    def divisive(self, visible: BoolArray, limit: int) -> list[int]:
        """Statements whose agreement differs most between groups (none with one group)."""
        if self.pa.shape[0] < 2:
            return []
        score = self.divisiveness
        ranked = sorted(np.flatnonzero(visible & (score > 0)), key=lambda s: (-score[s], s))
        return [int(s) for s in ranked[:limit]]


def group_statistics(values: FloatArray, groups: IntArray, n_groups: int) -> GroupStatistics:
    """Count each group's votes on each statement and derive polismath's figures.

    ``values`` is the raw vote matrix (NaN where no vote), ``groups`` the group of
    each row (-1 for participants outside every group, whose votes are not counted).
    """
    m = values.shape[1]
    agrees = np.zeros((n_groups, m))
    disagrees = np.zeros((n_groups, m))
    seen = np.zeros((n_groups, m))
    for g in range(n_groups):
        rows = values[groups == g]
        agrees[g] = np.sum(rows == 1.0, axis=0)
        disagrees[g] = np.sum(rows == -1.0, axis=0)
        seen[g] = np.sum(~np.isnan(rows), axis=0)
    rest_agrees = agrees.sum(axis=0) - agrees
    rest_disagrees = disagrees.sum(axis=0) - disagrees
    rest_seen = seen.sum(axis=0) - seen
    pa = (agrees + 1.0) / (seen + 2.0)
    pd = (disagrees + 1.0) / (seen + 2.0)
    rest_pa = (rest_agrees + 1.0) / (rest_seen + 2.0)
    rest_pd = (rest_disagrees + 1.0) / (rest_seen + 2.0)
    return GroupStatistics(
        agrees=agrees,
        disagrees=disagrees,
        seen=seen,
        pa=pa,
        pd=pd,
        pat=prop_test(agrees, seen),
        pdt=prop_test(disagrees, seen),
        ra=pa / rest_pa,
        rd=pd / rest_pd,
        rat=two_prop_test(agrees, seen, rest_agrees, rest_seen),
        rdt=two_prop_test(disagrees, seen, rest_disagrees, rest_seen),
    )
