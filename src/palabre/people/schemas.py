"""Pydantic shapes of people and profiles as the JSON API shows and accepts them."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from palabre.fabric.schemas import MessageRead

Visibility = Literal["public", "colleagues", "managers", "private"]


class PersonListItemRead(BaseModel):
    """A person in the directory."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str | None
    kind: str
    headline: str | None = Field(description="shown when its audience includes the reader")
    teams: list[str] = Field(description="paths of the teams the person is in now")


class PersonPageRead(BaseModel):
    """One page of the directory."""

    items: list[PersonListItemRead]
    total: int
    page: int
    per_page: int


class ProfileFieldRead(BaseModel):
    """A profile field the reader may see; list fields (skills, languages) are lists."""

    model_config = ConfigDict(from_attributes=True)

    key: str
    value: str | list[str]
    visibility: Visibility


class IdentityRead(BaseModel):
    """An account of the person on one source."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    channel_kind: str
    handle: str | None
    display_name: str | None
    email: str | None
    url: str | None
    is_bot: bool
    merged_from: int | None = Field(description="the person this identity came with, if merged")


class TeamMembershipRead(BaseModel):
    """The person in a team over a period."""

    model_config = ConfigDict(from_attributes=True)

    team_id: int
    team_name: str
    team_path: str
    role: str | None
    since: dt.date | None
    until: dt.date | None
    current: bool


class PersonRead(BaseModel):
    """A person's profile as the reader may see it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    display_name: str | None
    kind: str
    locale: str | None
    is_self: bool
    may_edit: bool
    fields: list[ProfileFieldRead]
    identities: list[IdentityRead]
    teams: list[TeamMembershipRead]
    merged_person_ids: list[int]


class ContributionPageRead(BaseModel):
    """One page of what a person wrote, newest first."""

    items: list[MessageRead]
    total: int
    page: int
    per_page: int


class ProfileFieldUpdate(BaseModel):
    """A new value (null or empty: remove the field) and, optionally, a new audience."""

    model_config = ConfigDict(extra="forbid")

    value: str | list[str] | None
    visibility: Visibility | None = None


class ProfileUpdate(BaseModel):
    """Fields to change, by key: headline, bio, skills, languages, location, phone."""

    model_config = ConfigDict(extra="forbid")

    fields: dict[str, ProfileFieldUpdate]


class ProfileUpdateResult(BaseModel):
    """The keys that changed, and the profile as it is now."""

    changed: list[str]
    profile: PersonRead
