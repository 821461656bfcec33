"""The interaction graph read from the store: replies, mentions and reactions between
people, counted exactly, windowed in time, public channels only by default."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.graph.interactions import (
    KINDS,
    Interactions,
    build_graph,
    interaction_graph,
    load_interactions,
)
from palabre.identity.models import Identity
from tests.innovation.leaders_world import at, counted_records, load


def _person_of(session: Session) -> dict[str, int]:
    rows = session.execute(sa.select(Identity.external_id, Identity.person_id)).all()
    return {row[0]: row[1] for row in rows}


def _edges(session: Session, **window: object) -> dict[tuple[str, str, str], int]:
    names = {person: external for external, person in _person_of(session).items()}
    found = load_interactions(session, **window)  # type: ignore[arg-type]
    out: dict[tuple[str, str, str], int] = {}
    for s, t, k, n in zip(found.source, found.target, found.kind, found.count, strict=True):
        out[(names[int(s)], names[int(t)], KINDS[int(k)])] = int(n)
    return out


def test_replies_mentions_and_reactions_are_counted_exactly(
    sessions: sessionmaker[Session],
) -> None:
    load(sessions, counted_records())
    with sessions() as session:
        assert _edges(session) == {
            ("bob", "ana", "replies"): 1,
            ("cat", "ana", "replies"): 1,
            ("ana", "bob", "replies"): 1,
            ("dan", "ana", "replies"): 1,
            ("bob", "ana", "mentions"): 1,
            ("bob", "ana", "reactions"): 1,
            ("cat", "ana", "reactions"): 1,
        }  # no self-reply of ana, nothing from the bot, nothing from the private channel


def test_the_window_keeps_since_and_leaves_out_until(sessions: sessionmaker[Session]) -> None:
    load(sessions, counted_records())
    with sessions() as session:
        early = _edges(session, until=at(24))
        assert ("dan", "ana", "replies") not in early
        assert early[("bob", "ana", "replies")] == 1
        late = _edges(session, since=at(24 * 10))
        assert late == {("dan", "ana", "replies"): 1}
        # A reaction is dated by its own time: cat reacted two hours in.
        assert ("cat", "ana", "reactions") not in _edges(session, since=at(1), until=at(2))
        assert _edges(session, since=at(2), until=at(3))[("cat", "ana", "reactions")] == 1


def test_private_channels_are_read_only_when_asked(sessions: sessionmaker[Session]) -> None:
    load(sessions, counted_records())
    with sessions() as session:
        everything = _edges(session, public_only=False)
        assert everything[("ana", "dan", "replies")] == 1
        assert ("ana", "dan", "replies") not in _edges(session)


def test_a_naive_window_is_refused(sessions: sessionmaker[Session]) -> None:
    with sessions() as session, pytest.raises(ValueError, match="since must carry a time zone"):
        load_interactions(session, since=dt.datetime(2025, 3, 1))


def test_the_graph_adds_up_kinds_into_weights_per_pair(sessions: sessionmaker[Session]) -> None:
    load(sessions, counted_records())
    with sessions() as session:
        graph = interaction_graph(session)
        person = _person_of(session)
    index = graph.index_of()
    g = graph.graph
    edge = g.es[g.get_eid(index[person["bob"]], index[person["ana"]])]
    assert (edge["replies"], edge["mentions"], edge["reactions"]) == (1, 1, 1)
    assert edge["weight"] == pytest.approx(1 + 1 + 0.5)
    assert graph.size == 4  # ana, bob, cat, dan; not the bot
    assert g.ecount() == 4  # bob->ana, cat->ana, ana->bob, dan->ana
    written = {name: g.vs[index[person[name]]]["messages"] for name in ("ana", "bob", "dan")}
    assert written == {"ana": 3, "bob": 1, "dan": 1}  # public messages only


def test_build_graph_merges_rows_of_the_same_pair_and_drops_self_loops() -> None:
    rows = Interactions.from_rows(
        [(1, 2, "replies", 2), (1, 2, "replies", 1), (2, 2, "mentions", 5), (3, 1, "reactions", 4)]
    )
    graph = build_graph(rows, people=np.array([9]))
    assert graph.people.tolist() == [1, 2, 3, 9]
    g = graph.graph
    assert g.ecount() == 2
    assert g.es[g.get_eid(0, 1)]["replies"] == 3
    assert g.es[g.get_eid(2, 0)]["weight"] == pytest.approx(2.0)


def test_rows_with_an_unknown_kind_are_refused_with_their_position() -> None:
    with pytest.raises(ValueError, match="row 1: unknown kind 'likes'"):
        Interactions.from_rows([(1, 2, "replies", 1), (1, 2, "likes", 1)])  # type: ignore[list-item]
