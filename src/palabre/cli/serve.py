"""``palabre serve``: serve the web application for a workspace."""

from __future__ import annotations

import typer


def serve(ctx: typer.Context) -> None:
    """Serve the web application (being built: see issue 3)."""
    raise typer.Exit(1)
