"""``palabre serve``: serve the web application for a workspace."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from palabre.cli.context import console, state
from palabre.config import Settings


def worker_environment(settings: Settings) -> dict[str, str]:
    """The ``PALABRE_*`` variables that make a worker process build these ``settings``.

    Worker processes build the application from the environment
    (:func:`palabre.web.app.create_served_app`): the workspace chosen by
    ``--data-dir`` / ``--database-url`` has to reach them that way.
    """
    env = {"PALABRE_DATA_DIR": str(settings.data_dir)}
    if settings.database_url:
        env["PALABRE_DATABASE_URL"] = settings.database_url
    return env


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="TCP port.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port (about one per CPU core).",
        ),
    ] = 1,
    access_log: Annotated[
        bool,
        typer.Option(
            "--access-log/--no-access-log",
            help="Print a line per request answered (method, path, status).",
        ),
    ] = True,
) -> None:
    """Serve the web application of the workspace (--data-dir / PALABRE_DATA_DIR /
    PALABRE_DATABASE_URL). The database must be at the current schema."""
    import uvicorn

    from palabre.accounts import service as accounts
    from palabre.db.engine import transaction
    from palabre.web.app import create_app
    from palabre.web.workers import serve_spread, spreads_connections

    st = state(ctx)
    sessions = st.sessions()  # refuses a database not at this schema, with the advice
    with transaction(sessions) as session:
        has_accounts = bool(accounts.list_users(session))
    where = st.engine().url.render_as_string(hide_password=True)
    shown = f"[{host}]" if ":" in host else host
    processes = f", {workers} processes" if workers > 1 else ""
    console.print(
        f"serving {where} at http://{shown}:{port}/{processes} (Ctrl+C stops)", highlight=False
    )
    if not has_accounts:
        console.print(
            "no account can sign in yet: create one with `palabre users add NAME --role admin`"
        )
    if workers == 1:
        app = create_app(st.settings, served=True)
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            proxy_headers=False,
            access_log=access_log,
        )
        return
    # The workers start together: the session key is made here first, so that they
    # all read the same one (the file is created safely anyway, this saves the race).
    st.settings.resolved_secret_key()
    st.close()
    environment = worker_environment(st.settings)
    if spreads_connections():
        # One listening socket per worker: the kernel spreads the connections evenly
        # (see palabre.web.workers; uvicorn's shared socket let one worker take most).
        serve_spread(host, port, workers, environment, access_log=access_log)
        return
    os.environ.update(environment)
    uvicorn.run(
        "palabre.web.app:create_served_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        proxy_headers=False,
        access_log=access_log,
    )
