"""Base-model schemas."""

from pydantic import BaseModel, Field


class BaseModelRead(BaseModel):
    """A base-model folder and whether it is usable (`problems` says what is missing)."""

    name: str
    path: str
    ok: bool
    problems: list[str] = Field(default_factory=list)
    model_type: str | None = None
    architectures: list[str] = Field(default_factory=list)
    hidden_size: int | None = None
    num_layers: int | None = None
    vocab_size: int | None = None
    max_position_embeddings: int | None = None
    parameters: int | None = None
    size_bytes: int = 0
