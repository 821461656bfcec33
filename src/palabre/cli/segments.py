"""``palabre segments``: customer or employee segments defined by a rule."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from palabre.cli.context import console, state
from palabre.db.engine import transaction
from palabre.errors import ValidationError
from palabre.identity import segments
from palabre.identity.models import Segment
from palabre.privacy.audit import system_actor

app = typer.Typer(help="Define segments by a rule over person attributes.", no_args_is_help=True)

NameArg = Annotated[str, typer.Argument(metavar="NAME", help="Segment name (or id).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
KindHelp = "Persons considered: customer, employee or any."
DescriptionOpt = Annotated[
    str | None, typer.Option("--description", help="What the segment is for.")
]


def _members(count: int) -> str:
    return f"{count} member" if count == 1 else f"{count} members"


def _when(moment: dt.datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "never"


def _as_dict(segment: Segment) -> dict[str, Any]:
    return {
        "id": segment.id,
        "name": segment.name,
        "kind": segment.kind,
        "rule": segment.rule,
        "description": segment.description,
        "member_count": segment.member_count,
        "computed_at": segment.computed_at.isoformat() if segment.computed_at else None,
    }


def _echo_json(payload: object) -> None:
    typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())


@app.command()
def add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Segment name.")],
    rule: Annotated[
        str,
        typer.Option(
            "--rule", help="Who belongs, e.g. \"city = 'Genève' and contract = 'monthly'\"."
        ),
    ],
    kind: Annotated[str, typer.Option("--kind", help=KindHelp)] = "customer",
    description: DescriptionOpt = None,
) -> None:
    """Create a segment and compute its members (rule syntax: docs/segment-rules.md)."""
    with transaction(state(ctx).sessions()) as session:
        segment = segments.create_segment(
            session,
            name=name,
            rule=rule,
            kind=kind,
            description=description,
            actor=system_actor(),
        )
        console.print(
            f"segment [bold]{escape(segment.name)}[/] created: {_members(segment.member_count)}",
            highlight=False,
        )
        console.print(f"rule: {escape(segment.rule)}", highlight=False)


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the segments with their member counts."""
    with transaction(state(ctx).sessions()) as session:
        found = segments.list_segments(session)
        payload = [_as_dict(segment) for segment in found]
    if as_json:
        _echo_json(payload)
        return
    if not payload:
        console.print("no segments yet: create one with [bold]palabre segments add[/]")
        return
    # One line per segment and its rule below: readable in a narrow terminal, where a
    # five-column table would wrap the names people type next.
    for item in found:
        console.print(
            f"[bold]{escape(item.name)}[/] · {item.kind} · {_members(item.member_count)}"
            f" · computed {_when(item.computed_at)}",
            highlight=False,
        )
        console.print(f"  {escape(item.rule)}", highlight=False, soft_wrap=True)


@app.command()
def show(
    ctx: typer.Context,
    name: NameArg,
    members: Annotated[
        int, typer.Option("--members", min=0, help="List the first N members.")
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """Show a segment, its rule and its first members."""
    with transaction(state(ctx).sessions()) as session:
        segment = segments.get_segment(session, name)
        listed = segments.segment_members(session, segment, limit=members)
        payload = _as_dict(segment)
    if as_json:
        payload["members"] = [
            {
                "person_id": m.person_id,
                "display_name": m.display_name,
                "kind": m.kind,
                "locale": m.locale,
                "source": m.source,
                "external_id": m.external_id,
            }
            for m in listed
        ]
        _echo_json(payload)
        return
    console.print(
        f"[bold]{escape(segment.name)}[/] · {segment.kind} · {_members(segment.member_count)}"
        f" (computed {_when(segment.computed_at)})",
        highlight=False,
    )
    console.print(f"rule: {escape(segment.rule)}", highlight=False)
    if segment.description:
        console.print(escape(segment.description), highlight=False)
    if not listed:
        return
    table = Table(title=f"members (first {len(listed)} of {segment.member_count})")
    for column in ("id", "name", "kind", "CRM id"):
        table.add_column(column)
    for member in listed:
        crm = f"{member.source}:{member.external_id}" if member.external_id else ""
        table.add_row(
            str(member.person_id), escape(member.display_name or "—"), member.kind, escape(crm)
        )
    console.print(table)


@app.command()
def refresh(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Argument(metavar="[NAME]", help="Only this segment (default: all).")
    ] = None,
) -> None:
    """Recompute the members of one segment, or of all."""
    with transaction(state(ctx).sessions()) as session:
        if name is None:
            results = segments.refresh_all(session, actor=system_actor())
        else:
            segment = segments.get_segment(session, name)
            results = {
                segment.name: segments.refresh_segment(session, segment, actor=system_actor())
            }
    if not results:
        console.print("no segments to refresh")
    for segment_name, result in results.items():
        console.print(
            f"{escape(segment_name)}: {_members(result.total)} (+{result.added} −{result.removed})",
            highlight=False,
        )


@app.command()
def edit(
    ctx: typer.Context,
    name: NameArg,
    rule: Annotated[str | None, typer.Option("--rule", help="New rule.")] = None,
    new_name: Annotated[str | None, typer.Option("--name", help="New name.")] = None,
    kind: Annotated[str | None, typer.Option("--kind", help=KindHelp)] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="New description ('' removes it).")
    ] = None,
) -> None:
    """Rename a segment or change its rule, kind or description (members recomputed)."""
    if rule is None and new_name is None and kind is None and description is None:
        raise ValidationError("nothing to change: give --rule, --name, --kind or --description")
    with transaction(state(ctx).sessions()) as session:
        segment = segments.get_segment(session, name)
        result = segments.update_segment(
            session,
            segment,
            name=new_name,
            rule=rule,
            kind=kind,
            description=description,
            actor=system_actor(),
        )
        label = escape(segment.name)
        count = segment.member_count
    suffix = "" if result is None else f" (+{result.added} −{result.removed})"
    console.print(f"segment [bold]{label}[/]: {_members(count)}{suffix}", highlight=False)


@app.command()
def remove(ctx: typer.Context, name: NameArg) -> None:
    """Delete a segment and its membership (the persons are untouched)."""
    with transaction(state(ctx).sessions()) as session:
        segment = segments.get_segment(session, name)
        label = segment.name
        segments.delete_segment(session, segment, actor=system_actor())
    console.print(f"segment [bold]{escape(label)}[/] removed", highlight=False)
