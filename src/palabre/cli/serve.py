"""``palabre serve``: serve the web application for a workspace."""

from __future__ import annotations

from typing import Annotated

import typer

from palabre.cli.context import console, state


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the web application of the workspace (--data-dir / PALABRE_DATA_DIR /
    PALABRE_DATABASE_URL). The database must be at the current schema."""
    import uvicorn

    from palabre.accounts import service as accounts
    from palabre.db.engine import transaction
    from palabre.web.app import create_app

    st = state(ctx)
    sessions = st.sessions()  # refuses a database not at this schema, with the advice
    with transaction(sessions) as session:
        has_accounts = bool(accounts.list_users(session))
    app = create_app(st.settings)
    where = st.engine().url.render_as_string(hide_password=True)
    shown = f"[{host}]" if ":" in host else host
    console.print(f"serving {where} at http://{shown}:{port}/ (Ctrl+C stops)", highlight=False)
    if not has_accounts:
        console.print(
            "no account can sign in yet: create one with `palabre users add NAME --role admin`"
        )
    uvicorn.run(app, host=host, port=port, log_level="info", proxy_headers=False)
