"""The Slack workspace-export connector, as a specification.

Three inputs: the real export shared in ``chat-export-format-samples`` (anonymised
by slackdump, counted by hand below), a small hand-written export in
``tests/fixtures/slack/export`` (French and English, every mapped field), and
broken inputs.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tracemalloc
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypeVar

import pytest

from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    Rejection,
    ThreadRecord,
)
from palabre.connectors.registry import connector_class
from palabre.connectors.slack import SlackConnector, parse_ts, render_text
from palabre.errors import ImportFormatError
from tests.datasets import chat_samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "slack"
EXPORT = FIXTURES / "export"


def read_all(path: Path) -> list[Record]:
    connector = SlackConnector(path)
    connector.check()
    return list(connector.records())


T = TypeVar("T")


def of_type(records: Iterable[Record], kind: type[T]) -> list[T]:
    return [r for r in records if isinstance(r, kind)]


def messages_by_id(records: Iterable[Record]) -> dict[str, MessageRecord]:
    return {m.external_id: m for m in of_type(records, MessageRecord)}


def zip_folder(
    folder: Path, target: Path, prefix: str = "", compression: int = zipfile.ZIP_DEFLATED
) -> Path:
    """Zip ``folder`` the way Slack does (files at the top, or under ``prefix``)."""
    with zipfile.ZipFile(target, "w", compression=compression) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, prefix + file.relative_to(folder).as_posix())
    return target


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# ---------------------------------------------------------------- the real export
#
# Counted by reading slack-export-slackdump-fixture by hand:
# - channels.json: 1 channel (CO69735E8A, "B75B4C7"); groups, dms, mpims: [].
# - users.json: 10 users, 6 with "is_bot": true, none restricted.
# - B75B4C7/: 4 day files with 2 + 11 + 1 + 2 = 16 top-level entries; one is a
#   channel_join and one a tombstone (deleted thread root), so 14 messages.
# - threads: 2 roots with replies (…630.905399: 2 replies, …801.872639: 1 reply)
#   and 1 reply under the tombstone …828.343759: 4 replies in all.
# - 2 messages carry one file each (a gdoc and a jpeg), 1 has no text at all,
#   1 is edited (a bot message on 2025-01-18); no reactions, no <@…> mentions.

REAL_CHANNEL = "CO69735E8A"


@pytest.fixture(scope="module")
def real_export() -> Path:
    return chat_samples("slack-export-slackdump-fixture")


@pytest.fixture(scope="module")
def real_records(real_export: Path) -> list[Record]:
    return read_all(real_export)


def test_real_export_declares_its_one_public_channel(real_records: list[Record]) -> None:
    channels = of_type(real_records, ChannelRecord)
    assert [(c.external_id, c.name, c.kind, c.visibility) for c in channels] == [
        (REAL_CHANNEL, "B75B4C7", "chat", "public")
    ]
    assert channels[0].created_at == dt.datetime.fromtimestamp(1555493778, tz=dt.UTC)
    assert channels[0].topic == "0g5UsT9gJoI0bJJIsXBWsTKEBh3sNcV4fyJeSEfkPxKiwRZ2x"


def test_real_export_yields_one_identity_per_user(real_records: list[Record]) -> None:
    identities = of_type(real_records, IdentityRecord)
    assert len(identities) == 10
    assert sum(i.is_bot for i in identities) == 6
    assert {i.person_kind for i in identities if i.is_bot} == {"unknown"}
    assert {i.person_kind for i in identities if not i.is_bot} == {"employee"}
    first = identities[0]
    assert (first.external_id, first.handle, first.display_name) == (
        "UO1D8E698D",
        "28F2B43",
        "910QL4 j",
    )


def test_real_export_counts_messages_threads_and_attachments(
    real_records: list[Record],
) -> None:
    messages = of_type(real_records, MessageRecord)
    assert len(messages) == 14
    assert len({m.external_id for m in messages}) == 14
    replies = [m for m in messages if m.thread_external_id != m.external_id]
    assert len(replies) == 4
    roots_with_replies = {m.thread_external_id for m in replies} & {m.external_id for m in messages}
    assert roots_with_replies == {
        f"{REAL_CHANNEL}:1736478630.905399",
        f"{REAL_CHANNEL}:1736554801.872639",
    }
    assert sum(len(m.reactions) for m in messages) == 0
    assert sum(len(m.mentions) for m in messages) == 0
    assert sum(len(m.attachments) for m in messages) == 2
    assert sum(m.edited_at is not None for m in messages) == 1
    assert sum(m.text == "" for m in messages) == 1
    assert of_type(real_records, Rejection) == []


def test_real_export_keeps_file_order_and_skips_system_events(real_export: Path) -> None:
    connector = SlackConnector(real_export)
    records = list(connector.records())
    stamps = [m.created_at for m in of_type(records, MessageRecord)]
    assert stamps == sorted(stamps)
    assert stamps[0] == utc("2025-01-10 03:08:34.897649")
    assert connector.skipped == {"channel_join": 1, "tombstone": 1}


def test_real_export_reply_under_a_deleted_root_keeps_its_thread(
    real_records: list[Record],
) -> None:
    root = f"{REAL_CHANNEL}:1736554828.343759"
    assert of_type(real_records, ThreadRecord) == [
        ThreadRecord(root, REAL_CHANNEL, created_at=utc("2025-01-11 00:20:28.343759"))
    ]
    reply = messages_by_id(real_records)[f"{REAL_CHANNEL}:1736554838.911679"]
    assert reply.thread_external_id == root
    # The parent will never arrive: no dangling reply_to.
    assert reply.reply_to_external_id is None


def test_real_export_maps_files_and_edits(real_records: list[Record]) -> None:
    messages = messages_by_id(real_records)
    photo = messages[f"{REAL_CHANNEL}:1736582524.607359"]
    assert photo.text == ""
    assert photo.attachments == (
        Attachment(
            name="befvnsUNVjwGzKFcKxuIlJ2dYo5z59neCfT8P2Y3t",
            url="https://files.slack.com/tQeO2Jzl7hibouCaKrzffDNDIbinPa49wCWscbtUmz5QuZU3dwkOCHf6J8vnh3PPjJkU",
            mimetype="image/jpeg",
            size=239922,
        ),
    )
    bot = messages[f"{REAL_CHANNEL}:1737160363.583369"]
    assert bot.author_external_id == "UO0EC43A4792"
    assert bot.edited_at == utc("2025-01-18 00:32:51")


def test_zipped_real_export_yields_the_same_records(
    real_export: Path, real_records: list[Record], tmp_path: Path
) -> None:
    archive = zip_folder(real_export, tmp_path / "export.zip")
    assert read_all(archive) == real_records


def test_position_reaches_total_after_the_last_record(real_export: Path, tmp_path: Path) -> None:
    for path in (real_export, zip_folder(real_export, tmp_path / "export.zip")):
        connector = SlackConnector(path)
        total = connector.total()
        # listing files + day files, uncompressed (44,326 bytes on disk)
        assert total == 44326
        seen = []
        for _ in connector.records():
            seen.append(connector.position)
        assert seen == sorted(seen)
        assert 0 < seen[0] < total
        assert connector.position == total


# ------------------------------------------------------------- hand-written export


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return read_all(EXPORT)


def test_registry_knows_the_slack_connector() -> None:
    assert connector_class("slack") is SlackConnector
    assert SlackConnector.kind == "slack"


def test_records_come_channels_first_then_identities_then_messages(
    records: list[Record],
) -> None:
    order = [type(r).__name__ for r in records]
    first_message = order.index("MessageRecord")
    assert set(order[:5]) == {"ChannelRecord"}
    assert set(order[5:9]) == {"IdentityRecord"}
    assert "ChannelRecord" not in order[first_message:]


def test_every_listing_becomes_a_channel_with_its_visibility(records: list[Record]) -> None:
    assert of_type(records, ChannelRecord) == [
        ChannelRecord(
            "C01GENERAL",
            "general",
            topic="Annonces et discussions",
            created_at=utc("2020-01-01 00:00"),
        ),
        # no topic: the purpose stands in
        ChannelRecord(
            "C02PROJETS",
            "projets",
            topic="Suivi des projets clients",
            created_at=utc("2020-02-01 00:00"),
        ),
        ChannelRecord(
            "G01DIRECTION",
            "direction",
            visibility="private",
            topic="Comité de direction",
            created_at=utc("2020-03-01 00:00"),
        ),
        ChannelRecord(
            "D01ALICEBOB",
            "dm: alice, bob",
            visibility="direct",
            created_at=utc("2020-04-01 00:00"),
        ),
        ChannelRecord(
            "G02MPIM",
            "mpdm-alice--bob--carol-1",
            visibility="direct",
            topic="Group messaging with: @alice @bob @carol",
            created_at=utc("2020-05-01 00:00"),
        ),
    ]


def test_users_become_identities_with_kind_email_and_locale(records: list[Record]) -> None:
    declared = of_type(records, IdentityRecord)[:4]
    assert declared == [
        IdentityRecord(
            "U01ALICE",
            handle="alice",
            display_name="Alice Martin",
            email="alice@example.com",
            person_kind="employee",
            locale="fr-FR",
        ),
        # a guest account is outside the company
        IdentityRecord(
            "U02BOB",
            handle="bob",
            display_name="Bob Smith",
            email="bob@partner.example",
            person_kind="partner",
            locale="en-GB",
        ),
        IdentityRecord("U03BOT", handle="reportbot", display_name="Report Bot", is_bot=True),
        # no real name: the display name; an e-mail without "@" is dropped
        IdentityRecord("U04CAROL", handle="carol", display_name="Caro", person_kind="employee"),
    ]


def test_authors_missing_from_users_json_are_described_from_the_message(
    records: list[Record],
) -> None:
    discovered = of_type(records, IdentityRecord)[4:]
    assert discovered == [
        IdentityRecord("B01DEPLOY", handle="deploybot", is_bot=True),
        IdentityRecord(
            "U09GHOST", handle="gaston", display_name="Gaston Host", person_kind="partner"
        ),
    ]
    # each discovered identity comes before the first message it wrote
    position = {id(r): i for i, r in enumerate(records)}
    ghost_message = messages_by_id(records)["C01GENERAL:1741086000.000700"]
    assert position[id(discovered[1])] < position[id(ghost_message)]
    assert ghost_message.author_external_id == "U09GHOST"


def test_messages_are_yielded_per_channel_and_day_in_file_order(records: list[Record]) -> None:
    assert [m.external_id for m in of_type(records, MessageRecord)] == [
        "C01GENERAL:1740992400.000100",
        "C01GENERAL:1740992700.000200",
        "C01GENERAL:1740993120.000300",
        "C01GENERAL:1741012200.000400",
        "C01GENERAL:1741076100.000500",
        "C01GENERAL:1741076400.000600",
        "C01GENERAL:1741086000.000700",
        "G01DIRECTION:1741012200.000100",
        "D01ALICEBOB:1741193100.000100",
        "G02MPIM:1741193100.000200",
    ]


def test_thread_root_maps_every_field(records: list[Record]) -> None:
    root = messages_by_id(records)["C01GENERAL:1740992400.000100"]
    assert root == MessageRecord(
        external_id="C01GENERAL:1740992400.000100",
        channel_external_id="C01GENERAL",
        author_external_id="U01ALICE",
        created_at=utc("2025-03-03 09:00:00.000100"),
        text=(
            "Bonjour @bob ! Le client Dupont & Fils n’est pas content de la livraison, "
            "voir #projets et le ticket (https://example.com/ticket/42)."
        ),
        thread_external_id="C01GENERAL:1740992400.000100",
        reply_to_external_id=None,
        edited_at=utc("2025-03-03 09:01:00"),
        reactions=(
            Reaction("eyes", "U02BOB"),
            Reaction("eyes", "U04CAROL"),
            Reaction("+1", "U02BOB"),
            # count 3 but one named reactor: two anonymous reactions
            Reaction("+1"),
            Reaction("+1"),
        ),
        mentions=("U02BOB",),
    )


def test_replies_point_to_the_thread_root(records: list[Record]) -> None:
    messages = messages_by_id(records)
    reply = messages["C01GENERAL:1740992700.000200"]
    assert reply.thread_external_id == "C01GENERAL:1740992400.000100"
    assert reply.reply_to_external_id == "C01GENERAL:1740992400.000100"
    assert reply.text == "Thanks @alice, I'll call them today. Cc @carol <urgent>"
    assert reply.mentions == ("U01ALICE", "U04CAROL")
    broadcast = messages["C01GENERAL:1740993120.000300"]
    assert broadcast.reply_to_external_id == "C01GENERAL:1740992400.000100"
    assert broadcast.text == "Merci ! @here on en reparle demain."
    assert broadcast.mentions == ()


def test_links_are_made_readable(records: list[Record]) -> None:
    message = messages_by_id(records)["C01GENERAL:1741012200.000400"]
    assert message.text == "Is http://intranet.example.com down? Write to support@example.com."


def test_files_are_kept_as_references_and_deleted_files_dropped(records: list[Record]) -> None:
    message = messages_by_id(records)["C01GENERAL:1741076100.000500"]
    assert message.text == "Le compte rendu de la réunion"
    assert message.attachments == (
        Attachment(
            name="compte-rendu.pdf",
            url="https://files.slack.com/files-pri/T01ACME-F01REPORT/compte-rendu.pdf",
            mimetype="application/pdf",
            size=48213,
        ),
    )


def test_bot_message_without_text_uses_its_legacy_attachment(records: list[Record]) -> None:
    message = messages_by_id(records)["C01GENERAL:1741076400.000600"]
    assert message.author_external_id == "B01DEPLOY"
    assert message.text == "Deploy *v1.2* finished"


def test_private_direct_and_group_direct_messages_are_read_from_their_folders(
    records: list[Record],
) -> None:
    messages = messages_by_id(records)
    assert messages["G01DIRECTION:1741012200.000100"].text == "Budget 2025 : réunion jeudi à 10 h."
    dm = messages["D01ALICEBOB:1741193100.000100"]
    assert (dm.channel_external_id, dm.author_external_id) == ("D01ALICEBOB", "U02BOB")
    assert dm.text == "Can you send me the signed contract? Merci !"
    assert messages["G02MPIM:1741193100.000200"].text == "On se retrouve à 17 h ?"


def test_join_messages_are_not_messages() -> None:
    connector = SlackConnector(EXPORT)
    records = list(connector.records())
    assert "C01GENERAL:1740992000.000100" not in messages_by_id(records)
    assert connector.skipped == {"channel_join": 1}


def test_zip_with_the_export_in_a_top_folder_is_read(tmp_path: Path, records: list[Record]) -> None:
    archive = zip_folder(EXPORT, tmp_path / "slack.zip", prefix="Acme Slack export/")
    assert read_all(archive) == records


def test_unlisted_folder_of_day_files_is_reported(tmp_path: Path) -> None:
    export = shutil.copytree(EXPORT, tmp_path / "export")
    (export / "old-channel").mkdir()
    (export / "old-channel" / "2019-12-31.json").write_text("[]")
    rejections = of_type(read_all(export), Rejection)
    assert [r.location for r in rejections] == ["old-channel/"]
    assert "no listing file" in rejections[0].reason


def write_big_export(folder: Path, days: int, per_day: int = 200) -> Path:
    folder.mkdir()
    (folder / "users.json").write_text('[{"id": "U1", "name": "alice"}]')
    (folder / "channels.json").write_text('[{"id": "C1", "name": "general"}]')
    (folder / "general").mkdir()
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    for day in range(days):
        date = start + dt.timedelta(days=day)
        messages = [
            {
                "type": "message",
                "user": "U1",
                "text": f"Message {n} du {date:%d/%m} : la livraison est en retard <@U1>",
                "ts": f"{int(date.timestamp()) + n}.000{n:03d}",
            }
            for n in range(per_day)
        ]
        (folder / "general" / f"{date:%Y-%m-%d}.json").write_text(json.dumps(messages))
    return folder


def peak_memory_while_streaming(path: Path) -> tuple[int, int]:
    tracemalloc.start()
    try:
        count = sum(1 for r in SlackConnector(path).records() if isinstance(r, MessageRecord))
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_day_files(tmp_path: Path) -> None:
    small = peak_memory_while_streaming(write_big_export(tmp_path / "small", days=10))
    large = peak_memory_while_streaming(write_big_export(tmp_path / "large", days=80))
    assert (small[0], large[0]) == (2000, 16000)
    # eight times the messages, about the same peak: one day file at a time
    assert large[1] < small[1] * 1.5


def test_check_and_records_write_nothing(tmp_path: Path) -> None:
    export = shutil.copytree(EXPORT, tmp_path / "export")
    before = {p: p.stat().st_mtime_ns for p in export.rglob("*")}
    read_all(export)
    assert {p: p.stat().st_mtime_ns for p in export.rglob("*")} == before


# ------------------------------------------------------------------ text and times


@pytest.mark.parametrize(
    ("raw", "text", "mentions"),
    [
        ("<@U1> et <@U2|bobby>", "@alice et @bobby", ("U1", "U2")),
        ("<@U1> <@U1>", "@alice @alice", ("U1",)),
        ("voir <#C1> / <#C9|autre>", "voir #général / #autre", ()),
        ("<https://x.example/a?b=1&amp;c=2|le lien>", "le lien (https://x.example/a?b=1&c=2)", ()),
        ("<!channel> <!subteam^S1|@support>", "@channel @support", ()),
        ("a &lt; b &amp;&amp; c &gt; d", "a < b && c > d", ()),
        ("&amp;lt; stays literal", "&lt; stays literal", ()),
    ],
)
def test_render_text(raw: str, text: str, mentions: Sequence[str]) -> None:
    assert render_text(raw, {"U1": "alice"}, {"C1": "général"}) == (text, tuple(mentions))


def test_parse_ts_is_exact_to_the_microsecond() -> None:
    assert parse_ts("1736478514.897649") == utc("2025-01-10 03:08:34.897649")
    assert parse_ts("1736478514") == utc("2025-01-10 03:08:34")
    assert parse_ts("soon") is None
    assert parse_ts(1736478514.5) is None


# --------------------------------------------------------------------- bad inputs


def test_missing_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"nowhere\.zip: no such file"):
        SlackConnector(tmp_path / "nowhere.zip").check()


def test_truncated_zip_is_refused(tmp_path: Path) -> None:
    archive = zip_folder(EXPORT, tmp_path / "export.zip")
    data = archive.read_bytes()
    archive.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportFormatError, match="truncated or corrupt zip") as caught:
        SlackConnector(archive).check()
    assert caught.value.path == str(archive)


def test_corrupt_day_file_in_a_zip_stops_the_import_naming_the_member(tmp_path: Path) -> None:
    archive = zip_folder(EXPORT, tmp_path / "export.zip", compression=zipfile.ZIP_STORED)
    with zipfile.ZipFile(archive) as reader:
        info = reader.getinfo("direction/2025-03-03.json")
    data = bytearray(archive.read_bytes())
    # the member's data starts after its 30-byte local header, name and extra field
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 20] ^= 0xFF
    archive.write_bytes(bytes(data))
    connector = SlackConnector(archive)
    connector.check()
    with pytest.raises(ImportFormatError, match="corrupt entry") as caught:
        list(connector.records())
    assert caught.value.path == f"{archive}/direction/2025-03-03.json"


def test_file_that_is_not_a_zip_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    path.write_text("[]")
    with pytest.raises(ImportFormatError, match="not a zip archive"):
        SlackConnector(path).check()


def test_folder_that_is_not_a_slack_export_says_what_was_expected() -> None:
    with pytest.raises(ImportFormatError) as caught:
        SlackConnector(FIXTURES / "not-an-export").check()
    message = str(caught.value)
    assert "users.json is missing" in message
    assert "users.json and channels.json" in message


def test_export_without_channels_json_is_refused(tmp_path: Path) -> None:
    export = shutil.copytree(EXPORT, tmp_path / "export")
    (export / "channels.json").unlink()
    with pytest.raises(ImportFormatError, match=r"channels\.json is missing"):
        SlackConnector(export).check()


def test_invalid_json_in_users_json_gives_the_line(tmp_path: Path) -> None:
    export = shutil.copytree(EXPORT, tmp_path / "export")
    (export / "users.json").write_text('[\n  {"id": "U1",\n   "name": }\n]\n')
    with pytest.raises(ImportFormatError) as caught:
        SlackConnector(export).check()
    assert caught.value.path == str(export / "users.json")
    assert caught.value.line == 3
    assert "invalid JSON" in str(caught.value)


def test_invalid_json_in_a_zipped_channels_json_names_the_member(tmp_path: Path) -> None:
    export = shutil.copytree(EXPORT, tmp_path / "export")
    (export / "channels.json").write_text("[\n{]\n")
    archive = zip_folder(export, tmp_path / "export.zip")
    with pytest.raises(ImportFormatError) as caught:
        SlackConnector(archive).check()
    assert caught.value.path == f"{archive}/channels.json"
    assert caught.value.line == 2


def test_invalid_day_file_stops_the_import_naming_file_and_line() -> None:
    folder = FIXTURES / "invalid-day-file"
    connector = SlackConnector(folder)
    connector.check()  # day files are read while streaming, not by check()
    seen: list[Record] = []
    with pytest.raises(ImportFormatError) as caught:
        seen.extend(connector.records())
    assert caught.value.path == str(folder / "general" / "2025-01-10.json")
    assert caught.value.line == 4
    # the day before was already yielded: the import streams
    assert [m.text for m in of_type(seen, MessageRecord)] == ["La veille, tout va bien."]


def test_malformed_messages_are_rejected_and_the_import_goes_on() -> None:
    records = read_all(FIXTURES / "malformed-messages")
    assert [m.text for m in of_type(records, MessageRecord)] == [
        "Avant le problème",
        "Après le problème",
    ]
    rejections = of_type(records, Rejection)
    assert [(r.location, r.field) for r in rejections] == [
        ("general/2025-01-10.json[1]", "ts"),
        ("general/2025-01-10.json[2]", "ts"),
        ("general/2025-01-10.json[4]", "thread_ts"),
        ("general/2025-01-10.json[5]", None),
    ]
    assert rejections[0].reason == "the message has no timestamp"
    assert "'2025-01-10 09:01'" in rejections[1].reason
