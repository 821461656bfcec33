"""The ActivityPub connector: what a Mastodon archive's outbox becomes.

The fixtures under ``tests/fixtures/activitypub`` follow Mastodon's export:
``outbox.json`` (7 items: 6 ``Create`` of a ``Note`` and 1 ``Announce``) and
``actor.json`` beside it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
import pytest

from palabre.connectors.activitypub import (
    ActivityPubConnector,
    handle_from_mention,
    handle_from_url,
)
from palabre.connectors.html import html_to_text
from palabre.connectors.records import (
    Attachment,
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Record,
    Rejection,
)
from palabre.connectors.registry import connector_class
from palabre.errors import ImportFormatError

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "activitypub"
ME = "https://mastodon.example/users/camille"
LEA = "https://social.example/users/lea"
NICO = "https://mastodon.example/users/nico"
OUTBOX = f"{ME}/outbox"


def read(path: Path) -> list[Record]:
    connector = ActivityPubConnector(path)
    connector.check()
    return list(connector.records())


def messages(records: list[Record]) -> dict[str, MessageRecord]:
    """Messages by the number that ends their id."""
    return {r.external_id.rsplit("/", 1)[1][-1]: r for r in records if isinstance(r, MessageRecord)}


def test_the_registry_finds_the_activitypub_connector() -> None:
    assert connector_class("activitypub") is ActivityPubConnector
    assert ActivityPubConnector.default_channel_kind == "social"


def test_the_export_folder_or_its_outbox_file_give_the_same_records() -> None:
    assert read(FIXTURES) == read(FIXTURES / "outbox.json")


def test_each_create_becomes_a_message_and_boosts_are_counted_not_imported() -> None:
    connector = ActivityPubConnector(FIXTURES / "outbox.json")
    connector.check()
    records = list(connector.records())
    assert sorted(messages(records)) == ["1", "2", "3", "5", "6", "7"]
    assert connector.skipped == {"Announce": 1}
    assert not [r for r in records if isinstance(r, Rejection)]
    assert connector.total() == 7
    assert connector.position == 7


def test_the_account_comes_from_actor_json_and_mentioned_people_are_declared_once() -> None:
    people = [r for r in read(FIXTURES) if isinstance(r, IdentityRecord)]
    assert people == [
        IdentityRecord(
            external_id=ME,
            handle="@camille@mastodon.example",
            display_name="Camille Roux",
            url="https://mastodon.example/@camille",
        ),
        IdentityRecord(external_id=LEA, handle="@lea@social.example", url=LEA),
        # a local mention is named "@nico": the host comes from its URL
        IdentityRecord(external_id=NICO, handle="@nico@mastodon.example", url=NICO),
    ]


def test_public_followers_only_and_direct_toots_go_to_three_channels() -> None:
    records = read(FIXTURES)
    found = [r for r in records if isinstance(r, ChannelRecord)]
    assert [(c.external_id, c.kind, c.visibility) for c in found] == [
        (OUTBOX, "social", "public"),
        (f"{OUTBOX}#followers", "social", "private"),
        (f"{OUTBOX}#direct", "social", "direct"),
    ]
    assert found[0].name == "@camille@mastodon.example"
    assert (
        found[0].topic
        == "Responsable produit. Parle de portails clients & d'expérience utilisateur."
    )
    by_number = messages(records)
    # "5" is unlisted (Public in cc): still public
    assert {n: m.channel_external_id for n, m in by_number.items()} == {
        "1": OUTBOX,
        "2": OUTBOX,
        "3": OUTBOX,
        "5": OUTBOX,
        "6": f"{OUTBOX}#followers",
        "7": f"{OUTBOX}#direct",
    }


def test_a_french_toot_with_a_hashtag_a_mention_and_an_image() -> None:
    toot = messages(read(FIXTURES))["1"]
    assert toot.text == (
        "Première journée au salon #VivaTech ! Merci @lea pour l'accueil sur le stand.\n\n"
        "On se retrouve demain à 10 h."
    )
    assert toot.language == "fr"
    assert toot.author_external_id == ME
    assert toot.created_at == dt.datetime(2024, 5, 22, 8, 30, tzinfo=dt.UTC)
    assert toot.url == "https://mastodon.example/@camille/110000000000000001"
    assert toot.mentions == (LEA,)
    assert toot.attachments == (
        Attachment(
            name="3f2a9c.jpg",
            url="/media_attachments/files/110/000/000/000/000/001/original/3f2a9c.jpg",
            mimetype="image/jpeg",
        ),
    )
    assert toot.thread_external_id == toot.external_id
    assert toot.reply_to_external_id is None


def test_replies_share_the_thread_of_the_first_note_outside_the_file() -> None:
    by_number = messages(read(FIXTURES))
    external = "https://social.example/users/lea/statuses/987654"
    assert by_number["2"].reply_to_external_id == external
    assert by_number["2"].thread_external_id == external
    # "3" answers "2", which is in the file: the chain is followed up to "2"'s parent
    assert by_number["3"].reply_to_external_id == f"{ME}/statuses/110000000000000002"
    assert by_number["3"].thread_external_id == external
    assert by_number["2"].text == (
        "@lea Thanks, the demo went really well!\nWe'll share the slides & the recording next week."
    )
    assert by_number["2"].language == "en"


def test_hidden_link_parts_are_kept_so_links_come_out_whole() -> None:
    assert messages(read(FIXTURES))["3"].text.endswith(
        "les slides sont en ligne ici https://docs.example.org/slides/vivatech-2024"
    )


def test_an_edited_toot_keeps_its_edit_time_and_a_content_warning_is_the_title() -> None:
    by_number = messages(read(FIXTURES))
    assert by_number["5"].edited_at == dt.datetime(2024, 5, 23, 9, 12, 45, tzinfo=dt.UTC)
    assert by_number["5"].mentions == (NICO,)
    assert '"search" page' in by_number["5"].text
    assert by_number["6"].title == "bilan perso"
    assert by_number["1"].edited_at is None


def test_html_to_text_keeps_paragraphs_and_line_breaks() -> None:
    assert html_to_text("<p>a &amp; b</p><p>c<br>d<br/>e</p>") == "a & b\n\nc\nd\ne"
    assert html_to_text("<style>p{}</style><div>x\n  y</div>") == "x y"


def test_handles() -> None:
    assert handle_from_url("https://host.example/users/ana") == "@ana@host.example"
    assert handle_from_url("https://host.example/@ana") == "@ana@host.example"
    assert handle_from_url("https://host.example/profile/ana") is None
    assert handle_from_mention("@bo", "https://b.example/users/bo") == "@bo@b.example"
    assert handle_from_mention("@bo@c.example", "https://b.example/users/bo") == "@bo@c.example"


# -- without actor.json, and bad input ---------------------------------------------


def write(tmp_path: Path, document: Any) -> Path:
    path = tmp_path / "outbox.json"
    path.write_bytes(orjson.dumps(document))
    return path


def note_activity(number: int, **fields: Any) -> dict[str, Any]:
    note = {
        "id": f"https://h.example/users/ana/statuses/{number}",
        "type": "Note",
        "published": "2024-01-01T10:00:00Z",
        "attributedTo": "https://h.example/users/ana",
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "content": f"<p>toot {number}</p>",
    }
    note.update(fields)
    return {"type": "Create", "actor": "https://h.example/users/ana", "object": note}


def collection(*items: Any) -> dict[str, Any]:
    return {
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": "https://h.example/users/ana/outbox",
        "type": "OrderedCollection",
        "totalItems": len(items),
        "orderedItems": list(items),
    }


def test_without_actor_json_the_account_comes_from_the_activities(tmp_path: Path) -> None:
    records = read(write(tmp_path, collection(note_activity(1))))
    assert records[0] == ChannelRecord(
        external_id="https://h.example/users/ana/outbox", name="@ana@h.example", kind="social"
    )
    assert records[1] == IdentityRecord(
        external_id="https://h.example/users/ana",
        handle="@ana@h.example",
        url="https://h.example/users/ana",
    )
    assert isinstance(records[2], MessageRecord)
    assert records[2].text == "toot 1"


def test_a_bad_entry_is_rejected_and_the_rest_imported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        collection(
            note_activity(1, published="yesterday"),
            "not an object",
            {"type": "Create", "object": "https://h.example/users/ana/statuses/9"},
            note_activity(4, id=None),
            note_activity(5),
        ),
    )
    records = read(path)
    assert [(r.location, r.field) for r in records if isinstance(r, Rejection)] == [
        (f"{path}[0]", "published"),
        (f"{path}[1]", None),
        (f"{path}[2]", "object"),
        (f"{path}[3]", "id"),
    ]
    assert list(messages(records)) == ["5"]


def test_invalid_json_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "outbox.json"
    path.write_text('{\n  "type": "OrderedCollection",\n  "orderedItems": [,]\n}\n')
    with pytest.raises(ImportFormatError) as caught:
        ActivityPubConnector(path).check()
    assert caught.value.line == 3
    assert str(path) in str(caught.value)
    assert "invalid JSON" in str(caught.value)


def test_json_that_is_not_a_collection_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {"type": "Person", "id": "https://h.example/users/ana"})
    with pytest.raises(ImportFormatError, match="not an ActivityStreams collection") as caught:
        ActivityPubConnector(path).check()
    assert str(path) in str(caught.value)
    with pytest.raises(ImportFormatError, match="not an ActivityStreams collection"):
        ActivityPubConnector(write(tmp_path, [1, 2])).check()


def test_a_paged_collection_is_refused_with_a_hint(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {"type": "OrderedCollection", "totalItems": 3, "first": "https://h.example/outbox?page=1"},
    )
    with pytest.raises(ImportFormatError, match="paged"):
        ActivityPubConnector(path).check()


def test_an_unreadable_actor_json_is_reported_and_the_outbox_still_imported(
    tmp_path: Path,
) -> None:
    write(tmp_path, collection(note_activity(1)))
    (tmp_path / "actor.json").write_text("{oops")
    records = read(tmp_path)
    assert isinstance(records[0], Rejection)
    assert records[0].location.startswith(str(tmp_path / "actor.json"))
    assert list(messages(records)) == ["1"]
