"""The upload use case: authorise, stream to a staging folder, convert, then store atomically.

Everything happens in DATA_STORAGE_PATH/.tmp/<dataset id>/ first; that folder becomes
DATA_STORAGE_PATH/<project>/<dataset id>/ with one atomic rename on the same disk, and the
row is committed; a failed commit removes the moved folder: no partial rows or files.
Small uploads (≤ DATASET_INLINE_MAX_BYTES) are converted and profiled before that (XLSX in a
memory-limited child process, since its size does not bound its expansion), so bad input
answers 4xx and nothing is stored. Larger ones are stored at once with status `processing`
and converted by a `convert_dataset` job (`conversion_job.py`), so the request
takes about as long as the bytes take to arrive; a conversion error then marks the dataset
`failed` with the same message.
"""

import logging
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.core.metrics import UPLOADED_BYTES
from app.datasets import service
from app.datasets.conversion_child import expansion_unknown, ingest_isolated
from app.datasets.conversion_job import UPLOAD_NAME, queue_conversion
from app.datasets.ingest import Ingested, ingest
from app.datasets.receive import Received, receive_upload
from app.datasets.schemas import DatasetRead
from app.datasets.staging import owned_staging
from app.datasets.storage import dataset_dir, original_path, remove_dataset_files, tmp_root
from app.db.models import ProjectRole, User
from app.db.session import Database
from app.engine.context import JobEngine
from app.projects import quotas
from app.projects.access import require_project

logger = logging.getLogger("app.datasets.upload")


@dataclass(frozen=True)
class Uploader:
    """Who uploads, and the project from the query string when given there."""

    user_id: uuid.UUID
    project_id: uuid.UUID | None


def authorize(db: Database, user_id: uuid.UUID, project_id: uuid.UUID) -> None:
    """The user must be an editor of the project (404 if invisible, 403 if weaker)."""
    with db.session_scope() as session:
        user = session.get(User, user_id)
        assert user is not None
        require_project(session, user, project_id, ProjectRole.editor)


def _check_room(db: Database, settings: Settings, project_id: uuid.UUID) -> None:
    """Refuse (413) before any byte is stored when the project is already at its storage quota."""
    with db.session_scope() as session:
        quotas.check_storage(session, settings, project_id, 0)


def _form_project(fields: dict[str, str]) -> uuid.UUID:
    raw = fields.get("project_id")
    if not raw:
        raise UnprocessableInput(
            "Give project_id in the query string (?project_id=...) or as a form field "
            "before the file.",
            code="project_required",
        )
    try:
        return uuid.UUID(raw)
    except ValueError as exc:
        raise UnprocessableInput("project_id is not a valid id.", code="bad_project_id") from exc


async def upload_dataset(
    request: Request,
    *,
    uploader: Uploader,
    engine: JobEngine,
    settings: Settings,
    ip: str | None,
) -> DatasetRead:
    """Receive, convert and store one uploaded file as a new dataset."""
    db = engine.db
    dataset_id = uuid.uuid4()
    project: list[uuid.UUID] = [uploader.project_id] if uploader.project_id else []

    async def before_file(fields: dict[str, str]) -> None:
        if not project:
            project.append(_form_project(fields))
            await run_in_threadpool(authorize, db, uploader.user_id, project[0])
        await run_in_threadpool(_check_room, db, settings, project[0])

    started = time.perf_counter()
    with owned_staging(settings, str(dataset_id)) as work:
        received = await receive_upload(
            request, work / UPLOAD_NAME, max_bytes=settings.upload_max_size, before_file=before_file
        )
        if received.size == 0:
            raise UnprocessableInput("The file is empty.", code="empty_file")
        received_at = time.perf_counter()
        ingested = None
        if received.size <= settings.dataset_inline_max_bytes:
            ingested = await run_in_threadpool(
                _convert_inline, settings, work, received.filename, received.fields.get("sheet")
            )
        converted_at = time.perf_counter()
        stored = await run_in_threadpool(
            _store, engine, settings, dataset_id, project[0], uploader, received, ingested, ip
        )
        UPLOADED_BYTES.labels(kind="dataset").inc(received.size)
    logger.info(
        "dataset %s uploaded: %d bytes received in %.3f s, converted and profiled in %.3f s "
        "(%s), stored in %.3f s",
        dataset_id,
        received.size,
        received_at - started,
        converted_at - received_at,
        "inline" if ingested else "in the background",
        time.perf_counter() - converted_at,
    )
    return stored


def _convert_inline(settings: Settings, work: Path, filename: str, sheet: str | None) -> Ingested:
    """Convert in this thread, or in a memory-limited child when the file's expansion is unknown."""
    source = work / UPLOAD_NAME
    if expansion_unknown(source):
        memory_mb = settings.dataset_conversion_memory_mb
        return ingest_isolated(source, filename, work, sheet=sheet, memory_mb=memory_mb)
    return ingest(source, filename, work, sheet=sheet)


def _store(
    engine: JobEngine,
    settings: Settings,
    dataset_id: uuid.UUID,
    project_id: uuid.UUID,
    uploader: Uploader,
    received: Received,
    ingested: Ingested | None,
    ip: str | None,
) -> DatasetRead:
    """Commit the row and move the staging folder into place; undo the move if commit fails.

    Without `ingested` the row is `processing` and its conversion is queued after commit.
    """
    work = tmp_root(settings) / str(dataset_id)
    moved = False
    try:
        with engine.db.session_scope() as session:
            creator = session.get(User, uploader.user_id)
            assert creator is not None
            quotas.check_storage(session, settings, project_id, received.size)
            dataset = service.create_dataset(
                session,
                dataset_id=dataset_id,
                project_id=project_id,
                received=received,
                ingested=ingested,
                creator=creator,
                ip=ip,
            )
            if ingested is None:
                sheet = received.fields.get("sheet")
                queue_conversion(session, engine, dataset, filename=received.filename, sheet=sheet)
            else:
                original = original_path(settings, project_id, dataset_id, ingested.format)
                (work / UPLOAD_NAME).rename(work / original.name)
            final = dataset_dir(settings, project_id, dataset_id)
            final.parent.mkdir(parents=True, exist_ok=True)
            work.rename(final)
            moved = True
            result = DatasetRead.model_validate(dataset)
    except BaseException:
        if moved:
            remove_dataset_files(settings, project_id, dataset_id)
        raise
    return result
