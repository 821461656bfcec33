"""``palabre notify``: the e-mail digest of in-app notifications."""

from __future__ import annotations

import typer

from palabre.cli.context import console, state
from palabre.db.engine import transaction
from palabre.innovation import notifications
from palabre.privacy.audit import system_actor

app = typer.Typer(help="Notifications: send the e-mail digest.", no_args_is_help=True)


@app.command()
def digest(ctx: typer.Context) -> None:
    """E-mail each person the notifications not yet e-mailed (SMTP: see docs/settings.md)."""
    app_state = state(ctx)
    with transaction(app_state.sessions()) as session:
        report = notifications.send_digest(session, app_state.settings, actor=system_actor())
    console.print(
        f"{report.sent} e-mails sent, carrying {report.notifications} notifications; "
        f"{report.without_address} people without an e-mail address",
        highlight=False,
    )
