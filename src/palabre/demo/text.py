"""Compose messages that read like real ones from the phrase banks.

A message is assembled from fragments chosen by signal (discontent, praise...), by
root cause and by trend, in the author's language, then shaped by the author's
*voice*: register (formal e-mail, casual forum post, terse social mention), local
usages (Swiss French, British English), emoji habits, typing accuracy (keyboard-neighbour
slips, dropped accents, lower case, stretched letters). Slots (``{product}``,
``{amount}``...) are filled with values drawn for each message, so that two messages
built from the same fragments still differ.

Everything draws from the ``random.Random`` it is given: the same generator state gives
the same text.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass
from typing import Literal

from palabre.demo import phrases_en, phrases_fr

Language = Literal["fr", "en"]
Register = Literal["formal", "casual", "social"]

BANKS: dict[str, dict[str, tuple[str, ...]]] = {"fr": phrases_fr.BANK, "en": phrases_en.BANK}

MONTHS: dict[str, tuple[str, ...]] = {
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}

# Neighbouring keys on AZERTY (French speakers) and QWERTY (English speakers): a slip
# lands on a key next to the intended one.
_AZERTY = ("azertyuiop", "qsdfghjklm", "wxcvbn")
_QWERTY = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _neighbours(rows: tuple[str, ...]) -> dict[str, str]:
    found: dict[str, str] = {}
    for r, row in enumerate(rows):
        for c, key in enumerate(row):
            near = [row[i] for i in (c - 1, c + 1) if 0 <= i < len(row)]
            for other in (r - 1, r + 1):
                if 0 <= other < len(rows):
                    near += [rows[other][i] for i in (c - 1, c, c + 1) if 0 <= i < len(rows[other])]
            found[key] = "".join(near)
    return found


NEIGHBOURS = {"fr": _neighbours(_AZERTY), "en": _neighbours(_QWERTY)}

# Informal rewrites: (formal, casual); applied to casual and social voices only.
_CASUAL = {
    "fr": (
        ("s'il vous plaît", "svp"),
        ("je ne sais pas", "je sais pas"),
        ("je ne comprends pas", "je comprends pas"),
        ("Il y a", "Y a"),
        ("n'est pas", "est pas"),
        ("ne trouve plus", "trouve plus"),
        ("Je suis", "Chuis"),
        ("quelque chose", "qqch"),
        ("beaucoup", "bcp"),
        ("rendez-vous", "rdv"),
    ),
    "en": (
        ("I am ", "I'm "),
        ("going to", "gonna"),
        ("do not", "don't"),
        ("you ", "u "),
        ("please", "pls"),
        ("because", "cos"),
        ("thanks", "thx"),
        ("I don't know", "dunno"),
    ),
}


@dataclass(frozen=True, slots=True)
class Voice:
    """How one author writes: stable for a person, so their messages share a style."""

    language: Language
    register: Register = "casual"
    local: bool = False  # Swiss French or British usages
    city: str = "Genève"
    country: str = "CH"
    typo_rate: float = 0.01  # chance per word of a slip
    emoji_rate: float = 0.2
    drops_accents: bool = False
    lower_case: bool = False
    shouts: bool = False  # stretched letters and !!!


def voice_for(rng: random.Random, language: Language, country: str, city: str) -> Voice:
    """Draw a voice for a new author: most write carefully, some fast and loose."""
    register: Register = rng.choices(("formal", "casual", "social"), (0.3, 0.5, 0.2))[0]
    sloppy = rng.random() < 0.25
    return Voice(
        language=language,
        register=register,
        local=country in ("CH", "UK") and rng.random() < 0.6,
        city=city,
        country=country,
        typo_rate=rng.uniform(0.03, 0.08) if sloppy else rng.uniform(0.0, 0.015),
        emoji_rate=rng.choice((0.0, 0.05, 0.2, 0.5)),
        drops_accents=language == "fr" and rng.random() < (0.35 if sloppy else 0.05),
        lower_case=sloppy and rng.random() < 0.5,
        shouts=rng.random() < 0.08,
    )


class Composer:
    """Builds message texts; one instance serves every message of a company."""

    def __init__(self, cities: dict[str, tuple[str, ...]]) -> None:
        #: the cities a message may name, per country
        self.cities = cities

    # -- slots -----------------------------------------------------------------------

    def _amount(self, rng: random.Random, voice: Voice) -> str:
        value = rng.randint(19, 99)
        cents = rng.choice(("", ".90", ".50", ".95"))
        if voice.country == "CH":
            if voice.local and rng.random() < 0.3 and 70 <= value < 100:
                tens = "septante" if value < 80 else ("huitante" if value < 90 else "nonante")
                units = value % 10
                word = tens if units == 0 else f"{tens}-{_FR_UNITS[units]}"
                return f"{word} francs"
            return rng.choice((f"CHF {value}{cents}", f"{value}{cents} CHF", f"{value} francs"))
        if voice.country == "FR":
            return rng.choice((f"{value}{cents.replace('.', ',')} €", f"{value} euros"))
        return rng.choice((f"£{value}{cents}", f"{value} quid" if voice.local else f"£{value}"))

    def fill(self, template: str, rng: random.Random, voice: Voice, **given: str) -> str:
        """Fill the ``{slots}`` of one fragment with values drawn for this message."""
        if "{" not in template:
            return template
        bank = BANKS[voice.language]
        values = dict(given)
        for slot in _SLOTS:
            if "{" + slot + "}" not in template or slot in values:
                continue
            if slot == "product":
                values[slot] = rng.choice(bank["product"])
            elif slot == "feature":
                values[slot] = rng.choice(bank["feature"])
            elif slot == "weekday":
                values[slot] = rng.choice(bank["weekday"])
            elif slot == "agent":
                values[slot] = rng.choice(bank["agent"])
            elif slot == "month":
                values[slot] = rng.choice(MONTHS[voice.language])
            elif slot == "city":
                values[slot] = (
                    voice.city
                    if rng.random() < 0.7
                    else rng.choice(self.cities.get(voice.country, (voice.city,)))
                )
            elif slot == "order":
                values[slot] = rng.choice(("CMD-", "#", "n°" if voice.language == "fr" else "no. "))
                values[slot] += str(rng.randint(100000, 999999))
            elif slot == "days":
                values[slot] = str(rng.randint(3, 25))
            elif slot == "n":
                values[slot] = str(rng.randint(10, 55))
            elif slot == "pct":
                values[slot] = str(rng.choice((8, 10, 12, 15, 18, 20, 25)))
            elif slot == "amount":
                values[slot] = self._amount(rng, voice)
            elif slot == "time":
                hour, minute = rng.randint(8, 18), rng.choice((0, 0, 15, 30, 45))
                if voice.language == "fr":
                    values[slot] = f"{hour} h {minute:02d}" if minute else f"{hour} h"
                else:
                    suffix = "am" if hour < 12 else "pm"
                    twelve = hour if hour <= 12 else hour - 12
                    values[slot] = (
                        f"{twelve}:{minute:02d}{suffix}" if minute else f"{twelve}{suffix}"
                    )
            elif slot == "colleague":
                values[slot] = "@" + rng.choice(bank["agent"]).lower()
        return template.format(**values)

    def pick(self, rng: random.Random, voice: Voice, key: str, **given: str) -> str:
        """One fragment of bank ``key``, slots filled; ``*_local`` fragments mixed in."""
        bank = BANKS[voice.language]
        local = bank.get(key + "_local")
        if voice.local and local and rng.random() < 0.25:
            return self.fill(rng.choice(local), rng, voice, **given)
        return self.fill(rng.choice(bank[key]), rng, voice, **given)

    # -- messages --------------------------------------------------------------------

    def customer(
        self,
        rng: random.Random,
        voice: Voice,
        signal: str,
        *,
        cause: str | None = None,
        trend: str | None = None,
        register: Register | None = None,
    ) -> str:
        """A customer's message carrying ``signal``, about ``cause`` or ``trend`` if given."""
        bank = BANKS[voice.language]
        reg = register or voice.register
        brief = f"brief_{signal}"
        if cause is None and trend is None and brief in bank and rng.random() < 0.25:
            # Many real messages are a handful of words.
            return self._shape(rng, voice, "casual", self.pick(rng, voice, brief), signal)
        core_key = f"{cause}_{signal}" if cause else signal
        if core_key not in bank:
            core_key = signal if signal in bank else "question"
        sentences: list[str] = []
        if trend is not None:
            sentences.append(self.pick(rng, voice, f"trend_{trend}"))
            if signal != "question" and signal in bank:
                sentences.append(self.pick(rng, voice, signal))
        else:
            sentences.append(self.pick(rng, voice, core_key))
        length = rng.choices(("short", "medium", "long"), (0.3, 0.48, 0.22))[0]
        negative = signal in ("discontent", "disappointment", "drifting")
        if length != "short":
            extras = 1 if length == "medium" else rng.randint(2, 4)
            for _ in range(extras):
                roll = rng.random()
                if roll < 0.4:
                    sentences.append(self.pick(rng, voice, "detail"))
                elif roll < 0.6 and core_key in bank:
                    sentences.append(self.pick(rng, voice, core_key))
                elif roll < 0.75 and negative:
                    sentences.append(self.pick(rng, voice, "sarcasm"))
                elif roll < 0.85:
                    sentences.append(self.pick(rng, voice, "followup"))
                else:
                    sentences.append(self.pick(rng, voice, "detail"))
            if rng.random() < 0.5:
                closer = "closer_neg" if negative else "closer_neutral"
                if signal == "praise":
                    closer = "closer_pos"
                sentences.append(self.pick(rng, voice, closer))
        if length == "short" and rng.random() < 0.45:
            # One sentence alone repeats across thousands of posts: add a short tail.
            if negative:
                tail = rng.choice(("followup", "closer_neg", "sarcasm"))
            else:
                tail = (
                    "closer_pos"
                    if signal == "praise"
                    else rng.choice(("followup", "closer_neutral"))
                )
            sentences.append(self.pick(rng, voice, tail))
        if negative and rng.random() < 0.3:
            sentences[0] = f"{rng.choice(bank['intensifier'])} {_lower_first(sentences[0])}"
        elif length != "short" and rng.random() < 0.25:
            sentences.insert(0, self.pick(rng, voice, "opener"))
            sentences[1] = _lower_first(sentences[1])
            sentences[0:2] = [f"{sentences[0]} {sentences[1]}"]
        body = " ".join(_dedupe(sentences))
        text = self._frame(rng, voice, reg, body, length)
        return self._shape(rng, voice, reg, text, signal)

    def _frame(
        self, rng: random.Random, voice: Voice, register: Register, body: str, length: str
    ) -> str:
        if register == "formal" and length != "short":
            greet = self.pick(rng, voice, "greet_formal")
            sign = self.pick(rng, voice, "sign_formal")
            return f"{greet}\n\n{body}\n\n{sign}"
        if register == "casual" and rng.random() < 0.45:
            greet = self.pick(rng, voice, "greet_casual")
            sep = ", " if not greet.endswith(",") else " "
            text = f"{greet}{sep}{_lower_first(body)}"
            if rng.random() < 0.4:
                text += "\n" + self.pick(rng, voice, "sign_casual")
            return text
        if register == "social":
            handle = "@MaisonLemanique" if rng.random() < 0.7 else "@maison_lemanique"
            tag = rng.choice(("", "", " #retail", " #Genève", " #serviceclient", " #fail", ""))
            return f"{handle} {body}{tag}" if rng.random() < 0.6 else f"{body} {handle}{tag}"
        return body

    def _shape(
        self, rng: random.Random, voice: Voice, register: Register, text: str, signal: str
    ) -> str:
        if register != "formal" and rng.random() < 0.6:
            for formal, casual in _CASUAL[voice.language]:
                if formal in text and rng.random() < 0.7:
                    text = text.replace(formal, casual, 1)
        if voice.drops_accents:
            text = strip_accents(text)
        if voice.lower_case and register != "formal":
            text = text.lower()
        if voice.shouts and signal in ("discontent", "drifting"):
            text = text.rstrip(".!") + rng.choice(("!!!", " !!", "!!!!", " ?!"))
        text = add_typos(rng, text, voice.typo_rate, voice.language)
        if rng.random() < voice.emoji_rate:
            mood = {"praise": "emoji_pos", "suggestion": "emoji_pos"}.get(signal, "emoji_neutral")
            if signal in ("discontent", "disappointment", "drifting"):
                mood = "emoji_neg"
            emoji = rng.choice(BANKS[voice.language][mood])
            text = f"{text} {emoji * rng.choice((1, 1, 1, 2, 3))}"
        return text

    def simple(
        self, rng: random.Random, voice: Voice, key: str, *, signal: str = "neutral", **given: str
    ) -> str:
        """A chat-like line of ``key``: sometimes a prefix, a second sentence, a sign-off."""
        parts = [self.pick(rng, voice, key, **given)]
        if rng.random() < 0.45:
            parts.insert(0, self.pick(rng, voice, "chat_prefix"))
            parts[1] = _lower_first(parts[1])
        if rng.random() < 0.3:
            parts.append(self.pick(rng, voice, key, **given))
        if rng.random() < 0.55:
            parts.append(self.pick(rng, voice, "chat_suffix"))
        text = " ".join(_dedupe(parts))
        return self._shape(rng, voice, voice.register, text, signal)

    def reply(self, rng: random.Random, voice: Voice, key: str, *, extra: str | None = None) -> str:
        """A reply: a fragment of ``key``, often framed, sometimes with a second sentence."""
        parts = [self.pick(rng, voice, key)]
        if rng.random() < 0.5:
            parts.insert(0, self.pick(rng, voice, "reply_prefix"))
            parts[1] = _lower_first(parts[1])
        if extra is not None and rng.random() < 0.5:
            parts.append(self.pick(rng, voice, extra))
        if rng.random() < 0.4:
            parts.append(self.pick(rng, voice, "followup" if key == "echo" else "closer_neutral"))
        signal = "discontent" if key == "echo" else "neutral"
        return self._shape(rng, voice, voice.register, " ".join(_dedupe(parts)), signal)

    def agent(
        self, rng: random.Random, voice: Voice, agent_name: str, customer_name: str | None = None
    ) -> str:
        """A service agent's answer: greets the customer by name, signs with their own."""
        first = self.pick(rng, voice, "agent_reply")
        parts = [first]
        if rng.random() < 0.45:
            parts.append(self.pick(rng, voice, "agent_reply"))
        body = " ".join(_strip_greeting(p) for p in _dedupe(parts))
        if customer_name and rng.random() < 0.9:
            hello = _AGENT_HELLO[voice.language]
            body = f"{rng.choice(hello)} {customer_name},\n{body[0].upper()}{body[1:]}"
        if rng.random() < 0.75:
            body += "\n" + self.pick(rng, voice, "agent_close", agent=agent_name)
        return add_typos(rng, body, voice.typo_rate / 4, voice.language)

    def idea_title(self, rng: random.Random, voice: Voice) -> str:
        """A title like « Installer des bornes de recharge au magasin de Nyon »."""
        verb = self.pick(rng, voice, "idea_verb")
        obj = self.pick(rng, voice, "idea_object")
        place = self.pick(rng, voice, "idea_place")
        return f"{verb} {obj} {place}"


_SLOTS = (
    "product",
    "feature",
    "weekday",
    "agent",
    "month",
    "city",
    "order",
    "days",
    "n",
    "pct",
    "amount",
    "colleague",
    "time",
)
_AGENT_HELLO = {
    "fr": ("Bonjour", "Bonsoir", "Bonjour", "Re-bonjour"),
    "en": ("Hello", "Hi", "Dear", "Good morning"),
}
_GREETINGS = ("Bonjour, ", "Hello, ", "Hi, ", "Merci pour", "Thanks for")


def _strip_greeting(text: str) -> str:
    for greeting in _GREETINGS[:3]:
        if text.startswith(greeting):
            rest = text[len(greeting) :]
            return rest[0].upper() + rest[1:]
    return text


_FR_UNITS = ("", "et-un", "deux", "trois", "quatre", "cinq", "six", "sept", "huit", "neuf")


def _lower_first(text: str) -> str:
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and not text.startswith("I "):
        return text[0].lower() + text[1:]
    return text


def _dedupe(sentences: list[str]) -> list[str]:
    return list(dict.fromkeys(sentences))


def _accent_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x180):
        decomposed = unicodedata.normalize("NFD", chr(code))
        base = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
        if base != chr(code):
            table[code] = base
    return table


_ACCENTS = _accent_table()


def strip_accents(text: str) -> str:
    """Drop diacritics the way people typing fast on a phone do (é -> e, ç -> c)."""
    return text.translate(_ACCENTS)


def add_typos(rng: random.Random, text: str, rate: float, language: str) -> str:
    """Slip on some words: a neighbouring key, two letters swapped, one dropped or doubled."""
    if rate <= 0:
        return text
    words = text.split(" ")
    # How many slips: a Poisson draw with mean rate x words (cheaper than a draw per word).
    mean = rate * len(words)
    limit, slips, p = math.exp(-mean), 0, rng.random()
    while p > limit:
        slips += 1
        p *= rng.random()
    if not slips:
        return text
    near = NEIGHBOURS.get(language, NEIGHBOURS["en"])
    for _ in range(slips):
        i = rng.randrange(len(words))
        word = words[i]
        if len(word) < 4 or not word.isalpha():
            continue
        pos = rng.randrange(1, len(word) - 1)
        kind = rng.random()
        letter = word[pos].lower()
        if kind < 0.4 and letter in near:
            word = word[:pos] + rng.choice(near[letter]) + word[pos + 1 :]
        elif kind < 0.7:
            word = word[: pos - 1] + word[pos] + word[pos - 1] + word[pos + 1 :]
        elif kind < 0.85:
            word = word[:pos] + word[pos + 1 :]
        else:
            word = word[:pos] + word[pos] + word[pos:]
        words[i] = word
    return " ".join(words)
