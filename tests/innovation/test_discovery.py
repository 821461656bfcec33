"""Ideas from the field: suggestion-like messages proposed to managers, one action to adopt."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.engine import transaction
from palabre.errors import ConflictError
from palabre.fabric.models import Message
from palabre.identity.models import Identity
from palabre.innovation import discovery, service
from palabre.innovation.models import StageChange
from palabre.pipeline.models import MessageSignal
from palabre.privacy.models import AuditEntry
from tests.innovation.ideas_helpers import MANAGER, campaign, member
from tests.pipeline import world


@pytest.fixture
def analysed(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    return world.build_analysed(sessions, tmp_path, messages=16)


def test_suggestions_are_proposed_then_one_becomes_an_idea_linked_to_its_message(
    analysed: sessionmaker[Session],
) -> None:
    with transaction(analysed) as session:
        made = campaign(session, "Produit", "customers")
        found = discovery.field_candidates(session, MANAGER, min_probability=0.5)
        # The analysis scores every message; the candidates are the suggestion-like ones.
        strongest = session.scalar(sa.select(sa.func.max(MessageSignal.suggestion)))
        assert found, f"no candidate (strongest suggestion probability {strongest})"
        assert all("mode sombre" in c.text for c in found)
        assert [c.probability for c in found] == sorted(
            (c.probability for c in found), reverse=True
        )
        chosen = found[0]
        idea = discovery.idea_from_message(session, MANAGER, made.id, chosen.message_id)
        assert idea.title == "Ce serait bien d'ajouter un mode sombre à l'application."
        assert idea.source_message_id == chosen.message_id
        author_person = session.scalar(
            sa.select(Identity.person_id)
            .join(Message, Message.author_identity_id == Identity.id)
            .where(Message.id == chosen.message_id)
        )
        assert author_person is not None
        assert idea.author_id == author_person
        assert (
            session.scalar(sa.select(StageChange.to_stage).where(StageChange.idea_id == idea.id))
            == "proposed"
        )
        assert (
            session.scalar(
                sa.select(AuditEntry.action).where(
                    AuditEntry.subject_type == "idea", AuditEntry.subject_id == str(idea.id)
                )
            )
            == "idea.from_message"
        )
        # It is no longer a candidate, and a message becomes at most one idea.
        left = discovery.field_candidates(session, MANAGER, min_probability=0.5)
        assert chosen.message_id not in {c.message_id for c in left}
        with pytest.raises(ConflictError, match="already idea"):
            discovery.idea_from_message(session, MANAGER, made.id, chosen.message_id)


def test_only_managers_see_ideas_from_the_field(session: Session) -> None:
    with pytest.raises(service.ParticipationDeniedError):
        discovery.field_candidates(session, member(session, "Alice"))
