"""SQLite search index filled after imports, not row by row during them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 12:00:00

Migration 0004 kept ``message_fts`` (SQLite's trigram index of message texts) in step
with three triggers. The insert trigger cost an import two thirds of its time: a
trigram index writes a posting for every three characters of every message, one row
at a time. Indexing the same rows in one statement afterwards is several times
cheaper, and a search stays exact meanwhile: the messages above the watermark are
tested one by one (see :mod:`palabre.fabric.search_index`).

* ``message_fts_state.indexed_through``: every message with an id up to it is in the
  index, none above it is;
* no insert trigger; the update and delete triggers touch the index only for indexed
  rows; deleting the highest indexed row lowers the watermark to the next row below,
  because SQLite gives a new row the highest id plus one and would otherwise hand that
  id, taken as indexed, to a row that is not.

PostgreSQL is unchanged: its trigram GIN indexes (0004) stay maintained by the server.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_INDEXED = "(SELECT indexed_through FROM message_fts_state)"

_SQLITE_UP = (
    "DROP TRIGGER IF EXISTS message_fts_insert",
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "CREATE TABLE message_fts_state (indexed_through INTEGER NOT NULL)",
    # Migration 0004 indexed every row there is: the watermark starts at the top.
    "INSERT INTO message_fts_state (indexed_through) SELECT coalesce(max(id), 0) FROM message",
    f"CREATE TRIGGER message_fts_delete AFTER DELETE ON message WHEN old.id <= {_INDEXED} "
    "BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, title) "
    "VALUES ('delete', old.id, old.text, old.title); "
    "UPDATE message_fts_state SET indexed_through = "
    "(SELECT coalesce(max(id), 0) FROM message WHERE id < old.id) "
    "WHERE indexed_through = old.id; "
    "END",
    "CREATE TRIGGER message_fts_update AFTER UPDATE OF text, title ON message "
    f"WHEN old.id <= {_INDEXED} BEGIN "
    "INSERT INTO message_fts(message_fts, rowid, text, title) "
    "VALUES ('delete', old.id, old.text, old.title); "
    "INSERT INTO message_fts(rowid, text, title) VALUES (new.id, new.text, new.title); "
    "END",
)

_SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS message_fts_update",
    "DROP TRIGGER IF EXISTS message_fts_delete",
    "DROP TABLE IF EXISTS message_fts_state",
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
    # 0004's triggers index every row: index the ones this revision left pending.
    "INSERT INTO message_fts(message_fts) VALUES ('rebuild')",
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_UP:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for statement in _SQLITE_DOWN:
            op.execute(statement)
