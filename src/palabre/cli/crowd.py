"""``palabre crowd``: crowd validation of statements and ideas from exported votes."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from sqlalchemy.orm import Session

from palabre.cli.context import state
from palabre.db.engine import transaction
from palabre.errors import NotFoundError, ValidationError
from palabre.innovation.models import Campaign
from palabre.people.service import Viewer
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="Crowd validation: opinion groups of agree / disagree votes, pairwise rankings.",
    no_args_is_help=True,
)


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file: readers never see half a file."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise ValidationError(f"{path}: the folder {folder} does not exist")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@app.command("opinions")
def opinions(
    votes: Annotated[
        Path,
        typer.Option("--votes", help="Pol.is votes.csv: timestamp, comment-id, voter-id, vote."),
    ],
    comments: Annotated[
        Path, typer.Option("--comments", help="Pol.is comments.csv: comment-id, moderated, ...")
    ],
    output: Annotated[Path, typer.Option("--output", help="The JSON file written.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the clustering.")] = 0,
) -> None:
    """Map the opinion groups of a Pol.is conversation into OUTPUT (JSON), as Pol.is does."""
    from palabre.innovation.opinions import OpinionModel
    from palabre.innovation.polis import groups_document, read_conversation

    matrix, statements = read_conversation(votes, comments)
    model = OpinionModel(random_state=seed).fit(
        matrix.values, matrix.moderated_mask(statements.moderated_out)
    )
    document = groups_document(matrix, model)
    _write_atomically(output, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    sizes = ", ".join(str(group["size"]) for group in document["groups"])
    typer.echo(
        f"{len(document['participants'])} of {len(matrix.participants)} participants "
        f"in {model.n_groups_} group(s) ({sizes}) written to {output}"
    )


def _campaign_id(session: Session, ref: str) -> int:
    found = session.scalar(sa.select(Campaign.id).where(Campaign.name == ref))
    if found is None and ref.isdigit():
        found = session.scalar(sa.select(Campaign.id).where(Campaign.id == int(ref)))
    if found is None:
        raise NotFoundError(f"campaign: no campaign named {ref!r}")
    return found


def _manager() -> Viewer:
    return Viewer(actor=system_actor(), role="innovation")


CampaignArg = Annotated[str, typer.Argument(metavar="CAMPAIGN", help="Campaign name or id.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


@app.command("map")
def opinion_map(ctx: typer.Context, campaign: CampaignArg, as_json: JsonOpt = False) -> None:
    """The opinion map of a campaign's stored statement votes (groups, consensus, divisive)."""
    from palabre.innovation import crowd  # imported here: heavy (numpy, scipy...)

    with transaction(state(ctx).sessions()) as session:
        found = crowd.opinion_map(session, _manager(), _campaign_id(session, campaign))

    def statement(s: crowd.MapStatement) -> dict[str, object]:
        return {"id": s.id, "text": s.text, "direction": s.direction, "share": s.share}

    payload: dict[str, object] = {
        "participants": found.participants,
        "clustered": found.clustered,
        "statements": found.statements,
        "votes": found.votes,
        "ready": found.ready,
        "groups": [
            {
                "size": g.size,
                "shown": g.shown,
                "representative": [statement(s) for s in g.representative],
            }
            for g in found.groups
        ],
        "consensus": [statement(s) for s in found.consensus],
        "divisive": [statement(s) for s in found.divisive],
    }
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=1))
        return
    typer.echo(
        f"{found.participants} participants, {found.statements} statements, {found.votes} votes;"
        f" {found.clustered} clustered"
    )
    if not found.ready:
        typer.echo(f"no map yet: fewer than {crowd.MIN_GROUP_SIZE} clustered participants")
        return
    for group in found.groups:
        typer.echo(f"group {'ABCDEFGHIJ'[group.index]}: {group.size} participants")
        for s in group.representative:
            typer.echo(f"  {s.direction} {s.share:.0%}  {s.text}")
    for title, items in (("consensus", found.consensus), ("divisive", found.divisive)):
        typer.echo(f"{title}:")
        for s in items:
            typer.echo(f"  {s.direction} {s.share:.0%}  {s.text}")


@app.command("ranking")
def ranking(ctx: typer.Context, campaign: CampaignArg, as_json: JsonOpt = False) -> None:
    """The pairwise ranking of a campaign's ideas: score and 95 % interval, best first."""
    from palabre.innovation import crowd  # imported here: heavy (numpy, scipy...)

    with transaction(state(ctx).sessions()) as session:
        scored = crowd.pairwise_scores(session, _manager(), _campaign_id(session, campaign))
        rows = [
            {
                "idea_id": s.idea.id,
                "title": s.idea.title,
                "score": round(s.score.score, 4),
                "low": round(s.score.low, 4),
                "high": round(s.score.high, 4),
                "appearances": s.score.appearances,
            }
            for s in scored
        ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        typer.echo("no pairwise answer yet")
    for row in rows:
        typer.echo(
            f"{row['score']:.0%} [{row['low']:.0%}-{row['high']:.0%}]"
            f"  ({row['appearances']} comparisons)  #{row['idea_id']} {row['title']}"
        )
