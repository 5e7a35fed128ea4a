"""Review of a labeling run's rows: queue, accept / correct / skip, summary, gold dataset."""

from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, status

from app.api.deps import CurrentUser, SessionDep, SettingsDep
from app.core.schemas import Offset
from app.datasets.schemas import DatasetRead
from app.db.models import ReviewStatus
from app.labeling import gold, review
from app.labeling.dependencies import CurrentRun, EditableRun
from app.labeling.review_schemas import (
    GoldDatasetCreate,
    ReviewAction,
    ReviewItem,
    ReviewQueue,
    ReviewSettings,
    ReviewSettingsUpdate,
    ReviewSummary,
)

router = APIRouter(prefix="/labeling-runs/{run_id}", tags=["labeling review"])

Threshold = Annotated[
    float | None,
    Query(ge=0, le=1, description="Rows below this confidence are to review (default: the run's)."),
]


@router.get("/review-queue", operation_id="get_review_queue")
def get_review_queue(
    run: EditableRun,
    session: SessionDep,
    settings: SettingsDep,
    threshold: Threshold = None,
    review_status: Annotated[
        ReviewStatus | Literal["all"],
        Query(alias="status", description="Rows of this review status; `all` for every one."),
    ] = ReviewStatus.pending,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Offset = 0,
) -> ReviewQueue:
    """Rows with disagreement, low or unknown confidence, or an error, in row order."""
    chosen = review.threshold_of(run, threshold)
    items, total = review.review_queue(
        session,
        settings,
        run,
        threshold=chosen,
        status=None if review_status == "all" else review_status,
        limit=limit,
        offset=offset,
    )
    return ReviewQueue(items=items, total=total, limit=limit, offset=offset, threshold=chosen)


@router.post("/rows/{row_index}/review", operation_id="review_labeling_row")
def review_row(
    run: EditableRun,
    row_index: int,
    action: Annotated[ReviewAction, Body()],
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
) -> ReviewItem:
    """Accept the verdict, correct it (validated against the task) or skip the row."""
    return review.review_row(session, settings, run, row_index, action, actor=user)


@router.get("/review-summary", operation_id="get_review_summary")
def get_review_summary(
    run: CurrentRun, session: SessionDep, threshold: Threshold = None
) -> ReviewSummary:
    """Review counts, and how often each teacher and the majority matched the reviewers."""
    return review.review_summary(session, run, threshold=review.threshold_of(run, threshold))


@router.patch("/review-settings", operation_id="update_review_settings")
def update_review_settings(
    run: EditableRun, data: ReviewSettingsUpdate, session: SessionDep
) -> ReviewSettings:
    """Set the run's confidence threshold for review (null: the default)."""
    if "review_threshold" in data.model_fields_set:
        run.review_threshold = data.review_threshold
        session.flush()
    return ReviewSettings(review_threshold=run.review_threshold)


@router.post(
    "/gold-dataset", status_code=status.HTTP_201_CREATED, operation_id="create_gold_dataset"
)
def create_gold_dataset(
    run: EditableRun,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    data: GoldDatasetCreate | None = None,
) -> DatasetRead:
    """Store the accepted and corrected rows as a new dataset; 409 `no_reviewed_rows` if none."""
    name = data.name if data else None
    dataset = gold.create_gold_dataset(session, settings, run, name=name, actor=user)
    return DatasetRead.model_validate(dataset)
