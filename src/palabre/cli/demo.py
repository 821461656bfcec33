"""``palabre demo``: build the demo company, load it, analyse it and serve it."""

from __future__ import annotations

import typer


def demo(ctx: typer.Context) -> None:
    """Build and serve the demo company (being built: see issue 3)."""
    raise typer.Exit(1)
