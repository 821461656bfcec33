"""The interaction graph of the social fabric: who answers, mentions and reacts to whom.

An edge ``u -> v`` means that ``u`` paid attention to ``v``: ``u`` replied to a message
of ``v``, mentioned ``v``, or reacted to a message of ``v``. Vertices are *people*
(identities resolved to their person, so that a customer's forum and social accounts
count once); bots and self-interactions are left out. Each edge carries the count of
each kind and a weight (:data:`WEIGHTS`: a reaction costs less than a written answer).

Reading is three grouped SQL queries (messages with the replies they answer, mentions,
reactions) that return one row per pair of identities, never one row per message, so
a one-million-message workspace is read in a few seconds on SQLite and PostgreSQL.
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
from typing import Any, ClassVar, Final, Literal

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
    # Identities are few beside messages: the queries group by identity, without
    # joins, and a lookup array turns identities into people (-1: a bot, or nobody).
    known = session.execute(sa.select(Identity.id, Identity.person_id, Identity.is_bot)).all()
    size = max((row[0] for row in known), default=0) + 2
    person = np.full(size, -1, dtype=np.int64)
    for identity, owner, is_bot in known:
        if not is_bot:
            person[identity] = owner
    # "+ 0" keeps SQLite from walking an index (of channels for the filter, of authors or
    # reactors for the grouping) and fetching message rows at random: without it a
    # one-million-message workspace reads 5 to 10 times slower. With a window, the
    # index on created_at still serves. PostgreSQL plans the same either way.
    where: list[sa.ColumnElement[bool]] = []
    if public_only:
        public = session.scalars(sa.select(Channel.id).where(Channel.visibility == "public"))
        where.append((Message.channel_id + 0).in_(list(public)))
    parent = aliased(Message)
    author = (Message.author_identity_id + 0).label("author")
    reactor = (Reaction.identity_id + 0).label("reactor")
    count = sa.func.count()
    # One pass over the messages gives both each author's messages and the replies
    # (the parent's author is empty for a message that answers nobody).
    authored = (
        sa.select(author, parent.author_identity_id, count)
        .select_from(Message)
        .outerjoin(parent, parent.id == Message.reply_to_id)
        .where(*where, *_window(Message.created_at, since, until))
        .group_by(author, parent.author_identity_id)
    )
    mentions = (
        sa.select(Message.author_identity_id, Mention.identity_id, count)
        .select_from(Mention)
        .join(Message, Message.id == Mention.message_id)
        .where(*where, *_window(Message.created_at, since, until))
        .group_by(Message.author_identity_id, Mention.identity_id)
    )
    when = sa.func.coalesce(Reaction.created_at, Message.created_at)
    reactions = (
        sa.select(reactor, Message.author_identity_id, count)
        .select_from(Reaction)
        .join(Message, Message.id == Reaction.message_id)
        .where(Reaction.identity_id.is_not(None), *where, *_window(when, since, until))
        .group_by(reactor, Message.author_identity_id)
    )

    def people(rows: list[tuple[Any, ...]]) -> tuple[IntArray, ...]:
        table = np.array(
            [(-1 if a is None else a, -1 if b is None else b, n) for a, b, n in rows],
            dtype=np.int64,
        ).reshape(-1, 3)
        # identity -1 (absent) maps through the last slot of the lookup, which is -1
        return person[table[:, 0]], person[table[:, 1]], table[:, 2]

    parts: list[tuple[IntArray, ...]] = []
    writers, parents, counts = people([tuple(row) for row in session.execute(authored)])
    is_author = writers >= 0
    authors, inverse = np.unique(writers[is_author], return_inverse=True)
    written = np.bincount(inverse, weights=counts[is_author], minlength=len(authors))
    parts.append((writers, parents, np.zeros(len(counts), dtype=np.int64), counts))
    for code, query in ((1, mentions), (2, reactions)):
        source, target, n = people([tuple(row) for row in session.execute(query)])
        parts.append((source, target, np.full(len(n), code, dtype=np.int64), n))
    source, target, kind, n = (np.concatenate(column) for column in zip(*parts, strict=True))
    keep = (source >= 0) & (target >= 0) & (source != target)
    return _grouped(source[keep], target[keep], kind[keep], n[keep], authors, written)


def _grouped(
    source: IntArray,
    target: IntArray,
    kind: IntArray,
    count: IntArray,
    authors: IntArray,
    written: npt.NDArray[Any],
) -> Interactions:
    """One row per (source, target, kind): several identities of one person add up."""
    rows = np.column_stack([source, target, kind])
    unique, inverse = np.unique(rows, axis=0, return_inverse=True)
    summed = np.bincount(inverse.reshape(-1), weights=count, minlength=len(unique))
    return Interactions(
        unique[:, 0],
        unique[:, 1],
        unique[:, 2],
        summed.astype(np.int64),
        authors=authors.astype(np.int64),
        written=written.astype(np.int64),
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
