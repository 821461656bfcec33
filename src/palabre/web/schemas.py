"""Pydantic shapes of the admin JSON API: accounts, imports and segments."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from palabre.accounts.schemas import UserAccountRead

Role = Literal["admin", "analyst", "innovation", "hr", "manager", "member", "customer"]
SegmentKindName = Literal["customer", "employee", "any"]

#: No NUL character: PostgreSQL cannot store one in text, so it is refused up front (422).
NO_NUL: Final = r"^[^\x00]*$"


class UserCreate(BaseModel):
    """A new account; its password is generated and returned once."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=2, max_length=150, pattern=NO_NUL)
    role: Role
    display_name: str | None = Field(default=None, max_length=300, pattern=NO_NUL)
    locale: Literal["en", "fr"] | None = None


class UserCreated(UserAccountRead):
    """The account just created, with its generated password (shown this once only)."""

    password: str


class UserUpdate(BaseModel):
    """A change of an account: its role, or deactivation (``is_active: false``)."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    is_active: Literal[False] | None = Field(
        default=None, description="false deactivates the account (it cannot be undone here)"
    )


class ImportJobRead(BaseModel):
    """An uploaded file's import: queued, running or done, with its run once it exists
    (``interrupted``: the server process running it stopped before the import ended)."""

    id: str
    kind: str
    file_name: str
    source: str | None
    strict: bool
    state: Literal["queued", "running", "succeeded", "failed", "interrupted"]
    run_id: int | None
    position: int
    total: int | None
    records: int
    error: str | None
    submitted_at: dt.datetime
    finished_at: dt.datetime | None


class RejectionRead(BaseModel):
    """A record an import could not take: where, which field, why."""

    location: str
    field: str | None = None
    reason: str


class ImportRunRead(BaseModel):
    """An import run as listed (``rejections`` only in the single-run answer)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    source: str
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str
    counts: dict[str, Any]
    rejected: int
    error: str | None


class ImportRunReport(ImportRunRead):
    """An import run with the reasons of its first rejections."""

    rejections: list[RejectionRead]


class SegmentCreate(BaseModel):
    """A new segment, defined by a rule (docs/segment-rules.md)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200, pattern=NO_NUL)
    rule: str = Field(min_length=1, max_length=10_000, pattern=NO_NUL)
    kind: SegmentKindName = "customer"
    description: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)


class SegmentUpdate(BaseModel):
    """A change of a segment; absent fields stay as they are (an empty description removes it)."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200, pattern=NO_NUL)
    rule: str | None = Field(default=None, min_length=1, max_length=10_000, pattern=NO_NUL)
    kind: SegmentKindName | None = None
    description: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)


class SegmentRead(BaseModel):
    """A segment with its members count as last computed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    rule: str
    description: str | None
    member_count: int
    computed_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime


class RefreshRead(BaseModel):
    """What a refresh changed."""

    added: int
    removed: int
    members: int
