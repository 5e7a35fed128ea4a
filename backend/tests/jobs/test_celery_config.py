"""The Celery app's configuration (what `celery -A app.celery worker|beat` runs with)."""

from app.core.config import Settings
from app.engine.celery_app import make_celery
from app.engine.config import JobSettings


def test_queues_late_acks_prefetch_one_and_no_reaper_task() -> None:
    settings = Settings(_env_file=None, redis_url="redis://127.0.0.1:6379/13")  # type: ignore[call-arg]
    jobs = JobSettings(
        training_queue="t",
        default_queue="d",
        labeling_queue="l",
        visibility_timeout=7,
        reaper_interval_seconds=9,
    )
    conf = make_celery(settings, jobs).conf
    assert conf.broker_url == "redis://127.0.0.1:6379/13"
    assert [q.name for q in conf.task_queues] == ["t", "d", "l"]
    assert conf.task_default_queue == "d"
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    assert conf.broker_transport_options["visibility_timeout"] == 7
    assert conf.beat_schedule == {}  # the reaper is a thread of the beat process, not a task
    assert conf.accept_content == ["json"]
