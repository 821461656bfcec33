"""Community threads whose every text is an XSS payload, for tests/web/test_xss.py: they
show on the community pages and, as customer questions, in the answer inbox."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from palabre.accounts import service as accounts
from palabre.customers import dialogue, inbox
from palabre.db.engine import transaction
from palabre.identity.models import Person


def add_community(sessions: sessionmaker[Session], payloads: list[str]) -> dict[str, list[str]]:
    """Threads by a customer named with a payload, an employee's answer recorded through
    the inbox; returns the community thread ids (to fill ``{thread_id}``)."""
    with transaction(sessions) as session:
        person = Person(kind="customer", display_name=payloads[13])
        session.add(person)
        session.flush()
        customer = accounts.create_user(
            session,
            username="xss-customer",
            role="customer",
            password="correct horse battery staple",
            actor="test",
            person_id=person.id,
        )
        analyst = accounts.create_user(
            session,
            username="xss-analyst",
            role="analyst",
            password="correct horse battery staple",
            actor="test",
            display_name=payloads[14],
        )
        threads = [
            dialogue.start_thread(session, customer, payload[:300], payloads[-1 - n])
            for n, payload in enumerate(payloads[15:19])
        ]
        answered = dialogue.thread_posts(session, threads[0].id)[1][0]
        inbox.answer(session, analyst, answered.id, payloads[19])
        return {"thread": [str(thread.id) for thread in threads]}
