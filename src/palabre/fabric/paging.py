"""One page of a longer list, and the bounds every list page keeps to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Generic, TypeVar

MAX_PER_PAGE: Final = 100

_T = TypeVar("_T")


@dataclass(frozen=True)
class Page(Generic[_T]):
    """One page of a longer list: its items and where it sits in the whole."""

    items: list[_T]
    total: int
    page: int
    per_page: int
    #: False when ``total`` is a lower bound: counting stopped there (a search's limit).
    exact: bool = True

    @property
    def pages(self) -> int:
        """How many pages the whole list makes (at least one)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def has_previous(self) -> bool:
        """Whether a page comes before this one."""
        return self.page > 1

    @property
    def has_next(self) -> bool:
        """Whether a page comes after this one."""
        return self.page < self.pages


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """``(page, per_page)`` brought into range: page from 1, at most :data:`MAX_PER_PAGE`."""
    return max(1, page), min(max(1, per_page), MAX_PER_PAGE)
