"""Provider schemas: keys go in, never out (only whether one is set and its last 4 chars)."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, SecretStr, field_validator

from app.core.schemas import InputModel, ReadModel, UpdateModel
from app.db.models import ProviderKind

Money = Decimal
NAME = Field(min_length=1, max_length=100)
MODELS = Field(min_length=1, max_length=200)


# Effective dates from 2000 on (a typo like 0226 is refused); 2999 stands for "not yet".
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2999, 12, 31)


def _sensible_day(value: date | None) -> date | None:
    """An effective date between 2000-01-01 and 2999-12-31."""
    if value is not None and not FIRST_DAY <= value <= LAST_DAY:
        raise ValueError(f"effective date must be between {FIRST_DAY} and {LAST_DAY}")
    return value


class PriceCreate(InputModel):
    """A model's price per 1M tokens from `effective_from` on."""

    model: str = Field(min_length=1, max_length=200)
    input_per_m: Money = Field(ge=0, max_digits=18, decimal_places=8)
    cached_input_per_m: Money | None = Field(
        None, ge=0, max_digits=18, decimal_places=8, description="defaults to the input price"
    )
    output_per_m: Money = Field(ge=0, max_digits=18, decimal_places=8)
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. CNY, USD")
    effective_from: date

    _day = field_validator("effective_from")(_sensible_day)


class PriceUpdate(UpdateModel):
    """Changes to a price; unset fields stay. A null cached price means the input price."""

    nullable = frozenset({"cached_input_per_m"})

    model: str | None = Field(None, min_length=1, max_length=200)
    input_per_m: Money | None = Field(None, ge=0, max_digits=18, decimal_places=8)
    cached_input_per_m: Money | None = Field(
        None, ge=0, max_digits=18, decimal_places=8, description="null: the input price"
    )
    output_per_m: Money | None = Field(None, ge=0, max_digits=18, decimal_places=8)
    currency: str | None = Field(None, pattern=r"^[A-Z]{3}$", description="ISO 4217")
    effective_from: date | None = None

    _day = field_validator("effective_from")(_sensible_day)


class PriceRead(ReadModel):
    """A stored price."""

    id: uuid.UUID
    model: str
    input_per_m: Money
    cached_input_per_m: Money
    output_per_m: Money
    currency: str
    effective_from: date


def _printable_key(value: SecretStr | None) -> SecretStr | None:
    """API keys travel in an HTTP header: printable ASCII, no spaces."""
    text = value.get_secret_value() if value is not None else ""
    if any(not (33 <= ord(ch) <= 126) for ch in text):
        raise ValueError("API key must be printable ASCII without spaces")
    return value


class ProviderCreate(InputModel):
    """A teacher endpoint; `base_url` defaults to the kind's preset."""

    name: str = NAME
    kind: ProviderKind
    base_url: str | None = Field(None, max_length=500)
    models: list[str] = MODELS
    api_key: SecretStr | None = Field(
        None, max_length=500, description="stored encrypted; else the kind's *_API_KEY setting"
    )
    rpm_limit: int | None = Field(None, ge=1, le=1_000_000, description="null: unlimited")
    tpm_limit: int | None = Field(None, ge=1, le=1_000_000_000, description="null: unlimited")
    concurrency: int | None = Field(4, ge=1, le=256, description="null: unlimited")
    prices: list[PriceCreate] = Field(default_factory=list, max_length=1000)

    _key = field_validator("api_key")(_printable_key)


class ProviderUpdate(UpdateModel):
    """Changes; unset fields stay. Null limits mean unlimited, a null base URL the kind's
    preset; `clear_api_key` falls back to the setting's key."""

    nullable = frozenset({"base_url", "rpm_limit", "tpm_limit", "concurrency"})

    name: str | None = Field(None, min_length=1, max_length=100)
    base_url: str | None = Field(None, max_length=500)
    models: list[str] | None = Field(None, min_length=1, max_length=200)
    api_key: SecretStr | None = Field(None, max_length=500)
    clear_api_key: bool = False
    rpm_limit: int | None = Field(None, ge=1, le=1_000_000, description="null: unlimited")
    tpm_limit: int | None = Field(None, ge=1, le=1_000_000_000, description="null: unlimited")
    concurrency: int | None = Field(None, ge=1, le=256, description="null: unlimited")

    _key = field_validator("api_key")(_printable_key)


class ProviderRead(BaseModel):
    """A provider as admins see it: no key, only where it comes from."""

    id: uuid.UUID
    name: str
    kind: ProviderKind
    base_url: str
    models: list[str]
    has_key: bool
    key_source: Literal["stored", "settings"] | None
    key_last4: str | None
    rpm_limit: int | None
    tpm_limit: int | None
    concurrency: int | None
    prices: list[PriceRead]
    created_at: datetime
    updated_at: datetime


class ConnectionTest(BaseModel):
    """The outcome of "test connection"."""

    ok: bool
    method: Literal["list_models", "completion"] | None
    models: list[str]
    latency_ms: int
    error_code: str | None = None
    message: str


class TeacherModel(BaseModel):
    """A model a run may ask, with its price in force today (None: it cannot be costed yet)."""

    model: str
    price: PriceRead | None


class TeacherOption(BaseModel):
    """A provider as run authors see it: no URL, no key, no limits."""

    id: uuid.UUID
    name: str
    kind: ProviderKind
    models: list[TeacherModel]
