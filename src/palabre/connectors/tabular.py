"""Reading tabular exports (CSV and JSONL) row by row, with errors a user can act on.

Every connector that reads "one row per object" files (people from a CRM or HR
export, messages from a generic export) shares this machinery:

* the file is streamed: one physical line at a time goes through the decoder and
  the :mod:`csv` module, so memory does not grow with the file;
* a binary file is refused after looking at its first 8 KiB only (fast even on a
  huge sparse file); a byte-order mark picks the encoding; bytes that do not
  decode stop the import with the line number and a ``--encoding`` hint;
* the CSV delimiter is sniffed from the header line when not given;
* header names are matched to palabre's column names case-insensitively, after
  the user's ``--map old=new`` renames; missing required columns are reported with
  the list of columns actually found;
* problems with a single row come back as :class:`RowProblem` values so that the
  connector can turn them into rejections and go on.

JSONL files (one JSON object per line) come back in the same shape: every value
is turned into text (see :func:`json_cell`), so connectors parse both formats
with one code path.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, NamedTuple, Self

import orjson

from palabre.connectors.base import location
from palabre.connectors.records import Rejection
from palabre.errors import ImportFormatError, ValidationError

TabularFormat = Literal["csv", "jsonl"]

#: the delimiters :func:`sniff_delimiter` chooses among, in order of preference on ties
DELIMITERS: tuple[str, ...] = (",", ";", "\t", "|")
#: how much of the file is read to detect binary content, BOMs and the format
HEAD_BYTES = 8192
#: the largest CSV field accepted (a long message body fits; a runaway quote is bounded)
FIELD_SIZE_LIMIT = 64 * 1024 * 1024

_JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson", ".json"})
_CSV_SUFFIXES = frozenset({".csv", ".tsv", ".tab"})
# `{"key"` or `{}`: a CSV header cell may start with "{" too, but not like this.
_JSON_START = re.compile(rb'\{\s*["}]')
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
# Lone surrogates U+DC80..U+DCFF are what the "surrogateescape" handler makes of
# undecodable bytes: finding one in a line tells exactly which line is broken.
_ESCAPED_BYTES = {chr(0xDC00 + b) for b in range(0x80, 0x100)}


class Row(NamedTuple):
    """One row: its first physical line (1-based) and its cells by palabre column name.

    Cells of known columns are keyed by their palabre name (``id``, ``email``...),
    others by the header name as written (trimmed). Cells are raw text, not trimmed;
    a CSV cell the row does not have is ``""``; a JSONL key absent or ``null`` is absent.
    """

    line: int
    values: dict[str, str]


class Cells(NamedTuple):
    """One row as the cells of the columns asked for (see :meth:`TabularReader.cells`)."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RowProblem:
    """A row that cannot be read; the reader goes on with the next one."""

    line: int
    reason: str
    field: str | None = None

    def rejection(self, path: Path | str, external_id: str | None = None) -> Rejection:
        """The :class:`Rejection` record reporting this problem in ``path``."""
        return Rejection(
            location=location(path, self.line),
            reason=self.reason,
            field=self.field,
            external_id=external_id,
        )


@dataclass(frozen=True, slots=True)
class TabularHeader:
    """What the reader learnt from the start of the file."""

    path: Path
    format: TabularFormat
    encoding: str
    #: the CSV delimiter (None for JSONL)
    delimiter: str | None
    #: column names after mapping, in file order (JSONL: the first object's keys)
    columns: tuple[str, ...]
    #: column names as written in the file
    source_columns: tuple[str, ...]
    #: the physical line of the header (JSONL: of the first object)
    line: int


def parse_column_map(text: str) -> dict[str, str]:
    """Parse the CLI form ``old=new,old2=new2`` into a mapping (source name → palabre name)."""
    mapping: dict[str, str] = {}
    for item in text.split(","):
        if not item.strip():
            continue
        old, sep, new = item.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise ValidationError(
                f"invalid column mapping '{item.strip()}': expected old=new (e.g. --map Mail=email)"
            )
        mapping[old.strip()] = new.strip()
    return mapping


def normalise_delimiter(value: str | None) -> str | None:
    """Accept a delimiter as typed on a command line (``;``, ``tab``, ``\\t``); None means sniff."""
    if value is None or value == "":
        return None
    value = _DELIMITER_NAMES.get(value.lower(), value)
    if len(value) != 1 or value in '"\r\n':
        raise ValidationError(
            f"invalid delimiter {value!r}: give one character such as ',' ';' '|' or 'tab'"
        )
    return value


def sniff_delimiter(header_line: str) -> str:
    """Choose the delimiter of a CSV header line among :data:`DELIMITERS`.

    The candidate appearing most often outside double quotes wins (ties go to the
    earlier one in :data:`DELIMITERS`); a line with none of them is a one-column
    file, read with ``,``. Only the header is looked at, so header names must not
    themselves contain a delimiter character unquoted.
    """
    counts = dict.fromkeys(DELIMITERS, 0)
    in_quotes = False
    for char in header_line:
        if char == '"':
            in_quotes = not in_quotes
        elif not in_quotes and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first on ties
    return best if counts[best] > 0 else ","


def json_cell(value: object) -> str | None:
    """Turn a JSON value into the text a CSV cell would hold (None for ``null``).

    Booleans become ``true``/``false``; numbers their plain decimal form (never an
    exponent, so that typed parsing finds the same number); an array of scalars
    its items joined by ``;`` (the CSV convention for lists); any other array or
    object its compact JSON text.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = format(Decimal(repr(value)), "f")
        return text if "." in text else text + ".0"
    if isinstance(value, list) and all(
        item is None or isinstance(item, str | int | float | bool) for item in value
    ):
        return ";".join(cell for cell in map(json_cell, value) if cell is not None)
    return orjson.dumps(value).decode("utf-8")


def check_header(
    path: Path | str,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    column_map: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    format: TabularFormat | None = None,
    allow_extra: bool = True,
) -> TabularHeader:
    """Read only the start of the file and raise :class:`ImportFormatError` if unusable.

    Arguments mean the same as for :func:`open_rows`; nothing beyond the header
    (for JSONL, the first object) is read.
    """
    with open_rows(
        path,
        required=required,
        optional=optional,
        column_map=column_map,
        delimiter=delimiter,
        encoding=encoding,
        format=format,
        allow_extra=allow_extra,
    ) as reader:
        return reader.header


def open_rows(
    path: Path | str,
    *,
    required: Iterable[str],
    optional: Iterable[str] = (),
    column_map: Mapping[str, str] | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    format: TabularFormat | None = None,
    allow_extra: bool = True,
) -> TabularReader:
    """Open a CSV or JSONL file and return a reader yielding :class:`Row` / :class:`RowProblem`.

    ``required`` and ``optional`` are palabre column names (lower case); header
    names match them case-insensitively after ``column_map`` (source name → palabre
    name) is applied. Other columns are kept under their own name unless
    ``allow_extra`` is false, which makes them an error. ``delimiter`` None sniffs
    it from the header; ``format`` None picks JSONL for ``.jsonl``/``.ndjson``/``.json``
    files, CSV for ``.csv``/``.tsv``, else JSONL when the content starts like ``{"key"``.

    The header is checked here, before the first row: problems with the file as a
    whole raise :class:`ImportFormatError` from this call (or, for undecodable
    bytes further down, from the iteration). Use the reader as a context manager;
    its :attr:`TabularReader.position` tells how many bytes were read so far.
    """
    return TabularReader(
        Path(path),
        required=frozenset(required),
        optional=frozenset(optional),
        column_map=dict(column_map or {}),
        delimiter=normalise_delimiter(delimiter),
        encoding=encoding,
        format=format,
        allow_extra=allow_extra,
    )


class TabularReader:
    """Iterator over the rows of one file; build it with :func:`open_rows`."""

    def __init__(
        self,
        path: Path,
        *,
        required: frozenset[str],
        optional: frozenset[str],
        column_map: dict[str, str],
        delimiter: str | None,
        encoding: str,
        format: TabularFormat | None,
        allow_extra: bool,
    ) -> None:
        self.path = path
        #: bytes of the file read so far (grows by decoder chunks; for progress bars)
        self.position = 0
        self._required = required
        self._known = {name.casefold(): name for name in required | optional}
        self._column_map = column_map
        self._map_folded = {old.casefold(): new for old, new in column_map.items()}
        self._allow_extra = allow_extra
        self._line = 0  # physical lines handed out so far
        self._quotes = 0  # double quotes seen in the current CSV record's lines
        self._exhausted = False
        head = _read_head(path)
        self.encoding = _choose_encoding(path, head, encoding)
        self._binary = path.open("rb")
        try:
            self._text = io.TextIOWrapper(
                self._binary, encoding=self.encoding, errors="surrogateescape", newline=""
            )
            self._lines = self._physical_lines()
            fmt = format or _detect_format(path, head)
            self.header, self._rows = (
                self._start_jsonl() if fmt == "jsonl" else self._start_csv(delimiter)
            )
        except BaseException:
            self._binary.close()
            raise

    # -- iteration -------------------------------------------------------------

    def cells(self, names: Sequence[str]) -> Iterator[Cells | RowProblem]:
        """The rows as :class:`Cells`: the raw text of the columns ``names``, in that
        order (``""`` for a column the row or the file lacks); problems as for iteration.

        Cheaper than iterating :class:`Row` values (no dict per row) for a connector
        that reads the same columns from every row of a large file. Call it before
        iterating; the reader is then consumed through the iterator it returns.
        """
        if self.header.format == "csv":
            columns = list(self.header.columns)
            width = len(columns)
            picks = [columns.index(name) if name in columns else width for name in names]
            # Returned as it is: one generator less per row (:attr:`position` still
            # reaches the end of the file when the rows are exhausted).
            rows: Iterator[Any] = self._csv_rows(self._csv_reader, columns, picks)
            return rows
        return (
            item
            if isinstance(item, RowProblem)
            else Cells(item.line, tuple(item.values.get(name, "") for name in names))
            for item in self._rows
        )

    def __iter__(self) -> Self:
        return self

    def __next__(self) -> Row | RowProblem:
        try:
            return next(self._rows)
        except StopIteration:
            self.position = self._binary.tell() if not self._binary.closed else self.position
            self.close()
            raise

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the file (iteration stops)."""
        if not self._binary.closed:
            self._text.close()

    def _physical_lines(self) -> Iterator[str]:
        """Yield decoded lines with their ends, counting them and checking every byte decoded."""
        # This loop runs once per line of files with millions of lines: each check is
        # the cheapest that is exact. Undecodable bytes become lone surrogates
        # (surrogateescape), which are the only characters UTF-8 cannot encode, and
        # an ASCII line cannot hold one at all.
        binary = self._binary
        for count, line in enumerate(self._text, start=1):
            self._line = count
            if '"' in line:
                self._quotes += line.count('"')
            if not count & 255:
                self.position = binary.tell()  # a system call: not on every line
            if not line.isascii():
                try:
                    line.encode("utf-8")
                except UnicodeEncodeError:
                    raise self._decode_error(line) from None
            yield line
        self._exhausted = True
        if not binary.closed:
            self.position = binary.tell()

    def _decode_error(self, line: str) -> ImportFormatError:
        bad = bytes(ord(c) - 0xDC00 for c in line if c in _ESCAPED_BYTES)[:4]
        hint = None
        # "utf-8-sig" is an implementation detail: the user asked for UTF-8.
        shown = "utf-8" if self.encoding == "utf-8-sig" else self.encoding
        if shown == "utf-8":
            hint = (
                "the file is not UTF-8; exports from Excel or older systems are often "
                "Latin-1: try --encoding latin-1, or --encoding cp1252 for Windows exports"
            )
        return ImportFormatError(
            str(self.path),
            f"bytes {bad!r} cannot be decoded as {shown}",
            line=self._line,
            hint=hint,
        )

    # -- CSV -------------------------------------------------------------------

    def _start_csv(self, delimiter: str | None) -> tuple[TabularHeader, Iterator[Row | RowProblem]]:
        first = next((line for line in self._lines if line.strip()), None)
        if first is None:
            raise ImportFormatError(str(self.path), "the file is empty (no header line)")
        header_line = self._line
        chosen = delimiter or sniff_delimiter(first)
        # The header is parsed by the csv module too (quoted names), from the line
        # already read followed by the rest of the stream.
        if csv.field_size_limit() < FIELD_SIZE_LIMIT:
            csv.field_size_limit(FIELD_SIZE_LIMIT)
        reader = csv.reader(chain((first,), self._lines), delimiter=chosen, strict=False)
        cells = next(reader)
        source = [cell.strip() for cell in cells]
        while source and not source[-1]:
            source.pop()  # trailing empty header cells: a spreadsheet artefact
        columns = self._map_columns(source, header_line, chosen)
        header = TabularHeader(
            path=self.path,
            format="csv",
            encoding=self.encoding,
            delimiter=chosen,
            columns=tuple(columns),
            source_columns=tuple(source),
            line=header_line,
        )
        self._csv_reader = reader
        return header, self._csv_rows(reader, columns)

    def _csv_rows(
        self, reader: Iterator[list[str]], columns: list[str], picks: Sequence[int] | None = None
    ) -> Iterator[Any]:
        """Rows of the CSV body: :class:`Row` values, or with ``picks`` :class:`Cells`
        holding the cells at those positions (position ``len(columns)``: an empty cell)."""
        width = len(columns)
        pick: Callable[[list[str]], tuple[str, ...]] | None = None
        if picks is not None and len(picks) > 1:
            pick = itemgetter(*picks)
        elif picks is not None:
            only = picks[0]
            pick = lambda cells: (cells[only],)  # noqa: E731  (itemgetter of one: no tuple)
        while True:
            start = self._line + 1
            self._quotes = 0
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                yield RowProblem(start, f"this line cannot be read as CSV: {error}")
                continue
            if not any(cells) or "".join(cells).isspace():
                continue  # blank line, or a row of empty cells: it describes nothing
            if self._exhausted and self._line > start and self._quotes % 2:
                yield RowProblem(
                    start, f"a quoted cell opened on line {start} is never closed (the file ends)"
                )
                return
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                yield RowProblem(
                    start,
                    f"this row has {len(cells)} cells but the header has {width} columns "
                    f"(a '{self.header.delimiter}' inside a cell must be quoted)",
                )
                continue
            if pick is not None:
                if len(cells) < width:
                    cells.extend([""] * (width - len(cells)))
                cells.append("")  # at position width: the cell of a column not in the file
                yield Cells(start, pick(cells))
                continue
            values = dict(zip(columns, cells, strict=False))
            for name in columns[len(cells) :]:
                values[name] = ""  # a short row: spreadsheets drop trailing empty cells
            yield Row(start, values)

    def _map_columns(
        self, source: list[str], line: int, delimiter: str | None, *, check_map: bool = True
    ) -> list[str]:
        """Apply the column map and the known names; check duplicates and required columns."""
        path = str(self.path)
        for index, name in enumerate(source, start=1):
            if not name:
                raise ImportFormatError(
                    path, f"column {index} of the header has no name", line=line
                )
        columns = [self._column_name(name) for name in source]
        folded_source = {name.casefold() for name in source}
        unused = [
            old
            for old in self._column_map
            if check_map and old not in source and old.casefold() not in folded_source
        ]
        if unused:
            raise ImportFormatError(
                path,
                f"the column map names {_names(unused)}, not in the file "
                f"(columns found: {_names(source)})",
                line=line,
            )
        seen: dict[str, str] = {}
        for name, original in zip(columns, source, strict=True):
            key = name.casefold()
            if key in seen:
                raise ImportFormatError(
                    path,
                    f"two columns both mean '{name}': '{seen[key]}' and '{original}'",
                    line=line,
                )
            seen[key] = original
        missing = sorted(self._required - set(columns))
        if missing:
            hint = None
            if len(source) == 1:
                others = [d for d in DELIMITERS if d != delimiter and d in source[0]]
                if others:
                    shown = "tab" if others[0] == "\t" else others[0]
                    hint = (
                        f"the header is a single column containing '{shown}': "
                        f"try --delimiter '{shown}'"
                    )
            hint = hint or "rename a column with --map, e.g. --map 'Customer ID=id'"
            raise ImportFormatError(
                path,
                f"missing required column{'s' if len(missing) > 1 else ''} "
                f"{_names(missing)} (columns found: {_names(source)})",
                line=line,
                hint=hint,
            )
        if not self._allow_extra:
            extra = [name for name in columns if name.casefold() not in self._known]
            if extra:
                raise ImportFormatError(
                    path,
                    f"unknown column{'s' if len(extra) > 1 else ''} {_names(extra)} "
                    f"(known columns: {_names(sorted(self._known.values()))})",
                    line=line,
                )
        return columns

    def _column_name(self, name: str) -> str:
        """The palabre name of a source column: mapped, then matched to a known name."""
        mapped = self._column_map.get(name)
        if mapped is None:
            mapped = self._map_folded.get(name.casefold(), name)
        return self._known.get(mapped.casefold(), mapped)

    # -- JSONL -----------------------------------------------------------------

    def _start_jsonl(self) -> tuple[TabularHeader, Iterator[Row | RowProblem]]:
        first = next((line for line in self._lines if line.strip()), None)
        if first is None:
            raise ImportFormatError(str(self.path), "the file is empty (no JSON object)")
        line = self._line
        try:
            obj = orjson.loads(first)
        except orjson.JSONDecodeError as error:
            raise ImportFormatError(
                str(self.path),
                f"the first line is not valid JSON ({error})",
                line=line,
                hint="a JSONL file holds one JSON object per line",
            ) from None
        if not isinstance(obj, dict):
            raise ImportFormatError(
                str(self.path),
                f"the first line is a JSON {_json_type(obj)}, not an object",
                line=line,
                hint="a JSONL file holds one JSON object per line",
            )
        source = [str(key).strip() for key in obj]
        # The first object plays the header's part: a required key missing there
        # means the whole file does not fit (a wrong map, a wrong file).
        # Keys vary between objects: a mapped key absent from the first one is fine.
        columns = self._map_columns(source, line, None, check_map=False)
        header = TabularHeader(
            path=self.path,
            format="jsonl",
            encoding=self.encoding,
            delimiter=None,
            columns=tuple(columns),
            source_columns=tuple(source),
            line=line,
        )
        return header, self._jsonl_rows(first, line)

    def _jsonl_rows(self, first: str, first_line: int) -> Iterator[Row | RowProblem]:
        names: dict[str, str] = {}  # source key -> palabre name, cached across rows
        pending: list[tuple[int, str]] = [(first_line, first)]
        while True:
            if pending:
                line, text = pending.pop()
            else:
                text = next(self._lines, "")
                if not text:
                    return
                line = self._line
            if not text.strip():
                continue
            try:
                obj = orjson.loads(text)
            except orjson.JSONDecodeError as error:
                yield RowProblem(line, f"this line is not valid JSON: {error}")
                continue
            if not isinstance(obj, dict):
                yield RowProblem(
                    line, f"expected a JSON object on this line, found a {_json_type(obj)}"
                )
                continue
            yield self._jsonl_row(line, obj, names)

    def _jsonl_row(
        self, line: int, obj: dict[str, object], names: dict[str, str]
    ) -> Row | RowProblem:
        values: dict[str, str] = {}
        for key, raw in obj.items():
            name = names.get(key)
            if name is None:
                name = names[key] = self._column_name(key.strip())
            if name in values:
                return RowProblem(line, f"two keys both mean '{name}'", field=name)
            if not self._allow_extra and name.casefold() not in self._known:
                return RowProblem(line, f"unknown key '{key}'", field=key)
            cell = json_cell(raw)
            if cell is not None:
                values[name] = cell
        for name in sorted(self._required):
            if name not in values:
                return RowProblem(line, f"the required key '{name}' is missing", field=name)
        return Row(line, values)


def _read_head(path: Path) -> bytes:
    """The first bytes of the file, refusing folders, empty files and binary files."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except IsADirectoryError:
        raise ImportFormatError(str(path), "this is a folder, not a file") from None
    except FileNotFoundError:
        raise ImportFormatError(str(path), "no such file") from None
    except OSError as error:
        raise ImportFormatError(str(path), f"cannot be read: {error.strerror}") from None
    if not head:
        raise ImportFormatError(str(path), "the file is empty")
    if _bom_encoding(head) not in ("utf-16", "utf-32") and b"\x00" in head:
        raise ImportFormatError(
            str(path),
            "this is not a text file (it contains NUL bytes)",
            hint="export the data as CSV or JSONL: spreadsheets (.xlsx) and archives are not read",
        )
    return head


def _bom_encoding(head: bytes) -> str | None:
    # UTF-32 first: its little-endian BOM starts with the UTF-16 one.
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    return None


def _choose_encoding(path: Path, head: bytes, requested: str) -> str:
    """The codec to read with: a BOM wins (it is unambiguous), else the requested one."""
    try:
        info = codecs.lookup(requested)
    except LookupError:
        raise ValidationError(
            f"unknown encoding '{requested}' (e.g. utf-8, latin-1, cp1252)"
        ) from None
    bom = _bom_encoding(head)
    if bom is not None:
        return bom
    # "utf-8-sig" reads files with and without a BOM alike.
    return "utf-8-sig" if info.name == "utf-8" else info.name


def _detect_format(path: Path, head: bytes) -> TabularFormat:
    """The file name decides; for other names, content starting like a JSON object."""
    suffix = path.suffix.lower()
    if suffix in _JSONL_SUFFIXES:
        return "jsonl"
    if suffix in _CSV_SUFFIXES:
        return "csv"
    start = head.lstrip(codecs.BOM_UTF8).lstrip()
    return "jsonl" if _JSON_START.match(start) else "csv"


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else type(value).__name__


def _names(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)
