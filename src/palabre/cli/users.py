"""``palabre users``: local accounts and their roles."""

from __future__ import annotations

import typer

app = typer.Typer(help="Manage local accounts and their roles.", no_args_is_help=True)
