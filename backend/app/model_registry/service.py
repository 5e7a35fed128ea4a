"""Model versions: register from a job, list, read, update (name, tags, alias), delete."""

import functools
import importlib.metadata
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.config import Settings
from app.core.errors import Conflict
from app.db.models import Dataset, ModelVersion, TrainingJob, User
from app.db.pagination import paginate
from app.engine.outbox import after_commit
from app.model_registry import storage
from app.model_registry.schemas import ModelVersionUpdate
from app.projects.access import scope_to_visible
from app.trainers.registry import get_trainer


@functools.cache
def _module_distributions() -> Mapping[str, list[str]]:
    """Top-level module → distributions, read once per process (a scan of all installed files)."""
    return importlib.metadata.packages_distributions()


def library_versions(requires: tuple[str, ...]) -> dict[str, str]:
    """Installed versions of the trainer's libraries (module names mapped to distributions)."""
    modules = _module_distributions()
    versions: dict[str, str] = {}
    for module in requires:
        for dist in modules.get(module, [module]):
            try:
                versions[dist] = importlib.metadata.version(dist)
            except importlib.metadata.PackageNotFoundError:
                continue
    return versions


def _next_version(session: Session, project_id: uuid.UUID, name: str) -> int:
    latest = session.scalar(
        select(func.max(ModelVersion.version)).where(
            ModelVersion.project_id == project_id, ModelVersion.name == name
        )
    )
    return (latest or 0) + 1


def register_model_version(
    session: Session,
    settings: Settings,
    *,
    job: TrainingJob,
    result: dict[str, Any],
    staging_dir: Any,
) -> ModelVersion:
    """Create the version row for a succeeded job and move its artifacts into the store."""
    artifacts = storage.inventory(staging_dir, list(result.get("artifacts") or []))
    trainer = get_trainer(job.task_type, job.trainer)
    dataset = session.get(Dataset, job.dataset_id) if job.dataset_id else None
    version = ModelVersion(
        id=uuid.uuid4(),
        project_id=job.project_id,
        job_id=job.id,
        name=job.name,
        version=_next_version(session, job.project_id, job.name),
        task_type=job.task_type,
        trainer=job.trainer,
        model_format=str(result.get("model_format") or "unknown"),
        metrics=result.get("metrics") or {},
        params=job.params,
        columns=job.columns,
        report=result.get("report") or {},
        info=result.get("info") or {},
        dataset_id=job.dataset_id,
        dataset_sha256=dataset.sha256 if dataset else None,
        split_seed=job.seed,
        library_versions=library_versions(trainer.requires),
        artifacts=artifacts,
        size_bytes=sum(a["size"] for a in artifacts),
        created_by_id=job.created_by_id,
        tags=[],
        description="",
        artifact_dir="",
    )
    target = storage.version_dir(settings, job.project_id, version.id)
    version.artifact_dir = str(target.relative_to(settings.model_storage_path))
    storage.move_in(staging_dir, target)
    session.add(version)
    session.flush()
    return version


def update_version(
    session: Session, version: ModelVersion, data: ModelVersionUpdate, *, actor: User, ip: str
) -> ModelVersion:
    """Rename, describe, tag or alias a version; an alias moves from any other version."""
    changes = data.model_dump(exclude_unset=True)
    if changes.get("alias"):
        session.execute(
            update(ModelVersion)
            .where(
                ModelVersion.project_id == version.project_id,
                ModelVersion.alias == changes["alias"],
                ModelVersion.id != version.id,
            )
            .values(alias=None)
            .execution_options(synchronize_session="fetch")
        )
        session.flush()
    if "name" in changes and changes["name"] != version.name:
        taken = session.scalar(
            select(ModelVersion.id).where(
                ModelVersion.project_id == version.project_id,
                ModelVersion.name == changes["name"],
                ModelVersion.version == version.version,
            )
        )
        if taken is not None:
            raise Conflict(
                f"Model '{changes['name']}' v{version.version} already exists.",
                code="model_name_taken",
            )
    for key, value in changes.items():
        setattr(version, key, value)
    session.flush()
    record(
        session,
        action="model.update",
        actor=actor,
        object_type="model_version",
        object_id=str(version.id),
        project_id=version.project_id,
        ip=ip,
        details=changes,
    )
    return version


def delete_version(
    session: Session, settings: Settings, version: ModelVersion, *, actor: User, ip: str
) -> None:
    """Delete the row now and the files once the deletion is committed."""
    project_id, version_id = version.project_id, version.id
    session.delete(version)
    record(
        session,
        action="model.delete",
        actor=actor,
        object_type="model_version",
        object_id=str(version_id),
        project_id=project_id,
        ip=ip,
        details={"name": version.name, "version": version.version},
    )
    after_commit(session, lambda: storage.remove(settings, project_id, version_id))


def list_versions(
    session: Session,
    *,
    user: User,
    project_id: uuid.UUID | None,
    task_type: str | None,
    limit: int,
    offset: int,
) -> tuple[list[ModelVersion], int]:
    """Versions visible to the caller, newest first, with the total count."""
    query = scope_to_visible(
        session, user, select(ModelVersion), ModelVersion.project_id, project_id
    )
    if task_type:
        query = query.where(ModelVersion.task_type == task_type)
    return paginate(
        session, query, order_by=[ModelVersion.created_at.desc()], limit=limit, offset=offset
    )
