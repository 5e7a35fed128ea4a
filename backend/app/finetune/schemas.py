"""Request and response models of the console's fine-tuning helpers."""

import uuid
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.core.schemas import InputModel


class ChatPreviewRequest(InputModel):
    """A dataset, the base model whose chat template renders it, and the column mapping."""

    dataset_id: uuid.UUID
    base_model: str = Field(min_length=1, max_length=128)
    columns: dict[str, Any] = Field(default_factory=dict)
    max_seq_length: int = Field(512, ge=16, le=32768)
    rows: int = Field(3, ge=1, le=20, description="How many conversations to render.")


class RenderedRow(BaseModel):
    """One conversation as the model sees it."""

    row: int = Field(description="1-based row number in the dataset.")
    text: str
    tokens: int
    truncated: bool


class ChatPreview(BaseModel):
    """The detected format, the first rows rendered, and token lengths against max_seq_length."""

    format: str | None
    rows_total: int
    rows_usable: int
    errors: list[dict[str, Any]]
    problems: list[dict[str, Any]]
    rendered: list[RenderedRow]
    rows_measured: int = Field(description="Conversations whose tokens were counted.")
    tokens: dict[str, Any] | None = Field(
        None, description="Token-length statistics of the measured rows (truncated_rows)."
    )


class MemoryEstimateRequest(InputModel):
    """A base model and the fine-tuning settings (as the job's params)."""

    base_model: str = Field(min_length=1, max_length=128)
    params: dict[str, Any] = Field(default_factory=dict)
    device: Literal["cpu", "cuda"] = "cpu"


class MemoryEstimateRead(BaseModel):
    """Bytes a run needs, by part, against the bytes free here; what to lower when short."""

    device: str
    needed: int
    available: int | None = Field(description="Free bytes on this server (CPU runs only).")
    fits: bool | None
    weights: int
    lora: int
    activations: int
    logits: int
    overhead: int
    lora_parameters: int
    lower: list[str] = Field(description="Settings to lower (or base_model: a smaller one).")


class ChatTurn(InputModel):
    """One message of the playground conversation."""

    role: Literal["system", "user", "assistant"]
    content: str = Field(min_length=1, max_length=32_000)


class PlaygroundChatRequest(InputModel):
    """A conversation and the sampling settings of one answer."""

    messages: list[ChatTurn] = Field(min_length=1, max_length=200)
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    top_p: float = Field(1.0, gt=0.0, le=1.0)
    max_tokens: int = Field(256, ge=1, le=4096)
    seed: int | None = None
