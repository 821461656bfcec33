"""Opinion leaders from the store: communities and their leaders, leaders of a topic.

Read-only use cases (nothing is written, so nothing is audited): the web page, the
command line and the role suggestions of :mod:`palabre.innovation.roles` call them.
The analysis itself is in :mod:`palabre.innovation.leaders`.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from palabre.errors import ValidationError
from palabre.fabric import search_index
from palabre.fabric.interaction_version import KeptByVersion
from palabre.fabric.models import Channel, Message, Reaction
from palabre.graph.interactions import InteractionGraph, interaction_graph
from palabre.identity.models import Identity, Person
from palabre.innovation.leaders import (
    MIN_COMMUNITY,
    Community,
    TopicalAuthority,
    TopicMessage,
    communities,
    community_leaders,
    topical_authority,
)
from palabre.privacy.erasure_keys import erased_person_ids
from palabre.text.stopwords import stop_words
from palabre.text.terms import BOUNDARY, JOINER, fold, guess_language, tokens

#: At most this many words of a topic are searched for (an idea's first words).
MAX_TOPIC_WORDS: Final = 12
#: At most this many messages (the most recent) are read for one topic.
MAX_TOPIC_MESSAGES: Final = 20_000


@dataclass(frozen=True, slots=True)
class PersonRef:
    """How a leader is shown: the person's id, name and kind (customer, employee...)."""

    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class TopicTerms:
    """The words of a topic: folded keys (what messages are matched on), the ``LIKE``
    patterns the database prefilters with, and how many keys a message must carry."""

    label: str
    language: str
    keys: tuple[str, ...]
    patterns: tuple[str, ...]
    required: int


def like_pattern(surface: str, key: str) -> str:
    """What ``LIKE`` looks for to find a word whatever accents and plural a message uses:
    the folded key, with ``_`` (any one character) where the word has a letter beyond
    ASCII (``consignés`` -> ``consign_``, ``vélo`` -> ``v_lo``)."""
    return "".join(
        folded if "a" <= written <= "z" else "_"
        for written, folded in zip(surface, key, strict=False)
    )


def topic_terms(text: str, language: str | None = None, label: str | None = None) -> TopicTerms:
    """The content words of ``text`` (up to :data:`MAX_TOPIC_WORDS`, in text order);
    ``label`` names the topic in reasons (default: the text's first 80 characters).

    A message carries the topic when it holds every word of a topic of up to three
    words, or at least two words of a longer one (an idea's title and body).
    """
    words = tokens(text)
    lang = language or guess_language(words)
    stops = stop_words(lang)
    keys: list[str] = []
    patterns: list[str] = []
    for word in words:
        if word in (BOUNDARY, JOINER) or word in stops or len(word) < 3:
            continue
        key = fold(word)
        if key in keys:
            continue
        keys.append(key)
        patterns.append(like_pattern(word, key))
        if len(keys) == MAX_TOPIC_WORDS:
            break
    if not keys:
        raise ValidationError(f"topic {text!r}: no word to search for (only short or common words)")
    required = len(keys) if len(keys) <= 3 else 2
    shown = " ".join((label or text).split())[:80]
    return TopicTerms(shown, lang, tuple(keys), tuple(patterns), required)


def _public(public_only: bool) -> list[sa.ColumnElement[bool]]:
    return [Channel.visibility == "public"] if public_only else []


#: Topics' messages a process keeps, for the idea pages read again (see graph_communities).
_topics: KeptByVersion[list[TopicMessage]] = KeptByVersion(size=32, max_age=600.0)


def topic_messages(
    session: Session,
    topic: TopicTerms,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    public_only: bool = True,
) -> list[TopicMessage]:
    """The messages of the window that carry ``topic``, with the replies (from other
    people) and the reactions each drew; the most recent :data:`MAX_TOPIC_MESSAGES`.

    Kept per process while the interactions stay the same, as the graph is."""
    key = ("topic", topic.keys, topic.patterns, topic.required, since, until, public_only)
    kept = _topics.get(
        session,
        key,
        lambda: _topic_messages(session, topic, since=since, until=until, public_only=public_only),
    )
    return list(kept)  # the kept list is shared: callers get their own


def _topic_messages(
    session: Session,
    topic: TopicTerms,
    *,
    since: dt.datetime | None,
    until: dt.datetime | None,
    public_only: bool,
) -> list[TopicMessage]:
    author = aliased(Identity)
    replier = aliased(Identity)
    reply = aliased(Message)
    replies = (
        sa.select(sa.func.count())
        .select_from(reply)
        .join(replier, replier.id == reply.author_identity_id)
        .where(reply.reply_to_id == Message.id, replier.person_id != author.person_id)
        .scalar_subquery()
    )
    reactions = (
        sa.select(sa.func.count())
        .select_from(Reaction)
        .where(Reaction.message_id == Message.id)
        .scalar_subquery()
    )
    every = topic.required == len(topic.keys)
    phrase = _search_phrase(session, topic.patterns, required=topic.required)
    patterns = [
        sa.or_(Message.text.ilike(f"%{p}%"), Message.title.ilike(f"%{p}%")) for p in topic.patterns
    ]
    match = sa.and_(*patterns) if every else sa.or_(*patterns)
    if phrase is not None:
        # SQLite's trigram index of the texts (migrations 0004, 0009) narrows the scan to the
        # messages holding the words' letters; LIKE then decides, as without it.
        fts = sa.table("message_fts", sa.column("rowid"))
        hits = sa.select(fts.c.rowid).where(
            sa.text("message_fts MATCH :phrase").bindparams(phrase=phrase)
        )
        # Messages above the index's watermark are not in it yet (imports leave them
        # to ``palabre analyze``): they are tested by LIKE alone.
        through = search_index.indexed_through(session) or 0
        match = sa.and_(sa.or_(Message.id.in_(hits), Message.id > through), match)
    where = [match, author.is_bot.is_(False), *_public(public_only)]
    if since is not None:
        where.append(Message.created_at >= since)
    if until is not None:
        where.append(Message.created_at < until)
    query = (
        sa.select(
            author.person_id,
            Message.title,
            Message.text,
            Message.reply_to_id.is_(None),
            replies,
            reactions,
        )
        .select_from(Message)
        .join(author, author.id == Message.author_identity_id)
        .join(Channel, Channel.id == Message.channel_id)
        .where(*where)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(MAX_TOPIC_MESSAGES)
    )
    wanted = set(topic.keys)
    out: list[TopicMessage] = []
    for person, title, text, root, replied, reacted in session.execute(query):
        found = {fold(w) for w in tokens(f"{title or ''}\n{text}")} & wanted
        if len(found) >= topic.required:
            out.append(TopicMessage(int(person), len(found), bool(root), replied, reacted))
    return out


def _search_phrase(session: Session, patterns: Sequence[str], *, required: int) -> str | None:
    """An FTS5 query for SQLite's trigram index that finds at least every message holding
    ``required`` of the ``LIKE`` patterns: each word stands for its longest run of plain
    letters (three or more). Every word needed: their runs joined by AND; one of them:
    by OR; two or more of several: an OR of every pair (a message with two of the words
    holds one of the pairs), which leaves out the many messages holding one common word
    only. None on PostgreSQL (its trigram indexes serve ``ILIKE``) and when the index
    cannot narrow the search (a word without such a run where it alone would match)."""
    if session.get_bind().dialect.name != "sqlite":
        return None
    runs = [max(p.split("_"), key=len) for p in patterns]
    usable = [f'"{run}"' if len(run) >= 3 else None for run in runs]
    if required >= len(patterns):
        kept = [run for run in usable if run is not None]
        return " AND ".join(kept) if kept else None
    if required <= 1:
        return None if None in usable else " OR ".join(run for run in usable if run)
    pairs: list[str] = []
    for first, second in itertools.combinations(usable, 2):
        both = [run for run in (first, second) if run is not None]
        if not both:
            return None  # a pair of words the index cannot see: no narrowing
        pairs.append(f"({' AND '.join(both)})" if len(both) == 2 else both[0])
    return " OR ".join(dict.fromkeys(pairs))


def people(session: Session, ids: Iterable[int]) -> dict[int, PersonRef]:
    """Names and kinds of the people ``ids`` (a person without a name shows as ``#id``)."""
    wanted = sorted(set(ids))
    out: dict[int, PersonRef] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows = session.execute(
            sa.select(Person.id, Person.display_name, Person.kind).where(Person.id.in_(chunk))
        )
        for pid, name, kind in rows:
            out[pid] = PersonRef(pid, name or f"#{pid}", kind)
    return out


@dataclass(frozen=True)
class LeadersReport:
    """What ``palabre leaders`` and the leaders page show."""

    since: dt.datetime | None
    until: dt.datetime | None
    people_count: int
    interactions: int  # edges: ordered pairs of people with at least one interaction
    communities: list[Community]
    small_communities: int  # communities under MIN_COMMUNITY members, not listed
    topic: TopicTerms | None
    topical: list[TopicalAuthority]
    names: dict[int, PersonRef] = field(default_factory=dict)


@dataclass(frozen=True)
class GraphCommunities:
    """The interaction graph of a window and its communities (numbered from 1)."""

    graph: InteractionGraph
    membership: list[int]


#: Graphs a process keeps (each idea page, the leaders page and their API read the same
#: one): a few, for they hold every person and pair of the window; ten minutes at most.
GRAPH_CACHE_SIZE: Final = 2
GRAPH_CACHE_SECONDS: Final = 600.0
_graphs: KeptByVersion[GraphCommunities] = KeptByVersion(
    size=GRAPH_CACHE_SIZE, max_age=GRAPH_CACHE_SECONDS
)


def graph_communities(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    seed: int = 0,
    public_only: bool = True,
) -> GraphCommunities:
    """Read the interaction graph of the window and find its communities.

    Kept per process while the data it is made of stays the same
    (:mod:`palabre.fabric.interaction_version`): reading a million messages' graph and
    finding its communities takes seconds, and every idea page of a manager asks for it.
    """

    def compute() -> GraphCommunities:
        graph = interaction_graph(session, since=since, until=until, public_only=public_only)
        return GraphCommunities(graph, communities(graph, seed=seed).tolist())

    return _graphs.get(session, ("graph", since, until, seed, public_only), compute)


def leaders_report(
    session: Session,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    community: int | None = None,
    topic: str | None = None,
    language: str | None = None,
    top: int = 5,
    seed: int = 0,
    public_only: bool = True,
) -> LeadersReport:
    """Communities of the window (or only community number ``community``) with their
    ``top`` leaders, and the ``top`` leaders of ``topic`` when one is given."""
    if since is not None and until is not None and since >= until:
        raise ValidationError("since: must come before until")
    found = graph_communities(session, since=since, until=until, seed=seed, public_only=public_only)
    membership = np.asarray(found.membership, dtype=np.int64)
    listed = community_leaders(
        found.graph, membership, top=top, excluded=erased_person_ids(session)
    )
    total = int(membership.max(initial=0))
    if community is not None:
        listed = [c for c in listed if c.number == community]
        if not listed:
            raise ValidationError(
                f"community {community}: no such community of {MIN_COMMUNITY} people or more "
                f"(there are {total} communities in all)"
            )
    terms = topic_terms(topic, language) if topic else None
    topical: list[TopicalAuthority] = []
    if terms is not None:
        found_messages = topic_messages(
            session, terms, since=since, until=until, public_only=public_only
        )
        topical = topical_authority(found_messages, terms.label, top=top)
    ids = [leader.person_id for c in listed for leader in c.leaders]
    ids += [t.person_id for t in topical]
    return LeadersReport(
        since=since,
        until=until,
        people_count=found.graph.size,
        interactions=int(found.graph.graph.ecount()),
        communities=listed,
        small_communities=sum(
            1 for n in range(1, total + 1) if int(np.sum(membership == n)) < MIN_COMMUNITY
        ),
        topic=terms,
        topical=topical,
        names=people(session, ids),
    )


def day_window(
    since: dt.date | None, until: dt.date | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Days (``until`` included) as the UTC instants the graph reads (``until`` excluded)."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC) if since else None
    end = (
        dt.datetime.combine(until + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        if until
        else None
    )
    if start is not None and end is not None and start >= end:
        raise ValidationError("since: must not come after until")
    return start, end


def _person(names: dict[int, PersonRef], pid: int) -> dict[str, object]:
    ref = names.get(pid, PersonRef(pid, f"#{pid}", "unknown"))
    return {"person_id": pid, "name": ref.name, "kind": ref.kind}


def report_as_dict(report: LeadersReport) -> dict[str, object]:
    """The report as JSON-ready data (``palabre leaders --json``); reasons in both languages."""
    names = report.names
    return {
        "since": report.since.isoformat() if report.since else None,
        "until": report.until.isoformat() if report.until else None,
        "people": report.people_count,
        "interactions": report.interactions,
        "small_communities": report.small_communities,
        "communities": [
            {
                "number": c.number,
                "size": c.size,
                "leaders": [
                    {
                        **_person(names, leader.person_id),
                        "rank": leader.rank,
                        "reach": leader.people,
                        "messages": leader.written,
                        "influence": round(leader.influence, 6),
                        "core": leader.core,
                        "replies": leader.replies,
                        "mentions": leader.mentions,
                        "reactions": leader.reactions,
                        "why": {"fr": leader.why.fr, "en": leader.why.en},
                    }
                    for leader in c.leaders
                ],
            }
            for c in report.communities
        ],
        "topic": None
        if report.topic is None
        else {
            "label": report.topic.label,
            "language": report.topic.language,
            "terms": list(report.topic.keys),
            "leaders": [
                {
                    **_person(names, t.person_id),
                    "rank": t.rank,
                    "score": round(t.score, 3),
                    "messages": t.messages,
                    "started": t.started,
                    "replies": t.replies,
                    "reactions": t.reactions,
                    "why": {"fr": t.why.fr, "en": t.why.en},
                }
                for t in report.topical
            ],
        },
    }


def record_view(session: Session, actor: str, report: LeadersReport, **asked: object) -> None:
    """Audit that ``actor`` viewed person-level leaders data (DESIGN.md, privacy model):
    what was asked and which people were shown."""
    from palabre.privacy import audit

    audit.record(
        session,
        actor=actor,
        action="leaders.viewed",
        subject_type="leaders",
        details={
            "asked": {k: v for k, v in asked.items() if v not in (None, "")},
            "people": sorted(report.names),
        },
    )
