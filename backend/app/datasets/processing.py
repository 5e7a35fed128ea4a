"""Background conversion of large uploads: claim, convert in a child process, finish or fail.

Uploads above DATASET_INLINE_MAX_BYTES are stored at once with status `processing` (the bytes
as `upload.bin` in the dataset's folder, with `request.json`). This turns them `ready`
(canonical Parquet + profile) or `failed` (the error kept on the row, the files removed).
The row is the truth: a claim is one conditional UPDATE, so a duplicated or redelivered
message converts once; a heartbeat lets the reaper retry a conversion whose process died
(attempts capped), and only the latest attempt may finish.
"""

import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import or_, select, update

from app.core.config import Settings
from app.datasets.process_child import BAD_INPUT_EXIT, ERROR_NAME, REQUEST_NAME, RESULT_NAME
from app.datasets.storage import CANONICAL_NAME, ORIGINAL_STEM, dataset_dir
from app.db.base import utcnow
from app.db.models import Dataset, DatasetStatus
from app.db.session import Database
from app.jobs.config import JobSettings

UPLOAD_NAME = "upload.bin"
logger = logging.getLogger("app.datasets.processing")


@dataclass(frozen=True)
class Claim:
    """One attempt at converting a dataset."""

    dataset_id: uuid.UUID
    attempt: int
    folder: Path


def write_request(folder: Path, filename: str, sheet: str | None) -> None:
    """Record what the conversion needs besides the bytes (the client's name, the sheet)."""
    request = {"filename": filename, "sheet": sheet}
    (folder / REQUEST_NAME).write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")


def process_dataset(
    db: Database,
    settings: Settings,
    job_settings: JobSettings,
    dataset_id: uuid.UUID,
    *,
    shutdown: threading.Event | None = None,
) -> str:
    """Convert one `processing` dataset if this call wins the claim; what happened."""
    claim = _claim(db, settings, job_settings, dataset_id)
    if claim is None:
        return "skipped"
    work = claim.folder / f".work-{claim.attempt}"
    try:
        outcome = _convert(db, job_settings, claim, work, shutdown or threading.Event())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("dataset %s: conversion attempt %d: %s", dataset_id, claim.attempt, outcome)
    return outcome


def _claim(
    db: Database, settings: Settings, job_settings: JobSettings, dataset_id: uuid.UUID
) -> Claim | None:
    """Take the dataset if it is processing and nobody holds a live claim on it."""
    now = utcnow()
    stale_before = now - timedelta(seconds=job_settings.stale_after_seconds)
    with db.session_scope() as session:
        claimed = session.execute(
            update(Dataset)
            .where(
                Dataset.id == dataset_id,
                Dataset.status == DatasetStatus.processing,
                or_(Dataset.heartbeat_at.is_(None), Dataset.heartbeat_at < stale_before),
            )
            .values(heartbeat_at=now, processing_attempts=Dataset.processing_attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return None
        row = session.execute(
            select(Dataset.project_id, Dataset.processing_attempts).where(Dataset.id == dataset_id)
        ).one()
    folder = dataset_dir(settings, row.project_id, dataset_id)
    return Claim(dataset_id=dataset_id, attempt=row.processing_attempts, folder=folder)


def _source(folder: Path) -> Path:
    """The received bytes: `upload.bin`, or the original if an earlier attempt renamed it."""
    upload = folder / UPLOAD_NAME
    if upload.exists():
        return upload
    return next(folder.glob(f"{ORIGINAL_STEM}.*"), upload)


def _convert(
    db: Database,
    job_settings: JobSettings,
    claim: Claim,
    work: Path,
    shutdown: threading.Event,
) -> str:
    """Run the child process with heartbeats, then record its result."""
    try:
        request = json.loads((claim.folder / REQUEST_NAME).read_text(encoding="utf-8"))
        work.mkdir(exist_ok=True)
    except OSError:
        return _fail(db, claim, _error("files_missing", "The uploaded file is gone."))
    request["source"] = str(_source(claim.folder))
    (work / REQUEST_NAME).write_text(json.dumps(request, ensure_ascii=False), encoding="utf-8")
    python = job_settings.python or sys.executable
    child = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        [python, "-m", "app.datasets.process_child", str(work)],
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    stderr_tail: list[bytes] = []
    reader = threading.Thread(target=_drain, args=(child, stderr_tail), daemon=True)
    reader.start()
    while True:
        try:
            code = child.wait(timeout=job_settings.heartbeat_seconds)
            break
        except subprocess.TimeoutExpired:
            if shutdown.is_set() or not _heartbeat(db, claim):
                child.kill()
                child.wait()
                reader.join()
                return _release(db, claim) if shutdown.is_set() else "abandoned"
    reader.join()
    if code == 0:
        return _finish(db, claim, work)
    if code == BAD_INPUT_EXIT:
        error = json.loads((work / ERROR_NAME).read_text(encoding="utf-8"))
        return _fail(db, claim, error)
    logger.error(
        "dataset %s: conversion process exited with %s: %s",
        claim.dataset_id,
        code,
        b"".join(stderr_tail).decode("utf-8", "replace")[-4000:],
    )
    message = (
        f"The conversion process stopped unexpectedly (exit status {code}); "
        "the file may be too large for this server's memory. Split it and upload the parts."
    )
    return _fail(db, claim, _error("conversion_crashed", message))


def _drain(child: subprocess.Popen[bytes], tail: list[bytes]) -> None:
    """Keep the last lines of the child's stderr (for the server log)."""
    assert child.stderr is not None
    for line in child.stderr:
        tail.append(line)
        del tail[:-50]


def _error(code: str, message: str) -> dict[str, Any]:
    return {"code": code, "message": message, "details": None}


def _mine(claim: Claim) -> tuple[Any, ...]:
    """The conditions under which this attempt still owns the row."""
    return (
        Dataset.id == claim.dataset_id,
        Dataset.status == DatasetStatus.processing,
        Dataset.processing_attempts == claim.attempt,
    )


def _heartbeat(db: Database, claim: Claim) -> bool:
    """Refresh the claim; False when the row is gone or another attempt took it."""
    with db.session_scope() as session:
        result = session.execute(
            update(Dataset)
            .where(*_mine(claim))
            .values(heartbeat_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _release(db: Database, claim: Claim) -> str:
    """Give the claim back at shutdown (the attempt does not count)."""
    with db.session_scope() as session:
        session.execute(
            update(Dataset)
            .where(*_mine(claim))
            .values(heartbeat_at=None, processing_attempts=claim.attempt - 1)
            .execution_options(synchronize_session=False)
        )
    return "released"


def _finish(db: Database, claim: Claim, work: Path) -> str:
    """Move the canonical file and the original into place, then mark the row ready."""
    result = json.loads((work / RESULT_NAME).read_text(encoding="utf-8"))
    source = _source(claim.folder)
    (work / CANONICAL_NAME).replace(claim.folder / CANONICAL_NAME)
    source.replace(claim.folder / f"{ORIGINAL_STEM}.{result['format']}")
    with db.session_scope() as session:
        done = session.execute(
            update(Dataset)
            .where(*_mine(claim))
            .values(
                status=DatasetStatus.ready,
                format=result["format"],
                encoding=result["encoding"],
                row_count=result["row_count"],
                columns=result["columns"],
                profile=result["profile"],
                error=None,
                heartbeat_at=None,
            )
            .execution_options(synchronize_session=False)
        )
        if done.rowcount != 1:  # type: ignore[attr-defined]
            return "abandoned"
    (claim.folder / REQUEST_NAME).unlink(missing_ok=True)
    return f"ready ({result['row_count']} rows, child peak RSS {result['peak_rss_mb']:.0f} MB)"


def _fail(db: Database, claim: Claim, error: dict[str, Any]) -> str:
    """Mark the row failed with the error a person can act on, and remove its files."""
    with db.session_scope() as session:
        failed = session.execute(
            update(Dataset)
            .where(*_mine(claim))
            .values(status=DatasetStatus.failed, error=error, heartbeat_at=None)
            .execution_options(synchronize_session=False)
        )
        if failed.rowcount != 1:  # type: ignore[attr-defined]
            return "abandoned"
    shutil.rmtree(claim.folder, ignore_errors=True)
    return f"failed ({error['code']})"
