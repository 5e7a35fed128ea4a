"""Teacher LLM providers, their prices, every paid call and the answer cache."""

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Enum,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, IdMixin, TimestampMixin, utcnow
from app.db.types import UTCDateTime

MONEY = Numeric(18, 8)


class ProviderKind(enum.StrEnum):
    """Which adapter speaks to the provider (usage fields, error codes, base URL preset)."""

    qwen = "qwen"
    deepseek = "deepseek"
    doubao = "doubao"
    openai_compatible = "openai_compatible"


class LLMProvider(IdMixin, TimestampMixin, Base):
    """An OpenAI-compatible endpoint used as a teacher; its key is stored encrypted."""

    __tablename__ = "llm_providers"

    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[ProviderKind] = mapped_column(Enum(ProviderKind, native_enum=False, length=32))
    base_url: Mapped[str] = mapped_column(String(500))
    models: Mapped[list[str]] = mapped_column(JSON, default=list)
    api_key_encrypted: Mapped[str | None] = mapped_column(Text)
    api_key_last4: Mapped[str | None] = mapped_column(String(4))
    # Pacing per key; None means unlimited.
    rpm_limit: Mapped[int | None] = mapped_column(Integer)
    tpm_limit: Mapped[int | None] = mapped_column(Integer)
    concurrency: Mapped[int | None] = mapped_column(Integer)
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    prices: Mapped[list["LLMPrice"]] = relationship(
        back_populates="provider",
        cascade="all, delete-orphan",
        order_by="(LLMPrice.model, LLMPrice.effective_from)",
        lazy="selectin",
    )


class LLMPrice(IdMixin, Base):
    """A model's price per 1M tokens from a date on; the newest one in force applies."""

    __tablename__ = "llm_prices"
    __table_args__ = (UniqueConstraint("provider_id", "model", "effective_from"),)

    provider_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("llm_providers.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(200))
    input_per_m: Mapped[Decimal] = mapped_column(MONEY)
    cached_input_per_m: Mapped[Decimal] = mapped_column(MONEY)
    output_per_m: Mapped[Decimal] = mapped_column(MONEY)
    currency: Mapped[str] = mapped_column(String(3))
    effective_from: Mapped[date] = mapped_column(Date)
    provider: Mapped[LLMProvider] = relationship(back_populates="prices")


class LLMCall(IdMixin, Base):
    """One paid request to a provider: usage, latency, cost, outcome."""

    __tablename__ = "llm_calls"

    provider_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("llm_providers.id", ondelete="SET NULL"), index=True
    )
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("labeling_runs.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(200))
    cache_key: Mapped[str] = mapped_column(String(64), index=True)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    cached_input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    currency: Mapped[str | None] = mapped_column(String(3))
    outcome: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LLMAnswer(Base):
    """A provider's answer, keyed by the hash of (provider, model, prompt, params)."""

    __tablename__ = "llm_answer_cache"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    provider_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("llm_providers.id", ondelete="CASCADE"), index=True
    )
    model: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    mean_logprob: Mapped[float | None] = mapped_column(Float)
    usage: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
