"""Small builders shared by the campaign and idea tests: people, viewers, a campaign."""

from __future__ import annotations

from sqlalchemy.orm import Session

from palabre.identity.models import Identity, Person
from palabre.innovation import service
from palabre.innovation.models import Campaign
from palabre.people.service import Viewer

MANAGER = Viewer(actor="user:ines", role="innovation")


def person(session: Session, name: str, *, kind: str = "employee", email: str | None = None) -> int:
    """A person (with an e-mail identity when ``email`` is given); returns its id."""
    someone = Person(kind=kind, display_name=name)
    session.add(someone)
    session.flush()
    if email:
        session.add(
            Identity(
                person_id=someone.id,
                original_person_id=someone.id,
                source="test",
                channel_kind="email",
                external_id=email,
                email=email,
            )
        )
        session.flush()
    return someone.id


def member(session: Session, name: str, *, role: str = "member", **kw: str) -> Viewer:
    """A viewer of ``role`` linked to a new person called ``name``."""
    return Viewer(actor=f"user:{name.lower()}", role=role, person_id=person(session, name, **kw))


def campaign(session: Session, name: str = "Bureau 2027", audience: str = "employees") -> Campaign:
    """A campaign open today with the default funnel."""
    return service.create_campaign(
        session,
        name=name,
        question="Comment améliorer la vie au bureau ?",
        audience=audience,
        actor=MANAGER.actor,
    )
