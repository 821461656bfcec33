"""``palabre signals``: score messages and retrain the signal model (``palabre eval signals``
measures it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from palabre.cli.context import err_console
from palabre.errors import ConfigError

app = typer.Typer(
    help="Message signals: sentiment, discontent, drifting away, ...", no_args_is_help=True
)


@app.command("score")
def score(
    ctx: typer.Context,
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
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder",
            help="Blend a sentence encoder into English messages (minilm; needs the "
            "embeddings extra). Default: PALABRE_SIGNALS_ENCODER, empty = off.",
        ),
    ] = None,
    adapted: Annotated[
        bool,
        typer.Option(
            "--adapted",
            help="Apply the workspace's adaptation (palabre train): its domain terms, "
            "recalibration and residual model, as palabre analyze does.",
        ),
    ] = False,
) -> None:
    """Analyse every message of INPUT into OUTPUT (nothing is written if a line is bad)."""
    from pydantic import ValidationError

    from palabre.config import get_settings
    from palabre.text.score import score_file

    if encoder is None:
        try:
            chosen = get_settings().signals_encoder
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(f"invalid setting ({reasons})") from None
    else:
        chosen = encoder.strip()
    adaptation = None
    if adapted:
        from palabre.cli.context import state
        from palabre.text import service

        with state(ctx).sessions()() as session:
            adaptation = service.current_adaptation(session)
        if adaptation is None:
            raise ConfigError("--adapted: this workspace has no adaptation yet (run palabre train)")
    report = score_file(
        input_path,
        output_path,
        skip_bad=skip_bad,
        workers=workers,
        encoder=chosen or None,
        adaptation=adaptation,
    )
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


@app.command("correct")
def correct(
    ctx: typer.Context,
    message_id: Annotated[int, typer.Argument(help="The message's id in palabre.")],
    signal: Annotated[
        str, typer.Argument(help="discontent, drifting_away, ..., praise, or sentiment.")
    ],
    label: Annotated[
        str, typer.Argument(help="yes / no for a signal; negative / neutral / positive.")
    ],
) -> None:
    """Record an analyst's answer for one signal of a message (applied by the next analyze)."""
    from palabre.cli.context import state
    from palabre.db.engine import transaction
    from palabre.privacy.audit import system_actor
    from palabre.text import service

    with transaction(state(ctx).sessions()) as session:
        service.correct_signal(session, message_id, signal, label, actor=system_actor())
    typer.echo(f"message {message_id}: {signal} = {label} (applied by the next palabre analyze)")


terms_app = typer.Typer(
    help="Words of the workspace's domain that raise or lower a signal.", no_args_is_help=True
)
app.add_typer(terms_app, name="terms")


@terms_app.command("add")
def add_term(
    ctx: typer.Context,
    term: Annotated[str, typer.Argument(help="A word or phrase (case and accents ignored).")],
    signal: Annotated[str, typer.Option("--signal", help="The signal it moves.")],
    weight: Annotated[
        float,
        typer.Option("--weight", help="Log-odds added per occurrence (negative lowers)."),
    ] = 1.5,
    language: Annotated[
        str | None, typer.Option("--language", help="fr or en (default: every language).")
    ] = None,
) -> None:
    """Declare a domain term (used from the next palabre train)."""
    from palabre.cli.context import state
    from palabre.db.engine import transaction
    from palabre.privacy.audit import system_actor
    from palabre.text import service

    with transaction(state(ctx).sessions()) as session:
        row = service.add_domain_term(
            session, term, signal, weight=weight, language=language, actor=system_actor()
        )
        typer.echo(f"term {row.id}: '{row.term}' -> {row.signal} ({row.weight:+g})")


@terms_app.command("list")
def list_terms(ctx: typer.Context) -> None:
    """List the domain terms."""
    from palabre.cli.context import state
    from palabre.text import service

    with state(ctx).sessions()() as session:
        rows = service.list_domain_terms(session)
        table = Table(title="domain terms")
        for column in ("id", "term", "signal", "weight", "language"):
            table.add_column(column)
        for row in rows:
            table.add_row(
                str(row.id), row.term, row.signal, f"{row.weight:+g}", row.language or "all"
            )
    from rich.console import Console

    Console().print(table)


@terms_app.command("remove")
def remove_term(
    ctx: typer.Context, term_id: Annotated[int, typer.Argument(help="The term's id.")]
) -> None:
    """Forget a domain term (from the next palabre train)."""
    from palabre.cli.context import state
    from palabre.db.engine import transaction
    from palabre.privacy.audit import system_actor
    from palabre.text import service

    with transaction(state(ctx).sessions()) as session:
        service.remove_domain_term(session, term_id, actor=system_actor())
    typer.echo(f"term {term_id} removed")


def train_workspace(
    ctx: typer.Context,
    min_corrections: Annotated[
        int,
        typer.Option(
            "--min-corrections",
            min=5,
            help="Answers a signal (or sentiment) needs before it is recalibrated or learned from.",
        ),
    ] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Adapt the signal model to this workspace: its corrections and domain terms."""
    import orjson

    from palabre.cli.context import state
    from palabre.db.engine import transaction
    from palabre.privacy.audit import system_actor
    from palabre.text import service

    with transaction(state(ctx).sessions()) as session:
        scorer = service.scorer_for(state(ctx).settings.signals_encoder or None)
        report = service.train(
            session, scorer, actor=system_actor(), min_corrections=min_corrections
        )
    if as_json:
        payload = {
            "adaptation": report.adaptation_id,
            "digest": report.digest,
            "terms": report.terms,
            "signals": [fit.__dict__ for fit in report.fits],
        }
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=f"adaptation {report.adaptation_id} ({report.terms} domain terms)")
    columns = ("signal", "answers", "yes", "log-loss before", "after", "recalibrated")
    for column in (*columns, "residual: before", "after", "λ", "weights"):
        table.add_column(column)

    def loss(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    for fit in report.fits:
        table.add_row(
            fit.signal,
            str(fit.corrections),
            str(fit.positives),
            loss(fit.loss_before),
            loss(fit.loss_after),
            "yes" if fit.recalibrated else "no",
            loss(fit.residual_loss_before),
            loss(fit.residual_loss_after),
            "-" if fit.strength is None else f"{fit.strength:g}",
            "-" if fit.strength is None else (str(fit.weights) if fit.residual else "not kept"),
        )
    from rich.console import Console

    Console().print(table)
    typer.echo("the next palabre analyze scores every message again with this adaptation")
