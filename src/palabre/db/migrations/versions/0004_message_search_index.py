"""text search index of messages (FTS5 trigram on SQLite, pg_trgm GIN on PostgreSQL)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 11:00:00

Searching the messages for a piece of text (``/conversations/search``) scanned every
message: seconds on a million. Both indexes find the messages that contain a string of
three characters or more anywhere in their text or title, ignoring case, which is what
the search means (a substring, not a word), so the results do not change:

* SQLite: ``message_fts``, an FTS5 table with the trigram tokenizer over the text and
  title of ``message`` (external content: it stores the index, not a second copy of
  the text), kept in step by three triggers;
* PostgreSQL: GIN indexes with ``gin_trgm_ops`` (the ``pg_trgm`` extension shipped
  with PostgreSQL) on ``message.text`` and ``message.title``, which ``ILIKE`` uses.
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_SQLITE_UP = (
    "CREATE VIRTUAL TABLE message_fts USING fts5("
    "text, title, content='message', content_rowid='id', "
    "tokenize='trigram case_sensitive 0')",
    "CREATE TRIGGER message_fts_insert AFTER INSERT ON message BEGIN "
    "INSERT INTO message_fts(rowid, text, title) VALUES (new.id, new.text, new.title); "
    "END",
    "CREATE TRIGGER message_fts_delete AFTER DELETE ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, title) "
    "VALUES ('delete', old.id, old.text, old.title); "
    "END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, title ON message BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, title) "
    "VALUES ('delete', old.id, old.text, old.title); "
    "INSERT INTO message_fts(rowid, text, title) VALUES (new.id, new.text, new.title); "
    "END",
    # Index the messages already there.
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in ("text", "title"):
        op.create_index(
            f"ix_message_{column}_trgm",
            "message",
            [column],
            postgresql_using="gin",
            postgresql_ops={column: "gin_trgm_ops"},
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS message_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS message_fts")
        return
    for column in ("text", "title"):
        op.drop_index(f"ix_message_{column}_trgm", table_name="message")
    # The extension stays: other objects of the database may use it.
