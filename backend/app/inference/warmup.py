"""Load the models that aliases point to at startup, so their first prediction pays no load."""

import logging
import threading

from sqlalchemy import select

from app.core.config import Settings
from app.core.metrics import MODELS_WARMED
from app.db.models import ModelVersion
from app.db.session import Database
from app.inference.service import CACHE, load_predictor, predictor_key
from app.trainers.task_types import TaskType

logger = logging.getLogger("app.inference.warmup")


def aliased_versions(db: Database, limit: int) -> list[ModelVersion]:
    """Up to `limit` aliased versions that predict serves (not chat models), newest update first."""
    with db.session_scope() as session:
        versions = session.scalars(
            select(ModelVersion)
            .where(ModelVersion.alias.is_not(None))
            .where(ModelVersion.task_type != TaskType.llm_sft.value)
            .order_by(ModelVersion.updated_at.desc())
            .limit(limit)
        ).all()
        session.expunge_all()
        return list(versions)


def warm_models(settings: Settings, db: Database) -> int:
    """Load each aliased model into the predictor cache; a model that fails is logged, skipped."""
    warmed = 0
    for version in aliased_versions(db, settings.model_warmup_max):
        key = predictor_key(version.id, version.artifact_dir)
        try:
            CACHE.get(key, version.size_bytes, lambda v=version: load_predictor(settings, v))
        except Exception:
            logger.exception("model %s (alias %s) could not be warmed", version.id, version.alias)
            continue
        MODELS_WARMED.inc()
        warmed += 1
        logger.info("model %s (alias %s) warmed", version.id, version.alias)
    return warmed


def start_warmup(settings: Settings, db: Database) -> threading.Thread | None:
    """Warm in a daemon thread (readiness does not wait for it); None when turned off."""
    if settings.model_warmup_max == 0:
        return None
    thread = threading.Thread(target=warm_models, args=(settings, db), name="model-warmup")
    thread.daemon = True
    thread.start()
    return thread
