"""JSON API of the innovation pillar: campaigns, ideas, votes, follows, funnel, notifications.

Who may call what is the same as the pages (:mod:`palabre.web.innovation_views`); writes
need the session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from palabre.accounts.models import UserAccount
from palabre.identity.models import Person
from palabre.innovation import (
    assignments,
    campaign_edit,
    discovery,
    funnel,
    notifications,
    service,
)
from palabre.innovation.schemas import (
    CampaignCreate,
    CampaignListItemRead,
    CampaignRead,
    CampaignUpdate,
    CarrierRead,
    Changed,
    CommentCreate,
    CommentRead,
    IdeaCreate,
    IdeaListItemRead,
    IdeaRead,
    IdeaRolesRead,
    MergeRead,
    MergeRequest,
    NotificationRead,
    RoleAssign,
    RoleSuggestionRead,
    SimilarIdeaRead,
    StageChangeRead,
    StageMove,
    TransferAnswer,
)
from palabre.web.access import authenticated, requires
from palabre.web.api import PREFIX
from palabre.web.deps import DbSession
from palabre.web.innovation_views import MANAGERS
from palabre.web.listing import OptionalRowId, RowId, viewer_of

router = APIRouter(prefix=PREFIX, tags=["innovation"])

Manager = Annotated[UserAccount, requires(*MANAGERS)]
Anyone = Annotated[UserAccount, authenticated()]


@router.get("/campaigns", response_model=list[CampaignListItemRead])
def list_campaigns(db: DbSession, user: Anyone) -> list[CampaignListItemRead]:
    """The campaigns the caller may see, open ones first."""
    return [
        CampaignListItemRead(
            campaign=CampaignRead.model_validate(r.campaign), ideas=r.ideas, open=r.open
        )
        for r in service.list_campaigns(db, viewer_of(user))
    ]


@router.post("/campaigns", response_model=CampaignRead, status_code=201)
def create_campaign(db: DbSession, body: CampaignCreate, user: Manager) -> CampaignRead:
    """Create a campaign (innovation managers)."""
    made = service.create_campaign(db, actor=viewer_of(user).actor, **body.model_dump())
    return CampaignRead.model_validate(made)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignRead)
def update_campaign(
    db: DbSession, campaign_id: RowId, body: CampaignUpdate, user: Manager
) -> CampaignRead:
    """Change a campaign (innovation managers): only the fields sent, checked as creation
    checks them; ``"closes_on": null`` re-opens a closed campaign with no closing day."""
    viewer = viewer_of(user)
    campaign = service.get_campaign(db, viewer, campaign_id)
    # Sent fields only: an absent field is kept, a null one (a date, the funnel) is cleared.
    campaign_edit.update_campaign(
        db, campaign, actor=viewer.actor, **body.model_dump(exclude_unset=True)
    )
    return CampaignRead.model_validate(campaign)


@router.get("/campaigns/{campaign_id}/ideas", response_model=list[IdeaListItemRead])
def campaign_ideas(
    db: DbSession,
    campaign_id: RowId,
    user: Anyone,
    stage: Annotated[str | None, Query(max_length=40)] = None,
) -> list[IdeaListItemRead]:
    """A campaign's ideas, most supported first (merged duplicates left out)."""
    _, rows = service.campaign_ideas(db, viewer_of(user), campaign_id, stage=stage)
    return [IdeaListItemRead.model_validate(r) for r in rows]


@router.post("/campaigns/{campaign_id}/ideas", response_model=IdeaRead, status_code=201)
def submit_idea(db: DbSession, campaign_id: RowId, body: IdeaCreate, user: Anyone) -> IdeaRead:
    """Propose an idea (the caller's account must be linked to a person of the audience)."""
    viewer = viewer_of(user)
    idea = service.submit_idea(db, viewer, campaign_id, **body.model_dump())
    return _idea(db, user, idea.id)


@router.get("/ideas/similar", response_model=list[SimilarIdeaRead])
def similar_ideas(
    db: DbSession,
    user: Anyone,
    title: Annotated[str, Query(max_length=300)] = "",
    campaign: OptionalRowId = None,
) -> list[SimilarIdeaRead]:
    """Existing ideas whose title looks like ``title`` (French or English, typos forgiven)."""
    found = discovery.similar_ideas(db, viewer_of(user), title, campaign_id=campaign)
    return [
        SimilarIdeaRead(
            idea=IdeaListItemRead.model_validate(f.idea), campaign_id=f.campaign_id, score=f.score
        )
        for f in found
    ]


def _idea(db: DbSession, user: UserAccount, idea_id: int) -> IdeaRead:
    page = funnel.idea_page(db, viewer_of(user), idea_id)
    idea = page.idea
    return IdeaRead(
        id=idea.id,
        campaign_id=idea.campaign_id,
        title=idea.title,
        body=idea.body,
        tags=list(idea.tags),
        links=list(idea.links),
        stage=idea.stage,
        author=page.author,
        supporters=page.supporters,
        following=page.following,
        supporting=page.supporting,
        merged_into_id=idea.merged_into_id,
        source_message_id=idea.source_message_id,
        created_at=idea.created_at,
        comments=[CommentRead.model_validate(c) for c in page.comments],
        history=[StageChangeRead.model_validate(h) for h in page.history],
    )


@router.get("/ideas/{idea_id}", response_model=IdeaRead)
def get_idea(db: DbSession, idea_id: RowId, user: Anyone) -> IdeaRead:
    """An idea with its supporters count, comments and stage history."""
    return _idea(db, user, idea_id)


@router.post("/ideas/{idea_id}/vote", response_model=Changed)
def vote(db: DbSession, idea_id: RowId, user: Anyone) -> Changed:
    """Support the idea (one vote per person)."""
    return Changed(changed=service.vote_for_idea(db, viewer_of(user), idea_id))


@router.delete("/ideas/{idea_id}/vote", response_model=Changed)
def unvote(db: DbSession, idea_id: RowId, user: Anyone) -> Changed:
    """Withdraw one's support."""
    return Changed(changed=service.vote_for_idea(db, viewer_of(user), idea_id, support=False))


@router.post("/ideas/{idea_id}/follow", response_model=Changed)
def follow(db: DbSession, idea_id: RowId, user: Anyone) -> Changed:
    """Follow the idea (notified when its stage changes)."""
    return Changed(changed=service.follow_idea(db, viewer_of(user), idea_id))


@router.delete("/ideas/{idea_id}/follow", response_model=Changed)
def unfollow(db: DbSession, idea_id: RowId, user: Anyone) -> Changed:
    """Stop following the idea."""
    return Changed(changed=service.follow_idea(db, viewer_of(user), idea_id, follow=False))


@router.post("/ideas/{idea_id}/comments", response_model=CommentRead, status_code=201)
def comment(db: DbSession, idea_id: RowId, body: CommentCreate, user: Anyone) -> CommentRead:
    """Comment on the idea."""
    made = service.comment_on_idea(db, viewer_of(user), idea_id, body.body)
    author = db.get(Person, made.author_id) if made.author_id else None
    return CommentRead(
        author=author.display_name if author else None, body=made.body, created_at=made.created_at
    )


@router.post("/ideas/{idea_id}/stage", response_model=StageChangeRead)
def move_stage(db: DbSession, idea_id: RowId, body: StageMove, user: Manager) -> StageChangeRead:
    """Move the idea to another stage of its funnel; followers are notified."""
    change = funnel.move_stage(db, viewer_of(user), idea_id, body.stage, note=body.note)
    return StageChangeRead.model_validate(change)


@router.post("/ideas/{idea_id}/merge", response_model=MergeRead)
def merge(db: DbSession, idea_id: RowId, body: MergeRequest, user: Manager) -> MergeRead:
    """Merge the idea into ``into``; its supporters are asked before their votes move."""
    report = funnel.merge_ideas(db, viewer_of(user), idea_id, body.into, note=body.note)
    return MergeRead.model_validate(report)


def _carrier(c: assignments.Carrier) -> CarrierRead:
    return CarrierRead.model_validate(c)


@router.get("/ideas/{idea_id}/roles", response_model=IdeaRolesRead)
def idea_roles(db: DbSession, idea_id: RowId, user: Anyone) -> IdeaRolesRead:
    """Who carries the idea, by stage of assignment; managers also get the suggestions."""
    viewer = viewer_of(user)
    carried = [c for group in assignments.carriers(db, viewer, idea_id) for c in group.carriers]
    suggested = None
    if service.is_manager(viewer):
        found = assignments.suggestions(db, viewer, idea_id)
        suggested = [
            RoleSuggestionRead(
                role=assignments.SUGGESTED_ROLE[key],
                person_id=s.person.id,
                name=s.person.name,
                kind=s.person.kind,
                score=s.score,
                load=s.load,
                why_fr=s.why.fr,
                why_en=s.why.en,
            )
            for key, listed in found.roles.items()
            for s in listed
        ]
    return IdeaRolesRead(suggestions=suggested, assignments=[_carrier(c) for c in carried])


@router.post("/ideas/{idea_id}/roles", response_model=CarrierRead, status_code=201)
def assign_role(db: DbSession, idea_id: RowId, body: RoleAssign, user: Manager) -> CarrierRead:
    """Assign a person to a role of the idea at its current stage; they are notified."""
    viewer = viewer_of(user)
    made = assignments.assign(db, viewer, idea_id, body.role, body.person_id)
    return _carrier(assignments.carrier(db, made))


@router.post("/ideas/roles/{assignment_id}/release", response_model=CarrierRead)
def release_role(db: DbSession, assignment_id: RowId, user: Manager) -> CarrierRead:
    """Release the person of an assignment from their role (the assignment stays dated)."""
    made = assignments.release(db, viewer_of(user), assignment_id)
    return _carrier(assignments.carrier(db, made))


@router.post("/vote-transfers/{transfer_id}", response_model=Changed)
def answer_transfer(
    db: DbSession, transfer_id: RowId, body: TransferAnswer, user: Anyone
) -> Changed:
    """Accept or decline moving one's vote from a merged idea to the surviving one."""
    funnel.answer_transfer(db, viewer_of(user), transfer_id, accept=body.accept)
    return Changed(changed=True)


@router.get("/notifications", response_model=list[NotificationRead])
def list_notifications(db: DbSession, user: Anyone) -> list[NotificationRead]:
    """The caller's latest notifications, newest first."""
    return [
        NotificationRead.model_validate(n)
        for n in notifications.list_notifications(db, user.person_id)
    ]
