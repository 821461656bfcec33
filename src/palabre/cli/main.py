"""The ``palabre`` command line: thin commands over the services."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Annotated

import typer
import typer.main
from rich.markup import escape
from typer import _click
from typer.core import TyperGroup
from typer.models import CommandInfo, TyperInfo

from palabre import __version__
from palabre.cli.context import AppState, err_console
from palabre.errors import PalabreError

#: sub-command groups: name -> the module of palabre.cli whose ``app`` they are
_GROUPS = {
    "alerts": "alerts",
    "crowd": "crowd",
    "customers": "customers",
    "db": "db",
    "eval": "evaluate",
    "ideas": "ideas",
    "import": "imports",
    "notify": "notify",
    "people": "people",
    "segments": "segments",
    "signals": "signals",
    "users": "users",
}
#: single commands: name -> (module of palabre.cli, function)
_COMMANDS = {
    "status": ("status", "status"),
    "analyze": ("analyze", "analyze"),
    "train": ("signals", "train_workspace"),
    "leaders": ("leaders", "leaders"),
    "trends": ("trends", "trends"),
    "demo": ("demo", "demo"),
    "serve": ("serve", "serve"),
}


class LazyGroup(TyperGroup):
    """The root group: a sub-command's module is imported when that command is asked for.

    Every command module pulls in the services it drives; importing all of them cost
    about half a second on each start, which an import or ``palabre status`` paid
    for nothing. ``--help`` and anything that lists the commands still loads them all.
    """

    def list_commands(self, ctx: _click.Context) -> list[str]:
        return [*_COMMANDS, *_GROUPS]

    def resolve_command(
        self, ctx: _click.Context, args: list[str]
    ) -> tuple[str | None, _click.Command | None, list[str]]:
        if args and args[0] not in _GROUPS and args[0] not in _COMMANDS:
            # Not a command: load them all, so that "did you mean ...?" sees every name.
            for name in self.list_commands(ctx):
                self.get_command(ctx, name)
        return super().resolve_command(ctx, args)

    def get_command(self, ctx: _click.Context, cmd_name: str) -> _click.Command | None:
        found = super().get_command(ctx, cmd_name)
        if found is None and (cmd_name in _GROUPS or cmd_name in _COMMANDS):
            found = _load(cmd_name)
            self.add_command(found, cmd_name)
        return found


def _load(name: str) -> _click.Command:
    """The click command of sub-command ``name``, built the way Typer builds its tree."""
    settings = {
        "pretty_exceptions_short": app.pretty_exceptions_short,
        "rich_markup_mode": app.rich_markup_mode,
    }
    if name in _GROUPS:
        module = importlib.import_module(f"palabre.cli.{_GROUPS[name]}")
        return typer.main.get_group_from_info(
            TyperInfo(module.app, name=name),
            suggest_commands=app.suggest_commands,
            **settings,  # type: ignore[arg-type]
        )
    module_name, function = _COMMANDS[name]
    module = importlib.import_module(f"palabre.cli.{module_name}")
    return typer.main.get_command_from_info(
        CommandInfo(name=name, callback=getattr(module, function)),
        **settings,  # type: ignore[arg-type]
    )


app = typer.Typer(
    name="palabre",
    cls=LazyGroup,
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
