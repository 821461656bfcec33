"""Erase a person (DESIGN.md, privacy model): nothing that names them is left, the
numbers they took part in still add up.

What :func:`erase_person` does to the person and every record merged into them, in
the caller's transaction (docs/privacy.md has the whole table):

- **removed**: names, locale, e-mail addresses, handles, profile links, CRM and HR
  attributes, profile fields, the accounts they sign in with, the text, title, links
  and attachments of every message they wrote (in every channel, imported or
  palabre's own), the words quoted as evidence of those messages' signals, the
  analysts' corrections of those messages (they were read from the text), their
  churn-risk score, what they follow, their notifications and the roles they were
  given on ideas;
- **kept, anonymous**: one person row with nothing but its kind and ``erased_at``,
  its identities with their account ids replaced by a one-way digest, the message
  rows (date, channel, thread, replies) with their signal probabilities and topics,
  reactions, votes and answers, team and segment memberships. Volumes, signal
  shares, response times, vote counts and rankings stay what they were;
- **kept as written**: the ideas, statements and comments they contributed to a
  campaign, no longer signed (other people voted on them and discussed them: a
  campaign's record stays whole), and the audit log (who did what, which the law
  asks a controller to keep).

The digests are what makes an erasure hold: an import that meets an erased account
again (the same source and id) recognises it and does not import its messages or its
CRM row again (see :mod:`palabre.connectors.identity_writer`); the import report
counts them as ``erased``. A digest cannot be turned back into the id, but anyone
holding the database who guesses an id can test it: the price of never importing
the person again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import QueryableAttribute, Session

from palabre.accounts.models import UserAccount
from palabre.connectors.bulk import chunks
from palabre.customers.dialogue_models import InboxItem
from palabre.customers.models import ChurnRiskScore, MessageTopic
from palabre.db.base import utcnow
from palabre.errors import ConflictError, NotFoundError
from palabre.fabric.models import Message, Reaction, Thread
from palabre.identity.models import (
    Identity,
    Person,
    PersonAttribute,
    PersonMerge,
    SegmentMember,
    TeamMembership,
)
from palabre.identity.resolution import root_of, subtree
from palabre.innovation.models import (
    Idea,
    IdeaComment,
    IdeaFollow,
    IdeaRole,
    IdeaVote,
    Notification,
    PairwiseAnswer,
    Statement,
    StatementVote,
)
from palabre.people.models import ProfileField
from palabre.pipeline.models import MessageSignal
from palabre.privacy import audit
from palabre.privacy.erasure_keys import ERASED_CONTENT, erased_key, threads_opened_by_erased
from palabre.privacy.models import AuditEntry
from palabre.text.models import SignalCorrection

#: What an erasure does to every table that points at a person or an identity
#: (``tests/privacy/test_erasure.py`` checks none is missing): ``removed`` (their rows
#: go), ``anonymous`` (rows kept; what named them is removed or was never there) or
#: ``as written`` (campaign contributions others answered, kept unsigned).
FATES: Final[dict[str, str]] = {
    "person": "anonymous",
    "identity": "anonymous",
    "message": "anonymous",
    "reaction": "anonymous",
    "mention": "anonymous",
    "person_attribute": "removed",
    "profile_field": "removed",
    "user_account": "removed",
    "churn_risk_score": "removed",
    "idea_follow": "removed",
    "notification": "removed",
    "idea_role": "removed",
    "team_membership": "anonymous",
    "segment_member": "anonymous",
    "person_merge": "anonymous",
    "match_decision": "anonymous",
    "idea_vote": "anonymous",
    "statement_vote": "anonymous",
    "pairwise_answer": "anonymous",
    "vote_transfer": "anonymous",
    "idea": "as written",
    "idea_comment": "as written",
    "statement": "as written",
}


@dataclass(frozen=True)
class ErasureCounts:
    """How many rows an erasure changes, by what happens to them."""

    persons: int
    identities: int
    messages: int
    attributes: int
    profile_fields: int
    accounts: int
    corrections: int
    follows: int
    notifications: int
    idea_roles: int
    # kept, anonymous
    reactions: int
    votes: int
    team_memberships: int
    segment_memberships: int
    # kept as written, no longer signed
    ideas: int
    comments: int
    statements: int

    def as_dict(self) -> dict[str, int]:
        """The counts as JSON-ready data."""
        return asdict(self)


@dataclass(frozen=True)
class ErasureReport:
    """What :func:`erase_person` did (or, from :func:`erasure_plan`, would do)."""

    person_id: int
    person_ids: tuple[int, ...]
    erased_at: dt.datetime | None
    counts: ErasureCounts

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data (``palabre people erase --json``)."""
        return {
            "person_id": self.person_id,
            "person_ids": list(self.person_ids),
            "erased_at": self.erased_at.isoformat() if self.erased_at else None,
            "counts": self.counts.as_dict(),
        }


def _target(session: Session, person_id: int) -> tuple[Person, list[int]]:
    if session.get(Person, person_id) is None:
        raise NotFoundError(f"no person {person_id}")
    root = session.get(Person, root_of(session, person_id))
    assert root is not None
    if root.erased_at is not None:
        raise ConflictError(
            f"person {root.id} was already erased on {root.erased_at:%Y-%m-%d %H:%M} UTC"
        )
    return root, subtree(session, root.id)


def _count(session: Session, column: QueryableAttribute[Any], ids: Sequence[int]) -> int:
    return sum(
        int(session.scalar(sa.select(sa.func.count()).where(column.in_(chunk))) or 0)
        for chunk in chunks(ids)
    )


def _among(
    session: Session, selected: Any, column: QueryableAttribute[Any], ids: Sequence[int]
) -> list[Any]:
    """``selected`` (a column or a model) of the rows whose ``column`` is among ``ids``."""
    return [
        found
        for chunk in chunks(ids)
        for found in session.scalars(sa.select(selected).where(column.in_(chunk)))
    ]


def _identity_ids(session: Session, person_ids: Sequence[int]) -> list[int]:
    """Every identity of the persons: those they hold now and those created for them."""
    held = _among(session, Identity.id, Identity.person_id, person_ids)
    created = _among(session, Identity.id, Identity.original_person_id, person_ids)
    return sorted(set(held) | set(created))


def _message_ids(session: Session, identity_ids: Sequence[int]) -> list[int]:
    return sorted(_among(session, Message.id, Message.author_identity_id, identity_ids))


def _counts(
    session: Session, persons: Sequence[int], identities: Sequence[int], messages: Sequence[int]
) -> ErasureCounts:
    return ErasureCounts(
        persons=len(persons),
        identities=len(identities),
        messages=len(messages),
        attributes=_count(session, PersonAttribute.person_id, persons),
        profile_fields=_count(session, ProfileField.person_id, persons),
        accounts=_count(session, UserAccount.person_id, persons),
        corrections=_count(session, SignalCorrection.message_id, messages),
        follows=_count(session, IdeaFollow.person_id, persons),
        notifications=_count(session, Notification.person_id, persons),
        idea_roles=_count(session, IdeaRole.person_id, persons),
        reactions=_count(session, Reaction.identity_id, identities),
        votes=_count(session, IdeaVote.person_id, persons)
        + _count(session, StatementVote.person_id, persons)
        + _count(session, PairwiseAnswer.person_id, persons),
        team_memberships=_count(session, TeamMembership.person_id, persons),
        segment_memberships=_count(session, SegmentMember.person_id, persons),
        ideas=_count(session, Idea.author_id, persons),
        comments=_count(session, IdeaComment.author_id, persons),
        statements=_count(session, Statement.author_id, persons),
    )


def erasure_plan(session: Session, person_id: int) -> ErasureReport:
    """What erasing ``person_id`` (after merges) would change; changes nothing."""
    root, persons = _target(session, person_id)
    identities = _identity_ids(session, persons)
    messages = _message_ids(session, identities)
    return ErasureReport(
        root.id, tuple(persons), None, _counts(session, persons, identities, messages)
    )


def _in_chunks(
    session: Session,
    statement: Any,
    column: QueryableAttribute[Any],
    ids: Sequence[int],
) -> None:
    for chunk in chunks(ids):
        session.execute(statement.where(column.in_(chunk)))


def erase_person(session: Session, person_id: int, *, actor: str) -> ErasureReport:
    """Erase ``person_id`` and every record merged into them (see the module's doc).

    Runs in the caller's transaction and commits nothing: it is all or nothing. The
    audit record names the person's id and the counts, nothing else. Raises
    :class:`~palabre.errors.NotFoundError` for an unknown id and
    :class:`~palabre.errors.ConflictError` for a person already erased.
    """
    root, persons = _target(session, person_id)
    session.flush()
    identities = _identity_ids(session, persons)
    messages = _message_ids(session, identities)
    counts = _counts(session, persons, identities, messages)
    now = utcnow()

    # Messages: the words go, the row and what was measured on it stay.
    _in_chunks(
        session,
        sa.update(Message).values(
            text="", title=None, url=None, attachments=None, content_hash=ERASED_CONTENT
        ),
        Message.id,
        messages,
    )
    _in_chunks(
        session,
        sa.update(MessageSignal).values(evidence={}, content_hash=ERASED_CONTENT),
        MessageSignal.message_id,
        messages,
    )
    _in_chunks(
        session,
        sa.update(MessageTopic).values(content_hash=ERASED_CONTENT),
        MessageTopic.message_id,
        messages,
    )
    # A thread they opened was titled with their words (a subject, a topic's name).
    session.flush()
    threads = sorted(set(_among(session, Message.thread_id, Message.id, messages)))
    opened = sorted(threads_opened_by_erased(session, threads))
    _in_chunks(session, sa.update(Thread).values(title=None, url=None), Thread.id, opened)
    _in_chunks(session, sa.delete(SignalCorrection), SignalCorrection.message_id, messages)
    # The link to the question at its source names the customer's post.
    _in_chunks(
        session, sa.update(InboxItem).values(source_url=None), InboxItem.message_id, messages
    )

    # Identities: the account id becomes a digest, everything readable goes.
    for identity in _among(session, Identity, Identity.id, identities):
        identity.external_id = erased_key(identity.source, identity.external_id)
        identity.handle = None
        identity.display_name = None
        identity.email = None
        identity.url = None
        identity.updated_at = now

    # What is about the person and adds to nothing.
    for model, column in (
        (PersonAttribute, PersonAttribute.person_id),
        (ProfileField, ProfileField.person_id),
        (IdeaFollow, IdeaFollow.person_id),
        (Notification, Notification.person_id),
        (IdeaRole, IdeaRole.person_id),
        (ChurnRiskScore, ChurnRiskScore.person_id),
    ):
        _in_chunks(session, sa.delete(model), column, persons)
    accounts = _among(session, UserAccount.id, UserAccount.person_id, persons)
    _in_chunks(
        session,
        sa.update(InboxItem).values(assigned_to_id=None),
        InboxItem.assigned_to_id,
        accounts,
    )
    _in_chunks(session, sa.delete(UserAccount), UserAccount.id, accounts)
    # A merge's evidence quotes the names and addresses that matched.
    for side in (PersonMerge.merged_id, PersonMerge.survivor_id):
        _in_chunks(session, sa.update(PersonMerge).values(evidence={}), side, persons)

    for person in _among(session, Person, Person.id, persons):
        if person.external_id is not None and person.source is not None:
            person.external_id = erased_key(person.source, person.external_id)
        person.display_name = None
        person.locale = None
        person.erased_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="person.erased",
        subject_type="person",
        subject_id=root.id,
        details={"person_ids": list(persons), "counts": counts.as_dict()},
    )
    return ErasureReport(root.id, tuple(persons), now, counts)


# -- requests -----------------------------------------------------------------------------

#: The audit action of a person's request to be erased (the log is the request's record).
REQUESTED: Final = "person.erasure_requested"


@dataclass(frozen=True)
class ErasureRequest:
    """A person's request to be erased that no administrator has acted on yet."""

    person_id: int
    display_name: str | None
    requested_at: dt.datetime
    actor: str


def request_erasure(session: Session, person_id: int, *, actor: str) -> ErasureRequest:
    """Record that ``person_id`` (after merges) asks to be erased; an administrator acts.

    A person asks for themself (the web page's rule); asking again while a request waits
    changes nothing and returns the first one. Audited (``person.erasure_requested``).
    """
    root, _ = _target(session, person_id)
    waiting = next((r for r in pending_requests(session) if r.person_id == root.id), None)
    if waiting is not None:
        return waiting
    entry = audit.record(
        session, actor=actor, action=REQUESTED, subject_type="person", subject_id=root.id
    )
    session.flush()
    return ErasureRequest(root.id, root.display_name, entry.at, actor)


def pending_request_of(session: Session, person_id: int) -> dt.datetime | None:
    """When ``person_id`` asked to be erased, if they did (their own page shows it)."""
    at: dt.datetime | None = session.scalar(
        sa.select(AuditEntry.at)
        .where(
            AuditEntry.subject_type == "person",
            AuditEntry.subject_id == str(person_id),
            AuditEntry.action == REQUESTED,
        )
        .order_by(AuditEntry.id)
        .limit(1)
    )
    return at


def pending_requests(session: Session) -> list[ErasureRequest]:
    """Requests to be erased of people not erased yet, oldest first (one per person)."""
    rows = session.execute(
        sa.select(AuditEntry.subject_id, AuditEntry.at, AuditEntry.actor)
        .where(AuditEntry.action == REQUESTED, AuditEntry.subject_type == "person")
        .order_by(AuditEntry.id)
    ).all()
    first: dict[int, tuple[dt.datetime, str]] = {}
    for subject, at, actor in rows:
        if subject is not None and subject.isdigit():
            first.setdefault(int(subject), (at, actor))
    if not first:
        return []
    people = {
        person.id: person
        for person in _among(session, Person, Person.id, sorted(first))
        if person.erased_at is None and person.merged_into_id is None
    }
    return [
        ErasureRequest(pid, people[pid].display_name, at, actor)
        for pid, (at, actor) in first.items()
        if pid in people
    ]
