"""``palabre segments``: customer or employee segments defined by a rule."""

from __future__ import annotations

import typer

app = typer.Typer(help="Define segments by a rule over person attributes.", no_args_is_help=True)
