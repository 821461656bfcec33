"""Background jobs in the database (palabre.jobs.service): what one session writes, another
reads; one training at a time whatever the session; a silent process's job is interrupted."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session, sessionmaker

from palabre.db.base import utcnow
from palabre.db.engine import transaction
from palabre.errors import ConflictError
from palabre.jobs import service as jobs
from palabre.jobs.models import BackgroundJob


def _age_heartbeat(sessions: sessionmaker[Session], job_id: int, by: dt.timedelta) -> None:
    """What a process that died leaves behind: a heartbeat nobody refreshes any more."""
    with transaction(sessions) as session:
        session.execute(
            sa.update(BackgroundJob)
            .where(BackgroundJob.id == job_id)
            .values(heartbeat_at=utcnow() - by)
        )


def _queue_import(sessions: sessionmaker[Session]) -> int:
    with transaction(sessions) as session:
        return jobs.queue_job(
            session, kind="import", actor="user:zoe", parameters={"kind": "messages"}
        ).id


def test_a_job_is_written_by_one_session_and_read_with_its_progress_by_another(
    sessions: sessionmaker[Session],
) -> None:
    job_id = _queue_import(sessions)
    with transaction(sessions) as writer:
        jobs.mark_running(writer, job_id)
        jobs.beat(writer, [job_id], {job_id: jobs.Progress(position=300, total=1200, records=7)})
    with sessions() as reader:
        row = reader.get(BackgroundJob, job_id)
        assert row is not None
        assert (row.state, row.position, row.total, row.records) == ("running", 300, 1200, 7)
        assert row.worker == jobs.this_process()
        assert row.started_at is not None
        assert len(row.public_id) == 16
    with transaction(sessions) as writer:
        jobs.finish(writer, job_id, state="succeeded", outcome_id=42, error=None)
    with sessions() as reader:
        row = reader.get(BackgroundJob, job_id)
        assert row is not None
        assert (row.state, row.outcome_id, row.error) == ("succeeded", 42, None)
        assert row.finished_at is not None


def test_a_beat_leaves_a_finished_job_as_it_ended(sessions: sessionmaker[Session]) -> None:
    job_id = _queue_import(sessions)
    with transaction(sessions) as session:
        jobs.finish(session, job_id, state="failed", outcome_id=None, error="file: empty")
    with transaction(sessions) as session:
        jobs.beat(session, [job_id], {job_id: jobs.Progress(position=1)})
    with sessions() as session:
        row = session.get(BackgroundJob, job_id)
        assert row is not None
        assert (row.state, row.position, row.error) == ("failed", 0, "file: empty")


def test_a_queued_or_running_job_whose_heartbeat_stopped_reads_as_interrupted(
    sessions: sessionmaker[Session],
) -> None:
    job_id = _queue_import(sessions)
    with sessions() as session:
        row = session.get(BackgroundJob, job_id)
        assert row is not None
        assert jobs.effective_state(row) == "queued"
        assert [job.id for job in jobs.active_jobs(session, "import")] == [job_id]
    _age_heartbeat(sessions, job_id, jobs.STALE_AFTER + dt.timedelta(seconds=1))
    with sessions() as session:
        row = session.get(BackgroundJob, job_id)
        assert row is not None
        assert row.state == "queued"  # as stored: nobody said otherwise
        assert jobs.effective_state(row) == "interrupted"
        assert jobs.active_jobs(session, "import") == []
    # A finished job stays as it ended, however old its last beat.
    with transaction(sessions) as session:
        jobs.finish(session, job_id, state="succeeded", outcome_id=1, error=None)
    _age_heartbeat(sessions, job_id, dt.timedelta(days=3))
    with sessions() as session:
        row = session.get(BackgroundJob, job_id)
        assert row is not None
        assert jobs.effective_state(row) == "succeeded"


def test_one_training_at_a_time_across_two_sessions(sessions: sessionmaker[Session]) -> None:
    with sessions() as first, sessions() as second:
        started = jobs.start_training_job(first, actor="user:zoe", parameters={})
        first.commit()
        with pytest.raises(ConflictError, match=r"a run started by user:zoe at .* is not over yet"):
            jobs.start_training_job(second, actor="user:max", parameters={})
        second.rollback()
        jobs.finish(first, started.id, state="succeeded", outcome_id=None, error=None)
        first.commit()
        again = jobs.start_training_job(second, actor="user:max", parameters={})
        second.commit()
        assert again.state == "running"


def test_the_unique_index_refuses_a_second_active_training_the_check_did_not_see(
    sessions: sessionmaker[Session],
) -> None:
    # Two processes that both checked before either inserted: the index decides.
    with transaction(sessions) as session:
        jobs.queue_job(session, kind="training", actor="user:zoe", parameters={}, state="running")
    with sessions() as second:
        with pytest.raises(sa.exc.IntegrityError):
            jobs.queue_job(second, kind="training", actor="user:max", parameters={})
        second.rollback()
    # Imports are not limited: any number may be queued.
    _queue_import(sessions)
    _queue_import(sessions)


def test_a_training_whose_process_died_no_longer_blocks_the_next(
    sessions: sessionmaker[Session],
) -> None:
    with transaction(sessions) as session:
        dead = jobs.start_training_job(session, actor="user:zoe", parameters={}).id
    _age_heartbeat(sessions, dead, jobs.STALE_AFTER * 2)
    with transaction(sessions) as session:
        jobs.start_training_job(session, actor="user:max", parameters={})
    with sessions() as session:
        states = session.execute(
            sa.select(BackgroundJob.actor, BackgroundJob.state).order_by(BackgroundJob.id)
        ).all()
    assert [tuple(s) for s in states] == [("user:zoe", "interrupted"), ("user:max", "running")]
