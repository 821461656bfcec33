"""``palabre people``: review candidate matches, merge, unmerge and map identities."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.table import Table

from palabre.cli.context import console, state
from palabre.db.engine import transaction
from palabre.errors import ValidationError
from palabre.identity import resolution, segments
from palabre.identity.analysis import PersonView
from palabre.identity.models import PersonMerge
from palabre.privacy import erasure, subject_access
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="People and their identities: candidate matches, merge, unmerge, mapping files.",
    no_args_is_help=True,
)


def _label(person: PersonView) -> str:
    details = [person.kind] if person.kind != "unknown" else []
    details.extend(person.handles[:2])
    details.extend(person.emails[:1])
    suffix = f" ({', '.join(details)})" if details else ""
    return f"#{person.id} {person.display_name or '—'}{suffix}"


def _print_merges(verb: str, merges: list[PersonMerge]) -> None:
    if not merges:
        console.print(f"nothing {verb}")
        return
    for merge in merges:
        console.print(
            f"{verb}: person {merge.merged_id} → {merge.survivor_id} (rule {merge.rule})",
            highlight=False,
        )


@app.command()
def matches(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N pairs.")] = 50,
    min_score: Annotated[
        float, typer.Option("--min-score", min=0.0, max=1.0, help="Lowest score shown.")
    ] = 0.5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List pairs of persons that are probably the same human, best first."""
    with transaction(state(ctx).sessions()) as session:
        found = resolution.candidate_matches(session, limit=limit, min_score=min_score)
    if as_json:
        payload = [
            {
                "person_a": {"id": m.person_a.id, "display_name": m.person_a.display_name},
                "person_b": {"id": m.person_b.id, "display_name": m.person_b.display_name},
                "score": m.score,
                "evidence": list(m.evidence),
            }
            for m in found
        ]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not found:
        console.print(f"no candidate matches with a score of at least {min_score}")
        return
    table = Table(title="candidate matches")
    table.add_column("person A")
    table.add_column("person B")
    table.add_column("score", justify="right")
    table.add_column("evidence")
    for match in found:
        table.add_row(
            _label(match.person_a),
            _label(match.person_b),
            f"{match.score:.2f}",
            "\n".join(match.evidence),
        )
    console.print(table)
    console.print(
        "merge with [bold]palabre people merge A B[/],"
        " or dismiss with [bold]palabre people reject A B[/]"
    )


@app.command()
def merge(
    ctx: typer.Context,
    survivor: Annotated[int, typer.Argument(metavar="A", help="Person id that remains.")],
    merged: Annotated[int, typer.Argument(metavar="B", help="Person id merged into A.")],
    force: Annotated[
        bool,
        typer.Option(
            "--force", help="Merge even a customer with an employee, or a pair declared distinct."
        ),
    ] = False,
) -> None:
    """Merge person B into person A: B's identities move to A (undo with 'unmerge')."""
    with transaction(state(ctx).sessions()) as session:
        done = resolution.merge_persons(
            session, survivor, merged, actor=system_actor(), force=force
        )
        # Who a person is changed: segment memberships follow in the same transaction.
        segments.refresh_all(session, actor=system_actor())
        _print_merges("merged", [done])


@app.command()
def unmerge(
    ctx: typer.Context,
    person: Annotated[
        int, typer.Argument(metavar="A", help="A merged person, or a survivor to split.")
    ],
) -> None:
    """Undo the merge of a person, or every merge into it; the pairs are marked distinct."""
    with transaction(state(ctx).sessions()) as session:
        undone = resolution.unmerge(session, person, actor=system_actor())
        segments.refresh_all(session, actor=system_actor())
        _print_merges("unmerged", undone)


@app.command()
def reject(
    ctx: typer.Context,
    a: Annotated[int, typer.Argument(metavar="A", help="Person id.")],
    b: Annotated[int, typer.Argument(metavar="B", help="Person id.")],
) -> None:
    """Record that A and B are different humans: never proposed or merged automatically again."""
    with transaction(state(ctx).sessions()) as session:
        resolution.reject_match(session, a, b, actor=system_actor())
    console.print(f"persons {a} and {b} recorded as distinct", highlight=False)


@app.command("map")
def map_file(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="CSV with the columns source,external_id,person.")],
) -> None:
    """Apply a mapping file: each identity (source, external_id) belongs to the person named."""
    with transaction(state(ctx).sessions()) as session:
        merges = resolution.apply_mapping_file(session, path, actor=system_actor())
        if merges:
            segments.refresh_all(session, actor=system_actor())
        _print_merges("merged", merges)


@app.command()
def show(
    ctx: typer.Context,
    person: Annotated[int, typer.Argument(metavar="A", help="Person id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Show a person, where it was merged, and its identities."""
    with transaction(state(ctx).sessions()) as session:
        summary = resolution.person_summary(session, person)
    if as_json:
        typer.echo(orjson.dumps(summary.to_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    console.print(
        f"[bold]#{summary.id} {summary.display_name or '—'}[/] · {summary.kind}", highlight=False
    )
    if summary.erased_at is not None:
        console.print(f"erased on {summary.erased_at:%Y-%m-%d %H:%M} UTC", highlight=False)
    if summary.source:
        console.print(f"CRM id: {summary.source}:{summary.external_id}", highlight=False)
    if summary.merged_into_id is not None:
        console.print(
            f"merged into person {summary.merged_into_id} (resolves to {summary.root_id})",
            highlight=False,
        )
    if summary.merged_person_ids:
        merged = ", ".join(str(i) for i in summary.merged_person_ids)
        console.print(f"persons merged into it: {merged}", highlight=False)
    table = Table(title="identities")
    for column in ("id", "source", "channel", "external id", "handle", "name", "e-mail", "held by"):
        table.add_column(column)
    for identity in summary.identities:
        held = str(identity.person_id)
        if identity.original_person_id != identity.person_id:
            held += f" (created for {identity.original_person_id})"
        table.add_row(
            str(identity.id),
            identity.source,
            identity.channel_kind,
            identity.external_id,
            identity.handle or "",
            identity.display_name or "",
            identity.email or "",
            held,
        )
    console.print(table)


@app.command("export")
def export_data(
    ctx: typer.Context,
    person: Annotated[int, typer.Argument(metavar="A", help="Person id.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Write the JSON here (default: standard output)."),
    ] = None,
) -> None:
    """Export everything the workspace holds about a person, as JSON (subject access).

    The person's merged records are included; the export is audited.
    """
    with transaction(state(ctx).sessions()) as session:
        document = subject_access.export_person(session, person, actor=system_actor())
    data = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS)
    if output is None:
        typer.echo(data.decode())
        return
    # Written whole or not at all: a half-written export would look complete.
    temporary = output.with_name(f".{output.name}.part")
    try:
        temporary.write_bytes(data)
        temporary.replace(output)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise ValidationError(
            f"--output: cannot write {output}: {error.strerror or error}"
        ) from error
    console.print(
        f"exported person {document['person_id']} to {output}: "
        f"{len(document['messages']):,} messages, {len(document['identities']):,} identities",
        highlight=False,
    )


@app.command()
def erase(
    ctx: typer.Context,
    person: Annotated[int, typer.Argument(metavar="A", help="Person id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Erase without asking (scripts).")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Only say what would be erased.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Erase a person: everything that names them goes; what they counted in stays, anonymous.

    Their merged records go with them. It cannot be undone, and later imports of the
    same accounts leave them out. See docs/privacy.md.
    """
    with transaction(state(ctx).sessions()) as session:
        plan = erasure.erasure_plan(session, person)
    if not dry_run and not yes:
        _print_erasure(plan, title=f"erasing person {plan.person_id} will change")
        if not typer.confirm("Erase for good? This cannot be undone", default=False):
            console.print("nothing erased")
            raise typer.Exit(1)
    if dry_run:
        report = plan
    else:
        with transaction(state(ctx).sessions()) as session:
            report = erasure.erase_person(session, person, actor=system_actor())
    if as_json:
        payload = {**report.as_dict(), "dry_run": dry_run}
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    title = (
        f"erasing person {report.person_id} would change"
        if dry_run
        else f"person {report.person_id} erased"
    )
    _print_erasure(report, title=title)


@app.command("erasure-requests")
def erasure_requests(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """List the people who asked for their data to be erased and are not erased yet."""
    with transaction(state(ctx).sessions()) as session:
        waiting = erasure.pending_requests(session)
    if as_json:
        payload = [
            {
                "person_id": r.person_id,
                "display_name": r.display_name,
                "requested_at": r.requested_at.isoformat(),
                "actor": r.actor,
            }
            for r in waiting
        ]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not waiting:
        console.print("nobody is waiting for their data to be erased")
        return
    table = Table(title="erasure requests")
    for column in ("person", "asked on", "by"):
        table.add_column(column)
    for r in waiting:
        table.add_row(
            f"#{r.person_id} {r.display_name or '—'}", f"{r.requested_at:%Y-%m-%d}", r.actor
        )
    console.print(table)


_ERASURE_ROWS: tuple[tuple[str, str, str], ...] = (
    ("persons", "records of the person (merged ones too)", "kept, anonymous"),
    ("identities", "accounts on channels", "ids replaced by a digest, names and e-mails removed"),
    ("messages", "messages they wrote", "text, title, links removed; counts and signals kept"),
    ("attributes", "CRM / HR attributes", "removed"),
    ("profile_fields", "profile fields", "removed"),
    ("accounts", "sign-in accounts", "removed"),
    ("corrections", "analysts' corrections of their messages", "removed"),
    ("follows", "ideas followed", "removed"),
    ("notifications", "notifications", "removed"),
    ("idea_roles", "roles on ideas", "removed"),
    ("reactions", "reactions given", "kept, anonymous"),
    ("votes", "votes and answers", "kept, anonymous"),
    ("team_memberships", "team memberships", "kept, anonymous"),
    ("segment_memberships", "segment memberships", "kept, anonymous"),
    ("ideas", "ideas contributed", "kept as written, unsigned"),
    ("comments", "comments on ideas", "kept as written, unsigned"),
    ("statements", "statements contributed", "kept as written, unsigned"),
)


def _print_erasure(report: erasure.ErasureReport, *, title: str) -> None:
    table = Table(title=title)
    table.add_column("what")
    table.add_column("rows", justify="right")
    table.add_column("what happens")
    counts = report.counts.as_dict()
    for key, label, fate in _ERASURE_ROWS:
        table.add_row(label, f"{counts[key]:,}", fate)
    console.print(table)
