"""A person's export of their data (DESIGN.md, privacy model: subject access).

:func:`export_person` gathers everything the workspace holds about a person and every
record merged into them, as one JSON-ready document (docs/privacy.md lists its
sections): who they are on each channel, what the CRM and HR exports said, their
profile, what they wrote and what palabre inferred from it (signals, topics, churn
risk), their votes and contributions, and the audit trail of who viewed or changed
their data. Exporting is itself audited (``person.exported``).

Everything is read in the caller's transaction; nothing else changes. The document is
built in memory: it holds one person's data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.accounts.models import UserAccount
from palabre.connectors.bulk import chunks
from palabre.customers.dialogue_models import InboxItem
from palabre.customers.models import ChurnRiskScore, MessageTopic, Topic
from palabre.db.base import utcnow
from palabre.db.prepared import AnySelect
from palabre.errors import NotFoundError
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import (
    Identity,
    Person,
    PersonAttribute,
    PersonMerge,
    Segment,
    SegmentMember,
    Team,
    TeamMembership,
)
from palabre.identity.resolution import root_of, subtree
from palabre.innovation.models import (
    Campaign,
    Idea,
    IdeaComment,
    IdeaFollow,
    IdeaRole,
    IdeaVote,
    Notification,
    PairwiseAnswer,
    Statement,
    StatementVote,
    VoteTransfer,
)
from palabre.people.models import ProfileField
from palabre.pipeline.models import MessageSignal
from palabre.privacy import audit
from palabre.privacy.models import AuditEntry

#: The version of the document's layout, first in it: a reader can tell what it holds.
FORMAT_VERSION: Final = 1


def _plain(row: sa.Row[Any]) -> dict[str, Any]:
    """A row as a dict whose values orjson writes (times as ISO 8601, UTC)."""
    out: dict[str, Any] = {}
    for key, value in row._mapping.items():
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)  # SQLite returns naive UTC times
        out[key] = value
    return out


def _all(
    session: Session, query: AnySelect, column: Any, ids: Sequence[int] | Sequence[str]
) -> list[dict[str, Any]]:
    """The rows of ``query`` whose ``column`` is among ``ids``, read a chunk at a time."""
    found: list[dict[str, Any]] = []
    for chunk in chunks(ids):
        found.extend(_plain(row) for row in session.execute(query.where(column.in_(chunk))))
    return found


#: What the export says of each identity.
_IDENTITIES: Final = sa.select(
    Identity.id,
    Identity.person_id,
    Identity.original_person_id,
    Identity.source,
    Identity.channel_kind,
    Identity.external_id,
    Identity.handle,
    Identity.display_name,
    Identity.email,
    Identity.is_bot,
    Identity.url,
    Identity.created_at,
)


def _persons(session: Session, person_id: int) -> list[int]:
    if session.get(Person, person_id) is None:
        raise NotFoundError(f"no person {person_id}")
    root = root_of(session, person_id)
    person = session.get(Person, root)
    assert person is not None
    if person.erased_at is not None:
        raise NotFoundError(
            f"person {root} was erased on {person.erased_at:%Y-%m-%d}: nothing is left to export"
        )
    return subtree(session, root)


def _messages(session: Session, identity_ids: Sequence[int]) -> list[dict[str, Any]]:
    query = (
        sa.select(
            Message.id,
            Message.source,
            Message.external_id,
            Channel.name.label("channel"),
            Channel.kind.label("channel_kind"),
            Message.thread_id,
            Thread.title.label("thread_title"),
            Message.reply_to_id,
            Message.created_at,
            Message.edited_at,
            Message.title,
            Message.text,
            Message.language,
            Message.url,
            Message.attachments,
            MessageSignal.sentiment_label,
            MessageSignal.sentiment_score,
            MessageSignal.discontent,
            MessageSignal.drifting_away,
            MessageSignal.disappointment,
            MessageSignal.misunderstanding,
            MessageSignal.suggestion,
            MessageSignal.praise,
            Topic.label.label("topic"),
            InboxItem.state.label("answer_state"),
            InboxItem.answered_at,
        )
        .join(Channel, Channel.id == Message.channel_id)
        .join(Thread, Thread.id == Message.thread_id)
        .outerjoin(MessageSignal, MessageSignal.message_id == Message.id)
        .outerjoin(MessageTopic, MessageTopic.message_id == Message.id)
        .outerjoin(Topic, Topic.id == MessageTopic.topic_id)
        .outerjoin(InboxItem, InboxItem.message_id == Message.id)
        .order_by(Message.created_at, Message.id)
    )
    rows = _all(session, query, Message.author_identity_id, identity_ids)
    rows.sort(key=lambda r: (r["created_at"], r["id"]))
    signals = (
        "discontent",
        "drifting_away",
        "disappointment",
        "misunderstanding",
        "suggestion",
        "praise",
    )
    for row in rows:
        # What palabre inferred, apart from what the person wrote.
        label = row.pop("sentiment_label")
        score = row.pop("sentiment_score")
        inferred = {name: row.pop(name) for name in signals}
        row["inferred"] = (
            None
            if label is None
            else {
                "sentiment": {"label": label, "score": score},
                "signals": inferred,
                "topic": row.get("topic"),
            }
        )
        row.pop("topic", None)
    return rows


def export_person(
    session: Session, person_id: int, *, actor: str, via: str = "cli"
) -> dict[str, Any]:
    """Everything the workspace holds about ``person_id`` (after merges), JSON-ready.

    Audited as ``person.exported``. Raises :class:`~palabre.errors.NotFoundError` for
    an unknown or erased person.
    """
    persons = _persons(session, person_id)
    root = persons[0]
    identity_rows = _all(
        session, _IDENTITIES.order_by(Identity.id), Identity.original_person_id, persons
    )
    # Identities moved to them by a merge are theirs too.
    held = _all(
        session,
        sa.select(Identity.id, Identity.original_person_id),
        Identity.person_id,
        persons,
    )
    known = {row["id"] for row in identity_rows}
    extra = [row["id"] for row in held if row["id"] not in known]
    if extra:
        identity_rows += _all(session, _IDENTITIES, Identity.id, extra)
    identity_ids = sorted(row["id"] for row in identity_rows)
    accounts = _all(
        session,
        sa.select(
            UserAccount.id,
            UserAccount.username,
            UserAccount.display_name,
            UserAccount.role,
            UserAccount.locale,
            UserAccount.is_active,
            UserAccount.created_at,
            UserAccount.last_login_at,
        ),
        UserAccount.person_id,
        persons,
    )
    document: dict[str, Any] = {
        "format": "palabre-subject-access",
        "version": FORMAT_VERSION,
        "exported_at": utcnow(),
        "person_id": root,
        "persons": _all(
            session,
            sa.select(
                Person.id,
                Person.kind,
                Person.display_name,
                Person.locale,
                Person.source,
                Person.external_id,
                Person.merged_into_id,
                Person.created_at,
                Person.updated_at,
            ).order_by(Person.id),
            Person.id,
            persons,
        ),
        "identities": identity_rows,
        "attributes": _all(
            session,
            sa.select(
                PersonAttribute.person_id,
                PersonAttribute.key,
                PersonAttribute.value_text.label("value"),
                PersonAttribute.value_type,
                PersonAttribute.source,
                PersonAttribute.observed_at,
            ).order_by(PersonAttribute.key),
            PersonAttribute.person_id,
            persons,
        ),
        "teams": _all(
            session,
            sa.select(
                Team.path.label("team"),
                TeamMembership.role,
                TeamMembership.since,
                TeamMembership.until,
                TeamMembership.source,
            ).join(Team, Team.id == TeamMembership.team_id),
            TeamMembership.person_id,
            persons,
        ),
        "segments": _all(
            session,
            sa.select(Segment.name, Segment.rule).join(
                SegmentMember, SegmentMember.segment_id == Segment.id
            ),
            SegmentMember.person_id,
            persons,
        ),
        "profile": _all(
            session,
            sa.select(
                ProfileField.key,
                ProfileField.value,
                ProfileField.visibility,
                ProfileField.updated_at,
            ),
            ProfileField.person_id,
            persons,
        ),
        "accounts": accounts,
        "messages": _messages(session, identity_ids),
        "reactions": _all(
            session,
            sa.select(Reaction.message_id, Reaction.emoji, Reaction.created_at),
            Reaction.identity_id,
            identity_ids,
        ),
        "mentioned_in": _all(
            session,
            sa.select(Mention.message_id, Message.created_at)
            .join(Message, Message.id == Mention.message_id)
            .order_by(Message.created_at),
            Mention.identity_id,
            identity_ids,
        ),
        "churn_risk": _all(
            session,
            sa.select(ChurnRiskScore.probability, ChurnRiskScore.as_of),
            ChurnRiskScore.person_id,
            persons,
        ),
        "innovation": _innovation(session, persons),
        "merges": _merges(session, persons),
        "audit": _audit(session, persons, [a["username"] for a in accounts]),
    }
    audit.record(
        session,
        actor=actor,
        action="person.exported",
        subject_type="person",
        subject_id=root,
        details={"via": via, "messages": len(document["messages"])},
    )
    return document


def _innovation(session: Session, persons: Sequence[int]) -> dict[str, Any]:
    return {
        "ideas": _all(
            session,
            sa.select(
                Idea.id,
                Campaign.name.label("campaign"),
                Idea.title,
                Idea.body,
                Idea.tags,
                Idea.links,
                Idea.stage,
                Idea.created_at,
            ).join(Campaign, Campaign.id == Idea.campaign_id),
            Idea.author_id,
            persons,
        ),
        "comments": _all(
            session,
            sa.select(IdeaComment.idea_id, IdeaComment.body, IdeaComment.created_at),
            IdeaComment.author_id,
            persons,
        ),
        "statements": _all(
            session,
            sa.select(Statement.id, Statement.campaign_id, Statement.text, Statement.created_at),
            Statement.author_id,
            persons,
        ),
        "idea_votes": _all(
            session,
            sa.select(IdeaVote.idea_id, IdeaVote.created_at),
            IdeaVote.person_id,
            persons,
        ),
        "statement_votes": _all(
            session,
            sa.select(StatementVote.statement_id, StatementVote.value, StatementVote.voted_at),
            StatementVote.person_id,
            persons,
        ),
        "pairwise_answers": _all(
            session,
            sa.select(
                PairwiseAnswer.campaign_id,
                PairwiseAnswer.left_idea_id,
                PairwiseAnswer.right_idea_id,
                PairwiseAnswer.choice,
                PairwiseAnswer.answered_at,
            ),
            PairwiseAnswer.person_id,
            persons,
        ),
        "vote_transfers": _all(
            session,
            sa.select(
                VoteTransfer.from_idea_id,
                VoteTransfer.to_idea_id,
                VoteTransfer.state,
                VoteTransfer.created_at,
                VoteTransfer.decided_at,
            ),
            VoteTransfer.person_id,
            persons,
        ),
        "follows": _all(
            session,
            sa.select(IdeaFollow.idea_id, IdeaFollow.created_at),
            IdeaFollow.person_id,
            persons,
        ),
        "roles": _all(
            session,
            sa.select(
                IdeaRole.idea_id,
                IdeaRole.role,
                IdeaRole.stage,
                IdeaRole.assigned_by,
                IdeaRole.assigned_at,
                IdeaRole.released_at,
            ),
            IdeaRole.person_id,
            persons,
        ),
        "notifications": _all(
            session,
            sa.select(
                Notification.kind,
                Notification.idea_id,
                Notification.details,
                Notification.created_at,
                Notification.read_at,
            ),
            Notification.person_id,
            persons,
        ),
    }


def _merges(session: Session, persons: Sequence[int]) -> list[dict[str, Any]]:
    query = sa.select(
        PersonMerge.survivor_id,
        PersonMerge.merged_id,
        PersonMerge.rule,
        PersonMerge.evidence,
        PersonMerge.actor,
        PersonMerge.created_at,
        PersonMerge.undone_at,
    ).order_by(PersonMerge.id)
    return _all(session, query, PersonMerge.merged_id, persons)


def _audit(
    session: Session, persons: Sequence[int], usernames: Sequence[str]
) -> dict[str, list[dict[str, Any]]]:
    """Who read or changed their data, and what their own accounts did."""
    columns = sa.select(
        AuditEntry.at,
        AuditEntry.actor,
        AuditEntry.action,
        AuditEntry.subject_type,
        AuditEntry.subject_id,
        AuditEntry.details,
    ).order_by(AuditEntry.id)
    about = _all(
        session,
        columns.where(AuditEntry.subject_type == "person"),
        AuditEntry.subject_id,
        [str(p) for p in persons],
    )
    by = _all(session, columns, AuditEntry.actor, [f"user:{name}" for name in usernames])
    return {"about_them": about, "by_them": by}
