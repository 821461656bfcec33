"""Discourse: JSON responses of its API, saved as files (one file or a folder).

Recognised by content, whatever the file is called:

* a topic (``/t/{id}.json``): ``id``, ``title``, ``category_id`` and the first
  posts in ``post_stream.posts`` (``/t/{id}/posts.json`` has the same shape);
* posts (``/posts.json``: ``latest_posts``) or a single post (``/posts/{id}.json``);
* a topic list (``/latest.json``, ``/top.json``, ``/c/{slug}.json``: ``topic_list``),
  which gives the titles and categories of topics;
* categories (``/categories.json`` or ``/site.json``), which give category names.

A first pass reads every file for what others refer to (category names, topic
titles, which post has which number in its topic); the second pass yields the
records. A Discourse dump is a folder of API pages, so these maps and the set of
posts already yielded are small; a post saved in several files is yielded once.
See ``docs/connectors/discourse.md`` for the full mapping.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, ClassVar

import orjson

from palabre.connectors.base import Connector, input_files, location, refuse_binary
from palabre.connectors.records import (
    ChannelKind,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    Rejection,
    ThreadRecord,
)
from palabre.errors import ImportFormatError

#: actions_summary id of a like (the others are flags: off-topic, spam, ...).
LIKE_ACTION = 2
#: post_type 3 is a "small action" (topic closed, pinned, split...): Discourse's own
#: notice, not something a person wrote.
SMALL_ACTION = 3
#: the channel of a post whose topic's category no file tells.
UNKNOWN_CATEGORY = "category-unknown"

_MENTION = re.compile(r"(?<![\w@])@([\w.-]*\w)")
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")


class _BadFieldError(Exception):
    """One field of one post cannot be translated (becomes a Rejection)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


@dataclass(slots=True)
class _Topic:
    """What the files tell about a topic; a topic file beats a topic list."""

    title: str | None = None
    category: int | None = None
    created_at: dt.datetime | None = None
    slug: str | None = None
    from_topic_file: bool = False


@dataclass(slots=True)
class _Category:
    name: str
    slug: str | None = None
    description: str | None = None
    private: bool = False


# -- JSON shapes ---------------------------------------------------------------


def _classify(data: object) -> str:
    """What a Discourse JSON document is: topic, posts, post, topic_list, categories..."""
    if not isinstance(data, dict):
        if isinstance(data, list) and data and all(_is_post(item) for item in data):
            return "posts"
        return "unknown"
    stream = data.get("post_stream")
    if isinstance(stream, dict) and isinstance(stream.get("posts"), list):
        return "topic"
    if isinstance(data.get("latest_posts"), list):
        return "posts"
    if isinstance(data.get("topic_list"), dict):
        return "topic_list"
    if isinstance(data.get("category_list"), dict) or isinstance(data.get("category"), dict):
        return "categories"
    if isinstance(data.get("categories"), list) and "topic_list" not in data:
        return "categories"
    if _is_post(data):
        return "post"
    if "errors" in data or "error_type" in data:
        return "error"
    return "unknown"


def _is_post(data: object) -> bool:
    return (
        isinstance(data, dict)
        and "id" in data
        and "post_number" in data
        and ("cooked" in data or "raw" in data)
    )


def _posts_of(data: Any, kind: str) -> list[Any]:
    """The post objects a document holds."""
    if kind == "topic":
        posts: list[Any] = data["post_stream"]["posts"]
        return posts
    if kind == "posts":
        return list(data["latest_posts"]) if isinstance(data, dict) else list(data)
    if kind == "post":
        return [data]
    return []


def _categories_of(data: dict[str, Any]) -> list[Any]:
    if isinstance(data.get("category"), dict):
        return [data["category"]]
    listing = data.get("category_list")
    if isinstance(listing, dict) and isinstance(listing.get("categories"), list):
        return list(listing["categories"])
    found = data.get("categories")
    return list(found) if isinstance(found, list) else []


def _not_discourse_reason(data: object, kind: str) -> str:
    if kind == "error" and isinstance(data, dict):
        errors = data.get("errors")
        detail = "; ".join(str(e) for e in errors) if isinstance(errors, list) else ""
        return f"this is a Discourse API error response ({detail or data.get('error_type')})"
    return "not a Discourse topic, posts, topic list or categories JSON response"


# -- values ----------------------------------------------------------------------


def _text(value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return value
    return None


def _int(value: object) -> int | None:
    """An integer id; JSON booleans and other values are not ids."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def _time(value: object, field: str) -> dt.datetime:
    """An ISO 8601 time as an aware datetime, or raise _BadFieldError."""
    if value is None or value == "":
        raise _BadFieldError(field, "missing")
    if not isinstance(value, str):
        raise _BadFieldError(field, f"not an ISO 8601 time: {value!r}")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise _BadFieldError(field, f"not an ISO 8601 time: {value!r}") from None
    # Discourse always writes UTC ("...Z"); a time without offset is taken as UTC.
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _optional_time(value: object) -> dt.datetime | None:
    try:
        return _time(value, "time")
    except _BadFieldError:
        return None


def _load_json(path: Path) -> Any:
    """Parse a whole JSON file; an undecodable file is a format error naming the line."""
    refuse_binary(path, hint="give Discourse API responses saved as JSON")  # before reading it all
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(str(path), f"cannot be read: {exc.strerror or exc}") from exc
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise ImportFormatError(str(path), f"invalid JSON: {exc.msg}", line=exc.lineno) from exc


# -- cooked HTML → plain text ----------------------------------------------------

_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCK_TAGS = _HEADINGS | {"p", "div", "ul", "ol", "li", "pre", "table", "tr", "hr", "blockquote"}
_BLOCK_TAGS |= {"aside", "details", "summary"}
_VOID_TAGS = frozenset({"br", "hr", "img", "input", "meta", "link", "source", "wbr"})


class _CookedText(HTMLParser):
    """Turn Discourse's rendered HTML ("cooked") into plain text.

    Paragraphs become blank-line separated, quotes are kept with a ``> `` prefix (so
    that analysis can tell them from the author's own words), emoji images become
    their ``:name:``, and the chrome Discourse adds around quotes, image lightboxes
    and link previews is dropped. ``mentions`` collects the @usernames linked.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        # One buffer per open <blockquote>, so its text can be prefixed when it closes.
        self._buffers: list[list[str]] = [[]]
        self._skipping: list[str] = []
        self._pre = 0
        self._mention = False
        self.mentions: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipping:
            if tag == self._skipping[0] and tag not in _VOID_TAGS:
                self._skipping.append(tag)
            return
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        if _is_chrome(tag, classes) and tag not in _VOID_TAGS:
            self._skipping.append(tag)
            return
        if tag == "img":
            if "emoji" in classes and values.get("alt"):
                self._write(values["alt"] or "")
            return
        if tag == "br":
            self._write("\n")
        elif tag == "blockquote":
            self._buffers.append([])
        elif tag in _BLOCK_TAGS:
            self._write("\n\n" if tag not in ("li", "tr") else "\n")
            if tag == "li":
                self._write("- ")
        if tag == "pre":
            self._pre += 1
        if tag == "a" and "mention" in classes:
            self._mention = True

    def handle_endtag(self, tag: str) -> None:
        if self._skipping:
            if tag == self._skipping[-1]:
                self._skipping.pop()
            return
        if tag == "blockquote" and len(self._buffers) > 1:
            quoted = _tidy("".join(self._buffers.pop()))
            self._write("\n\n" + "\n".join(f"> {line}".rstrip() for line in quoted.split("\n")))
            self._write("\n\n")
        elif tag in ("li", "tr"):
            pass  # the next item starts its own line; a blank line would split the list
        elif tag in _BLOCK_TAGS:
            self._write("\n\n")
        if tag == "pre":
            self._pre = max(0, self._pre - 1)
        if tag == "a":
            self._mention = False

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        if self._mention and data.startswith("@"):
            self.mentions.append(data[1:])
        if self._pre:
            self._write(data)
        else:
            # HTML collapses ASCII white space only: a French no-break space stays.
            self._write(_HTML_SPACE.sub(" ", data))

    def _write(self, text: str) -> None:
        self._buffers[-1].append(text)

    def text(self) -> str:
        """The plain text of everything fed so far."""
        while len(self._buffers) > 1:  # an unclosed <blockquote>
            inner = self._buffers.pop()
            self._buffers[-1].extend(inner)
        return _tidy("".join(self._buffers[0]))


def _is_chrome(tag: str, classes: list[str]) -> bool:
    """Markup Discourse adds around content: quote headers, image captions, previews."""
    if tag == "div" and ("title" in classes or "meta" in classes or "quote-controls" in classes):
        return True
    if tag == "aside" and "onebox" in classes:
        return True
    return tag in ("script", "style", "svg")


def _tidy(text: str) -> str:
    """Strip spaces around lines and keep at most one blank line in a row."""
    lines = [line.strip(" \t\r\f") for line in text.split("\n")]
    joined = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


def cooked_to_text(html: str) -> tuple[str, list[str]]:
    """Plain text of a post's cooked HTML, and the usernames it @mentions."""
    parser = _CookedText()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.mentions


# -- the connector ---------------------------------------------------------------


class DiscourseConnector(Connector):
    """Read Discourse API JSON responses: topics, posts, topic lists and categories."""

    kind: ClassVar[str] = "discourse"
    description: ClassVar[str] = "Discourse API JSON (topics, posts, topic lists) in a folder"
    default_channel_kind: ClassVar[ChannelKind] = "community"

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        base = options.get("base_url")
        #: the forum's address, to give records a link back (optional)
        self.base_url = base.rstrip("/") if isinstance(base, str) and base.strip() else None
        self._topics: dict[int, _Topic] = {}
        self._categories: dict[int, _Category] = {}
        self._numbers: dict[tuple[int, int], int] = {}
        self._seen_posts: set[int] = set()
        self._seen_topics: set[int] = set()
        self._seen_channels: set[str] = set()
        self._seen_users: set[str] = set()

    def _files(self) -> list[Path]:
        return input_files(
            self.path,
            (".json",),
            hint="save Discourse API responses (/t/{id}.json, /posts.json, /latest.json)",
        )

    def total(self) -> int | None:
        """Bytes of all input files."""
        try:
            return sum(path.stat().st_size for path in self._files())
        except (OSError, ImportFormatError):
            return None

    def check(self) -> None:
        """Raise ImportFormatError unless the input holds Discourse API JSON."""
        super().check()
        recognised = 0
        for path in self._files():
            data = _load_json(path)
            kind = _classify(data)
            if kind in ("error", "unknown"):
                # A stray file in a folder is reported by records() as a rejection; a
                # single file that is not Discourse JSON is fatal.
                if self.path.is_file():
                    raise ImportFormatError(str(path), _not_discourse_reason(data, kind))
                continue
            recognised += 1
        if not recognised:
            raise ImportFormatError(str(self.path), "no Discourse API JSON found")

    def records(self) -> Iterator[Record]:
        """Yield categories, topics, authors and posts, each once."""
        self.position = 0
        # Every run starts afresh, so that records() can be read twice.
        self._topics, self._categories, self._numbers = {}, {}, {}
        self._seen_posts, self._seen_topics = set(), set()
        self._seen_channels, self._seen_users = set(), set()
        files = self._files()
        for path in files:
            self._learn(path)
        for path in files:
            yield from self._translate(path)
            self.position += path.stat().st_size
        # Topics a topic list names but no file holds posts of are still conversations
        # of the forum: declare them too.
        for topic_id in sorted(self._topics):
            yield from self._declare_topic(topic_id, None)

    # -- first pass ------------------------------------------------------------

    def _learn(self, path: Path) -> None:
        """Remember names, titles and post numbers that other files refer to."""
        data = _load_json(path)
        kind = _classify(data)
        if kind == "categories":
            for item in _categories_of(data):
                self._learn_category(item)
        elif kind == "topic_list":
            topics = data["topic_list"].get("topics")
            for item in topics if isinstance(topics, list) else []:
                if isinstance(item, dict):
                    self._learn_topic(item, from_topic_file=False)
            for item in data["categories"] if isinstance(data.get("categories"), list) else []:
                self._learn_category(item)
        elif kind == "topic":
            self._learn_topic(data, from_topic_file=True)
        for post in _posts_of(data, kind):
            if not isinstance(post, dict):
                continue
            post_id, number = _int(post.get("id")), _int(post.get("post_number"))
            topic_id = _int(post.get("topic_id"))
            if topic_id is None and kind == "topic":
                topic_id = _int(data.get("id"))
            if post_id is not None and number is not None and topic_id is not None:
                self._numbers.setdefault((topic_id, number), post_id)
            if topic_id is not None and kind == "posts":
                # latest_posts carry their topic's title and category.
                self._learn_topic(
                    {
                        "id": topic_id,
                        "title": post.get("topic_title"),
                        "slug": post.get("topic_slug"),
                        "category_id": post.get("category_id"),
                    },
                    from_topic_file=False,
                )

    def _learn_topic(self, item: dict[str, Any], *, from_topic_file: bool) -> None:
        topic_id = _int(item.get("id"))
        if topic_id is None:
            return
        known = self._topics.setdefault(topic_id, _Topic())
        if known.from_topic_file and not from_topic_file:
            return
        # A topic file is the topic itself; lists and posts only fill the gaps.
        overwrite = from_topic_file and not known.from_topic_file
        title = _text(item.get("title"))
        category = _int(item.get("category_id"))
        created = _optional_time(item.get("created_at"))
        slug = _text(item.get("slug"))
        if overwrite or known.title is None:
            known.title = title or known.title
        if overwrite or known.category is None:
            known.category = category if category is not None else known.category
        if overwrite or known.created_at is None:
            known.created_at = created or known.created_at
        if overwrite or known.slug is None:
            known.slug = slug or known.slug
        known.from_topic_file = known.from_topic_file or from_topic_file

    def _learn_category(self, item: object) -> None:
        if not isinstance(item, dict):
            return
        category_id, name = _int(item.get("id")), _text(item.get("name"))
        if category_id is None or name is None:
            return
        self._categories[category_id] = _Category(
            name=name,
            slug=_text(item.get("slug")),
            description=_text(item.get("description_text")) or _text(item.get("description")),
            private=item.get("read_restricted") is True,
        )
        for sub in item.get("subcategory_list") or []:
            self._learn_category(sub)

    # -- second pass -----------------------------------------------------------

    def _translate(self, path: Path) -> Iterator[Record]:
        data = _load_json(path)
        kind = _classify(data)
        if kind in ("error", "unknown"):
            yield Rejection(location=str(path), reason=_not_discourse_reason(data, kind))
            return
        if kind == "categories":
            for category_id in sorted(self._categories):
                yield from self._declare_channel(category_id)
            return
        container_topic: int | None = None
        if kind == "topic":
            container_topic = _int(data.get("id"))
            if container_topic is not None:
                yield from self._declare_topic(container_topic, None)
        posts = list(enumerate(_posts_of(data, kind)))
        if kind == "posts":
            # latest_posts lists newest first: topic and post order puts parents first.
            posts.sort(key=_post_order)
        for index, post in posts:
            where = str(path) if kind == "post" else location(path, entry=str(index))
            if not isinstance(post, dict):
                yield Rejection(location=where, reason="not an object")
                continue
            yield from self._post(post, where, container_topic)

    def _post(self, post: dict[str, Any], where: str, container: int | None) -> Iterator[Record]:
        post_id = _int(post.get("id"))
        if post_id is None:
            yield Rejection(location=where, reason="missing", field="id")
            return
        if post_id in self._seen_posts or _skipped(post):
            return
        topic_id = _int(post.get("topic_id"))
        if topic_id is None:
            topic_id = container
        try:
            if topic_id is None:
                raise _BadFieldError("topic_id", "missing")
            message = self._message(post, post_id, topic_id)
        except _BadFieldError as bad:
            yield Rejection(
                location=where, reason=bad.reason, field=bad.field, external_id=f"post-{post_id}"
            )
            return
        self._seen_posts.add(post_id)
        yield from self._declare_topic(topic_id, _int(post.get("category_id")))
        username = _text(post.get("username"))
        if username is not None and username.lower() not in self._seen_users:
            self._seen_users.add(username.lower())
            yield IdentityRecord(
                external_id=username.lower(),
                handle=username,
                display_name=_text(post.get("name")),
                # Discourse's own accounts (system, discobot) have negative ids.
                is_bot=(_int(post.get("user_id")) or 0) < 0,
                url=f"{self.base_url}/u/{username}" if self.base_url else None,
            )
        yield message

    def _message(self, post: dict[str, Any], post_id: int, topic_id: int) -> MessageRecord:
        created = _time(post.get("created_at"), "created_at")
        updated = _optional_time(post.get("updated_at"))
        cooked = post.get("cooked") if isinstance(post.get("cooked"), str) else None
        raw = post.get("raw") if isinstance(post.get("raw"), str) else None
        if cooked is None and raw is None:
            raise _BadFieldError("cooked", "no text (neither raw nor cooked)")
        text, mentioned = cooked_to_text(cooked) if cooked is not None else ("", [])
        if raw is not None:
            # raw is what the author typed; cooked is only its rendering.
            text = raw.strip()
            if cooked is None:
                mentioned = _MENTION.findall(raw)
        reply_to: str | None = None
        parent_number = _int(post.get("reply_to_post_number"))
        if parent_number is not None:
            parent = self._numbers.get((topic_id, parent_number))
            reply_to = f"post-{parent}" if parent is not None else None
        likes = 0
        for action in post.get("actions_summary") or []:
            if isinstance(action, dict) and _int(action.get("id")) == LIKE_ACTION:
                likes += max(0, _int(action.get("count")) or 0)
        username = _text(post.get("username"))
        topic = self._topics.get(topic_id)
        number = _int(post.get("post_number"))
        url = None
        if self.base_url and number is not None:
            slug = (topic.slug if topic else None) or _text(post.get("topic_slug")) or "-"
            url = f"{self.base_url}/t/{slug}/{topic_id}/{number}"
        return MessageRecord(
            external_id=f"post-{post_id}",
            channel_external_id=self._channel_of(topic_id, _int(post.get("category_id"))),
            author_external_id=username.lower() if username else None,
            created_at=created,
            text=text,
            thread_external_id=f"topic-{topic_id}",
            reply_to_external_id=reply_to,
            edited_at=updated if updated is not None and updated > created else None,
            url=url,
            reactions=(Reaction(emoji="like"),) * likes,
            mentions=tuple(dict.fromkeys(name.lower() for name in mentioned if name)),
        )

    def _channel_of(self, topic_id: int, fallback: int | None) -> str:
        topic = self._topics.get(topic_id)
        category = topic.category if topic and topic.category is not None else fallback
        return f"category-{category}" if category is not None else UNKNOWN_CATEGORY

    def _declare_topic(self, topic_id: int, category: int | None) -> Iterator[Record]:
        if topic_id in self._seen_topics:
            return
        self._seen_topics.add(topic_id)
        channel = self._channel_of(topic_id, category)
        yield from self._declare_channel(channel)
        topic = self._topics.get(topic_id) or _Topic()
        url = None
        if self.base_url:
            url = f"{self.base_url}/t/{topic.slug or '-'}/{topic_id}"
        yield ThreadRecord(
            external_id=f"topic-{topic_id}",
            channel_external_id=channel,
            title=topic.title,
            created_at=topic.created_at,
            url=url,
        )

    def _declare_channel(self, channel: str | int) -> Iterator[Record]:
        external_id = f"category-{channel}" if isinstance(channel, int) else channel
        if external_id in self._seen_channels:
            return
        self._seen_channels.add(external_id)
        if external_id == UNKNOWN_CATEGORY:
            yield ChannelRecord(
                external_id=external_id, name="(unknown category)", kind=self.default_channel_kind
            )
            return
        category_id = int(external_id.removeprefix("category-"))
        known = self._categories.get(category_id)
        url = None
        if self.base_url:
            url = f"{self.base_url}/c/{(known.slug if known else None) or '-'}/{category_id}"
        yield ChannelRecord(
            external_id=external_id,
            name=known.name if known else external_id,
            kind=self.default_channel_kind,
            visibility="private" if known and known.private else "public",
            topic=known.description if known else None,
            url=url,
        )


def _post_order(item: tuple[int, Any]) -> tuple[int, int, int]:
    index, post = item
    if not isinstance(post, dict):
        return (0, 0, index)
    return (_int(post.get("topic_id")) or 0, _int(post.get("post_number")) or 0, index)


def _skipped(post: dict[str, Any]) -> bool:
    """Posts that are not a person's words: small actions, deleted or withdrawn posts."""
    return (
        _int(post.get("post_type")) == SMALL_ACTION
        or post.get("deleted_at") is not None
        or post.get("user_deleted") is True
    )
