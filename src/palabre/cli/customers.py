"""``palabre customers``: the customer-voice commands."""

from __future__ import annotations

import typer

from palabre.cli import dialogue

app = typer.Typer(help="Customer voice: the answer inbox.", no_args_is_help=True)
app.command("inbox")(dialogue.inbox)
