"""Job and queue gauges for /metrics, computed from the database (the truth) at scrape time.

Every API replica reports the same job numbers (they come from the shared database), so
dashboards aggregate them with `max`, not `sum`. Counters incremented in-process (bytes
uploaded, prediction latency) live in `app.core.metrics`.
"""

import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import redis
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.core.config import Settings
from app.db.base import utcnow
from app.db.models.job import FINISHED_STATES, JobStatus, TrainingJob
from app.db.session import Database
from app.engine.config import JobSettings, get_job_settings

logger = logging.getLogger("app.ops_metrics")

DURATION_BUCKETS = tuple(
    float(seconds) for seconds in (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 86400)
)
# Kombu's Redis transport keeps one list per queue and priority step (priority 0 = the name).
_PRIORITY_SEP = "\x06\x16"
_PRIORITY_STEPS = (0, 3, 6, 9)
_HEARTBEAT_STATES = (JobStatus.running, JobStatus.cancelling)


@dataclass
class Snapshot:
    """The numbers of one scrape."""

    jobs_by_state: dict[str, int] = field(default_factory=dict)
    durations: dict[str, list[float]] = field(default_factory=dict)
    queue_depth: dict[str, int] = field(default_factory=dict)
    newest_heartbeat_age: float | None = None
    oldest_heartbeat_age: float | None = None
    up: bool = True


def _age(now: datetime, then: datetime | None) -> float | None:
    return None if then is None else max(0.0, (now - then).total_seconds())


def read_job_numbers(db: Database, snapshot: Snapshot) -> None:
    """Fill jobs by state, finished durations by task type and heartbeat ages."""
    now = utcnow()
    with db.session_scope() as session:
        counts = dict(
            session.execute(
                select(TrainingJob.status, func.count()).group_by(TrainingJob.status)
            ).all()
        )
        snapshot.jobs_by_state = {state.value: int(counts.get(state, 0)) for state in JobStatus}
        rows = session.execute(
            select(TrainingJob.task_type, TrainingJob.started_at, TrainingJob.finished_at).where(
                TrainingJob.status.in_(FINISHED_STATES),
                TrainingJob.started_at.is_not(None),
                TrainingJob.finished_at.is_not(None),
            )
        ).all()
        newest, oldest = session.execute(
            select(func.max(TrainingJob.heartbeat_at), func.min(TrainingJob.heartbeat_at)).where(
                TrainingJob.status.in_(_HEARTBEAT_STATES)
            )
        ).one()
    for task_type, started, finished in rows:
        seconds = _age(finished, started) if finished else None
        if seconds is not None:
            snapshot.durations.setdefault(task_type, []).append(seconds)
    snapshot.newest_heartbeat_age = _age(now, newest)
    snapshot.oldest_heartbeat_age = _age(now, oldest)


def read_queue_depth(redis_url: str, jobs: JobSettings) -> dict[str, int]:
    """Messages waiting in each Celery queue of the Redis broker."""
    client = redis.Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=2)
    try:
        depth = {}
        for queue in jobs.queue_names().values():
            names = [
                queue if step == 0 else f"{queue}{_PRIORITY_SEP}{step}" for step in _PRIORITY_STEPS
            ]
            pipe = client.pipeline()
            for name in names:
                pipe.llen(name)
            depth[queue] = int(sum(pipe.execute()))
        return depth
    finally:
        client.close()


def _histogram(durations: dict[str, list[float]]) -> HistogramMetricFamily:
    family = HistogramMetricFamily(
        "training_job_duration_seconds",
        "Run time (started to finished) of finished jobs, by task type",
        labels=["task_type"],
    )
    for task_type, values in sorted(durations.items()):
        buckets = [
            (str(bound), float(sum(1 for v in values if v <= bound))) for bound in DURATION_BUCKETS
        ]
        buckets.append(("+Inf", float(len(values))))
        family.add_metric([task_type], buckets, sum_value=sum(values))
    return family


def _families(snapshot: Snapshot) -> Iterator[Metric]:
    up = GaugeMetricFamily("training_ops_metrics_up", "1 when the job metrics could be read")
    up.add_metric([], 1.0 if snapshot.up else 0.0)
    yield up
    jobs = GaugeMetricFamily("training_jobs", "Training jobs by state", labels=["state"])
    for state, count in snapshot.jobs_by_state.items():
        jobs.add_metric([state], float(count))
    yield jobs
    yield _histogram(snapshot.durations)
    depth = GaugeMetricFamily(
        "job_queue_depth", "Messages waiting in the broker, by Celery queue", labels=["queue"]
    )
    for queue, count in snapshot.queue_depth.items():
        depth.add_metric([queue], float(count))
    yield depth
    for name, value, text in (
        (
            "job_worker_newest_heartbeat_age_seconds",
            snapshot.newest_heartbeat_age,
            "Age of the newest heartbeat of running jobs (absent when none runs)",
        ),
        (
            "job_worker_oldest_heartbeat_age_seconds",
            snapshot.oldest_heartbeat_age,
            "Age of the oldest heartbeat of running jobs (absent when none runs)",
        ),
    ):
        family = GaugeMetricFamily(name, text)
        if value is not None:
            family.add_metric([], value)
        yield family


class _SnapshotCollector(Collector):
    """Exposes the latest snapshot; registered once per process."""

    def __init__(self) -> None:
        self.snapshot: Snapshot | None = None

    def collect(self) -> Iterator[Metric]:
        """The families of the last snapshot (nothing before the first scrape)."""
        if self.snapshot is not None:
            yield from _families(self.snapshot)


_COLLECTOR = _SnapshotCollector()
REGISTRY.register(_COLLECTOR)


def take_snapshot(db: Database, settings: Settings) -> Snapshot:
    """Read every number; a failing source marks the snapshot down instead of failing /metrics."""
    snapshot = Snapshot()
    try:
        read_job_numbers(db, snapshot)
    except SQLAlchemyError as exc:
        logger.warning("job metrics unavailable: %s", type(exc).__name__)
        snapshot.up = False
    if settings.redis_url and settings.job_backend == "celery":
        try:
            snapshot.queue_depth = read_queue_depth(settings.redis_url, get_job_settings())
        except redis.RedisError as exc:
            logger.warning("queue depth unavailable: %s", type(exc).__name__)
            snapshot.up = False
    return snapshot


def make_ops_collector(db: Database, settings: Settings) -> Callable[[], None]:
    """The `app.state.collect_metrics` hook: refresh the snapshot before each scrape."""

    def collect() -> None:
        _COLLECTOR.snapshot = take_snapshot(db, settings)

    return collect
