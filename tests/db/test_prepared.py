"""Statements built once: constants written into the SQL, never input."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.db.prepared import among_constants, rows
from palabre.fabric.models import Channel


def test_constants_are_written_into_the_statement_not_expanded_at_each_execution() -> None:
    condition = among_constants(Channel.kind, ("community", "chat"))
    sql = str(sa.select(Channel.id).where(condition).compile())
    assert "channel.kind IN ('community', 'chat')" in sql
    assert "POSTCOMPILE" not in sql


@pytest.mark.parametrize("value", ["x'); DROP TABLE channel; --", "two words", "", "l'été"])
def test_anything_but_a_plain_word_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a plain word"):
        among_constants(Channel.kind, ("community", value))


def test_the_condition_selects_what_in_selects_on_the_database(session: Session) -> None:
    for number, kind in enumerate(("community", "chat", "support", "email")):
        session.add(
            Channel(
                source="csv",
                source_kind="csv",
                external_id=f"c{number}",
                name=f"c{number}",
                kind=kind,
            )
        )
    session.flush()
    statement = sa.select(Channel.kind).order_by(Channel.kind)
    kinds = ("community", "email")
    written = rows(session, statement.where(among_constants(Channel.kind, kinds))).scalars()
    bound = session.scalars(statement.where(Channel.kind.in_(kinds)))
    assert list(written) == list(bound) == ["community", "email"]
