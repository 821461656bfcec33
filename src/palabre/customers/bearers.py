"""Flag bearers: the people whose discontent reaches others. Pure functions over Polars
frames (DESIGN rule 1); :mod:`palabre.customers.bearer_data` reads the frames from the
database, ``benchmarks/flag_bearers_eval.py`` from the demo company.

Score
-----
For each author, three factors multiplied, so that a person missing one of them ranks low
(a loud fan, a quiet malcontent and a one-off outburst are not flag bearers):

* **negativity**: how much of what they write carries discontent. Each message weighs
  its strongest worrying signal (discontent, disappointment, drifting away,
  misunderstanding) against
  twice the watch's threshold for it, capped at 1; the author's negativity is the sum
  over their messages divided by their count plus one (one angry message out of one is
  not a pattern);
* **reach**: how far their discontent travels, from two parts multiplied. The *echo*:
  per unit of discontent they voiced, the replies from other people (an echo that
  carries discontent itself counts fully, another reply half) and the reactions their
  messages received, each weighted by the message's negativity, plus the mentions of
  them by others per negative message; ``log(1.5 + that)`` (an unheard complaint still
  counts for something: its audience may read it). The *audience*: their
  followers where a source knows them (log scale) plus their influence in the
  interaction graph (who replies to, reacts to and mentions whom: PageRank by power
  iteration over a scipy sparse matrix, scaled so that the average person scores 1);
  ``log(1 + that)``. Reach is ``echo × √audience`` and enters the score **squared**
  (``echo² × audience``): the definition is about discontent that reaches others, so a
  frequent, negative but unheard author must not outrank one who is echoed, and a large
  audience must not stand in for complaints that nobody takes up;
* **recurrence**: on how many distinct days they voiced discontent, each day counting
  with its most negative message: ``log(1 + the sum over days)``.

``benchmarks/flag_bearers_eval.py`` measures how these choices find the demo company's
planted flag bearers (docs/customer-voice.md, "Flag bearers").

Evidence: each person's negative messages that travelled furthest.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np
import polars as pl
from scipy import sparse

from palabre.customers import watch

#: the signals whose probability makes a message negative: the four the issue calls
#: discontent in the broad sense (a confusing change is complained about, too)
NEGATIVE_SIGNALS: Final[tuple[str, ...]] = (
    "discontent",
    "disappointment",
    "drifting_away",
    "misunderstanding",
)
#: below this weight a message does not count as negative (recurrence, evidence)
NEGATIVE_FROM: Final = 0.5
#: weights of the parts of reach
REACTION_WEIGHT: Final = 0.5
MENTION_WEIGHT: Final = 1.0
#: the echo a complaint gets with no reply, reaction or mention: its audience may still
#: read it (a post seen by 50,000 followers reaches them even if nobody answers)
UNHEARD_ECHO: Final = 0.5
DAMPING: Final = 0.85
EVIDENCE: Final = 3

#: columns of the input frames
MESSAGE_COLUMNS: Final = (
    "id",
    "author",
    "created_at",
    "reply_to",
    *NEGATIVE_SIGNALS,
)


@dataclass(frozen=True)
class Bearer:
    """One person's score and its parts, with the messages that show it."""

    person: str
    score: float
    negativity: float
    reach: float
    recurrence: float
    messages: int
    negative_messages: int
    negative_days: int
    replies: float
    reactions: float
    mentions: int
    followers: int | None
    influence: float
    evidence: list[str]


def message_negativity(messages: pl.DataFrame) -> pl.Series:
    """Each message's weight of discontent in [0, 1]: its strongest negative signal
    against the watch's threshold for it."""
    parts = [
        (pl.col(s).fill_null(0.0) / (2 * watch.THRESHOLDS[s])).clip(0.0, 1.0)
        for s in NEGATIVE_SIGNALS
    ]
    return messages.select(pl.max_horizontal(parts).alias("negativity"))["negativity"]


def pagerank(
    sources: np.ndarray, targets: np.ndarray, n: int, *, damping: float = DAMPING
) -> np.ndarray:
    """PageRank of ``n`` nodes over the weighted edges ``sources[i] -> targets[i]``
    (repeated edges add up), by power iteration; dangling nodes spread evenly."""
    if n == 0:
        return np.zeros(0)
    weights = np.ones(len(sources))
    matrix = sparse.csr_matrix((weights, (sources, targets)), shape=(n, n))
    out = np.asarray(matrix.sum(axis=1)).ravel()
    scale = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    transition = sparse.diags(scale) @ matrix  # row-stochastic where there are edges
    transposed = transition.T.tocsr()
    rank = np.full(n, 1.0 / n)
    dangling = out == 0
    for _ in range(100):
        spread = damping * (transposed @ rank + rank[dangling].sum() / n)
        updated = spread + (1 - damping) / n
        if np.abs(updated - rank).sum() < 1e-10:
            rank = updated
            break
        rank = updated
    return np.asarray(rank / rank.sum())


def score_bearers(
    messages: pl.DataFrame,
    reactions: pl.DataFrame,
    mentions: pl.DataFrame,
    followers: Mapping[str, int] | None = None,
    *,
    people: Collection[str] | None = None,
    top: int | None = None,
) -> list[Bearer]:
    """Rank the authors of ``messages`` as flag bearers (see the module docstring).

    ``messages``: :data:`MESSAGE_COLUMNS` (``author`` a person id as text, ``reply_to``
    the id of the message answered or null, the signal probabilities); ``reactions``:
    ``message_id``, ``person`` (who reacted; null when unknown); ``mentions``:
    ``message_id``, ``person`` (who is mentioned). ``people``: rank only these (a
    segment's members), the graph being everyone's. Returns the ranking, best first.
    """
    followers = followers or {}
    if messages.height == 0:
        return []
    msgs = messages.select(
        pl.col("id").cast(pl.String),
        pl.col("author").cast(pl.String),
        pl.col("created_at"),
        pl.col("reply_to").cast(pl.String),
    ).with_columns(message_negativity(messages))
    authors = sorted(set(msgs["author"].drop_nulls().to_list()))
    reacting = reactions.select(
        pl.col("message_id").cast(pl.String), pl.col("person").cast(pl.String)
    )
    mentioned = mentions.select(
        pl.col("message_id").cast(pl.String), pl.col("person").cast(pl.String)
    )
    everyone = sorted(
        set(authors)
        | set(reacting["person"].drop_nulls().to_list())
        | set(mentioned["person"].drop_nulls().to_list())
    )
    index = {p: i for i, p in enumerate(everyone)}

    owner = msgs.select(pl.col("id").alias("reply_to"), pl.col("author").alias("to"))
    replies = (
        msgs.filter(pl.col("reply_to").is_not_null())
        .join(owner, on="reply_to", how="inner")
        .filter(pl.col("to") != pl.col("author"))
    )
    target = msgs.select(
        pl.col("id").alias("message_id"), pl.col("author").alias("to"), "negativity"
    )
    reacted = reacting.join(target, on="message_id", how="inner").filter(
        pl.col("person").is_null() | (pl.col("person") != pl.col("to"))
    )
    by = msgs.select(pl.col("id").alias("message_id"), pl.col("author").alias("by"))
    mention_edges = mentioned.join(by, on="message_id", how="inner").filter(
        pl.col("by") != pl.col("person")
    )

    # The interaction graph: who answers, reacts to or mentions whom.
    edges = pl.concat(
        [
            replies.select(pl.col("author").alias("src"), pl.col("to").alias("dst")),
            reacted.filter(pl.col("person").is_not_null()).select(
                pl.col("person").alias("src"), pl.col("to").alias("dst")
            ),
            mention_edges.select(pl.col("by").alias("src"), pl.col("person").alias("dst")),
        ]
    )
    rank = pagerank(
        np.array([index[s] for s in edges["src"].to_list()], dtype=np.int64),
        np.array([index[d] for d in edges["dst"].to_list()], dtype=np.int64),
        len(everyone),
    )
    influence = rank * len(everyone)

    # Replies and reactions each message received, weighted by its negativity.
    received = (
        msgs.select("id", "negativity")
        .join(
            # A reply that carries discontent itself (an echo) counts fully, another half.
            replies.group_by("reply_to").agg(
                (0.5 + 0.5 * pl.col("negativity")).sum().alias("replies")
            ),
            left_on="id",
            right_on="reply_to",
            how="left",
        )
        .join(
            reacted.group_by("message_id").agg(pl.len().alias("reactions")),
            left_on="id",
            right_on="message_id",
            how="left",
        )
        .with_columns(pl.col("replies").fill_null(0), pl.col("reactions").fill_null(0))
    )
    per_message = msgs.join(received.drop("negativity"), on="id", how="left")
    negative = pl.col("negativity") >= NEGATIVE_FROM
    stats = per_message.group_by("author").agg(
        pl.len().alias("messages"),
        pl.col("negativity").sum().alias("negativity_sum"),
        negative.sum().alias("negative_messages"),
        pl.col("created_at").filter(negative).dt.date().n_unique().alias("negative_days"),
        pl.col("created_at").dt.date().alias("day"),
        pl.col("negativity").alias("weights"),
        (pl.col("replies") * pl.col("negativity")).sum().alias("replies"),
        (pl.col("reactions") * pl.col("negativity")).sum().alias("reactions"),
    )
    mention_counts = dict(mention_edges.group_by("person").agg(pl.len().alias("n")).iter_rows())
    wanted = set(people) if people is not None else None
    bearers: list[Bearer] = []
    for row in stats.iter_rows(named=True):
        person = row["author"]
        if person is None or (wanted is not None and person not in wanted):
            continue
        negativity = row["negativity_sum"] / (row["messages"] + 1)
        mentions_in = int(mention_counts.get(person, 0))
        follower_count = followers.get(person)
        pull = influence[index[person]]
        # Echo: how far each complaint travels (per unit of discontent voiced, so that a
        # prolific grumbler is not a bearer by volume alone; recurrence counts the days).
        travel = (row["replies"] + REACTION_WEIGHT * row["reactions"]) / max(
            row["negativity_sum"], 1.0
        ) + MENTION_WEIGHT * mentions_in / max(int(row["negative_messages"]), 1)
        echo = math.log1p(UNHEARD_ECHO + travel)
        # Audience: how many could hear them. A separate factor, not a term of the echo's
        # sum: a large audience must not stand in for complaints that nobody takes up.
        audience = math.log1p((math.log1p(follower_count) if follower_count else 0.0) + float(pull))
        reach = echo * math.sqrt(audience)
        # Each day counts with its most negative message: steady grumbling adds up.
        strongest: dict[object, float] = {}
        for day, weight in zip(row["day"], row["weights"], strict=True):
            strongest[day] = max(strongest.get(day, 0.0), weight)
        recurrence = math.log1p(sum(strongest.values()))
        bearers.append(
            Bearer(
                person=person,
                score=negativity * reach**2 * recurrence,
                negativity=negativity,
                reach=reach,
                recurrence=recurrence,
                messages=int(row["messages"]),
                negative_messages=int(row["negative_messages"]),
                negative_days=int(row["negative_days"]),
                replies=float(row["replies"]),
                reactions=float(row["reactions"]),
                mentions=mentions_in,
                followers=follower_count,
                influence=float(pull),
                evidence=[],
            )
        )
    bearers.sort(key=lambda b: (-b.score, b.person))
    if top is not None:
        bearers = bearers[:top]
    return _with_evidence(bearers, per_message)


def _with_evidence(bearers: list[Bearer], per_message: pl.DataFrame) -> list[Bearer]:
    """Each bearer's negative messages that travelled furthest (most replies and
    reactions, then the most negative, then the latest)."""
    if not bearers:
        return bearers
    chosen = {b.person for b in bearers}
    ranked = (
        per_message.filter(
            pl.col("author").is_in(list(chosen)), pl.col("negativity") >= NEGATIVE_FROM
        )
        .with_columns((pl.col("replies") + pl.col("reactions")).alias("travel"))
        .sort(["travel", "negativity", "created_at"], descending=True)
        .group_by("author", maintain_order=True)
        .head(EVIDENCE)
    )
    evidence: dict[str, list[str]] = {}
    for author, message_id in ranked.select("author", "id").iter_rows():
        evidence.setdefault(author, []).append(message_id)
    return [Bearer(**{**b.__dict__, "evidence": evidence.get(b.person, [])}) for b in bearers]


def recall_at(ranking: list[str], planted: Collection[str], k: int = 20) -> float:
    """Share of the planted people found in the first ``k`` of ``ranking``."""
    if not planted:
        raise ValueError("recall needs at least one planted person")
    return len(set(ranking[:k]) & set(planted)) / len(set(planted))
