"""The ``palabre`` command line: thin commands over the services."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from palabre import __version__
from palabre.cli.context import AppState, err_console
from palabre.errors import PalabreError

app = typer.Typer(
    name="palabre",
    help="palabre: a self-hosted social business platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"palabre {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Workspace folder (default: PALABRE_DATA_DIR or the per-user data folder).",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="Database URL (default: PALABRE_DATABASE_URL, else SQLite in the data folder).",
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """palabre: turn the conversations a company has into decisions."""
    ctx.obj = AppState(data_dir=data_dir, database_url=database_url)
    ctx.call_on_close(ctx.obj.close)


def _register() -> None:
    # Sub-commands live in their own modules; registering them here keeps
    # the import graph one-way (cli -> services).
    from palabre.cli import (
        alerts,
        analyze,
        crowd,
        customers,
        db,
        demo,
        evaluate,
        ideas,
        imports,
        leaders,
        notify,
        people,
        segments,
        serve,
        signals,
        status,
        trends,
        users,
    )

    app.add_typer(alerts.app, name="alerts")
    app.add_typer(crowd.app, name="crowd")
    app.add_typer(customers.app, name="customers")
    app.add_typer(db.app, name="db")
    app.add_typer(evaluate.app, name="eval")
    app.add_typer(ideas.app, name="ideas")
    app.add_typer(imports.app, name="import")
    app.add_typer(notify.app, name="notify")
    app.add_typer(people.app, name="people")
    app.add_typer(segments.app, name="segments")
    app.add_typer(signals.app, name="signals")
    app.add_typer(users.app, name="users")
    app.command("status")(status.status)
    app.command("analyze")(analyze.analyze)
    app.command("train")(signals.train_workspace)
    app.command("leaders")(leaders.leaders)
    app.command("trends")(trends.trends)
    app.command("demo")(demo.demo)
    app.command("serve")(serve.serve)


_register()


def main() -> None:
    """Entry point of the console script: user errors print one clear line and exit non-zero.

    Typer's standalone mode handles usage errors (exit 2) and ``--help``; errors palabre
    raises on purpose carry their own message and exit code.
    """
    try:
        app()
    except PalabreError as exc:
        # Messages quote file names and cells: "[...]" in them is text, not Rich markup
        # (an unbalanced "[/x]" would otherwise raise and print a traceback).
        err_console.print(
            f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True
        )
        sys.exit(exc.exit_code)
