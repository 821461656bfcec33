"""Editing an idea campaign after its creation: its name and question, its audience, its
dates (re-opening a closed campaign, closing it, leaving it open-ended) and its funnel.

:func:`update_campaign` is the action: it checks the campaign as it would be after the
change with the same rules as creation (:func:`palabre.innovation.service.check_campaign`),
refuses a funnel that would strand ideas, and writes one audit entry holding the before
and after of each changed field, in the caller's transaction. A field left out keeps its
value (:data:`KEEP`), which is how ``None`` stays free to mean "no date" or "the default
funnel".
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.errors import ValidationError
from palabre.innovation.models import Campaign, Idea
from palabre.innovation.service import check_campaign, check_stages
from palabre.privacy import audit

#: A field's before and after value, by field (the campaign's column names).
CampaignChanges = dict[str, tuple[object, object]]


class Keep(enum.Enum):
    """The default of :func:`update_campaign`'s fields: leave the field as it is."""

    FIELD = "keep"


KEEP: Final = Keep.FIELD


def _stranded(session: Session, campaign: Campaign, stages: Sequence[str]) -> dict[str, int]:
    """The ideas of ``campaign`` at a stage that ``stages`` leaves out, counted by stage."""
    rows = session.execute(
        sa.select(Idea.stage, sa.func.count())
        .where(Idea.campaign_id == campaign.id, Idea.stage.not_in(list(stages)))
        .group_by(Idea.stage)
        .order_by(Idea.stage)
    ).all()
    return {str(stage): int(count) for stage, count in rows}


def _jsonable(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def update_campaign(
    session: Session,
    campaign: Campaign,
    *,
    actor: str,
    name: str | Keep = KEEP,
    question: str | Keep = KEEP,
    audience: str | Keep = KEEP,
    team_id: int | Keep | None = KEEP,
    segment_id: int | Keep | None = KEEP,
    opens_on: dt.date | Keep | None = KEEP,
    closes_on: dt.date | Keep | None = KEEP,
    stages: Sequence[str] | Keep | None = KEEP,
) -> CampaignChanges:
    """Change the given fields of ``campaign`` (audited once); return what changed.

    ``closes_on=None`` leaves the campaign open-ended (a closed campaign opens again when
    today is on or after its opening day); ``stages=None`` is the default funnel. The
    result is checked as creation checks a campaign (errors name the field); a funnel
    that leaves out a stage where ideas stand is refused. Nothing changed: no audit entry.
    """
    after_name = campaign.name if isinstance(name, Keep) else name.strip()
    after_question = campaign.question if isinstance(question, Keep) else question.strip()
    after_audience = campaign.audience if isinstance(audience, Keep) else audience
    after_team = campaign.audience_team_id if isinstance(team_id, Keep) else team_id
    after_segment = campaign.audience_segment_id if isinstance(segment_id, Keep) else segment_id
    after_opens = campaign.opens_on if isinstance(opens_on, Keep) else opens_on
    after_closes = campaign.closes_on if isinstance(closes_on, Keep) else closes_on
    check_campaign(
        session,
        name=after_name,
        question=after_question,
        audience=after_audience,
        team_id=after_team,
        segment_id=after_segment,
        opens_on=after_opens,
        closes_on=after_closes,
        campaign_id=campaign.id,
    )
    wanted: dict[str, object] = {
        "name": after_name,
        "question": after_question,
        "audience": after_audience,
        # As at creation, only the audience in force keeps its team or segment.
        "audience_team_id": after_team if after_audience == "team" else None,
        "audience_segment_id": after_segment if after_audience == "segment" else None,
        "opens_on": after_opens,
        "closes_on": after_closes,
    }
    if not isinstance(stages, Keep):
        funnel = check_stages(stages)
        stranded = _stranded(session, campaign, funnel)
        if stranded:
            where = ", ".join(f"{count} at {stage!r}" for stage, count in stranded.items())
            raise ValidationError(
                f"stages: the new funnel leaves out stages that hold ideas ({where});"
                " move those ideas first or keep their stages"
            )
        wanted["stages"] = funnel
    changes: CampaignChanges = {}
    for field, value in wanted.items():
        before = getattr(campaign, field)
        if before != value:
            changes[field] = (before, value)
            setattr(campaign, field, value)
    if not changes:
        return changes
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="campaign.update",
        subject_type="campaign",
        subject_id=campaign.id,
        details={
            "name": campaign.name,
            "changes": {
                field: {"before": _jsonable(before), "after": _jsonable(after)}
                for field, (before, after) in changes.items()
            },
        },
    )
    return changes
