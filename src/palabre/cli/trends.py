"""``palabre trends``: the emerging topics the last ``palabre analyze`` found."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import orjson
import typer
from rich.markup import escape

from palabre.cli.context import console, state
from palabre.errors import ValidationError


def trends(
    ctx: typer.Context,
    level: Annotated[
        str | None, typer.Option("--level", help="Only this level: weak or strong.")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since", help="Only trends still flagged on or after this day (YYYY-MM-DD)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Emerging topics (weak and strong signals) with example messages."""
    from palabre.innovation.trend_service import list_trends, trend_as_dict

    if level is not None and level not in ("weak", "strong"):
        raise ValidationError(f"--level: {level!r} is not weak or strong")
    day = None
    if since is not None:
        try:
            day = dt.date.fromisoformat(since)
        except ValueError:
            raise ValidationError(f"--since: {since!r} is not a date (YYYY-MM-DD)") from None
    with state(ctx).sessions()() as session:
        found = list_trends(session, None, level=level, since=day)
    if as_json:
        payload = [trend_as_dict(t) for t in found]
        typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())
        return
    if not found:
        console.print("no trend (run palabre analyze after importing messages)", highlight=False)
        return
    for t in found:
        strong = f", strong since {t.first_strong}" if t.first_strong else ""
        console.print(
            f"\n[bold]{escape(t.label)}[/] ({t.level}{strong}): first flagged {t.first_flagged}, "
            f"last {t.last_flagged}, {t.days_flagged} days flagged, "
            f"peak {t.peak_count_week} messages in a week",
            highlight=False,
            soft_wrap=True,
        )
        console.print(f"  terms: {escape(', '.join(t.terms))}", highlight=False, soft_wrap=True)
        for e in t.examples:
            console.print(
                f"  - {e.day} message {e.message_id}: {escape(e.excerpt)}",
                highlight=False,
                soft_wrap=True,
            )
