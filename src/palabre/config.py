"""Settings, read from the environment (``PALABRE_*``) into one object.

Every setting is documented in ``docs/settings.md``; a test keeps that page and
this class in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user data directory (``~/.local/share/palabre`` on Linux)."""
    return Path(platformdirs.user_data_dir("palabre", appauthor=False))


class Settings(BaseSettings):
    """palabre's settings. Each field reads ``PALABRE_<NAME>`` from the environment."""

    model_config = SettingsConfigDict(env_prefix="PALABRE_", extra="ignore")

    data_dir: Path = Field(
        default_factory=default_data_dir,
        description="Folder holding the workspace: the SQLite database and uploaded files.",
    )
    database_url: str | None = Field(
        default=None,
        description=(
            "SQLAlchemy URL of the database; PostgreSQL as "
            "postgresql+psycopg://user:password@host/dbname. Unset: SQLite in the data folder."
        ),
    )
    import_batch_size: int = Field(
        default=5000,
        ge=1,
        le=100_000,
        description="Records committed together by an import; a batch commits whole or not at all.",
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")

    @property
    def sqlite_path(self) -> Path:
        """Where the SQLite database lives when no database URL is set."""
        return self.data_dir / "palabre.sqlite3"

    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, or SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
