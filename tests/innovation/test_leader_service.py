"""The leaders report read from the store: communities, their leaders, a topic's leaders,
the window, and the audit of who viewed it (tests/innovation/leaders_world.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import ValidationError
from palabre.identity import resolution
from palabre.innovation import leader_service
from palabre.innovation.leader_service import (
    _search_phrase,
    day_window,
    graph_communities,
    leaders_report,
    record_view,
    report_as_dict,
    topic_messages,
    topic_terms,
)
from palabre.privacy.models import AuditEntry
from tests.innovation.leaders_world import DAY, community_records, load
from tests.pipeline.world import build_analysed


@pytest.fixture
def workspace(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    load(sessions, community_records())
    return sessions


def test_each_community_is_led_by_the_person_everyone_answers(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as session:
        report = leaders_report(session, topic="emballage consigné", top=2)
    assert report.people_count == 12
    assert [c.size for c in report.communities] == [6, 6]
    leaders = [report.names[c.leaders[0].person_id].name for c in report.communities]
    assert leaders == ["Ana", "Gil"]
    ana = report.communities[0].leaders[0]
    assert (ana.people, ana.written) == (5, 3)
    assert "5 people of this community reply to" in ana.why.en
    assert "wrote 3 messages; influence rank 1 of 6 here" in ana.why.en
    assert "a écrit 3 messages ; rang d'influence 1 sur 6 ici" in ana.why.fr
    assert [report.names[t.person_id].name for t in report.topical] == ["Ana", "Gil"]
    assert report.small_communities == 0


def test_one_community_can_be_asked_for_and_an_unknown_one_is_refused(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as session:
        report = leaders_report(session, community=2)
        assert [c.number for c in report.communities] == [2]
        with pytest.raises(ValidationError, match="community 3: no such community"):
            leaders_report(session, community=3)


def test_a_window_before_any_message_finds_nobody(workspace: sessionmaker[Session]) -> None:
    start, end = day_window(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    with workspace() as session:
        report = leaders_report(session, since=start, until=end, topic="vélo cargo")
    assert (report.people_count, report.communities, report.topical) == (0, [], [])


def test_the_window_counts_whole_days_until_included() -> None:
    start, end = day_window(DAY.date(), DAY.date())
    assert (start, end) == (
        dt.datetime(2025, 3, 3, tzinfo=dt.UTC),
        dt.datetime(2025, 3, 4, tzinfo=dt.UTC),
    )
    with pytest.raises(ValidationError, match="since: must not come after until"):
        day_window(dt.date(2025, 3, 4), dt.date(2025, 3, 3))


def test_topic_words_fold_accents_and_plurals_and_skip_common_words() -> None:
    terms = topic_terms("Les emballages consignés", "fr")
    assert terms.keys == ("emballage", "consigne")
    assert terms.patterns == ("emballage", "consign_")  # LIKE finds them, accents or not
    assert topic_terms("vélo", "fr").patterns == ("v_lo",)
    assert terms.required == 2
    long = topic_terms("Livrer les courses en vélo cargo dans toute la ville de Lyon", "fr")
    assert long.required == 2
    assert len(long.keys) > 3
    with pytest.raises(ValidationError, match="no word to search for"):
        topic_terms("de la", "fr")


def test_the_json_report_holds_both_languages(workspace: sessionmaker[Session]) -> None:
    with workspace() as session:
        data = report_as_dict(leaders_report(session, topic="vélo cargo", top=1))
    again = orjson.loads(orjson.dumps(data))
    first = again["communities"][0]["leaders"][0]
    assert first["name"] == "Ana"
    assert first["reach"] == 5
    assert set(first["why"]) == {"fr", "en"}
    assert again["topic"]["terms"] == ["velo", "cargo"]
    assert again["topic"]["leaders"][0]["name"] == "Gil"


def test_viewing_leaders_is_audited_with_the_people_shown(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as session:
        report = leaders_report(session, top=1)
        record_view(session, "user:inno", report, topic="", community=None, since="2025-03-01")
        session.commit()
        entry = session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "leaders.viewed")
        ).one()
    assert entry.actor == "user:inno"
    assert entry.details["asked"] == {"since": "2025-03-01"}
    assert entry.details["people"] == sorted(report.names)


def test_the_search_index_query_for_two_words_of_several_is_every_pair(
    sessions: sessionmaker[Session],
) -> None:
    with sessions() as db:
        if db.get_bind().dialect.name != "sqlite":
            # PostgreSQL's trigram indexes serve the LIKE patterns themselves: no query.
            assert _search_phrase(db, ("caf_", "coin", "_quipe"), required=2) is None
            assert _search_phrase(db, ("caf_", "coin"), required=1) is None
            return
        pairs = _search_phrase(db, ("caf_", "coin", "_quipe"), required=2)
        assert pairs == '("caf" AND "coin") OR ("caf" AND "quipe") OR ("coin" AND "quipe")'
        assert _search_phrase(db, ("caf_", "coin"), required=2) == '"caf" AND "coin"'
        assert _search_phrase(db, ("caf_", "coin"), required=1) == '"caf" OR "coin"'
        # A word the index cannot see stands aside where another word of its pair can...
        assert _search_phrase(db, ("a_b", "coin", "bin"), required=2) == (
            '"coin" OR "bin" OR ("coin" AND "bin")'
        )
        # ...and where nothing of a pair can be seen, the index does not narrow at all.
        assert _search_phrase(db, ("a_b", "c_d", "bin"), required=2) is None


def test_a_topic_finds_the_same_messages_with_the_search_index_as_without(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build_analysed(sessions, tmp_path)  # the analysis fills the search index
    topic = topic_terms("mécontent inadmissible répond résilier abonnement comprends option")
    assert topic.required == 2
    with sessions() as db:
        # Read twice, without the copy a process keeps (the second would be that copy).
        read = leader_service._topic_messages
        indexed = read(db, topic, since=None, until=None, public_only=False)
        monkeypatch.setattr(leader_service, "_search_phrase", lambda *_a, **_k: None)
        plain = read(db, topic, since=None, until=None, public_only=False)
        assert topic_messages(db, topic, public_only=False) == plain
    assert indexed == plain
    assert len(plain) == 15  # the first, second and fourth sentences of the world


def test_the_graph_is_kept_while_its_data_stays_the_same_and_read_again_when_it_moves(
    workspace: sessionmaker[Session],
) -> None:
    with workspace() as db:
        first = graph_communities(db)
        assert graph_communities(db) is first  # kept: nothing changed
        people = [int(p) for p in first.graph.people[:2]]
    assert len(people) == 2
    with transaction(workspace) as session:
        resolution.merge_persons(session, people[0], people[1], actor="test", force=True)
    with workspace() as db:
        merged = graph_communities(db)
        assert merged is not first
        assert merged.graph.size == first.graph.size - 1
    with transaction(workspace) as session:
        resolution.unmerge(session, people[1], actor="test")
    with workspace() as db:
        undone = graph_communities(db)
        assert undone.graph.size == first.graph.size
        assert undone is not merged
