"""Profile fields: what a person says about themself, each with the audience they chose."""

from __future__ import annotations

import datetime as dt
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

#: Who may read a profile field, from the widest audience to the narrowest.
VISIBILITIES: Final[tuple[str, ...]] = ("public", "colleagues", "managers", "private")

_VISIBILITY_CHECK = "visibility in (" + ", ".join(f"'{v}'" for v in VISIBILITIES) + ")"


class ProfileField(Base):
    """One typed field of a person's profile (``headline``, ``skills``...).

    ``value`` holds the text; a list field (skills, languages) holds one item a line,
    which the service turns back into a list. An empty field has no row at all.
    """

    __tablename__ = "profile_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(
        sa.ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[str] = mapped_column(sa.String(40))
    value: Mapped[str] = mapped_column(sa.Text)
    visibility: Mapped[str] = mapped_column(sa.String(16), default="colleagues")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(sa.String(200))

    __table_args__ = (
        sa.UniqueConstraint("person_id", "key"),
        sa.CheckConstraint(_VISIBILITY_CHECK, name="profile_visibility"),
    )
