"""The interaction graph of the social fabric: who answers, mentions and reacts to whom.

An edge ``u -> v`` means that ``u`` paid attention to ``v``: ``u`` replied to a message
of ``v``, mentioned ``v``, or reacted to a message of ``v``. Vertices are *people*
(identities resolved to their person, so that a customer's forum and social accounts
count once); bots and self-interactions are left out. Each edge carries the count of
each kind and a weight (:data:`WEIGHTS`: a reaction costs less than a written answer).

Reading is three grouped SQL queries (one per kind) that return one row per pair of
people, never one row per message, and a fourth that counts each person's messages, so
a one-million-message workspace is read in seconds on SQLite and PostgreSQL alike.
Only ``public`` channels are read by default: a private support ticket or a direct
message is a private conversation, and who talks to whom there is not for an innovation
manager to see.

The window is on the time of the interaction (the reply or the mention's message,
the reaction's own time when the source gives it), ``since`` included, ``until``
excluded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar, Final, Literal

import igraph as ig
import numpy as np
import numpy.typing as npt
import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from palabre.fabric.models import Channel, Mention, Message, Reaction
from palabre.identity.models import Identity

Kind = Literal["replies", "mentions", "reactions"]
KINDS: Final[tuple[Kind, ...]] = ("replies", "mentions", "reactions")
#: How much one interaction of each kind weighs in influence.
WEIGHTS: Final[dict[Kind, float]] = {"replies": 1.0, "mentions": 1.0, "reactions": 0.5}
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Interactions:
    """Interactions between people, one row per (source, target, kind) with its count.

    ``source[i]`` paid attention ``count[i]`` times to ``target[i]`` in the way
    ``KINDS[kind[i]]``. ``authors`` and ``written`` (optional) say how many messages each
    person wrote in the period: influence discounts reach by it. Plain arrays: what the
    analysis reads, whatever the store.
    """

    source: IntArray
    target: IntArray
    kind: IntArray
    count: IntArray
    authors: IntArray | None = None
    written: IntArray | None = None

    @classmethod
    def from_rows(cls, rows: list[tuple[int, int, Kind, int]]) -> Interactions:
        """Interactions from ``(source, target, kind, count)`` rows (tests, other stores)."""
        codes = {k: i for i, k in enumerate(KINDS)}
        for position, (_, _, kind, count) in enumerate(rows):
            if kind not in codes:
                raise ValueError(f"row {position}: unknown kind {kind!r} (use {', '.join(KINDS)})")
            if count < 0:
                raise ValueError(f"row {position}: count must not be negative")
        return cls(
            np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64),
            np.array([codes[r[2]] for r in rows], dtype=np.int64),
            np.array([r[3] for r in rows], dtype=np.int64),
        )


@dataclass(frozen=True)
class InteractionGraph:
    """A directed, weighted graph of people.

    ``graph`` is an igraph ``Graph``: vertex ``i`` is the person ``people[i]``; each edge
    has the attributes ``weight``, ``replies``, ``mentions`` and ``reactions``.
    """

    graph: ig.Graph
    people: IntArray

    #: the vertex attribute holding how many messages each person wrote in the period
    MESSAGES: ClassVar[str] = "messages"

    @property
    def size(self) -> int:
        """Number of people in the graph."""
        return int(self.graph.vcount())

    def index_of(self) -> dict[int, int]:
        """Person id -> vertex index."""
        return {int(p): i for i, p in enumerate(self.people)}

    def undirected(self) -> ig.Graph:
        """The same people, one undirected edge per pair, its weight the sum both ways."""
        g = self.graph
        if g.ecount() == 0:
            return ig.Graph(n=g.vcount(), directed=False, edge_attrs={"weight": []})
        pairs = np.asarray(g.get_edgelist(), dtype=np.int64)
        weights = np.asarray(g.es["weight"], dtype=np.float64)
        return _undirected(g.vcount(), pairs[:, 0], pairs[:, 1], weights)


def _undirected(n: int, source: IntArray, target: IntArray, weight: FloatArray) -> ig.Graph:
    # Aggregating with numpy is several times faster than igraph's as_undirected(collapse)
    # on a million edges.
    low = np.minimum(source, target)
    high = np.maximum(source, target)
    keys, inverse = np.unique(low * n + high, return_inverse=True)
    summed = np.bincount(inverse, weights=weight, minlength=len(keys))
    return ig.Graph(
        n=n,
        edges=list(zip((keys // n).tolist(), (keys % n).tolist(), strict=True)),
        directed=False,
        edge_attrs={"weight": summed.tolist()},
    )


def build_graph(interactions: Interactions, people: IntArray | None = None) -> InteractionGraph:
    """Aggregate ``interactions`` into an :class:`InteractionGraph` (self-loops dropped).

    ``people`` lists the vertices to include even without interactions; by default the
    vertices are the people who appear in an interaction, in increasing id order. Each
    vertex gets the attribute ``messages`` (0 when ``interactions`` has no counts).
    """
    keep = interactions.source != interactions.target
    source = interactions.source[keep]
    target = interactions.target[keep]
    kind = interactions.kind[keep]
    count = interactions.count[keep]
    known = np.concatenate([source, target] + ([people] if people is not None else []))
    ids, codes = np.unique(known, return_inverse=True)
    n = len(ids)
    src, dst = codes[: len(source)], codes[len(source) : 2 * len(source)]
    keys, inverse = np.unique(src * n + dst, return_inverse=True)
    attrs: dict[str, list[float]] = {}
    weight = np.zeros(len(keys))
    for code, name in enumerate(KINDS):
        mine = kind == code
        per_edge = np.bincount(inverse[mine], weights=count[mine], minlength=len(keys))
        attrs[name] = per_edge.tolist()
        weight += WEIGHTS[name] * per_edge
    attrs["weight"] = weight.tolist()
    written = np.zeros(n, dtype=np.int64)
    if interactions.authors is not None and interactions.written is not None:
        known_authors = np.isin(interactions.authors, ids)
        where = np.searchsorted(ids, interactions.authors[known_authors])
        written[where] = interactions.written[known_authors]
    graph = ig.Graph(
        n=n,
        edges=list(zip((keys // n).tolist(), (keys % n).tolist(), strict=True)),
        directed=True,
        edge_attrs=attrs,
        vertex_attrs={InteractionGraph.MESSAGES: written.tolist()},
    )
    return InteractionGraph(graph, ids.astype(np.int64))


def _window(
    column: sa.ColumnElement[dt.datetime] | InstrumentedAttribute[dt.datetime],
    since: dt.datetime | None,
    until: dt.datetime | None,
) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if since is not None:
        where.append(column >= since)
    if until is not None:
        where.append(column < until)
    return where


def load_interactions(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    public_only: bool = True,
) -> Interactions:
    """Read replies, mentions and reactions between people from the store, grouped by pair.

    ``since`` / ``until`` must be timezone-aware. ``public_only`` (the default) reads
    only public channels (see the module's docstring).
    """
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise ValueError(f"{name} must carry a time zone")
    actor = aliased(Identity)
    other = aliased(Identity)
    parent = aliased(Message)
    visible = [Channel.visibility == "public"] if public_only else []
    people = [
        actor.person_id != other.person_id,
        actor.is_bot.is_(False),
        other.is_bot.is_(False),
    ]
    count = sa.func.count()
    replies = (
        sa.select(actor.person_id, other.person_id, count)
        .select_from(Message)
        .join(parent, parent.id == Message.reply_to_id)
        .join(actor, actor.id == Message.author_identity_id)
        .join(other, other.id == parent.author_identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*visible, *people, *_window(Message.created_at, since, until))
        .group_by(actor.person_id, other.person_id)
    )
    mentions = (
        sa.select(actor.person_id, other.person_id, count)
        .select_from(Mention)
        .join(Message, Message.id == Mention.message_id)
        .join(actor, actor.id == Message.author_identity_id)
        .join(other, other.id == Mention.identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*visible, *people, *_window(Message.created_at, since, until))
        .group_by(actor.person_id, other.person_id)
    )
    when = sa.func.coalesce(Reaction.created_at, Message.created_at)
    reactions = (
        sa.select(actor.person_id, other.person_id, count)
        .select_from(Reaction)
        .join(Message, Message.id == Reaction.message_id)
        .join(actor, actor.id == Reaction.identity_id)
        .join(other, other.id == Message.author_identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*visible, *people, *_window(when, since, until))
        .group_by(actor.person_id, other.person_id)
    )
    author = aliased(Identity)
    written = (
        sa.select(author.person_id, count)
        .select_from(Message)
        .join(author, author.id == Message.author_identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*visible, author.is_bot.is_(False), *_window(Message.created_at, since, until))
        .group_by(author.person_id)
    )
    columns: list[list[int]] = [[], [], [], []]
    for code, query in enumerate((replies, mentions, reactions)):
        for source, target, n in session.execute(query):
            columns[0].append(source)
            columns[1].append(target)
            columns[2].append(code)
            columns[3].append(n)
    authors: list[int] = []
    counts: list[int] = []
    for person, n in session.execute(written):
        authors.append(person)
        counts.append(n)
    sources, targets, kinds, numbers = (np.array(c, dtype=np.int64) for c in columns)
    return Interactions(
        sources,
        targets,
        kinds,
        numbers,
        authors=np.array(authors, dtype=np.int64),
        written=np.array(counts, dtype=np.int64),
    )


def interaction_graph(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    public_only: bool = True,
) -> InteractionGraph:
    """:func:`load_interactions` then :func:`build_graph`."""
    found = load_interactions(session, since=since, until=until, public_only=public_only)
    return build_graph(found)
