"""French and English: catalogs complete, locale chosen switch > account > browser > English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import dates
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session, sessionmaker

from palabre.identity.models import Person
from palabre.web import i18n
from tests.web.conftest import Account, csrf_of

ROOT = Path(__file__).resolve().parents[2]


def _catalog(locale: str):  # type: ignore[no-untyped-def]
    with i18n.catalog_path(locale).open("rb") as handle:
        return read_po(handle, locale=locale)


def test_every_message_has_a_french_translation() -> None:
    untranslated = [
        message.id
        for message in _catalog("fr")
        if message.id
        and (
            message.fuzzy
            or not message.string
            or (isinstance(message.string, tuple) and not all(message.string))
        )
    ]
    assert untranslated == []


def test_the_catalogs_hold_exactly_the_messages_the_code_and_templates_use(
    tmp_path: Path,
) -> None:
    template = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-o",
            str(template),
            "--no-location",
            str(ROOT / "src/palabre/web"),
        ]
    )
    with template.open("rb") as handle:
        extracted = {message.id for message in read_po(handle) if message.id}
    assert len(extracted) > 20
    for locale in i18n.LOCALES:
        in_catalog = {message.id for message in _catalog(locale) if message.id}
        assert in_catalog == extracted, f"run pybabel update (see babel.cfg) for {locale}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CH,fr;q=0.9,en;q=0.8", "fr"),
        ("de-DE,de;q=0.9,en-GB;q=0.5,fr;q=0.4", "en"),
        ("de, fr;q=0.2", "fr"),
        ("en;q=0, fr;q=0.1", "fr"),
        ("de", None),
        ("", None),
    ],
)
def test_the_browser_language_is_negotiated(header: str, expected: str | None) -> None:
    assert i18n.negotiate(header) == expected


def test_a_french_browser_gets_the_sign_in_page_in_french(client: TestClient) -> None:
    page = client.get("/signin", headers={"Accept-Language": "fr-CH, fr;q=0.9"})
    assert '<html lang="fr">' in page.text
    assert "Se connecter" in page.text
    assert "Nom d’utilisateur" in page.text
    english = TestClient(client.app).get("/signin", headers={"Accept-Language": "de"})
    assert '<html lang="en">' in english.text
    assert "Username" in english.text


def test_the_switch_wins_over_the_browser_and_is_remembered_on_the_account(
    client: TestClient, make_account: Callable[..., Account], sessions: sessionmaker[Session]
) -> None:
    make_account("member", locale="en")
    client.post(
        "/signin",
        data={
            "username": "member-user",
            "password": Account("m", "m").password,
            "csrf_token": csrf_of(client),
        },
    )
    french_browser = {"Accept-Language": "fr"}
    # The account's language beats the browser's.
    assert '<html lang="en">' in client.get("/", headers=french_browser).text
    response = client.post(
        "/language", data={"locale": "fr", "next": "/", "csrf_token": csrf_of(client)}
    )
    assert response.status_code == 303
    home = client.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="fr">' in home.text
    assert "Ce qui se passe" in home.text
    # A new browser without the switch's choice gets the account's new language.
    fresh = TestClient(client.app, follow_redirects=False)
    fresh.post(
        "/signin",
        data={
            "username": "member-user",
            "password": Account("m", "m").password,
            "csrf_token": csrf_of(fresh),
        },
    )
    assert '<html lang="fr">' in fresh.get("/", headers={"Accept-Language": "en"}).text


def test_an_unknown_language_is_refused(client: TestClient) -> None:
    response = client.post("/language", data={"locale": "de", "csrf_token": csrf_of(client)})
    assert response.status_code == 422
    assert "is not one of: en, fr" in response.text


def test_numbers_on_the_home_page_follow_the_language(
    client_as: Callable[[str], TestClient], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        session.add_all(Person(display_name=f"p{i}") for i in range(1234))
        session.commit()
    client = client_as("admin")
    assert "<dd>1,234</dd>" in client.get("/", headers={"Accept-Language": "en"}).text
    french = client.get("/", headers={"Accept-Language": "fr"}).text
    assert "<dd>1\u202f234</dd>" in french


def test_dates_are_formatted_per_locale_in_the_display_time_zone() -> None:
    env = __import__("palabre.web.templating", fromlist=["environment"]).environment()
    moment = dt.datetime(2026, 3, 5, 23, 30, tzinfo=dt.UTC)
    template = env.from_string("{{ moment | date('long') }} {{ 0.256 | percent(1) }}")
    assert template.render(moment=moment, locale="en", time_zone="UTC") == "March 5, 2026 25.6%"
    # In Geneva it is already the 6th.
    assert template.render(moment=moment, locale="fr", time_zone="Europe/Zurich") == (
        "6 mars 2026 25,6\u00a0%"
    )


@settings(max_examples=300, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1)),
    locale=st.sampled_from(i18n.LOCALES),
    width=st.sampled_from(("short", "medium", "long", "full", "d MMM y, HH:mm", "h:mm a")),
)
def test_timestamps_read_exactly_as_babel_writes_them(
    moment: dt.datetime, locale: str, width: str
) -> None:
    # The page's formatter writes numbers and month names itself: never differently.
    aware = moment.replace(tzinfo=ZoneInfo("Europe/Zurich"))
    expected = dates.format_datetime(aware, width, tzinfo=aware.tzinfo, locale=locale)
    assert i18n.datetime_formatter(width, locale)(aware) == expected


def test_translated_strings_escape_what_fills_them_and_keep_their_percent_signs() -> None:
    env = __import__("palabre.web.templating", fromlist=["environment"]).environment()
    template = env.from_string(
        '{{ _("last activity %(when)s", when="<b>") }}|{{ _("Search") }}|'
        '{{ ngettext("%(num)s message found", "%(num)s messages found", 3, num="250+") }}'
    )
    assert template.render(locale="fr") == (
        "dernière activité le &lt;b&gt;|Chercher|250+ messages trouvés"
    )
    assert template.render(locale="en") == "last activity &lt;b&gt;|Search|250+ messages found"
    # Placeholders may bear the names of the functions' own parameters.
    named = env.from_string(
        "{% trans count=2, message='m' %}{{ count }} {{ message }} a"
        "{% pluralize %}{{ count }} {{ message }} b{% endtrans %}"
    )
    assert named.render(locale="en") == "2 m b"


def test_templates_that_import_macros_pass_them_the_readers_context() -> None:
    # A macro imported without context translates without the reader's locale: the page
    # fails (KeyError 'locale') as soon as the macro writes a translated word.
    imports = []
    for template in (ROOT / "src/palabre/web/templates").rglob("*.html"):
        for line in template.read_text(encoding="utf-8").splitlines():
            if line.lstrip().startswith(("{% from ", "{% import ")):
                imports.append((template.name, line.strip()))
    assert len(imports) > 10
    assert [i for i in imports if not i[1].endswith("with context %}")] == []
