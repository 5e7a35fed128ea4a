"""Review of teacher-labeled rows: the queue, accept / correct / skip, summary, gold rows."""

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jsonschema
import pyarrow.parquet as pq
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.config import Settings
from app.core.errors import NotFound, UnprocessableInput
from app.datasets.storage import canonical_path
from app.db.models import Dataset, DatasetStatus, LabelingRow, LabelingRun, ReviewStatus, User
from app.labeling.review_schemas import (
    DEFAULT_THRESHOLD,
    AcceptReview,
    CorrectReview,
    ReviewAction,
    ReviewItem,
    ReviewSummary,
    TeacherAgreement,
    TeacherVote,
)

REVIEWED = (ReviewStatus.accepted, ReviewStatus.corrected)
MAJORITY = "majority"


@dataclass(frozen=True)
class GoldRow:
    """A reviewed row: its index in the labeled dataset, the reviewed and the teachers' output."""

    row_index: int
    output: Any
    status: ReviewStatus
    teacher_output: Any


def threshold_of(run: LabelingRun, given: float | None) -> float:
    """The threshold asked for, else the run's, else the default."""
    if given is not None:
        return given
    return run.review_threshold if run.review_threshold is not None else DEFAULT_THRESHOLD


def needs_review(threshold: float) -> ColumnElement[bool]:
    """Disagreement, confidence below the threshold or unknown (a row error leaves it unknown)."""
    return or_(
        LabelingRow.agreement < 1,
        LabelingRow.confidence.is_(None),
        LabelingRow.confidence < threshold,
    )


def _key(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def _sources(
    settings: Settings, session: Session, run: LabelingRun, indexes: list[int]
) -> dict[int, dict[str, Any]]:
    """The text columns of the given rows, by row index (None when the dataset is gone)."""
    dataset = session.get(Dataset, run.dataset_id) if run.dataset_id else None
    if dataset is None or dataset.status != DatasetStatus.ready or not indexes:
        return {}
    path = canonical_path(settings, dataset.project_id, dataset.id)
    table = pq.read_table(path, columns=run.text_columns).take(indexes)
    return dict(zip(indexes, table.to_pylist(), strict=True))


def _item(row: LabelingRow, source: dict[str, Any] | None) -> ReviewItem:
    return ReviewItem(
        row_index=row.row_index,
        source=source,
        output=row.output,
        votes=[TeacherVote.model_validate(vote) for vote in row.votes],
        agreement=row.agreement,
        confidence=row.confidence,
        error=row.error,
        review_status=row.review_status,
        reviewed_output=row.reviewed_output,
        reviewer_id=row.reviewer_id,
        reviewed_at=row.reviewed_at,
    )


def review_queue(
    session: Session,
    settings: Settings,
    run: LabelingRun,
    *,
    threshold: float,
    status: ReviewStatus | None,
    limit: int,
    offset: int,
) -> tuple[list[ReviewItem], int]:
    """Rows to review in row order (`status` None: whatever their review status), and the total."""
    query = select(LabelingRow).where(LabelingRow.run_id == run.id, needs_review(threshold))
    if status is not None:
        query = query.where(LabelingRow.review_status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = list(session.scalars(query.order_by(LabelingRow.row_index).limit(limit).offset(offset)))
    sources = _sources(settings, session, run, [row.row_index for row in rows])
    return [_item(row, sources.get(row.row_index)) for row in rows], total


def _invalid(message: str, field: str = "output") -> UnprocessableInput:
    return UnprocessableInput(message, code="invalid_review_output", details={"field": field})


def check_output(task: dict[str, Any], output: Any) -> Any:
    """The corrected output if it fits the run's task; 422 naming the field otherwise."""
    kind = task["kind"]
    if kind == "classify":
        names = [label["name"] for label in task["labels"]]
        if output not in names:
            raise _invalid(f"output must be one of the labels {', '.join(names)}; got {output!r}.")
        return output
    if kind == "extract":
        try:
            jsonschema.validate(output, task["json_schema"])
        except jsonschema.ValidationError as exc:
            path = ".".join(str(part) for part in exc.absolute_path)
            where = f"output.{path}" if path else "output"
            message = f"{where} does not follow the task's JSON schema: {exc.message}"
            raise _invalid(message, where) from exc
        return output
    if not isinstance(output, str) or not output.strip():
        raise _invalid("output must be a non-empty text.")
    return output.strip()


def get_row(session: Session, run: LabelingRun, row_index: int) -> LabelingRow:
    """The run's row at `row_index`; 404 when the run has no result for it."""
    row = session.scalar(
        select(LabelingRow).where(LabelingRow.run_id == run.id, LabelingRow.row_index == row_index)
    )
    if row is None:
        raise NotFound(
            f"Run '{run.name}' has no labeled row {row_index}.", code="labeling_row_not_found"
        )
    return row


def review_row(
    session: Session,
    settings: Settings,
    run: LabelingRun,
    row_index: int,
    action: ReviewAction,
    *,
    actor: User,
) -> ReviewItem:
    """Accept, correct or skip one row, with an audit entry."""
    row = get_row(session, run, row_index)
    if isinstance(action, AcceptReview):
        if row.output is None:
            raise UnprocessableInput(
                f"Row {row_index} has no teacher output to accept; correct it instead.",
                code="nothing_to_accept",
                details={"field": "action", "row_index": row_index},
            )
        row.review_status, row.reviewed_output = ReviewStatus.accepted, row.output
    elif isinstance(action, CorrectReview):
        row.reviewed_output = check_output(run.task, action.output)
        row.review_status = ReviewStatus.corrected
    else:
        row.review_status, row.reviewed_output = ReviewStatus.skipped, None
    row.reviewer_id, row.reviewed_at = actor.id, datetime.now(UTC)
    audit.record(
        session,
        action=f"labeling_row.{action.action}",
        actor=actor,
        object_type="labeling_run",
        object_id=run.id,
        project_id=run.project_id,
        details={"row_index": row_index, "status": row.review_status.value},
    )
    session.flush()
    sources = _sources(settings, session, run, [row_index])
    return _item(row, sources.get(row_index))


def gold_rows(session: Session, run_id: uuid.UUID) -> list[GoldRow]:
    """The run's accepted and corrected rows in row order: its gold set."""
    rows = session.execute(
        select(
            LabelingRow.row_index,
            LabelingRow.reviewed_output,
            LabelingRow.review_status,
            LabelingRow.output,
        )
        .where(LabelingRow.run_id == run_id, LabelingRow.review_status.in_(REVIEWED))
        .order_by(LabelingRow.row_index)
    )
    return [GoldRow(index, reviewed, status, output) for index, reviewed, status, output in rows]


def _agreement(teacher: str, agreed: int, reviewed: int) -> TeacherAgreement:
    share = agreed / reviewed if reviewed else None
    return TeacherAgreement(teacher=teacher, agreed=agreed, reviewed=reviewed, share=share)


def review_summary(session: Session, run: LabelingRun, *, threshold: float) -> ReviewSummary:
    """Counts by review status, and each teacher's and the majority's agreement with reviewers."""
    by_status = dict(
        session.execute(
            select(LabelingRow.review_status, func.count())
            .where(LabelingRow.run_id == run.id)
            .group_by(LabelingRow.review_status)
        ).all()
    )
    to_review = session.scalar(
        select(func.count()).where(
            LabelingRow.run_id == run.id,
            LabelingRow.review_status == ReviewStatus.pending,
            needs_review(threshold),
        )
    )
    reviewed = session.execute(
        select(LabelingRow.votes, LabelingRow.output, LabelingRow.reviewed_output).where(
            LabelingRow.run_id == run.id, LabelingRow.review_status.in_(REVIEWED)
        )
    ).all()
    agreed: dict[str, int] = {}
    majority = 0
    for votes, output, truth in reviewed:
        for vote in votes:
            hit = vote.get("error") is None and _key(vote.get("value")) == _key(truth)
            agreed[vote["teacher"]] = agreed.get(vote["teacher"], 0) + hit
        majority += output is not None and _key(output) == _key(truth)
    accepted = by_status.get(ReviewStatus.accepted, 0)
    corrected = by_status.get(ReviewStatus.corrected, 0)
    return ReviewSummary(
        threshold=threshold,
        rows=sum(by_status.values()),
        to_review=to_review or 0,
        skipped=by_status.get(ReviewStatus.skipped, 0),
        reviewed=accepted + corrected,
        accepted=accepted,
        corrected=corrected,
        teachers=[_agreement(name, hits, len(reviewed)) for name, hits in agreed.items()],
        majority=_agreement(MAJORITY, majority, len(reviewed)),
    )
