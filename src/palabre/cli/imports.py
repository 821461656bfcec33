"""``palabre import KIND PATH``: bring a source into the workspace."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from palabre.cli.context import console, err_console, state
from palabre.connectors.importer import ImportReport, run_import
from palabre.connectors.registry import CONNECTORS, connector_class
from palabre.connectors.tabular import parse_column_map
from palabre.errors import PalabreError
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="Import conversations or people from a file or an export folder.",
    no_args_is_help=True,
)

SourceOpt = Annotated[
    str | None,
    typer.Option(
        "--source",
        help="Name records are keyed under (default: the kind). Use one per workspace/server.",
    ),
]
StrictOpt = Annotated[
    bool,
    typer.Option("--strict", help="Any rejected record is an error and nothing is imported."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
BatchOpt = Annotated[
    int | None,
    typer.Option("--batch-size", min=1, help="Records committed together (default 5000)."),
]


def _run(
    ctx: typer.Context,
    kind: str,
    path: Path,
    *,
    source: str | None,
    strict: bool,
    as_json: bool,
    batch_size: int | None,
    options: dict[str, object] | None = None,
) -> None:
    st = state(ctx)
    connector = connector_class(kind)(path, **(options or {}))
    sessions = st.sessions()
    size = batch_size or st.settings.import_batch_size
    quiet = as_json or not console.is_terminal
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        DownloadColumn(),
        TextColumn("{task.fields[records]:,} records"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=err_console, disable=quiet, transient=False) as bar:
        task = bar.add_task(f"import {kind}", total=connector.total(), records=0)

        def progress(position: int, total: int | None, records: int) -> None:
            bar.update(task, completed=position, total=total, records=records)

        try:
            report = run_import(
                sessions,
                connector,
                source=source,
                strict=strict,
                batch_size=size,
                actor=system_actor(),
                defer_indexes_from=st.settings.import_defer_indexes_records or None,
                progress=progress,
            )
        except PalabreError:
            raise
    _print_report(report, as_json=as_json)
    if report.status != "succeeded":
        raise typer.Exit(1)


def _print_report(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        typer.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    # Paths and rejection texts come from the user's files: escape them so that
    # "[...]" in a name is shown as written, never read as Rich markup.
    table = Table(title=escape(f"{report.kind} import of {report.path} (source '{report.source}')"))
    for column in ("", "created", "updated", "unchanged"):
        table.add_column(column, justify="right" if column else "left")
    counts = report.counts
    for name, tally in (
        ("channels", counts.channels),
        ("identities", counts.identities),
        ("people", counts.people),
        ("threads", counts.threads),
        ("messages", counts.messages),
    ):
        if tally.created or tally.updated or tally.unchanged:
            table.add_row(name, f"{tally.created:,}", f"{tally.updated:,}", f"{tally.unchanged:,}")
    console.print(table)
    console.print(
        f"reactions written: {counts.reactions:,}  mentions written: {counts.mentions:,}  "
        + (f"left out (erased people): {counts.erased:,}  " if counts.erased else "")
        + f"people merged by rule: {report.merges:,}  in {report.seconds:.1f} s"
    )
    if report.rejected:
        console.print(f"[yellow]{report.rejected:,} rejected[/]:")
        for rejection in report.rejections[:50]:
            field = f" field '{rejection.field}'" if rejection.field else ""
            line = f"  {rejection.location}{field}: {rejection.reason}"
            console.print(escape(line), highlight=False, soft_wrap=True)
        if report.rejected > 50:
            console.print(f"  ... and {report.rejected - 50:,} more (see --json)")
    else:
        console.print("[green]no rejection[/]")


def _tabular_options(
    column_map: str | None, delimiter: str | None, encoding: str
) -> dict[str, object]:
    return {
        "column_map": parse_column_map(column_map) if column_map else {},
        "delimiter": delimiter,
        "encoding": encoding,
    }


MapOpt = Annotated[
    str | None,
    typer.Option("--map", help="Rename columns: 'Auteur=author,Date=created_at'."),
]
DelimiterOpt = Annotated[
    str | None, typer.Option("--delimiter", help="CSV delimiter (default: detected).")
]
EncodingOpt = Annotated[str, typer.Option("--encoding", help="Text encoding of the file.")]
PathArg = Annotated[Path, typer.Argument(help="File or folder to import.")]


@app.command("messages")
def import_messages(
    ctx: typer.Context,
    path: PathArg,
    column_map: MapOpt = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = "utf-8",
    channel_kind: Annotated[
        str | None,
        typer.Option("--channel-kind", help="Kind of the channels created (default community)."),
    ] = None,
    source: SourceOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    batch_size: BatchOpt = None,
) -> None:
    """Messages in palabre's generic format, CSV or JSONL (see docs/formats.md)."""
    options = _tabular_options(column_map, delimiter, encoding)
    options["channel_kind"] = channel_kind
    _run(
        ctx,
        "messages",
        path,
        source=source,
        strict=strict,
        as_json=as_json,
        batch_size=batch_size,
        options=options,
    )


@app.command("people")
def import_people(
    ctx: typer.Context,
    path: PathArg,
    column_map: MapOpt = None,
    delimiter: DelimiterOpt = None,
    encoding: EncodingOpt = "utf-8",
    kind: Annotated[
        str | None,
        typer.Option("--kind", help="Person kind for rows without one (customer, employee...)."),
    ] = None,
    source: SourceOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    batch_size: BatchOpt = None,
) -> None:
    """People from a CRM or HR export (CSV or JSONL): persons, identities, attributes, teams."""
    options = _tabular_options(column_map, delimiter, encoding)
    options["kind"] = kind
    _run(
        ctx,
        "people",
        path,
        source=source,
        strict=strict,
        as_json=as_json,
        batch_size=batch_size,
        options=options,
    )


def _simple(kind: str, doc: str) -> None:
    def command(
        ctx: typer.Context,
        path: PathArg,
        source: SourceOpt = None,
        strict: StrictOpt = False,
        as_json: JsonOpt = False,
        batch_size: BatchOpt = None,
    ) -> None:
        _run(ctx, kind, path, source=source, strict=strict, as_json=as_json, batch_size=batch_size)

    command.__doc__ = doc
    app.command(kind)(command)


_simple("slack", "A Slack workspace export (.zip or unzipped folder).")
_simple("mattermost", "A Mattermost bulk export (JSONL) or API JSON pages.")


@app.command("discourse")
def import_discourse(
    ctx: typer.Context,
    path: PathArg,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            help="The forum's address (https://forum.example.org): links back to each post.",
        ),
    ] = None,
    source: SourceOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    batch_size: BatchOpt = None,
) -> None:
    """Discourse topics and posts, JSON as its API returns them (file or folder)."""
    _run(
        ctx,
        "discourse",
        path,
        source=source,
        strict=strict,
        as_json=as_json,
        batch_size=batch_size,
        options={"base_url": base_url},
    )


@app.command("mbox")
def import_mbox(
    ctx: typer.Context,
    path: PathArg,
    channel: Annotated[
        str | None,
        typer.Option(
            "--channel",
            help="Put every message in this channel (default: the List-Id, else the file name).",
        ),
    ] = None,
    variant: Annotated[
        str,
        typer.Option("--variant", help="How '>From ' lines are escaped: mboxrd or mboxo."),
    ] = "mboxrd",
    source: SourceOpt = None,
    strict: StrictOpt = False,
    as_json: JsonOpt = False,
    batch_size: BatchOpt = None,
) -> None:
    """A mailing-list archive in mbox format."""
    _run(
        ctx,
        "mbox",
        path,
        source=source,
        strict=strict,
        as_json=as_json,
        batch_size=batch_size,
        options={"channel": channel, "variant": variant},
    )


_simple("activitypub", "An ActivityPub / Mastodon outbox.json.")

assert set(CONNECTORS) == {
    "messages",
    "people",
    "slack",
    "mattermost",
    "discourse",
    "mbox",
    "activitypub",
}


@app.command("polis")
def import_polis(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(metavar="DIR", help="A Pol.is export: comments.csv, votes.csv.")
    ],
    campaign: Annotated[
        str | None,
        typer.Option("--campaign", help="Campaign name (default: the folder's name)."),
    ] = None,
    audience: Annotated[
        str, typer.Option("--audience", help="Audience of a new campaign.")
    ] = "employees",
    as_json: JsonOpt = False,
) -> None:
    """A Pol.is conversation, as a statement campaign (re-importing changes nothing)."""
    from palabre.db.engine import transaction
    from palabre.innovation.polis_import import import_polis as run_polis

    with transaction(state(ctx).sessions()) as session:
        report = run_polis(
            session, folder, actor=system_actor(), campaign_name=campaign, audience=audience
        )
    if as_json:
        typer.echo(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=escape(f"Pol.is import of {folder} into campaign '{report.campaign}'"))
    for column in ("", "created", "updated", "unchanged"):
        table.add_column(column, justify="right" if column else "left")
    for name, tally in (("statements", report.statements), ("votes", report.votes)):
        table.add_row(name, f"{tally.created:,}", f"{tally.updated:,}", f"{tally.unchanged:,}")
    console.print(table)
    console.print(f"{report.participants:,} participants; campaign id {report.campaign_id}")
