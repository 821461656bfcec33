"""``palabre alerts``: alert rules, the alerts raised, and their delivery."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer
from rich.markup import escape
from rich.table import Table

from palabre.cli.analyze import deliver_and_print
from palabre.cli.context import console, state
from palabre.customers.models import AlertRule
from palabre.db.engine import transaction
from palabre.errors import NotFoundError
from palabre.identity.models import Segment
from palabre.privacy.audit import system_actor

app = typer.Typer(
    help="Alerts on the customer segments: rules, alerts, delivery.", no_args_is_help=True
)
rules_app = typer.Typer(help="Rules: a signal's share above a threshold.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def _echo_json(payload: object) -> None:
    typer.echo(orjson.dumps(payload, option=orjson.OPT_INDENT_2).decode())


def _rule_dict(rule: AlertRule, segment: str | None) -> dict[str, Any]:
    return {
        "id": rule.id,
        "name": rule.name,
        "segment": segment,
        "signal": rule.signal,
        "threshold": rule.threshold,
        "min_volume": rule.min_volume,
        "persistence_days": rule.persistence_days,
        "webhook_url": rule.webhook_url,
        "emails": list(rule.emails or []),
        "enabled": rule.enabled,
    }


@rules_app.command("add")
def rules_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rule name.")],
    signal: Annotated[
        str,
        typer.Option(
            "--signal",
            help="discontent, drifting_away, disappointment, misunderstanding, suggestion, praise.",
        ),
    ],
    threshold: Annotated[
        float, typer.Option("--threshold", help="Share of the day's messages, 0 to 1 (0.2: 20 %).")
    ],
    segment: Annotated[
        str | None,
        typer.Option("--segment", help="Customer segment name or id (default: every one)."),
    ] = None,
    min_volume: Annotated[
        int, typer.Option("--min-volume", help="Messages a day needs to count.")
    ] = 10,
    persistence: Annotated[
        int, typer.Option("--persistence", help="Days in a row above the threshold.")
    ] = 1,
    webhook: Annotated[
        str | None, typer.Option("--webhook", help="URL that receives a JSON POST.")
    ] = None,
    email: Annotated[
        list[str] | None, typer.Option("--email", help="Address to e-mail (repeatable).")
    ] = None,
) -> None:
    """Add an alert rule (docs/alerts.md); it is evaluated by the next palabre analyze."""
    from palabre.customers import alerts  # imported here: heavy (numpy, scipy...)

    with transaction(state(ctx).sessions()) as session:
        segment_id = None
        if segment is not None:
            found = session.scalar(sa_segment(segment))
            if found is None:
                raise NotFoundError(f"--segment: no customer segment {segment!r}")
            segment_id = found
        rule = alerts.add_rule(
            session,
            name=name,
            signal=signal,
            threshold=threshold,
            segment_id=segment_id,
            min_volume=min_volume,
            persistence_days=persistence,
            webhook_url=webhook,
            emails=email or [],
            actor=system_actor(),
        )
        console.print(f"alert rule [bold]{escape(rule.name)}[/] added (id {rule.id})")


def sa_segment(name_or_id: str) -> Any:
    """The query of a customer segment's id by name, or by id when a number."""
    import sqlalchemy as sa

    condition = Segment.name == name_or_id
    if name_or_id.isdigit():
        condition = sa.or_(condition, Segment.id == int(name_or_id))
    return sa.select(Segment.id).where(condition, Segment.kind == "customer").limit(1)


@rules_app.command("list")
def rules_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the alert rules."""
    from palabre.customers import alerts  # imported here: heavy (numpy, scipy...)

    with transaction(state(ctx).sessions()) as session:
        names = {s.id: s.name for s in session.query(Segment)}
        rows = [
            _rule_dict(r, names.get(r.segment_id) if r.segment_id else None)
            for r in alerts.list_rules(session)
        ]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        console.print("no alert rule yet (palabre alerts rules add)")
        return
    table = Table("id", "name", "segment", "signal", "threshold", "min", "days", "delivery")
    for r in rows:
        where = ", ".join([*([r["webhook_url"]] if r["webhook_url"] else []), *r["emails"]])
        table.add_row(
            str(r["id"]),
            escape(r["name"]),
            escape(r["segment"] or "(every segment)"),
            r["signal"],
            f"{r['threshold']:.0%}",
            str(r["min_volume"]),
            str(r["persistence_days"]),
            escape(where or "in the app"),
        )
    console.print(table)


@rules_app.command("remove")
def rules_remove(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="Rule name (or id).")],
) -> None:
    """Remove an alert rule; the alerts it raised stay."""
    from palabre.customers import alerts  # imported here: heavy (numpy, scipy...)

    with transaction(state(ctx).sessions()) as session:
        rule = alerts.find_rule(session, name)
        shown = rule.name
        alerts.remove_rule(session, rule, actor=system_actor())
    console.print(f"alert rule [bold]{escape(shown)}[/] removed")


@app.command("list")
def list_alerts(
    ctx: typer.Context,
    every: Annotated[
        bool, typer.Option("--all", help="Include closed alerts (default: open and acknowledged).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """List the alerts, the latest first, with their deliveries."""
    from palabre.customers import alerts  # imported here: heavy (numpy, scipy...)

    states = ("open", "acknowledged", "closed") if every else ("open", "acknowledged")
    with transaction(state(ctx).sessions()) as session:
        views = alerts.list_alerts(session, states=states)
        rows: list[dict[str, Any]] = [
            {
                "id": v.alert.id,
                "kind": v.alert.kind,
                "rule": v.rule_name,
                "segment": v.segment_name,
                "signal": v.alert.signal,
                "day": v.alert.day.isoformat(),
                "last_day": v.alert.last_day.isoformat(),
                "share": v.alert.value,
                "baseline_share": v.alert.baseline,
                "change": v.alert.change,
                "severity": v.alert.severity,
                "state": v.alert.state,
                "deliveries": [
                    {
                        "channel": d.channel,
                        "target": d.target,
                        "status": d.status,
                        "attempts": d.attempts,
                        "error": d.error,
                    }
                    for d in v.deliveries
                ],
            }
            for v in views
        ]
    if as_json:
        _echo_json(rows)
        return
    if not rows:
        console.print("no alert")
        return
    table = Table(
        "id", "day", "segment", "signal", "share", "severity", "state", "source", "deliveries"
    )
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["day"] if r["day"] == r["last_day"] else f"{r['day']} → {r['last_day']}",
            escape(r["segment"]),
            r["signal"],
            f"{r['share']:.0%}",
            r["severity"],
            r["state"],
            escape(r["rule"] or r["kind"]),
            ", ".join(f"{d['channel']}:{d['status']}" for d in r["deliveries"]) or "in the app",
        )
    console.print(table)


@app.command("deliver")
def deliver(ctx: typer.Context) -> None:
    """Send the pending alert deliveries (webhooks, e-mails) and retry the failed ones."""
    app_state = state(ctx)
    deliver_and_print(app_state.sessions(), app_state.settings)
