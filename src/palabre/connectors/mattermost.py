"""Mattermost: the bulk export (JSONL) and pages of the REST API (JSON).

Two inputs, told apart by their content, not their name:

* a **bulk export** (``mmctl export create``): one JSON object a line, each with a
  ``"type"`` (``version``, ``team``, ``channel``, ``user``, ``post``,
  ``direct_channel``, ``direct_post``, ...) and the object under that same key. It
  is read line by line, so memory does not grow with the file; the export's zip
  is read in place (its ``.jsonl`` member).
* **API JSON**: posts pages (``GET /channels/{id}/posts``: ``{"order", "posts"}``),
  users (``GET /users/{id}``, or a list of them) and channels (``GET
  /channels/{id}``), as one ``.json`` file or a folder of them.

The bulk export has no post ids (Mattermost itself recognises a post on import by
its channel, author and creation time), so message ids are derived from exactly
that triple. In API JSON every object has an id, and records use it.
See ``docs/connectors/mattermost.md`` for the full mapping.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import zipfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import IO, Any, ClassVar, Literal

import orjson

from palabre.connectors.base import Connector, input_files, location, refuse_binary
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    Rejection,
    Visibility,
)
from palabre.errors import ImportFormatError

Form = Literal["bulk", "api"]

#: line types of the bulk format; the first line must be one of them (it is
#: ``version`` in every real export), which is how a bulk export is recognised.
_TRANSLATED = frozenset({"channel", "user", "post", "direct_channel", "direct_post"})
BULK_TYPES = _TRANSLATED | {"version", "team", "emoji", "scheme", "role", "bot"}

#: system posts ("x joined the team", "header changed") are Mattermost's own
#: notices, not something a person wrote: they would only pollute text analysis.
_SYSTEM_PREFIX = "system_"

#: an @mention: Mattermost usernames are lower-case letters, digits, ".", "-", "_".
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]*)")

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class _BadFieldError(Exception):
    """One field of one entry cannot be translated (becomes a Rejection)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _text(value: object) -> str | None:
    """A non-empty string, or None."""
    if isinstance(value, str) and value.strip():
        return value
    return None


def _millis(value: object, field: str) -> int:
    """A Mattermost time (milliseconds since the epoch) as an int, or raise _BadFieldError."""
    if value is None or value == "":
        raise _BadFieldError(field, "missing")
    # bool is an int in Python, but `true` is certainly not a time.
    if isinstance(value, bool):
        raise _BadFieldError(field, f"not a time in milliseconds: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise _BadFieldError(field, f"not a time in milliseconds: {value!r}")


def _to_datetime(millis: int, field: str) -> dt.datetime:
    """Milliseconds since the epoch as an aware UTC datetime, or raise _BadFieldError."""
    try:
        return _EPOCH + dt.timedelta(milliseconds=millis)
    except OverflowError:
        raise _BadFieldError(field, f"time out of range: {millis}") from None


def _optional_time(value: object) -> dt.datetime | None:
    """A time that may be absent or 0 (``edit_at``, a reaction's ``create_at``)."""
    try:
        millis = _millis(value, "time")
        return _to_datetime(millis, "time") if millis > 0 else None
    except _BadFieldError:
        return None


def _load_json(path: Path, label: str | None = None) -> Any:
    """Parse a whole JSON file; an undecodable file is a format error naming the line."""
    where = label or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(where, f"cannot be read: {exc.strerror or exc}") from exc
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportFormatError(where, f"invalid JSON: {exc.msg}", line=exc.lineno) from exc


def _sniff(path: Path) -> Form:
    """Tell a bulk export from API JSON by the first non-blank line.

    A ``.jsonl`` file is JSON Lines by its very name, so it is checked as a bulk
    export (and refused with the line at fault when it is not one).
    """
    if zipfile.is_zipfile(path):
        return "bulk"
    # Before reading a first "line", which in a binary file may be the whole file.
    refuse_binary(path, hint="give a Mattermost bulk export (JSONL or .zip) or API JSON")
    if path.suffix.lower() == ".jsonl":
        return "bulk"
    with path.open("rb") as stream:
        for raw in stream:
            if not raw.strip():
                continue
            try:
                first = orjson.loads(raw)
            except orjson.JSONDecodeError:
                # a pretty-printed JSON document starts with a lone "{" or "[".
                return "api"
            if isinstance(first, dict) and first.get("type") in BULK_TYPES:
                return "bulk"
            return "api"
    return "api"


def _classify_api(data: object) -> str:
    """What an API JSON document is: posts, users, channels, error or unknown."""
    if isinstance(data, dict):
        if isinstance(data.get("posts"), dict) and "order" in data:
            return "posts"
        if "status_code" in data and "message" in data:
            return "error"
        if isinstance(data.get("username"), str) and "id" in data:
            return "users"
        if "team_id" in data and "name" in data and "id" in data:
            return "channels"
        return "unknown"
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all(isinstance(item.get("username"), str) for item in data):
            return "users"
        if all("team_id" in item and "name" in item for item in data):
            return "channels"
    return "unknown"


def _not_mattermost_reason(data: object, kind: str) -> str:
    """A sentence saying why a JSON document is not Mattermost data."""
    if kind == "error" and isinstance(data, dict):
        return (
            f"this is a Mattermost API error response ({data.get('status_code')}: "
            f"{data.get('message')}), not exported data"
        )
    return "not a Mattermost bulk export (JSONL) nor a posts page, user or channel of the API"


def _visibility(channel_type: object) -> Visibility:
    """Mattermost channel type letter → visibility (O open, P private, D/G direct)."""
    if channel_type == "P":
        return "private"
    if channel_type in ("D", "G"):
        return "direct"
    return "public"


def _display_name(user: dict[str, Any]) -> str | None:
    """First and last name when given, else the nickname."""
    first = user.get("first_name") if isinstance(user.get("first_name"), str) else ""
    last = user.get("last_name") if isinstance(user.get("last_name"), str) else ""
    full = f"{first} {last}".strip()
    return full or _text(user.get("nickname"))


def _post_id(channel: str, user: str, millis: int) -> str:
    """A stable id for a bulk-export post: the triple Mattermost itself dedupes on."""
    key = f"{channel}\x1f{user}\x1f{millis}".encode()
    return "mm-" + hashlib.blake2b(key, digest_size=12).hexdigest()


def _members(value: object) -> list[str]:
    """Direct channel members: a list of usernames (or, in newer exports, of objects)."""
    names: list[str] = []
    if isinstance(value, list):
        for item in value:
            if isinstance(item, str) and item:
                names.append(item)
            elif isinstance(item, dict) and isinstance(item.get("username"), str):
                names.append(item["username"])
    return sorted(set(names))


def _direct_channel_id(members: list[str]) -> str:
    """The id of a direct (or group) channel: its sorted members."""
    return "direct/" + ",".join(members)


class MattermostConnector(Connector):
    """Read a Mattermost bulk export (JSONL or its zip) or Mattermost API JSON pages."""

    kind: ClassVar[str] = "mattermost"
    description: ClassVar[str] = (
        "Mattermost bulk export (.jsonl or .zip) or API JSON pages (a .json file or a folder)"
    )

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        # username -> identity external id, for @mentions. Grows with the number of
        # users, never with the number of posts.
        self._usernames: dict[str, str] = {}
        self._direct_channels: set[str] = set()

    # -- input discovery -------------------------------------------------------

    def _files(self) -> list[Path]:
        """The files to read: the path itself, or the JSON/JSONL/zip files under a folder."""
        return input_files(
            self.path,
            (".json", ".jsonl", ".zip"),
            hint="give a Mattermost bulk export or a folder of API JSON pages",
        )

    def total(self) -> int | None:
        """Bytes of all input files (uncompressed size for a zipped export)."""
        try:
            return sum(self._size(path) for path in self._files())
        except (OSError, ImportFormatError, zipfile.BadZipFile):
            return None

    @staticmethod
    def _size(path: Path) -> int:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                return sum(i.file_size for i in archive.infolist() if _is_jsonl(i.filename))
        return path.stat().st_size

    # -- check -----------------------------------------------------------------

    def check(self) -> None:
        """Raise ImportFormatError unless the input is a bulk export or Mattermost API JSON."""
        super().check()
        files = self._files()
        recognised = 0
        for path in files:
            if _sniff(path) == "bulk":
                self._check_bulk(path)
                recognised += 1
                continue
            data = _load_json(path)
            kind = _classify_api(data)
            if kind in ("error", "unknown"):
                # In a folder one stray file (a saved error response) is reported as a
                # rejection by records(); a single file that is not Mattermost is fatal.
                if self.path.is_file():
                    raise ImportFormatError(str(path), _not_mattermost_reason(data, kind))
                continue
            recognised += 1
        if not recognised:
            raise ImportFormatError(
                str(self.path),
                "no Mattermost bulk export or API JSON (posts, users, channel) found",
            )

    def _check_bulk(self, path: Path) -> None:
        with ExitStack() as stack:
            stream, label = _open_bulk(path, stack)
            for lineno, raw in enumerate(stream, start=1):
                if not raw.strip():
                    continue
                try:
                    first = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    raise ImportFormatError(label, f"invalid JSON: {exc.msg}", line=lineno) from exc
                if not isinstance(first, dict) or first.get("type") not in BULK_TYPES:
                    raise ImportFormatError(
                        label,
                        'not a Mattermost bulk export line (no known "type")',
                        line=lineno,
                        field="type",
                    )
                return
            raise ImportFormatError(label, "the export holds no line")

    # -- records ---------------------------------------------------------------

    def records(self) -> Iterator[Record]:
        """Yield channels and identities, then messages, streaming the bulk export."""
        self.position = 0
        # Every run starts afresh, so that records() can be read twice.
        self._usernames, self._direct_channels = {}, set()
        bulk: list[Path] = []
        pages: list[Path] = []
        # First pass over API JSON: users and channels come before the posts that
        # name them, so that @mentions can be resolved to user ids.
        for path in self._files():
            if _sniff(path) == "bulk":
                bulk.append(path)
                continue
            data = _load_json(path)
            kind = _classify_api(data)
            if kind == "posts":
                pages.append(path)
                continue
            self.position += path.stat().st_size
            if kind == "users":
                yield from self._api_users(data, path)
            elif kind == "channels":
                yield from self._api_channels(data, path)
            else:
                yield Rejection(location=str(path), reason=_not_mattermost_reason(data, kind))
        for path in bulk:
            yield from self._bulk(path)
        seen: set[str] = set()
        for path in pages:
            yield from self._api_posts(_load_json(path), path, seen)
            self.position += path.stat().st_size

    # -- bulk export -----------------------------------------------------------

    def _bulk(self, path: Path) -> Iterator[Record]:
        handlers: dict[str, Callable[[dict[str, Any], str], Iterator[Record]]] = {
            "channel": self._bulk_channel,
            "user": self._bulk_user,
            "post": self._bulk_post,
            "direct_channel": self._bulk_direct_channel,
            "direct_post": self._bulk_direct_post,
        }
        with ExitStack() as stack:
            stream, label = _open_bulk(path, stack)
            for lineno, raw in enumerate(stream, start=1):
                self.position += len(raw)
                if not raw.strip():
                    continue
                where = location(label, lineno)
                try:
                    line = orjson.loads(raw)
                except orjson.JSONDecodeError as exc:
                    yield Rejection(location=where, reason=f"invalid JSON: {exc.msg}")
                    continue
                kind = line.get("type") if isinstance(line, dict) else None
                if not isinstance(kind, str):
                    yield Rejection(location=where, reason="no line type", field="type")
                    continue
                handler = handlers.get(kind)
                if handler is None:
                    # teams, emojis, roles, schemes...: nothing to translate. Unknown
                    # types from newer exports are skipped alike, not rejected.
                    continue
                body = line.get(kind)
                if not isinstance(body, dict):
                    yield Rejection(location=where, reason=f"no '{kind}' object", field=kind)
                    continue
                yield from handler(body, where)

    def _bulk_channel(self, body: dict[str, Any], where: str) -> Iterator[Record]:
        team, name = _text(body.get("team")), _text(body.get("name"))
        if team is None or name is None:
            missing = "team" if team is None else "name"
            yield Rejection(location=where, reason="missing", field=f"channel.{missing}")
            return
        yield ChannelRecord(
            external_id=f"{team}/{name}",
            name=_text(body.get("display_name")) or name,
            kind=self.default_channel_kind,
            visibility=_visibility(body.get("type")),
            topic=_text(body.get("header")) or _text(body.get("purpose")),
        )

    def _bulk_user(self, body: dict[str, Any], where: str) -> Iterator[Record]:
        username = _text(body.get("username"))
        if username is None:
            yield Rejection(location=where, reason="missing", field="user.username")
            return
        self._usernames[username.lower()] = username
        yield IdentityRecord(
            external_id=username,
            handle=username,
            display_name=_display_name(body),
            email=_text(body.get("email")),
            locale=_text(body.get("locale")),
        )

    def _bulk_direct_channel(self, body: dict[str, Any], where: str) -> Iterator[Record]:
        members = _members(body.get("members")) or _members(body.get("participants"))
        if not members:
            yield Rejection(location=where, reason="no members", field="direct_channel.members")
            return
        yield from self._declare_direct(members, _text(body.get("header")))

    def _declare_direct(self, members: list[str], header: str | None) -> Iterator[Record]:
        external_id = _direct_channel_id(members)
        if external_id in self._direct_channels:
            return
        # A direct message must never land in a channel created on the fly as public,
        # so its channel is declared even when the export lacks the direct_channel line.
        self._direct_channels.add(external_id)
        yield ChannelRecord(
            external_id=external_id,
            name=", ".join(members),
            kind=self.default_channel_kind,
            visibility="direct",
            topic=header,
        )

    def _bulk_post(self, body: dict[str, Any], where: str) -> Iterator[Record]:
        team, name = _text(body.get("team")), _text(body.get("channel"))
        if team is None or name is None:
            missing = "team" if team is None else "channel"
            yield Rejection(location=where, reason="missing", field=f"post.{missing}")
            return
        yield from self._bulk_thread(body, where, f"{team}/{name}")

    def _bulk_direct_post(self, body: dict[str, Any], where: str) -> Iterator[Record]:
        members = _members(body.get("channel_members")) or _members(
            body.get("channel_participants")
        )
        if not members:
            yield Rejection(location=where, reason="missing", field="direct_post.channel_members")
            return
        yield from self._declare_direct(members, None)
        yield from self._bulk_thread(body, where, _direct_channel_id(members))

    def _bulk_thread(self, body: dict[str, Any], where: str, channel: str) -> Iterator[Record]:
        """A post and its replies (the bulk format nests replies in their root)."""
        if _is_system(body):
            return
        try:
            root = self._bulk_message(body, channel, None)
        except _BadFieldError as bad:
            yield Rejection(location=where, reason=bad.reason, field=bad.field)
            root = None
        if root is not None:
            yield from self._bad_reactions(body, where)
            yield root
        replies = body.get("replies")
        if not isinstance(replies, list):
            return
        for index, reply in enumerate(replies):
            reply_where = location(where, entry=f"replies.{index}")
            if not isinstance(reply, dict):
                yield Rejection(location=reply_where, reason="not an object")
                continue
            if _is_system(reply):
                continue
            if root is None:
                yield Rejection(location=reply_where, reason="the post it answers was rejected")
                continue
            try:
                message = self._bulk_message(reply, channel, root.external_id)
            except _BadFieldError as bad:
                yield Rejection(location=reply_where, reason=bad.reason, field=bad.field)
                continue
            yield from self._bad_reactions(reply, reply_where)
            yield message

    def _bulk_message(self, data: dict[str, Any], channel: str, root: str | None) -> MessageRecord:
        user = _text(data.get("user"))
        if user is None:
            raise _BadFieldError("user", "missing")
        millis = _millis(data.get("create_at"), "create_at")
        created = _to_datetime(millis, "create_at")
        edited = _optional_time(data.get("edit_at"))
        message = data.get("message")
        text = message if isinstance(message, str) else ""
        reactions = tuple(
            Reaction(
                emoji=item["emoji_name"],
                author_external_id=item["user"],
                created_at=_optional_time(item.get("create_at")),
            )
            for item in _list(data.get("reactions"))
            if _text(item.get("emoji_name")) and _text(item.get("user"))
        )
        attachments = tuple(
            Attachment(name=PurePosixPath(item["path"]).name or item["path"])
            for item in _list(data.get("attachments"))
            if _text(item.get("path"))
        )
        return MessageRecord(
            external_id=_post_id(channel, user, millis),
            channel_external_id=channel,
            author_external_id=user,
            created_at=created,
            text=text,
            thread_external_id=root,
            reply_to_external_id=root,
            edited_at=edited if edited is not None and edited > created else None,
            reactions=reactions,
            mentions=self._mentions(text),
            attachments=attachments,
        )

    @staticmethod
    def _bad_reactions(data: dict[str, Any], where: str) -> Iterator[Rejection]:
        """Report reactions dropped from a message (it is imported without them)."""
        for index, item in enumerate(_list(data.get("reactions"), keep_bad=True)):
            if not (_text(item.get("emoji_name")) and _text(item.get("user"))):
                yield Rejection(
                    location=location(where, entry=f"reactions.{index}"),
                    reason="a reaction needs a user and an emoji_name",
                    field="reactions",
                )

    # -- API JSON --------------------------------------------------------------

    def _api_users(self, data: object, path: Path) -> Iterator[Record]:
        items = data if isinstance(data, list) else [data]
        for index, user in enumerate(items):
            if not isinstance(user, dict):
                continue
            user_id, username = _text(user.get("id")), _text(user.get("username"))
            if user_id is None or username is None:
                where = location(path, entry=str(index)) if isinstance(data, list) else str(path)
                yield Rejection(location=where, reason="a user needs an id", field="id")
                continue
            self._usernames[username.lower()] = user_id
            yield IdentityRecord(
                external_id=user_id,
                handle=username,
                display_name=_display_name(user),
                email=_text(user.get("email")),
                locale=_text(user.get("locale")),
                is_bot=user.get("is_bot") is True,
            )

    def _api_channels(self, data: object, path: Path) -> Iterator[Record]:
        items = data if isinstance(data, list) else [data]
        for index, channel in enumerate(items):
            if not isinstance(channel, dict):
                continue
            channel_id = _text(channel.get("id"))
            if channel_id is None:
                where = location(path, entry=str(index)) if isinstance(data, list) else str(path)
                yield Rejection(location=where, reason="a channel needs an id", field="id")
                continue
            yield ChannelRecord(
                external_id=channel_id,
                name=_text(channel.get("display_name")) or _text(channel.get("name")) or channel_id,
                kind=self.default_channel_kind,
                visibility=_visibility(channel.get("type")),
                topic=_text(channel.get("header")) or _text(channel.get("purpose")),
                created_at=_optional_time(channel.get("create_at")),
            )

    def _api_posts(self, data: dict[str, Any], path: Path, seen: set[str]) -> Iterator[Record]:
        posts = data["posts"]
        valid: list[tuple[int, MessageRecord]] = []
        for key, post in posts.items():
            where = location(path, entry=str(key))
            if not isinstance(post, dict):
                yield Rejection(location=where, reason="not an object")
                continue
            # A page also carries the roots of the threads it shows, so one post can
            # appear in several pages: it is yielded once.
            post_id = _text(post.get("id")) or str(key)
            if post_id in seen or _is_system(post) or _is_deleted(post):
                continue
            try:
                millis = _millis(post.get("create_at"), "create_at")
                message = self._api_message(post, post_id, millis)
            except _BadFieldError as bad:
                yield Rejection(
                    location=where, reason=bad.reason, field=bad.field, external_id=post_id
                )
                continue
            seen.add(post_id)
            valid.append((millis, message))
        # Pages list newest first; oldest first puts each root before its replies.
        valid.sort(key=lambda pair: pair[0])
        for _, message in valid:
            yield message

    def _api_message(self, post: dict[str, Any], post_id: str, millis: int) -> MessageRecord:
        channel = _text(post.get("channel_id"))
        if channel is None:
            raise _BadFieldError("channel_id", "missing")
        created = _to_datetime(millis, "create_at")
        edited = _optional_time(post.get("edit_at"))
        root = _text(post.get("root_id"))
        parent = _text(post.get("parent_id")) or root
        message = post.get("message")
        text = message if isinstance(message, str) else ""
        found = post.get("metadata")
        metadata: dict[str, Any] = found if isinstance(found, dict) else {}
        reactions = tuple(
            Reaction(
                emoji=item["emoji_name"],
                author_external_id=_text(item.get("user_id")),
                created_at=_optional_time(item.get("create_at")),
            )
            for item in _list(metadata.get("reactions"))
            if _text(item.get("emoji_name"))
        )
        attachments = tuple(
            Attachment(
                name=item["name"],
                mimetype=_text(item.get("mime_type")),
                size=item["size"] if isinstance(item.get("size"), int) else None,
            )
            for item in _list(metadata.get("files"))
            if _text(item.get("name"))
        )
        return MessageRecord(
            external_id=post_id,
            channel_external_id=channel,
            author_external_id=_text(post.get("user_id")),
            created_at=created,
            text=text,
            thread_external_id=root,
            reply_to_external_id=parent if root else None,
            edited_at=edited if edited is not None and edited > created else None,
            reactions=reactions,
            mentions=self._mentions(text),
            attachments=attachments,
        )

    # -- shared ----------------------------------------------------------------

    def _mentions(self, text: str) -> tuple[str, ...]:
        """Identity ids of the known users @mentioned in a message, in order, once each."""
        found: list[str] = []
        for match in _MENTION.finditer(text):
            name = match.group(1).lower()
            # "@alice." ends a sentence, but "." is also legal inside a username.
            while name and name not in self._usernames and name[-1] in "._-":
                name = name[:-1]
            identity = self._usernames.get(name)
            if identity is not None and identity not in found:
                found.append(identity)
        return tuple(found)


def _is_jsonl(name: str) -> bool:
    return name.lower().endswith(".jsonl") and not name.startswith("__MACOSX")


def _open_bulk(path: Path, stack: ExitStack) -> tuple[IO[bytes], str]:
    """Open a bulk export for line-by-line reading: the file, or the .jsonl in its zip."""
    if zipfile.is_zipfile(path):
        archive = stack.enter_context(zipfile.ZipFile(path))
        members = sorted(name for name in archive.namelist() if _is_jsonl(name))
        if not members:
            raise ImportFormatError(str(path), "this zip holds no .jsonl bulk export")
        return stack.enter_context(archive.open(members[0])), f"{path}/{members[0]}"
    return stack.enter_context(path.open("rb")), str(path)


def _list(value: object, *, keep_bad: bool = False) -> list[dict[str, Any]]:
    """The objects of a JSON list (reactions, attachments); anything else is empty.

    With ``keep_bad`` a non-object item becomes an empty dict so that its index
    can still be reported.
    """
    if not isinstance(value, list):
        return []
    if keep_bad:
        return [item if isinstance(item, dict) else {} for item in value]
    return [item for item in value if isinstance(item, dict)]


def _is_system(post: dict[str, Any]) -> bool:
    kind = post.get("type")
    return isinstance(kind, str) and kind.startswith(_SYSTEM_PREFIX)


def _is_deleted(post: dict[str, Any]) -> bool:
    deleted = post.get("delete_at")
    return isinstance(deleted, int) and not isinstance(deleted, bool) and deleted > 0
