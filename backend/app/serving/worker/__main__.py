"""`python -m app.serving.worker '<json settings>'`: the serving worker of one API process.

Reads requests from stdin and writes replies to the original stdout (JSON lines, see
`protocol`); anything libraries print goes to stderr. Generations run in a pool of
`max_concurrent` threads; requests beyond that wait in the pool's queue (the API process
bounds how many it sends). When stdin closes, the worker finishes what runs and exits.
"""

import logging
import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

import orjson

from app.serving.worker.models import ModelCache
from app.serving.worker.protocol import ServingError, decode, encode

logger = logging.getLogger("app.serving.worker")


class Worker:
    """Routes requests to the generation pool and replies through one locked writer."""

    def __init__(self, out: BinaryIO, *, max_loaded: int, max_concurrent: int) -> None:
        self.out = out
        self.write_lock = threading.Lock()
        self.cache = ModelCache(max_loaded)
        self.pool = ThreadPoolExecutor(max_concurrent, thread_name_prefix="serve")
        self.cancelled: dict[str, threading.Event] = {}

    def send(self, message: dict[str, Any]) -> None:
        """Write one reply line."""
        line = encode(message)
        with self.write_lock:
            self.out.write(line)
            self.out.flush()

    def handle(self, message: dict[str, Any]) -> None:
        """Start a generation or cancel one."""
        request_id = message["id"]
        if message["op"] == "cancel":
            event = self.cancelled.get(request_id)
            if event is not None:
                event.set()
            return
        self.cancelled[request_id] = threading.Event()
        self.pool.submit(self.generate, message)

    def generate(self, message: dict[str, Any]) -> None:
        """Run one request to its end and always answer `done` or `error`."""
        from app.serving.worker.generate import run_generation

        request_id = message["id"]
        cancelled = self.cancelled[request_id]

        def emit(reply: dict[str, Any]) -> None:
            self.send({"id": request_id, **reply})

        try:
            if cancelled.is_set():
                return
            loaded = self.cache.acquire(message["model"])
            try:
                result = run_generation(
                    loaded, message["messages"], message["params"], cancelled, emit
                )
            finally:
                self.cache.release(loaded)
            emit({"type": "done", **result})
        except ServingError as exc:
            emit({"type": "error", "status": exc.status, "code": exc.code, "message": exc.message})
        except Exception:
            logger.exception("generation failed")
            emit(
                {
                    "type": "error",
                    "status": 500,
                    "code": "generation_failed",
                    "message": "The model failed while generating; see the server log.",
                }
            )
        finally:
            self.cancelled.pop(request_id, None)


def torch_threads(configured: int) -> int:
    """The configured thread count, or every core but one (at least one)."""
    return configured or max(1, (os.cpu_count() or 1) - 1)


def serve(read_line: Callable[[], bytes], worker: Worker) -> None:
    """Handle requests until stdin closes."""
    while line := read_line():
        worker.handle(decode(line))
    worker.pool.shutdown(wait=True, cancel_futures=True)


def main() -> None:
    """Keep the protocol on a private copy of stdout; everything else printed goes to stderr."""
    options = orjson.loads(sys.argv[1])
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    # Imported once here: the generation threads must not race through lazy imports.
    import peft  # noqa: F401
    import torch
    import transformers  # noqa: F401
    from transformers import AutoModelForCausalLM, AutoTokenizer  # noqa: F401

    torch.set_num_threads(torch_threads(options.get("torch_threads", 0)))

    worker = Worker(out, max_loaded=options["max_loaded"], max_concurrent=options["max_concurrent"])
    serve(sys.stdin.buffer.readline, worker)


if __name__ == "__main__":
    main()
