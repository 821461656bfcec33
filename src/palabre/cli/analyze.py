"""``palabre analyze``: bring the analysis results up to date with the messages."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy.orm import Session, sessionmaker

from palabre.cli.context import console, err_console, state
from palabre.config import Settings

if TYPE_CHECKING:
    from palabre.pipeline.runner import AnalysisReport

#: how the progress bars name the stages
STAGE_LABELS = {
    "search_index": "search index",
    "score": "scoring messages",
    "segment_day": "segment watch (days)",
    "root_causes": "root causes (topics)",
    "alerts": "alerts (days)",
    "trends": "trends (messages read)",
    "churn_risk": "churn risk (customers)",
}


def run_with_progress(
    sessions: sessionmaker[Session],
    *,
    full: bool = False,
    settings: Settings | None = None,
    deliver: bool = True,
) -> AnalysisReport:
    """Run the analysis with one progress bar per stage (on standard error, when a
    terminal), then print what it did; with ``deliver``, send the alerts it raised."""
    # Imported here: polars, scipy and the text model are not needed by other commands.
    from palabre.pipeline.runner import run_analysis

    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TimeElapsedColumn(),
    )
    quiet = not err_console.is_terminal
    with Progress(*columns, console=err_console, disable=quiet) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, done: int, total: int | None) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(STAGE_LABELS.get(stage, stage), total=total)
            bar.update(tasks[stage], completed=done, total=total)

        report = run_analysis(sessions, full=full, progress=progress, settings=settings)
    indexed = report.stage("search_index")
    scored = report.stage("score")
    days = report.stage("segment_day")
    topics = report.stage("root_causes")
    how = "every day recomputed" if days.recomputed_all else "changed days recomputed"
    console.print(
        f"analysis: {indexed.rows_out:,} messages indexed for search in "
        f"{indexed.seconds:.1f} s; {scored.rows_out:,} messages scored in {scored.seconds:.1f} s; "
        f"{days.rows_out:,} segment-day aggregates written ({how}) in {days.seconds:.1f} s; "
        f"{topics.rows_in:,} messages given a topic, {topics.rows_out:,} root-cause rows "
        f"in {topics.seconds:.1f} s; "
        f"{report.seconds:.1f} s in all",
        highlight=False,
    )
    raised = report.stage("alerts").rows_out
    console.print(f"alerts: {raised:,} raised", highlight=False)
    trends = report.stage("trends")
    if trends.recomputed_all:
        console.print(
            f"trends: {trends.rows_out:,} found in {trends.rows_in:,} messages "
            f"in {trends.seconds:.1f} s",
            highlight=False,
        )
    else:
        console.print("trends: no new message, unchanged", highlight=False)
    risk = report.stage("churn_risk")
    if risk.recomputed_all:
        console.print(
            f"churn risk: {risk.rows_out:,} customers scored in {risk.seconds:.1f} s",
            highlight=False,
        )
    else:
        console.print("churn risk: no new message or signal, unchanged", highlight=False)
    if deliver and settings is not None:
        deliver_and_print(sessions, settings)
    return report


def deliver_and_print(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Send the pending alert deliveries (one transaction) and say how it went."""
    from palabre.customers.delivery import deliver_pending
    from palabre.db.engine import transaction

    with transaction(sessions) as session:
        done = deliver_pending(session, settings)
    if done.sent or done.failed:
        console.print(
            f"alert deliveries: {done.sent:,} sent, {done.failed:,} failed "
            "(see palabre alerts list)",
            highlight=False,
        )


def analyze(
    ctx: typer.Context,
    full: Annotated[
        bool,
        typer.Option("--full", help="Recompute everything, not only what is new or edited."),
    ] = False,
) -> None:
    """Score new and edited messages, update the segment watch and raise alerts
    (incremental); then deliver the alerts raised."""
    from palabre.db import indexes

    app_state = state(ctx)
    # An import stopped while it had dropped indexes (palabre.db.indexes) left them out.
    indexes.restore_if_current(app_state.engine())
    run_with_progress(app_state.sessions(), full=full, settings=app_state.settings)
    purge_jobs(app_state.sessions(), app_state.settings)


def purge_jobs(sessions: sessionmaker[Session], settings: Settings) -> None:
    """Apply the retention of finished background jobs (``jobs_keep_days``) and say what
    went. The web application purges when it queues a job; this regular command purges
    too, so that old uploads go even from a workspace where nobody uploads any more."""
    from palabre.jobs.retention import Retention

    report = Retention.of(settings).apply(sessions)
    if report.jobs:
        console.print(
            f"background jobs: {report.jobs:,} ended more than {settings.jobs_keep_days} days "
            f"ago deleted, with {report.files:,} uploaded files",
            highlight=False,
        )
