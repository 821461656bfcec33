"""The funnel: moving ideas from stage to stage, merging duplicates, and an idea's full page.

Merging without betraying voters (docs/ideas.md): merging idea A into idea B marks A
``duplicate`` and points it to B; A's followers and supporters are told in the app.
A supporter's vote moves to B only when they accept (a pending :class:`VoteTransfer`
they accept or decline); nothing moves by itself, except that a merge of an idea no one
supports has nothing to ask. Supporters who already support B are not asked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.fabric.models import Message
from palabre.innovation import notifications
from palabre.innovation.models import (
    DUPLICATE,
    Campaign,
    Idea,
    IdeaComment,
    IdeaFollow,
    IdeaVote,
    StageChange,
    VoteTransfer,
)
from palabre.innovation.service import (
    ParticipationDeniedError,
    get_idea,
    is_manager,
    mark_updated,
)
from palabre.people.service import Viewer
from palabre.privacy import audit


def _manager(viewer: Viewer) -> None:
    if not is_manager(viewer):
        raise ParticipationDeniedError("only innovation managers move ideas through the funnel")


def _followers(session: Session, idea_id: int) -> list[int]:
    return list(
        session.scalars(sa.select(IdeaFollow.person_id).where(IdeaFollow.idea_id == idea_id))
    )


def _supporters(session: Session, idea_id: int) -> list[int]:
    return list(session.scalars(sa.select(IdeaVote.person_id).where(IdeaVote.idea_id == idea_id)))


def move_stage(
    session: Session, viewer: Viewer, idea_id: int, to_stage: str, *, note: str | None = None
) -> StageChange:
    """Move an idea to another stage of its campaign's funnel (audited); followers are told.

    ``duplicate`` is reached only by merging (so that a duplicate always says of what).
    """
    _manager(viewer)
    idea, campaign = get_idea(session, viewer, idea_id)
    if to_stage not in campaign.stages:
        raise ValidationError(
            f"stage: {to_stage!r} is not a stage of campaign {campaign.name!r} "
            f"({', '.join(campaign.stages)})"
        )
    if to_stage == DUPLICATE:
        raise ValidationError("stage: an idea becomes a duplicate by merging it into another")
    if idea.merged_into_id is not None:
        raise ConflictError(f"idea {idea.id} was merged into idea {idea.merged_into_id}")
    if to_stage == idea.stage:
        raise ConflictError(f"idea {idea.id} is already at stage {to_stage}")
    note = (note or "").strip() or None
    before = idea.stage
    idea.stage = to_stage
    mark_updated(idea)
    change = StageChange(
        idea_id=idea.id, from_stage=before, to_stage=to_stage, actor=viewer.actor, note=note
    )
    session.add(change)
    notifications.notify(
        session,
        _followers(session, idea.id),
        "stage_changed",
        idea_id=idea.id,
        details={"title": idea.title, "from": before, "to": to_stage, "note": note or ""},
        skip=viewer.person_id,
    )
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.stage",
        subject_type="idea",
        subject_id=idea.id,
        details={"from": before, "to": to_stage, "note": note},
    )
    return change


@dataclass(frozen=True)
class MergeReport:
    """What a merge did: the transfers asked, the supporters already on B, people told."""

    duplicate_id: int
    into_id: int
    transfers_asked: int
    already_supporting: int
    notified: int


def merge_ideas(
    session: Session, viewer: Viewer, duplicate_id: int, into_id: int, *, note: str | None = None
) -> MergeReport:
    """Merge idea ``duplicate_id`` (A) into ``into_id`` (B), asking A's supporters first.

    A becomes ``duplicate`` and points to B; its votes stay on A until each supporter
    accepts to move theirs (see :func:`answer_transfer`). Audited.
    """
    _manager(viewer)
    if duplicate_id == into_id:
        raise ValidationError("an idea cannot be merged into itself")
    dup, _ = get_idea(session, viewer, duplicate_id)
    into, _ = get_idea(session, viewer, into_id)
    if dup.merged_into_id is not None:
        raise ConflictError(f"idea {dup.id} was already merged into idea {dup.merged_into_id}")
    if into.merged_into_id is not None:
        raise ConflictError(
            f"idea {into.id} is itself merged into idea {into.merged_into_id}: merge into that one"
        )
    before = dup.stage
    dup.stage = DUPLICATE
    dup.merged_into_id = into.id
    mark_updated(dup)
    session.add(
        StageChange(
            idea_id=dup.id,
            from_stage=before,
            to_stage=DUPLICATE,
            actor=viewer.actor,
            note=(note or "").strip() or f"#{into.id} {into.title}",
        )
    )
    supporters = set(_supporters(session, dup.id))
    on_into = set(_supporters(session, into.id))
    asked = 0
    for person_id in sorted(supporters - on_into):
        transfer = VoteTransfer(from_idea_id=dup.id, to_idea_id=into.id, person_id=person_id)
        session.add(transfer)
        session.flush()
        notifications.notify(
            session,
            [person_id],
            "vote_transfer",
            idea_id=dup.id,
            details={
                "transfer_id": transfer.id,
                "title": dup.title,
                "into_id": into.id,
                "into_title": into.title,
            },
        )
        asked += 1
    merged_details = {"title": dup.title, "into_id": into.id, "into_title": into.title}
    others = (set(_followers(session, dup.id)) | supporters) - (supporters - on_into)
    told = notifications.notify(
        session,
        others,
        "idea_merged",
        idea_id=dup.id,
        details=merged_details,
        skip=viewer.person_id,
    )
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.merge",
        subject_type="idea",
        subject_id=dup.id,
        details={
            "into": into.id,
            "from_stage": before,
            "transfers_asked": asked,
            "already_supporting": len(supporters & on_into),
        },
    )
    return MergeReport(dup.id, into.id, asked, len(supporters & on_into), asked + told)


def pending_transfers(session: Session, person_id: int | None) -> list[VoteTransfer]:
    """The vote transfers waiting for this person's answer, oldest first."""
    if person_id is None:
        return []
    return list(
        session.scalars(
            sa.select(VoteTransfer)
            .where(VoteTransfer.person_id == person_id, VoteTransfer.state == "pending")
            .order_by(VoteTransfer.id)
        )
    )


def answer_transfer(
    session: Session, viewer: Viewer, transfer_id: int, *, accept: bool
) -> VoteTransfer:
    """Accept (the vote moves to the surviving idea) or decline (it stays) a transfer. Audited.

    Only the supporter it was asked of may answer, once.
    """
    transfer = session.get(VoteTransfer, transfer_id)
    if transfer is None or viewer.person_id is None or transfer.person_id != viewer.person_id:
        raise NotFoundError(f"vote transfer: no transfer {transfer_id} waiting for you")
    if transfer.state != "pending":
        raise ConflictError(f"vote transfer {transfer_id} was already answered ({transfer.state})")
    if accept:
        session.execute(
            sa.delete(IdeaVote).where(
                IdeaVote.idea_id == transfer.from_idea_id, IdeaVote.person_id == transfer.person_id
            )
        )
        already = session.scalar(
            sa.select(IdeaVote.id).where(
                IdeaVote.idea_id == transfer.to_idea_id, IdeaVote.person_id == transfer.person_id
            )
        )
        if already is None:
            session.add(IdeaVote(idea_id=transfer.to_idea_id, person_id=transfer.person_id))
    transfer.state = "accepted" if accept else "declined"
    transfer.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="vote_transfer.accept" if accept else "vote_transfer.decline",
        subject_type="idea",
        subject_id=transfer.from_idea_id,
        details={"transfer_id": transfer.id, "to": transfer.to_idea_id},
    )
    return transfer


# --- an idea's page ----------------------------------------------------------------


@dataclass(frozen=True)
class CommentView:
    """A comment as the page shows it."""

    author: str | None
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class IdeaPage:
    """Everything the idea page shows."""

    idea: Idea
    campaign: Campaign
    author: str | None
    supporters: int
    comments: list[CommentView]
    history: list[StageChange]
    following: bool
    supporting: bool
    merged_into: Idea | None
    duplicates: list[Idea]
    source_message: Message | None
    transfer: VoteTransfer | None


def idea_page(session: Session, viewer: Viewer, idea_id: int) -> IdeaPage:
    """An idea with its comments, supporters count, stage history and the reader's state."""
    from palabre.identity.models import Person

    idea, campaign = get_idea(session, viewer, idea_id)
    names = dict(
        session.execute(
            sa.select(Person.id, Person.display_name).where(
                Person.id.in_(
                    sa.select(IdeaComment.author_id).where(IdeaComment.idea_id == idea.id)
                )
                | (Person.id == idea.author_id)
            )
        ).all()
    )
    comments = [
        CommentView(names.get(c.author_id) if c.author_id else None, c.body, c.created_at)
        for c in session.scalars(
            sa.select(IdeaComment)
            .where(IdeaComment.idea_id == idea.id)
            .order_by(IdeaComment.created_at, IdeaComment.id)
        )
    ]
    history = list(
        session.scalars(
            sa.select(StageChange)
            .where(StageChange.idea_id == idea.id)
            .order_by(StageChange.changed_at, StageChange.id)
        )
    )
    person = viewer.person_id
    supporters = set(_supporters(session, idea.id))
    transfer = None
    if person is not None:
        transfer = session.scalar(
            sa.select(VoteTransfer).where(
                VoteTransfer.from_idea_id == idea.id,
                VoteTransfer.person_id == person,
                VoteTransfer.state == "pending",
            )
        )
    return IdeaPage(
        idea=idea,
        campaign=campaign,
        author=names.get(idea.author_id) if idea.author_id else None,
        supporters=len(supporters),
        comments=comments,
        history=history,
        following=person is not None and person in _followers(session, idea.id),
        supporting=person is not None and person in supporters,
        merged_into=session.get(Idea, idea.merged_into_id) if idea.merged_into_id else None,
        duplicates=list(
            session.scalars(sa.select(Idea).where(Idea.merged_into_id == idea.id).order_by(Idea.id))
        ),
        source_message=(
            session.get(Message, idea.source_message_id) if idea.source_message_id else None
        ),
        transfer=transfer,
    )
