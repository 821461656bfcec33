"""The connector protocol: one small base class every source implements.

A connector is built from a path and options, checks in :meth:`Connector.check`
that the input is what it claims to be (before anything is written), then yields
canonical records from :meth:`Connector.records`, streaming: memory must not grow
with the size of the input. It reports how far it got through :attr:`position`
and :meth:`total` (bytes, or entries when bytes mean nothing) for progress bars.

Problems with a single entry are yielded as :class:`~palabre.connectors.records.Rejection`
records (the import goes on and reports them); problems with the input as a whole
raise :class:`~palabre.errors.ImportFormatError`.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

from palabre.connectors.records import ChannelKind, Record
from palabre.errors import ImportFormatError


class Connector(abc.ABC):
    """Translate one source into canonical records."""

    #: the name used on the command line: ``palabre import <kind> PATH``
    kind: ClassVar[str]
    #: a one-line description shown by ``palabre import --help``
    description: ClassVar[str] = ""
    #: the channel kind given to channels this source declares without one
    default_channel_kind: ClassVar[ChannelKind] = "chat"
    #: True when :meth:`records` may run in a forked process (it only reads its input
    #: and keeps no state the importer needs): large inputs are then read in parallel
    parallel_safe: ClassVar[bool] = False
    #: Set by the importer when it writes to SQLite and reads in a second process: a
    #: connector that hands :class:`~palabre.connectors.records.MessageColumns` may
    #: then give their times as SQLite's storage text already (see
    #: ``MessageColumns.times_as_text``), which is cheaper to send and to write.
    times_as_text: bool = False

    def __init__(self, path: Path | str, **options: object) -> None:
        self.path = Path(path)
        self.options = options
        self.position = 0

    @property
    def default_source(self) -> str:
        """The source name records are keyed under when the user does not choose one."""
        return self.kind

    def total(self) -> int | None:
        """The size :attr:`position` grows to, or None when unknown."""
        try:
            if self.path.is_file():
                return self.path.stat().st_size
        except OSError:
            return None
        return None

    def check(self) -> None:
        """Raise :class:`ImportFormatError` when the input is not usable at all.

        The default checks that the path exists and is not empty; connectors add
        their own format checks (and must not write anything).
        """
        if not self.path.exists():
            raise ImportFormatError(str(self.path), "no such file or folder")
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise ImportFormatError(str(self.path), "the file is empty")

    @abc.abstractmethod
    def records(self) -> Iterator[Record]:
        """Yield canonical records, streaming."""

    def batches(self, size: int) -> Iterator[list[object]]:
        """Yield the records in lists of about ``size``, as the importer writes them.

        The default groups :meth:`records`. A connector may override it to hand its
        messages as :class:`~palabre.connectors.records.MessageColumns` (a list may
        then hold one such batch of up to ``size`` messages after the channels and
        identities they use); :attr:`position` must have advanced past every list
        yielded.
        """
        batch: list[object] = []
        for record in self.records():
            batch.append(record)
            if len(batch) >= size:
                yield batch
                batch = []
        yield batch


#: how many leading bytes :func:`refuse_binary` looks at
TEXT_HEAD_BYTES = 8192


def refuse_binary(path: Path, *, hint: str | None = None) -> None:
    """Raise :class:`ImportFormatError` when the start of ``path`` shows it is not UTF-8 text.

    A NUL byte in the first :data:`TEXT_HEAD_BYTES` means binary content (JSON and
    mbox are never UTF-16). Only that much is read, so a huge binary or sparse file
    is refused at once instead of being loaded whole by a parser.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(TEXT_HEAD_BYTES)
    except OSError as error:
        raise ImportFormatError(str(path), f"cannot be read: {error.strerror or error}") from None
    if b"\x00" in head:
        raise ImportFormatError(
            str(path), "this is not a text file (it contains NUL bytes)", hint=hint
        )


def input_files(path: Path, suffixes: tuple[str, ...], *, hint: str) -> list[Path]:
    """The files a connector reads: ``path`` itself, or the files under a folder.

    Under a folder, files whose extension is one of ``suffixes`` (any case), in a stable
    order, skipping hidden files and folders; none at all is an :class:`ImportFormatError`.
    """
    if path.is_file():
        return [path]
    files = sorted(
        found
        for found in path.rglob("*")
        if found.is_file()
        and found.suffix.lower() in suffixes
        and not any(part.startswith(".") for part in found.relative_to(path).parts)
    )
    if not files:
        names = list(suffixes)
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        raise ImportFormatError(str(path), f"no {listed} file in this folder", hint=hint)
    return files


def location(path: Path | str, line: int | None = None, entry: str | None = None) -> str:
    """Format a place in an input for a rejection: ``file:line`` or ``file[entry]``."""
    text = str(path)
    if line is not None:
        text += f":{line}"
    if entry is not None:
        text += f"[{entry}]"
    return text
