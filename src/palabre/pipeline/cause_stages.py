"""The root-cause stages of ``palabre analyze``: fit topics, assign them, count and rank
the drivers. Each is pure (Polars tables in, Polars tables out); topics travel as rows
``id``, ``language``, ``label``, ``terms`` (JSON text of ``[[key, weight], ...]``)."""

from __future__ import annotations

from typing import ClassVar, Final

import numpy as np
import orjson
import polars as pl

from palabre.customers import causes
from palabre.pipeline.stage import Stage, Tables
from palabre.text.topics import UNASSIGNED, NmfTopicModel, TopicModel, TopicTerms, assign_parallel

#: what a topics table holds
TOPIC_SCHEMA: Final[dict[str, type[pl.DataType]]] = {
    "id": pl.Int64,
    "language": pl.String,
    "label": pl.String,
    "terms": pl.String,
    "size": pl.Int64,
}


def topics_to_frame(topics: list[TopicTerms], ids: list[int] | None = None) -> pl.DataFrame:
    """Topics as a table (``ids`` default to their positions)."""
    return pl.DataFrame(
        {
            "id": ids if ids is not None else list(range(len(topics))),
            "language": [t.language for t in topics],
            "label": [t.label for t in topics],
            "terms": [orjson.dumps([list(p) for p in t.terms]).decode() for t in topics],
            "size": [t.size for t in topics],
        },
        schema=TOPIC_SCHEMA,
    )


def frame_to_topics(frame: pl.DataFrame) -> list[TopicTerms]:
    """The topics of a topics table, in its row order."""
    return [
        TopicTerms(
            row["language"],
            tuple((str(k), float(w)) for k, w in orjson.loads(row["terms"])),
            row["label"],
            int(row["size"] or 0),
        )
        for row in frame.iter_rows(named=True)
    ]


class TopicFitStage(Stage):
    """Topics of a sample of the messages carrying a signal.

    Input ``sample``: ``text``, ``language`` (fr, en or null). Output ``topics`` (ids are
    positions; the runner matches them with the known topics)."""

    name: ClassVar[str] = "topic_fit"
    # 2: 70 topics per language (40 left the demo's delivery cause without a topic);
    # 3: at most 50 NMF iterations, tolerance 1e-3 (8x faster, same topics on the demo)
    version: ClassVar[str] = "3"
    inputs: ClassVar[tuple[str, ...]] = ("sample",)
    outputs: ClassVar[tuple[str, ...]] = ("topics",)

    def __init__(self, model: TopicModel | None = None) -> None:
        self.model = model or NmfTopicModel(n_topics=70, docs_per_topic=15, max_iter=50, tol=1e-3)

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Fit the model on the sample."""
        sample = tables["sample"]
        fitted = self.model.fit(sample["text"].to_list(), sample["language"].to_list())
        return {"topics": topics_to_frame(fitted.topics_)}


class TopicAssignStage(Stage):
    """Each message's topic. Inputs ``messages`` (``id``, ``text``, ``language``) and
    ``topics``; output ``message_topic``: ``id``, ``topic_id`` (null: none), ``score``."""

    name: ClassVar[str] = "topic_assign"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("messages", "topics")
    outputs: ClassVar[tuple[str, ...]] = ("message_topic",)
    parallel: ClassVar[bool] = True

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Assign the active topics to the messages, in order."""
        messages, topics = tables["messages"], tables["topics"]
        found = assign_parallel(
            frame_to_topics(topics),
            messages["text"].to_list(),
            messages["language"].to_list(),
            workers,
        )
        ids = np.asarray([*topics["id"].to_list(), 0], dtype=np.int64)
        chosen = ids[found.topics]  # -1 picks the trailing 0, masked below
        topic_id = pl.Series("topic_id", chosen, dtype=pl.Int64)
        unassigned = pl.Series(found.topics == UNASSIGNED)
        return {
            "message_topic": pl.DataFrame(
                {
                    "id": messages["id"].cast(pl.Int64),
                    "topic_id": pl.select(
                        pl.when(unassigned).then(None).otherwise(topic_id)
                    ).to_series(),
                    "score": pl.Series("score", found.scores, dtype=pl.Float64),
                }
            )
        }


class CauseCountStage(Stage):
    """Per segment, month and topic: messages and carriers of each signal
    (:func:`palabre.customers.causes.period_counts`). Input ``assigned``."""

    name: ClassVar[str] = "cause_count"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("assigned",)
    outputs: ClassVar[tuple[str, ...]] = ("cause_counts",)

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Count the rows of ``assigned``."""
        return {"cause_counts": causes.period_counts(tables["assigned"])}


class DriverStage(Stage):
    """The ranked drivers (:func:`palabre.customers.causes.drivers`) of the counts."""

    name: ClassVar[str] = "topic_driver"
    version: ClassVar[str] = "1"
    inputs: ClassVar[tuple[str, ...]] = ("cause_counts",)
    outputs: ClassVar[tuple[str, ...]] = ("topic_driver",)

    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """Drivers of every segment, month, signal and topic."""
        return {"topic_driver": causes.drivers(tables["cause_counts"])}
