"""Messages per second of the full signal analysis, beside VADER's polarity alone.

    python benchmarks/signals_speed.py [--messages 20000] [--workers 2] [--repeat 3]
    python benchmarks/signals_speed.py --encoder minilm [--encoder-messages 1000]
    python benchmarks/signals_speed.py --adapted [--messages 20000]

Messages are real text of 20-60 words: GoEmotions test comments (English) and XED
French subtitle lines joined until the length is reached, half in each language
(``PALABRE_DATASETS_DIR`` or ../shared/datasets). The full analysis (language,
sentiment, six signals, evidence) runs on one core, then on ``--workers`` processes;
VADER (``bash scripts/setup bench``) scores the same messages on one core.
Each path runs ``--repeat`` times and the best run counts (the machine is shared:
the best run is the one least disturbed by other work); CPU time per message of the
one-core path is printed too, since it does not depend on what else runs.

``--encoder minilm`` measures the sentence-embedding path instead (the embeddings
extra): the encoder alone on the English messages, then the full analysis blended
with it on ``--encoder-messages`` messages (half of them English, the ones it embeds),
in this process (the encoder's matrix products use every core numpy is given).

``--adapted`` measures what a workspace adaptation (``palabre train``) costs: a residual
model of the largest size ``palabre train`` stores (:data:`MAX_WEIGHTS` weights on
every head, on features drawn at random from the shipped model's) applied as ``palabre
analyze`` applies it, against the shipped path, alternately, on one core.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable

import numpy as np
from threadpoolctl import threadpool_limits

from palabre.text import data
from palabre.text.adaptation import Adaptation
from palabre.text.lexicon import SIGNALS
from palabre.text.model import EVIDENCE_THRESHOLD, SignalAnalyzer, default_analyzer
from palabre.text.parallel import analyze_in_chunks, analyze_parallel
from palabre.text.residual import MAX_WEIGHTS, SENTIMENT, Residual


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


def _best(repeat: int, run: Callable[[], object]) -> tuple[float, float]:
    """Best wall-clock and CPU seconds of ``repeat`` runs."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        run()
        wall = min(wall, time.perf_counter() - w0)
        cpu = min(cpu, time.process_time() - c0)
    return wall, cpu


def encoder_speed(name: str, texts: list[str], repeat: int) -> int:
    """Print messages/s of the encoder alone (English messages) and of the blended analysis."""
    from palabre.text.embedding_head import blended_analyzer

    analyzer = blended_analyzer(name)
    english = texts[::2]  # messages() alternates English and French
    analyzer.encoder.encode(english[:8])  # loads the model outside the timing
    encode, encode_cpu = _best(repeat, lambda: analyzer.encoder.encode(english))
    blended, _ = _best(repeat, lambda: analyze_in_chunks(texts, encoder=name))
    plain, _ = _best(repeat, lambda: analyze_in_chunks(texts))
    n = len(texts)
    print(f"messages: {n} (20-60 words, half French, half English); encoder {name}")
    print(f"{name} encoder alone, English messages:     {len(english) / encode:10,.1f} messages/s")
    print(f"  CPU time per English message:          {encode_cpu / len(english) * 1e3:10.1f} ms")
    print(f"palabre full analysis + {name}, all messages: {n / blended:10,.1f} messages/s")
    print(f"palabre full analysis alone (same run):  {n / plain:10,.0f} messages/s")
    return 0


def largest_adaptation(analyzer: SignalAnalyzer, seed: int = 7) -> Adaptation:
    """An adaptation whose residual has :data:`MAX_WEIGHTS` weights on every head."""
    rng = np.random.default_rng(seed)
    names = analyzer.space.names[1:]
    residual = Residual()
    for head in (SENTIMENT, *SIGNALS):
        width = 3 if head == SENTIMENT else 1
        picked = rng.choice(len(names), size=MAX_WEIGHTS, replace=False)
        residual.weights[head] = {
            names[int(i)]: rng.normal(0, 0.3, width).round(5).tolist() for i in picked
        }
    return Adaptation(residual=residual)


def adapted_speed(texts: list[str], repeat: int) -> int:
    """Print the CPU time per message of the shipped path and of the adapted one."""
    adaptation = largest_adaptation(default_analyzer())

    def adapted() -> None:
        batch = analyze_in_chunks(texts, residual=adaptation.residual)
        adaptation.adapt_batch(texts, batch, EVIDENCE_THRESHOLD)

    analyze_in_chunks(texts)
    adapted()  # warm-up of both paths outside the timing
    plain_cpu, adapted_cpu = float("inf"), float("inf")
    for _ in range(repeat):  # alternated: both see the same machine
        plain_cpu = min(plain_cpu, _best(1, lambda: analyze_in_chunks(texts))[1])
        adapted_cpu = min(adapted_cpu, _best(1, adapted)[1])
    n = len(texts)
    size = adaptation.residual.size()
    print(f"messages: {n} (20-60 words, half French, half English), 1 core, CPU time")
    print(f"shipped model:                          {plain_cpu / n * 1e6:10.1f} µs per message")
    print(f"with a {size:,}-weight residual:        {adapted_cpu / n * 1e6:10.1f} µs per message")
    print(f"  cost of the adaptation:               {(adapted_cpu / plain_cpu - 1) * 100:+10.1f} %")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print messages/s for each path."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--encoder", default=None, help="measure this sentence encoder's path")
    parser.add_argument("--encoder-messages", type=int, default=1000)
    parser.add_argument("--adapted", action="store_true", help="measure a workspace adaptation")
    args = parser.parse_args(argv)
    if args.adapted:
        return adapted_speed(messages(args.messages), args.repeat)
    if args.encoder:
        return encoder_speed(args.encoder, messages(args.encoder_messages), args.repeat)
    texts = messages(args.messages)
    n = len(texts)
    analyzer = default_analyzer()
    # Warm-up outside the timing: lexicons loaded, token table filled (a long-running
    # scorer has met most words already).
    analyze_in_chunks(texts)

    # "1 core" is one: numpy's BLAS would otherwise run a second thread (spinning on the
    # other core between calls), and the figure would be that of two.
    with threadpool_limits(1):
        one, one_cpu = _best(args.repeat, lambda: analyze_in_chunks(texts))
        cold = SignalAnalyzer(analyzer.path)
        start = time.perf_counter()
        for i in range(0, n, 2000):
            cold.analyze(texts[i : i + 2000])
        cold_rate = n / (time.perf_counter() - start)
    many, _ = _best(args.repeat, lambda: analyze_parallel(texts, workers=args.workers))

    print(f"messages: {n} (20-60 words, half French, half English)")
    print(f"palabre full analysis, 1 core:          {n / one:10,.0f} messages/s")
    print(f"  CPU time per message, 1 core:         {one_cpu / n * 1e6:10.1f} µs")
    print(f"  first pass, empty token table:        {cold_rate:10,.0f} messages/s")
    print(f"palabre full analysis, {args.workers} processes:     {n / many:10,.0f} messages/s")
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        print("VADER: not installed (bash scripts/setup bench)")
        return 0
    vader = SentimentIntensityAnalyzer()
    vader_wall, _ = _best(args.repeat, lambda: [vader.polarity_scores(t) for t in texts])
    vader_rate = n / vader_wall
    print(f"VADER polarity only, 1 core:            {vader_rate:10,.0f} messages/s")
    print(f"ratio ({args.workers} processes / VADER 1 core):   {n / many / vader_rate:10.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
