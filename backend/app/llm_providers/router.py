"""Teacher LLM providers: admin CRUD, prices, test connection; the teacher list for run authors."""

from datetime import UTC, datetime

from fastapi import APIRouter, status

from app.api.deps import AdminUser, ClientIP, CurrentUser, SessionDep, SettingsDep
from app.llm_providers import service
from app.llm_providers.dependencies import CurrentPrice, CurrentProvider
from app.llm_providers.schemas import (
    ConnectionTest,
    PriceCreate,
    PriceRead,
    PriceUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    TeacherOption,
)

router = APIRouter(prefix="/llm-providers", tags=["llm-providers"])


@router.get("", operation_id="list_llm_providers")
def list_providers(
    session: SessionDep, settings: SettingsDep, _admin: AdminUser
) -> list[ProviderRead]:
    """Every provider (admin)."""
    return [service.to_read(settings, p) for p in service.list_providers(session)]


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="create_llm_provider")
def create_provider(
    data: ProviderCreate,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    ip: ClientIP,
) -> ProviderRead:
    """Add a provider; the base URL must be https and public unless allowlisted (admin)."""
    provider = service.create_provider(session, settings, data=data, actor=admin, ip=ip)
    return service.to_read(settings, provider)


@router.get("/teachers", operation_id="list_teachers")
def list_teachers(session: SessionDep, _user: CurrentUser) -> list[TeacherOption]:
    """Providers, models and today's prices for choosing a run's teachers (any signed-in user)."""
    return service.teacher_options(session, datetime.now(UTC).date())


@router.get("/{provider_id}", operation_id="get_llm_provider")
def get_provider(provider: CurrentProvider, settings: SettingsDep) -> ProviderRead:
    """One provider (admin)."""
    return service.to_read(settings, provider)


@router.patch("/{provider_id}", operation_id="update_llm_provider")
def update_provider(
    data: ProviderUpdate,
    provider: CurrentProvider,
    session: SessionDep,
    settings: SettingsDep,
    admin: AdminUser,
    ip: ClientIP,
) -> ProviderRead:
    """Change a provider; a new key replaces the stored one (admin)."""
    service.update_provider(session, settings, provider, data=data, actor=admin, ip=ip)
    return service.to_read(settings, provider)


@router.delete(
    "/{provider_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="delete_llm_provider"
)
def delete_provider(
    provider: CurrentProvider, session: SessionDep, admin: AdminUser, ip: ClientIP
) -> None:
    """Remove a provider with its prices and cached answers (admin)."""
    service.delete_provider(session, provider, actor=admin, ip=ip)


@router.post(
    "/{provider_id}/prices",
    status_code=status.HTTP_201_CREATED,
    operation_id="add_llm_provider_price",
)
def add_price(
    data: PriceCreate,
    provider: CurrentProvider,
    session: SessionDep,
    admin: AdminUser,
    ip: ClientIP,
) -> PriceRead:
    """A price from its effective date on; calls are costed at the price in force (admin)."""
    return PriceRead.model_validate(
        service.add_price(session, provider, data=data, actor=admin, ip=ip)
    )


@router.patch("/{provider_id}/prices/{price_id}", operation_id="update_llm_provider_price")
def update_price(
    data: PriceUpdate,
    provider: CurrentProvider,
    price: CurrentPrice,
    session: SessionDep,
    admin: AdminUser,
    ip: ClientIP,
) -> PriceRead:
    """Correct a price; calls already made keep the cost recorded with them (admin)."""
    return PriceRead.model_validate(
        service.update_price(session, provider, price, data=data, actor=admin, ip=ip)
    )


@router.delete(
    "/{provider_id}/prices/{price_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="delete_llm_provider_price",
)
def delete_price(
    provider: CurrentProvider,
    price: CurrentPrice,
    session: SessionDep,
    admin: AdminUser,
    ip: ClientIP,
) -> None:
    """Remove a price; runs and calls keep the cost recorded with them (admin)."""
    service.delete_price(session, provider, price, actor=admin, ip=ip)


@router.post("/{provider_id}/test", operation_id="test_llm_provider")
async def test_provider(provider: CurrentProvider, settings: SettingsDep) -> ConnectionTest:
    """List the endpoint's models (or make a 1-token call) with the stored settings (admin)."""
    return await service.test_connection(settings, provider)
