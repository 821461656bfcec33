"""Messages per second of the full signal analysis, beside VADER's polarity alone.

    python benchmarks/signals_speed.py [--messages 20000] [--workers 2]

Messages are real text of 20-60 words: GoEmotions test comments (English) and XED
French subtitle lines joined until the length is reached, half in each language
(``PALABRE_DATASETS_DIR`` or ../shared/datasets). The full analysis (language,
sentiment, six signals, evidence) runs on one core, then on ``--workers`` processes;
VADER (``pip install 'palabre[bench]'``) scores the same messages on one core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from palabre.text import data
from palabre.text.model import default_analyzer
from palabre.text.parallel import analyze_parallel


def messages(count: int, seed: int = 7) -> list[str]:
    """``count`` real messages of 20-60 words, alternately English and French."""
    rng = random.Random(seed)
    pools = {
        "en": [e.text for e in data.goemotions("test")],
        "fr": [e.text for e in data.xed("fr", "train")],
    }
    out: list[str] = []
    for i in range(count):
        pool = pools["en" if i % 2 == 0 else "fr"]
        target = rng.randint(20, 60)
        words: list[str] = []
        while len(words) < target:
            words.extend(rng.choice(pool).split())
        out.append(" ".join(words[:target]))
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print messages/s for each path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    texts = messages(args.messages)
    analyzer = default_analyzer()
    analyzer.analyze(texts[:200])  # load lexicons and warm caches outside the timing

    start = time.perf_counter()
    analyzer.analyze(texts)
    one = len(texts) / (time.perf_counter() - start)

    start = time.perf_counter()
    analyze_parallel(texts, workers=args.workers)
    many = len(texts) / (time.perf_counter() - start)

    print(f"messages: {len(texts)} (20-60 words, half French, half English)")
    print(f"palabre full analysis, 1 core:          {one:10,.0f} messages/s")
    print(f"palabre full analysis, {args.workers} processes:     {many:10,.0f} messages/s")
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("VADER: not installed (pip install 'palabre[bench]')")
        return 0
    vader = SentimentIntensityAnalyzer()
    start = time.perf_counter()
    for text in texts:
        vader.polarity_scores(text)
    vader_rate = len(texts) / (time.perf_counter() - start)
    print(f"VADER polarity only, 1 core:            {vader_rate:10,.0f} messages/s")
    print(f"ratio ({args.workers} processes / VADER 1 core):   {many / vader_rate:10.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
