"""The batch writer's channels: declared ones written or updated, others created plainly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from palabre.connectors.bulk import utc
from palabre.connectors.records import ChannelRecord
from palabre.connectors.writer_state import WriterState
from palabre.db.base import table_of, utcnow
from palabre.fabric.models import Channel

_channel = table_of(Channel)


class ChannelWriter(WriterState):
    """Channels of one import."""

    def _load_channels(self, session: Session, keys: Sequence[str]) -> dict[str, tuple[Any, ...]]:
        return self._load_by_key(
            session,
            _channel,
            ("id", "name", "kind", "visibility", "topic", "url", "created_at"),
            keys,
        )

    def _write_channels(self, session: Session, records: Sequence[ChannelRecord]) -> None:
        latest = {r.external_id: r for r in records}
        existing = self._load_channels(session, list(latest))
        for key, record in latest.items():
            values = {
                "name": record.name,
                "kind": record.kind,
                "visibility": record.visibility,
                "topic": record.topic,
                "url": record.url,
                "created_at": utc(record.created_at),
            }
            row = existing.get(key)
            if row is None:
                result = session.execute(
                    _channel.insert().returning(_channel.c.id),
                    {
                        **values,
                        "source": self.source,
                        "source_kind": self.source_kind,
                        "external_id": key,
                        "imported_at": utcnow(),
                    },
                )
                self._channels[key] = int(result.scalar_one())
                self.counts.channels.created += 1
                continue
            self._channels[key] = int(row[0])
            old = dict(
                zip(
                    ("name", "kind", "visibility", "topic", "url", "created_at"),
                    row[1:],
                    strict=True,
                )
            )
            if old == values:
                self.counts.channels.unchanged += 1
            else:
                session.execute(_channel.update().where(_channel.c.id == row[0]).values(**values))
                self.counts.channels.updated += 1

    def ensure_channels(self, session: Session, keys: Iterable[str]) -> None:
        missing = sorted({k for k in keys if k not in self._channels})
        if not missing:
            return
        existing = self._load_channels(session, missing)
        for key in missing:
            if key in existing:
                self._channels[key] = int(existing[key][0])
                continue
            # A message names a channel the source never declared: create it plainly.
            result = session.execute(
                _channel.insert().returning(_channel.c.id),
                {
                    "source": self.source,
                    "source_kind": self.source_kind,
                    "external_id": key,
                    "name": key,
                    "kind": self.default_channel_kind,
                    "visibility": "public",
                    "imported_at": utcnow(),
                },
            )
            self._channels[key] = int(result.scalar_one())
            self.counts.channels.created += 1

    @property
    def channel_ids(self) -> dict[str, int]:
        """Ids of the channels met so far, by external id (see :meth:`ensure_channels`)."""
        return self._channels
