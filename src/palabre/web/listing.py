"""Helpers shared by the list pages: pagination links, query parsing, the reader as a Viewer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Final
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import Path, Query, Request

from palabre.accounts.models import UserAccount
from palabre.errors import ValidationError
from palabre.fabric.browse import Page
from palabre.people.service import Viewer

#: The largest id both databases store in an INTEGER column (PostgreSQL's is 32 bits).
MAX_ID: Final = 2**31 - 1
#: A path parameter naming a row: a larger number could not be one (and must not reach SQL).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]
#: A query parameter naming a row, optional.
OptionalRowId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def viewer_of(user: UserAccount) -> Viewer:
    """The signed-in account as the people service sees a reader (and audit actor)."""
    return Viewer(actor=f"user:{user.username}", role=user.role, person_id=user.person_id)


@dataclass(frozen=True)
class Pager:
    """Where a page sits and the links to its neighbours (None at either end)."""

    page: int
    pages: int
    total: int
    previous: str | None
    next: str | None


def pager(request: Request, found: Page[Any], parameter: str = "page") -> Pager:
    """Links to the previous and next pages, keeping every other query parameter."""

    def link(number: int) -> str:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != parameter]
        query.append((parameter, str(number)))
        return f"{request.url.path}?{urlencode(query)}"

    return Pager(
        page=found.page,
        pages=found.pages,
        total=found.total,
        previous=link(found.page - 1) if found.has_previous else None,
        next=link(found.page + 1) if found.has_next else None,
    )


def optional_int(value: str | None, name: str) -> int | None:
    """A whole number from a query parameter (empty: None), or a 422 naming the parameter."""
    if value is None or not value.strip():
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a whole number") from None
    if not 1 <= number <= MAX_ID:
        raise ValidationError(f"{name}: {value!r} is not an id (1 to {MAX_ID})")
    return number


def day_start(
    value: str | None, name: str, zone: str, *, next_day: bool = False
) -> dt.datetime | None:
    """The start of the day ``value`` (``YYYY-MM-DD``) in ``zone``; ``next_day``: of the day after.

    Dates are read in the workspace's display time zone: the day a reader types is the
    day they see on the pages.
    """
    if value is None or not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    if day.year < 1900:
        raise ValidationError(f"{name}: {value!r} is before 1900")
    if next_day:
        if day == dt.date.max:
            return None  # up to the end of time: no upper bound
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo(zone))
