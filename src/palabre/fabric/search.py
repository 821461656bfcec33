"""Finding messages: a search by text, author, channel and dates, and a person's timeline.

Both list the messages a role may read (:func:`palabre.fabric.channel_access.channel_rule`)
that meet some criteria, newest first, one page at a time, with a total.

Their statements are built once per *shape* (the database, the role and which criteria
are given) with bind parameters for the values, and kept: building them costs
SQLAlchemy more than running them costs the database (see :mod:`palabre.db.prepared`).

On SQLite a text is looked for through the search index ``message_fts`` (an FTS5
trigram table, migrations 0004 and 0009) up to its watermark, and the newer rows are
tested one by one (:mod:`palabre.fabric.search_index`); PostgreSQL's trigram GIN indexes
serve its case-insensitive regular expressions. Every row listed or counted as exact
still passes the exact test (:func:`palabre.fabric.text_match.contains_condition`), so
the results are those a scan of every message would give.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute, Session

from palabre.db import prepared
from palabre.db.prepared import AnySelect
from palabre.fabric import search_index
from palabre.fabric.channel_access import channel_rule
from palabre.fabric.message_rows import VIEW_COLUMNS, MessageView, message_view, with_authors
from palabre.fabric.models import Channel, Message, Thread
from palabre.fabric.paging import Page, page_bounds
from palabre.fabric.text_match import contains_condition, contains_pattern, register_sqlite_lower
from palabre.identity.models import Identity, Person

#: A search counts its hits up to this many (ten pages); past it the total reads "250+":
#: checking the text of every hit of a common word, page after page, costs more than
#: the page itself, and nobody reads 40,000 hits without refining the search.
SEARCH_COUNT_LIMIT: Final = 250
#: The SQLite search index (migration 0004) finds strings of this many characters or more.
_TRIGRAM: Final = 3


@dataclass(frozen=True)
class SearchQuery:
    """What to look for; every criterion is optional and they combine with AND."""

    text: str | None = None
    author: str | None = None
    channel_id: int | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no criterion is given."""
        return not (self.text or self.author or self.channel_id or self.since or self.until)


@dataclass(frozen=True)
class _Shape:
    """What a listing's statements depend on (its values are bind parameters)."""

    dialect: str
    role: str
    text: bool = False
    author: bool = False
    channel: bool = False
    since: bool = False
    until: bool = False
    person: bool = False


#: How a text criterion meets the rows: none at all; every row tested (``scan``); the
#: search index's hits joined (``indexed``); or those hits and the rows above the
#: index's watermark (``pending``).
_Mode = Literal["none", "scan", "indexed", "pending"]

_FTS: Final = sa.table("message_fts", sa.column("rowid"))
_MATCH: Final = sa.text("message_fts MATCH :phrase")


def _criteria(shape: _Shape) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = [channel_rule(shape.role)]
    if shape.author:
        author: sa.BindParameter[str] = sa.bindparam("author")
        where.append(
            sa.or_(
                contains_condition(shape.dialect, Identity.display_name, author),
                contains_condition(shape.dialect, Identity.handle, author),
                contains_condition(shape.dialect, Person.display_name, author),
            )
        )
    if shape.person:
        where.append(Identity.person_id == sa.bindparam("person_id"))
    if shape.channel:
        where.append(Message.channel_id == sa.bindparam("channel_id"))
    if shape.since:
        where.append(Message.created_at >= sa.bindparam("since"))
    if shape.until:
        where.append(Message.created_at < sa.bindparam("until"))
    return where


def _text_test(shape: _Shape) -> sa.ColumnElement[bool]:
    pattern: sa.BindParameter[str] = sa.bindparam("text")
    return sa.or_(
        contains_condition(shape.dialect, Message.text, pattern),
        contains_condition(shape.dialect, Message.title, pattern),
    )


def _narrowed(select: AnySelect, shape: _Shape, mode: _Mode, *, tested: bool) -> AnySelect:
    """``select`` (from messages) kept to the rows a text criterion in ``mode`` may match;
    ``tested``: each of them passes the exact test too."""
    if mode == "indexed":
        select = select.join(_FTS, _FTS.c.rowid == Message.id).where(_MATCH)
    elif mode == "pending":
        indexed = Message.id.in_(sa.select(_FTS.c.rowid).where(_MATCH))
        select = select.where(sa.or_(Message.id > sa.bindparam("tail"), indexed))
    if mode != "none" and tested:
        select = select.where(_text_test(shape))
    return select


@lru_cache(maxsize=512)
def _listed(shape: _Shape, mode: _Mode) -> AnySelect:
    """One page (``:limit`` from ``:offset``) of the rows, newest first, as views."""
    base = with_authors(
        sa.select(
            *VIEW_COLUMNS,
            Thread.title.label("thread_title"),
            Channel.name.label("channel_name"),
            Channel.kind.label("channel_kind"),
        )
        .select_from(Message)
        .join(Channel, Channel.id == Message.channel_id)
        .join(Thread, Thread.id == Message.thread_id)
    ).where(*_criteria(shape))
    return (
        _narrowed(base, shape, mode, tested=True)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
    )


@lru_cache(maxsize=512)
def _counted(shape: _Shape, mode: _Mode, *, tested: bool, capped: bool) -> AnySelect:
    """How many rows there are; ``capped``: no more than ``:cap``."""
    rows = _narrowed(_narrow(shape, Message.id), shape, mode, tested=tested)
    if capped:
        rows = rows.limit(sa.bindparam("cap"))
    return sa.select(sa.func.count()).select_from(rows.subquery())


@lru_cache(maxsize=64)
def _listed_with_total(shape: _Shape) -> AnySelect:
    """:func:`_listed` (no text criterion) with the number of all the rows on each row.

    On SQLite the page is chosen among the narrow rows (an id, a date, the total), and
    only its rows are read whole: sorting a person's hundreds of messages with every
    column, their thread and their channel made SQLite carry texts it then dropped
    (0.73 -> 0.28 ms of CPU on the load benchmark's profile). PostgreSQL's plan of that
    form, prepared once for any person, took longer (0.6 -> 1.6 ms for the statement):
    there the plain form stays.
    """
    if shape.dialect != "sqlite":
        return _listed(shape, "none").add_columns(sa.func.count().over().label("total"))
    chosen = (
        _narrow(shape, Message.id, Message.created_at, sa.func.count().over().label("total"))
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery("chosen")
    )
    return _read_whole(chosen, chosen.c.total)


@lru_cache(maxsize=128)
def _listed_with_capped_total(shape: _Shape) -> AnySelect:
    """A page of the rows a text scan finds and, on each row, how many there are up to
    ``:reach``, in one walk of the messages newest first (PostgreSQL).

    The hits are found once, in the page's order, and kept (a ``MATERIALIZED`` common
    table expression: it is read twice); the page's rows only are then read whole.
    Counting apart walked the table in its physical order again after the page had
    walked it newest first: on the 1 M-message demo a search for a common word tested
    3,872 rows to count 251 hits, then about 160 more for the page (8.4 + 2.6 ms of the
    database's time); walking once newest first tested 1,664 (5.4 ms for both), and the
    server makes one round trip instead of two.
    """
    rows = _narrow(shape, Message.id, Message.created_at)
    hits = (
        _narrowed(rows, shape, "scan", tested=True)
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(sa.bindparam("reach"))
        .cte("hits")
        .prefix_with("MATERIALIZED")
    )
    total = sa.select(sa.func.count()).select_from(hits).scalar_subquery()
    chosen = (
        sa.select(hits.c.id, hits.c.created_at)
        .order_by(hits.c.created_at.desc(), hits.c.id.desc())
        .limit(sa.bindparam("limit"))
        .offset(sa.bindparam("offset"))
        .subquery("chosen")
    )
    return _read_whole(chosen, total.label("total"))


def _narrow(
    shape: _Shape, *columns: sa.ColumnElement[Any] | InstrumentedAttribute[Any]
) -> AnySelect:
    """``columns`` of the messages meeting ``shape``'s criteria other than the text, with
    the joins those criteria need only: the narrow rows a page is chosen among."""
    rows = sa.select(*columns).join(Channel, Channel.id == Message.channel_id)
    if shape.author or shape.person:
        rows = rows.outerjoin(Identity, Identity.id == Message.author_identity_id).outerjoin(
            Person, Person.id == Identity.person_id
        )
    return rows.where(*_criteria(shape))


def _read_whole(chosen: sa.Subquery, total: sa.ColumnElement[Any]) -> AnySelect:
    """The chosen page's rows (``chosen``: ``id`` and ``created_at``) read whole as views,
    with ``total`` on each, in the page's order."""
    return (
        with_authors(
            sa.select(
                *VIEW_COLUMNS,
                Thread.title.label("thread_title"),
                Channel.name.label("channel_name"),
                Channel.kind.label("channel_kind"),
                total,
            )
            .select_from(chosen)
            .join(Message, Message.id == chosen.c.id)
            .join(Channel, Channel.id == Message.channel_id)
            .join(Thread, Thread.id == Message.thread_id)
        )
        # The page's order again: a join keeps no order of its own.
        .order_by(chosen.c.created_at.desc(), chosen.c.id.desc())
    )


def _views(rows: Iterable[sa.Row[Any]]) -> list[MessageView]:
    items = []
    for row in rows:
        view = message_view(row)
        view.thread_title = row.thread_title or row.title or None
        view.channel_name = row.channel_name
        view.channel_kind = row.channel_kind
        items.append(view)
    return items


def _page_of(
    session: Session, shape: _Shape, mode: _Mode, params: dict[str, Any]
) -> list[MessageView]:
    return _views(prepared.rows(session, _listed(shape, mode), params))


def _count(
    session: Session,
    shape: _Shape,
    mode: _Mode,
    params: dict[str, Any],
    *,
    tested: bool = True,
    capped: bool = False,
) -> int:
    statement = _counted(shape, mode, tested=tested, capped=capped)
    return int(prepared.scalar(session, statement, params) or 0)


def _text_phrase(session: Session, needle: str) -> str | None:
    """``needle`` as a phrase for SQLite's search index ``message_fts`` (migrations 0004, 0009);
    None when no such index serves (PostgreSQL's matches use its own trigram indexes)
    or cannot (the trigram index finds three characters or more).

    The index folds case as Unicode does, like the exact test that the rows still pass,
    so it never leaves out a message that matches.
    """
    needle = needle.replace("\x00", "")
    if session.get_bind().dialect.name != "sqlite" or len(needle) < _TRIGRAM:
        return None
    return '"' + needle.replace('"', '""') + '"'


def search_messages(
    session: Session, role: str, query: SearchQuery, *, page: int = 1, per_page: int = 25
) -> Page[MessageView]:
    """Messages ``role`` may read that match every criterion of ``query``, newest first.

    ``text`` is looked for in the message and its title, ``author`` in the author's
    names and handle, both ignoring case; ``since`` is inclusive, ``until`` exclusive.
    The total stops at :data:`SEARCH_COUNT_LIMIT` (``exact`` False past it): counting a
    million matches would cost as much as reading them, on every page of a search.
    """
    page, per_page = page_bounds(page, per_page)
    limit = SEARCH_COUNT_LIMIT
    dialect = session.get_bind().dialect.name
    shape = _Shape(
        dialect=dialect,
        role=role,
        text=bool(query.text),
        author=bool(query.author),
        channel=query.channel_id is not None,
        since=query.since is not None,
        until=query.until is not None,
    )
    params: dict[str, Any] = {
        "limit": per_page,
        "offset": (page - 1) * per_page,
        "cap": limit + 1,
    }
    if query.text or query.author:
        register_sqlite_lower(session)
    if query.author:
        params["author"] = contains_pattern(dialect, query.author)
    if query.channel_id is not None:
        params["channel_id"] = query.channel_id
    if query.since is not None:
        params["since"] = query.since
    if query.until is not None:
        params["until"] = query.until
    mode: _Mode = "none"
    total: int | None = None
    if query.text:
        params["text"] = contains_pattern(dialect, query.text)
        phrase = _text_phrase(session, query.text)
        mode = "scan"
        if phrase is not None:
            params["phrase"] = phrase
            tail = search_index.pending_above(session)
            if tail is not None:
                # Rows above the watermark are not in the index yet: they are tested one
                # by one, with the index's hits below it (the same results once it
                # catches up).
                mode = "pending"
                params["tail"] = tail
            else:
                # The readable hits of the index, counted up to the limit without reading
                # each text again (the index folds case as the exact test does). Many:
                # walking the messages newest first finds a page sooner than sorting them
                # all. Few: they are tested, counted exactly and listed from the index.
                hits = _count(session, shape, "indexed", params, tested=False, capped=True)
                if hits > limit:
                    total = hits
                else:
                    mode = "indexed"
    if total is None and mode == "scan" and dialect == "postgresql":
        # The page and its capped total in one walk (see _listed_with_capped_total).
        params["reach"] = max(limit + 1, params["offset"] + params["limit"])
        rows = prepared.rows(session, _listed_with_capped_total(shape), params).all()
        if rows or page == 1:
            total = int(rows[0].total) if rows else 0
            exact = total <= limit
            return Page(_views(rows), total if exact else limit, page, per_page, exact)
        # A page past the end has no row to carry the total: counted on its own below.
    if total is None:
        total = _count(session, shape, mode, params, capped=True)
    exact = total <= limit
    items = _page_of(session, shape, mode, params)
    return Page(items, total if exact else limit, page, per_page, exact)


def messages_by_person(
    session: Session, role: str, person_id: int, *, page: int = 1, per_page: int = 20
) -> Page[MessageView]:
    """What a person wrote, across every channel ``role`` may read, newest first.

    Merging a person moves its identities to the survivor, so the survivor's page
    holds the messages of everyone merged into it.
    """
    page, per_page = page_bounds(page, per_page)
    shape = _Shape(dialect=session.get_bind().dialect.name, role=role, person=True)
    params = {"person_id": person_id, "limit": per_page, "offset": (page - 1) * per_page}
    # The page and the total in one statement (a round trip less on PostgreSQL); only a
    # page past the end, which has no row to carry the total, counts on its own.
    rows = prepared.rows(session, _listed_with_total(shape), params).all()
    if rows:
        total = int(rows[0].total)
    else:
        total = 0 if page == 1 else _count(session, shape, "none", params)
    return Page(_views(rows), total, page, per_page)
