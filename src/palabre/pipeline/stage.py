"""Stages and engines: the analysis as pure steps over Polars tables, and what runs them.

A :class:`Stage` names the tables it reads and writes and turns the first into the second
without touching the database, the file system or the clock (DESIGN rule 1), so that any
:class:`Engine` can run it: :class:`LocalEngine` in this process (using several cores for
the stages that can), a Spark engine later on the same stages. The runner
(:mod:`palabre.pipeline.runner`) does the I/O around them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import ClassVar, Protocol

import polars as pl

Tables = Mapping[str, pl.DataFrame]


class StageError(RuntimeError):
    """A stage was given, or gave back, tables that do not match its declaration."""


class Stage(ABC):
    """One pure step of the analysis.

    ``name`` identifies the stage (its watermark row); ``version`` changes whenever what
    the stage computes changes, which makes the next run recompute its results;
    ``inputs`` and ``outputs`` name the tables :meth:`run` takes and returns.
    ``parallel`` says whether :meth:`run` can use several worker processes.
    """

    name: ClassVar[str]
    version: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]]
    outputs: ClassVar[tuple[str, ...]]
    parallel: ClassVar[bool] = False

    @abstractmethod
    def run(self, tables: Tables, *, workers: int = 1) -> dict[str, pl.DataFrame]:
        """The output tables computed from ``tables`` (``workers``: processes it may use)."""


class Engine(Protocol):
    """What runs stages: in this process, or on a cluster."""

    name: str

    def run(self, stage: Stage, tables: Tables) -> dict[str, pl.DataFrame]:
        """Run ``stage`` on ``tables`` and return its output tables."""
        ...


def check_tables(stage: Stage, tables: Tables, expected: tuple[str, ...], what: str) -> None:
    """Refuse tables that lack one the stage declares (a programming error, said clearly)."""
    missing = [name for name in expected if name not in tables]
    if missing:
        raise StageError(f"stage {stage.name!r}: {what} lack {', '.join(missing)}")


class LocalEngine:
    """Runs stages in this process; a parallel stage gets ``workers`` processes."""

    name = "local"

    def __init__(self, workers: int = 2) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.workers = workers

    def run(self, stage: Stage, tables: Tables) -> dict[str, pl.DataFrame]:
        """Run ``stage`` on ``tables`` (checked against its declared inputs and outputs)."""
        check_tables(stage, tables, stage.inputs, "inputs")
        given = {name: tables[name] for name in stage.inputs}
        result = stage.run(given, workers=self.workers if stage.parallel else 1)
        check_tables(stage, result, stage.outputs, "outputs")
        return result
