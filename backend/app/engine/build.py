"""`build_engine`: the only place that branches on JOB_BACKEND (local | celery)."""

from app.core.config import Settings
from app.db.session import Database
from app.engine.bus import LocalBus, RedisBus
from app.engine.celery_send import CelerySender
from app.engine.config import JobSettings, get_job_settings
from app.engine.context import JobEngine
from app.engine.kinds import JobKinds
from app.engine.local import LocalSender, ReaperTimer


def build_engine(
    settings: Settings,
    db: Database,
    kinds: JobKinds,
    job_settings: JobSettings | None = None,
) -> JobEngine:
    """The engine for this process (embedded mode: it also runs jobs and the reaper)."""
    job_settings = job_settings or get_job_settings()
    if settings.job_backend == "local":
        sender = LocalSender()
        engine = JobEngine(settings, db, job_settings, kinds, LocalBus(), sender)
        engine.services = [*sender.runners(engine), ReaperTimer(engine)]
        return engine
    if not settings.redis_url:
        raise RuntimeError("JOB_BACKEND=celery needs REDIS_URL")
    bus = RedisBus(settings.redis_url, job_settings.events_prefix)
    return JobEngine(settings, db, job_settings, kinds, bus, CelerySender(settings, job_settings))
