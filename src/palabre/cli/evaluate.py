"""``palabre eval``: measure palabre's analyses on held-out real data."""

from __future__ import annotations

import typer
from rich.table import Table

from palabre.cli.context import err_console
from palabre.errors import ConfigError

app = typer.Typer(
    help="Measure the analyses on held-out real data (reads ../shared/datasets).",
    no_args_is_help=True,
)


@app.command("signals")
def signals() -> None:
    """Print held-out quality per dataset and signal (reads ../shared/datasets)."""
    from rich.console import Console

    from palabre.text.data import DatasetMissingError
    from palabre.text.evaluate import all_figures
    from palabre.text.model import default_analyzer

    try:
        figures = all_figures(
            default_analyzer(), progress=lambda s: err_console.print(f"[dim]{s}...[/]")
        )
    except DatasetMissingError as exc:
        raise ConfigError(str(exc)) from None
    table = Table(title="palabre signals: held-out quality")
    for column in ("dataset", "metric", "value", "n", "goal / anchors"):
        table.add_column(column)
    for f in figures:
        table.add_row(f.dataset, f.metric, f"{f.value:.3f}", str(f.n), f.goal)
    Console().print(table)
