"""``palabre customers``: the customer-voice results from the command line."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from palabre.cli import dialogue
from palabre.cli.alerts import sa_segment
from palabre.cli.context import console, state
from palabre.db.engine import transaction
from palabre.errors import NotFoundError, ValidationError
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="Customer voice: root causes, flag bearers and the answer inbox.", no_args_is_help=True
)
app.command("inbox")(dialogue.inbox)


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


@app.command()
def causes(
    ctx: typer.Context,
    segment: Annotated[
        str | None, typer.Option("--segment", help="Segment name or id (default: every one).")
    ] = None,
    signal: Annotated[
        str | None,
        typer.Option(
            "--signal", help="discontent, drifting_away, disappointment, ... (default: all)."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="First day (YYYY-MM-DD); its month is included.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day (YYYY-MM-DD); its month is included.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", help="Causes per segment, signal and month.")
    ] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """Root causes: the topics that drive each signal in each customer segment, month by
    month, ranked by lift against the segment's baseline (default: the latest month)."""
    from palabre.customers.root_causes import root_causes
    from palabre.identity import segments

    start, end = _day(since, "--since"), _day(until, "--until")
    with transaction(state(ctx).sessions()) as session:
        segment_id = segments.get_segment(session, segment).id if segment else None
        found = root_causes(
            session,
            role="admin",
            segment_id=segment_id,
            signal=signal,
            since=start,
            until=end,
            limit=limit,
            examples=1 if not as_json else 2,
        )
    if as_json:
        payload = [dataclasses.asdict(c) for c in found]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not found:
        console.print("no root causes (run palabre analyze once customer segments exist)")
        return
    table = Table("segment", "month", "signal", "#", "cause", "carriers", "share", "lift", "p")
    for c in found:
        lift = "—" if c.lift is None else f"×{c.lift:.1f}"
        p = "—" if c.p_value is None else f"{c.p_value:.2g}" + (" *" if c.significant else "")
        table.add_row(
            escape(c.segment),
            c.period.strftime("%Y-%m"),
            c.signal,
            str(c.rank),
            escape(c.label),
            f"{c.count}/{c.topic_volume}",
            f"{c.share:.0%} (segment {c.segment_share:.0%})",
            lift,
            p,
        )
    console.print(table)
    console.print("* significant (Benjamini-Hochberg, 5 % false discovery rate)", highlight=False)


@app.command("flag-bearers")
def flag_bearers(
    ctx: typer.Context,
    segment: Annotated[
        str | None,
        typer.Option("--segment", help="Customer segment name or id (default: every customer)."),
    ] = None,
    days: Annotated[
        int, typer.Option("--days", help="Period, in days up to the latest message.")
    ] = 90,
    top: Annotated[int, typer.Option("--top", help="How many people to list.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")] = False,
) -> None:
    """The customers whose discontent reaches others: reach x negativity x recurrence, with
    their evidence messages (docs/customer-voice.md). The view is audited."""
    from palabre.customers.bearer_data import flag_bearers as rank

    with transaction(state(ctx).sessions()) as session:
        segment_id = None
        if segment is not None:
            segment_id = session.scalar(sa_segment(segment))
            if segment_id is None:
                raise NotFoundError(f"--segment: no customer segment {segment!r}")
        report = rank(session, actor=system_actor(), segment_id=segment_id, days=days, top=top)
    if as_json:
        payload = {
            "segment": report.segment,
            "from": report.start.isoformat() if report.start else None,
            "to": report.end.isoformat() if report.end else None,
            "items": [
                {
                    **{k: v for k, v in vars(b).items() if k != "evidence"},
                    "evidence": [
                        {
                            "id": e.id,
                            "thread_id": e.thread_id,
                            "created_at": e.created_at.isoformat(),
                            "excerpt": e.excerpt,
                            "url": e.url,
                        }
                        for e in b.evidence
                    ],
                }
                for b in report.items
            ],
        }
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not report.items:
        console.print(
            "no flag bearer (nothing analysed in the period, or nobody voiced discontent)"
        )
        return
    table = Table(
        "#",
        "person",
        "score",
        "negativity",
        "reach",
        "days",
        "replies",
        "mentions",
        "followers",
        "evidence",
    )
    for b in report.items:
        table.add_row(
            str(b.rank),
            escape(b.name),
            f"{b.score:.2f}",
            f"{b.negativity:.2f}",
            f"{b.reach:.2f}",
            str(b.negative_days),
            f"{b.replies:.1f}",
            str(b.mentions),
            "" if b.followers is None else f"{b.followers:,}",
            escape(b.evidence[0].excerpt[:60]) if b.evidence else "",
        )
    console.print(
        f"flag bearers from {report.start} to {report.end}"
        + (f" in {escape(report.segment)}" if report.segment else "")
    )
    console.print(table)
