"""Load-or-404 for providers (admins only: the dependency requires the admin role)."""

import uuid
from typing import Annotated

from fastapi import Depends

from app.api.deps import AdminUser, SessionDep
from app.core.errors import NotFound
from app.db.models import LLMProvider


def get_provider_or_404(
    provider_id: uuid.UUID, session: SessionDep, _admin: AdminUser
) -> LLMProvider:
    """The provider, or 404 `provider_not_found`."""
    provider = session.get(LLMProvider, provider_id)
    if provider is None:
        raise NotFound("Provider not found.", code="provider_not_found")
    return provider


CurrentProvider = Annotated[LLMProvider, Depends(get_provider_or_404)]
