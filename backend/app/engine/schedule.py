"""Fair scheduling: which queued job a free slot takes next, and where each queued job stands.

The fair order of a queue: the project with the fewest running jobs on it first, then the
project whose last start on it is oldest (so a project's backlog cannot starve another even
with a single slot), then the job's priority (higher first), then the oldest. A project at its
running-jobs quota, or at its GPU-jobs quota for a job that needs a GPU, is passed over: its
jobs wait, unclaimed, until one of its jobs ends.
"""

import heapq
import statistics
import threading
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Integer,
    Select,
    case,
    func,
    literal,
    null,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.core.config import Settings
from app.db.base import utcnow
from app.db.models.job import JobStatus, TrainingJob
from app.db.models.quota import ProjectQuota
from app.engine.config import JobSettings

RUNNING = (JobStatus.running, JobStatus.cancelling)
# PostgreSQL advisory lock that makes claims one at a time across workers: each claim reads
# the running counts of every project, so two at once could both fill a project's last slot.
CLAIM_LOCK_KEY = 7_304_112_013
# SQLite has one writer; the runner threads of one process take turns with this lock.
_SQLITE_CLAIMS = threading.Lock()


@contextmanager
def claim_turn(settings: Settings) -> Iterator[None]:
    """Hold while claiming (SQLite: this process's turn; PostgreSQL takes its lock in SQL)."""
    with _SQLITE_CLAIMS if settings.is_sqlite else nullcontext():
        yield


def _limit(
    column: InstrumentedAttribute[int | None], default: int | None
) -> ColumnElement[int | None]:
    """The project's own limit (null = unlimited), or the setting's when it has no quota row."""
    fallback = null() if default is None else literal(default, Integer)
    return case((ProjectQuota.project_id.is_(None), fallback), else_=column)


JOBS = TrainingJob.__table__


def _once(query: Select[Any]) -> CTE:
    """A CTE computed once per statement whatever the planner's estimates.

    With stale statistics (a burst of submissions before autovacuum analyzes the table)
    PostgreSQL otherwise joins the grouped counts by nested loops and recomputes them for every
    queued row: seconds per claim instead of milliseconds.
    """
    return query.cte().prefix_with("MATERIALIZED", dialect="postgresql")


def _running_counts(kinds: list[str] | None, *, gpu: bool = False) -> CTE:
    jobs = JOBS.alias()
    query = select(jobs.c.project_id, func.count().label("n")).where(jobs.c.status.in_(RUNNING))
    if kinds is not None:
        query = query.where(jobs.c.kind.in_(kinds))
    if gpu:
        query = query.where(jobs.c.needs_gpu.is_(True))
    return _once(query.group_by(jobs.c.project_id))


def _last_starts(kinds: list[str]) -> CTE:
    """The latest start on the queue of each project with a queued job (an index lookup each)."""
    waiting = JOBS.alias()
    projects = (
        select(waiting.c.project_id)
        .where(waiting.c.status == JobStatus.queued, waiting.c.kind.in_(kinds))
        .distinct()
        .subquery()
    )
    jobs = JOBS.alias()
    latest = (
        select(func.max(jobs.c.started_at))
        .where(jobs.c.project_id == projects.c.project_id, jobs.c.kind.in_(kinds))
        .scalar_subquery()
    )
    return _once(select(projects.c.project_id, latest.label("at")))


def fair_order(settings: Settings, kinds: list[str]) -> Select[Any]:
    """Ids of the claimable queued jobs of these kinds, in the fair order."""
    return _fair_order(tuple(kinds), settings.quota_running_jobs, settings.quota_gpu_jobs)


@lru_cache(maxsize=32)
def _fair_order(
    kinds: tuple[str, ...], running_default: int | None, gpu_default: int | None
) -> Select[Any]:
    """Built once per queue and defaults: building it costs more than running it."""
    on_queue = _running_counts(list(kinds))
    anywhere = _running_counts(None)
    on_gpu = _running_counts(None, gpu=True)
    last = _last_starts(list(kinds))
    running_limit = _limit(ProjectQuota.running_jobs, running_default)
    gpu_limit = _limit(ProjectQuota.gpu_jobs, gpu_default)
    project = TrainingJob.project_id
    return (
        select(TrainingJob.id)
        .outerjoin(ProjectQuota, ProjectQuota.project_id == project)
        .outerjoin(on_queue, on_queue.c.project_id == project)
        .outerjoin(anywhere, anywhere.c.project_id == project)
        .outerjoin(on_gpu, on_gpu.c.project_id == project)
        .outerjoin(last, last.c.project_id == project)
        .where(
            TrainingJob.status == JobStatus.queued,
            TrainingJob.kind.in_(kinds),
            or_(running_limit.is_(None), func.coalesce(anywhere.c.n, 0) < running_limit),
            or_(
                TrainingJob.needs_gpu.is_(False),
                gpu_limit.is_(None),
                func.coalesce(on_gpu.c.n, 0) < gpu_limit,
            ),
        )
        .order_by(
            func.coalesce(on_queue.c.n, 0),
            last.c.at.asc().nulls_first(),
            TrainingJob.priority.desc(),
            TrainingJob.queued_at,
            TrainingJob.id,
        )
    )


@lru_cache(maxsize=64)
def _claim_statement(
    kinds: tuple[str, ...], running_default: int | None, gpu_default: int | None, skip: bool
) -> Select[Any]:
    """The fair order's first job, its row locked (skipping locked rows, or waiting for them)."""
    return (
        _fair_order(kinds, running_default, gpu_default)
        .limit(1)
        .with_for_update(skip_locked=skip, of=TrainingJob)
    )


def next_job(session: Session, settings: Settings, kinds: list[str]) -> uuid.UUID | None:
    """The queued job a free slot of this queue takes now, its row locked; None when none may.

    On PostgreSQL the claim lock (held until the claim commits) and `FOR UPDATE SKIP LOCKED`
    make the choice atomic across workers. A row held for a moment by another writer (the
    sender recording `last_sent_at` right after the send, a cancel) is skipped; when it was
    the only job that may start, the claim waits for it rather than lose its turn.
    """
    if not settings.is_sqlite:
        session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK_KEY)))
    defaults = (tuple(kinds), settings.quota_running_jobs, settings.quota_gpu_jobs)
    chosen: uuid.UUID | None = session.scalar(_claim_statement(*defaults, True))
    if chosen is None and not settings.is_sqlite:
        chosen = session.scalar(_claim_statement(*defaults, False))
    return chosen


def waiting_on_quota(
    session: Session, settings: Settings, project_id: uuid.UUID, kinds: list[str]
) -> uuid.UUID | None:
    """A queued job of the project that a running or GPU quota may have held back, if any.

    When one of the project's jobs ends, sending it again gives a slot the chance to take it
    now rather than when the reaper re-sends it.
    """
    quota = session.get(ProjectQuota, project_id)
    limits = (
        (quota.running_jobs, quota.gpu_jobs)
        if quota is not None
        else (settings.quota_running_jobs, settings.quota_gpu_jobs)
    )
    if all(limit is None for limit in limits):
        return None
    return session.scalar(
        select(TrainingJob.id)
        .where(
            TrainingJob.project_id == project_id,
            TrainingJob.status == JobStatus.queued,
            TrainingJob.kind.in_(kinds),
        )
        .order_by(TrainingJob.priority.desc(), TrainingJob.queued_at)
        .limit(1)
    )


@dataclass(frozen=True)
class QueueSpot:
    """Where a queued job stands: jobs ahead of it and when it should start."""

    position: int
    estimated_start_at: datetime


def typical_seconds(
    session: Session, job_settings: JobSettings, kinds: list[str], trainers: set[str]
) -> dict[str, float]:
    """Median run time of each trainer's last successes (the default when it has none)."""
    typical: dict[str, float] = {}
    for trainer in trainers:
        rows = session.execute(
            select(TrainingJob.started_at, TrainingJob.finished_at)
            .where(
                TrainingJob.trainer == trainer,
                TrainingJob.kind.in_(kinds),
                TrainingJob.status == JobStatus.succeeded,
                TrainingJob.started_at.is_not(None),
                TrainingJob.finished_at.is_not(None),
            )
            .order_by(TrainingJob.finished_at.desc())
            .limit(job_settings.estimate_sample)
        ).all()
        runs = [(end - start).total_seconds() for start, end in rows if start and end]
        typical[trainer] = (
            max(statistics.median(runs), 0.0) if runs else job_settings.estimate_default_seconds
        )
    return typical


def queue_outlook(
    session: Session, job_settings: JobSettings, kinds: list[str]
) -> dict[uuid.UUID, QueueSpot]:
    """Every queued job of these kinds: its place in the fair order and its estimated start.

    The order is played forward as if no job ended and every job started in turn; each start
    takes the slot that frees first, a job lasting its trainer's typical run time. Quotas
    that hold a project back are not played (such a job may start later than shown).
    """
    queued = session.execute(
        select(
            TrainingJob.id,
            TrainingJob.project_id,
            TrainingJob.priority,
            TrainingJob.queued_at,
            TrainingJob.trainer,
        ).where(TrainingJob.status == JobStatus.queued, TrainingJob.kind.in_(kinds))
    ).all()
    if not queued:
        return {}
    running = session.execute(
        select(TrainingJob.project_id, TrainingJob.trainer, TrainingJob.started_at).where(
            TrainingJob.status.in_(RUNNING), TrainingJob.kind.in_(kinds)
        )
    ).all()
    last_starts = dict(
        session.execute(
            select(TrainingJob.project_id, func.max(TrainingJob.started_at))
            .where(
                TrainingJob.project_id.in_({row.project_id for row in queued}),
                TrainingJob.kind.in_(kinds),
                TrainingJob.started_at.is_not(None),
            )
            .group_by(TrainingJob.project_id)
        ).all()
    )
    trainers = {row.trainer for row in queued} | {row.trainer for row in running}
    typical = typical_seconds(session, job_settings, kinds, trainers)
    now = utcnow()

    free_at = [
        max(typical[row.trainer] - (now - (row.started_at or now)).total_seconds(), 0.0)
        for row in running
    ]
    free_at += [0.0] * max(job_settings.worker_slots - len(free_at), 0)
    heapq.heapify(free_at)

    counts: dict[uuid.UUID, int] = defaultdict(int)
    for row in running:
        counts[row.project_id] += 1
    # never started < started (by time) < started in this replay (by turn)
    last: dict[uuid.UUID, tuple[int, float]] = {
        project: (1, at.timestamp()) for project, at in last_starts.items() if at is not None
    }
    backlog: dict[uuid.UUID, list[tuple[int, datetime, uuid.UUID, str]]] = defaultdict(list)
    for job in queued:
        backlog[job.project_id].append((-job.priority, job.queued_at, job.id, job.trainer))
    for jobs in backlog.values():
        jobs.sort(reverse=True)  # pop() gives the project's next job

    def head(project: uuid.UUID) -> tuple[int, tuple[int, float], int, datetime, uuid.UUID]:
        priority, queued_at, job_id, _ = backlog[project][-1]
        return (counts[project], last.get(project, (0, 0.0)), priority, queued_at, job_id)

    turns = [(*head(project), project) for project in backlog]
    heapq.heapify(turns)
    spots: dict[uuid.UUID, QueueSpot] = {}
    while turns:
        *_, project = heapq.heappop(turns)
        _, _, job_id, trainer = backlog[project].pop()
        start = heapq.heappop(free_at)
        spots[job_id] = QueueSpot(len(spots), now + timedelta(seconds=start))
        heapq.heappush(free_at, start + typical[trainer])
        counts[project] += 1
        last[project] = (2, float(len(spots)))
        if backlog[project]:
            heapq.heappush(turns, (*head(project), project))
    return spots
