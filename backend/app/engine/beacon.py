"""Worker liveness: each Celery worker refreshes a Redis key with a time to live.

`/ready` counts the keys, so it can say whether any worker is alive without asking the
workers (a dead pool answers nothing; its keys expire).
"""

import contextlib
import logging
import socket
import threading

import redis

from app.engine.config import JobSettings

logger = logging.getLogger("app.engine.beacon")


def beacon_pattern(job_settings: JobSettings) -> str:
    """The keys of every live worker."""
    return f"{job_settings.events_prefix}:worker:*"


class WorkerBeacon:
    """Refreshes `<prefix>:worker:<name>` every heartbeat, expiring after the stale limit."""

    def __init__(self, redis_url: str, job_settings: JobSettings, name: str | None = None) -> None:
        self.client = redis.Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=2)
        self.job_settings = job_settings
        self.key = f"{job_settings.events_prefix}:worker:{name or socket.gethostname()}"
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        """Start refreshing."""
        self.stopped.clear()
        self.thread = threading.Thread(target=self._loop, name="worker-beacon", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop refreshing and remove the key (a clean stop is seen at once)."""
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(10)
        with contextlib.suppress(redis.RedisError):
            self.client.delete(self.key)
        self.client.close()

    def _loop(self) -> None:
        ttl = max(1, int(self.job_settings.stale_after_seconds))
        while True:
            try:
                self.client.set(self.key, "alive", ex=ttl)
            except redis.RedisError as exc:
                logger.warning("worker beacon not refreshed: %s", type(exc).__name__)
            if self.stopped.wait(self.job_settings.heartbeat_seconds):
                return


def count_workers(redis_url: str, job_settings: JobSettings) -> int:
    """How many workers refreshed their key within the stale limit (raises when unreachable)."""
    client = redis.Redis.from_url(redis_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        return sum(1 for _ in client.scan_iter(match=beacon_pattern(job_settings), count=100))
    finally:
        client.close()
