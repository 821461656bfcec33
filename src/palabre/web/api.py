"""The JSON API under ``/api/v1`` (its OpenAPI schema: ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Annotated, Literal

from alembic.runtime.migration import MigrationContext
from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from palabre import __version__
from palabre.accounts.models import UserAccount
from palabre.accounts.schemas import UserAccountRead
from palabre.web.access import authenticated, public
from palabre.web.deps import DbSession

PREFIX = "/api/v1"
router = APIRouter(prefix=PREFIX)


class Health(BaseModel):
    """The server answers and its database is reachable, at this schema revision."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["ok"]
    # "schema" would shadow a BaseModel attribute: the field is aliased instead.
    schema_revision: str | None = Field(alias="schema")
    version: str


@router.get("/health", dependencies=[public()], response_model=Health, tags=["system"])
def health(db: DbSession) -> Health:
    """Answers when the server and its database work: the database's schema revision."""
    revision = MigrationContext.configure(db.connection()).get_current_revision()
    return Health(status="ok", schema_revision=revision, version=__version__)


@router.get("/me", response_model=UserAccountRead, tags=["accounts"])
def me(user: Annotated[UserAccount, authenticated()]) -> UserAccount:
    """The signed-in account."""
    return user
