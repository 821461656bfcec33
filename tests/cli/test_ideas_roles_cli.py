"""``palabre ideas roles / assign / release``: people for an idea from the command line."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.db.engine import transaction
from palabre.errors import ConflictError, NotFoundError, ValidationError
from palabre.identity.models import Identity
from palabre.innovation import service
from palabre.innovation.models import IdeaRole
from palabre.privacy.models import AuditEntry
from tests.cli.test_ideas_cli import palabre
from tests.innovation.ideas_helpers import campaign, member
from tests.innovation.leaders_world import community_records, load


def test_suggest_assign_and_release_from_the_command_line(
    settings: Settings, sessions: sessionmaker[Session]
) -> None:
    load(sessions, community_records())
    with transaction(sessions) as session:
        made = campaign(session)
        alice = member(session, "Alice")
        idea = service.submit_idea(
            session, alice, made.id, title="Des emballages consignés", body="Moins de déchets."
        ).id
        ana = session.scalar(sa.select(Identity.person_id).where(Identity.external_id == "ana"))

    code, output = palabre(settings, "ideas", "roles", str(idea), "--json")
    assert code == 0, output
    found = json.loads(output)
    assert found["assignments"] == []
    assert [s["person_id"] for s in found["suggestions"] if s["role"] == "ideator"] == [ana]

    code, output = palabre(settings, "ideas", "assign", str(idea), "ideator", "Ana")
    assert code == 0, output
    assert "is ideator of idea" in output
    assert "(stage proposed)" in output
    # Errors reach the user through palabre's error handler, naming the field.
    with pytest.raises(ValidationError, match="role: 'boss' is not a role"):
        palabre(settings, "ideas", "assign", str(idea), "boss", "Ana")
    with pytest.raises(NotFoundError, match="nobody named 'Nobody Here'"):
        palabre(settings, "ideas", "assign", str(idea), "expert", "Nobody Here")

    with sessions() as session:
        assignment = session.scalars(sa.select(IdeaRole.id)).one()
    code, output = palabre(settings, "ideas", "roles", str(idea))
    assert code == 0, output
    assert f"[{assignment}] at proposed: ideator #{ana} Ana" in output
    code, output = palabre(settings, "ideas", "release", str(assignment))
    assert code == 0, output
    code, output = palabre(settings, "ideas", "roles", str(idea), "--json")
    assert json.loads(output)["assignments"][0]["released_at"] is not None
    with pytest.raises(ConflictError, match="already released"):
        palabre(settings, "ideas", "release", str(assignment))
    with sessions() as session:
        actions = list(
            session.scalars(
                sa.select(AuditEntry.action).where(AuditEntry.action.like("idea.role.%"))
            )
        )
    assert actions == ["idea.role.assign", "idea.role.release"]
