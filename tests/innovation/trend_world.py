"""A small workspace where one phrase bursts, built through the import path.

Sixty days of steady messages of invented words in a public forum; over the last
week a new phrase (« trottinette électrique ») appears every day, half of its messages
in the forum and half in an intranet channel that :func:`make_lab_private` can make
private (only administrators read private channels).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Final

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.connectors.importer import import_path
from palabre.db.engine import transaction
from palabre.fabric.models import Channel

START: Final = dt.date(2025, 1, 6)  # a Monday
DAYS: Final = 60
PER_DAY: Final = 25
PHRASE: Final = "trottinette électrique"
#: the days (from START) on which the phrase is mentioned, and how often
BURST: Final = dict.fromkeys(range(DAYS - 7, DAYS), 6)
_LETTERS = "bcdfgjklmnprstvz"
_VOWELS = "aeiou"


def _vocabulary(rng: np.random.Generator, size: int = 200) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add(
            "".join(
                _LETTERS[rng.integers(len(_LETTERS))] + _VOWELS[rng.integers(len(_VOWELS))]
                for _ in range(int(rng.integers(2, 4)))
            )
        )
    return sorted(words)


def rows(days: int = DAYS, burst: dict[int, int] | None = None) -> list[dict[str, str]]:
    """The messages: a Poisson number a day of Zipf-drawn words, plus the burst."""
    rng = np.random.default_rng(7)
    vocabulary = _vocabulary(rng)
    weights = 1.0 / np.arange(1, len(vocabulary) + 1)
    weights /= weights.sum()
    out: list[dict[str, str]] = []
    for day in range(days):
        date = START + dt.timedelta(days=day)
        count = int(rng.poisson(PER_DAY))
        extra = (burst if burst is not None else BURST).get(day, 0)
        for i in range(count + extra):
            words = [str(w) for w in rng.choice(vocabulary, size=8, p=weights)]
            channel, kind = ("forum", "community")
            if i >= count:
                words.insert(4, PHRASE)
                if (i - count) % 2:
                    channel, kind = ("lab", "intranet")
            moment = dt.datetime.combine(date, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(minutes=i)
            out.append(
                {
                    "id": f"m{day:02d}-{i:03d}",
                    "channel": channel,
                    "channel_kind": kind,
                    "author": f"person{i % 9}",
                    "created_at": moment.isoformat(),
                    "text": " ".join(words).capitalize() + ".",
                }
            )
    return out


def load(sessions: sessionmaker[Session], folder: Path, messages: list[dict[str, str]]) -> None:
    """Import ``messages`` as a generic messages CSV (it must import cleanly)."""
    path = folder / f"messages-{len(messages)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(messages[0]))
        writer.writeheader()
        writer.writerows(messages)
    report = import_path(sessions, "messages", path, actor="test")
    assert report.status == "succeeded", report.as_dict()
    assert report.rejected == 0, report.as_dict()


def build(sessions: sessionmaker[Session], folder: Path) -> None:
    """The whole workspace: sixty days, the burst in the last seven."""
    load(sessions, folder, rows())


def make_lab_private(sessions: sessionmaker[Session]) -> None:
    """Make the intranet channel private (as a connector of a private channel would)."""
    with transaction(sessions) as session:
        session.execute(
            sa.update(Channel).where(Channel.name == "lab").values(visibility="private")
        )
