"""People, their identities on each channel, teams, attributes and segments."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow


class Person(Base):
    """A human being (or an organisation's account) the company talks with or employs.

    A person merged into another keeps its row with ``merged_into_id`` set, so that
    the merge can be undone exactly.
    """

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="unknown")
    display_name: Mapped[str | None] = mapped_column(sa.String(300))
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    # The id this person has in the CRM / HR system that declared them, if any.
    source: Mapped[str | None] = mapped_column(sa.String(100))
    external_id: Mapped[str | None] = mapped_column(sa.String(300))
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # Set when the person's data was erased (palabre.privacy.erasure): the row stays, with
    # nothing that names them, so that counts, votes and signals keep adding up.
    erased_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.CheckConstraint(
            "kind in ('customer', 'employee', 'partner', 'unknown')", name="person_kind"
        ),
    )


# The directory's order (migration 0015): live people by name, case folded, the nameless
# last. Walking it, a page of the directory reads 25 rows instead of sorting every person.
sa.Index(
    "ix_person_directory",
    Person.display_name.is_(None),
    sa.func.lower(Person.display_name),
    Person.id,
    sqlite_where=Person.merged_into_id.is_(None),
    postgresql_where=Person.merged_into_id.is_(None),
)


# The erased persons (migration 0019): few, asked for by imports and person-level
# rankings; a partial index holds only them.
sa.Index(
    "ix_person_erased",
    Person.erased_at,
    sqlite_where=Person.erased_at.is_not(None),
    postgresql_where=Person.erased_at.is_not(None),
)


class Identity(Base):
    """One account of a person on one source: a Slack user, an e-mail address, a forum login."""

    __tablename__ = "identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    # The person this identity was created for: merges move person_id, unmerge moves it back.
    original_person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    channel_kind: Mapped[str] = mapped_column(sa.String(40))
    external_id: Mapped[str] = mapped_column(sa.String(500))
    handle: Mapped[str | None] = mapped_column(sa.String(300))
    display_name: Mapped[str | None] = mapped_column(sa.String(300))
    email: Mapped[str | None] = mapped_column(sa.String(320), index=True)
    is_bot: Mapped[bool] = mapped_column(default=False)
    url: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)


class PersonAttribute(Base):
    """A typed fact about a person from a CRM or HR export (``city = Genève``, ``tenure = 26``)."""

    __tablename__ = "person_attribute"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    key: Mapped[str] = mapped_column(sa.String(200))
    value_type: Mapped[str] = mapped_column(sa.String(10))
    value_text: Mapped[str] = mapped_column(sa.Text)
    value_number: Mapped[float | None] = mapped_column(sa.Float)
    value_date: Mapped[dt.date | None] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(100))
    observed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("person_id", "key", "source"),
        sa.CheckConstraint(
            "value_type in ('text', 'number', 'bool', 'date', 'datetime')", name="value_type"
        ),
    )


class Team(Base):
    """A team or department; teams form a tree through ``parent_id``."""

    __tablename__ = "team"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    # "Ventes/Genève": unique, so importers find a team by its path.
    path: Mapped[str] = mapped_column(sa.String(1000), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class TeamMembership(Base):
    """A person in a team over a period (``until`` open while they still are)."""

    __tablename__ = "team_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id"), index=True)
    role: Mapped[str | None] = mapped_column(sa.String(100))
    since: Mapped[dt.date | None] = mapped_column(sa.Date)
    until: Mapped[dt.date | None] = mapped_column(sa.Date)
    source: Mapped[str | None] = mapped_column(sa.String(100))

    __table_args__ = (sa.UniqueConstraint("person_id", "team_id", "since"),)


class Segment(Base):
    """A named group of people defined by a rule over their attributes."""

    __tablename__ = "segment"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="customer")
    rule: Mapped[str] = mapped_column(sa.Text)
    description: Mapped[str | None] = mapped_column(sa.Text)
    member_count: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SegmentMember(Base):
    """Materialised membership of a segment, recomputed from its rule."""

    __tablename__ = "segment_member"

    segment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("segment.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), primary_key=True, index=True)


class PersonMerge(Base):
    """One merge of a person into another, kept so that it can be undone."""

    __tablename__ = "person_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    survivor_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    merged_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"), index=True)
    rule: Mapped[str] = mapped_column(sa.String(40))
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    actor: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    undone_at: Mapped[dt.datetime | None] = mapped_column()


class MatchDecision(Base):
    """A human's answer to a candidate match, so it is not proposed again."""

    __tablename__ = "match_decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_a_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    person_b_id: Mapped[int] = mapped_column(sa.ForeignKey("person.id"))
    decision: Mapped[str] = mapped_column(sa.String(16))
    actor: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("person_a_id", "person_b_id"),)
