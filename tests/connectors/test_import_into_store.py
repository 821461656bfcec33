"""Every connector, end to end: real samples imported into the store, counted in the database.

The connector tests count *records*, by hand, from the files; this module checks what
the importer makes of them in the database (SQLite or PostgreSQL), reusing those
counts. What the store adds to the records is spelt out case by case:

- an author or a mentioned user that the source never declared gets a placeholder
  identity (and a person of its own);
- a message naming a channel that the source never declared creates that channel;
- every message that starts a conversation has a thread; declared threads count too
  (Discourse topics, a deleted Slack thread root);
- ``replies`` are messages with a parent named by the source, ``links`` those whose
  parent is in the store (``reply_to_id`` set);
- a message id seen twice in one import is rejected the second time.

Then each sample is imported again (nothing may change), and once more after one word
of one message was edited in a copy (exactly that message is updated).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import ImportReport, run_import
from palabre.connectors.registry import connector_class
from palabre.db.base import Base, import_all_models
from palabre.fabric.models import Channel, Mention, Message, Reaction, Thread
from palabre.identity.models import Identity, Person, PersonMerge
from tests.datasets import chat_samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

#: tables an import writes to every time, by design: its run record and its audit entry
RUN_TABLES = frozenset({"import_run", "audit_log"})


@dataclass(frozen=True)
class Stored:
    """What one import leaves in an empty workspace."""

    people: int
    identities: int
    channels: int
    threads: int
    messages: int
    replies: int
    links: int
    reactions: int
    mentions: int
    attachments: int
    rejected: int = 0


@dataclass(frozen=True)
class Case:
    """One sample: the connector kind, where it is, what it stores, a few parent links."""

    name: str
    kind: str
    locate: Callable[[], Path]
    stored: Stored
    #: (reply, parent) external ids picked by hand from the files
    parents: tuple[tuple[str, str], ...] = ()
    zipped: bool = False


def perceval(*parts: str) -> Callable[[], Path]:
    return lambda: chat_samples("perceval-fixtures", *parts)


def fixture(*parts: str) -> Callable[[], Path]:
    return lambda: FIXTURES.joinpath(*parts)


SLACK_REAL = "CO69735E8A"
SLACK_REAL_STORED = Stored(
    # test_slack: 10 users (all authors among them), 1 channel, 14 messages of which
    # 4 replies; one reply's root is a tombstone (a declared thread, no parent to
    # name): 10 roots + the tombstone = 11 threads, 3 replies, all 3 linked.
    people=10,
    identities=10,
    channels=1,
    threads=11,
    messages=14,
    replies=3,
    links=3,
    reactions=0,
    mentions=0,
    attachments=2,
)
SLACK_REAL_PARENTS = (
    (f"{SLACK_REAL}:1736554746.482349", f"{SLACK_REAL}:1736478630.905399"),
    (f"{SLACK_REAL}:1736554819.539739", f"{SLACK_REAL}:1736554801.872639"),
)
AP = "https://mastodon.example/users/camille/statuses/11000000000000000"

CASES: tuple[Case, ...] = (
    Case(
        "slack-real-folder",
        "slack",
        lambda: chat_samples("slack-export-slackdump-fixture"),
        SLACK_REAL_STORED,
        SLACK_REAL_PARENTS,
    ),
    Case(
        "slack-real-zip",
        "slack",
        lambda: chat_samples("slack-export-slackdump-fixture"),
        SLACK_REAL_STORED,
        SLACK_REAL_PARENTS,
        zipped=True,
    ),
    Case(
        "slack-fixture",
        "slack",
        fixture("slack", "export"),
        # 4 users + 2 authors discovered in messages; 5 conversations; 10 messages, 2
        # replies to one root (8 threads); the root has 5 reactions and mentions bob,
        # the first reply mentions alice and carol; one PDF.
        Stored(6, 6, 5, 8, 10, 2, 2, 5, 3, 1),
        (("C01GENERAL:1740992700.000200", "C01GENERAL:1740992400.000100"),),
    ),
    Case(
        "mattermost-perceval",
        "mattermost",
        perceval("mattermost"),
        # 2 users, 7 posts with 1 reply (6 threads); the channel file describes a channel
        # the posts are not in: theirs is created from the posts (2 channels); the 403
        # error file is rejected.
        Stored(2, 2, 2, 6, 7, 1, 1, 0, 0, 0, rejected=1),
        (("59io5i1f5bbetxtj6mbm67fouw", "pot46s7kjif7xx6x91ua7m4d7y"),),
    ),
    Case(
        "mattermost-bulk",
        "mattermost",
        fixture("mattermost", "export.jsonl"),
        # 3 users, 3 channels, 2 posts + 2 replies + 1 direct post (3 threads);
        # reactions: 1 + 1 + 1; mentions: @alice twice; two files.
        Stored(3, 3, 3, 3, 5, 2, 2, 3, 2, 2),
        (("mm-202f7eb91e03230cbd5893da", "mm-e5acc9ddae883a81a73f1331"),),
    ),
    Case(
        "discourse-perceval",
        "discourse",
        perceval("discourse"),
        # 15 authors + "blomquisg", mentioned in post 4393 without writing anything;
        # 3 categories, 5 topics, 25 posts with 10 replies, 7 likes.
        Stored(16, 16, 3, 5, 25, 10, 10, 7, 2, 0),
        (("post-19162", "post-19152"), ("post-4396", "post-4387")),
    ),
    Case(
        "discourse-topic-file",
        "discourse",
        perceval("discourse", "discourse_topic_1148.json"),
        Stored(10, 10, 1, 1, 20, 9, 9, 7, 0, 0),
        (("post-19162", "post-19152"), ("post-20545", "post-20218")),
    ),
    Case(
        "activitypub",
        "activitypub",
        fixture("activitypub"),
        # the account + 2 mentioned people; 3 audiences; 6 toots, 2 of them replies in
        # the thread of a note outside the export (5 threads): only "3" -> "2" links;
        # 4 mentions; 1 image.
        Stored(3, 3, 3, 5, 6, 2, 1, 0, 4, 1),
        ((f"{AP}3", f"{AP}2"),),
    ),
    Case(
        "generic-csv",
        "messages",
        fixture("messages", "forum.csv"),
        # 2 authors, 2 channels, 2 roots and a reply to each (one listed before its root).
        Stored(2, 2, 2, 2, 4, 2, 2, 0, 0, 0),
        (("m2", "m1"), ("m4", "m3")),
    ),
    # test_mbox's table gives messages, identities, threads and replies per file;
    # a parent outside the file leaves its reply unlinked.
    Case(
        "mbox-single",
        "mbox",
        perceval("mbox", "mbox_single.mbox"),
        Stored(1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    ),
    Case(
        "mbox-iso8859",
        "mbox",
        perceval("mbox", "mbox_iso8859_encoding.mbox"),
        Stored(1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    ),
    Case(
        "mbox-unknown-encoding",
        "mbox",
        perceval("mbox", "mbox_unknown_encoding.mbox"),
        Stored(1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    ),
    Case(
        "mbox-unixfrom",
        "mbox",
        perceval("mbox", "mbox_unixfrom_encoding.mbox"),
        Stored(1, 1, 1, 1, 1, 1, 0, 0, 0, 1),
    ),
    Case(
        "mbox-complex",
        "mbox",
        perceval("mbox", "mbox_complex.mbox"),
        Stored(2, 2, 1, 2, 2, 1, 0, 0, 0, 0),
    ),
    Case(
        "mbox-multipart",
        "mbox",
        perceval("mbox", "mbox_multipart.mbox"),
        # two lists (List-Id), text/plain + text/html alternatives are no attachments
        Stored(2, 2, 2, 2, 2, 0, 0, 0, 0, 0),
    ),
    Case(
        "mbox-no-fields",
        "mbox",
        perceval("mbox", "mbox_no_fields.mbox"),
        # 4 messages read, but the first two are the same e-mail (same Message-ID):
        # the second copy is rejected with the 2 messages that have no Date.
        Stored(1, 1, 1, 3, 3, 0, 0, 0, 0, 0, rejected=3),
    ),
    Case(
        "pipermail-2015-november",
        "mbox",
        perceval("pipermail", "pipermail_2015_november.mbox"),
        # the first reply names a parent the archive anonymised differently
        Stored(2, 2, 1, 2, 4, 3, 2, 0, 0, 3),
        (
            (
                "CACRHdMZaZtkM9h_=p_HH1Yz9pTJwh6nwU0PmeqQX=kemD8LCjw@example.com",
                "1447627429.3593.319.camel@example.com",
            ),
        ),
    ),
    Case(
        "pipermail-2016-april",
        "mbox",
        perceval("pipermail", "pipermail_2016_april.mbox"),
        Stored(2, 2, 1, 1, 3, 2, 2, 0, 0, 1),
        (
            (
                "CACRHdMZgAgzyhewu_aAJ2f2DWHVZdNH6J7zd2S=YWQuf-2yZDw@example.com",
                "1460624816.5581.114.camel@example.com",
            ),
        ),
    ),
    Case(
        "pipermail-2016-march",
        "mbox",
        perceval("pipermail", "pipermail_2016_march.mbox"),
        Stored(1, 1, 1, 1, 1, 0, 0, 0, 0, 0),
    ),
)


def zip_folder(folder: Path, target: Path) -> Path:
    """Zip ``folder`` with its files at the top, as Slack does."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, file.relative_to(folder).as_posix())
    return target


def copy_input(case: Case, tmp_path: Path) -> Path:
    """A private copy of the case's input (unzipped, even for a zipped case)."""
    source = case.locate()
    target = tmp_path / "input" / source.name
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy2(source, target)
    return target


def as_imported(case: Case, copy: Path, tmp_path: Path) -> Path:
    """The path handed to the connector: the copy, or the copy zipped."""
    return zip_folder(copy, tmp_path / f"{case.name}.zip") if case.zipped else copy


def import_case(sessions: sessionmaker[Session], case: Case, path: Path) -> ImportReport:
    return run_import(sessions, connector_class(case.kind)(path))


def count(session: Session, model: type[Base], *where: sa.ColumnElement[bool]) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0)


def stored(session: Session, rejected: int) -> Stored:
    attachments = sum(len(files or []) for files in session.scalars(sa.select(Message.attachments)))
    return Stored(
        people=count(session, Person, Person.merged_into_id.is_(None)),
        identities=count(session, Identity),
        channels=count(session, Channel),
        threads=count(session, Thread),
        messages=count(session, Message),
        replies=count(session, Message, Message.reply_to_external_id.is_not(None)),
        links=count(session, Message, Message.reply_to_id.is_not(None)),
        reactions=count(session, Reaction),
        mentions=count(session, Mention),
        attachments=attachments,
        rejected=rejected,
    )


def row_counts(session: Session) -> dict[str, int]:
    """Rows in every table but the run record and audit log."""
    import_all_models()
    return {
        table.name: int(session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
        if table.name not in RUN_TABLES
    }


def parent_of(session: Session, external_id: str) -> str | None:
    parent = sa.orm.aliased(Message)
    return session.scalar(
        sa.select(parent.external_id)
        .select_from(Message)
        .join(parent, Message.reply_to_id == parent.id)
        .where(Message.external_id == external_id)
    )


@pytest.fixture(params=CASES, ids=[case.name for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    value: Case = request.param
    return value


# -- one sample at a time -------------------------------------------------------------


def test_a_sample_is_stored_with_exact_counts(
    case: Case, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = as_imported(case, copy_input(case, tmp_path), tmp_path)

    report = import_case(sessions, case, path)

    assert report.status == "succeeded"
    with sessions() as session:
        assert stored(session, report.rejected) == case.stored
        for reply, parent in case.parents:
            assert parent_of(session, reply) == parent
        # what the report says it created is what the database holds
        assert report.counts.messages.created == case.stored.messages
        assert report.counts.channels.created == case.stored.channels
        assert report.counts.identities.created == case.stored.identities
        assert report.counts.reactions == case.stored.reactions
        assert report.counts.mentions == case.stored.mentions
        assert report.replies_linked == case.stored.links


def test_times_read_back_are_aware_utc(
    case: Case, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    import_case(sessions, case, as_imported(case, copy_input(case, tmp_path), tmp_path))

    with sessions() as session:
        times = [
            *session.scalars(sa.select(Message.created_at)),
            *session.scalars(sa.select(Message.edited_at).where(Message.edited_at.is_not(None))),
            *session.scalars(sa.select(Thread.created_at).where(Thread.created_at.is_not(None))),
            *session.scalars(sa.select(Channel.created_at).where(Channel.created_at.is_not(None))),
            *session.scalars(
                sa.select(Reaction.created_at).where(Reaction.created_at.is_not(None))
            ),
        ]
    assert len(times) >= case.stored.messages
    assert all(t.tzinfo is not None and t.utcoffset() == dt.timedelta(0) for t in times)


def test_a_second_import_changes_nothing(
    case: Case, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    path = as_imported(case, copy_input(case, tmp_path), tmp_path)
    import_case(sessions, case, path)
    with sessions() as session:
        before = row_counts(session)
        hashes = dict(session.execute(sa.select(Message.external_id, Message.content_hash)).all())

    again = import_case(sessions, case, path)

    totals = again.counts.totals()
    assert (totals["created"], totals["updated"]) == (0, 0)
    assert (again.counts.reactions, again.counts.mentions, again.merges) == (0, 0, 0)
    assert again.counts.messages.unchanged == case.stored.messages
    assert again.rejected == case.stored.rejected
    with sessions() as session:
        assert row_counts(session) == before
        after = dict(session.execute(sa.select(Message.external_id, Message.content_hash)).all())
        assert after == hashes
        for reply, parent in case.parents:
            assert parent_of(session, reply) == parent


#: a word of letters and digits (anonymised samples hold tokens such as "dtUeWsjQpQO8")
_WORD = re.compile(r"\b[A-Za-z0-9]{6,}\b")


def edit_one_word(session: Session, files: list[Path]) -> tuple[str, str, str]:
    """Change one word of one stored message in the input files.

    The word must appear in that message's text only and in one input file, where it
    is changed everywhere (exports often repeat a text: Slack blocks, a toot's
    contentMap, the HTML part of an e-mail). The word found in the fewest places is
    chosen. Returns (message id, old word, new word).
    """
    texts = dict(session.execute(sa.select(Message.external_id, Message.text)).all())
    contents = {file: file.read_bytes() for file in files}
    candidates: list[tuple[int, str, str, Path]] = []
    for external_id, text in texts.items():
        for word in set(_WORD.findall(text)):
            if word.swapcase() == word or sum(word in other for other in texts.values()) != 1:
                continue
            hits = [file for file, data in contents.items() if word.encode() in data]
            if len(hits) == 1:
                places = contents[hits[0]].count(word.encode())
                candidates.append((places, external_id, word, hits[0]))
    assert candidates, "no word of any message is found in one file only: pick another edit"
    _, external_id, word, file = min(candidates)
    new = word.swapcase()
    file.write_bytes(contents[file].replace(word.encode(), new.encode()))
    return external_id, word, new


def test_editing_one_message_updates_exactly_that_message(
    case: Case, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    copy = copy_input(case, tmp_path)
    import_case(sessions, case, as_imported(case, copy, tmp_path))
    files = sorted(p for p in copy.rglob("*") if p.is_file()) if copy.is_dir() else [copy]
    with sessions() as session:
        before = row_counts(session)
        edited, old, new = edit_one_word(session, files)

    report = import_case(sessions, case, as_imported(case, copy, tmp_path))

    assert report.counts.messages.updated == 1
    assert report.counts.messages.created == 0
    assert report.counts.messages.unchanged == case.stored.messages - 1
    totals = report.counts.totals()
    assert (totals["created"], totals["updated"]) == (0, 1)
    with sessions() as session:
        text = session.scalar(sa.select(Message.text).where(Message.external_id == edited))
        assert text is not None
        assert new in text
        assert old not in text
        # an updated message loses and gets back its reactions, mentions and parent link
        assert row_counts(session) == before
        assert stored(session, report.rejected) == case.stored
        for reply, parent in case.parents:
            assert parent_of(session, reply) == parent


# -- what the records say about threads and people ------------------------------------


def thread_titles(session: Session) -> dict[str, str | None]:
    return dict(session.execute(sa.select(Thread.external_id, Thread.title)).all())


def test_discourse_threads_are_titled_by_their_topics(sessions: sessionmaker[Session]) -> None:
    run_import(
        sessions, connector_class("discourse")(chat_samples("perceval-fixtures", "discourse"))
    )

    with sessions() as session:
        titles = thread_titles(session)
    assert titles["topic-1148"] == "[Support] uBlock Origin"
    assert titles["topic-1448"] == "IBM PowerVM support?"
    # a lone post says nothing about its topic's title
    assert titles["topic-840"] is None


def test_e_mail_threads_are_titled_by_the_subject_of_their_first_message(
    sessions: sessionmaker[Session],
) -> None:
    april = chat_samples("perceval-fixtures", "pipermail", "pipermail_2016_april.mbox")
    run_import(sessions, connector_class("mbox")(april))

    with sessions() as session:
        assert thread_titles(session) == {
            "1460624816.5581.114.camel@example.com": (
                "[Metrics-grimoire] [GrimoireLab] Presenting GrimoireLab"
            )
        }
        start = session.scalar(sa.select(Thread.created_at))
    assert start == dt.datetime(2016, 4, 14, 9, 6, 56, tzinfo=dt.UTC)


def test_a_reply_listed_before_its_root_leaves_the_thread_to_the_root(
    sessions: sessionmaker[Session],
) -> None:
    run_import(sessions, connector_class("messages")(FIXTURES / "messages" / "forum.csv"))

    with sessions() as session:
        threads = {
            t.external_id: (t.title, t.created_at) for t in session.scalars(sa.select(Thread))
        }
        reply_time = session.scalar(
            sa.select(Message.created_at).where(Message.external_id == "m2")
        )
    # m1 opened at 09:00+01:00, its reply m2 (first in the file) came at 10:15+01:00
    assert threads["m1"] == ("Livraison en retard", dt.datetime(2025, 3, 3, 8, 0, tzinfo=dt.UTC))
    assert threads["m3"] == ("Invoice question", dt.datetime(2025, 3, 4, 21, 30, tzinfo=dt.UTC))
    assert reply_time == dt.datetime(2025, 3, 3, 9, 15, tzinfo=dt.UTC)


def test_the_same_e_mail_in_two_sources_makes_one_person_with_two_identities(
    sessions: sessionmaker[Session],
) -> None:
    march = chat_samples("perceval-fixtures", "pipermail", "pipermail_2016_march.mbox")
    run_import(sessions, connector_class("mbox")(march))

    # forum.csv gives "german" the address "GPoo@Example.com ": the same as the sender
    # of the March archive once case and spaces are ignored.
    report = run_import(sessions, connector_class("messages")(FIXTURES / "messages" / "forum.csv"))

    assert report.merges == 1
    with sessions() as session:
        (german,) = session.scalars(
            sa.select(Identity).where(
                Identity.source == "messages", Identity.external_id == "german"
            )
        )
        owned = session.execute(
            sa.select(Identity.source, Identity.external_id, Identity.email).where(
                Identity.person_id == german.person_id
            )
        ).all()
        assert sorted(owned) == [
            ("mbox", "gpoo@example.com", "gpoo@example.com"),
            ("messages", "german", "gpoo@example.com"),
        ]
        # gpoo, german and claire were three persons; two remain
        assert count(session, Person, Person.merged_into_id.is_(None)) == 2
        (merge,) = session.scalars(sa.select(PersonMerge))
        assert merge.rule == "same-email"
        # the messages of both identities now belong to one person
        authors = session.scalars(
            sa.select(Identity.person_id)
            .join(Message, Message.author_identity_id == Identity.id)
            .where(Identity.email == "gpoo@example.com")
        ).all()
        assert len(authors) == 3
        assert set(authors) == {german.person_id}


# -- the whole lot in one workspace ---------------------------------------------------


def test_every_sample_in_one_workspace_adds_up_in_palabre_status(
    sessions: sessionmaker[Session], cli_env: dict[str, str], tmp_path: Path
) -> None:
    for case in CASES:
        path = as_imported(case, case.locate(), tmp_path) if case.zipped else case.locate()
        report = import_case(sessions, case, path)
        assert report.status == "succeeded", case.name

    # The sum of the samples, less what they share under one source name:
    # - the zipped Slack export and discourse_topic_1148.json repeat the folders;
    # - mbox_single.mbox holds the first e-mail of mbox_no_fields.mbox (same
    #   Message-ID, sender and thread): only its channel (named by the file) is new;
    # - jgb@gsyc.es writes in the November and April archives: one identity;
    # - gpoo@example.com (March archive) is "german" of forum.csv: one person.
    repeats = {"slack-real-zip", "discourse-topic-file"}
    parts = [c.stored for c in CASES if c.name not in repeats]
    total = {
        f.name: sum(getattr(part, f.name) for part in parts) for f in dataclasses.fields(Stored)
    }
    expected = {
        "people": total["people"] - 1 - 1 - 1,
        "identities": total["identities"] - 1 - 1,
        "channels": total["channels"],
        "threads": total["threads"] - 1,
        "messages": total["messages"] - 1,
        "reactions": total["reactions"],
        "segments": 0,
    }

    result = subprocess.run(
        [sys.executable, "-m", "palabre", "status", "--json"],
        env=cli_env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert {key: printed[key] for key in expected} == expected
    assert printed["mentions"] == total["mentions"]
    assert printed["replies"] == total["replies"]
