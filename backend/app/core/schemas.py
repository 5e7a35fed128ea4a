"""Schema vocabulary shared by every domain: strict inputs, ORM reads, pages."""

from typing import Annotated, Any, ClassVar, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

T = TypeVar("T")

# Offsets and cursors stay far inside the 64-bit integers the databases compare them with.
MAX_OFFSET = 1_000_000_000
MAX_CURSOR = 2**62
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip (≤ 10⁹)")]
Cursor = Annotated[int, Query(ge=0, le=MAX_CURSOR, description="Return items after this id")]


class InputModel(BaseModel):
    """Base of request bodies: unknown fields are rejected (no mass assignment)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UpdateModel(InputModel):
    """Base of PATCH bodies: leave a field out to keep it; `null` only where it clears a value."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="before")
    @classmethod
    def _null_only_where_allowed(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None and info.field_name not in cls.nullable:
            raise ValueError("must not be null; leave the field out to keep its value")
        return value


class ReadModel(BaseModel):
    """Base of responses built from ORM objects."""

    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    """One page of a list; lists with keyset pagination also give the next page's cursor."""

    items: list[T]
    total: int
    limit: int
    offset: int
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )
