"""What an erasure leaves for imports to recognise (palabre.privacy.erasure).

Kept apart from the erasure itself, which reads every pillar's tables: the importer
needs only these few names.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Session, aliased

from palabre.connectors.bulk import chunks
from palabre.fabric.models import Message
from palabre.identity.models import Person

#: The ``content_hash`` of an erased message, of its signals and of its topic row. No
#: digest of real content has this value (those are 32 hexadecimal digits), so the
#: analysis never scores the empty text again (its probabilities are kept) and an
#: import never writes the message back.
ERASED_CONTENT: Final = "erased"
#: How an erased identity's or person's external id starts.
ERASED_PREFIX: Final = "erased:"


def erased_key(source: str, external_id: str) -> str:
    """The one-way digest an erased account's ``external_id`` is replaced with.

    The source is part of it: the same id in two sources is two accounts.
    """
    digest = hashlib.sha256(f"{source}\x1f{external_id}".encode()).hexdigest()
    return ERASED_PREFIX + digest


def erased_keys(source: str, external_ids: Iterable[str]) -> dict[str, str]:
    """``digest -> external id`` for ``external_ids`` of ``source``."""
    return {erased_key(source, key): key for key in external_ids}


def any_erased(session: Session) -> bool:
    """Whether any person of the workspace was erased (imports check digests only then)."""
    return bool(session.scalar(sa.select(sa.exists().where(Person.erased_at.is_not(None)))))


def erased_person_ids(session: Session) -> frozenset[int]:
    """The erased persons (few): person-level rankings leave them out."""
    return frozenset(
        int(pid)
        for pid in session.scalars(sa.select(Person.id).where(Person.erased_at.is_not(None)))
    )


def threads_opened_by_erased(session: Session, thread_ids: Sequence[int]) -> set[int]:
    """The threads among ``thread_ids`` whose first message was erased: their title and
    link were the erased person's words, and stay removed."""
    opener = aliased(Message)
    earlier = aliased(Message)
    found: set[int] = set()
    for chunk in chunks(thread_ids):
        before = sa.exists().where(
            earlier.thread_id == opener.thread_id,
            sa.or_(
                earlier.created_at < opener.created_at,
                sa.and_(earlier.created_at == opener.created_at, earlier.id < opener.id),
            ),
        )
        found.update(
            int(tid)
            for tid in session.scalars(
                sa.select(opener.thread_id).where(
                    opener.thread_id.in_(chunk),
                    opener.content_hash == ERASED_CONTENT,
                    ~before,
                )
            )
        )
    return found
