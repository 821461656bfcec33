"""Similar titles while typing: real French and English titles typed with mistakes."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from palabre.innovation import discovery, funnel, service
from palabre.innovation.similar import fold, most_similar, similarity
from tests.innovation.ideas_helpers import MANAGER, campaign, member

TITLES = [
    "Télétravail le vendredi pour tous",
    "Un parking vélo sécurisé devant le siège",
    "Remote work on Fridays",
    "Dark mode in the mobile app",
    "Réduire les emballages plastiques",
    "More vegetarian meals at the canteen",
    "Horaires d'ouverture du service client le samedi",
]


def test_fold_removes_case_accents_punctuation_elisions_and_stop_words() -> None:
    assert fold("L'accueil des NOUVEAUX arrivants, à Paris !") == "accueil nouveaux arrivants paris"
    assert fold("The dark mode of the app") == "dark mode app"
    assert fold("le la les") == "le la les"  # never folds to nothing


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("teletravial le vendredi", "Télétravail le vendredi pour tous"),  # swapped letters
        ("télétrav", "Télétravail le vendredi pour tous"),  # still typing
        ("parkin velo securise", "Un parking vélo sécurisé devant le siège"),  # no accents
        ("remote wrk on friday", "Remote work on Fridays"),
        ("dark mod mobil app", "Dark mode in the mobile app"),
        ("reduir emballage plastique", "Réduire les emballages plastiques"),
        ("vegeterian meals", "More vegetarian meals at the canteen"),
        ("ouverture du servce client samedi", "Horaires d'ouverture du service client le samedi"),
    ],
)
def test_a_title_typed_with_mistakes_finds_its_idea_first(typed: str, expected: str) -> None:
    found = most_similar(typed, list(enumerate(TITLES)))
    assert found, f"nothing found for {typed!r}"
    assert found[0].title == expected


@pytest.mark.parametrize("typed", ["faster checkout", "formation à Excel", "cafe", "ab"])
def test_an_unrelated_or_too_short_title_finds_nothing(typed: str) -> None:
    assert most_similar(typed, list(enumerate(TITLES))) == []


def test_scores_are_symmetric_in_word_order() -> None:
    assert similarity("vendredi télétravail", "télétravail vendredi") == 100


def test_similar_ideas_skip_merged_duplicates_and_campaigns_out_of_sight(
    session: Session,
) -> None:
    staff = campaign(session, "Interne", "employees")
    public = campaign(session, "Public", "public")
    alice = member(session, "Alice")
    shown = service.submit_idea(session, alice, staff.id, title="Télétravail le vendredi")
    merged = service.submit_idea(session, alice, staff.id, title="Teletravail vendredi")
    manager = member(session, "Inès", role="innovation")
    service.submit_idea(session, manager, public.id, title="Télétravail pour les clients")
    funnel.merge_ideas(session, MANAGER, merged.id, shown.id)
    found = discovery.similar_ideas(session, alice, "télétravial le vendredi", campaign_id=staff.id)
    assert [f.idea.id for f in found] == [shown.id]
    customer = member(session, "Chloé", role="customer", kind="customer")
    seen_by_customer = discovery.similar_ideas(session, customer, "teletravail")
    assert [f.idea.title for f in seen_by_customer] == ["Télétravail pour les clients"]
