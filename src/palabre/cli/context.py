"""What every command needs: the settings chosen by flags and environment, and the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
import typer
from rich.console import Console
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db import migrate
from palabre.db.engine import make_engine, session_factory

console = Console()
err_console = Console(stderr=True)


@dataclass
class AppState:
    """Per-invocation state built by the top-level callback."""

    data_dir: Path | None = None
    database_url: str | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _engine: sa.Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        """Settings from the environment, with ``--data-dir`` / ``--database-url`` on top."""
        if self._settings is None:
            overrides: dict[str, object] = {}
            if self.data_dir is not None:
                overrides["data_dir"] = self.data_dir
            if self.database_url is not None:
                overrides["database_url"] = self.database_url
            self._settings = Settings(**overrides)  # type: ignore[arg-type]
        return self._settings

    def engine(self, *, check_schema: bool = True) -> sa.Engine:
        """The database engine; by default refuses a database not at the current schema."""
        if self._engine is None:
            self._engine = make_engine(self.settings)
        if check_schema:
            migrate.ensure_current(self._engine)
        return self._engine

    def sessions(self) -> sessionmaker[Session]:
        """A session factory on a database at the current schema."""
        return session_factory(self.engine())

    def close(self) -> None:
        """Release the connection pool."""
        if self._engine is not None:
            self._engine.dispose()


def state(ctx: typer.Context) -> AppState:
    """The :class:`AppState` of this invocation."""
    root = ctx.find_root()
    if not isinstance(root.obj, AppState):
        root.obj = AppState()
    return root.obj
