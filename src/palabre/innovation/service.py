"""Idea campaigns and ideas: create, submit, comment, follow, support, and read them back.

Who may do what (docs/ideas.md):

* ``admin`` and ``innovation`` manage campaigns and the funnel (see
  :mod:`palabre.innovation.funnel`), and see every campaign;
* a campaign's audience decides who may see it and take part: ``employees`` and
  ``team`` (every employee role sees them; only the team's current members take part
  in a team campaign), ``customers`` (the ``customer`` role takes part; employees read
  along), ``public`` (everyone), ``segment`` (the segment's members take part;
  employees read along);
* taking part (proposing, commenting, supporting, following) needs an account linked
  to a person, and a campaign open today.

Every change is an action function here that writes its audit entry in the caller's
transaction; none commits.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError, PalabreError, ValidationError
from palabre.fabric.browse import safe_url
from palabre.identity.models import Person, SegmentMember, Team, TeamMembership
from palabre.innovation.models import (
    AUDIENCES,
    DEFAULT_STAGES,
    DUPLICATE,
    Campaign,
    Idea,
    IdeaComment,
    IdeaFollow,
    IdeaVote,
    StageChange,
)
from palabre.people.service import EMPLOYEE_ROLES, Viewer
from palabre.privacy import audit

#: Roles that run campaigns and move ideas through the funnel.
MANAGER_ROLES: Final = frozenset({"admin", "innovation"})
_STAGE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_TAGS: Final = 12
MAX_LINKS: Final = 10


class ParticipationDeniedError(PalabreError):
    """The reader may not take part in this campaign (or see it)."""

    http_status = 403


def is_manager(viewer: Viewer) -> bool:
    """Whether ``viewer`` manages campaigns and the funnel."""
    return viewer.role in MANAGER_ROLES


# --- campaigns ---------------------------------------------------------------------


def check_stages(stages: Sequence[str] | None) -> list[str]:
    """The funnel to store: ``stages`` (default :data:`DEFAULT_STAGES`), checked, with
    ``duplicate`` added at the end when missing."""
    chosen = [s.strip() for s in (stages or DEFAULT_STAGES) if s.strip()]
    for stage in chosen:
        if not _STAGE_NAME.match(stage):
            raise ValidationError(
                f"stages: {stage!r} is not a stage name (lower-case letters, digits and _)"
            )
    if len(set(chosen)) != len(chosen):
        raise ValidationError("stages: a stage is listed twice")
    if DUPLICATE not in chosen:
        chosen.append(DUPLICATE)  # merging duplicates needs it in every funnel
    if chosen[0] == DUPLICATE or len(chosen) < 2:
        raise ValidationError("stages: the first stage is where new ideas start, not duplicate")
    return chosen


def check_campaign(
    session: Session,
    *,
    name: str,
    question: str,
    audience: str,
    team_id: int | None,
    segment_id: int | None,
    opens_on: dt.date | None,
    closes_on: dt.date | None,
    campaign_id: int | None = None,
) -> None:
    """Refuse a campaign's fields, naming the field, as creating or editing it would store
    them (``campaign_id``: the campaign being edited, which may keep its own name)."""
    if not 1 <= len(name) <= 200:
        raise ValidationError("name: give a name of 1 to 200 characters")
    if not question.strip():
        raise ValidationError("question: the question put to the audience is empty")
    if audience not in AUDIENCES:
        raise ValidationError(f"audience: {audience!r} is not one of {', '.join(AUDIENCES)}")
    if audience == "team" and (team_id is None or session.get(Team, team_id) is None):
        raise ValidationError("team: a team campaign names an existing team")
    if audience == "segment":
        from palabre.identity.models import Segment

        if segment_id is None or session.get(Segment, segment_id) is None:
            raise ValidationError("segment: a segment campaign names an existing segment")
    if opens_on and closes_on and closes_on < opens_on:
        raise ValidationError("closes_on: the campaign closes before it opens")
    same_name = session.scalar(sa.select(Campaign.id).where(Campaign.name == name))
    if same_name is not None and same_name != campaign_id:
        raise ConflictError(f"name: a campaign is already called {name!r}")


def create_campaign(
    session: Session,
    *,
    name: str,
    question: str,
    audience: str,
    actor: str,
    team_id: int | None = None,
    segment_id: int | None = None,
    opens_on: dt.date | None = None,
    closes_on: dt.date | None = None,
    stages: Sequence[str] | None = None,
) -> Campaign:
    """Create a campaign (audited); ``stages`` default to :data:`DEFAULT_STAGES`."""
    name = name.strip()
    check_campaign(
        session,
        name=name,
        question=question,
        audience=audience,
        team_id=team_id,
        segment_id=segment_id,
        opens_on=opens_on,
        closes_on=closes_on,
    )
    campaign = Campaign(
        name=name,
        question=question.strip(),
        audience=audience,
        audience_team_id=team_id if audience == "team" else None,
        audience_segment_id=segment_id if audience == "segment" else None,
        opens_on=opens_on,
        closes_on=closes_on,
        stages=check_stages(stages),
        created_by=actor,
    )
    session.add(campaign)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="campaign.create",
        subject_type="campaign",
        subject_id=campaign.id,
        details={"name": name, "audience": audience, "stages": campaign.stages},
    )
    return campaign


def is_open(campaign: Campaign, today: dt.date | None = None) -> bool:
    """Whether ideas may be proposed today (between the dates, both included)."""
    today = today or dt.date.today()
    if campaign.opens_on and today < campaign.opens_on:
        return False
    return not (campaign.closes_on and today > campaign.closes_on)


def may_see(viewer: Viewer, campaign: Campaign) -> bool:
    """Whether ``viewer`` may see the campaign and its ideas."""
    if is_manager(viewer) or viewer.role in EMPLOYEE_ROLES:
        return True
    # A customer: the campaigns put to customers, the public, or a segment they are in.
    return campaign.audience in ("customers", "public", "segment")


def _in_audience(session: Session, viewer: Viewer, campaign: Campaign) -> bool:
    audience = campaign.audience
    if audience == "public":
        return True
    if audience == "employees":
        return viewer.role in EMPLOYEE_ROLES
    if audience == "customers":
        return viewer.role == "customer"
    if viewer.person_id is None:
        return False
    if audience == "team":
        team = session.get(Team, campaign.audience_team_id) if campaign.audience_team_id else None
        if team is None:
            return False
        under = sa.select(Team.id).where(
            sa.or_(Team.id == team.id, Team.path.startswith(team.path + "/", autoescape=True))
        )
        today = dt.date.today()
        found = session.scalar(
            sa.select(TeamMembership.id).where(
                TeamMembership.person_id == viewer.person_id,
                TeamMembership.team_id.in_(under),
                sa.or_(TeamMembership.until.is_(None), TeamMembership.until >= today),
            )
        )
        return found is not None
    found = session.scalar(
        sa.select(SegmentMember.person_id).where(
            SegmentMember.segment_id == campaign.audience_segment_id,
            SegmentMember.person_id == viewer.person_id,
        )
    )
    return found is not None


def may_take_part(session: Session, viewer: Viewer, campaign: Campaign) -> bool:
    """Whether ``viewer`` may propose, comment, support and follow in this campaign."""
    return is_manager(viewer) or _in_audience(session, viewer, campaign)


def get_campaign(session: Session, viewer: Viewer, campaign_id: int) -> Campaign:
    """The campaign, or 404 when it does not exist or the reader may not see it."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None or not may_see(viewer, campaign):
        raise NotFoundError(f"campaign: no campaign {campaign_id}")
    return campaign


@dataclass(frozen=True)
class CampaignRow:
    """A campaign in the list, with how many ideas it holds and whether it is open."""

    campaign: Campaign
    ideas: int
    open: bool


def list_campaigns(session: Session, viewer: Viewer) -> list[CampaignRow]:
    """The campaigns ``viewer`` may see, the open ones first, newest first."""
    counts = dict(
        session.execute(
            sa.select(Idea.campaign_id, sa.func.count())
            .where(Idea.merged_into_id.is_(None))
            .group_by(Idea.campaign_id)
        ).all()
    )
    campaigns = session.scalars(sa.select(Campaign).order_by(Campaign.created_at.desc()))
    rows = [
        CampaignRow(c, int(counts.get(c.id, 0)), is_open(c))
        for c in campaigns
        if may_see(viewer, c)
    ]
    rows.sort(key=lambda r: not r.open)
    return rows


# --- ideas -------------------------------------------------------------------------


def _participant(session: Session, viewer: Viewer, campaign: Campaign) -> int:
    """The person taking part, or a clear refusal."""
    if not may_see(viewer, campaign) or not may_take_part(session, viewer, campaign):
        raise ParticipationDeniedError(
            f"campaign {campaign.name!r} is not open to your account's audience"
        )
    if viewer.person_id is None:
        raise ValidationError(
            "your account is not linked to a person: ask an administrator to link it"
        )
    return viewer.person_id


def _tags(tags: Sequence[str]) -> list[str]:
    clean: list[str] = []
    for tag in tags:
        tag = tag.strip().lstrip("#").strip()
        if tag and tag.lower() not in (t.lower() for t in clean):
            if len(tag) > 40:
                raise ValidationError(f"tags: {tag[:40]!r}... is longer than 40 characters")
            clean.append(tag)
    if len(clean) > MAX_TAGS:
        raise ValidationError(f"tags: at most {MAX_TAGS} tags")
    return clean


def _links(links: Sequence[str]) -> list[dict[str, str]]:
    clean: list[dict[str, str]] = []
    for number, link in enumerate(links, start=1):
        link = link.strip()
        if not link:
            continue
        if safe_url(link) is None or not link.startswith(("http://", "https://")):
            raise ValidationError(f"links: line {number} is not a web link (http:// or https://)")
        if len(link) > 2000:
            raise ValidationError(f"links: line {number} is longer than 2000 characters")
        clean.append({"url": link})
    if len(clean) > MAX_LINKS:
        raise ValidationError(f"links: at most {MAX_LINKS} links")
    return clean


def check_title(title: str) -> str:
    """The title stripped, or a clear refusal when it is too short or too long."""
    title = " ".join(title.split())
    if not 3 <= len(title) <= 300:
        raise ValidationError("title: give a title of 3 to 300 characters")
    return title


def _record_stage(
    session: Session, idea: Idea, before: str | None, actor: str, note: str | None = None
) -> StageChange:
    change = StageChange(
        idea_id=idea.id, from_stage=before, to_stage=idea.stage, actor=actor, note=note
    )
    session.add(change)
    return change


def add_idea(
    session: Session,
    campaign: Campaign,
    *,
    title: str,
    body: str,
    author_id: int | None,
    actor: str,
    tags: Sequence[str] = (),
    links: Sequence[str] = (),
    source_message_id: int | None = None,
    action: str = "idea.submit",
) -> Idea:
    """Store a new idea in the campaign's first stage, its author following it (audited).

    The access checks are the caller's (:func:`submit_idea`, ideas from the field).
    """
    idea = Idea(
        campaign_id=campaign.id,
        title=check_title(title),
        body=body.strip(),
        tags=_tags(tags),
        links=_links(links),
        author_id=author_id,
        stage=campaign.stages[0],
        source_message_id=source_message_id,
    )
    if len(idea.body) > 20_000:
        raise ValidationError("body: at most 20,000 characters")
    session.add(idea)
    session.flush()
    _record_stage(session, idea, None, actor)
    if author_id is not None:
        session.add(IdeaFollow(idea_id=idea.id, person_id=author_id))
    audit.record(
        session,
        actor=actor,
        action=action,
        subject_type="idea",
        subject_id=idea.id,
        details={"campaign_id": campaign.id, "title": idea.title, "source": source_message_id},
    )
    return idea


def submit_idea(
    session: Session,
    viewer: Viewer,
    campaign_id: int,
    *,
    title: str,
    body: str = "",
    tags: Sequence[str] = (),
    links: Sequence[str] = (),
) -> Idea:
    """Propose an idea to an open campaign, as the viewer's person (audited)."""
    campaign = get_campaign(session, viewer, campaign_id)
    person_id = _participant(session, viewer, campaign)
    if not is_open(campaign):
        raise ConflictError(f"campaign {campaign.name!r} is not open for ideas today")
    return add_idea(
        session,
        campaign,
        title=title,
        body=body,
        author_id=person_id,
        actor=viewer.actor,
        tags=tags,
        links=links,
    )


def get_idea(session: Session, viewer: Viewer, idea_id: int) -> tuple[Idea, Campaign]:
    """The idea and its campaign, or 404 when either is out of the reader's sight."""
    idea = session.get(Idea, idea_id)
    if idea is None:
        raise NotFoundError(f"idea: no idea {idea_id}")
    campaign = session.get(Campaign, idea.campaign_id)
    if campaign is None or not may_see(viewer, campaign):
        raise NotFoundError(f"idea: no idea {idea_id}")
    return idea, campaign


def _open_idea(session: Session, viewer: Viewer, idea_id: int) -> tuple[Idea, int]:
    idea, campaign = get_idea(session, viewer, idea_id)
    return idea, _participant(session, viewer, campaign)


def comment_on_idea(session: Session, viewer: Viewer, idea_id: int, body: str) -> IdeaComment:
    """Add a comment to an idea (audited); the commenter starts following it."""
    idea, person_id = _open_idea(session, viewer, idea_id)
    body = body.strip()
    if not 1 <= len(body) <= 5000:
        raise ValidationError("body: a comment has 1 to 5000 characters")
    comment = IdeaComment(idea_id=idea.id, author_id=person_id, body=body)
    session.add(comment)
    _follow(session, idea.id, person_id)
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.comment",
        subject_type="idea",
        subject_id=idea.id,
        details={"comment_id": comment.id},
    )
    return comment


def _follow(session: Session, idea_id: int, person_id: int) -> bool:
    exists = session.scalar(
        sa.select(IdeaFollow.id).where(
            IdeaFollow.idea_id == idea_id, IdeaFollow.person_id == person_id
        )
    )
    if exists is None:
        session.add(IdeaFollow(idea_id=idea_id, person_id=person_id))
        session.flush()
        return True
    return False


def follow_idea(session: Session, viewer: Viewer, idea_id: int, *, follow: bool = True) -> bool:
    """Follow (or stop following) an idea; True when something changed (audited then)."""
    idea, person_id = _open_idea(session, viewer, idea_id)
    if follow:
        changed = _follow(session, idea.id, person_id)
    else:
        result = session.execute(
            sa.delete(IdeaFollow).where(
                IdeaFollow.idea_id == idea.id, IdeaFollow.person_id == person_id
            )
        )
        changed = bool(getattr(result, "rowcount", 0))
    if changed:
        audit.record(
            session,
            actor=viewer.actor,
            action="idea.follow" if follow else "idea.unfollow",
            subject_type="idea",
            subject_id=idea.id,
        )
    return changed


def vote_for_idea(session: Session, viewer: Viewer, idea_id: int, *, support: bool = True) -> bool:
    """Support an idea (one vote per person) or withdraw the support; True when it changed.

    A merged duplicate takes no new support: its page points to the surviving idea.
    """
    idea, person_id = _open_idea(session, viewer, idea_id)
    existing = session.scalar(
        sa.select(IdeaVote).where(IdeaVote.idea_id == idea.id, IdeaVote.person_id == person_id)
    )
    if support:
        if existing is not None:
            return False
        if idea.merged_into_id is not None:
            raise ConflictError(
                f"idea {idea.id} was merged into idea {idea.merged_into_id}: support that one"
            )
        session.add(IdeaVote(idea_id=idea.id, person_id=person_id))
    else:
        if existing is None:
            return False
        session.delete(existing)
    session.flush()
    audit.record(
        session,
        actor=viewer.actor,
        action="idea.vote" if support else "idea.unvote",
        subject_type="idea",
        subject_id=idea.id,
    )
    return True


# --- reading -----------------------------------------------------------------------


@dataclass(frozen=True)
class IdeaRow:
    """An idea in a list: what a card shows."""

    id: int
    title: str
    stage: str
    tags: list[str]
    votes: int
    comments: int
    author: str | None
    created_at: dt.datetime
    merged_into_id: int | None


def _counts(
    session: Session, column: sa.orm.InstrumentedAttribute[int], ids: Sequence[int]
) -> dict[int, int]:
    if not ids:
        return {}
    rows = session.execute(
        sa.select(column, sa.func.count()).where(column.in_(ids)).group_by(column)
    ).all()
    return {idea_id: int(n) for idea_id, n in rows}


def idea_rows(session: Session, ideas: Sequence[Idea]) -> list[IdeaRow]:
    """Cards for ``ideas``, in the given order, with their support and comment counts."""
    ids = [i.id for i in ideas]
    votes = _counts(session, IdeaVote.idea_id, ids)
    comments = _counts(session, IdeaComment.idea_id, ids)
    authors = _names(session, [i.author_id for i in ideas if i.author_id is not None])
    return [
        IdeaRow(
            i.id,
            i.title,
            i.stage,
            list(i.tags),
            votes.get(i.id, 0),
            comments.get(i.id, 0),
            authors.get(i.author_id) if i.author_id is not None else None,
            i.created_at,
            i.merged_into_id,
        )
        for i in ideas
    ]


def _names(session: Session, person_ids: Sequence[int]) -> dict[int, str | None]:
    if not person_ids:
        return {}
    rows = session.execute(
        sa.select(Person.id, Person.display_name).where(Person.id.in_(set(person_ids)))
    ).all()
    return {row[0]: row[1] for row in rows}


def campaign_ideas(
    session: Session,
    viewer: Viewer,
    campaign_id: int,
    *,
    stage: str | None = None,
    include_merged: bool = False,
) -> tuple[Campaign, list[IdeaRow]]:
    """The ideas of a campaign, most supported first (merged duplicates left out by default)."""
    campaign = get_campaign(session, viewer, campaign_id)
    if stage is not None and stage not in campaign.stages:
        raise ValidationError(f"stage: {stage!r} is not a stage of this campaign")
    query = sa.select(Idea).where(Idea.campaign_id == campaign.id)
    if stage is not None:
        query = query.where(Idea.stage == stage)
    if not include_merged:
        query = query.where(Idea.merged_into_id.is_(None))
    rows = idea_rows(session, list(session.scalars(query.order_by(Idea.id))))
    rows.sort(key=lambda r: (-r.votes, -r.created_at.timestamp()))
    return campaign, rows


def funnel_board(
    session: Session, viewer: Viewer, campaign_id: int
) -> tuple[Campaign, dict[str, list[IdeaRow]]]:
    """The manager's board: every stage of the funnel with its ideas, in funnel order."""
    campaign, rows = campaign_ideas(session, viewer, campaign_id, include_merged=True)
    board: dict[str, list[IdeaRow]] = {stage: [] for stage in campaign.stages}
    for row in rows:
        board.setdefault(row.stage, []).append(row)
    return campaign, board


def mark_updated(idea: Idea) -> None:
    """Touch the idea's ``updated_at`` (a change of stage or a merge)."""
    idea.updated_at = utcnow()
