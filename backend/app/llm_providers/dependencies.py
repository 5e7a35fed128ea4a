"""Load-or-404 for providers and their prices (admins only: the provider needs the admin role)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import AdminUser, SessionDep
from app.core.errors import NotFound
from app.db.models import LLMPrice, LLMProvider


def get_provider_or_404(
    provider_id: uuid.UUID, session: SessionDep, _admin: AdminUser
) -> LLMProvider:
    """The provider, or 404 `provider_not_found`."""
    provider = session.get(LLMProvider, provider_id)
    if provider is None:
        raise NotFound("Provider not found.", code="provider_not_found")
    return provider


CurrentProvider = Annotated[LLMProvider, Depends(get_provider_or_404)]


def get_price_or_404(price_id: uuid.UUID, provider: CurrentProvider) -> LLMPrice:
    """One of the provider's prices, or 404 `price_not_found` (another provider's too)."""
    price = next((p for p in provider.prices if p.id == price_id), None)
    if price is None:
        raise NotFound("Price not found.", code="price_not_found")
    return price


CurrentPrice = Annotated[LLMPrice, Depends(get_price_or_404)]
