"""Read a source in a second process while the first one writes to the database.

An import spends its time in two places: parsing the input and writing the store.
On a machine with two cores they can overlap. A forked reader process runs the
connector and sends batches of records through a bounded queue (so memory stays
bounded); the parent only writes.

The reader sends what :meth:`~palabre.connectors.base.Connector.batches` yields.
Records cross the process boundary as plain tuples because pickling slotted
dataclasses field by field costs about ten times more than the tuple of their
values; a :class:`~palabre.connectors.records.MessageColumns` batch as the tuple of
its lists (a few lists per batch instead of thousands of tuples). The message
digest (see :func:`~palabre.connectors.digests.message_digest`) is computed on the
reader's side too, to take that work off the writer, and so are,
for SQLite, a message's times in the text form the database stores (a string also
crosses the pipe several times cheaper than a datetime); such a batch, strings,
numbers and None only, crosses as JSON.
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import os
import queue
import traceback
from collections.abc import Iterator
from dataclasses import fields
from operator import attrgetter
from typing import Any, cast

import orjson

from palabre.connectors.base import Connector
from palabre.connectors.bulk import sqlite_time
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageColumns,
    MessageRecord,
)
from palabre.errors import PalabreError

#: batches in flight between the two processes (bounds memory: each holds thousands of
#: records on the reader's side; two keep the writer fed)
QUEUE_BATCHES = 2
#: inputs smaller than this are read in-process: a fork is not worth it
MIN_PARALLEL_BYTES = 4 * 1024 * 1024

_MESSAGE_FIELDS = tuple(f.name for f in fields(MessageRecord))
_message_values = attrgetter(*_MESSAGE_FIELDS)
_CREATED = _MESSAGE_FIELDS.index("created_at")
_EDITED = _MESSAGE_FIELDS.index("edited_at")
_MESSAGE = 0
_COLUMNS = -1
_COLUMNS_JSON = -2
_OTHER = 1
_column_values = attrgetter(*(f.name for f in fields(MessageColumns)))
#: other flat records sent as the tuple of their values too (their pickled form, the
#: dataclass's state dict, costs about ten times more to load)
_FLAT: tuple[type, ...] = (IdentityRecord, ChannelRecord)
_FLAT_VALUES = tuple(attrgetter(*(f.name for f in fields(kind))) for kind in _FLAT)


def _columns_to_wire(columns: MessageColumns, times_as_text: bool) -> tuple[int, Any]:
    if times_as_text and not columns.times_as_text:
        # Never None: created_at is required.
        columns.created_at = cast(
            "list[dt.datetime | str]", list(map(sqlite_time, columns.created_at))
        )
        columns.edited_at = list(map(sqlite_time, columns.edited_at))
        columns.times_as_text = True
    values = _column_values(columns)
    if columns.times_as_text:
        # Only strings, numbers and None left: JSON costs a fifth of pickling them
        # (which memoises every string) to write, as much to read.
        try:
            return (_COLUMNS_JSON, orjson.dumps(values))
        except orjson.JSONEncodeError:
            pass  # text orjson refuses (a lone surrogate): pickled as it is
    return (_COLUMNS, values)


def _to_wire(record: object, times_as_text: bool = False) -> tuple[int, Any]:
    if type(record) is MessageColumns:
        return _columns_to_wire(record, times_as_text)
    if type(record) is MessageRecord:
        if record.digest is None:
            from palabre.connectors.digests import message_digest

            # Before the times become text: the digest is the same as read in-process.
            record.digest = message_digest(record, record.thread_external_id or record.external_id)
        values = _message_values(record)
        if times_as_text:
            listed = list(values)
            listed[_CREATED] = sqlite_time(listed[_CREATED])
            if listed[_EDITED] is not None:
                listed[_EDITED] = sqlite_time(listed[_EDITED])
            values = tuple(listed)
        return (_MESSAGE, values)
    for tag, kind in enumerate(_FLAT, start=_OTHER + 1):
        if type(record) is kind:
            return (tag, _FLAT_VALUES[tag - _OTHER - 1](record))
    return (_OTHER, record)


def _from_wire(item: tuple[int, Any]) -> object:
    tag, payload = item
    if tag == _MESSAGE:
        return MessageRecord(*payload)
    if tag == _COLUMNS:
        return MessageColumns(*payload)
    if tag == _COLUMNS_JSON:
        return MessageColumns(*orjson.loads(payload))
    if tag == _OTHER:
        return payload
    return _FLAT[tag - _OTHER - 1](*payload)


def can_read_in_parallel(connector: Connector) -> bool:
    """True when the connector allows it, the input is large and a fork is possible."""
    if not connector.parallel_safe or (os.cpu_count() or 1) < 2:
        return False
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    total = connector.total()
    return total is not None and total >= MIN_PARALLEL_BYTES


def _produce(
    connector: Connector, out: Any, batch_size: int, parent: int, times_as_text: bool
) -> None:
    def send(message: tuple[str, Any, int]) -> None:
        # If the importer died (kill -9), nobody reads: stop instead of waiting forever.
        while True:
            try:
                out.put(message, timeout=1.0)
                return
            except queue.Full:
                if os.getppid() != parent:
                    os._exit(1)

    # A connector that can give the times as text does so itself (cheaper than
    # converting them here); the others are converted in _columns_to_wire.
    connector.times_as_text = times_as_text
    try:
        for records in connector.batches(batch_size):
            batch = [_to_wire(record, times_as_text) for record in records]
            send(("batch", batch, connector.position))
        send(("done", None, connector.position))
    except PalabreError as exc:
        send(("palabre-error", (type(exc), exc.message), connector.position))
    except BaseException as exc:
        text = "".join(traceback.format_exception(exc))
        send(("error", f"{type(exc).__name__}: {exc}\n{text}", connector.position))


def read_in_parallel(
    connector: Connector, batch_size: int, *, times_as_text: bool = False
) -> Iterator[tuple[list[object], int]]:
    """Yield ``(records, position)`` batches read by a forked process.

    With ``times_as_text`` (for SQLite) the messages' ``created_at`` and ``edited_at``
    arrive as :func:`~palabre.connectors.bulk.sqlite_time` text, which the writer
    passes to the database as it is.
    """
    context = multiprocessing.get_context("fork")
    channel = context.Queue(maxsize=QUEUE_BATCHES)
    process = context.Process(
        target=_produce,
        args=(connector, channel, batch_size, os.getpid(), times_as_text),
        name=f"palabre-read-{connector.kind}",
        daemon=True,
    )
    # Objects alive now are shared with the reader until one side writes to their
    # pages. A collection in this process touches every tracked object's header, which
    # copies those pages for the reader; frozen, the collector leaves them alone.
    gc.collect()
    gc.freeze()
    process.start()
    try:
        while True:
            try:
                kind, payload, position = channel.get(timeout=5.0)
            except queue.Empty:
                if not process.is_alive():
                    raise RuntimeError(
                        f"the reader process of the {connector.kind} import stopped "
                        f"(exit code {process.exitcode})"
                    ) from None
                continue
            connector.position = position
            if kind == "batch":
                yield [_from_wire(item) for item in payload], position
            elif kind == "done":
                return
            elif kind == "palabre-error":
                error_type, message = payload
                error = error_type.__new__(error_type)
                PalabreError.__init__(error, message)
                raise error
            else:
                raise RuntimeError(f"the reader process failed: {payload}")
    finally:
        if process.is_alive():
            process.terminate()
        process.join(timeout=5)
        channel.close()
        channel.join_thread()
        gc.unfreeze()  # a long-lived process (the web app) collects them again
