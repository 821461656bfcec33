"""The social fabric: channels, threads, messages, reactions and mentions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from palabre.db.base import Base, utcnow

#: On SQLite, the FTS5 table that indexes the text of messages for search (migration
#: 0004), the tables FTS5 keeps it in, and its watermark (migration 0009). They are no
#: models: SQLAlchemy cannot declare a virtual table, so comparing the models with a
#: database leaves them out.
SEARCH_INDEX_TABLES: Final = frozenset(
    {
        "message_fts",
        "message_fts_config",
        "message_fts_data",
        "message_fts_docsize",
        "message_fts_idx",
        "message_fts_state",
    }
)


#: Indexes that exist on PostgreSQL only (SQLite searches through SEARCH_INDEX_TABLES).
POSTGRESQL_ONLY_INDEXES: Final = frozenset({"ix_message_text_trgm", "ix_message_title_trgm"})


def schema_comparison(dialect: str) -> dict[str, Callable[..., bool]]:
    """Alembic options (``include_name``, ``include_object``) that compare the models with a
    database of ``dialect`` leaving out what the models cannot declare there.

    Without them ``compare_metadata`` and ``--autogenerate`` would propose to drop the
    SQLite search tables, and to add the PostgreSQL-only indexes to SQLite.
    """

    def include_name(name: str | None, type_: str, _parents: object) -> bool:
        return not (type_ == "table" and name in SEARCH_INDEX_TABLES)

    def include_object(
        _object: object, name: str | None, type_: str, _reflected: bool, _other: object
    ) -> bool:
        return not (
            type_ == "index" and dialect != "postgresql" and name in POSTGRESQL_ONLY_INDEXES
        )

    return {"include_name": include_name, "include_object": include_object}


class Channel(Base):
    """Where messages are posted: a chat channel, a forum category, a mailing list."""

    __tablename__ = "channel"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    source_kind: Mapped[str] = mapped_column(sa.String(40))
    external_id: Mapped[str] = mapped_column(sa.String(500))
    name: Mapped[str] = mapped_column(sa.String(300))
    kind: Mapped[str] = mapped_column(sa.String(16))
    visibility: Mapped[str] = mapped_column(sa.String(16), default="public")
    topic: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime | None] = mapped_column()
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.CheckConstraint(
            "kind in ('community', 'social', 'support', 'email', 'chat', 'intranet', 'survey')",
            name="channel_kind",
        ),
        sa.CheckConstraint("visibility in ('public', 'private', 'direct')", name="visibility"),
    )


class Thread(Base):
    """A conversation: a root message and its replies."""

    __tablename__ = "thread"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channel.id"), index=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(500))
    title: Mapped[str | None] = mapped_column(sa.Text)
    url: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[dt.datetime | None] = mapped_column()

    __table_args__ = (sa.UniqueConstraint("source", "external_id"),)


class Message(Base):
    """One message. ``(source, external_id)`` makes re-imports idempotent."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(100))
    external_id: Mapped[str] = mapped_column(sa.String(500))
    channel_id: Mapped[int] = mapped_column(sa.ForeignKey("channel.id"))
    thread_id: Mapped[int] = mapped_column(sa.ForeignKey("thread.id"))
    author_identity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("identity.id"), index=True)
    # The parent as the source names it; ``reply_to_id`` is filled once the parent is stored.
    reply_to_external_id: Mapped[str | None] = mapped_column(sa.String(500))
    reply_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("message.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column()
    edited_at: Mapped[dt.datetime | None] = mapped_column()
    title: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str | None] = mapped_column(sa.String(16))
    url: Mapped[str | None] = mapped_column(sa.Text)
    attachments: Mapped[list[Any] | None] = mapped_column()
    # A digest of everything imported about the message: tells "unchanged" from "updated".
    content_hash: Mapped[str] = mapped_column(sa.String(32))
    # The last import run that saw this message: catches a duplicate id within one file.
    import_run_id: Mapped[int | None] = mapped_column()
    imported_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_message_channel_created", "channel_id", "created_at"),
        sa.Index("ix_message_thread_created", "thread_id", "created_at"),
        sa.Index("ix_message_created_at", "created_at"),
        # Text search (migration 0004): trigram indexes that ILIKE '%...%' uses. SQLite
        # gets an FTS5 table instead (see SEARCH_INDEX_TABLES), not an index.
        sa.Index(
            "ix_message_text_trgm",
            "text",
            postgresql_using="gin",
            postgresql_ops={"text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
        sa.Index(
            "ix_message_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )


class Reaction(Base):
    """An emoji or a like; ``identity_id`` is empty when the source only gives counts."""

    __tablename__ = "reaction"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int | None] = mapped_column(sa.ForeignKey("identity.id"), index=True)
    emoji: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[dt.datetime | None] = mapped_column()


class Mention(Base):
    """A message naming an identity (``@someone``)."""

    __tablename__ = "mention"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        sa.ForeignKey("message.id", ondelete="CASCADE"), index=True
    )
    identity_id: Mapped[int] = mapped_column(sa.ForeignKey("identity.id"), index=True)
