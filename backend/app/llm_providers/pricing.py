"""Prices with effective dates: the newest price whose date has come applies."""

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from app.db.models import LLMPrice
from app.llm_providers.adapters import Usage

MILLION = Decimal(1_000_000)


def price_in_force(prices: Iterable[LLMPrice], model: str, on: date) -> LLMPrice | None:
    """The model's price on a day, or None when none has taken effect yet."""
    candidates = [p for p in prices if p.model == model and p.effective_from <= on]
    return max(candidates, key=lambda p: p.effective_from, default=None)


def cost_of(price: LLMPrice, usage: Usage) -> Decimal:
    """Cost of the tokens: uncached input, cached input and output at their rates."""
    uncached = max(0, usage.input_tokens - usage.cached_input_tokens)
    total = (
        uncached * price.input_per_m
        + usage.cached_input_tokens * price.cached_input_per_m
        + usage.output_tokens * price.output_per_m
    )
    return (Decimal(total) / MILLION).quantize(Decimal("0.00000001"))
