"""Pydantic shapes of accounts as the JSON API shows them."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict


class UserAccountRead(BaseModel):
    """An account as its owner and admins see it (never the password hash)."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    display_name: str | None
    role: str
    person_id: int | None
    locale: str | None
    is_active: bool
    created_at: dt.datetime
    last_login_at: dt.datetime | None
