"""``palabre customers inbox``: the customer messages that need an answer, the most urgent
first, and the response-time KPIs per segment (docs/dialogue.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from palabre.cli.context import console, state
from palabre.customers import inbox as inbox_service
from palabre.db.engine import transaction
from palabre.identity import segments

#: The CLI reads as an administrator would: every customer-facing channel, private ones too.
CLI_ROLE = "admin"


def _json_default(value: object) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


def inbox(
    ctx: typer.Context,
    segment: Annotated[
        str | None, typer.Option("--segment", help="Only this segment's customers (name or id).")
    ] = None,
    channel: Annotated[
        int | None, typer.Option("--channel", min=1, help="Only this channel (id).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=100, help="Messages listed.")] = 20,
    days: Annotated[
        int,
        typer.Option("--days", min=1, max=3650, help="KPIs over the questions of the last N days."),
    ] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Customer messages that need an answer (risk x reach x waiting time) and response KPIs."""
    with transaction(state(ctx).sessions()) as session:
        segment_id = segments.get_segment(session, segment).id if segment else None
        found = inbox_service.needs_answer(
            session, CLI_ROLE, segment_id=segment_id, channel_id=channel, per_page=limit
        )
        kpis = inbox_service.response_kpis(session, CLI_ROLE, days=days)
    if segment_id is not None:
        kpis = [k for k in kpis if k.segment_id in (None, segment_id)]
    if as_json:
        payload = {
            "total": found.total,
            "items": [dataclasses.asdict(e) for e in found.items],
            "kpis": [dataclasses.asdict(k) for k in kpis],
            "days": days,
        }
        typer.echo(orjson.dumps(payload, default=_json_default, option=orjson.OPT_INDENT_2))
        return
    table = Table(title=f"Response times, questions of the last {days} days")
    for column in ("segment", "questions", "open", "median h", "p90 h", "within 24 h"):
        table.add_column(column, justify="left" if column == "segment" else "right")
    for k in kpis:
        share = "–" if k.within_24h is None else f"{k.within_24h:.0%}"
        table.add_row(
            escape(k.segment or "all customers"),
            str(k.questions),
            str(k.open),
            _hours(k.median_hours),
            _hours(k.p90_hours),
            share,
        )
    console.print(table)
    console.print(f"{found.total} messages need an answer", highlight=False)
    listed = Table(show_header=True)
    for column in ("priority", "message", "author", "channel", "waiting h", "text"):
        listed.add_column(column)
    for e in found.items:
        listed.add_row(
            f"{e.priority:.2f}",
            str(e.message_id),
            escape(e.author),
            escape(e.channel_name),
            f"{e.waiting_hours:.0f}",
            escape(" ".join(e.text.split())[:80]),
        )
    console.print(listed)
