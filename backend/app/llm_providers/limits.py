"""Per-provider-key pacing: a token bucket for requests and one for tokens per minute."""

import asyncio
import time
from contextlib import AbstractAsyncContextManager, nullcontext


class TokenBucket:
    """Holds up to `per_minute` units, refilled continuously; `take` waits for enough."""

    def __init__(self, per_minute: int) -> None:
        self.capacity = float(per_minute)
        self.rate = per_minute / 60.0
        self.available = float(per_minute)
        self.stamp = time.monotonic()
        self.lock = asyncio.Lock()

    async def take(self, amount: float) -> None:
        """Wait until `amount` units (at most the capacity) are available, then take them."""
        amount = min(float(amount), self.capacity)
        async with self.lock:
            while True:
                now = time.monotonic()
                self.available = min(self.capacity, self.available + (now - self.stamp) * self.rate)
                self.stamp = now
                if self.available >= amount:
                    self.available -= amount
                    return
                await asyncio.sleep((amount - self.available) / self.rate)


class Pacer:
    """Concurrency, requests and tokens per minute of one provider key (None: unlimited)."""

    def __init__(self, *, concurrency: int | None, rpm: int | None, tpm: int | None) -> None:
        self.slots = asyncio.Semaphore(max(1, concurrency)) if concurrency else None
        self.requests = TokenBucket(rpm) if rpm else None
        self.tokens = TokenBucket(tpm) if tpm else None

    def slot(self) -> AbstractAsyncContextManager[object]:
        """Hold one of the key's concurrent calls (no wait when concurrency is unlimited)."""
        return self.slots if self.slots is not None else nullcontext()

    async def admit(self, estimated_tokens: int) -> None:
        """Wait for the request and token budgets of one call."""
        if self.requests is not None:
            await self.requests.take(1)
        if self.tokens is not None:
            await self.tokens.take(estimated_tokens)
