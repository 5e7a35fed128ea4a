"""Base-model schemas."""

from pydantic import BaseModel, Field

from app.core.schemas import InputModel


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
    kind: str | None = None
    licence: str | None = None
    languages: list[str] = Field(default_factory=list)
    chat_template: bool = False
    context_length: int | None = None
    source: str | None = None
    notes: str | None = None


class BaseModelRegister(InputModel):
    """A Hugging Face folder already on the server, copied in as base/<name> (safetensors only)."""

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$", description="Folder name under base/."
    )
    path: str = Field(min_length=1, max_length=4096, description="Absolute path of the folder.")
    licence: str | None = Field(None, max_length=200)
    languages: list[str] = Field(default_factory=list, max_length=50)
    notes: str | None = Field(None, max_length=4000)
