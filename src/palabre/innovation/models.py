"""Tables of the innovation pillar: idea campaigns, ideas and what people do with them.

A campaign asks a question to an audience and carries its own funnel (the ordered
stages an idea goes through). Ideas are proposed to a campaign; people comment on them,
follow them and support them (one support vote per person and idea). Every change of
stage is kept (who, when, from, to, why), and followers get an in-app notification.
Merging a duplicate never moves a supporter's vote behind their back: a
:class:`VoteTransfer` waits for their consent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

#: Who a campaign is open to; ``segment`` and ``team`` name which one.
AUDIENCES: Final[tuple[str, ...]] = ("employees", "customers", "public", "segment", "team")
#: The funnel of a campaign that does not choose its own.
DEFAULT_STAGES: Final[tuple[str, ...]] = (
    "proposed",
    "under_review",
    "selected",
    "experimenting",
    "adopted",
    "declined",
    "duplicate",
)
#: The stage a merged idea ends in (every funnel has it).
DUPLICATE: Final = "duplicate"
#: What happened to a vote transfer proposed to a supporter of a merged idea.
TRANSFER_STATES: Final[tuple[str, ...]] = ("pending", "accepted", "declined", "automatic")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} in (" + ", ".join(f"'{v}'" for v in values) + ")"


class Campaign(Base):
    """An idea campaign: a question put to an audience between two dates, with a funnel."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    question: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(16))
    audience_team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("team.id", ondelete="SET NULL")
    )
    audience_segment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("segment.id", ondelete="SET NULL")
    )
    opens_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    closes_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: The funnel, in order; the first stage is where new ideas start.
    stages: Mapped[list[Any]] = mapped_column()
    created_by: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint(_in("audience", AUDIENCES), name="campaign_audience"),)


class Idea(Base):
    """An idea proposed to a campaign; ``merged_into_id`` is set when it was a duplicate."""

    __tablename__ = "idea"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    tags: Mapped[list[Any]] = mapped_column(default=list)
    #: Attachments, as links: ``[{"url": ..., "label": ...}]``.
    links: Mapped[list[Any]] = mapped_column(default=list)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    stage: Mapped[str] = mapped_column(sa.String(40))
    #: The message an idea from the field was made from.
    source_message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("message.id", ondelete="SET NULL"), index=True
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("idea.id", ondelete="SET NULL")
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class IdeaComment(Base):
    """A comment on an idea."""

    __tablename__ = "idea_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("person.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class IdeaFollow(Base):
    """A person follows an idea: they are notified when its stage changes."""

    __tablename__ = "idea_follow"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("idea_id", "person_id"),)


class IdeaVote(Base):
    """A person supports an idea (at most one vote per person and idea)."""

    __tablename__ = "idea_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.UniqueConstraint("idea_id", "person_id"),)


class StageChange(Base):
    """One step of an idea through its funnel (``from_stage`` None: its creation)."""

    __tablename__ = "idea_stage_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    from_stage: Mapped[str | None] = mapped_column(sa.String(40))
    to_stage: Mapped[str] = mapped_column(sa.String(40))
    actor: Mapped[str] = mapped_column(sa.String(200))
    note: Mapped[str | None] = mapped_column(sa.Text)
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class VoteTransfer(Base):
    """A supporter of a merged idea is asked whether their vote moves to the surviving idea."""

    __tablename__ = "vote_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    from_idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    to_idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    state: Mapped[str] = mapped_column(sa.String(16), default="pending")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (
        sa.UniqueConstraint("from_idea_id", "person_id"),
        sa.CheckConstraint(_in("state", TRANSFER_STATES), name="vote_transfer_state"),
    )


class Notification(Base):
    """An in-app notification for a person; the page words it from ``kind`` and ``details``.

    ``emailed_at`` is set once the e-mail digest has carried it.
    """

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(40))
    idea_id: Mapped[int | None] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column()
    emailed_at: Mapped[dt.datetime | None] = mapped_column()


# --- crowd validation: agree / disagree statements and pairwise answers -------------

#: Moderation of a statement: out ones are zeroed for everyone in the opinion map.
MODERATION: Final[tuple[str, ...]] = ("unmoderated", "in", "out")
#: What a participant answered to a pair of ideas.
PAIRWISE_CHOICES: Final[tuple[str, ...]] = ("left", "right", "cannot_decide")


class Statement(Base):
    """A short statement of a campaign that participants agree or disagree with (Pol.is).

    ``external_id`` is the comment id of an imported Pol.is conversation: it makes a
    re-import find the statement again instead of adding a copy.
    """

    __tablename__ = "statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    author_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    moderation: Mapped[str] = mapped_column(sa.String(16), default="unmoderated")
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "external_id"),
        sa.CheckConstraint(_in("moderation", MODERATION), name="statement_moderation"),
    )


class StatementVote(Base):
    """A participant's vote on a statement: +1 agree, -1 disagree, 0 pass (changeable).

    ``participant`` keys the voter: ``person:<id>`` for people of the workspace,
    ``polis:<voter-id>`` for the anonymous voters of an imported conversation.
    """

    __tablename__ = "statement_vote"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("statement.id", ondelete="CASCADE"), index=True
    )
    participant: Mapped[str] = mapped_column(sa.String(200))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    value: Mapped[int] = mapped_column(sa.SmallInteger)
    voted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("statement_id", "participant"),
        sa.CheckConstraint("value in (-1, 0, 1)", name="statement_vote_value"),
    )


class PairwiseAnswer(Base):
    """A participant's answer to a pair of ideas: the left one, the right one, or neither."""

    __tablename__ = "pairwise_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("campaign.id", ondelete="CASCADE"), index=True
    )
    left_idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    right_idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"))
    choice: Mapped[str] = mapped_column(sa.String(16))
    participant: Mapped[str] = mapped_column(sa.String(200))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    answered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(_in("choice", PAIRWISE_CHOICES), name="pairwise_answer_choice"),
        sa.CheckConstraint("left_idea_id <> right_idea_id", name="pairwise_answer_two_ideas"),
    )


#: The levels a trend reaches (see :mod:`palabre.innovation.trends`).
TREND_LEVELS: Final[tuple[str, ...]] = ("weak", "strong")


class StoredTrend(Base):
    """An emerging topic found by the trend stage of ``palabre analyze``.

    The whole table is replaced at each run (one transaction): a trend's ``id`` is only
    stable between two runs. ``terms`` and ``languages`` are lists of strings;
    ``examples`` a list of ``{"message_id", "day", "excerpt"}`` (day ISO). See
    :class:`palabre.innovation.trend_records.Trend` for the meaning of every field.
    """

    __tablename__ = "trend"

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(200))
    terms: Mapped[list[Any]] = mapped_column()
    languages: Mapped[list[Any]] = mapped_column()
    first_flagged: Mapped[dt.date] = mapped_column(sa.Date, index=True)
    last_flagged: Mapped[dt.date] = mapped_column(sa.Date)
    level: Mapped[str] = mapped_column(sa.String(8))
    first_strong: Mapped[dt.date | None] = mapped_column(sa.Date)
    days_flagged: Mapped[int] = mapped_column()
    peak_count_week: Mapped[int] = mapped_column()
    peak_score: Mapped[float] = mapped_column(sa.Float)
    examples: Mapped[list[Any]] = mapped_column()
    computed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (sa.CheckConstraint(_in("level", TREND_LEVELS), name="trend_level"),)


#: The roles a person may carry for an idea (docs/ideas.md, "People for an idea").
IDEA_ROLES: Final[tuple[str, ...]] = ("ideator", "expert", "validator", "champion")


class IdeaRole(Base):
    """A person assigned to a role of an idea by a manager, at the idea's stage then.

    A released assignment keeps its row (``released_at`` set): the idea page shows who
    carried the idea at each stage, not only who carries it now.
    """

    __tablename__ = "idea_role"

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(sa.ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    #: The idea's stage when the person was assigned.
    stage: Mapped[str] = mapped_column(sa.String(40))
    assigned_by: Mapped[str] = mapped_column(sa.String(200))
    assigned_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    released_at: Mapped[dt.datetime | None] = mapped_column()
    released_by: Mapped[str | None] = mapped_column(sa.String(200))

    __table_args__ = (sa.CheckConstraint(_in("role", IDEA_ROLES), name="idea_role_role"),)
