"""Labeling run inputs: the task, the prompt template, the teachers, the budget."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from app.core.schemas import InputModel


class LabelSpec(InputModel):
    """One class the teacher may answer, with what it means."""

    name: str = Field(min_length=1, max_length=100)
    description: str = Field("", max_length=1000)


class Example(InputModel):
    """A few-shot example: a text and its label."""

    text: str = Field(min_length=1, max_length=4000)
    label: str = Field(min_length=1, max_length=100)


class ClassifyTask(InputModel):
    """Pick one label per row."""

    kind: Literal["classify"] = "classify"
    labels: list[LabelSpec] = Field(min_length=1, max_length=200)
    examples: list[Example] = Field(default_factory=list, max_length=50)

    @field_validator("labels")
    @classmethod
    def _distinct(cls, labels: list[LabelSpec]) -> list[LabelSpec]:
        names = [label.name for label in labels]
        if len(set(names)) != len(names):
            raise ValueError("label names must be distinct")
        return labels


class ExtractTask(InputModel):
    """Fill a JSON object that follows `json_schema` per row."""

    kind: Literal["extract"] = "extract"
    json_schema: dict[str, Any]


class GenerateTask(InputModel):
    """Write a response per instruction (SFT data)."""

    kind: Literal["generate"] = "generate"
    system: str = Field("", max_length=4000)


TaskSpec = Annotated[ClassifyTask | ExtractTask | GenerateTask, Field(discriminator="kind")]


class TeacherRef(InputModel):
    """A provider and one of its models."""

    provider_id: uuid.UUID
    model: str = Field(min_length=1, max_length=200)


class RunParams(InputModel):
    """Sampling parameters sent to every teacher (part of the cache key)."""

    temperature: float = Field(0.0, ge=0, le=2)
    max_tokens: int = Field(256, ge=1, le=8192)
    logprobs: bool = False


class LabelingRunCreate(InputModel):
    """A labeling run over a dataset's text columns."""

    name: str = Field(min_length=1, max_length=255)
    dataset_id: uuid.UUID
    text_columns: list[str] = Field(min_length=1, max_length=20)
    task: TaskSpec
    template: str | None = Field(None, max_length=20_000)
    teachers: list[TeacherRef] = Field(min_length=1, max_length=7)
    params: RunParams = Field(default_factory=RunParams)
    budget: Decimal = Field(gt=0, max_digits=18, decimal_places=8)
    currency: str = Field(pattern=r"^[A-Z]{3}$")


class PromptPreview(BaseModel):
    """One rendered prompt."""

    row_index: int
    messages: list[dict[str, str]]


class TeacherEstimate(BaseModel):
    """Tokens and cost one teacher would take for every row."""

    provider_id: uuid.UUID
    model: str
    input_tokens: int
    output_tokens: int
    cost: Decimal


class Estimate(BaseModel):
    """Tokens and cost before the run, estimated (one token per CJK character, one per four
    other characters; no cache discount). Not a bound: the run keeps to its budget per call."""

    rows: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    currency: str
    teachers: list[TeacherEstimate]


class PreviewAnswer(BaseModel):
    """The teachers' answers to one previewed prompt, voted as the run would."""

    row_index: int
    output: Any
    votes: list[dict[str, Any]]
    agreement: float | None
    confidence: float | None
    error: dict[str, Any] | None


class LabelingPreview(BaseModel):
    """The first rendered prompts and the estimate; with `ask_teachers`, their answers."""

    prompts: list[PromptPreview]
    estimate: Estimate
    ask_cost: Decimal = Field(
        description="At most what asking every teacher these prompts costs, one attempt each "
        "(cached answers are free; the budget caps it in any case)."
    )
    answers: list[PreviewAnswer] | None = Field(
        None, description="Only when asked: each teacher's parsed answer (paid, then cached)."
    )


class LabelingRunRead(BaseModel):
    """A run and its progress."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    project_id: uuid.UUID
    dataset_id: uuid.UUID | None
    name: str
    text_columns: list[str]
    task: dict[str, Any]
    template: str
    teachers: list[dict[str, Any]]
    params: dict[str, Any]
    budget: Decimal
    currency: str
    estimate: dict[str, Any]
    status: str
    rows_total: int
    rows_done: int
    input_tokens: int
    output_tokens: int
    cost: Decimal
    error: dict[str, Any] | None
    output_dataset_id: uuid.UUID | None
    job_id: uuid.UUID | None = Field(
        description="The latest `label` job; follow it on the WebSocket /ws/jobs/{job_id}."
    )
    created_at: datetime
    updated_at: datetime


class LabelingResume(InputModel):
    """Resume a stopped, failed or budget-stopped run, optionally with a higher budget."""

    budget: Decimal | None = Field(None, gt=0, max_digits=18, decimal_places=8)


class LabelingRowRead(BaseModel):
    """One labeled row: the voted output, each teacher's vote, agreement, confidence, error."""

    model_config = ConfigDict(from_attributes=True)

    row_index: int
    output: Any
    votes: list[dict[str, Any]]
    agreement: float | None
    confidence: float | None
    error: dict[str, Any] | None
    created_at: datetime
