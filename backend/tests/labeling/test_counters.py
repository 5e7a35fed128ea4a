"""The run's counters: written at most once a second, recounted from rows and calls at the ends."""

import asyncio
import uuid
from collections import deque
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, func, select

from app.core.config import Settings
from app.db.models import (
    JobStatus,
    LabelingRow,
    LabelingRun,
    LabelingStatus,
    LLMCall,
    TrainingJob,
)
from app.db.session import Database
from app.engine.kinds import Ending
from app.labeling import writer
from app.labeling.label_job import LabelHandler
from app.labeling.loop import run_labeling
from tests.labeling.conftest import REVIEWS, Setup
from tests.labeling.test_loop import _create, _run, _run_row
from tests.llm_providers.teacher_server import TeacherServer


def _truth(db: Database, run_id: uuid.UUID) -> tuple[int, int, int, Decimal]:
    """Rows stored, and the input tokens, output tokens and cost of the calls recorded."""
    with db.session_scope() as session:
        rows = session.scalar(
            select(func.count()).select_from(LabelingRow).where(LabelingRow.run_id == run_id)
        )
        calls = session.execute(
            select(
                func.sum(LLMCall.input_tokens),
                func.sum(LLMCall.output_tokens),
                func.sum(LLMCall.cost),
            ).where(LLMCall.run_id == run_id)
        ).one()
    return rows or 0, int(calls[0]), int(calls[1]), Decimal(calls[2])


def _counters(db: Database, run_id: uuid.UUID) -> tuple[int, int, int, Decimal]:
    run = _run_row(db, run_id)
    return run.rows_done, run.input_tokens, run.output_tokens, run.cost


def test_counters_are_not_written_per_row(
    db: Database,
    settings: Settings,
    setup: Setup,
    teacher: TeacherServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer, "COUNT_EVERY_SECONDS", 3600.0)
    run_id = _create(db, settings, setup)
    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE LABELING_RUNS"):
            updates.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        assert _run(db, settings, run_id) == LabelingStatus.succeeded
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    # One when the run is claimed, one when it ends; none for its ten rows.
    assert len(updates) == 2, updates
    assert _counters(db, run_id) == _truth(db, run_id)
    assert _truth(db, run_id)[0] == len(REVIEWS)


def test_counters_written_with_every_commit_match_the_rows(
    db: Database,
    settings: Settings,
    setup: Setup,
    teacher: TeacherServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(writer, "COUNT_EVERY_SECONDS", 0.0)
    run_id = _create(db, settings, setup)
    mid_run: list[bool] = []

    def check(progress: dict[str, Any]) -> None:
        # Progress follows a commit, whose counters went with it.
        mid_run.append(_counters(db, run_id) == _truth(db, run_id))

    assert _run(db, settings, run_id, on_progress=check) == LabelingStatus.succeeded
    assert len(mid_run) == len(REVIEWS) and all(mid_run)


def test_two_runners_on_one_run_count_every_row_once(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    """Two loops on one run (a worker thought lost still running beside its replacement)."""
    run_id = _create(db, settings, setup)
    teacher.slow_seconds = 0.05
    teacher.script = deque(["slow"] * 60)
    with db.session_scope() as session:
        session.get_one(LabelingRun, run_id).rows_done = 3  # drifted: recounted on start

    async def both() -> list[LabelingStatus]:
        return list(
            await asyncio.gather(
                run_labeling(db, settings, run_id), run_labeling(db, settings, run_id)
            )
        )

    assert asyncio.run(both()) == [LabelingStatus.succeeded] * 2
    with db.session_scope() as session:
        indexes = list(
            session.scalars(select(LabelingRow.row_index).where(LabelingRow.run_id == run_id))
        )
    assert sorted(indexes) == list(range(len(REVIEWS)))
    assert _counters(db, run_id) == _truth(db, run_id)
    assert _counters(db, run_id)[0] == len(REVIEWS)


def test_a_job_that_ends_without_its_child_recounts_the_run(
    db: Database, settings: Settings, setup: Setup, teacher: TeacherServer
) -> None:
    """A child killed after its last attempt never wrote its last counts: the job's end does."""
    run_id = _create(db, settings, setup)
    assert _run(db, settings, run_id) == LabelingStatus.succeeded
    with db.session_scope() as session:
        run = session.get_one(LabelingRun, run_id)
        run.status, run.rows_done, run.cost = LabelingStatus.running, 4, Decimal("0.5")
    ending = Ending(JobStatus.failed, error_code="labeling_crashed", error_message="killed")
    with db.session_scope() as session:
        job = TrainingJob(kind="label", subject_id=run_id)
        LabelHandler(settings).on_outcome(session, job, ending, None)
    assert _run_row(db, run_id).status == LabelingStatus.failed
    assert _counters(db, run_id) == _truth(db, run_id)
