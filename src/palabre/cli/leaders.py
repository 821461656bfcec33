"""``palabre leaders``: communities of the interaction graph and their opinion leaders."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.markup import escape

from palabre.cli.context import console, state
from palabre.errors import ValidationError

if TYPE_CHECKING:
    from palabre.innovation.leader_service import PersonRef


def _day(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


#: How people's kinds are named in French.
KINDS_FR = {"customer": "client", "employee": "employé", "partner": "partenaire"}


def _line(rank: int, person: PersonRef, why: str, fr: bool) -> None:
    kind = KINDS_FR.get(person.kind, person.kind) if fr else person.kind
    console.print(
        f"  {rank}. {escape(person.name)} ({kind}): {escape(why)}", highlight=False, soft_wrap=True
    )


def leaders(
    ctx: typer.Context,
    since: Annotated[
        str | None, typer.Option("--since", help="First day read (YYYY-MM-DD, UTC).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Last day read, included (YYYY-MM-DD, UTC).")
    ] = None,
    community: Annotated[
        int | None, typer.Option("--community", min=1, help="Show only this community.")
    ] = None,
    topic: Annotated[
        str | None, typer.Option("--topic", help="Also rank who has authority on this topic.")
    ] = None,
    top: Annotated[int, typer.Option("--top", min=1, max=100, help="Leaders per list.")] = 5,
    lang: Annotated[str, typer.Option("--lang", help="Language of the reasons: fr or en.")] = "en",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print JSON (reasons in both languages).")
    ] = False,
) -> None:
    """Communities (Leiden) of who answers, mentions and reacts to whom, and their leaders."""
    from palabre.innovation.leader_service import day_window, leaders_report, report_as_dict
    from palabre.innovation.leaders import plural

    if lang not in ("fr", "en"):
        raise ValidationError(f"--lang: {lang!r} is not fr or en")
    start, end = day_window(_day(since, "--since"), _day(until, "--until"))
    with state(ctx).sessions()() as session:
        report = leaders_report(
            session, since=start, until=end, community=community, topic=topic, top=top
        )
    if as_json:
        typer.echo(orjson.dumps(report_as_dict(report), option=orjson.OPT_INDENT_2).decode())
        return
    fr = lang == "fr"
    names = report.names
    shown, hidden = len(report.communities), report.small_communities
    if fr:
        summary = (
            f"{report.people_count:,} personnes, {report.interactions:,} paires en interaction, "
            f"{plural(shown, 'communauté affichée', 'communautés affichées', french=True)} "
            f"({plural(hidden, 'autre', 'autres', french=True)} de moins de 5 personnes)"
        )
    else:
        summary = (
            f"{report.people_count:,} people, {report.interactions:,} interacting pairs, "
            f"{plural(shown, 'community', 'communities')} shown "
            f"({plural(hidden, 'other', 'others')} under 5 people)"
        )
    console.print(summary, highlight=False)
    for c in report.communities:
        head = (
            f"Communauté {c.number} ({c.size} personnes)"
            if fr
            else (f"Community {c.number} ({c.size} people)")
        )
        console.print(f"\n[bold]{head}[/]", highlight=False)
        for leader in c.leaders:
            _line(leader.rank, names[leader.person_id], leader.why.text(lang), fr)
    if report.topic is not None:
        label = escape(report.topic.label)
        head = f"Autorité sur « {label} »" if fr else f"Authority on “{label}”"
        console.print(f"\n[bold]{head}[/]", highlight=False)
        if not report.topical:
            console.print("  (aucun message)" if fr else "  (no message)", highlight=False)
        for t in report.topical:
            _line(t.rank, names[t.person_id], t.why.text(lang), fr)
