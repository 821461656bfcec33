"""Mastodon / ActivityPub outboxes (``outbox.json`` of a Mastodon archive export).

A Mastodon export holds ``outbox.json`` (an ActivityStreams 2.0
``OrderedCollection`` whose ``orderedItems`` are ``Create`` activities wrapping
``Note`` objects, and ``Announce`` activities for boosts) and ``actor.json`` (the
account) side by side. Each note becomes a message; the account and the people
it mentions become identities; the outbox becomes a channel (with a private
and a direct sibling when followers-only or direct toots are present, so that
they never land in a public channel).

Memory: the JSON standard library cannot stream, so the outbox is loaded at once
with orjson. The bound is the parsed document, several times the file size (see
``docs/connectors/activitypub.md``); records are then yielded one by one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import orjson

from palabre.connectors.base import Connector, location, refuse_binary
from palabre.connectors.html import html_to_text
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Record,
    Rejection,
    Visibility,
)
from palabre.errors import ImportFormatError

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
_PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})
_COLLECTION_TYPES = frozenset(
    {"OrderedCollection", "Collection", "OrderedCollectionPage", "CollectionPage"}
)
#: object types carrying a post; Mastodon polls are ``Question``.
_POST_TYPES = frozenset({"Note", "Article", "Page", "Question"})
# Mastodon actor URLs: https://host/users/name or https://host/@name
_ACTOR_URL = re.compile(r"^https?://([^/]+)/(?:users/|@)([^/?#]+)/?$")


def handle_from_url(url: str) -> str | None:
    """``https://host/users/alice`` or ``https://host/@alice`` → ``@alice@host``."""
    match = _ACTOR_URL.match(url)
    if not match:
        return None
    return f"@{match.group(2)}@{match.group(1)}"


def handle_from_mention(name: str, href: str) -> str | None:
    """A mention tag's name as a full handle (``@bob`` of a local user gets the host)."""
    name = name.strip()
    if not name:
        return handle_from_url(href)
    if not name.startswith("@"):
        name = "@" + name
    if name.count("@") == 1:
        host = urlsplit(href).hostname
        if host:
            name = f"{name}@{host}"
    return name


def _as_id(value: object) -> str | None:
    """An ActivityStreams reference: a string, or an object (or a list) with an ``id``."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        return _as_id(value.get("id") or value.get("href"))
    if isinstance(value, list) and value:
        return _as_id(value[0])
    return None


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def _parse_time(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


class ActivityPubConnector(Connector):
    """Read a Mastodon / ActivityPub ``outbox.json`` (or the export folder holding it)."""

    kind = "activitypub"
    description = "a Mastodon / ActivityPub outbox.json (actor.json beside it is used)"
    default_channel_kind = "social"

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        #: activities not imported, by type ("Announce" for boosts), after :meth:`records`
        self.skipped: dict[str, int] = {}
        self._document: dict[str, Any] | None = None

    @property
    def outbox_path(self) -> Path:
        """The outbox file: the path itself, or ``outbox.json`` inside an export folder."""
        if self.path.is_dir():
            return self.path / "outbox.json"
        return self.path

    @property
    def actor_path(self) -> Path:
        """Where the export keeps the account: ``actor.json`` beside the outbox."""
        return self.outbox_path.parent / "actor.json"

    def total(self) -> int | None:
        """Number of items in the outbox (bytes mean nothing once the file is loaded)."""
        document = self._load()
        return len(document["orderedItems"])

    def check(self) -> None:
        """Refuse input that is not JSON, or JSON that is not an ActivityStreams collection."""
        super().check()
        self._document = None
        self._load()

    def _load(self) -> dict[str, Any]:
        if self._document is not None:
            return self._document
        path = self.outbox_path
        name = str(path)
        if not path.is_file():
            raise ImportFormatError(name, "no outbox.json here", hint="pass outbox.json")
        refuse_binary(path, hint="pass the outbox.json of a Mastodon archive export")
        try:
            document = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            raise ImportFormatError(
                name, f"invalid JSON: {exc.msg} (column {exc.colno})", line=exc.lineno
            ) from exc
        if not isinstance(document, dict) or document.get("type") not in _COLLECTION_TYPES:
            raise ImportFormatError(
                name,
                "not an ActivityStreams collection (expected an object with "
                '"type": "OrderedCollection")',
                hint="pass the outbox.json of a Mastodon archive export",
            )
        items = document.get("orderedItems", document.get("items"))
        if items is None and document.get("first") is not None:
            raise ImportFormatError(
                name,
                "this collection is paged (its items are behind 'first') and pages are not fetched",
                hint="download the archive from Mastodon (Preferences > Import and export)",
            )
        if not isinstance(items, list):
            raise ImportFormatError(
                name, "the collection has no list of items", field="orderedItems"
            )
        document["orderedItems"] = items
        self._document = document
        return document

    def _load_actor(self) -> tuple[dict[str, Any] | None, Rejection | None]:
        path = self.actor_path
        if not path.is_file():
            return None, None
        try:
            actor = orjson.loads(path.read_bytes())
        except orjson.JSONDecodeError as exc:
            return None, Rejection(
                location=location(path, exc.lineno), reason=f"invalid JSON: {exc.msg}"
            )
        if not isinstance(actor, dict) or not isinstance(actor.get("id"), str):
            return None, Rejection(location=str(path), reason="not an actor (no 'id')")
        return actor, None

    def records(self) -> Iterator[Record]:
        """Yield the channel(s), identities and one message per note of the outbox."""
        document = self._load()
        items: list[Any] = document["orderedItems"]
        self.skipped = {}
        self.position = 0
        actor, problem = self._load_actor()
        if problem is not None:
            yield problem

        owner_id = _as_id(actor) if actor else None
        if owner_id is None:
            owner_id = next(
                (_as_id(item.get("actor")) for item in items if isinstance(item, dict)), None
            )
        parents = _reply_parents(items)

        channel_id = self._channel_id(document, actor, owner_id)
        owner = self._owner_identity(owner_id, actor)
        owner_name = (owner.handle or owner.display_name) if owner else None
        channels = {
            "public": ChannelRecord(
                external_id=channel_id,
                name=owner_name or channel_id,
                kind="social",
                topic=html_to_text(actor["summary"])
                if actor and _text(actor.get("summary"))
                else None,
                url=_text(actor.get("url")) if actor else None,
            )
        }
        yield channels["public"]
        seen_identities: set[str] = set()
        if owner is not None:
            seen_identities.add(owner.external_id)
            yield owner

        file_name = str(self.outbox_path)
        for index, item in enumerate(items):
            self.position = index + 1
            where = location(file_name, entry=str(index))
            if not isinstance(item, dict):
                yield Rejection(location=where, reason="an item is not a JSON object")
                continue
            kind = item.get("type")
            if kind != "Create":
                # Boosts name another account's note: there is no message of ours to
                # attach them to (see the documentation), so they are counted, not imported.
                label = kind if isinstance(kind, str) else "?"
                self.skipped[label] = self.skipped.get(label, 0) + 1
                continue
            note = item.get("object")
            if not isinstance(note, dict):
                yield Rejection(
                    location=where,
                    reason="the Create activity names its object without including it",
                    field="object",
                    external_id=_as_id(note),
                )
                continue
            yield from self._note(
                note, item, where, channel_id, channels, parents, seen_identities, owner_id
            )
        self.position = len(items)

    def _note(
        self,
        note: dict[str, Any],
        activity: dict[str, Any],
        where: str,
        channel_id: str,
        channels: dict[str, ChannelRecord],
        parents: dict[str, str | None],
        seen_identities: set[str],
        owner_id: str | None,
    ) -> Iterator[Record]:
        note_id = _as_id(note.get("id"))
        if note_id is None:
            yield Rejection(location=where, reason="the note has no id", field="id")
            return
        if note.get("type") not in _POST_TYPES:
            yield Rejection(
                location=where,
                reason=f"object type {note.get('type')!r} is not a post",
                field="type",
                external_id=note_id,
            )
            return
        created_at = _parse_time(note.get("published") or activity.get("published"))
        if created_at is None:
            yield Rejection(
                location=where,
                reason=f"missing or unparsable date {note.get('published')!r}",
                field="published",
                external_id=note_id,
            )
            return

        visibility = _visibility(note, activity)
        channel = channels.get(visibility)
        if channel is None:
            public = channels["public"]
            suffix = "followers" if visibility == "private" else "direct"
            channel = ChannelRecord(
                external_id=f"{channel_id}#{suffix}",
                name=f"{public.name} ({suffix})",
                kind="social",
                visibility=visibility,
            )
            channels[visibility] = channel
            yield channel

        mentions: list[str] = []
        for tag in _as_list(note.get("tag")):
            if not isinstance(tag, dict) or tag.get("type") != "Mention":
                continue
            href = _text(tag.get("href"))
            if href is None:
                continue
            if href not in mentions:
                mentions.append(href)
            if href not in seen_identities:
                seen_identities.add(href)
                yield IdentityRecord(
                    external_id=href,
                    handle=handle_from_mention(str(tag.get("name") or ""), href),
                    url=href,
                )

        content_map = note.get("contentMap")
        language: str | None = None
        content = _text(note.get("content"))
        if isinstance(content_map, dict) and content_map:
            language = str(next(iter(content_map)))
            if content is None:
                content = _text(content_map[language])

        reply_to = _as_id(note.get("inReplyTo"))
        author = _as_id(note.get("attributedTo")) or _as_id(activity.get("actor")) or owner_id
        yield MessageRecord(
            external_id=note_id,
            channel_external_id=channel.external_id,
            author_external_id=author,
            created_at=created_at,
            text=html_to_text(content) if content else "",
            thread_external_id=_thread_root(note_id, parents),
            reply_to_external_id=reply_to,
            edited_at=_parse_time(note.get("updated")),
            language=language,
            url=_as_id(note.get("url")),
            # Mastodon's content warning ("summary") is the closest thing to a title.
            title=_text(note.get("summary")),
            mentions=tuple(mentions),
            attachments=tuple(_attachments(note)),
        )

    def _channel_id(
        self, document: dict[str, Any], actor: dict[str, Any] | None, owner_id: str | None
    ) -> str:
        """The outbox URL: the collection's id, the actor's outbox, or derived from the actor."""
        for candidate in (document.get("id"), actor.get("outbox") if actor else None):
            if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
                return candidate
        if owner_id:
            return owner_id.rstrip("/") + "/outbox"
        return self.outbox_path.parent.name or self.outbox_path.stem

    def _owner_identity(
        self, owner_id: str | None, actor: dict[str, Any] | None
    ) -> IdentityRecord | None:
        if owner_id is None:
            return None
        handle = handle_from_url(owner_id)
        if actor is not None:
            username = _text(actor.get("preferredUsername"))
            host = urlsplit(owner_id).hostname
            if username and host:
                handle = f"@{username}@{host}"
            return IdentityRecord(
                external_id=owner_id,
                handle=handle,
                display_name=_text(actor.get("name")),
                is_bot=actor.get("type") == "Service",
                url=_text(actor.get("url")) or owner_id,
            )
        return IdentityRecord(external_id=owner_id, handle=handle, url=owner_id)


def _reply_parents(items: list[Any]) -> dict[str, str | None]:
    """note id -> the id it replies to, for every note of the file (to find thread roots)."""
    parents: dict[str, str | None] = {}
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("object"), dict):
            note_id = _as_id(item["object"].get("id"))
            if note_id:
                parents[note_id] = _as_id(item["object"].get("inReplyTo"))
    return parents


def _thread_root(note_id: str, parents: dict[str, str | None]) -> str:
    """Walk the reply chain up while the parents are in the file.

    The root is the first note without a parent, or the first parent the file
    does not hold (a toot of someone else): every reply of one conversation then
    lands in the same thread whichever of its notes the outbox contains.
    """
    current = note_id
    visited = {current}
    while current in parents:
        parent = parents[current]
        if parent is None or parent in visited:
            return current
        visited.add(parent)
        current = parent
    return current


def _visibility(note: dict[str, Any], activity: dict[str, Any]) -> Visibility:
    """Mastodon's four levels read from the addressing: public/unlisted, followers, direct."""
    audience = [
        _as_id(value)
        for source in (note, activity)
        for key in ("to", "cc")
        for value in _as_list(source.get(key))
    ]
    if any(target in _PUBLIC_ALIASES for target in audience):
        return "public"
    if any(target and target.endswith("/followers") for target in audience):
        return "private"
    return "direct"


def _attachments(note: dict[str, Any]) -> Iterator[Attachment]:
    for entry in _as_list(note.get("attachment")):
        if not isinstance(entry, dict):
            continue
        url = _as_id(entry.get("url"))
        name = PurePosixPath(urlsplit(url).path).name if url else ""
        yield Attachment(
            name=name or _text(entry.get("name")) or "attachment",
            url=url,
            mimetype=_text(entry.get("mediaType")),
        )
