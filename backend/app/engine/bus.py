"""Event buses: publish job events from any thread, subscribe from asyncio (the WebSocket).

`LocalBus` is in-process (embedded mode); `RedisBus` uses Redis pub/sub so a worker and the
API replicas see the same events. Subscribers resync from the DB by event id, so a lost
pub/sub message is never a lost event.
"""

import asyncio
import json
import threading
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Protocol

import redis
import redis.asyncio as aioredis

Event = dict[str, Any]


class BusUnavailableError(Exception):
    """The event bus cannot be reached (subscribers fall back to what the DB holds)."""


class EventBus(Protocol):
    """Publish/subscribe of job events."""

    def publish(self, job_id: uuid.UUID, event: Event) -> None:
        """Send one event to every subscriber of the job (fire and forget)."""

    def subscribe(self, job_id: uuid.UUID) -> "AsyncSubscription":
        """An async context manager yielding a queue of the job's events."""

    def close(self) -> None:
        """Release connections."""


AsyncSubscription = Any


class LocalBus:
    """In-process bus: events reach asyncio queues on their own loops thread-safely."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: dict[
            uuid.UUID, set[tuple[asyncio.AbstractEventLoop, asyncio.Queue]]
        ] = {}

    def publish(self, job_id: uuid.UUID, event: Event) -> None:
        """Hand the event to every subscriber's loop."""
        with self._lock:
            targets = list(self._subscribers.get(job_id, ()))
        for loop, queue in targets:
            if not loop.is_closed():
                loop.call_soon_threadsafe(queue.put_nowait, event)

    @asynccontextmanager
    async def subscribe(self, job_id: uuid.UUID) -> AsyncIterator[asyncio.Queue]:
        """Receive the job's events on a queue while the context is open."""
        entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue] = (
            asyncio.get_running_loop(),
            asyncio.Queue(),
        )
        with self._lock:
            self._subscribers.setdefault(job_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                subscribers = self._subscribers.get(job_id, set())
                subscribers.discard(entry)
                if not subscribers:
                    self._subscribers.pop(job_id, None)

    def close(self) -> None:
        """Nothing to release."""


class RedisBus:
    """Redis pub/sub bus, one channel per job: `<prefix>:<job id>`."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = url
        self.prefix = prefix
        self._client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)

    def channel(self, job_id: uuid.UUID) -> str:
        """The job's channel name."""
        return f"{self.prefix}:{job_id}"

    def publish(self, job_id: uuid.UUID, event: Event) -> None:
        """Publish the event as JSON."""
        self._client.publish(self.channel(job_id), json.dumps(event, default=str))

    @asynccontextmanager
    async def subscribe(self, job_id: uuid.UUID) -> AsyncIterator[asyncio.Queue]:
        """Receive the job's events on a queue while the context is open."""
        client = aioredis.Redis.from_url(self.url, socket_connect_timeout=2)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.channel(job_id))
        except (redis.RedisError, OSError) as exc:
            await pubsub.aclose()
            await client.aclose()
            raise BusUnavailableError(f"event bus unreachable: {type(exc).__name__}") from exc
        queue: asyncio.Queue = asyncio.Queue()

        async def pump() -> None:
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    queue.put_nowait(json.loads(message["data"]))

        task = asyncio.create_task(pump())
        try:
            yield queue
        finally:
            task.cancel()
            await asyncio.shield(_close(task, pubsub, client))

    def close(self) -> None:
        """Close the publishing connection pool."""
        self._client.close()


async def _close(task: asyncio.Task, pubsub: Any, client: aioredis.Redis) -> None:
    """Release a subscription's connection even when the caller is being cancelled."""
    await asyncio.gather(task, return_exceptions=True)
    await pubsub.aclose()
    await client.aclose()
