"""The Mattermost connector: bulk export (JSONL, zip) and API JSON pages."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path
from typing import TypeVar

import pytest

from palabre.connectors.mattermost import MattermostConnector
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    Rejection,
)
from palabre.connectors.registry import connector_class
from palabre.errors import ImportFormatError
from tests.datasets import chat_samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mattermost"
EXPORT = FIXTURES / "export.jsonl"

T = TypeVar("T")


def imported(path: Path) -> list[Record]:
    """Check the input, then read every record, as the importer does."""
    connector = MattermostConnector(path)
    connector.check()
    return list(connector.records())


def only(records: list[Record], kind: type[T]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


def by_text(records: list[Record], start: str) -> MessageRecord:
    (message,) = [m for m in only(records, MessageRecord) if m.text.startswith(start)]
    return message


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def write_export(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


VERSION = '{"type": "version", "version": 1}'


# -- registry ----------------------------------------------------------------------


def test_the_registry_gives_this_connector_for_kind_mattermost() -> None:
    assert connector_class("mattermost") is MattermostConnector


# -- bulk export ---------------------------------------------------------------------


def test_a_bulk_export_gives_its_channels_with_team_name_ids_and_visibility() -> None:
    channels = {c.external_id: c for c in only(imported(EXPORT), ChannelRecord)}

    assert set(channels) == {"acme/town-square", "acme/direction", "direct/alice,bob"}
    assert channels["acme/town-square"].name == "Town Square"
    assert channels["acme/town-square"].visibility == "public"
    assert channels["acme/town-square"].topic == (
        "Annonces et questions / announcements and questions"
    )
    assert channels["acme/direction"].visibility == "private"
    assert channels["acme/direction"].topic == "Comité de direction"
    assert channels["direct/alice,bob"].visibility == "direct"
    assert channels["direct/alice,bob"].name == "alice, bob"


def test_a_bulk_export_gives_users_keyed_by_username() -> None:
    identities = {i.external_id: i for i in only(imported(EXPORT), IdentityRecord)}

    assert set(identities) == {"alice", "bob", "chloe.d"}
    assert identities["alice"] == IdentityRecord(
        external_id="alice",
        handle="alice",
        display_name="Alice Martin",
        email="alice@acme.example",
        locale="fr",
    )
    assert identities["bob"].display_name == "Bobby"  # no first/last name: the nickname
    assert identities["chloe.d"].display_name is None


def test_posts_replies_and_direct_posts_become_messages_and_system_posts_do_not() -> None:
    records = imported(EXPORT)
    messages = only(records, MessageRecord)

    # 2 posts + 2 replies + 1 direct post; "bob joined the channel." is skipped.
    assert len(messages) == 5
    assert not any("joined the channel" in m.text for m in messages)
    assert only(records, Rejection) == []


def test_a_post_keeps_its_times_reactions_and_attachments() -> None:
    root = by_text(imported(EXPORT), "Bonjour à tous")

    assert root.channel_external_id == "acme/town-square"
    assert root.author_external_id == "alice"
    assert root.created_at == utc(2025, 1, 10, 10, 30)
    assert root.edited_at == utc(2025, 1, 10, 10, 40)
    assert root.thread_external_id is None  # it starts its thread
    assert root.reactions == (Reaction("+1", "bob", utc(2025, 1, 10, 10, 31, 40)),)
    assert root.attachments == (Attachment(name="notes-de-version.pdf"),)


def test_replies_are_in_the_thread_of_their_root_and_answer_it() -> None:
    records = imported(EXPORT)
    root = by_text(records, "Bonjour à tous")
    english = by_text(records, "Great news!")
    french = by_text(records, "Merci @alice.")

    for reply in (english, french):
        assert reply.thread_external_id == root.external_id
        assert reply.reply_to_external_id == root.external_id
        assert reply.channel_external_id == "acme/town-square"
    assert english.author_external_id == "bob"
    assert english.reactions == (Reaction("heart", "alice", utc(2025, 1, 10, 11, 3, 20)),)
    assert french.attachments == (Attachment(name="capture écran.png"),)


def test_mentions_name_known_users_only() -> None:
    records = imported(EXPORT)

    # "Merci @alice." — the sentence's full stop is not part of the username.
    assert by_text(records, "Merci @alice.").mentions == ("alice",)
    # @channel is a notification keyword, not a person.
    assert by_text(records, "@alice can you check").mentions == ("alice",)


def test_a_direct_post_lands_in_its_direct_channel_declared_once() -> None:
    records = imported(EXPORT)
    direct = by_text(records, "Je pense que nous allons perdre")

    # The export lists the members in another order in direct_channel and direct_post.
    assert direct.channel_external_id == "direct/alice,bob"
    assert [c.external_id for c in only(records, ChannelRecord)].count("direct/alice,bob") == 1
    assert direct.reactions == (Reaction("disappointed", "alice", utc(2025, 1, 11, 13, 1, 40)),)


def test_channels_and_users_come_before_the_messages_that_use_them() -> None:
    declared: set[str] = set()
    for record in imported(EXPORT):
        if isinstance(record, ChannelRecord | IdentityRecord):
            declared.add(record.external_id)
        elif isinstance(record, MessageRecord):
            assert record.channel_external_id in declared
            assert record.author_external_id in declared


def test_message_ids_are_stable_and_do_not_depend_on_the_text(tmp_path: Path) -> None:
    first = [m.external_id for m in only(imported(EXPORT), MessageRecord)]
    again = [m.external_id for m in only(imported(EXPORT), MessageRecord)]
    edited = tmp_path / "edited.jsonl"
    edited.write_text(
        EXPORT.read_text(encoding="utf-8").replace("Bonjour à tous", "Bonsoir à tous"),
        encoding="utf-8",
    )

    assert first == again
    assert len(set(first)) == len(first)
    # An edited post is the same post: re-importing updates it instead of duplicating it.
    assert [m.external_id for m in only(imported(edited), MessageRecord)] == first


def test_the_export_is_read_line_by_line_and_reports_its_position() -> None:
    connector = MattermostConnector(EXPORT)
    connector.check()
    stream = connector.records()

    next(stream)  # the first channel: only the first lines have been read
    assert 0 < connector.position < EXPORT.stat().st_size
    list(stream)
    assert connector.position == connector.total() == EXPORT.stat().st_size


def test_the_exported_zip_is_read_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "mattermost-export.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.write(EXPORT, "export.jsonl")
        zipped.writestr("data/attachments/notes-de-version.pdf", b"%PDF-1.4")

    connector = MattermostConnector(archive)
    connector.check()
    records = list(connector.records())

    assert records == imported(EXPORT)
    assert connector.position == connector.total() == EXPORT.stat().st_size


# -- bulk export: bad entries ---------------------------------------------------------


def test_a_post_without_create_at_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = write_export(
        tmp_path,
        VERSION,
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "x"}}',
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "ok",'
        ' "create_at": 1736505000000}}',
    )
    records = imported(path)

    assert only(records, Rejection) == [
        Rejection(location=f"{path}:2", reason="missing", field="create_at")
    ]
    assert [m.text for m in only(records, MessageRecord)] == ["ok"]


def test_a_time_that_is_not_milliseconds_is_rejected(tmp_path: Path) -> None:
    path = write_export(
        tmp_path,
        VERSION,
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "x",'
        ' "create_at": "hier"}}',
    )
    (rejection,) = only(imported(path), Rejection)

    assert rejection.location == f"{path}:2"
    assert rejection.field == "create_at"
    assert "'hier'" in rejection.reason


def test_an_undecodable_line_is_rejected_and_the_import_goes_on(tmp_path: Path) -> None:
    path = write_export(
        tmp_path,
        VERSION,
        '{"type": "user", "user": {"username": "u"}}',
        '{"type": "post", "post": {"team": "t", "channel"',
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "ok",'
        ' "create_at": 1736505000000}}',
    )
    records = imported(path)

    (rejection,) = only(records, Rejection)
    assert rejection.location == f"{path}:3"
    assert rejection.reason.startswith("invalid JSON")
    assert len(only(records, MessageRecord)) == 1


def test_a_bad_reply_or_reaction_is_rejected_alone(tmp_path: Path) -> None:
    path = write_export(
        tmp_path,
        VERSION,
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "root",'
        ' "create_at": 1736505000000, "reactions": [{"user": "v"}],'
        ' "replies": [{"message": "who?", "create_at": 1736505001000},'
        ' {"user": "v", "message": "fine", "create_at": 1736505002000}]}}',
    )
    records = imported(path)

    assert only(records, Rejection) == [
        Rejection(
            location=f"{path}:2[reactions.0]",
            reason="a reaction needs a user and an emoji_name",
            field="reactions",
        ),
        Rejection(location=f"{path}:2[replies.0]", reason="missing", field="user"),
    ]
    assert [(m.text, m.reactions) for m in only(records, MessageRecord)] == [
        ("root", ()),
        ("fine", ()),
    ]


def test_replies_of_a_rejected_post_are_rejected_too(tmp_path: Path) -> None:
    path = write_export(
        tmp_path,
        VERSION,
        '{"type": "post", "post": {"team": "t", "channel": "c", "user": "u", "message": "root",'
        ' "replies": [{"user": "v", "message": "orphan", "create_at": 1736505002000}]}}',
    )
    records = imported(path)

    assert [r.location for r in only(records, Rejection)] == [f"{path}:2", f"{path}:2[replies.0]"]
    assert only(records, MessageRecord) == []


# -- check: inputs that are not Mattermost at all ---------------------------------------


def test_check_refuses_a_file_that_is_not_json_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text("Bonjour,\nceci n'est pas un export\n", encoding="utf-8")

    with pytest.raises(ImportFormatError) as error:
        MattermostConnector(path).check()
    assert error.value.path == str(path)
    assert error.value.line == 1


def test_check_refuses_jsonl_that_is_not_a_bulk_export(tmp_path: Path) -> None:
    path = write_export(tmp_path, '{"type": "message", "text": "hello"}')

    with pytest.raises(ImportFormatError, match="not a Mattermost bulk export") as error:
        MattermostConnector(path).check()
    assert error.value.line == 1


def test_check_refuses_json_that_is_not_mattermost(tmp_path: Path) -> None:
    path = tmp_path / "topic.json"
    path.write_text('{"id": 1, "title": "a Discourse topic", "post_stream": {"posts": []}}')

    with pytest.raises(ImportFormatError, match="not a Mattermost") as error:
        MattermostConnector(path).check()
    assert error.value.path == str(path)


def test_check_names_the_line_of_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text('{\n  "order": [],\n  "posts": {,}\n}\n')

    with pytest.raises(ImportFormatError) as error:
        MattermostConnector(path).check()
    assert error.value.line == 3
    assert str(path) in str(error.value)


def test_check_refuses_an_empty_folder_and_an_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    folder = tmp_path / "nothing"
    folder.mkdir()

    with pytest.raises(ImportFormatError, match=r"no \.json, \.jsonl or \.zip file"):
        MattermostConnector(folder).check()
    with pytest.raises(ImportFormatError, match="empty"):
        MattermostConnector(empty).check()


# -- API JSON: the real perceval samples -----------------------------------------------


def test_perceval_folder_counts() -> None:
    """Counted by reading the files: mattermost_posts.json holds 5 posts,
    mattermost_posts_next.json 4 of which 2 are "system_join_team" notices; one post
    (59io…) answers another (pot46…); no post has metadata.reactions; two user files;
    one channel file; mattermost_erros.json is a 403 error response."""
    folder = chat_samples("perceval-fixtures", "mattermost")
    connector = MattermostConnector(folder)
    connector.check()
    records = list(connector.records())
    messages = only(records, MessageRecord)

    assert len(messages) == 7
    assert len([m for m in messages if m.reply_to_external_id]) == 1
    assert sum(len(m.reactions) for m in messages) == 0
    assert len(only(records, IdentityRecord)) == 2
    assert len(only(records, ChannelRecord)) == 1
    (rejection,) = only(records, Rejection)
    assert rejection.location.endswith("mattermost_erros.json")
    assert "403" in rejection.reason
    assert connector.position == connector.total()


def test_perceval_posts_keep_ids_threads_and_times() -> None:
    records = imported(chat_samples("perceval-fixtures", "mattermost"))
    messages = {m.external_id: m for m in only(records, MessageRecord)}

    reply = messages["59io5i1f5bbetxtj6mbm67fouw"]
    assert reply.text == "El Madrid también en semis"
    assert reply.thread_external_id == "pot46s7kjif7xx6x91ua7m4d7y"
    assert reply.reply_to_external_id == "pot46s7kjif7xx6x91ua7m4d7y"
    assert reply.author_external_id == "8tbwn7uikpdy3gpse6fgiie5co"
    assert reply.channel_external_id == "cf6axeehstft9eq4nq5uk5jqby"
    assert messages["shs4ujzubtffzxbshxthfcxfdw"].created_at == dt.datetime(
        2018, 4, 12, 9, 43, 19, 108000, tzinfo=dt.UTC
    )
    assert "1ju85sxo7bfab8nf3yk5snn17a" not in messages  # "sduenas joined the team."


def test_perceval_users_and_channel() -> None:
    records = imported(chat_samples("perceval-fixtures", "mattermost"))
    identities = {i.handle: i for i in only(records, IdentityRecord)}
    (channel,) = only(records, ChannelRecord)

    assert identities["sduenas"].external_id == "8tbwn7uikpdy3gpse6fgiie5co"
    assert identities["sduenas"].email == "sduenas@bitergia.com"
    assert identities["valcos"].external_id == "haqnaxe4cpn4jfsx3w7x3y96ea"
    assert identities["valcos"].display_name is None  # no first, last or nickname
    assert channel.external_id == "abcdefghijkl"
    assert channel.name == "GrimoireLab channel"
    assert channel.visibility == "public"
    assert channel.topic == "the secret header"


def test_perceval_single_pages() -> None:
    folder = chat_samples("perceval-fixtures", "mattermost")

    assert len(only(imported(folder / "mattermost_posts.json"), MessageRecord)) == 5
    # An empty page is a Mattermost page with nothing in it, not an error.
    assert imported(folder / "mattermost_posts_empty.json") == []


def test_an_api_error_response_alone_is_refused(tmp_path: Path) -> None:
    errors = chat_samples("perceval-fixtures", "mattermost", "mattermost_erros.json")

    with pytest.raises(ImportFormatError, match=r"error response.*403") as error:
        MattermostConnector(errors).check()
    assert error.value.path == str(errors)


# -- API JSON: reactions, files, mentions, deleted posts (own fixture) -------------------


def test_api_pages_with_reactions_files_and_mentions() -> None:
    records = imported(FIXTURES / "api")
    identities = {i.handle: i for i in only(records, IdentityRecord)}
    messages = {m.external_id: m for m in only(records, MessageRecord)}

    assert identities["feedbackbot"].is_bot
    assert identities["alice"].display_name == "Alice Martin"
    # the deleted post is left out
    assert set(messages) == {"p1rootxxxxxxxxxxxxxxxxxxxx", "p3replyxxxxxxxxxxxxxxxxxxx"}
    root = messages["p1rootxxxxxxxxxxxxxxxxxxxx"]
    assert root.text == "L'export CSV est réparé."
    assert root.edited_at == utc(2025, 1, 10, 10, 45)
    assert root.reactions == (
        Reaction("tada", "u2bobxxxxxxxxxxxxxxxxxxxxx", utc(2025, 1, 10, 10, 46, 40)),
        Reaction("+1", "u3botxxxxxxxxxxxxxxxxxxxxx", utc(2025, 1, 10, 10, 48, 20)),
    )
    reply = messages["p3replyxxxxxxxxxxxxxxxxxxx"]
    # parent_id is empty in newer servers: the root is the parent.
    assert reply.reply_to_external_id == root.external_id
    assert reply.mentions == ("u1alicexxxxxxxxxxxxxxxxxxx",)
    assert reply.attachments == (Attachment(name="export.csv", mimetype="text/csv", size=2048),)


def test_a_post_repeated_in_two_pages_is_yielded_once(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(FIXTURES / "api", folder)
    shutil.copy(folder / "posts_page_0.json", folder / "posts_page_1.json")

    messages = only(imported(folder), MessageRecord)

    assert len(messages) == 2


def test_an_api_post_without_create_at_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "posts.json"
    path.write_text(
        '{"order": ["a"], "posts": {"a": {"id": "a", "channel_id": "c", "user_id": "u",'
        ' "message": "no time"}}}'
    )

    assert imported(path) == [
        Rejection(location=f"{path}[a]", reason="missing", field="create_at", external_id="a")
    ]
