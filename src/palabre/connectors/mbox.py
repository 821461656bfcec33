"""Mailing-list archives in mbox format (mboxrd, mboxo, pipermail monthly archives).

The file is read in binary, line by line: a line starting with ``From `` opens a
new message, and only the bytes of the message being read are held in memory
(never the whole archive, which is why :mod:`mailbox` is not used: it indexes
the entire file first). Each message is parsed with :mod:`email` and translated
into a channel (the list), an identity (the sender) and a message.

Real archives are messy, so every decoding step has a fallback and never raises:
a declared charset is tried first, then UTF-8, then a detection by
``charset_normalizer`` (for long enough texts), then Windows-1252 and latin-1.
See ``docs/connectors/mbox.md`` for the field mapping.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import datetime as dt
import email.utils
import hashlib
import re
from collections.abc import Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path, PurePosixPath

import charset_normalizer

from palabre.connectors.base import Connector, location
from palabre.connectors.html import html_to_text
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Record,
    Rejection,
)
from palabre.errors import ImportFormatError

#: mboxrd escapes any ``>*From `` body line with one more ``>``; mboxo only ``From ``.
VARIANTS: tuple[str, ...] = ("mboxrd", "mboxo")

_MBOXRD_ESCAPED = re.compile(rb"^>+From ")
_ENCODED_WORD = re.compile(r"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=")
# Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
_BETWEEN_ENCODED_WORDS = re.compile(r"(\?=)\s+(=\?)")
_FOLD = re.compile(r"\r?\n(?=[ \t])")
_SPACES = re.compile(r"\s+")
_ANGLE_ID = re.compile(r"<([^<>\s]+)>")
# Pipermail hides addresses as "user at example.org"; the domain must look like one.
_OBFUSCATED_ADDRESS = re.compile(
    r"(?<![\w.+-])([\w.+=!#$%&'*/?^`{|}~-]+) at ([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)(?![\w.-])"
)
_LIST_ID = re.compile(r"^(.*?)<([^<>]+)>\s*$")
_SCRUBBED_FIELD = re.compile(r"^(Name|Type|Size|URL):\s*(.*)$")

# Short texts fool every detector (``Luc\xeda`` comes back as Urdu): below this
# size the detection is skipped and the Western default applies.
_MIN_DETECTION_BYTES = 64
# charset_normalizer often hesitates between Latin code pages and picks the wrong
# one (French latin-1 comes back as cp1250, turning "à" into "ŕ"); when it names
# one of these, Windows-1252 is the better bet for the archives we read.
_LATIN_CODEPAGES = frozenset(
    {
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "cp1258",
        "latin_1",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_15",
        "iso8859_16",
        "mac_roman",
        "mac_latin2",
        "mac_iceland",
        "mac_turkish",
        "cp437",
        "cp850",
        "cp852",
        "cp858",
        "cp1006",
        "hp_roman8",
    }
)


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode ``data`` as well as possible; never raises.

    Order: the declared ``charset``, UTF-8, ``charset_normalizer`` (for texts of
    at least 64 bytes, and only when it finds a non-Latin encoding), Windows-1252,
    then latin-1 (which accepts any byte).
    """
    if charset:
        try:
            return data.decode(_codec_name(charset))
        except (LookupError, UnicodeDecodeError, ValueError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) >= _MIN_DETECTION_BYTES:
        best = charset_normalizer.from_bytes(data).best()
        if best is not None and best.encoding not in _LATIN_CODEPAGES:
            return str(best)
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _codec_name(charset: str) -> str:
    """Normalise a declared charset (quotes, spaces) and check that Python knows it."""
    name = charset.strip().strip("\"'").lower()
    return codecs.lookup(name).name


def decode_header_words(value: str) -> str:
    """Decode RFC 2047 encoded words (``=?iso-8859-1?q?caf=E9?=``) in a header value.

    Broken words (a wrong charset, bad base64) are decoded with the same fallbacks
    as bodies instead of raising or being left encoded.
    """
    value = _BETWEEN_ENCODED_WORDS.sub(r"\1\2", value)

    def replace(match: re.Match[str]) -> str:
        charset, encoding, payload = match.groups()
        # RFC 2231 allows a language after '*': "utf-8*fr".
        charset = charset.split("*", 1)[0]
        try:
            if encoding in "Qq":
                raw = _decode_q(payload)
            else:
                raw = base64.b64decode(payload + "=" * (-len(payload) % 4))
        except (binascii.Error, ValueError):
            return match.group(0)
        return decode_bytes(raw, charset)

    return _ENCODED_WORD.sub(replace, value)


def _decode_q(payload: str) -> bytes:
    """Decode the "Q" encoding of RFC 2047 (quoted-printable where '_' is a space)."""
    out = bytearray()
    data = payload.replace("_", " ").encode("ascii", "replace")
    i = 0
    while i < len(data):
        if data[i : i + 1] == b"=" and _is_hex(data[i + 1 : i + 3]):
            out.append(int(data[i + 1 : i + 3], 16))
            i += 3
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


def _is_hex(pair: bytes) -> bool:
    return len(pair) == 2 and all(c in b"0123456789abcdefABCDEF" for c in pair)


def normalise_address(value: str) -> str:
    """Turn pipermail's obfuscated ``user at example.org`` back into ``user@example.org``."""
    if "@" in value:
        return value
    return _OBFUSCATED_ADDRESS.sub(r"\1@\2", value, count=1)


def first_message_id(value: str | None) -> str | None:
    """The first ``<id>`` of a Message-ID / In-Reply-To / References value, without brackets.

    Some mailers write the id without brackets, or follow it with a comment
    (``<id> (Simos's message of ...)``): the bracketed form wins, else the first
    word that looks like an address.
    """
    if not value:
        return None
    match = _ANGLE_ID.search(value)
    if match:
        return match.group(1)
    for word in value.split():
        if "@" in word:
            return word.strip("<>\"'()")
    return None


class MboxConnector(Connector):
    """Read a mailing-list archive in mbox format, one message at a time.

    Options: ``channel`` (str) puts every message in that channel instead of the
    one named by List-Id (or the file name); ``variant`` ("mboxrd", the default,
    or "mboxo") says how ``From `` lines inside bodies were escaped.
    """

    kind = "mbox"
    description = "a mailing-list archive in mbox format (mboxrd/mboxo, pipermail)"
    default_channel_kind = "email"

    def __init__(self, path: Path | str, **options: object) -> None:
        super().__init__(path, **options)
        channel = options.get("channel")
        self.channel_override: str | None = str(channel) if channel else None
        variant = str(options.get("variant") or "mboxrd")
        if variant not in VARIANTS:
            raise ImportFormatError(
                str(self.path),
                f"unknown mbox variant '{variant}'",
                hint="use one of: " + ", ".join(VARIANTS),
            )
        self.variant = variant

    def check(self) -> None:
        """Refuse a folder, an empty file, or a file whose first line is not ``From ``."""
        super().check()
        if not self.path.is_file():
            raise ImportFormatError(
                str(self.path), "is a folder, expected one mbox file", hint="pass the .mbox file"
            )
        with self.path.open("rb") as handle:
            first = handle.readline(1024)
        if not first.startswith(b"From "):
            shown = first[:40].decode("utf-8", "replace").rstrip()
            raise ImportFormatError(
                str(self.path),
                f"not an mbox file: the first line is {shown!r}, "
                "and an mbox starts every message with a 'From ' line",
                line=1,
                hint="a single message (.eml) or a Maildir folder is not an mbox",
            )

    def records(self) -> Iterator[Record]:
        """Yield channels, identities and messages, one message in memory at a time."""
        seen_channels: set[str] = set()
        # address -> whether the identity was already yielded with a display name
        seen_identities: dict[str, bool] = {}
        for line_no, data in self._split():
            if line_no == 0:
                yield Rejection(
                    location=location(self.path, 1),
                    reason="text before the first 'From ' line was skipped",
                )
                continue
            yield from self._translate(line_no, data, seen_channels, seen_identities)

    # -- splitting -----------------------------------------------------------

    def _split(self) -> Iterator[tuple[int, bytes]]:
        """Yield ``(line of the From separator, message bytes)``; line 0 is a preamble."""
        self.position = 0
        current: list[bytes] = []
        start = 0
        line_no = 0
        with self.path.open("rb") as handle:
            for line in handle:
                line_no += 1
                if line.startswith(b"From "):
                    if current or start:
                        yield start, _join_message(current)
                    current = []
                    start = line_no
                else:
                    if not start and not line.strip():
                        # blank lines before the first message are not a preamble
                        self.position += len(line)
                        continue
                    current.append(self._unescape(line))
                self.position += len(line)
            if current or start:
                yield start, _join_message(current)

    def _unescape(self, line: bytes) -> bytes:
        if self.variant == "mboxrd":
            if _MBOXRD_ESCAPED.match(line):
                return line[1:]
        elif line.startswith(b">From "):
            return line[1:]
        return line

    # -- translating ---------------------------------------------------------

    def _translate(
        self,
        line_no: int,
        data: bytes,
        seen_channels: set[str],
        seen_identities: dict[str, bool],
    ) -> Iterator[Record]:
        where = location(self.path, line_no)
        try:
            message = BytesParser(policy=compat32).parsebytes(data)
        except Exception as exc:  # the parser is tolerant; this guards its rare bugs
            yield Rejection(location=where, reason=f"unreadable message: {exc}")
            return
        headers = _first_headers(message)
        if not headers:
            yield Rejection(location=where, reason="the message has no header")
            return

        sender = headers.get("from", "")
        name, address = email.utils.parseaddr(normalise_address(sender))
        address = address.strip().lower() if "@" in address else ""
        display_name = _SPACES.sub(" ", decode_header_words(name)).strip().strip("\"'") or None
        subject = _SPACES.sub(" ", decode_header_words(headers.get("subject", ""))).strip()
        date_text = headers.get("date", "").strip()

        message_id = first_message_id(headers.get("message-id"))
        if message_id is None:
            # A stable id keeps re-imports idempotent; ".invalid" can never clash.
            digest = hashlib.sha256(
                "\n".join((sender, date_text, subject)).encode("utf-8", "surrogatepass")
            ).hexdigest()[:32]
            message_id = f"{digest}@palabre.invalid"

        if not date_text:
            yield Rejection(
                location=where, reason="no Date header", field="Date", external_id=message_id
            )
            return
        created_at = _parse_date(date_text)
        if created_at is None:
            yield Rejection(
                location=where,
                reason=f"unparsable date {date_text!r}",
                field="Date",
                external_id=message_id,
            )
            return

        channel = self._channel(headers)
        if channel.external_id not in seen_channels:
            seen_channels.add(channel.external_id)
            yield channel

        if address and (
            address not in seen_identities or (display_name and not seen_identities[address])
        ):
            # Yield again when a later message brings the name the first one lacked.
            seen_identities[address] = bool(display_name)
            yield IdentityRecord(external_id=address, display_name=display_name, email=address)

        reply_to = first_message_id(headers.get("in-reply-to"))
        root = first_message_id(headers.get("references"))
        text, attachments = _body(message)
        yield MessageRecord(
            external_id=message_id,
            channel_external_id=channel.external_id,
            author_external_id=address or None,
            created_at=created_at,
            text=text,
            thread_external_id=root or reply_to or message_id,
            reply_to_external_id=reply_to,
            title=subject or None,
            attachments=attachments,
        )

    def _channel(self, headers: dict[str, str]) -> ChannelRecord:
        if self.channel_override:
            return ChannelRecord(
                external_id=self.channel_override, name=self.channel_override, kind="email"
            )
        list_id = headers.get("list-id", "").strip()
        match = _LIST_ID.match(list_id)
        if match:
            list_name = _SPACES.sub(" ", decode_header_words(match.group(1))).strip()
            list_name = list_name.strip("\"'").rstrip(".").strip()
            external_id = match.group(2).strip()
            archive = first_message_id(headers.get("list-archive")) or ""
            url = archive if archive.startswith(("http://", "https://")) else None
            return ChannelRecord(
                external_id=external_id, name=list_name or external_id, kind="email", url=url
            )
        if list_id:
            return ChannelRecord(external_id=list_id, name=list_id, kind="email")
        stem = self.path.stem
        return ChannelRecord(external_id=stem, name=stem, kind="email")


def _join_message(lines: list[bytes]) -> bytes:
    # The blank line that ends each message belongs to the mbox, not to the message.
    if lines and not lines[-1].strip():
        lines = lines[:-1]
    return b"".join(lines)


def _first_headers(message: Message) -> dict[str, str]:
    """First value of each header, unfolded, with raw 8-bit bytes decoded."""
    headers: dict[str, str] = {}
    for key, value in message.raw_items():
        name = key.lower()
        if name in headers:
            continue
        try:
            # compat32 keeps raw 8-bit header bytes as surrogate escapes.
            text = decode_bytes(value.encode("ascii", "surrogateescape"))
        except UnicodeEncodeError:
            text = value
        headers[name] = _FOLD.sub("", text).strip()
    return headers


def _parse_date(value: str) -> dt.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        # "-0000" or no zone: RFC 5322 reads it as UTC with no local information.
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def _body(message: Message) -> tuple[str, tuple[Attachment, ...]]:
    """The text of a message and its attachments (as references, never stored)."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        content_type = part.get_content_type()
        try:
            filename = part.get_filename()
        except (ValueError, LookupError, TypeError):
            filename = None
        payload = _payload(part)
        if filename or part.get_content_disposition() == "attachment":
            name = decode_header_words(filename) if filename else content_type
            attachments.append(Attachment(name=name, mimetype=content_type, size=len(payload)))
            continue
        if content_type == "text/plain":
            plain.append(decode_bytes(payload, part.get_content_charset()))
        elif content_type == "text/html":
            html.append(html_to_text(decode_bytes(payload, part.get_content_charset())))
        elif not content_type.startswith(("text/", "message/", "multipart/")):
            attachments.append(
                Attachment(name=content_type, mimetype=content_type, size=len(payload))
            )
    chosen = plain or html
    text = "\n\n".join(piece.replace("\r\n", "\n").replace("\r", "\n") for piece in chosen)
    text = text.strip()
    attachments.extend(_scrubbed_attachments(text))
    return text, tuple(attachments)


def _payload(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # broken transfer encodings: keep the raw text
        payload = None
    if isinstance(payload, bytes):
        return payload
    raw = part.get_payload()
    if isinstance(raw, str):
        return raw.encode("ascii", "surrogateescape")
    return b""


def _scrubbed_attachments(text: str) -> list[Attachment]:
    """Attachments that Mailman's pipermail removed and described in the body.

    Pipermail replaces them with a notice ("A non-text attachment was
    scrubbed... Name: x Type: y Size: 490 bytes URL: <...>"); the notice stays in
    the text, and the attachment it names is recorded as a reference.
    """
    found: list[Attachment] = []
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if not line.strip().endswith("attachment was scrubbed..."):
            continue
        fields: dict[str, str] = {}
        for follower in lines[index + 1 : index + 7]:
            match = _SCRUBBED_FIELD.match(follower.strip())
            if not match:
                break
            fields[match.group(1)] = match.group(2).strip()
        url = fields.get("URL", "").strip("<>") or None
        name = fields.get("Name") or (PurePosixPath(url).name if url else "") or "attachment"
        mimetype = fields.get("Type") or ("text/html" if "HTML attachment" in line else None)
        size_match = re.match(r"(\d+)", fields.get("Size", ""))
        size = int(size_match.group(1)) if size_match else None
        found.append(Attachment(name=name, url=url, mimetype=mimetype, size=size))
    return found
