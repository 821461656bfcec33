"""The accounts table: one row per person or service allowed to sign in to the web application."""

from __future__ import annotations

import datetime as dt
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

#: The roles of DESIGN.md, in the order the interface lists them.
ROLES: Final[tuple[str, ...]] = (
    "admin",
    "analyst",
    "innovation",
    "hr",
    "manager",
    "member",
    "customer",
)

_ROLE_CHECK = "role in (" + ", ".join(f"'{role}'" for role in ROLES) + ")"


class UserAccount(Base):
    """A local account: a username, an argon2 password hash and one role.

    An account may be linked to the :class:`~palabre.identity.models.Person` it
    belongs to (an employee's or customer's own profile); admins and service
    accounts need not be.
    """

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-case: usernames compare case-insensitively on both databases.
    username: Mapped[str] = mapped_column(sa.String(150), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(300))
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[str] = mapped_column(sa.String(16))
    person_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    # The interface language the account prefers ("fr", "en"); None: from the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(35))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (sa.CheckConstraint(_ROLE_CHECK, name="user_account_role"),)
