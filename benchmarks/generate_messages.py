"""Write a large, realistic messages file in palabre's generic format (CSV or JSONL).

    python benchmarks/generate_messages.py OUT.csv --messages 1000000 [--seed 7]

Messages come in threads (a root and 0-12 replies), from a population of authors
that follows a heavy-tailed activity law, in French and English, 5 to 120 words,
over a year, across a few dozen channels. The output streams to disk: memory does
not depend on the number of messages.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson

FR_WORDS = (
    "bonjour merci livraison commande retard colis client service application magasin "
    "prix abonnement facture remboursement produit qualité attente réponse conseiller "
    "vraiment très trop jamais toujours encore déjà pourquoi comment problème solution "
    "semaine mois aujourd'hui hier demain Genève Lausanne Lyon rapide lent déçu content "
    "super nul pratique compliqué simple cher gratuit nouveau ancien site carte fidélité "
    "retour échange taille couleur stock rupture paiement erreur mise jour compte mot "
    "passe connexion équipe vendeur caisse horaires ouverture fermé ouvert parking"
).split()
EN_WORDS = (
    "hello thanks delivery order late parcel customer service app store price "
    "subscription invoice refund product quality waiting answer advisor really very too "
    "never always still already why how problem solution week month today yesterday "
    "tomorrow London Manchester fast slow disappointed happy great awful handy confusing "
    "simple expensive free new old website card loyalty return exchange size colour stock "
    "payment error update account password login team seller checkout opening closed open"
).split()
EMOJIS = ("🙂", "😡", "👍", "🙏", "😕", "🎉", "", "", "", "", "", "")


def _sentence(rng: random.Random, words: list[str]) -> str:
    length = rng.randint(4, 18)
    text = " ".join(rng.choice(words) for _ in range(length))
    return text[0].upper() + text[1:] + rng.choice((".", ".", "!", "?", "..."))


def _text(rng: random.Random, french: bool) -> str:
    words = FR_WORDS if french else EN_WORDS
    sentences = [_sentence(rng, words) for _ in range(max(1, int(rng.expovariate(0.6))))]
    return " ".join(sentences[:7]) + rng.choice(EMOJIS)


def generate(messages: int, seed: int) -> Iterator[dict[str, str]]:
    """Yield ``messages`` rows of the generic format, thread by thread, in time order."""
    rng = random.Random(seed)
    authors = max(50, messages // 40)
    channels = [f"forum-{i:02d}" for i in range(24)] + ["support", "social", "intranet"]
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    step = dt.timedelta(days=365) / max(1, messages)
    produced = 0
    thread_no = 0
    while produced < messages:
        thread_no += 1
        channel = rng.choice(channels)
        french = rng.random() < 0.6
        root_id = f"t{thread_no}-0"
        replies = min(int(rng.expovariate(0.35)), 12, messages - produced - 1)
        when = start + step * produced
        for k in range(replies + 1):
            # Pareto-like activity: a few authors write much of the traffic.
            author = int(authors * (rng.random() ** 3))
            message_id = root_id if k == 0 else f"t{thread_no}-{k}"
            yield {
                "id": message_id,
                "channel": channel,
                "author": f"user{author}",
                "author_email": f"user{author}@example.org" if author % 3 == 0 else "",
                "created_at": (when + dt.timedelta(minutes=7 * k)).isoformat(),
                "text": _text(rng, french),
                "thread_id": root_id,
                "reply_to": ""
                if k == 0
                else (root_id if rng.random() < 0.7 else f"t{thread_no}-{k - 1}"),
                "language": "fr" if french else "en",
            }
            produced += 1


COLUMNS = (
    "id",
    "channel",
    "author",
    "author_email",
    "created_at",
    "text",
    "thread_id",
    "reply_to",
    "language",
)


def write(path: Path, messages: int, seed: int) -> None:
    """Write the file; the format follows the extension (.csv or .jsonl)."""
    rows = generate(messages, seed)
    if path.suffix == ".jsonl":
        with path.open("wb") as handle:
            for row in rows:
                handle.write(orjson.dumps({k: v for k, v in row.items() if v}) + b"\n")
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[c] for c in COLUMNS])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", type=Path)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    write(args.output, args.messages, args.seed)
    size = args.output.stat().st_size
    print(f"wrote {args.messages:,} messages to {args.output} ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
