"""One async teacher client for every provider: the openai SDK over the pinned transport."""

import asyncio
import email.utils
import math
import time
from dataclasses import dataclass, field
from typing import Any

import httpx2
import openai
from openai.types.chat import ChatCompletion

from app.db.models import ProviderKind
from app.llm_providers.adapters import ADAPTERS, Usage
from app.llm_providers.limits import Pacer
from app.llm_providers.netguard import Allowlist, PinnedTransport, UnsafeProviderURL

RETRY_STATUSES = frozenset({408, 409, 429, 500, 502, 503, 504})
STOP_STATUSES = frozenset({401, 402, 403, 404})
MAX_RETRY_AFTER = 120.0


@dataclass(frozen=True)
class ProviderConfig:
    """What a client needs of a provider; the key is never part of the repr."""

    id: Any
    name: str
    kind: ProviderKind
    base_url: str
    api_key: str = field(repr=False)
    concurrency: int | None = 4
    rpm: int | None = None
    tpm: int | None = None


@dataclass(frozen=True)
class Completion:
    """A usable answer with the usage of every paid attempt that led to it."""

    content: str
    finish_reason: str | None
    usage: Usage
    mean_logprob: float | None
    latency_ms: int


class ProviderError(Exception):
    """A call that produced no usable answer; `usage` is what was paid for nonetheless."""

    code = "provider_error"

    def __init__(self, message: str, *, code: str | None = None, usage: Usage | None = None):
        super().__init__(message)
        self.message = message
        self.code = code or self.code
        self.usage = usage or Usage()


class ProviderStopped(ProviderError):
    """The provider refuses every further call (balance, overdue account, bad key): stop."""

    code = "provider_refused"


class RowSkipped(ProviderError):
    """This prompt cannot be answered (content filter, invalid request): skip the row."""

    code = "row_skipped"


class ProviderUnavailable(ProviderError):
    """Retries exhausted on rate limits, server errors, dropped connections or blank answers."""

    code = "provider_unavailable"


@dataclass
class RetryPolicy:
    """How often and how long to retry transient failures."""

    attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when the provider sent one, else exponential backoff."""
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER)
        return min(self.base_delay * 2**attempt, self.max_delay)


def retry_after_seconds(headers: Any) -> float | None:
    """Seconds from a `Retry-After` header (delta seconds or an HTTP date)."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


def redact(text: str, api_key: str) -> str:
    """The text with the key (and any long piece of it a provider echoes) masked."""
    if len(api_key) < 8:
        return text
    for piece in {api_key, api_key[:8], api_key[-8:]}:
        text = text.replace(piece, "***")
    return text


def _mean_logprob(choice: Any) -> float | None:
    content = getattr(getattr(choice, "logprobs", None), "content", None)
    values = [t.logprob for t in content or [] if t.logprob is not None]
    finite = [v for v in values if math.isfinite(v)]
    return sum(finite) / len(finite) if finite else None


def _error_text(exc: openai.APIStatusError) -> tuple[str | None, str]:
    body = exc.body if isinstance(exc.body, dict) else {}
    inner = body.get("error", body) if isinstance(body.get("error", body), dict) else body
    code = inner.get("code") or getattr(exc, "code", None)
    message = str(inner.get("message") or exc.message)
    return (str(code) if code is not None else None), message


class TeacherClient:
    """Chat completions with pacing, retries and error classes for one provider key."""

    def __init__(self, config: ProviderConfig, allow: Allowlist, *, timeout: float = 60.0) -> None:
        self.config = config
        self.adapter = ADAPTERS[config.kind]
        self.pacer = Pacer(concurrency=config.concurrency, rpm=config.rpm, tpm=config.tpm)
        self.retry = RetryPolicy()
        self._http = httpx2.AsyncClient(
            transport=PinnedTransport(allow), timeout=timeout, follow_redirects=False
        )
        self.sdk = openai.AsyncOpenAI(
            api_key=config.api_key or "none",
            base_url=config.base_url,
            max_retries=0,
            timeout=timeout,
            http_client=self._http,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.sdk.close()

    async def complete(
        self,
        *,
        model: str,
        messages: list[dict[str, str]],
        params: dict[str, Any],
        estimated_tokens: int,
    ) -> Completion:
        """One usable answer, retrying transient failures and blank content."""
        paid = Usage()
        last = "no attempt made"
        for attempt in range(self.retry.attempts):
            retry_after: float | None = None
            try:
                async with self.pacer.slot():
                    await self.pacer.admit(estimated_tokens)
                    started = time.perf_counter()
                    # Sent as built: `chat.completions.create` walks every message through the
                    # SDK's typed-parameter transform (1-2 ms of CPU a call for a labeling
                    # prompt), which leaves plain text messages as they are.
                    response = await self.sdk.post(
                        "/chat/completions",
                        body={"model": model, "messages": messages, **params},
                        cast_to=ChatCompletion,
                        options={"security": {"bearer_auth": True}},
                    )
                    latency_ms = round((time.perf_counter() - started) * 1000)
            except openai.APIStatusError as exc:
                retry_after = self._classify(exc, paid)
                last = f"HTTP {exc.status_code}: {_error_text(exc)[1]}"
            except UnsafeProviderURL as exc:
                raise ProviderStopped(exc.message, code=exc.code, usage=paid) from exc
            except openai.APIConnectionError as exc:
                last = f"connection failed: {type(exc.__cause__ or exc).__name__}"
            else:
                choice = response.choices[0] if response.choices else None
                paid = paid + self.adapter.usage(response.usage)
                finish = getattr(choice, "finish_reason", None)
                if finish == "content_filter":
                    raise RowSkipped(
                        "The provider's content filter withheld the answer.",
                        code="content_filter",
                        usage=paid,
                    )
                content = (choice.message.content or "") if choice else ""
                if content.strip():
                    return Completion(content, finish, paid, _mean_logprob(choice), latency_ms)
                last = "blank answer"
            await asyncio.sleep(self.retry.delay(attempt, retry_after))
        raise ProviderUnavailable(
            f"{self.config.name}: no usable answer after {self.retry.attempts} attempts ({last}).",
            usage=paid,
        )

    def _classify(self, exc: openai.APIStatusError, paid: Usage) -> float | None:
        """Retry-After for transient errors; raise for the others."""
        code, message = _error_text(exc)
        message = redact(message, self.config.api_key)
        status = exc.status_code
        if status in RETRY_STATUSES:
            return retry_after_seconds(exc.response.headers)
        if status in STOP_STATUSES:
            raise ProviderStopped(
                _stop_message(self.config.name, status, message),
                code=f"provider_http_{status}",
                usage=paid,
            )
        if self.adapter.is_content_filter(code, message):
            raise RowSkipped(f"Content filter: {message}", code="content_filter", usage=paid)
        raise RowSkipped(
            f"The provider refused the request: {message}",
            code=f"provider_http_{status}",
            usage=paid,
        )

    async def list_models(self) -> list[str]:
        """Model ids the endpoint lists."""
        page = await self.sdk.models.list()
        return [model.id async for model in page]


def _stop_message(name: str, status: int, message: str) -> str:
    reasons = {
        401: "the API key was rejected",
        402: "the account's balance is exhausted",
        403: "the account is overdue or not allowed to use this model",
        404: "the model or endpoint does not exist",
    }
    return f"{name}: {reasons[status]} (HTTP {status}: {message})."
