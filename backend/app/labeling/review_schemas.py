"""Review of teacher-labeled rows: queue items, review actions, summary, gold dataset."""

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, Field

from app.core.schemas import InputModel, Page, UpdateModel
from app.db.models import ReviewStatus

DEFAULT_THRESHOLD = 0.7


class TeacherVote(BaseModel):
    """One teacher's answer for a row (or its error)."""

    teacher: str
    value: Any = None
    error: dict[str, Any] | None = None


class ReviewItem(BaseModel):
    """A labeled row as a reviewer sees it: the source text, the votes, the verdict."""

    row_index: int
    source: dict[str, Any] | None = Field(
        description="The run's text columns of this row; null when the dataset was deleted."
    )
    output: Any = None
    votes: list[TeacherVote]
    agreement: float | None
    confidence: float | None
    error: dict[str, Any] | None
    review_status: ReviewStatus
    reviewed_output: Any = None
    reviewer_id: uuid.UUID | None
    reviewed_at: datetime | None


class ReviewQueue(Page[ReviewItem]):
    """A page of rows to review, and the confidence threshold that selected them."""

    threshold: float


class AcceptReview(InputModel):
    """Keep the teachers' verdict as the reviewed output."""

    action: Literal["accept"]


class CorrectReview(InputModel):
    """Replace the verdict: a label (classify), an object (extract) or a text (generate)."""

    action: Literal["correct"]
    output: Any = Field(description="Must validate against the run's task.")


class SkipReview(InputModel):
    """Leave the row for later."""

    action: Literal["skip"]


ReviewAction = Annotated[AcceptReview | CorrectReview | SkipReview, Field(discriminator="action")]


class ReviewSettings(BaseModel):
    """The run's review settings."""

    review_threshold: float | None = Field(
        description=f"Rows below this confidence are to review; null means {DEFAULT_THRESHOLD}."
    )


class ReviewSettingsUpdate(UpdateModel):
    """Change the confidence threshold (null restores the default)."""

    nullable: ClassVar[frozenset[str]] = frozenset({"review_threshold"})

    review_threshold: float | None = Field(None, ge=0, le=1)


class TeacherAgreement(BaseModel):
    """How often one teacher (or the majority verdict) matched the reviewers."""

    teacher: str
    agreed: int
    reviewed: int
    share: float | None = Field(description="agreed / reviewed; null before any review.")


class ReviewSummary(BaseModel):
    """Review progress and the teachers' agreement with the reviewers."""

    threshold: float
    rows: int
    to_review: int = Field(description="Rows selected for review and still pending.")
    skipped: int
    reviewed: int
    accepted: int
    corrected: int
    teachers: list[TeacherAgreement]
    majority: TeacherAgreement


class GoldDatasetCreate(InputModel):
    """Name the gold dataset (default: the run's name with a suffix)."""

    name: str | None = Field(None, min_length=1, max_length=255)
