"""Looking for a piece of text ignoring case (palabre.fabric.text_match): the patterns
each database is given say the needle as it is written, whatever characters it holds."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from palabre.fabric.text_match import contains_pattern, like_pattern, regex_literal


def test_every_operator_of_a_regular_expression_is_quoted() -> None:
    assert regex_literal("a.b*(c)?") == r"a\.b\*\(c\)\?"
    assert regex_literal("prix 10 € [HT]") == r"prix 10 \€ \[HT\]"
    assert regex_literal("été_2025") == "été_2025"  # letters, digits and _ stand for themselves


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_a_quoted_needle_matches_itself_and_only_as_written(needle: str) -> None:
    # Python's expressions read a backslash before a character other than a letter, a
    # digit or _ as that character, as PostgreSQL's do (tests/fabric/test_search.py
    # holds PostgreSQL to it on real rows).
    needle = needle.replace("\x00", "")
    assert re.fullmatch(regex_literal(needle), needle) is not None


def test_each_database_gets_its_own_form() -> None:
    assert contains_pattern("postgresql", "50%_off") == r"50\%_off"
    assert contains_pattern("sqlite", "50%_Off") == like_pattern("50%_Off") == r"%50\%\_off%"
