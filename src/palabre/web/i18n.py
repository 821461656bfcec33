"""French and English for the web interface: gettext catalogs, locale choice, formatting.

The ``.po`` catalogs under ``web/locale`` are the only source: they are compiled in
memory when first needed, so a fresh clone installed with ``pip install -e .``
works without a build step (no ``.mo`` file is committed or generated).

To add or change interface text: mark it (``{% trans %}`` / ``_()`` in templates,
``N_()`` in Python), then run ``pybabel extract -F babel.cfg -o /tmp/messages.pot src``
and ``pybabel update -i /tmp/messages.pot -d src/palabre/web/locale``, and translate
the new French entries (a test refuses an untranslated one).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal, cast
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup

LOCALES: Final[tuple[str, ...]] = ("en", "fr")
DEFAULT_LOCALE: Final = "en"
LOCALE_NAMES: Final[dict[str, str]] = {"en": "English", "fr": "Français"}
LOCALE_DIR: Final = Path(__file__).parent / "locale"


def N_(message: str) -> str:  # noqa: N802 - the gettext convention for "translate later"
    """Mark ``message`` for extraction without translating it now (templates do, with ``_()``)."""
    return message


def catalog_path(locale: str) -> Path:
    """The ``.po`` file of ``locale``."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


@lru_cache(maxsize=len(LOCALES))
def translations(locale: str) -> Translations:
    """The compiled translations of ``locale`` (read from its ``.po`` once per process)."""
    if locale not in LOCALES:
        raise ValueError(f"no catalog for locale {locale!r}")
    with catalog_path(locale).open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)  # fuzzy entries are left out, as gettext does
    buffer.seek(0)
    return Translations(fp=buffer, domain="messages")


def gettext(locale: str, message: str, **variables: Any) -> str:
    """``message`` in ``locale``, with ``%(name)s`` placeholders filled from ``variables``."""
    text = translations(locale).gettext(message)
    return text % variables if variables else text


def parse_accept_language(header: str | None) -> list[str]:
    """The languages of an ``Accept-Language`` header, most preferred first (q=0 dropped)."""
    if not header:
        return []
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        fields = part.strip().split(";")
        tag = fields[0].strip()
        if not tag or len(tag) > 35:
            continue
        quality = 1.0
        for parameter in fields[1:]:
            name, _, value = parameter.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(header: str | None) -> str | None:
    """The first interface language the browser accepts (``fr-CH`` gives ``fr``), or None."""
    for tag in parse_accept_language(header):
        primary = tag.replace("_", "-").split("-")[0].lower()
        if primary in LOCALES:
            return primary
    return None


def choose_locale(chosen: object, account_locale: str | None, accept_language: str | None) -> str:
    """The switch's choice, else the account's language, else the browser's, else English."""
    if isinstance(chosen, str) and chosen in LOCALES:
        return chosen
    if account_locale in LOCALES:
        assert account_locale is not None
        return account_locale
    return negotiate(accept_language) or DEFAULT_LOCALE


# Template helpers: they read the locale and time zone from the rendering context.


# What Jinja's "newstyle" gettext does (translate, mark safe when autoescaping, fill the
# %(name)s placeholders, which escapes their values), in one call: Jinja's own wrappers
# go through three context calls per string (``_`` resolves ``gettext``, which calls the
# translation function), some 15 us each, and a page has dozens of strings.


@pass_context
def _gettext(context: Context, message: str, /, **variables: Any) -> str:
    text: str = translations(context["locale"]).gettext(message)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    # Jinja always formats (so "%%" reads "%"); without a "%" formatting changes nothing.
    return text % variables if variables or "%" in text else text


@pass_context
def _ngettext(context: Context, singular: str, plural: str, count: int, /, **variables: Any) -> str:
    variables.setdefault("num", count)
    text: str = translations(context["locale"]).ngettext(singular, plural, count)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


def _aware(value: dt.datetime, zone: str) -> dt.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(ZoneInfo(zone))


_STANDARD_FORMATS: Final = frozenset({"short", "medium", "long", "full"})


@lru_cache(maxsize=64)
def _datetime_pattern(format: str, locale: str) -> tuple[dates.DateTimePattern, Locale]:
    # What babel's format_datetime assembles at every call (its date and time patterns
    # inside the locale's datetime pattern), assembled once: a page of 25 messages
    # formats 25 timestamps, and this is 3-4 times faster.
    loc = Locale.parse(locale)
    if format not in _STANDARD_FORMATS:
        return dates.parse_pattern(format), loc
    width = cast(Literal["full", "long", "medium", "short"], format)
    time_pattern = dates.get_time_format(width, locale=loc).pattern
    date_pattern = dates.get_date_format(width, locale=loc).pattern
    combined = (
        str(dates.get_datetime_format(width, locale=loc))
        .replace("{0}", time_pattern)
        .replace("{1}", date_pattern)
    )
    return dates.parse_pattern(combined), loc


@pass_context
def format_datetime(context: Context, value: dt.datetime | None, format: str = "medium") -> str:
    """A timestamp in the reader's language and the workspace's display time zone."""
    if value is None:
        return ""
    return datetime_formatter(format, context["locale"])(_aware(value, context["time_zone"]))


#: The pattern fields :func:`datetime_formatter` writes itself: numbers, and the names
#: of months and of the two halves of the day, which it asks babel for once.
_NUMERIC_FIELDS: Final[dict[str, Callable[[dt.datetime], str]]] = {
    "d": lambda v: str(v.day),
    "dd": lambda v: f"{v.day:02d}",
    "M": lambda v: str(v.month),
    "MM": lambda v: f"{v.month:02d}",
    "y": lambda v: str(v.year),
    "yy": lambda v: f"{v.year % 100:02d}",
    "yyyy": lambda v: f"{v.year:04d}",
    "H": lambda v: str(v.hour),
    "HH": lambda v: f"{v.hour:02d}",
    "h": lambda v: str(v.hour % 12 or 12),
    "hh": lambda v: f"{v.hour % 12 or 12:02d}",
    "m": lambda v: str(v.minute),
    "mm": lambda v: f"{v.minute:02d}",
    "s": lambda v: str(v.second),
    "ss": lambda v: f"{v.second:02d}",
}
_FIELD: Final = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=64)
def datetime_formatter(format: str, locale: str) -> Callable[[dt.datetime], str]:
    """A function writing a timestamp as babel's ``format_datetime`` does (``format``: a
    standard width or a pattern, in ``locale``), the same text several times faster.

    Babel looks every field of the pattern up through its generic machinery at each
    call; a page lists dozens of timestamps. Patterns with fields other than numbers,
    month names and AM/PM (time zones, weekdays) are left to babel.
    """
    pattern, loc = _datetime_pattern(format, locale)
    template = cast(str, pattern.format)  # "%(d)s %(MMM)s ...": babel's types say otherwise
    names = set(_FIELD.findall(template))
    fields = dict(_NUMERIC_FIELDS)
    for width in ("MMM", "MMMM"):
        if width in names:
            months = {
                month: dates.format_datetime(dt.datetime(2001, month, 1), width, locale=loc)
                for month in range(1, 13)
            }
            fields[width] = lambda v, months=months: months[v.month]  # type: ignore[misc]
    if "a" in names:
        halves = [
            dates.format_datetime(dt.datetime(2001, 1, 1, h), "a", locale=loc) for h in (1, 13)
        ]
        fields["a"] = lambda v: halves[v.hour >= 12]
    if not names <= fields.keys():
        return lambda value: pattern.apply(value, loc)
    used = [(name, fields[name]) for name in names]
    return lambda value: template % {name: write(value) for name, write in used}


@lru_cache(maxsize=len(LOCALES))
def _babel_locale(locale: str) -> Locale:
    # Parsed once: babel parses a locale given by name again at every call.
    return Locale.parse(locale)


@pass_context
def format_date(context: Context, value: dt.date | None, format: str = "medium") -> str:
    """A date in the reader's language."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = _aware(value, context["time_zone"]).date()
    return dates.format_date(value, format, locale=_babel_locale(context["locale"]))


@pass_context
def format_number(context: Context, value: float | int | None) -> str:
    """A number with the reader's digit grouping and decimal mark."""
    if value is None:
        return ""
    return numbers.format_decimal(value, locale=_babel_locale(context["locale"]))


@pass_context
def format_percent(context: Context, value: float | None, digits: int = 0) -> str:
    """A ratio (0.25) as a percentage written the reader's way, with ``digits`` decimals."""
    if value is None:
        return ""
    return numbers.format_percent(
        round(value, digits + 2),
        locale=_babel_locale(context["locale"]),
        decimal_quantization=False,
    )


def install(env: Environment) -> None:
    """Give ``env`` the i18n extension (``{% trans %}``, ``_()``) and the formatting filters."""
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_gettext, ngettext=_ngettext, newstyle=True
    )
    # Ours already behave as Jinja's newstyle wrappers of them would: called directly.
    env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext)
    env.filters["datetime"] = format_datetime
    env.filters["date"] = format_date
    env.filters["number"] = format_number
    env.filters["percent"] = format_percent
