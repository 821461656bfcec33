"""The batch writer's reply links: a reply's parent id, when inserted or at the end.

Most replies follow their parent closely and get its id in their own row (recent ids
are cached); the others are remembered and linked by :meth:`ReplyLinker.resolve_replies`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session

from palabre.connectors.bulk import chunks, rows_by_keys
from palabre.connectors.records import MessageRecord
from palabre.connectors.thread_writer import ThreadWriter
from palabre.db.base import table_of
from palabre.fabric.models import Message

_message = table_of(Message)
#: replies left unlinked that the writer remembers by id, to link them at the end with
#: statements proportional to their number; past it, the end scans the source's replies
PENDING_REPLIES_LIMIT = 200_000


class ReplyLinker(ThreadWriter):
    """Reply links of one import."""

    def remember_message_ids(self, ids: dict[str, int]) -> None:
        """Cache the ids of messages just stored, for the replies that follow them."""
        self._message_ids.update(ids)

    def _parent_ids(self, session: Session, batch: Sequence[MessageRecord]) -> dict[str, int]:
        """Ids of the stored parents the replies of ``batch`` name (recent ones from the
        cache, the others looked up)."""
        in_batch = {m.external_id for m in batch}
        return self.stored_message_ids(
            session,
            dict.fromkeys(
                m.reply_to_external_id
                for m in batch
                if m.reply_to_external_id is not None and m.reply_to_external_id not in in_batch
            ),
        )

    def stored_message_ids(self, session: Session, keys: Iterable[str]) -> dict[str, int]:
        """Ids of this source's stored messages among ``keys`` (recent ones from the cache,
        the others looked up); a key not stored is absent."""
        found: dict[str, int] = {}
        missing: list[str] = []
        for target in keys:
            known = self._message_ids.get(target)
            if known is None:
                missing.append(target)
            else:
                found[target] = known
        rows = rows_by_keys(
            session, _message, ("external_id", "id"), self.source, dict.fromkeys(missing)
        )
        for external_id, message_id in rows:
            found[external_id] = int(message_id)
            self._message_ids.put(external_id, int(message_id))
        return found

    def relink(self, session: Session, records: Sequence[MessageRecord]) -> int:
        """Set the parent of the replies just inserted from the ids actually stored.

        Used when the insert skipped repeated rows, so the ids it gave are not the ones
        expected. Returns how many replies have a parent.
        """
        replies = [m for m in records if m.reply_to_external_id is not None]
        if not replies:
            return 0
        keys = {m.external_id for m in replies} | {
            m.reply_to_external_id for m in replies if m.reply_to_external_id is not None
        }
        rows = rows_by_keys(session, _message, ("external_id", "id"), self.source, keys)
        ids = {external_id: int(message_id) for external_id, message_id in rows}
        updates = []
        linked = 0
        for m in replies:
            target = m.reply_to_external_id
            parent = ids.get(target) if target is not None and target != m.external_id else None
            linked += parent is not None
            if parent is None:
                self.pend_reply(m.external_id)
            updates.append({"row_id": ids[m.external_id], "parent": parent})
        session.execute(
            _message.update()
            .where(_message.c.id == sa.bindparam("row_id"))
            .values(reply_to_id=sa.bindparam("parent")),
            updates,
        )
        return linked

    def pend_reply(self, external_id: str) -> None:
        """Remember a reply stored without its parent, for :meth:`resolve_replies`."""
        self._replies_pending = True
        if len(self._pending_replies) <= PENDING_REPLIES_LIMIT:
            self._pending_replies.append(external_id)

    def resolve_replies(self, session: Session) -> int:
        """Link replies to parents stored since (the parent may come after the reply).

        Returns every reply this import linked, when inserted or here. The statements
        touch the replies this import left unlinked, by id, not the whole source (at
        5 M messages a full UPDATE held one transaction for minutes); past
        ``PENDING_REPLIES_LIMIT`` such replies it falls back to one statement over the
        source's unlinked replies.
        """
        if not self._replies_pending:
            return self.replies_linked
        parent = _message.alias("parent")
        parent_id = (
            sa.select(parent.c.id)
            .where(
                parent.c.source == _message.c.source,
                parent.c.external_id == _message.c.reply_to_external_id,
            )
            .scalar_subquery()
        )
        # Only rows whose parent is stored: without this, every reply to a message
        # outside the store (an e-mail of another list, a toot of another server) was
        # rewritten to NULL on each import and counted as linked.
        has_parent = (
            sa.exists()
            .where(
                parent.c.source == _message.c.source,
                parent.c.external_id == _message.c.reply_to_external_id,
            )
            .correlate(_message)
        )
        unlinked = _message.update().where(
            _message.c.source == self.source,
            _message.c.reply_to_id.is_(None),
            _message.c.reply_to_external_id.is_not(None),
            has_parent,
        )
        linked = 0
        if len(self._pending_replies) > PENDING_REPLIES_LIMIT:
            result = session.execute(unlinked.values(reply_to_id=parent_id))
            linked = int(result.rowcount or 0)  # type: ignore[attr-defined]
        else:
            # Built once, the keys passed at each run (see bulk.keyed_select for why).
            by_keys = unlinked.where(
                _message.c.external_id.in_(sa.bindparam("keys", expanding=True))
            ).values(reply_to_id=parent_id)
            for chunk in chunks(sorted(set(self._pending_replies))):
                result = session.execute(by_keys, {"keys": list(chunk)})
                linked += int(result.rowcount or 0)  # type: ignore[attr-defined]
        return self.replies_linked + linked
