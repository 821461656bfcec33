"""Settings, read from the environment (``PALABRE_*``) into one object.

Every setting is documented in ``docs/settings.md``; a test keeps that page and
this class in step.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from palabre.errors import ConfigError


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
    import_defer_indexes_records: int = Field(
        default=100_000,
        ge=0,
        description=(
            "On SQLite, an import of a file estimated at this many records or more (and at "
            "least as many as the messages stored) drops the message and thread secondary "
            "indexes and rebuilds them at its end; 0 never does."
        ),
    )
    sql_echo: bool = Field(default=False, description="Log every SQL statement (debugging).")
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        description=(
            "Key that signs the web session cookies (at least 32 characters). Unset: a random "
            "key is generated once and kept in the file secret_key of the data folder."
        ),
    )
    session_max_age: int = Field(
        default=14 * 24 * 3600,
        ge=60,
        description="Seconds a web session stays valid after its last use (default 14 days).",
    )
    secure_cookies: bool = Field(
        default=False,
        description="Send the session cookie over HTTPS only; set it when served behind HTTPS.",
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description=(
            "Failed sign-ins allowed per username (and four times as many per client address) "
            "within login_lockout_seconds before further attempts are refused."
        ),
    )
    login_lockout_seconds: int = Field(
        default=900,
        ge=1,
        description="Window over which failed sign-ins are counted, and how long a lockout lasts.",
    )
    upload_max_bytes: int = Field(
        default=256 * 1024 * 1024,
        ge=1024,
        description=(
            "Largest file the web application accepts for an import, in bytes (default 256 MiB); "
            "a larger upload is refused with 413 and nothing is kept."
        ),
    )
    jobs_keep_days: int = Field(
        default=30,
        ge=0,
        le=36_500,
        description=(
            "Days a finished background job (an import or a training started from the web) is "
            "kept, with the uploaded file of an import; the latest job of each kind and the "
            "jobs still going are always kept. 0: keep them all."
        ),
    )
    signals_encoder: str = Field(
        default="",
        description=(
            "Sentence encoder blended into the signals of English messages by palabre analyze "
            "(minilm: needs the embeddings extra, see docs/signals.md); empty: off, the linear "
            "model alone. Switching it on or off rescores every message."
        ),
    )
    display_time_zone: str = Field(
        default="UTC",
        description="Time zone in which the web interface shows dates and times (IANA name).",
    )

    public_url: str = Field(
        default="http://localhost:8000",
        description="Address at which people reach the web application; e-mails link to it.",
    )
    smtp_host: str | None = Field(
        default=None,
        description=(
            "SMTP server that sends e-mail (alerts, the notification digest). "
            "Unset: no e-mail is sent (alert deliveries are logged as failed)."
        ),
    )
    smtp_port: int = Field(default=587, ge=1, le=65535, description="Port of the SMTP server.")
    smtp_starttls: bool = Field(
        default=True,
        description="Upgrade the SMTP connection with STARTTLS before signing in and sending.",
    )
    smtp_username: str | None = Field(
        default=None, description="User name to sign in to the SMTP server (unset: no sign-in)."
    )
    smtp_password: str | None = Field(
        default=None, description="Password to sign in to the SMTP server."
    )
    smtp_from: str = Field(
        default="palabre@localhost", description="Sender address of the e-mails palabre sends."
    )
    smtp_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds to wait for the SMTP server."
    )
    webhook_timeout: float = Field(
        default=10.0, gt=0, le=300, description="Seconds to wait for a webhook receiver."
    )
    audit_reads_delay: float = Field(
        default=1.0,
        ge=0,
        le=60,
        description=(
            "Seconds the web app may hold the audit records of views of person-level data "
            "before writing them in one batch; 0 writes each in the request's transaction."
        ),
    )
    web_requests_in_flight: int = Field(
        default=2,
        ge=0,
        le=1000,
        description=(
            "Requests each web server process works on at once; the others wait their turn "
            "in arrival order. 0: no limit."
        ),
    )
    alert_delivery_attempts: int = Field(
        default=3,
        ge=1,
        le=20,
        description="Attempts at delivering one alert on one channel before it stays failed.",
    )
    anomaly_webhook_url: str | None = Field(
        default=None,
        description="Webhook that receives the anomalies the segment watch raises (unset: none).",
    )
    anomaly_emails: str | None = Field(
        default=None,
        description="Addresses, separated by commas, that receive the anomalies by e-mail.",
    )
    anomaly_persistence_days: int = Field(
        default=2,
        ge=1,
        le=28,
        description="Consecutive days a significant rise must last before it raises an anomaly.",
    )

    @field_validator("display_time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (use an IANA name)") from exc
        return value

    @field_validator("signals_encoder")
    @classmethod
    def _known_encoder(cls, value: str) -> str:
        value = value.strip()
        if not value:
            return value  # off, the default: no need to load the encoders (and numpy)
        from palabre.text.embeddings import ENCODERS

        if value not in ENCODERS:
            raise ValueError(f"unknown encoder {value!r} (known: {', '.join(sorted(ENCODERS))})")
        return value

    @property
    def sqlite_path(self) -> Path:
        """Where the SQLite database lives when no database URL is set."""
        return self.data_dir / "palabre.sqlite3"

    @property
    def uploads_path(self) -> Path:
        """Where the web application stores the files uploaded for an import."""
        return self.data_dir / "uploads"

    @property
    def secret_key_path(self) -> Path:
        """Where the generated session key is kept when ``PALABRE_SECRET_KEY`` is not set."""
        return self.data_dir / "secret_key"

    def resolved_secret_key(self) -> str:
        """The session-signing key: the explicit one, else the workspace's own (made once).

        The generated key is written to a temporary file then linked into place, so
        two processes starting together end up sharing one key, never a half-written one.
        """
        if self.secret_key:
            return self.secret_key
        path = self.secret_key_path
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_urlsafe(48) + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass  # another process won the race: use its key
            finally:
                tmp.unlink()
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ConfigError(
                f"{path}: the session key is shorter than 32 characters; delete the file to "
                "have a new one generated (everyone will have to sign in again)"
            )
        return key

    def resolved_database_url(self) -> str:
        """The URL to connect to: the explicit one, or SQLite in the data folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.sqlite_path}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return Settings()
