"""The Discourse connector: topics, posts, topic lists and categories from the API."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, TypeVar

import pytest

from palabre.connectors.discourse import DiscourseConnector, cooked_to_text
from palabre.connectors.records import (
    ChannelRecord,
    IdentityRecord,
    MessageRecord,
    Reaction,
    Record,
    Rejection,
    ThreadRecord,
)
from palabre.connectors.registry import connector_class
from palabre.errors import ImportFormatError
from tests.datasets import chat_samples

FORUM = Path(__file__).resolve().parent.parent / "fixtures" / "discourse" / "forum"

T = TypeVar("T")


def imported(path: Path, **options: object) -> list[Record]:
    """Check the input, then read every record, as the importer does."""
    connector = DiscourseConnector(path, **options)
    connector.check()
    return list(connector.records())


def only(records: list[Record], kind: type[T]) -> list[T]:
    return [record for record in records if isinstance(record, kind)]


def messages_by_id(records: list[Record]) -> dict[str, MessageRecord]:
    return {m.external_id: m for m in only(records, MessageRecord)}


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def perceval(name: str = "") -> Path:
    folder = chat_samples("perceval-fixtures", "discourse")
    return folder / name if name else folder


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def a_post(post_id: int, number: int, **fields: object) -> dict[str, object]:
    post: dict[str, object] = {
        "id": post_id,
        "post_number": number,
        "topic_id": 1,
        "username": "ana",
        "name": "Ana",
        "created_at": "2025-01-10T09:00:00.000Z",
        "updated_at": "2025-01-10T09:00:00.000Z",
        "cooked": f"<p>post {post_id}</p>",
        "post_type": 1,
    }
    post.update(fields)
    return post


def test_the_registry_gives_this_connector_for_kind_discourse() -> None:
    assert connector_class("discourse") is DiscourseConnector
    assert DiscourseConnector.default_channel_kind == "community"


# -- own fixture: a small forum -----------------------------------------------------


def test_categories_become_community_channels_with_their_names() -> None:
    channels = {c.external_id: c for c in only(imported(FORUM), ChannelRecord)}

    assert channels == {
        "category-7": ChannelRecord(
            external_id="category-7",
            name="Support client",
            kind="community",
            topic="Questions et incidents",
        ),
        "category-8": ChannelRecord(
            external_id="category-8",
            name="Idées",
            kind="community",
            visibility="private",  # read_restricted
            topic="Ideas from customers and staff",
        ),
    }


def test_topics_become_threads_and_a_topic_file_beats_a_topic_list() -> None:
    threads = {t.external_id: t for t in only(imported(FORUM), ThreadRecord)}

    assert set(threads) == {"topic-501", "topic-502", "topic-503"}
    # latest.json calls it "Crash factures"; t/501.json is the topic itself.
    assert threads["topic-501"].title == "Crash à l'ouverture des factures"
    assert threads["topic-501"].channel_external_id == "category-7"
    assert threads["topic-502"].title == "Idée : export PDF des factures"
    # A listed topic with no post in any file is still declared.
    assert threads["topic-503"].title == "Roadmap 2025"
    assert threads["topic-503"].created_at == utc(2025, 1, 2, 12)


def test_posts_become_messages_once_each_without_small_actions_or_deleted_posts() -> None:
    messages = messages_by_id(imported(FORUM))

    # 9004 is in posts.json and in t/501.json; 9003 closes the topic; 9005 is deleted.
    assert sorted(messages) == ["post-9001", "post-9002", "post-9004", "post-9101", "post-9102"]
    assert {m.thread_external_id for m in messages.values()} == {"topic-501", "topic-502"}


def test_cooked_html_becomes_plain_text_with_entities_decoded() -> None:
    messages = messages_by_id(imported(FORUM))

    assert messages["post-9001"].text == (
        "L'application plante quand j’ouvre mes factures & mes devis\u00a0! "
        "Cétait mieux avant <soupir> :angry:"
    )
    # The quote header (avatar, "Marie_L:") and the image caption are dropped; the
    # quoted words keep a "> " so that they are not taken for the author's.
    assert messages["post-9002"].text == (
        "> L'application plante quand j’ouvre mes factures\n"
        "\n"
        "Désolé @Marie_L, c'est corrigé. Videz le cache\u00a0:\n"
        "\n"
        "Ctrl + Shift + R"
    )


def test_raw_is_preferred_to_cooked_when_present() -> None:
    messages = messages_by_id(imported(FORUM))

    assert (
        messages["post-9101"].text == "Il faudrait pouvoir exporter **toutes** les factures en PDF."
    )


def test_reply_to_post_number_is_resolved_to_the_post_id_even_across_files() -> None:
    messages = messages_by_id(imported(FORUM))

    assert messages["post-9001"].reply_to_external_id is None
    assert messages["post-9002"].reply_to_external_id == "post-9001"
    # post-9004 is read from posts.json; its parent (#2) is only in t/501.json.
    assert messages["post-9004"].reply_to_external_id == "post-9002"
    assert messages["post-9102"].reply_to_external_id == "post-9101"


def test_likes_are_anonymous_reactions_and_flags_are_not() -> None:
    messages = messages_by_id(imported(FORUM))

    # actions_summary: {"id": 2, "count": 3} (likes) and {"id": 8, "count": 1} (a flag)
    assert messages["post-9001"].reactions == (Reaction("like"),) * 3
    assert messages["post-9004"].reactions == (Reaction("like"),)
    assert messages["post-9002"].reactions == ()


def test_edited_at_is_updated_at_when_later_than_created_at() -> None:
    messages = messages_by_id(imported(FORUM))

    assert messages["post-9002"].created_at == utc(2025, 1, 10, 9, 30)
    assert messages["post-9002"].edited_at == utc(2025, 1, 10, 9, 45)
    assert messages["post-9001"].edited_at is None


def test_authors_are_identities_keyed_by_lower_case_username() -> None:
    records = imported(FORUM)
    identities = {i.external_id: i for i in only(records, IdentityRecord)}
    messages = messages_by_id(records)

    assert identities["marie_l"] == IdentityRecord(
        external_id="marie_l", handle="Marie_L", display_name="Marie Lefèvre"
    )
    assert identities["jean"].display_name is None  # an empty "name"
    assert set(identities) == {"marie_l", "support_tom", "jean"}
    # Discourse usernames are case-insensitive: the mention links the same identity.
    assert messages["post-9002"].mentions == ("marie_l",)
    assert messages["post-9001"].author_external_id == "marie_l"


def test_everything_a_message_names_is_declared_before_it() -> None:
    declared: set[str] = set()
    for record in imported(FORUM):
        if isinstance(record, ChannelRecord | IdentityRecord | ThreadRecord):
            declared.add(record.external_id)
        elif isinstance(record, MessageRecord):
            assert {record.channel_external_id, record.thread_external_id} <= declared
            assert record.author_external_id in declared


def test_links_back_to_the_forum_when_its_address_is_given() -> None:
    records = imported(FORUM, base_url="https://forum.example.org/")
    messages = messages_by_id(records)
    threads = {t.external_id: t for t in only(records, ThreadRecord)}

    assert messages["post-9002"].url == "https://forum.example.org/t/crash-factures/501/2"
    assert threads["topic-501"].url == "https://forum.example.org/t/crash-factures/501"


def test_records_can_be_read_twice_and_position_reaches_total() -> None:
    connector = DiscourseConnector(FORUM)
    first = list(connector.records())

    assert list(connector.records()) == first

    assert connector.position == connector.total()
    assert connector.position > 0


def test_cooked_to_text_keeps_lists_and_code() -> None:
    text, mentions = cooked_to_text(
        "<p>Étapes&nbsp;:</p><ol><li>ouvrir</li><li>fermer</li></ol>"
        "<pre><code>a  =  1\nb = 2</code></pre>"
        '<p>cc <a class="mention" href="/u/bob">@bob</a></p>'
    )

    assert text == "Étapes\u00a0:\n\n- ouvrir\n- fermer\n\na  =  1\nb = 2\n\ncc @bob"
    assert mentions == ["bob"]


# -- the real perceval samples ---------------------------------------------------------


def test_perceval_folder_counts() -> None:
    """Counted by reading the files by hand.

    discourse_post.json: 1 post (2500, topic 840, no category, raw present, edited).
    discourse_posts.json: topic 1448 (category 1), 4 posts, #4 answers #2.
    discourse_topic_1148.json: topic 1148 (category 111), 20 posts in post_stream
    (22 in its stream) by 10 distinct authors; 9 posts have a reply_to_post_number;
    likes: 6 on #1 and 1 on #4.
    discourse_topic_1149/1150.json: topics 1149 and 1150, each with posts 18952 and
    19133 — the same posts as in topic 1148, so nothing new.
    The three topic lists name topics 1148, 1149 and 1150 only.
    Edited (updated_at later than created_at): 2500, 19133, 19162, 19233, 20039,
    20113, 20136, 20218.
    """
    connector = DiscourseConnector(perceval())
    connector.check()
    records = list(connector.records())
    messages = only(records, MessageRecord)

    assert len(messages) == 25  # 1 + 4 + 20
    assert len(only(records, ThreadRecord)) == 5  # topics 840, 1448, 1148, 1149, 1150
    assert len(only(records, ChannelRecord)) == 3  # category-1, category-111, unknown
    assert len(only(records, IdentityRecord)) == 15  # 1 + 4 + 10
    assert len([m for m in messages if m.reply_to_external_id]) == 10  # 1 + 9
    assert sum(len(m.reactions) for m in messages) == 7
    assert len([m for m in messages if m.edited_at]) == 8
    assert only(records, Rejection) == []
    assert connector.position == connector.total()


def test_perceval_a_post_saved_in_three_files_is_yielded_once() -> None:
    messages = only(imported(perceval()), MessageRecord)
    first_post = [m for m in messages if m.external_id == "post-18952"]

    assert len(first_post) == 1
    # Files are read in name order: discourse_topic_1148.json comes first.
    assert first_post[0].thread_external_id == "topic-1148"
    assert first_post[0].reactions == (Reaction("like"),) * 6


def test_perceval_topic_1148() -> None:
    records = imported(perceval("discourse_topic_1148.json"))
    messages = messages_by_id(records)
    (thread,) = only(records, ThreadRecord)

    assert thread == ThreadRecord(
        external_id="topic-1148",
        channel_external_id="category-111",
        title="[Support] uBlock Origin",
        created_at=dt.datetime(2016, 1, 26, 20, 7, 49, 62000, tzinfo=dt.UTC),
    )
    assert len(messages) == 20
    assert len([m for m in messages.values() if m.reply_to_external_id]) == 9
    assert len(only(records, IdentityRecord)) == 10
    # post #4 (19162) answers #3 (19152)
    assert messages["post-19162"].reply_to_external_id == "post-19152"
    assert messages["post-19162"].text.startswith(
        '> Is "reply" the only option to ask a question?\n\nI think it is.'
    )


def test_perceval_posts_file_resolves_replies_and_mentions() -> None:
    messages = messages_by_id(imported(perceval("discourse_posts.json")))

    assert len(messages) == 4
    assert messages["post-4396"].reply_to_external_id == "post-4387"
    assert messages["post-4393"].mentions == ("blomquisg", "kincl")
    assert messages["post-4396"].text == "yes,Ovirt/RHEV can support Power8 ."


def test_perceval_single_post_uses_raw_and_an_unknown_category() -> None:
    records = imported(perceval("discourse_post.json"))
    (message,) = only(records, MessageRecord)
    (identity,) = only(records, IdentityRecord)

    assert message.external_id == "post-2500"
    assert message.thread_external_id == "topic-840"
    assert message.channel_external_id == "category-unknown"
    assert message.text.startswith("Hi, im new with ManageIQ, and i am confuse about product.\n")
    assert message.created_at == dt.datetime(2015, 7, 28, 14, 49, 13, 558000, tzinfo=dt.UTC)
    assert message.edited_at == dt.datetime(2015, 7, 29, 21, 50, 55, 109000, tzinfo=dt.UTC)
    assert identity == IdentityRecord(
        external_id="chr_c", handle="chr_c", display_name="Chr Cembrana"
    )


def test_perceval_topic_lists_give_threads_only() -> None:
    records = imported(perceval("discourse_topics.json"))

    assert [
        (t.external_id, t.title, t.channel_external_id) for t in only(records, ThreadRecord)
    ] == [
        ("topic-1148", "IBM PowerVM support?", "category-1"),
        ("topic-1149", "Specify per-item service catalogue approval type", "category-14"),
    ]
    assert only(records, MessageRecord) == []


def test_perceval_empty_topic_list_is_valid_and_gives_nothing() -> None:
    assert imported(perceval("discourse_topics_empty.json")) == []


# -- bad inputs -----------------------------------------------------------------------


def test_a_post_without_created_at_is_rejected_and_the_others_kept(tmp_path: Path) -> None:
    topic = {
        "id": 1,
        "title": "t",
        "category_id": 2,
        "post_stream": {
            "posts": [a_post(10, 1), a_post(11, 2, created_at=None), a_post(12, 3)],
        },
    }
    path = write_json(tmp_path / "1.json", topic)
    records = imported(path)

    assert only(records, Rejection) == [
        Rejection(
            location=f"{path}[1]", reason="missing", field="created_at", external_id="post-11"
        )
    ]
    assert sorted(messages_by_id(records)) == ["post-10", "post-12"]


def test_a_time_that_is_not_iso_8601_is_rejected(tmp_path: Path) -> None:
    path = write_json(tmp_path / "post.json", a_post(10, 1, created_at="hier"))

    (rejection,) = only(imported(path), Rejection)
    assert rejection.location == str(path)
    assert rejection.field == "created_at"
    assert "'hier'" in rejection.reason


def test_a_stray_file_in_a_folder_is_rejected_alone(tmp_path: Path) -> None:
    write_json(tmp_path / "a_post.json", a_post(10, 1))
    stray = write_json(tmp_path / "notes.json", {"hello": "world"})

    records = imported(tmp_path)

    assert [r.location for r in only(records, Rejection)] == [str(stray)]
    assert len(only(records, MessageRecord)) == 1


def test_check_names_the_file_and_line_of_invalid_json(tmp_path: Path) -> None:
    path = tmp_path / "topic.json"
    path.write_text('{\n  "id": 1,\n  "post_stream": {"posts": [}\n}\n')

    with pytest.raises(ImportFormatError) as error:
        DiscourseConnector(tmp_path).check()
    assert error.value.path == str(path)
    assert error.value.line == 3


def test_check_refuses_json_that_is_not_discourse(tmp_path: Path) -> None:
    mattermost = chat_samples("perceval-fixtures", "mattermost", "mattermost_posts.json")

    with pytest.raises(ImportFormatError, match="not a Discourse") as error:
        DiscourseConnector(mattermost).check()
    assert error.value.path == str(mattermost)


def test_check_refuses_an_api_error_response(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "t.json",
        {
            "errors": ["The requested URL or resource could not be found."],
            "error_type": "not_found",
        },
    )

    with pytest.raises(ImportFormatError, match=r"error response.*could not be found"):
        DiscourseConnector(path).check()


def test_check_refuses_an_empty_folder_or_a_folder_without_discourse(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match=r"no \.json file"):
        DiscourseConnector(tmp_path).check()
    write_json(tmp_path / "notes.json", {"hello": "world"})
    with pytest.raises(ImportFormatError, match="no Discourse API JSON"):
        DiscourseConnector(tmp_path).check()
