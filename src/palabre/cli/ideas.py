"""``palabre ideas``: idea campaigns, the funnel, duplicates and ideas from the field.

The command line acts as an innovation manager (the audit actor is ``cli:<os user>``).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
import sqlalchemy as sa
import typer
from rich.markup import escape
from sqlalchemy.orm import Session

from palabre.cli.context import console, state
from palabre.db.engine import transaction
from palabre.errors import NotFoundError, ValidationError
from palabre.identity.models import Segment, Team
from palabre.innovation import campaign_edit, discovery, funnel, service
from palabre.innovation.models import AUDIENCES, Campaign
from palabre.people.service import Viewer
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="Idea campaigns: create them, move ideas through the funnel, merge duplicates.",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
CampaignArg = Annotated[str, typer.Argument(metavar="CAMPAIGN", help="Campaign name or id.")]
NoteOpt = Annotated[str | None, typer.Option("--note", help="Why (kept in the history).")]


def _manager() -> Viewer:
    return Viewer(actor=system_actor(), role="innovation")


def _echo_json(payload: object) -> None:
    typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())


def _date(value: str | None, option: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from exc


def _campaign(session: Session, ref: str) -> Campaign:
    found = session.scalar(sa.select(Campaign).where(Campaign.name == ref))
    if found is None and ref.isdigit():
        found = session.get(Campaign, int(ref))
    if found is None:
        raise NotFoundError(f"campaign: no campaign named {ref!r}")
    return found


def _team(session: Session, ref: str | None) -> int | None:
    if ref is None:
        return None
    team = session.scalar(sa.select(Team).where(Team.path == ref))
    if team is None:
        raise NotFoundError(f"--team: no team with path {ref!r}")
    return team.id


def _segment(session: Session, ref: str | None) -> int | None:
    if ref is None:
        return None
    segment = session.scalar(sa.select(Segment).where(Segment.name == ref))
    if segment is None:
        raise NotFoundError(f"--segment: no segment named {ref!r}")
    return segment.id


# Options that creating and editing a campaign share.
TeamOpt = Annotated[str | None, typer.Option("--team", help="Team path, for --audience team.")]
SegmentOpt = Annotated[
    str | None, typer.Option("--segment", help="Segment name, for --audience segment.")
]
OpensOpt = Annotated[str | None, typer.Option("--opens", help="First day (YYYY-MM-DD).")]
ClosesOpt = Annotated[str | None, typer.Option("--closes", help="Last day (YYYY-MM-DD).")]


@app.command("campaign-add")
def campaign_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Campaign name.")],
    question: Annotated[str, typer.Option("--question", help="The question put to people.")],
    audience: Annotated[
        str, typer.Option("--audience", help=f"Who takes part: {', '.join(AUDIENCES)}.")
    ] = "employees",
    team: TeamOpt = None,
    segment: SegmentOpt = None,
    opens: OpensOpt = None,
    closes: ClosesOpt = None,
    stages: Annotated[
        str | None,
        typer.Option("--stages", help="The funnel, comma-separated (default: the standard one)."),
    ] = None,
) -> None:
    """Create an idea campaign."""
    with transaction(state(ctx).sessions()) as session:
        made = service.create_campaign(
            session,
            name=name,
            question=question,
            audience=audience,
            team_id=_team(session, team),
            segment_id=_segment(session, segment),
            opens_on=_date(opens, "--opens"),
            closes_on=_date(closes, "--closes"),
            stages=stages.split(",") if stages else None,
            actor=system_actor(),
        )
        console.print(
            f"campaign {made.id} [bold]{escape(made.name)}[/] created;"
            f" funnel: {' → '.join(made.stages)}",
            highlight=False,
        )


def _shown(value: object) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value.isoformat() if isinstance(value, dt.date) else value)


@app.command("campaign-edit")
def campaign_edit_(
    ctx: typer.Context,
    campaign: CampaignArg,
    name: Annotated[str | None, typer.Option("--name", help="A new name.")] = None,
    question: Annotated[
        str | None, typer.Option("--question", help="A new question put to people.")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--audience", help=f"Who takes part: {', '.join(AUDIENCES)}.")
    ] = None,
    team: TeamOpt = None,
    segment: SegmentOpt = None,
    opens: OpensOpt = None,
    closes: ClosesOpt = None,
    no_opening: Annotated[
        bool, typer.Option("--no-opening", help="Remove the first day: open from now on.")
    ] = False,
    no_closing: Annotated[
        bool,
        typer.Option("--no-closing", help="Remove the last day: open-ended (re-opens it)."),
    ] = False,
    stages: Annotated[
        str | None, typer.Option("--stages", help="The funnel, comma-separated, in order.")
    ] = None,
) -> None:
    """Change an idea campaign: only the options given; prints what changed."""
    if opens and no_opening:
        raise ValidationError("--opens: give a first day or --no-opening, not both")
    if closes and no_closing:
        raise ValidationError("--closes: give a last day or --no-closing, not both")
    keep = campaign_edit.KEEP
    with transaction(state(ctx).sessions()) as session:
        found = _campaign(session, campaign)
        changes = campaign_edit.update_campaign(
            session,
            found,
            name=keep if name is None else name,
            question=keep if question is None else question,
            audience=keep if audience is None else audience,
            team_id=keep if team is None else _team(session, team),
            segment_id=keep if segment is None else _segment(session, segment),
            opens_on=None if no_opening else (_date(opens, "--opens") or keep),
            closes_on=None if no_closing else (_date(closes, "--closes") or keep),
            stages=keep if stages is None else stages.split(","),
            actor=system_actor(),
        )
        if not changes:
            console.print(f"campaign {found.id} [bold]{escape(found.name)}[/]: nothing changed")
            return
        for field, (before, after) in changes.items():
            console.print(
                f"campaign {found.id} {field}: {escape(_shown(before))} → {escape(_shown(after))}",
                highlight=False,
            )
        status = "open" if service.is_open(found) else "closed"
        console.print(f"campaign {found.id} [bold]{escape(found.name)}[/] is {status} today")


@app.command()
def campaigns(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the campaigns, the open ones first."""
    with transaction(state(ctx).sessions()) as session:
        rows = service.list_campaigns(session, _manager())
        payload = [
            {
                "id": r.campaign.id,
                "name": r.campaign.name,
                "audience": r.campaign.audience,
                "open": r.open,
                "ideas": r.ideas,
                "stages": r.campaign.stages,
            }
            for r in rows
        ]
    if as_json:
        _echo_json(payload)
        return
    if not payload:
        console.print("no campaign yet: create one with [bold]palabre ideas campaign-add[/]")
    for item in payload:
        status = "open" if item["open"] else "closed"
        console.print(
            f"{item['id']} [bold]{escape(str(item['name']))}[/] · {item['audience']} · {status}"
            f" · {item['ideas']} ideas",
            highlight=False,
        )


def _row(row: service.IdeaRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "title": row.title,
        "stage": row.stage,
        "votes": row.votes,
        "comments": row.comments,
        "author": row.author,
        "merged_into": row.merged_into_id,
    }


@app.command("list")
def list_(
    ctx: typer.Context,
    campaign: CampaignArg,
    stage: Annotated[str | None, typer.Option("--stage", help="Only this stage.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """List a campaign's ideas, most supported first."""
    with transaction(state(ctx).sessions()) as session:
        found = _campaign(session, campaign)
        _, rows = service.campaign_ideas(session, _manager(), found.id, stage=stage)
    if as_json:
        _echo_json([_row(r) for r in rows])
        return
    for row in rows:
        console.print(
            f"{row.id} [{row.stage}] {escape(row.title)} · {row.votes} votes", highlight=False
        )


@app.command()
def move(
    ctx: typer.Context,
    idea: Annotated[int, typer.Argument(metavar="IDEA", help="Idea id.")],
    stage: Annotated[str, typer.Argument(metavar="STAGE", help="Stage of the funnel.")],
    note: NoteOpt = None,
) -> None:
    """Move an idea to another stage; its followers are notified."""
    with transaction(state(ctx).sessions()) as session:
        change = funnel.move_stage(session, _manager(), idea, stage, note=note)
        console.print(f"idea {idea}: {change.from_stage} → {change.to_stage}", highlight=False)


@app.command()
def merge(
    ctx: typer.Context,
    duplicate: Annotated[int, typer.Argument(metavar="A", help="The duplicate idea's id.")],
    into: Annotated[int, typer.Argument(metavar="B", help="The idea that remains.")],
    note: NoteOpt = None,
) -> None:
    """Merge idea A into idea B; A's supporters are asked before their votes move."""
    with transaction(state(ctx).sessions()) as session:
        report = funnel.merge_ideas(session, _manager(), duplicate, into, note=note)
        console.print(
            f"idea {report.duplicate_id} merged into {report.into_id}: "
            f"{report.transfers_asked} supporters asked to move their vote, "
            f"{report.already_supporting} already support {report.into_id}",
            highlight=False,
        )


@app.command()
def similar(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(metavar="TITLE", help="A title, even mistyped.")],
    campaign: Annotated[
        str | None, typer.Option("--campaign", help="Only this campaign (name or id).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Existing ideas whose title looks like TITLE (French or English, typos forgiven)."""
    with transaction(state(ctx).sessions()) as session:
        campaign_id = _campaign(session, campaign).id if campaign else None
        found = discovery.similar_ideas(session, _manager(), title, campaign_id=campaign_id)
    if as_json:
        _echo_json([{**_row(f.idea), "score": f.score} for f in found])
        return
    if not found:
        console.print("no similar idea")
    for f in found:
        console.print(f"{f.idea.id} {escape(f.idea.title)} · {f.score:.0f}", highlight=False)


@app.command()
def candidates(
    ctx: typer.Context,
    min_probability: Annotated[
        float,
        typer.Option("--min-probability", min=0.0, max=1.0, help="Lowest suggestion probability."),
    ] = discovery.DEFAULT_MIN_PROBABILITY,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N messages.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Ideas from the field: messages likely to be suggestions, not yet ideas."""
    with transaction(state(ctx).sessions()) as session:
        found = discovery.field_candidates(
            session, _manager(), min_probability=min_probability, limit=limit
        )
    if as_json:
        _echo_json(
            [
                {
                    "message_id": c.message_id,
                    "probability": round(c.probability, 3),
                    "author": c.author,
                    "channel": c.channel,
                    "text": c.text,
                }
                for c in found
            ]
        )
        return
    if not found:
        console.print(
            "no candidate: run [bold]palabre analyze[/] first, or lower --min-probability"
        )
    for c in found:
        console.print(
            f"{c.message_id} · {c.probability:.2f} · {escape(c.text[:100])}", highlight=False
        )


@app.command()
def adopt(
    ctx: typer.Context,
    message: Annotated[int, typer.Argument(metavar="MESSAGE", help="Message id.")],
    campaign: Annotated[str, typer.Option("--campaign", help="Campaign name or id.")],
    title: Annotated[
        str | None, typer.Option("--title", help="Title (default: the first sentence).")
    ] = None,
) -> None:
    """Turn a message into an idea of a campaign, linked to the message."""
    with transaction(state(ctx).sessions()) as session:
        found = _campaign(session, campaign)
        idea = discovery.idea_from_message(session, _manager(), found.id, message, title=title)
        console.print(f"idea {idea.id} created: {escape(idea.title)}", highlight=False)


IdeaArg = Annotated[int, typer.Argument(metavar="IDEA", help="Idea id.")]


@app.command()
def roles(ctx: typer.Context, idea: IdeaArg, as_json: JsonOpt = False) -> None:
    """People suggested for each role of IDEA, and who carries it at each stage."""
    from palabre.innovation import assignments  # imported here: heavy (igraph, numpy)

    with transaction(state(ctx).sessions()) as session:
        viewer = _manager()
        found = assignments.suggestions(session, viewer, idea)
        carried = assignments.carriers(session, viewer, idea)
    suggested = [
        {
            "role": assignments.SUGGESTED_ROLE[key],
            "person_id": s.person.id,
            "name": s.person.name,
            "score": round(s.score, 4),
            "load": s.load,
            "why": {"fr": s.why.fr, "en": s.why.en},
        }
        for key, listed in found.roles.items()
        for s in listed
    ]
    rows = [
        {
            "id": c.id,
            "role": c.role,
            "person_id": c.person_id,
            "name": c.name,
            "stage": c.stage,
            "assigned_by": c.assigned_by,
            "assigned_at": c.assigned_at.isoformat(),
            "released_at": c.released_at.isoformat() if c.released_at else None,
        }
        for group in carried
        for c in group.carriers
    ]
    if as_json:
        _echo_json({"suggestions": suggested, "assignments": rows})
        return
    console.print("suggested:", highlight=False)
    if not suggested:
        console.print("  nobody: no conversation on this idea's topic yet", highlight=False)
    for s in suggested:
        console.print(
            f"  {s['role']}: #{s['person_id']} {escape(str(s['name']))} · "
            f"{escape(str(s['why']['en']))}",  # type: ignore[index]
            highlight=False,
        )
    console.print("assigned:", highlight=False)
    if not rows:
        console.print("  nobody yet", highlight=False)
    for r in rows:
        released = f" (released {r['released_at']})" if r["released_at"] else ""
        console.print(
            f"  [{r['id']}] at {r['stage']}: {r['role']} #{r['person_id']} "
            f"{escape(str(r['name']))}{released}",
            highlight=False,
        )


@app.command()
def assign(
    ctx: typer.Context,
    idea: IdeaArg,
    role: Annotated[
        str, typer.Argument(metavar="ROLE", help="ideator, expert, validator or champion.")
    ],
    person: Annotated[str, typer.Argument(metavar="PERSON", help="Person id or name.")],
) -> None:
    """Assign PERSON to ROLE of IDEA at its current stage; they are notified."""
    from palabre.innovation import assignments  # imported here: heavy (igraph, numpy)

    with transaction(state(ctx).sessions()) as session:
        found = assignments.find_person(session, person)
        made = assignments.assign(session, _manager(), idea, role, found.id)
        console.print(
            f"assignment {made.id}: {escape(found.display_name or '#' + str(found.id))} is "
            f"{role} of idea {idea} (stage {made.stage})",
            highlight=False,
        )


@app.command()
def release(
    ctx: typer.Context,
    assignment: Annotated[int, typer.Argument(metavar="ASSIGNMENT", help="Assignment id.")],
) -> None:
    """Release the person of ASSIGNMENT from their role (the history keeps it)."""
    from palabre.innovation import assignments  # imported here: heavy (igraph, numpy)

    with transaction(state(ctx).sessions()) as session:
        made = assignments.release(session, _manager(), assignment)
        console.print(
            f"assignment {made.id} released: person {made.person_id} is no longer "
            f"{made.role} of idea {made.idea_id}",
            highlight=False,
        )
