"""The gold dataset: a run's reviewed rows stored as a new dataset of the project."""

import pandas as pd
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.config import Settings
from app.core.errors import Conflict
from app.datasets.service import load_frame, require_ready
from app.datasets.storage import remove_dataset_files
from app.db.models import Dataset, LabelingRun, User
from app.labeling.output import OUTPUT_COLUMN, cell, stage_dataset
from app.labeling.review import gold_rows


def gold_frame(source: pd.DataFrame, run: LabelingRun, session: Session) -> pd.DataFrame:
    """The text columns of the reviewed rows and their reviewed output; 409 when none."""
    rows = gold_rows(session, run.id)
    if not rows:
        raise Conflict(
            f"Run '{run.name}' has no accepted or corrected row yet; review rows first.",
            code="no_reviewed_rows",
        )
    frame = source.iloc[[row.row_index for row in rows]][run.text_columns].reset_index(drop=True)
    column = OUTPUT_COLUMN[run.task["kind"]]
    name = column if column not in frame.columns else f"gold_{column}"
    frame[name] = [cell(row.output) for row in rows]
    return frame


def create_gold_dataset(
    session: Session, settings: Settings, run: LabelingRun, *, name: str | None, actor: User
) -> Dataset:
    """Store the gold set as a dataset (parent: the labeled one) and link it to the run.

    The files are moved into place before the request's commit and removed if it rolls back.
    """
    parent = session.get(Dataset, run.dataset_id) if run.dataset_id else None
    if parent is None:
        raise Conflict(
            f"The dataset run '{run.name}' labeled was deleted; its texts are gone.",
            code="labeled_dataset_gone",
        )
    require_ready(parent)
    frame = gold_frame(load_frame(settings, parent), run, session)
    dataset = stage_dataset(
        session,
        settings,
        frame,
        parent=parent,
        name=name or f"{run.name} · gold",
        description=f"Reviewed rows of labeling run '{run.name}' ({run.id}).",
        created_by_id=actor.id,
    )
    new_id = dataset.id
    run.gold_dataset_id = new_id
    audit.record(
        session,
        action="dataset.create",
        actor=actor,
        object_type="dataset",
        object_id=new_id,
        project_id=run.project_id,
        details={"labeling_run": str(run.id), "parent_id": str(parent.id), "gold": True},
    )
    project_id = run.project_id
    event.listen(
        session,
        "after_rollback",
        lambda _s: remove_dataset_files(settings, project_id, new_id),
        once=True,
    )
    return dataset
