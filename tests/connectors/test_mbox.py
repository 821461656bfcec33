"""The mbox connector: what a mailing-list archive becomes.

Counts on the real archives (perceval's test data) were established by reading
each file by hand: one message per ``From `` separator line, the headers of each.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palabre.connectors.mbox import MboxConnector, decode_bytes, decode_header_words
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
from tests.datasets import chat_samples

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mbox"


def read(path: Path, **options: object) -> list[Record]:
    connector = MboxConnector(path, **options)
    connector.check()
    records = list(connector.records())
    assert connector.position == path.stat().st_size
    return records


def messages(records: list[Record]) -> list[MessageRecord]:
    return [r for r in records if isinstance(r, MessageRecord)]


def identities(records: list[Record]) -> list[IdentityRecord]:
    return [r for r in records if isinstance(r, IdentityRecord)]


def channels(records: list[Record]) -> list[ChannelRecord]:
    return [r for r in records if isinstance(r, ChannelRecord)]


def rejections(records: list[Record]) -> list[Rejection]:
    return [r for r in records if isinstance(r, Rejection)]


def test_the_registry_finds_the_mbox_connector() -> None:
    assert connector_class("mbox") is MboxConnector
    assert MboxConnector.default_channel_kind == "email"


# -- real archives -------------------------------------------------------------


def perceval(name: str) -> Path:
    return chat_samples("perceval-fixtures", "mbox", name)


def pipermail(name: str) -> Path:
    return chat_samples("perceval-fixtures", "pipermail", name)


@pytest.mark.parametrize(
    ("folder", "name", "n_messages", "n_rejections", "n_identities", "n_threads", "n_replies"),
    [
        ("mbox", "mbox_single.mbox", 1, 0, 1, 1, 0),
        ("mbox", "mbox_iso8859_encoding.mbox", 1, 0, 1, 1, 0),
        ("mbox", "mbox_unknown_encoding.mbox", 1, 0, 1, 1, 0),
        ("mbox", "mbox_unixfrom_encoding.mbox", 1, 0, 1, 1, 1),
        ("mbox", "mbox_complex.mbox", 2, 0, 2, 2, 1),
        ("mbox", "mbox_multipart.mbox", 2, 0, 2, 2, 0),
        # 6 separators: two messages lack a usable Date (missing, blank)
        ("mbox", "mbox_no_fields.mbox", 4, 2, 1, 3, 0),
        ("pipermail", "pipermail_2015_november.mbox", 4, 0, 2, 2, 3),
        ("pipermail", "pipermail_2016_april.mbox", 3, 0, 2, 1, 2),
        ("pipermail", "pipermail_2016_march.mbox", 1, 0, 1, 1, 0),
    ],
)
def test_real_archives_give_one_message_per_separator(
    folder: str,
    name: str,
    n_messages: int,
    n_rejections: int,
    n_identities: int,
    n_threads: int,
    n_replies: int,
) -> None:
    records = read(chat_samples("perceval-fixtures", folder, name))
    found = messages(records)
    assert len(found) == n_messages
    assert len(rejections(records)) == n_rejections
    assert len({i.external_id for i in identities(records)}) == n_identities
    assert len({m.thread_external_id for m in found}) == n_threads
    assert sum(m.reply_to_external_id is not None for m in found) == n_replies
    assert all(m.created_at.tzinfo is dt.UTC for m in found)


def test_a_list_id_names_the_channel_and_the_file_name_stands_in_without_one() -> None:
    complex_ = channels(read(perceval("mbox_complex.mbox")))
    assert [(c.external_id, c.name, c.kind) for c in complex_] == [
        ("desktop-devel-list.gnome.org", "GNOME Desktop Development List", "email")
    ]
    multipart = channels(read(perceval("mbox_multipart.mbox")))
    assert [c.external_id for c in multipart] == ["esl-dev.eclipse.org", "platform-dev.eclipse.org"]
    single = channels(read(perceval("mbox_single.mbox")))
    assert [(c.external_id, c.name) for c in single] == [("mbox_single", "mbox_single")]


def test_the_channel_option_gathers_monthly_pipermail_files_into_one_list() -> None:
    for name in ("pipermail_2015_november.mbox", "pipermail_2016_april.mbox"):
        records = read(pipermail(name), channel="metrics-grimoire")
        assert {m.channel_external_id for m in messages(records)} == {"metrics-grimoire"}


def test_an_encoded_word_with_a_wrong_charset_is_still_decoded() -> None:
    # "=?UTF-8?Q?Luc=eda_Charlie?=": 0xED is latin-1 "í", not valid UTF-8; the raw
    # address bytes of that sample also hold it ("luc\xedacharlie at wellsfargo.com").
    records = read(perceval("mbox_iso8859_encoding.mbox"))
    (person,) = identities(records)
    assert person.display_name == "Lucía Charlie"
    assert person.external_id == person.email == "lucíacharlie@wellsfargo.com"
    (message,) = messages(records)
    assert message.title == "[ovs-dev] Remittance Advice"
    assert message.external_id == "4fce8064d819e07fd80267aaecaf30ef@www.platvoet.de"
    assert message.created_at == dt.datetime(2016, 11, 7, 18, 44, 27, tzinfo=dt.UTC)


def test_raw_eight_bit_headers_with_no_declared_charset_are_decoded() -> None:
    # The From name is raw UTF-8 bytes C3 94 C2 AC C2 B4 C3 8F (itself a mojibake of
    # the GBK name of the sender): read as the UTF-8 the bytes are, not crashed on.
    records = read(perceval("mbox_unknown_encoding.mbox"))
    (person,) = identities(records)
    assert person.display_name == "Ô¬´Ï"
    assert person.email == "yuancong@example.com"
    (message,) = messages(records)
    assert message.title == "[platform-swt-dev] How to refresh a control in another thread?"
    assert message.channel_external_id == "platform-swt-dev.eclipse.org"
    assert message.text.startswith("Hi,\n   In my application, the main thread creats the UI")


def test_an_undeclared_utf8_body_is_decoded_and_a_pipermail_attachment_notice_is_kept() -> None:
    (message,) = messages(read(perceval("mbox_unixfrom_encoding.mbox")))
    assert "“software getting tested”" in message.text
    assert message.author_external_id == "christian@example.org"
    assert message.reply_to_external_id == (
        "CAKP=3WwxhP=nNqT5kJ+6ohUU-pgvRu+PkW=7ASLpiQguf7CKxg@example.org"
    )
    # the thread is the first id of References: the root of the conversation
    assert message.thread_external_id == "4ADDAFD4-A226-4F68-B02D-EDA5DE355104@wikimedia.org"
    assert message.attachments == (
        Attachment(name="signature.asc", mimetype="application/pgp-signature", size=490),
    )
    assert "A non-text attachment was scrubbed..." in message.text


def test_rfc2047_names_quoted_printable_bodies_and_mboxrd_escapes_in_a_real_archive() -> None:
    first, second = messages(read(perceval("mbox_complex.mbox")))
    assert first.author_external_id == "eloli@hotmail.com"
    assert first.thread_external_id == first.external_id
    assert second.author_external_id == "danilo@gnome.org"
    assert identities(read(perceval("mbox_complex.mbox")))[1].display_name == "Danilo Šegan"
    # In-Reply-To is followed by a comment; only the id is kept
    assert second.reply_to_external_id == "1205676169.6819.27.camel@user-computer.NETWORK"
    assert second.thread_external_id == "1204225143.12769.9.camel@localhost.localdomain"
    assert "packaging stuff—it'd be worth" in second.text
    # ">>>From the 2.3M" is the mboxrd escape of the quoted line ">>From the 2.3M"
    assert "\n>>From the 2.3M + 17M MO files" in second.text


def test_multipart_alternative_prefers_the_text_part_and_has_no_attachment() -> None:
    first, second = messages(read(perceval("mbox_multipart.mbox")))
    assert first.external_id == "019801ca633f$f4376140$dca623c0$@yang@example.com"
    assert first.title == "[esl-dev] Committer vote for Chuwei Huang has concluded successfully"
    assert first.text.startswith("technology.esl Committers,\n\nThis automatically generated")
    assert "<html" not in first.text
    assert "font-family" not in first.text
    assert second.author_external_id == "daniel.nehren@example.com"
    assert second.text.endswith("Thanks,\n\nDaniel Nehren")
    # both parts of each message are text/plain + text/html with no file name
    assert first.attachments == ()
    assert second.attachments == ()


def test_messages_missing_fields_are_rejected_or_completed() -> None:
    records = read(perceval("mbox_no_fields.mbox"))
    found = messages(records)
    problems = rejections(records)
    assert [(p.location.rsplit(":", 1)[1], p.field, p.reason) for p in problems] == [
        ("25", "Date", "no Date header"),
        ("48", "Date", "no Date header"),
    ]
    # "Message-Id:" left empty: a stable id is derived from From, Date and Subject
    hashed = found[2]
    assert hashed.external_id.endswith("@palabre.invalid")
    assert hashed.external_id == messages(read(perceval("mbox_no_fields.mbox")))[2].external_id
    # "RANDOM_Wed, 21 Sep 2016 22:42:07 +0300": the junk day name is skipped
    assert found[3].created_at == dt.datetime(2016, 9, 21, 19, 42, 7, tzinfo=dt.UTC)
    # the same sender is declared once
    assert [i.external_id for i in identities(records)] == ["goran@domain.com"]


def test_pipermail_obfuscated_addresses_and_threads() -> None:
    records = read(pipermail("pipermail_2015_november.mbox"))
    assert [(i.external_id, i.display_name) for i in identities(records)] == [
        ("andy@example.com", "Andy Grunwald"),
        ("jgb@gsyc.es", "Jesus M. Gonzalez-Barahona"),
    ]
    found = messages(records)
    # the archive anonymised the first Message-ID (@mail.gmail.com) differently from
    # the References of its replies (@example.com): two thread ids, as the file says
    assert found[0].thread_external_id == found[0].external_id
    root = "CACRHdMaObu7Dc0FWTWEesvRCzUNDG=7oA7KFqAgtOs_UKjb3Og@example.com"
    assert [m.thread_external_id for m in found[1:]] == [root, root, root]
    # three messages end with "An HTML attachment was scrubbed... URL: <...>"
    assert [len(m.attachments) for m in found] == [1, 0, 1, 1]
    assert found[0].attachments[0] == Attachment(
        name="attachment.htm",
        url="http://lists.libresoft.es/pipermail/metrics-grimoire/attachments/20151114/35d7c818/attachment.htm",
        mimetype="text/html",
    )


def test_a_folded_subject_and_an_iso8859_name_in_a_pipermail_file() -> None:
    records = read(pipermail("pipermail_2016_march.mbox"))
    assert identities(records)[0].display_name == "Germán Poo-Caamaño"
    (message,) = messages(records)
    assert message.title == (
        "[Metrics-grimoire] MLStats may change the semantic of --force any time soon"
    )


# -- our own fixtures -----------------------------------------------------------


def test_a_french_list_thread_in_iso8859_1() -> None:
    records = read(FIXTURES / "liste-projet.mbox")
    assert channels(records) == [
        ChannelRecord(
            external_id="projet.listes.exemple.fr",
            name="Projet Phoenix",
            kind="email",
            url="https://listes.exemple.fr/archives/projet/",
        )
    ]
    assert [(i.external_id, i.display_name) for i in identities(records)] == [
        ("claire.dubois@exemple.fr", "Claire Dubois"),
        ("marc.lefevre@exemple.fr", "Marc Lefèvre"),
    ]
    first, reply, answer = messages(records)
    assert first.title == "Réunion de préparation du déploiement"
    assert "La réunion de préparation du déploiement aura lieu jeudi à 14 h." in first.text
    assert first.created_at == dt.datetime(2025, 3, 3, 9, 15, 2, tzinfo=dt.UTC)
    assert reply.title == "Re: Réunion de préparation du déploiement"
    assert (reply.reply_to_external_id, reply.thread_external_id) == (
        "reunion-1@exemple.fr",
        "reunion-1@exemple.fr",
    )
    # quoted text is kept as written
    assert "> Bonjour à tous," in reply.text
    assert (answer.reply_to_external_id, answer.thread_external_id) == (
        "reponse-2@exemple.fr",
        "reunion-1@exemple.fr",
    )
    assert answer.text == "À 9 h, Marc. L'ordre du jour est joint."
    assert answer.attachments == (
        Attachment(name="ordre-du-jour.pdf", mimetype="application/pdf", size=51),
    )


def test_mboxrd_from_escapes_lose_exactly_one_quote_mark() -> None:
    first = messages(read(FIXTURES / "liste-projet.mbox"))[0]
    assert "\nFrom the minutes of last week: rien n'a changé.\n" in first.text
    assert "\n>From an older quote, kept with one level less.\n" in first.text


def test_the_mboxo_variant_only_unescapes_a_single_quote_mark() -> None:
    first = messages(read(FIXTURES / "liste-projet.mbox", variant="mboxo"))[0]
    assert "\nFrom the minutes of last week" in first.text
    assert "\n>>From an older quote" in first.text


def test_wrong_or_unknown_charset_declarations_do_not_break_decoding() -> None:
    records = read(FIXTURES / "broken-charset.mbox")
    # "=?x-inconnu?Q?Andr=E9_Martin?=": an unknown charset in an encoded word
    assert identities(records)[0].display_name == "André Martin"
    declared_utf8, unknown = messages(records)
    # declared utf-8, written in latin-1, subject in raw 8-bit
    assert declared_utf8.title == "Compte rendu de la réunion"
    assert declared_utf8.text.startswith("Voilà le résumé de la réunion de mardi")
    assert "Merci à Hélène" in declared_utf8.text
    # charset="x-charset-inconnu", written in UTF-8
    assert unknown.text == "Très bien, je prépare les jeux d'essai pour la recette."


def test_decoding_helpers_never_raise() -> None:
    assert decode_bytes(b"caf\xe9", "utf-8") == "café"
    assert decode_bytes(b"\x81\x8d\x8f", "nonsense") == "\x81\x8d\x8f"
    assert decode_header_words("=?utf-8?B?not base64!?=") == "=?utf-8?B?not base64!?="
    assert decode_header_words("=?iso-8859-1?q?a?= =?iso-8859-1?q?b?=") == "ab"


# -- bad input --------------------------------------------------------------------


def test_a_file_that_does_not_start_with_a_from_line_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "message.eml"
    path.write_bytes(b"Subject: hello\n\nbody\n")
    with pytest.raises(ImportFormatError) as caught:
        MboxConnector(path).check()
    assert str(path) in str(caught.value)
    assert "first line" in str(caught.value)
    assert "'From '" in str(caught.value)
    assert caught.value.line == 1


def test_an_empty_file_and_a_folder_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mbox"
    empty.write_bytes(b"")
    with pytest.raises(ImportFormatError, match="empty"):
        MboxConnector(empty).check()
    with pytest.raises(ImportFormatError, match="folder"):
        MboxConnector(tmp_path).check()


def test_an_unknown_variant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ImportFormatError, match="variant"):
        MboxConnector(tmp_path / "x.mbox", variant="maildir")


def test_an_unparsable_date_rejects_that_message_only(tmp_path: Path) -> None:
    path = tmp_path / "list.mbox"
    path.write_bytes(
        b"From a@example.org Mon Jan  1 00:00:00 2024\n"
        b"From: a@example.org\nDate: demain matin\nMessage-ID: <bad@x>\n\nhello\n\n"
        b"From b@example.org Mon Jan  1 00:00:00 2024\n"
        b"From: b@example.org\nDate: Mon, 1 Jan 2024 10:00:00\nMessage-ID: <good@x>\n\nbye\n"
    )
    records = read(path)
    (problem,) = rejections(records)
    assert problem == Rejection(
        location=f"{path}:1",
        reason="unparsable date 'demain matin'",
        field="Date",
        external_id="bad@x",
    )
    (message,) = messages(records)
    # a date without a zone is read as UTC
    assert message.created_at == dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC)


# -- the splitter, as a property ----------------------------------------------------

line = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=30
) | st.sampled_from(["From here on", ">From there", ">>From everywhere", "From ", ""])


def write_mboxrd(bodies: list[list[str]]) -> bytes:
    """An mbox as a careful writer makes it: every ``>*From `` body line escaped."""
    out = bytearray()
    for number, body in enumerate(bodies):
        out += b"From sender@example.org Mon Jan  1 00:00:00 2024\n"
        out += b"From: sender@example.org\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n"
        out += f"Message-ID: <m{number}@example.org>\n".encode()
        out += b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n"
        for text in body:
            if text.lstrip(">").startswith("From "):
                text = ">" + text
            out += text.encode("utf-8") + b"\n"
        out += b"\n"
    return bytes(out)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(st.lists(line, max_size=8), min_size=1, max_size=6))
def test_any_sequence_of_messages_reads_back_to_the_same_count_and_bodies(
    tmp_path: Path, bodies: list[list[str]]
) -> None:
    path = tmp_path / "property.mbox"
    path.write_bytes(write_mboxrd(bodies))
    found = messages(read(path))
    assert len(found) == len(bodies)
    # the text is the body with surrounding white space removed
    assert [m.text for m in found] == ["\n".join(body).strip() for body in bodies]
