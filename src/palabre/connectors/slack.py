"""Slack workspace export: a ``.zip`` file or its unzipped folder.

The export (Workspace settings → Import/Export data, or ``slackdump``) holds:

- ``users.json`` and ``channels.json`` (required), ``groups.json`` (private
  channels), ``dms.json`` and ``mpims.json`` (optional);
- one folder per conversation (the channel name, or the id for direct messages)
  with one ``YYYY-MM-DD.json`` file per day, each a JSON array of messages.

Records come in this order: channels, identities, then messages channel by
channel, day file by day file, in the order of each file. Only one day file is
held in memory at a time; what is kept across files grows with the number of
users and channels (for ``@handle`` and ``#name`` rendering), never with the
number of messages. See ``docs/connectors/slack.md`` for the field mapping.
"""

from __future__ import annotations

import collections
import datetime as dt
import re
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import orjson

from palabre.connectors.base import Connector
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    PersonKind,
    Reaction,
    Record,
    Rejection,
    ThreadRecord,
    Visibility,
)
from palabre.errors import ImportFormatError

#: the listing files, the visibility of their conversations, whether required
LISTINGS: tuple[tuple[str, Visibility, bool], ...] = (
    ("channels.json", "public", True),
    ("groups.json", "private", False),
    ("dms.json", "direct", False),
    ("mpims.json", "direct", False),
)

#: message subtypes that carry what someone said; every other subtype is a
#: system event (join, leave, topic change, pin...) and is skipped, because
#: counting it as a message would inflate activity and feed the text analysis
#: with boilerplate such as "<@U1> has joined the channel".
CONTENT_SUBTYPES: frozenset[str] = frozenset(
    {"bot_message", "thread_broadcast", "reply_broadcast", "file_share", "me_message"}
)

_DAY_FILE = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_TS = re.compile(r"^\d{1,12}(?:\.\d{1,9})?$")
# One pass over the text: a Slack control sequence ``<...>`` or an HTML entity.
_MARKUP = re.compile(r"<([^<>\n]*)>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_BROADCASTS = frozenset({"here", "channel", "everyone"})
_ZIP_MAGIC = b"PK\x03\x04"
_BOM = b"\xef\xbb\xbf"


def unescape(text: str) -> str:
    """Undo Slack's escaping of ``&``, ``<`` and ``>`` (the only three it escapes)."""
    return _MARKUP.sub(lambda m: _ENTITIES[m.group(2)] if m.group(2) else m.group(0), text)


def render_text(
    text: str,
    handles: Mapping[str, str],
    channel_names: Mapping[str, str],
) -> tuple[str, tuple[str, ...]]:
    """Turn Slack markup into readable text and list the user ids it mentions.

    ``<@U1>`` becomes ``@handle`` (the label of ``<@U1|label>`` or the bare id
    when the user is unknown), ``<#C1|name>`` becomes ``#name``, ``<url|label>``
    becomes ``label (url)``, ``<!here>`` becomes ``@here``, and ``&amp;``,
    ``&lt;``, ``&gt;`` are unescaped. Mentioned ids come once each, in order of
    first appearance.
    """
    mentions: dict[str, None] = {}  # an ordered set

    def replace(match: re.Match[str]) -> str:
        entity = match.group(2)
        if entity:
            return _ENTITIES[entity]
        target, _, label = match.group(1).partition("|")
        label = unescape(label)
        if target.startswith("@"):
            user_id = target[1:]
            if not user_id:
                return match.group(0)
            mentions[user_id] = None
            return "@" + (handles.get(user_id) or label.lstrip("@") or user_id)
        if target.startswith("#"):
            channel_id = target[1:]
            return "#" + (label or channel_names.get(channel_id) or channel_id)
        if target.startswith("!"):
            command = target[1:]
            if label:  # <!subteam^S1|@team>, <!date^...|fallback>
                return label
            if command in _BROADCASTS:
                return "@" + command
            return command
        url = unescape(target)
        if not label or label == url or "mailto:" + label == url:
            return label or url
        return f"{label} ({url})"

    rendered = _MARKUP.sub(replace, text)
    return rendered, tuple(mentions)


def parse_ts(ts: object) -> dt.datetime | None:
    """Read a Slack timestamp (``"1736478514.897649"``) as an aware UTC datetime.

    Returns None when ``ts`` is not such a string. The fraction is read as
    digits, not through a float, so microseconds are exact.
    """
    if not isinstance(ts, str) or not _TS.match(ts):
        return None
    seconds, _, fraction = ts.partition(".")
    try:
        moment = dt.datetime.fromtimestamp(int(seconds), tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return moment.replace(microsecond=int(fraction[:6].ljust(6, "0")))


# --------------------------------------------------------------------------- input


class _Export:
    """The files of an export, folder or zip, named by their path inside it.

    Opening indexes file names and sizes (a zip's central directory is in memory
    anyway): that grows with the number of day files, never with messages.
    """

    def __init__(
        self, path: Path, sizes: dict[str, int], root: str, archive: zipfile.ZipFile | None
    ) -> None:
        self.path = path
        self.sizes = sizes
        self.root = root  # the folder holding users.json, or the zip's member prefix
        self.archive = archive
        self.by_folder: dict[str, list[str]] = collections.defaultdict(list)
        for name in sorted(sizes):  # date order, as day files are named by date
            folder, slash, base = name.partition("/")
            if slash and _DAY_FILE.match(base):
                self.by_folder[folder].append(name)

    def read(self, name: str) -> bytes:
        """The bytes of one file."""
        try:
            if self.archive is not None:
                return self.archive.read(self.root + name)
            return (Path(self.root) / name).read_bytes()
        except (zipfile.BadZipFile, zlib.error, EOFError) as error:
            reason = f"corrupt entry in the zip archive: {error}"
            raise ImportFormatError(self.display(name), reason) from error
        except OSError as error:
            raise ImportFormatError(self.display(name), f"cannot be read: {error}") from error

    def display(self, name: str) -> str:
        """How an error message names a file: a path, or ``export.zip/member``."""
        if self.archive is not None:
            return f"{self.path}/{self.root}{name}"
        return str(Path(self.root) / name)

    def close(self) -> None:
        """Release the zip file, if any."""
        if self.archive is not None:
            self.archive.close()


_EXPECTED = (
    "expected a Slack workspace export: users.json and channels.json at its top, "
    "and one folder of YYYY-MM-DD.json files per channel"
)


def _open_export(path: Path) -> _Export:
    """Open a folder or a zip as an export, or raise a message saying what is wrong."""
    if not path.exists():
        raise ImportFormatError(str(path), "no such file or folder")
    export = _open_folder(path) if path.is_dir() else _open_zip(path)
    for required in ("users.json", "channels.json"):
        if required not in export.sizes:
            export.close()
            raise ImportFormatError(
                str(path), f"not a Slack export: {required} is missing", hint=_EXPECTED
            )
    return export


def _open_folder(path: Path) -> _Export:
    root = path
    if not (path / "users.json").is_file():
        # An export unzipped into a folder of its own: accept one level down.
        inner = [p for p in path.iterdir() if p.is_dir() and (p / "users.json").is_file()]
        if len(inner) == 1:
            root = inner[0]
    sizes: dict[str, int] = {}
    for entry in root.iterdir():
        if entry.is_file():
            sizes[entry.name] = entry.stat().st_size
        elif entry.is_dir():
            for day in entry.iterdir():
                if _DAY_FILE.match(day.name) and day.is_file():
                    sizes[f"{entry.name}/{day.name}"] = day.stat().st_size
    return _Export(path, sizes, str(root), None)


def _open_zip(path: Path) -> _Export:
    try:
        with path.open("rb") as stream:
            magic = stream.read(4)
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile as error:
        if magic == _ZIP_MAGIC:
            reason = f"truncated or corrupt zip archive ({error})"
        else:
            reason = "not a zip archive"
        raise ImportFormatError(str(path), reason, hint=_EXPECTED) from error
    except OSError as error:
        raise ImportFormatError(str(path), f"cannot be read: {error}") from error
    names = archive.namelist()
    prefix = ""
    if "users.json" not in names:
        # A zipped folder: ``export/users.json``.
        tops = [n[: -len("users.json")] for n in names if n.endswith("/users.json")]
        tops = [top for top in tops if top.count("/") == 1]
        prefix = tops[0] if len(tops) == 1 else ""
    sizes = {
        info.filename[len(prefix) :]: info.file_size
        for info in archive.infolist()
        if not info.is_dir() and info.filename.startswith(prefix)
    }
    return _Export(path, sizes, prefix, archive)


def _load_json(export: _Export, name: str) -> Any:
    data = export.read(name)
    try:
        return orjson.loads(data.removeprefix(_BOM))
    except orjson.JSONDecodeError as error:
        raise ImportFormatError(
            export.display(name), f"invalid JSON: {error.msg}", line=error.lineno
        ) from error


def _load_array(export: _Export, name: str, what: str) -> list[Any]:
    value = _load_json(export, name)
    if not isinstance(value, list):
        raise ImportFormatError(export.display(name), f"expected a JSON array of {what}")
    return value


# ----------------------------------------------------------------- workspace files


def _text(value: object) -> str | None:
    """A non-empty stripped string, or None."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _person_kind(user: Mapping[str, Any]) -> PersonKind:
    # Bots are not people; guests (single- or multi-channel) and members of
    # another organisation in a shared channel are outside the company: the
    # closest canonical kind is "partner" (a CRM import can say "customer").
    if user.get("is_bot") is True or user.get("id") == "USLACKBOT":
        return "unknown"
    if any(user.get(flag) is True for flag in ("is_restricted", "is_ultra_restricted")):
        return "partner"
    if user.get("is_stranger") is True:
        return "partner"
    return "employee"


def _identity(user: Mapping[str, Any], user_id: str) -> IdentityRecord:
    profile = _mapping(user.get("profile"))
    email = _text(profile.get("email"))
    return IdentityRecord(
        external_id=user_id,
        handle=_text(user.get("name")),
        display_name=(
            _text(user.get("real_name"))
            or _text(profile.get("real_name"))
            or _text(profile.get("display_name"))
        ),
        # An address without "@" (anonymised exports) would mislead identity
        # resolution, which matches people by e-mail.
        email=email if email and "@" in email else None,
        person_kind=_person_kind(user),
        locale=_text(user.get("locale")),
        # USLACKBOT is the built-in Slackbot; the export does not flag it as a bot.
        is_bot=user.get("is_bot") is True or user_id == "USLACKBOT",
    )


@dataclass(slots=True)
class _Conversation:
    record: ChannelRecord
    folders: tuple[str, ...]  # where its day files may be: name first, then id


@dataclass(slots=True)
class _Workspace:
    conversations: list[_Conversation] = field(default_factory=list)
    identities: list[IdentityRecord] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    handles: dict[str, str] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _load_workspace(export: _Export) -> _Workspace:
    """Read users and conversation listings (small files), validating them."""
    workspace = _Workspace()
    users = _load_array(export, "users.json", "users")
    workspace.files.append("users.json")
    for index, user in enumerate(users):
        user_id = _text(user.get("id")) if isinstance(user, dict) else None
        if user_id is None or not isinstance(user, dict):
            workspace.rejections.append(
                Rejection(f"users.json[{index}]", "a user needs an 'id'", field="id")
            )
            continue
        identity = _identity(user, user_id)
        workspace.identities.append(identity)
        if identity.handle:
            workspace.handles[user_id] = identity.handle
    listings = [(name, vis) for name, vis, required in LISTINGS if required or name in export.sizes]
    for name, visibility in listings:
        workspace.files.append(name)
        for index, entry in enumerate(_load_array(export, name, "conversations")):
            conversation = _conversation(entry, visibility, workspace.handles)
            if conversation is None:
                workspace.rejections.append(
                    Rejection(f"{name}[{index}]", "a conversation needs an 'id'", field="id")
                )
                continue
            workspace.conversations.append(conversation)
            workspace.channel_names[conversation.record.external_id] = conversation.record.name
    return workspace


def _conversation(
    entry: object, visibility: Visibility, handles: Mapping[str, str]
) -> _Conversation | None:
    if not isinstance(entry, dict) or _text(entry.get("id")) is None:
        return None
    channel_id = str(entry["id"]).strip()
    name = _text(entry.get("name"))
    if name is None and visibility == "direct":
        # dms.json has no name: show who talks, as Slack does.
        members = entry.get("members")
        members = members if isinstance(members, list) else []
        people = [handles.get(m, m) for m in members if isinstance(m, str)]
        name = "dm: " + ", ".join(people) if people else None
    created = entry.get("created")
    record = ChannelRecord(
        external_id=channel_id,
        name=name or channel_id,
        kind=SlackConnector.default_channel_kind,
        visibility=visibility,
        # The topic is the short headline; the purpose is a longer description
        # used when no topic is set.
        topic=_text(_mapping(entry.get("topic")).get("value"))
        or _text(_mapping(entry.get("purpose")).get("value")),
        created_at=(
            dt.datetime.fromtimestamp(created, tz=dt.UTC)
            if isinstance(created, int) and not isinstance(created, bool) and created > 0
            else None
        ),
    )
    folders = tuple(dict.fromkeys(f for f in (_text(entry.get("name")), channel_id) if f))
    return _Conversation(record, folders)


# ----------------------------------------------------------------------- messages


def _reactions(value: object) -> tuple[Reaction, ...]:
    reactions: list[Reaction] = []
    for item in value if isinstance(value, list) else ():
        if not isinstance(item, dict) or _text(item.get("name")) is None:
            continue
        emoji = str(item["name"]).strip()
        users = [u for u in item.get("users") or () if isinstance(u, str) and u]
        reactions.extend(Reaction(emoji=emoji, author_external_id=u) for u in users)
        # Slack lists at most a few dozen reactors but counts them all: keep
        # the rest as anonymous reactions so totals stay right.
        count = item.get("count")
        if isinstance(count, int) and not isinstance(count, bool) and count > len(users):
            reactions.extend(Reaction(emoji=emoji) for _ in range(count - len(users)))
    return tuple(reactions)


def _attachments(value: object) -> tuple[Attachment, ...]:
    attachments: list[Attachment] = []
    for item in value if isinstance(value, list) else ():
        # Deleted files and files hidden by the free plan's limit carry nothing
        # to refer to.
        if not isinstance(item, dict) or item.get("mode") in ("tombstone", "hidden_by_limit"):
            continue
        size = item.get("size")
        attachments.append(
            Attachment(
                name=_text(item.get("name"))
                or _text(item.get("title"))
                or _text(item.get("id"))
                or "file",
                url=_text(item.get("url_private")) or _text(item.get("permalink")),
                mimetype=_text(item.get("mimetype")),
                size=size if isinstance(size, int) and not isinstance(size, bool) else None,
            )
        )
    return tuple(attachments)


def _legacy_text(value: object) -> str:
    """The text of legacy ``attachments`` (bot messages often carry only these)."""
    parts: list[str] = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, dict):
            part = _text(item.get("text")) or _text(item.get("fallback"))
            if part:
                parts.append(part)
    return "\n".join(parts)


@dataclass(slots=True)
class _State:
    """What translation remembers across day files: it grows with people, never messages."""

    handles: Mapping[str, str]
    channel_names: Mapping[str, str]
    known_authors: set[str]
    deleted_roots: set[str] = field(default_factory=set)
    skipped: collections.Counter[str] = field(default_factory=collections.Counter)


def _bad_ts(value: object) -> str:
    return f"not a Slack timestamp (seconds since 1970, like 1736478514.897649): {value!r}"


def _message_records(
    raw: object, where: str, channel_id: str, state: _State
) -> Iterator[MessageRecord | IdentityRecord | ThreadRecord | Rejection]:
    """Translate one entry of a day file; yields nothing for a skipped system event."""
    if not isinstance(raw, dict):
        yield Rejection(where, "a message must be a JSON object")
        return
    ts = raw.get("ts")
    created_at = parse_ts(ts)
    if created_at is None:
        reason = "the message has no timestamp" if ts is None else _bad_ts(ts)
        yield Rejection(where, reason, field="ts")
        return
    own_id = f"{channel_id}:{ts}"
    subtype = raw.get("subtype")
    if subtype == "tombstone":
        # A deleted thread root kept by Slack because replies remain: declare
        # the thread so replies stay together, but there is no message.
        state.skipped["tombstone"] += 1
        state.deleted_roots.add(own_id)
        yield ThreadRecord(
            external_id=own_id, channel_external_id=channel_id, created_at=created_at
        )
        return
    if (subtype is not None and subtype not in CONTENT_SUBTYPES) or raw.get("hidden") is True:
        state.skipped[str(subtype or "hidden")] += 1
        return
    thread_ts = raw.get("thread_ts")
    thread_id = own_id
    reply_to: str | None = None
    if thread_ts is not None and thread_ts != ts:
        if parse_ts(thread_ts) is None:
            yield Rejection(where, _bad_ts(thread_ts), field="thread_ts", external_id=own_id)
            return
        thread_id = f"{channel_id}:{thread_ts}"
        reply_to = None if thread_id in state.deleted_roots else thread_id
    text = raw.get("text")
    if text is not None and not isinstance(text, str):
        yield Rejection(where, "the text must be a string", field="text", external_id=own_id)
        return
    author = _text(raw.get("user")) or _text(raw.get("bot_id"))
    if author is not None and author not in state.known_authors:
        # Not in users.json (a deleted or external account, or a bot): tell what
        # the message itself says about its author, once.
        state.known_authors.add(author)
        yield _author_identity(raw, author)
    rendered, mentions = render_text(
        text or _legacy_text(raw.get("attachments")), state.handles, state.channel_names
    )
    yield MessageRecord(
        external_id=own_id,
        channel_external_id=channel_id,
        author_external_id=author,
        created_at=created_at,
        text=rendered,
        thread_external_id=thread_id,
        reply_to_external_id=reply_to,
        edited_at=parse_ts(_mapping(raw.get("edited")).get("ts")),
        reactions=_reactions(raw.get("reactions")),
        mentions=mentions,
        attachments=_attachments(raw.get("files")),
    )


def _author_identity(raw: Mapping[str, Any], author: str) -> IdentityRecord:
    profile = _mapping(raw.get("user_profile"))
    if profile:
        user = {**profile, "id": author, "profile": profile}
        return _identity(user, author)
    bot = _mapping(raw.get("bot_profile"))
    return IdentityRecord(
        external_id=author,
        handle=_text(bot.get("name")) or _text(raw.get("username")),
        is_bot="bot_id" in raw,
    )


# ---------------------------------------------------------------------- connector


class SlackConnector(Connector):
    """Read a Slack workspace export (.zip or unzipped folder).

    After :meth:`records` has run, :attr:`skipped` counts the system events left
    out, by subtype (``channel_join``, ``tombstone``...).
    """

    kind: ClassVar[str] = "slack"
    description: ClassVar[str] = "Slack workspace export (.zip or unzipped folder)"

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        self.skipped: collections.Counter[str] = collections.Counter()
        self._total: int | None = None

    def check(self) -> None:
        """Raise :class:`ImportFormatError` unless the path is a readable Slack export.

        Opens the folder or zip, requires ``users.json`` and ``channels.json`` and
        parses the listing files. Day files are read only while streaming.
        """
        super().check()
        export = _open_export(self.path)
        try:
            _load_workspace(export)
        finally:
            export.close()

    def total(self) -> int | None:
        """The bytes of the listing files and day files, which :attr:`position` grows to."""
        if self._total is None:
            try:
                export = _open_export(self.path)
            except ImportFormatError:
                return None
            try:
                names = ["users.json", *(name for name, _, _ in LISTINGS)]
                days = (name for files in export.by_folder.values() for name in files)
                self._total = sum(export.sizes.get(name, 0) for name in [*names, *days])
            finally:
                export.close()
        return self._total

    def records(self) -> Iterator[Record]:
        """Yield channels, identities, then each conversation's messages day by day."""
        self.position = 0
        export = _open_export(self.path)
        try:
            workspace = _load_workspace(export)
            self.position += sum(export.sizes[name] for name in workspace.files)
            yield from workspace.rejections
            for conversation in workspace.conversations:
                yield conversation.record
            yield from workspace.identities
            state = _State(
                handles=workspace.handles,
                channel_names=workspace.channel_names,
                known_authors={identity.external_id for identity in workspace.identities},
                skipped=self.skipped,
            )
            used: set[str] = set()
            for conversation in workspace.conversations:
                yield from self._conversation_messages(export, conversation, state, used)
            for folder in sorted(export.by_folder.keys() - used):
                yield Rejection(
                    f"{folder}/",
                    "a folder of day files that no listing file (channels.json, "
                    "groups.json, dms.json, mpims.json) declares; skipped",
                )
        finally:
            export.close()

    def _conversation_messages(
        self, export: _Export, conversation: _Conversation, state: _State, used: set[str]
    ) -> Iterator[Record]:
        channel_id = conversation.record.external_id
        for folder in conversation.folders:
            day_files = export.by_folder.get(folder)
            if not day_files or folder in used:
                continue
            used.add(folder)
            for name in day_files:
                messages = _load_array(export, name, "messages")
                for index, raw in enumerate(messages):
                    yield from _message_records(raw, f"{name}[{index}]", channel_id, state)
                self.position += export.sizes[name]
            return
