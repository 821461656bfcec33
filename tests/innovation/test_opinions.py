"""Opinion groups as Pol.is computes them (palabre.innovation.opinions)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from palabre.innovation.opinions import OpinionModel, Vote, build_vote_matrix
from tests.innovation.camps import camps_conversation


def test_two_camps_are_recovered_exactly() -> None:
    votes, truth = camps_conversation([60, 40])
    model = OpinionModel(random_state=0).fit(votes)
    assert model.n_groups_ == 2
    assert adjusted_rand_score(truth, model.participant_group_) == 1.0
    # Groups are numbered by size, largest first.
    assert [g.size for g in model.groups_] == [60, 40]


def test_three_camps_are_recovered_exactly_and_three_groups_win_the_silhouette() -> None:
    votes, truth = camps_conversation([50, 40, 30], seed=3)
    model = OpinionModel(random_state=0).fit(votes)
    assert model.n_groups_ == 3
    assert max(model.silhouettes_, key=lambda k: model.silhouettes_[k]) == 3
    assert adjusted_rand_score(truth, model.participant_group_) == 1.0


def test_latest_vote_of_a_participant_on_a_statement_wins_whatever_the_file_order() -> None:
    matrix = build_vote_matrix(
        [
            Vote("p1", "2", 1, timestamp=300),
            Vote("p1", "2", -1, timestamp=100),
            Vote("p2", "10", 0, timestamp=200),
            Vote("p2", "10", 1, timestamp=200),  # same instant: the later row wins
        ]
    )
    assert matrix.statements == ("2", "10")  # numeric order of Pol.is ids
    assert matrix.participants == ("p1", "p2")  # order of first vote
    assert matrix.values.tolist()[0][0] == 1.0
    assert matrix.values.tolist()[1][1] == 1.0
    assert np.isnan(matrix.values[0, 1])
    assert np.isnan(matrix.values[1, 0])


def test_a_vote_other_than_agree_disagree_pass_is_refused() -> None:
    with pytest.raises(ValueError, match="p1"):
        build_vote_matrix([Vote("p1", "1", 2, timestamp=0)])
    with pytest.raises(ValueError, match="other than"):
        OpinionModel().fit(np.array([[0.5, 1.0]]))


def test_moderated_out_statement_is_zeroed_for_everyone_not_dropped() -> None:
    votes, _ = camps_conversation([40, 40], n_statements=12)
    moderated = [3]
    model = OpinionModel(random_state=0).fit(votes, moderated)
    # Whatever people voted on it, a moderated statement moves nobody.
    flipped = votes.copy()
    flipped[:, 3] = np.where(np.isnan(flipped[:, 3]), 1.0, -flipped[:, 3])
    again = OpinionModel(random_state=0).fit(flipped, moderated)
    np.testing.assert_allclose(again.projection_, model.projection_)
    # It stays a column, with no weight in the map, and is never shown as a result.
    assert model.components_.shape == (2, 12)
    np.testing.assert_allclose(model.components_[:, 3], 0.0, atol=1e-12)
    shown = {rep.statement for g in model.groups_ for rep in g.representative}
    assert 3 not in shown | set(model.consensus_) | set(model.divisive_)
    # Without moderation the same statement does weigh.
    free = OpinionModel(random_state=0).fit(votes)
    assert np.abs(free.components_[:, 3]).max() > 1e-3


def test_participants_need_min_7_votes_or_all_statements_to_be_clustered() -> None:
    votes, _ = camps_conversation([30, 30], n_statements=20, turnout=1.0)
    votes[0, 6:] = np.nan  # 6 votes
    votes[1, 7:] = np.nan  # 7 votes
    model = OpinionModel(random_state=0).fit(votes)
    assert not model.clustered_[0]
    assert model.participant_group_[0] == -1
    assert model.clustered_[1]
    assert model.participant_group_[1] >= 0
    # With 5 statements, voting on all 5 is enough.
    small = votes[:, :5].copy()
    small[2, 4] = np.nan
    few = OpinionModel(random_state=0).fit(small)
    assert few.clustered_[3]
    assert not few.clustered_[2]
    # Everyone is still projected (the opinion map shows them).
    assert np.all(np.isfinite(model.projection_))


def test_projection_is_scaled_by_the_square_root_of_statements_over_own_votes() -> None:
    votes, _ = camps_conversation([30, 30], n_statements=20, turnout=1.0)
    half = votes[0].copy()
    half[10:] = np.nan
    model = OpinionModel(random_state=0).fit(np.vstack([votes, half]))
    voted = votes[0, :10] - model.center_[:10]
    raw = voted @ model.components_[:, :10].T
    np.testing.assert_allclose(model.projection_[-1], raw * np.sqrt(20 / 10))


def test_same_seed_same_groups_and_map() -> None:
    votes, _ = camps_conversation([45, 35, 20], seed=5)
    first = OpinionModel(random_state=7).fit(votes)
    second = OpinionModel(random_state=7).fit(votes)
    np.testing.assert_array_equal(first.participant_group_, second.participant_group_)
    np.testing.assert_array_equal(first.projection_, second.projection_)
    assert first.consensus_ == second.consensus_
    assert first.divisive_ == second.divisive_


def test_estimator_contract_params_in_init_learned_attributes_after_fit() -> None:
    model = OpinionModel(n_base_clusters=50, max_groups=4, random_state=3)
    assert (model.n_base_clusters, model.max_groups, model.random_state) == (50, 4, 3)
    assert not hasattr(model, "participant_group_")
    votes, _ = camps_conversation([30, 30])
    assert model.fit(votes) is model
    for name in ("groups_", "participant_group_", "projection_", "n_groups_", "consensus_"):
        assert hasattr(model, name), name
    assert model.participant_group_.shape == (60,)
    assert model.projection_.shape == (60, 2)
    np.testing.assert_array_equal(model.fit_predict(votes), model.participant_group_)


def test_group_count_changes_only_after_a_new_k_wins_four_updates_in_a_row() -> None:
    # Two camps, then a third camp joins the conversation.
    two, _ = camps_conversation([50, 50], seed=11)
    three, truth = camps_conversation([50, 50, 45], seed=11)
    model = OpinionModel(random_state=0).fit(two)
    assert model.n_groups_ == 2
    first_groups = model.participant_group_.copy()
    for _ in range(3):
        model.update(three)
        best = max(model.silhouettes_, key=lambda k: model.silhouettes_[k])
        assert best == 3
        assert model.n_groups_ == 2
        # Group numbers follow their members across updates.
        np.testing.assert_array_equal(model.participant_group_[:100], first_groups)
    model.update(three)
    assert model.n_groups_ == 3
    assert adjusted_rand_score(truth, model.participant_group_) == 1.0
    # A fresh fit knows no history.
    assert OpinionModel(random_state=0).fit(three).n_groups_ == 3


def test_a_k_that_wins_only_now_and_then_never_takes_over() -> None:
    two, _ = camps_conversation([50, 50], seed=11)
    three, _ = camps_conversation([50, 50, 45], seed=11)
    model = OpinionModel(random_state=0).fit(two)
    for _ in range(3):
        for _ in range(3):
            model.update(three)
        model.update(two)
        assert model.n_groups_ == 2


def test_results_name_representative_consensus_and_divisive_statements() -> None:
    votes, truth = camps_conversation([40, 40], n_statements=10, seed=2)
    votes[:, 9] = 1.0  # everybody agrees with the last statement
    model = OpinionModel(random_state=0).fit(votes)
    assert model.consensus_[0] == 9
    assert 9 not in model.divisive_
    camp_of_group = {g: truth[model.participant_group_ == g][0] for g in range(2)}
    for g, group in enumerate(model.groups_):
        assert group.representative, f"group {g} has no representative statement"
        members = votes[list(group.members)]
        for rep in group.representative:
            # A group's representative statement is one its members vote for (or against).
            sign = 1.0 if rep.direction == "agree" else -1.0
            assert np.nanmean(members[:, rep.statement]) * sign > 0.5
        assert camp_of_group[g] == truth[group.members[0]]


def test_nobody_clustered_gives_no_groups() -> None:
    votes = np.full((5, 10), np.nan)
    votes[:, 0] = 1.0
    model = OpinionModel().fit(votes)
    assert model.n_groups_ == 0
    assert model.groups_ == []
    assert np.all(model.participant_group_ == -1)
    assert model.consensus_ == []
    assert model.divisive_ == []
