"""The API process's side of its serving worker: start it, admit requests, relay replies.

One worker process per API process, started on the first chat request. A reader thread
reads the worker's reply lines and hands each to the asyncio queue of its request on that
request's event loop, so nothing in the event loop ever waits on the worker.
"""

import asyncio
import logging
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from app.core.config import Settings
from app.core.errors import AppError, ServiceUnavailable, TooManyRequests
from app.serving.worker.protocol import decode, encode

logger = logging.getLogger("app.serving")
BACKEND_DIR = Path(__file__).resolve().parents[2]
RETRY_AFTER_SECONDS = 1
STOP_GRACE_SECONDS = 10


class GenerationFailed(AppError):
    """The worker answered an error (its status and code are kept)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message, code=code)
        self.status_code = status


def server_busy() -> TooManyRequests:
    """The 429 a full server answers, with the time to wait."""
    return TooManyRequests(
        "The model server is busy: every generation slot and queue place is taken. "
        f"Retry in {RETRY_AFTER_SECONDS} s.",
        code="server_busy",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


class Slots:
    """How many generations this API process has in flight, bounded (running + waiting)."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._in_flight = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        """Take one slot, or answer 429 with Retry-After when every slot is taken."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise server_busy()
            self._in_flight += 1

    def give_back(self) -> None:
        """Free one slot."""
        with self._lock:
            self._in_flight -= 1


@dataclass
class _Pending:
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]]


class ServingClient:
    """Admission control (bounded in flight) and the pipe to the worker process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.slots = Slots(settings.serving_max_concurrent + settings.serving_max_queued)
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._pending: dict[str, _Pending] = {}

    def _ensure_started(self) -> subprocess.Popen[bytes]:
        """The running worker, started now if it is not running."""
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                return self._process
            options = {
                "max_loaded": self.settings.serving_max_loaded_models,
                "max_concurrent": self.settings.serving_max_concurrent,
                "torch_threads": self.settings.serving_torch_threads,
            }
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(
                filter(None, [str(BACKEND_DIR), env.get("PYTHONPATH")])
            )
            process = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
                [sys.executable, "-m", "app.serving.worker", orjson.dumps(options).decode()],
                cwd=BACKEND_DIR,
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
            self._process = process
        threading.Thread(
            target=self._read_replies, args=(process,), name="serving-replies", daemon=True
        ).start()
        logger.info("serving worker started", extra={"pid": process.pid})
        return process

    def _read_replies(self, process: subprocess.Popen[bytes]) -> None:
        """Hand each reply to its request; when the worker dies, fail what is in flight."""
        assert process.stdout is not None
        for line in process.stdout:
            message = decode(line)
            pending = self._pending.get(message["id"])
            if pending is not None:
                pending.loop.call_soon_threadsafe(pending.queue.put_nowait, message)
        code = process.wait()
        lost = {
            "type": "error",
            "status": 503,
            "code": "serving_worker_died",
            "message": f"The model server process ended (exit status {code}); retry the request.",
        }
        for pending in list(self._pending.values()):
            pending.loop.call_soon_threadsafe(pending.queue.put_nowait, lost)

    def _send(self, process: subprocess.Popen[bytes], message: dict[str, Any]) -> None:
        stdin: IO[bytes] | None = process.stdin
        assert stdin is not None
        with self._lock:
            stdin.write(encode(message))
            stdin.flush()

    async def generate(
        self, model: dict[str, Any], messages: list[dict[str, Any]], params: dict[str, Any]
    ) -> AsyncGenerator[dict[str, Any]]:
        """Replies for one generation: deltas, then `done` (errors raise `GenerationFailed`).

        Admission happens before the first reply is awaited, so a full server answers 429
        before any response starts. Closing the iterator early cancels the generation.
        """
        self.slots.take()
        request_id = uuid.uuid4().hex
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._pending[request_id] = _Pending(asyncio.get_running_loop(), queue)
        finished = False
        try:
            process = self._process
            if process is None or process.poll() is not None:
                process = await asyncio.to_thread(self._ensure_started)
            request: dict[str, Any] = {"op": "generate", "id": request_id, "model": model}
            request.update(messages=messages, params=params)
            # Written from the event loop: the worker's main thread does nothing but read its
            # stdin, so the pipe drains at once (a thread hop here cost more than the write).
            self._send(process, request)
            while True:
                message = await queue.get()
                if message["type"] == "error":
                    finished = True
                    raise GenerationFailed(message["status"], message["code"], message["message"])
                finished = message["type"] == "done"
                yield message
                if finished:
                    return
        except (BrokenPipeError, OSError) as exc:
            finished = True
            raise ServiceUnavailable(
                "The model server process is not available; retry the request.",
                code="serving_worker_died",
            ) from exc
        finally:
            self._pending.pop(request_id, None)
            self.slots.give_back()
            if not finished and self._process is not None:
                self._cancel(request_id)

    def _cancel(self, request_id: str) -> None:
        try:
            if self._process is not None:
                self._send(self._process, {"op": "cancel", "id": request_id})
        except OSError:
            logger.warning("could not cancel a generation: the worker is gone")

    async def aclose(self) -> None:
        """Stop the worker without holding up the event loop."""
        await asyncio.to_thread(self.close)

    def close(self) -> None:
        """Stop the worker: close its stdin, then kill it if it does not exit in time."""
        process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
