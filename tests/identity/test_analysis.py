"""Candidate matching on plain data (no database)."""

from __future__ import annotations

import random
import string

import pytest

from palabre.identity.analysis import (
    HANDLE_WEIGHT,
    NAME_WEIGHT,
    PersonView,
    compact_handle,
    find_candidates,
    handle_keys,
    normalize_name,
)


def person(pid: int, name: str | None, **kwargs: object) -> PersonView:
    return PersonView(id=pid, display_name=name, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Dupont Jean", "jean dupont"),
        ("Jean  DUPONT", "jean dupont"),
        ("Zoé L'Héritier", "zoe l heritier"),
        ("Müller, Hans-Peter", "hans peter muller"),
    ],
)
def test_names_normalise_to_one_key_ignoring_case_accents_punctuation_and_order(
    left: str, right: str
) -> None:
    assert normalize_name(left) == normalize_name(right)


def test_an_empty_name_has_an_empty_key() -> None:
    assert normalize_name(None) == ""
    assert normalize_name(" - ") == ""


def test_handles_compact_to_letters_and_digits() -> None:
    assert compact_handle("@J.Dupont") == "jdupont"
    assert handle_keys("jean.dupont") == {"jeandupont", "jdupont"}
    assert handle_keys("info") == set()


def test_same_name_in_another_order_is_a_candidate_with_name_evidence() -> None:
    found = find_candidates([person(1, "Dupont Jean"), person(2, "jean dupont")])
    assert len(found) == 1
    match = found[0]
    assert (match.person_a, match.person_b) == (1, 2)
    assert match.score == pytest.approx(NAME_WEIGHT)
    assert match.evidence == ("same name: 'Dupont Jean'",)


def test_similar_handles_are_evidence_with_their_ratio() -> None:
    found = find_candidates(
        [person(1, "JD", handles=("jdupont",)), person(2, "J. D.", handles=("j.dupont1",))],
        min_score=0.0,
    )
    assert len(found) == 1
    (text,) = found[0].evidence
    assert text.startswith("similar handles: jdupont ~ j.dupont1 (")
    assert 0 < found[0].score <= HANDLE_WEIGHT


def test_a_handle_matches_the_local_part_of_an_email_address() -> None:
    found = find_candidates(
        [person(1, None, handles=("@jdupont",)), person(2, None, emails=("jean.dupont@x.ch",))]
    )
    assert len(found) == 1
    assert found[0].evidence == ("similar handles: @jdupont ~ jean.dupont@x.ch (100)",)


def test_name_and_handle_together_score_higher_than_either_alone() -> None:
    found = find_candidates(
        [
            person(1, "Jean Dupont", handles=("jdupont",)),
            person(2, "Dupont Jean", emails=("j.dupont@acme.ch",)),
            person(3, "Marie Curie"),
            person(4, "marie curie"),
        ]
    )
    assert [(c.person_a, c.person_b) for c in found] == [(1, 2), (3, 4)]
    assert found[0].score > found[1].score
    assert found[0].score <= 1.0


def test_same_team_reinforces_a_match_and_is_named() -> None:
    alone = find_candidates([person(1, "Ana Silva"), person(2, "Silva Ana")])
    together = find_candidates(
        [person(1, "Ana Silva", team_ids=(7,)), person(2, "Silva Ana", team_ids=(7, 8))],
        team_labels={7: "Ventes/Genève"},
    )
    assert together[0].score > alone[0].score
    assert "same team: Ventes/Genève" in together[0].evidence


def test_sharing_a_team_alone_never_makes_a_candidate() -> None:
    found = find_candidates(
        [person(1, "Ana Silva", team_ids=(7,)), person(2, "Paul Meier", team_ids=(7,))],
        min_score=0.0,
    )
    assert found == []


def test_a_customer_and_an_employee_score_lower_and_say_why() -> None:
    found = find_candidates(
        [person(1, "Ana Silva", kind="customer"), person(2, "Ana Silva", kind="employee")],
        min_score=0.0,
    )
    assert found[0].score < NAME_WEIGHT
    assert "different kinds: customer / employee" in found[0].evidence


def test_generic_addresses_are_not_evidence() -> None:
    found = find_candidates(
        [person(1, "A", emails=("info@a.ch",)), person(2, "B", emails=("info@b.ch",))],
        min_score=0.0,
    )
    assert found == []


def test_excluded_pairs_and_low_scores_are_left_out_and_limit_applies() -> None:
    people = [person(i, "Jean Dupont") for i in range(1, 5)]
    assert len(find_candidates(people)) == 6
    assert len(find_candidates(people, exclude=[(2, 1)])) == 5
    assert len(find_candidates(people, limit=2)) == 2
    assert find_candidates(people, min_score=0.9) == []


def test_results_are_sorted_by_score_then_ids() -> None:
    found = find_candidates(
        [
            person(5, "Bob Stone"),
            person(6, "bob stone"),
            person(1, "Eva Roth", handles=("eroth",)),
            person(2, "Roth Eva", handles=("e.roth",)),
        ]
    )
    assert [(c.person_a, c.person_b) for c in found] == [(1, 2), (5, 6)]


def _random_word(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(length))


def test_twenty_thousand_people_are_matched_by_blocking_and_planted_pairs_found() -> None:
    rng = random.Random(20240611)
    people: list[PersonView] = []
    planted: set[tuple[int, int]] = set()
    next_id = 1
    for _ in range(19_800):
        first, last = _random_word(rng, 6).title(), _random_word(rng, 8).title()
        people.append(
            PersonView(
                id=next_id,
                display_name=f"{first} {last}",
                kind=rng.choice(["customer", "unknown"]),
                handles=(f"{first[0]}{last}{rng.randint(0, 99)}".lower(),),
                emails=(f"{first}.{last}@example.org".lower(),),
                team_ids=(rng.randint(1, 40),),
            )
        )
        next_id += 1
    for _ in range(100):
        first, last = _random_word(rng, 5).title(), _random_word(rng, 7).title()
        a = PersonView(id=next_id, display_name=f"{first} {last}", handles=(f"{first[0]}{last}",))
        b = PersonView(
            id=next_id + 1,
            display_name=f"{last.upper()}, {first}",
            emails=(f"{first}.{last}@other.ch".lower(),),
        )
        people.extend([a, b])
        planted.add((a.id, b.id))
        next_id += 2
    rng.shuffle(people)

    found = find_candidates(people, min_score=0.5)

    pairs = {(c.person_a, c.person_b) for c in found}
    assert planted <= pairs
    by_pair = {(c.person_a, c.person_b): c for c in found}
    sample = by_pair[min(planted)]
    assert any(e.startswith("same name:") for e in sample.evidence)
    assert any(e.startswith("similar handles:") for e in sample.evidence)
    # Random people should almost never match one another.
    assert len(found) < len(planted) + 50
