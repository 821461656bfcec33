"""``run_analysis``: incremental by watermark, ``full`` recomputes, a crash resumes,
memory is bounded by chunks, and the aggregates always equal a recomputation."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.config import Settings
from palabre.customers.models import SegmentDay
from palabre.db.engine import transaction
from palabre.pipeline.models import AnalysisWatermark, MessageSignal
from palabre.pipeline.runner import run_analysis
from palabre.pipeline.stage import LocalEngine, Stage, Tables
from tests.datasets import require_minilm
from tests.pipeline import world


class RecordingEngine(LocalEngine):
    """The local engine, noting the size of every table a stage is given."""

    def __init__(self) -> None:
        super().__init__(workers=1)
        self.heights: dict[str, list[int]] = {}

    def run(self, stage: Stage, tables: Tables) -> dict[str, pl.DataFrame]:
        self.heights.setdefault(stage.name, []).extend(t.height for t in tables.values())
        return super().run(stage, tables)


class CrashingEngine(LocalEngine):
    """The local engine, failing when asked to run ``stage`` for the ``after``-th time."""

    def __init__(self, stage: str, after: int = 1) -> None:
        super().__init__(workers=1)
        self.stage, self.left = stage, after

    def run(self, stage: Stage, tables: Tables) -> dict[str, pl.DataFrame]:
        if stage.name == self.stage:
            self.left -= 1
            if self.left == 0:
                raise RuntimeError("the machine stopped")
        return super().run(stage, tables)


def _scored(session: Session) -> dict[int, tuple[str, object]]:
    rows = session.execute(
        sa.select(MessageSignal.message_id, MessageSignal.content_hash, MessageSignal.scored_at)
    )
    return {mid: (content_hash, at) for mid, content_hash, at in rows}


def _segment_days(session: Session) -> list[tuple[object, ...]]:
    columns = [c for c in SegmentDay.__table__.columns if c.name != "id"]
    return sorted(
        (tuple(r) for r in session.execute(sa.select(*columns))),
        key=lambda r: tuple(str(v) for v in r),
    )


@pytest.fixture
def built(sessions: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    world.build(sessions, tmp_path, messages=30)
    return sessions


def test_a_first_run_scores_every_message_and_a_second_run_nothing(
    built: sessionmaker[Session],
) -> None:
    first = run_analysis(built, engine=LocalEngine(workers=1))
    assert first.stage("score").rows_out == 30
    assert first.stage("segment_day").rows_out > 0
    second = run_analysis(built, engine=LocalEngine(workers=1))
    assert second.stage("score").rows_out == 0
    assert second.stage("segment_day").rows_in == 0
    with built() as session:
        assert len(_scored(session)) == 30
        mark = session.get(AnalysisWatermark, "score")
        assert mark is not None
        assert mark.finished_at is not None
        assert mark.last_message_id == max(_scored(session))


def test_a_later_run_scores_only_new_and_edited_messages(
    built: sessionmaker[Session], tmp_path: Path
) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    with built() as session:
        before = _scored(session)
        edited_id = world.message_id(session, "m4")
    # m4 comes again with another text (an edit at the source), m30 and m31 are new.
    rows = world.message_rows(1, first=4)
    rows[0]["text"] = "Finalement je suis déçu, vraiment déçu."
    rows += world.message_rows(2, first=30)
    world.import_messages(built, world.write_messages(tmp_path / "more.csv", rows))

    report = run_analysis(built, engine=LocalEngine(workers=1))

    assert report.stage("score").rows_out == 3
    with built() as session:
        after = _scored(session)
        new_ids = {world.message_id(session, "m30"), world.message_id(session, "m31")}
    assert set(after) == set(before) | new_ids
    changed = {mid for mid in before if after[mid] != before[mid]}
    assert changed == {edited_id}
    assert after[edited_id][0] != before[edited_id][0]  # the new content's hash


def test_full_rescores_everything_and_gives_the_same_aggregates(
    built: sessionmaker[Session],
) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    with built() as session:
        days = _segment_days(session)
    report = run_analysis(built, full=True, engine=LocalEngine(workers=1))
    assert report.stage("score").rows_out == 30
    assert report.stage("segment_day").recomputed_all
    with built() as session:
        assert _segment_days(session) == days


def test_messages_scored_by_other_weights_are_scored_again(built: sessionmaker[Session]) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    with transaction(built) as session:
        session.execute(
            sa.update(MessageSignal)
            .where(MessageSignal.message_id == world.message_id(session, "m7"))
            .values(model_version="signals-older")
        )
    assert run_analysis(built, engine=LocalEngine(workers=1)).stage("score").rows_out == 1


def test_a_crash_between_stages_resumes_with_the_aggregates(
    built: sessionmaker[Session],
) -> None:
    with pytest.raises(RuntimeError, match="stopped"):
        run_analysis(built, engine=CrashingEngine("segment_day"))
    with built() as session:
        assert len(_scored(session)) == 30  # scoring had committed
        assert _segment_days(session) == []  # the aggregates had not

    report = run_analysis(built, engine=LocalEngine(workers=1))

    assert report.stage("score").rows_out == 0
    with built() as session:
        resumed = _segment_days(session)
    run_analysis(built, full=True, engine=LocalEngine(workers=1))
    with built() as session:
        assert resumed == _segment_days(session) != []


def test_a_crash_during_scoring_keeps_the_chunks_done_and_resumes_after_them(
    built: sessionmaker[Session],
) -> None:
    with pytest.raises(RuntimeError, match="stopped"):
        run_analysis(built, engine=CrashingEngine("score", after=3), chunk_size=10)
    with built() as session:
        kept = _scored(session)
        mark = session.get(AnalysisWatermark, "score")
        assert mark is not None
        assert mark.finished_at is None
        assert len(kept) == 20
        assert mark.last_message_id == max(kept)

    report = run_analysis(built, engine=LocalEngine(workers=1), chunk_size=10)

    assert report.stage("score").rows_out == 10
    with built() as session:
        assert {k: v for k, v in _scored(session).items() if k in kept} == kept


def test_stages_never_get_more_rows_than_a_chunk(built: sessionmaker[Session]) -> None:
    engine = RecordingEngine()
    report = run_analysis(built, engine=engine, chunk_size=7)
    assert report.stage("score").rows_out == 30
    assert max(engine.heights["score"]) == 7
    assert len(engine.heights["score"]) == 5  # 7 + 7 + 7 + 7 + 2
    assert max(engine.heights["segment_day"]) <= 7
    with built() as session:
        chunked = _segment_days(session)
    run_analysis(built, full=True, engine=LocalEngine(workers=1))
    with built() as session:
        assert _segment_days(session) == chunked


def test_new_messages_update_only_their_days_and_match_a_recomputation(
    built: sessionmaker[Session], tmp_path: Path
) -> None:
    run_analysis(built, engine=LocalEngine(workers=1))
    world.import_messages(
        built, world.write_messages(tmp_path / "more.csv", world.message_rows(4, first=30))
    )
    report = run_analysis(built, engine=LocalEngine(workers=1))
    assert not report.stage("segment_day").recomputed_all
    assert report.stage("score").rows_out == 4
    with built() as session:
        incremental = _segment_days(session)
    run_analysis(built, full=True, engine=LocalEngine(workers=1))
    with built() as session:
        assert _segment_days(session) == incremental


def test_a_segment_refresh_recomputes_every_day(built: sessionmaker[Session]) -> None:
    from palabre.identity import segments

    run_analysis(built, engine=LocalEngine(workers=1))
    with transaction(built) as session:
        segments.create_segment(
            session, name="Tous", rule="country = 'FR' or country = 'UK'", actor="test"
        )
    report = run_analysis(built, engine=LocalEngine(workers=1))
    assert report.stage("segment_day").recomputed_all
    with built() as session:
        tous = session.scalar(sa.text("SELECT id FROM segment WHERE name = 'Tous'"))
        volume = session.scalar(
            sa.select(sa.func.sum(SegmentDay.volume)).where(
                SegmentDay.segment_id == tous, SegmentDay.channel_id.is_(None)
            )
        )
    # Every message by Claire, Paul or Uma: authors cycle claire, paul, uma, alice, claire.
    assert volume == 24


def test_switching_the_sentence_encoder_on_or_off_rescores_every_message(
    built: sessionmaker[Session], settings: Settings
) -> None:
    require_minilm()
    run_analysis(built, engine=LocalEngine(workers=1), settings=settings)
    with_encoder = settings.model_copy(update={"signals_encoder": "minilm"})
    report = run_analysis(built, engine=LocalEngine(workers=1), settings=with_encoder)
    assert report.stage("score").rows_out == 30
    with built() as session:
        versions = set(session.scalars(sa.select(MessageSignal.model_version)))
    assert len(versions) == 1
    assert next(iter(versions)).endswith("+minilm")
    again = run_analysis(built, engine=LocalEngine(workers=1), settings=with_encoder)
    assert again.stage("score").rows_out == 0
    off = run_analysis(built, engine=LocalEngine(workers=1), settings=settings)
    assert off.stage("score").rows_out == 30
