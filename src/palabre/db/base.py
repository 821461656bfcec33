"""The declarative base every table derives from, and column types shared by all.

Constraint names follow one convention so that Alembic migrations name them the
same way on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar, cast

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(sa.types.TypeDecorator[dt.datetime]):
    """A timestamp that always comes back timezone-aware, in UTC.

    SQLite has no time zones: values are stored as naive UTC there and made aware
    again on the way out. PostgreSQL stores ``timestamptz``. A naive value given
    to palabre is refused, because guessing its zone would silently shift data.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database: attach a time zone")
        utc: dt.datetime = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return utc.replace(tzinfo=None)
        return utc

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """Now, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Base of all palabre tables."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        dt.datetime: UTCDateTime(),
        dict[str, Any]: sa.JSON(),
        list[Any]: sa.JSON(),
    }


def table_of(model: type[Base]) -> sa.Table:
    """The Core table of a mapped class (typed as a Table, which mapped classes always have)."""
    return cast(sa.Table, model.__table__)


def import_all_models() -> None:
    """Import every models module so that ``Base.metadata`` knows every table."""
    from palabre.accounts import models as _accounts  # noqa: F401
    from palabre.connectors import models as _connectors  # noqa: F401
    from palabre.customers import dialogue_models as _dialogue  # noqa: F401
    from palabre.customers import models as _customers  # noqa: F401
    from palabre.fabric import models as _fabric  # noqa: F401
    from palabre.identity import models as _identity  # noqa: F401
    from palabre.innovation import models as _innovation  # noqa: F401
    from palabre.jobs import models as _jobs  # noqa: F401
    from palabre.people import models as _people  # noqa: F401
    from palabre.pipeline import models as _pipeline  # noqa: F401
    from palabre.privacy import models as _privacy  # noqa: F401
    from palabre.text import models as _text  # noqa: F401
