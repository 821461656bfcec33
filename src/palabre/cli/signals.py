"""``palabre signals``: score messages and retrain the signal model (``palabre eval signals``
measures it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from palabre.cli.context import err_console
from palabre.errors import ConfigError

app = typer.Typer(
    help="Message signals: sentiment, discontent, drifting away, ...", no_args_is_help=True
)


@app.command("score")
def score(
    input_path: Annotated[
        Path, typer.Option("--input", help="JSON Lines: id, text, language (optional).")
    ],
    output_path: Annotated[
        Path, typer.Option("--output", help="JSON Lines written in input order.")
    ],
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip (and report) bad lines instead of failing.")
    ] = False,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes to use.")] = 1,
) -> None:
    """Analyse every message of INPUT into OUTPUT (nothing is written if a line is bad)."""
    from palabre.text.score import score_file

    report = score_file(input_path, output_path, skip_bad=skip_bad, workers=workers)
    for number, why in report.bad:
        err_console.print(f"skipped {input_path}: line {number}: {why}", highlight=False)
    typer.echo(f"{report.written} message(s) scored into {output_path}")


@app.command("train")
def train(
    output: Annotated[
        Path | None, typer.Option("--output", help="Weights file (default: the packaged one).")
    ] = None,
) -> None:
    """Retrain and recalibrate the model from ../shared/datasets (needs the train extra)."""
    try:
        from palabre.text.train import train as run_training
    except ImportError as exc:  # scikit-learn missing
        raise ConfigError(
            f"training needs the train extra: pip install 'palabre[train]' ({exc})"
        ) from None
    from palabre.text.data import DatasetMissingError
    from palabre.text.model import default_model_path

    try:
        run_training(output or default_model_path(), log=typer.echo)
    except DatasetMissingError as exc:
        raise ConfigError(str(exc)) from None
