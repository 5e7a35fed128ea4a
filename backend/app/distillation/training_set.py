"""The student's training set: the teacher-labeled rows whose text is not a gold text.

A gold text the student trained on (with the teacher's label) would be scored as if unseen and
inflate the report, so those rows are left out, compared after normalising the text
(`texts.normalised`).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.audit.service import record
from app.core.config import Settings
from app.core.errors import UnprocessableInput
from app.datasets.service import load_frame
from app.datasets.storage import remove_dataset_files
from app.db.models import Dataset
from app.distillation.texts import normalised
from app.labeling.output import stage_dataset

REASON = "gold rows removed"


def gold_texts(settings: Settings, gold: Dataset, column: str) -> set[str]:
    """The gold set's normalised texts."""
    texts = (normalised(text) for text in load_frame(settings, gold, [column])[column])
    return {text for text in texts if text}


@dataclass(frozen=True)
class TrainingSet:
    """The stored training set and how many labeled rows were left out as gold texts."""

    dataset: Dataset
    rows: int
    gold_overlap_removed: int


def store_training_set(
    session: Session,
    settings: Settings,
    *,
    labeled: Dataset,
    text_column: str,
    label_column: str,
    gold: Dataset,
    gold_text_column: str,
    created_by_id: uuid.UUID | None,
) -> TrainingSet:
    """Store the labeled rows not in the gold set as a dataset derived from `labeled`.

    Rows the teacher gave no label are left out too (a student cannot learn from them). 422
    `no_training_rows` when nothing is left; the files are removed if the transaction rolls back.
    """
    frame = load_frame(settings, labeled)
    labels = frame[label_column]
    answered = frame[labels.map(lambda value: isinstance(value, str) and value.strip() != "")]
    gold_set = gold_texts(settings, gold, gold_text_column)
    in_gold = answered[text_column].map(lambda text: normalised(text) in gold_set)
    kept = answered[~in_gold].reset_index(drop=True)
    removed = int(in_gold.sum())
    if answered.empty:
        raise UnprocessableInput(
            "labeling_run_id: the teacher labeled no row, so the student has nothing to learn.",
            code="no_labeled_rows",
        )
    if kept.empty:
        raise UnprocessableInput(
            f"gold_dataset_id: every one of the {len(answered)} labeled rows has a text of the "
            f"gold set ({removed} removed); the student would have nothing to train on that "
            "the gold set does not judge. Use a gold set drawn apart from the labeled data.",
            code="no_training_rows",
            details={"labeled_rows": len(answered), "gold_overlap_removed": removed},
        )
    dataset = stage_dataset(
        session,
        settings,
        kept,
        parent=labeled,
        name=f"{labeled.name} · training",
        description=f"{REASON}: {removed} labeled rows whose text is in gold set "
        f"'{gold.name}' ({gold.id}); {len(frame) - len(answered)} rows without a label left out.",
        created_by_id=created_by_id,
    )
    record(
        session,
        action="dataset.create",
        actor_username="distillation",
        object_type="dataset",
        object_id=dataset.id,
        project_id=labeled.project_id,
        details={
            "parent_id": str(labeled.id),
            "reason": REASON,
            "gold_dataset": str(gold.id),
            "gold_overlap_removed": removed,
        },
    )
    project_id, dataset_id = labeled.project_id, dataset.id
    event.listen(
        session,
        "after_rollback",
        lambda _s: remove_dataset_files(settings, project_id, dataset_id),
        once=True,
    )
    return TrainingSet(dataset=dataset, rows=len(kept), gold_overlap_removed=removed)
