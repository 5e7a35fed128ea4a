"""Provider administration: validated base URLs, encrypted keys, prices, connection test."""

import time
import uuid
from datetime import date
from typing import Any

import openai
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import service as audit
from app.core.config import Settings
from app.core.errors import Conflict, UnprocessableInput
from app.db.models import LLMPrice, LLMProvider, User
from app.llm_providers import keybox
from app.llm_providers.adapters import ADAPTERS
from app.llm_providers.client import ProviderConfig, TeacherClient, redact
from app.llm_providers.netguard import Allowlist, UnsafeProviderURL, check_base_url
from app.llm_providers.pricing import price_in_force
from app.llm_providers.schemas import (
    ConnectionTest,
    PriceCreate,
    PriceRead,
    PriceUpdate,
    ProviderCreate,
    ProviderRead,
    ProviderUpdate,
    TeacherModel,
    TeacherOption,
)


def allowlist(settings: Settings) -> Allowlist:
    """The parsed `LLM_PROVIDER_ALLOWED_HOSTS`."""
    return Allowlist.parse(settings.llm_provider_allowed_hosts)


def _settings_key(settings: Settings, provider: LLMProvider) -> str:
    name = ADAPTERS[provider.kind].key_setting
    return str(getattr(settings, name)) if name else ""


def to_read(settings: Settings, provider: LLMProvider) -> ProviderRead:
    """The admin's view: whether a key is set and where from, never the key."""
    stored = provider.api_key_encrypted is not None
    from_settings = not stored and bool(_settings_key(settings, provider))
    return ProviderRead.model_validate(
        {
            **{c: getattr(provider, c) for c in ProviderRead.model_fields if hasattr(provider, c)},
            "has_key": stored or from_settings,
            "key_source": "stored" if stored else ("settings" if from_settings else None),
            "key_last4": provider.api_key_last4 if stored else None,
        }
    )


def provider_config(settings: Settings, provider: LLMProvider) -> ProviderConfig:
    """What a client needs, with the key decrypted (or taken from the settings)."""
    key = (
        keybox.decrypt(settings.secret_key, provider.api_key_encrypted)
        if provider.api_key_encrypted
        else _settings_key(settings, provider)
    )
    return ProviderConfig(
        id=provider.id,
        name=provider.name,
        kind=provider.kind,
        base_url=provider.base_url,
        api_key=key,
        concurrency=provider.concurrency,
        rpm=provider.rpm_limit,
        tpm=provider.tpm_limit,
    )


def _name_free(session: Session, name: str, own_id: uuid.UUID | None = None) -> None:
    found = session.scalar(select(LLMProvider.id).where(LLMProvider.name == name))
    if found is not None and found != own_id:
        raise Conflict(f"A provider named {name!r} exists already.", code="provider_name_taken")


def _base_url(settings: Settings, kind: Any, base_url: str | None) -> str:
    url = (base_url or ADAPTERS[kind].base_url or "").rstrip("/")
    if not url:
        raise UnprocessableInput(
            "base_url is required for an openai_compatible provider.",
            code="base_url_required",
            details={"field": "base_url"},
        )
    check_base_url(url, allowlist(settings))
    return url


def _set_key(settings: Settings, provider: LLMProvider, key: str) -> None:
    provider.api_key_encrypted = keybox.encrypt(settings.secret_key, key)
    provider.api_key_last4 = key[-4:] if len(key) >= 12 else None


def _check_price(
    provider: LLMProvider, model: str, effective_from: date, own: LLMPrice | None = None
) -> None:
    """The model is one the provider lists and has no other price from that day."""
    if model not in provider.models:
        raise UnprocessableInput(
            f"Price for model {model!r}, which the provider does not list "
            f"({', '.join(provider.models)}).",
            code="price_unknown_model",
            details={"field": "model", "model": model},
        )
    clash = [
        p
        for p in provider.prices
        if p is not own and p.model == model and p.effective_from == effective_from
    ]
    if clash:
        raise Conflict(f"{model} already has a price from {effective_from}.", code="price_exists")


def _price(provider: LLMProvider, data: PriceCreate) -> LLMPrice:
    _check_price(provider, data.model, data.effective_from)
    values = data.model_dump()
    values["cached_input_per_m"] = data.cached_input_per_m
    if values["cached_input_per_m"] is None:
        values["cached_input_per_m"] = data.input_per_m
    return LLMPrice(**values)


def _price_details(price: LLMPrice) -> dict[str, Any]:
    """A price as the audit log keeps it (amounts as text: exact and JSON-safe)."""
    return {
        "model": price.model,
        "input_per_m": str(price.input_per_m),
        "cached_input_per_m": str(price.cached_input_per_m),
        "output_per_m": str(price.output_per_m),
        "currency": price.currency,
        "effective_from": price.effective_from.isoformat(),
    }


def _audit_details(provider: LLMProvider, **extra: Any) -> dict[str, Any]:
    return {"name": provider.name, "kind": provider.kind, "base_url": provider.base_url, **extra}


def create_provider(
    session: Session, settings: Settings, *, data: ProviderCreate, actor: User, ip: str | None
) -> LLMProvider:
    """Validate the URL (SSRF), encrypt the key, store the provider and its prices."""
    _name_free(session, data.name)
    provider = LLMProvider(
        name=data.name,
        kind=data.kind,
        base_url=_base_url(settings, data.kind, data.base_url),
        models=list(dict.fromkeys(data.models)),
        rpm_limit=data.rpm_limit,
        tpm_limit=data.tpm_limit,
        concurrency=data.concurrency,
        created_by_id=actor.id,
        prices=[],
    )
    if data.api_key is not None and data.api_key.get_secret_value():
        _set_key(settings, provider, data.api_key.get_secret_value())
    for price in data.prices:
        provider.prices.append(_price(provider, price))
    session.add(provider)
    session.flush()
    audit.record(
        session,
        action="llm_provider.create",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details=_audit_details(provider, key_stored=provider.api_key_encrypted is not None),
    )
    return provider


def update_provider(
    session: Session,
    settings: Settings,
    provider: LLMProvider,
    *,
    data: ProviderUpdate,
    actor: User,
    ip: str | None,
) -> LLMProvider:
    """Apply the changes; a new base URL is checked again, a new key replaces the old."""
    changes = data.model_dump(exclude_unset=True, exclude={"api_key", "clear_api_key"})
    if "name" in changes:
        _name_free(session, changes["name"], provider.id)
    if "base_url" in changes:
        changes["base_url"] = _base_url(settings, provider.kind, changes["base_url"])
    if "models" in changes:
        changes["models"] = list(dict.fromkeys(changes["models"]))
    for name, value in changes.items():
        setattr(provider, name, value)
    key_changed = data.clear_api_key or data.api_key is not None
    if data.clear_api_key:
        provider.api_key_encrypted = provider.api_key_last4 = None
    if data.api_key is not None and data.api_key.get_secret_value():
        _set_key(settings, provider, data.api_key.get_secret_value())
    audit.record(
        session,
        action="llm_provider.update",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details=_audit_details(provider, fields=sorted(changes), key_changed=key_changed),
    )
    return provider


def delete_provider(
    session: Session, provider: LLMProvider, *, actor: User, ip: str | None
) -> None:
    """Remove the provider, its prices and cached answers (recorded calls keep their cost)."""
    audit.record(
        session,
        action="llm_provider.delete",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details=_audit_details(provider),
    )
    session.delete(provider)


def list_providers(session: Session) -> list[LLMProvider]:
    """Every provider by name."""
    return list(session.scalars(select(LLMProvider).order_by(LLMProvider.name)))


def teacher_options(session: Session, today: date) -> list[TeacherOption]:
    """Every provider with its models and their prices in force on `today`."""
    return [
        TeacherOption(
            id=p.id,
            name=p.name,
            kind=p.kind,
            models=[
                TeacherModel(model=m, price=_price_read(price_in_force(p.prices, m, today)))
                for m in p.models
            ],
        )
        for p in list_providers(session)
    ]


def _price_read(price: LLMPrice | None) -> PriceRead | None:
    return PriceRead.model_validate(price) if price is not None else None


def add_price(
    session: Session, provider: LLMProvider, *, data: PriceCreate, actor: User, ip: str | None
) -> LLMPrice:
    """A new price row from its effective date on (older ones stay for past calls)."""
    price = _price(provider, data)
    provider.prices.append(price)
    session.flush()
    audit.record(
        session,
        action="llm_provider.price_add",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details={"model": data.model, "effective_from": data.effective_from.isoformat()},
    )
    return price


def update_price(
    session: Session,
    provider: LLMProvider,
    price: LLMPrice,
    *,
    data: PriceUpdate,
    actor: User,
    ip: str | None,
) -> LLMPrice:
    """Change a price row; calls already made keep the cost recorded with them."""
    changes = data.model_dump(exclude_unset=True)
    model = changes.get("model", price.model)
    effective_from = changes.get("effective_from", price.effective_from)
    _check_price(provider, model, effective_from, own=price)
    before = _price_details(price)
    if "cached_input_per_m" in changes and changes["cached_input_per_m"] is None:
        changes["cached_input_per_m"] = changes.get("input_per_m", price.input_per_m)
    for name, value in changes.items():
        setattr(price, name, value)
    session.flush()
    audit.record(
        session,
        action="llm_provider.price_update",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details={"price_id": str(price.id), "before": before, "after": _price_details(price)},
    )
    return price


def delete_price(
    session: Session, provider: LLMProvider, price: LLMPrice, *, actor: User, ip: str | None
) -> None:
    """Remove a price row; runs and calls keep the cost recorded with them."""
    audit.record(
        session,
        action="llm_provider.price_delete",
        actor=actor,
        object_type="llm_provider",
        object_id=provider.id,
        ip=ip,
        details={"price_id": str(price.id), **_price_details(price)},
    )
    provider.prices.remove(price)
    session.flush()


async def test_connection(settings: Settings, provider: LLMProvider) -> ConnectionTest:
    """List the models, or when listing is not offered, ask the first model for one token."""
    config = provider_config(settings, provider)
    client = TeacherClient(config, allowlist(settings), timeout=20.0)
    started = time.perf_counter()
    method = "list_models"
    try:
        try:
            models = await client.list_models()
        except openai.NotFoundError:
            method = "completion"
            await client.sdk.chat.completions.create(
                model=provider.models[0],
                messages=[{"role": "user", "content": "ping"}],
                max_tokens=1,
            )
            models = []
    except (openai.APIStatusError, openai.APIConnectionError, UnsafeProviderURL) as exc:
        return ConnectionTest(
            ok=False,
            method=method,
            models=[],
            latency_ms=_ms(started),
            error_code=_failure_code(exc),
            message=redact(_describe(exc), config.api_key),
        )
    finally:
        await client.aclose()
    missing = [m for m in provider.models if models and m not in models]
    message = (
        f"Connected; models not listed by the endpoint: {', '.join(missing)}."
        if missing
        else "Connected."
    )
    return ConnectionTest(
        ok=True, method=method, models=models, latency_ms=_ms(started), message=message
    )


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)


def _describe(exc: Exception) -> str:
    if isinstance(exc, UnsafeProviderURL):
        return exc.message
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}: {exc.message}"
    return f"Cannot connect to the provider ({type(exc.__cause__ or exc).__name__})."


def _failure_code(exc: Exception) -> str:
    if isinstance(exc, openai.APIStatusError):
        return f"provider_http_{exc.status_code}"
    if isinstance(exc, UnsafeProviderURL):
        return exc.code
    return "provider_unreachable"
