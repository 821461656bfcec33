"""``palabre status``: what the workspace holds."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.table import Table

from palabre.cli.context import console, state
from palabre.fabric.service import workspace_counts


def status(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Count what the workspace holds: people, identities, channels, threads, messages..."""
    st = state(ctx)
    with st.sessions()() as session:
        counts = workspace_counts(session)
    if as_json:
        typer.echo(orjson.dumps(counts, option=orjson.OPT_INDENT_2).decode())
        return
    engine = st.engine()
    table = Table(title=f"workspace {engine.url.render_as_string(hide_password=True)}")
    table.add_column("what")
    table.add_column("count", justify="right")
    for key, value in counts.items():
        if isinstance(value, int):
            table.add_row(key, f"{value:,}")
    console.print(table)
