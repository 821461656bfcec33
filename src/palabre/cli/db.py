"""``palabre db``: create and migrate the workspace database."""

from __future__ import annotations

import typer

from palabre.cli.context import console, state
from palabre.db import indexes, migrate

app = typer.Typer(help="Create and migrate the workspace database.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Create the database or bring it to the newest schema."""
    st = state(ctx)
    engine = st.engine(check_schema=False)
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    after = migrate.current_revision(engine)
    where = engine.url.render_as_string(hide_password=True)
    # An import stopped while it had dropped indexes (see palabre.db.indexes) left them out.
    rebuilt = indexes.restore_if_current(engine)
    if rebuilt:
        console.print(f"rebuilt {len(rebuilt)} missing index(es): {', '.join(rebuilt)}")
    if before == after:
        console.print(f"database {where} already at schema {after}")
    else:
        console.print(f"database {where} upgraded from {before or 'empty'} to {after}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the schema revision the database is at."""
    engine = state(ctx).engine(check_schema=False)
    console.print(migrate.current_revision(engine) or "empty")
