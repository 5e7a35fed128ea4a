"""A finished run's output: a new dataset (parent = the labeled one) with answers and votes."""

import json
import uuid
from typing import Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.config import Settings
from app.datasets.ingest import ingest
from app.datasets.service import load_frame
from app.datasets.staging import owned_staging
from app.datasets.storage import ORIGINAL_STEM, dataset_dir
from app.db.models import Dataset, LabelingRow, LabelingRun
from app.db.session import Database
from app.model_registry.storage import sha256_file

OUTPUT_COLUMN = {"classify": "label", "extract": "extracted", "generate": "response"}


def cell(value: Any) -> Any:
    """A cell's value: text as is, anything else as JSON text."""
    return (
        value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    )


def labeled_frame(frame: pd.DataFrame, run: LabelingRun, rows: list[LabelingRow]) -> pd.DataFrame:
    """The dataset's rows with the answer, each teacher's vote, agreement, confidence, error."""
    by_index = {row.row_index: row for row in rows}
    found = [by_index.get(i) for i in range(len(frame))]
    out = frame.copy()
    prefix = "teacher_" if OUTPUT_COLUMN[run.task["kind"]] in out.columns else ""
    out[prefix + OUTPUT_COLUMN[run.task["kind"]]] = [cell(r.output if r else None) for r in found]
    out[prefix + "votes"] = [cell(r.votes if r else None) for r in found]
    out[prefix + "agreement"] = [r.agreement if r else None for r in found]
    out[prefix + "confidence"] = [r.confidence if r else None for r in found]
    out[prefix + "error"] = [(r.error or {}).get("message") if r else None for r in found]
    return out


def stage_dataset(
    session: Session,
    settings: Settings,
    frame: pd.DataFrame,
    *,
    parent: Dataset,
    name: str,
    description: str,
    created_by_id: uuid.UUID | None,
) -> Dataset:
    """Add `frame` as a new dataset derived from `parent` (flushed) with its files in place.

    The files are staged under `.tmp` (owned by this process, so a sweep leaves them alone while it
    lives) and moved once the row is flushed; a failure removes them.
    """
    new_id = uuid.uuid4()
    with owned_staging(settings, str(new_id)) as work:
        source = work / f"{ORIGINAL_STEM}.parquet"
        frame.to_parquet(source, index=False)
        ingested = ingest(source, source.name, work)
        dataset = Dataset(
            id=new_id,
            project_id=parent.project_id,
            name=name[:255],
            description=description,
            original_filename=f"{name}.parquet"[:255],
            format=ingested.format,
            encoding=None,
            size_bytes=source.stat().st_size,
            sha256=sha256_file(source),
            row_count=ingested.row_count,
            columns=ingested.columns,
            profile=ingested.profile,
            parent_id=parent.id,
            created_by_id=created_by_id,
        )
        session.add(dataset)
        session.flush()
        final = dataset_dir(settings, parent.project_id, new_id)
        final.parent.mkdir(parents=True, exist_ok=True)
        work.rename(final)
    return dataset


def write_output(db: Database, settings: Settings, run_id: uuid.UUID) -> uuid.UUID:
    """Store the labeled rows as a new dataset and link it to the run, in its own transaction."""
    with db.session_scope() as session:
        return store_output(session, settings, session.get_one(LabelingRun, run_id))


def store_output(session: Session, settings: Settings, run: LabelingRun) -> uuid.UUID:
    """Add the output dataset in `session` and link it to the run; its files move in place."""
    parent = session.get_one(Dataset, run.dataset_id)
    rows = list(session.scalars(select(LabelingRow).where(LabelingRow.run_id == run.id)))
    frame = labeled_frame(load_frame(settings, parent), run, rows)
    dataset = stage_dataset(
        session,
        settings,
        frame,
        parent=parent,
        name=f"{parent.name} · {run.name}",
        description=f"Labeled by {', '.join(t['model'] for t in run.teachers)}; "
        f"cost {run.cost} {run.currency}.",
        created_by_id=run.created_by_id,
    )
    run.output_dataset_id = dataset.id
    audit.record(
        session,
        action="dataset.create",
        actor_username="labeling",
        object_type="dataset",
        object_id=dataset.id,
        project_id=parent.project_id,
        details={"labeling_run": str(run.id), "parent_id": str(parent.id)},
    )
    return dataset.id
