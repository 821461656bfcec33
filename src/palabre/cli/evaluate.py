"""``palabre eval``: measure palabre's analyses on held-out real data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palabre.cli.context import err_console
from palabre.errors import ConfigError

app = typer.Typer(
    help="Measure the analyses on held-out real data (reads ../shared/datasets).",
    no_args_is_help=True,
)


@app.command("signals")
def signals(
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            help="Also measure the model blended with this sentence encoder (minilm), "
            "in a column beside the linear model's figures.",
        ),
    ] = None,
    embeddings_cache: Annotated[
        Path | None,
        typer.Option(
            "--embeddings-cache",
            help="Folder keeping the encoder's vectors of the evaluation rows between runs.",
        ),
    ] = None,
) -> None:
    """Print held-out quality per dataset and signal (reads ../shared/datasets)."""
    from rich.console import Console

    from palabre.text.data import DatasetMissingError
    from palabre.text.evaluate import all_figures
    from palabre.text.model import default_analyzer

    def progress(step: str) -> None:
        err_console.print(f"[dim]{step}...[/]")

    blended = None
    if encoder:
        from palabre.text.embedding_head import BlendedAnalyzer, EmbeddingHead, head_path
        from palabre.text.embeddings import CachedEncoder, SentenceEncoder, load_encoder

        enc: SentenceEncoder = load_encoder(encoder)
        enc.check()
        if embeddings_cache is not None:
            enc = CachedEncoder(enc, embeddings_cache)
        blended = BlendedAnalyzer(default_analyzer(), EmbeddingHead(head_path(encoder)), enc)
    try:
        figures = all_figures(default_analyzer(), progress=progress)
        extra = (
            []
            if blended is None
            else all_figures(blended, progress=lambda s: progress(f"{s} (+{encoder})"))
        )
    except DatasetMissingError as exc:
        raise ConfigError(str(exc)) from None
    table = Table(title="palabre signals: held-out quality")
    columns = ["dataset", "metric", "value"]
    if blended is not None:
        columns.append(f"+{encoder}")
    for column in (*columns, "n", "goal / anchors"):
        table.add_column(column)
    for k, f in enumerate(figures):
        cells = [f.dataset, f.metric, f"{f.value:.3f}"]
        if blended is not None:
            cells.append(f"{extra[k].value:.3f}")
        table.add_row(*cells, str(f.n), f.goal)
    Console().print(table)
