"""Benchmark: /v1 chat completions (streamed) vs `generate` in-process on the same model.

A chat model version (a base model + a fresh LoRA adapter) is registered in a real uvicorn API
(embedded mode, SQLite). The base is SmolLM2-135M-Instruct when it is installed under
data/models/base/, otherwise a random 4-layer Llama built here (hidden 256, a BPE tokenizer
trained offline). Rounds alternate: (a) in-process, the serving worker's own loader and
generation function (`generate` with a TextIteratorStreamer, greedy) called directly, and (b) `POST /v1/chat/completions` with
`stream: true` through the `openai` client. Reported: tokens per second (generated tokens /
wall time, median of rounds) and the ratio (b)/(a); time to the first text (median), and the
overhead (b) − (a); the serving worker's peak RSS (VmHWM). A third path (c) gives the floor of
(b) on this machine: `serving_bare.py`, a bare uvicorn SSE endpoint relaying the same
generation from a child process through a pipe (no key, database or model lookup), timed with
the same client; (b) − (c) is the platform's own part. Prints JSON and writes its section of
docs/benchmarks.md.

    .venv/bin/python bench/bench_serving.py [--tokens 128] [--rounds 5] [--base PATH]
"""

import argparse
import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import openai
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import BACKEND, PY, Stack, write_section

sys.path.insert(0, str(BACKEND))

BARE = Path(__file__).resolve().parent / "serving_bare.py"
MESSAGES = [
    {"role": "system", "content": "你是一个乐于助人的助手。"},
    {"role": "user", "content": "请用三句话介绍一下长城的历史。"},
]


def build_small_base(folder: Path) -> Path:
    """A random 4-layer Llama (hidden 256) with the tests' offline tokenizer."""
    from tests.tiny_llm import SMALL_SHAPE, build_chat_base

    return build_chat_base(folder, shape=SMALL_SHAPE)


def register(stack: Stack, base: Path) -> tuple[str, dict[str, Any]]:
    """Install the base, register an adapter version in the bench project; its id and spec."""
    from app.core.config import Settings
    from app.db.models import ModelVersion
    from app.db.session import Database
    from app.model_registry import storage
    from tests.tiny_llm import build_adapter_version

    models = Path(stack.env["MODEL_STORAGE_PATH"])
    installed = models / "base" / base.name
    if not installed.exists():
        shutil.copytree(base, installed)
    settings = Settings(_env_file=None, model_storage_path=models)  # type: ignore[call-arg]
    project_id = uuid.UUID(stack.project())
    version_id = uuid.uuid4()
    target = storage.version_dir(settings, project_id, version_id)
    files = build_adapter_version(target, installed)
    artifacts = storage.inventory(target, files)
    db = Database(stack.env["DATABASE_URL"])
    with db.session_scope() as session:
        session.add(
            ModelVersion(
                id=version_id,
                project_id=project_id,
                name="bench-chat",
                task_type="llm_sft",
                trainer="sft",
                model_format="peft_lora",
                artifacts=artifacts,
                size_bytes=sum(a["size"] for a in artifacts),
                artifact_dir=str(target.relative_to(models)),
            )
        )
    db.dispose()
    spec = {"id": str(version_id), "root": str(target), "base_root": str(models / "base")}
    return str(version_id), {**spec, "artifacts": artifacts}


def in_process(loaded: Any, tokens: int) -> tuple[float, float, int]:
    """Seconds to the first text, total seconds and tokens of the worker's generation, here."""
    from app.serving.worker.generate import run_generation

    started = time.perf_counter()
    first: list[float] = []

    def emit(reply: dict[str, Any]) -> None:
        if reply["text"] and not first:
            first.append(time.perf_counter() - started)

    params = {"max_tokens": tokens, "temperature": 0}
    done = run_generation(loaded, MESSAGES, params, threading.Event(), emit)
    return first[0], time.perf_counter() - started, done["completion_tokens"]


def through_api(client: openai.OpenAI, model: str, tokens: int) -> tuple[float, float, int]:
    """Seconds to the first content chunk, total seconds and tokens of one streamed /v1 call."""
    started = time.perf_counter()
    first, usage = 0.0, 0
    stream = client.chat.completions.create(
        model=model,
        messages=MESSAGES,
        max_tokens=tokens,
        temperature=0,
        stream=True,  # type: ignore[arg-type]
        stream_options={"include_usage": True},
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content and not first:
            first = time.perf_counter() - started
        if chunk.usage:
            usage = chunk.usage.completion_tokens
    return first, time.perf_counter() - started, usage


def start_bare(spec: dict[str, Any], port: int) -> subprocess.Popen[bytes]:
    """The bare relay (`serving_bare.py`) on `port`, once it accepts connections."""
    process = subprocess.Popen([PY, str(BARE), "server", json.dumps(spec), str(port)])
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the bare relay did not start")


def worker_peak_rss(api_pid: int) -> int:
    """VmHWM (peak resident set) of the API's serving worker process, in bytes."""
    for child in psutil.Process(api_pid).children(recursive=True):
        if "app.serving.worker" in " ".join(child.cmdline()):
            for line in Path(f"/proc/{child.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    raise RuntimeError("no serving worker process found")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--base", type=Path, default=None)
    parser.add_argument("--port", type=int, default=8791)
    args = parser.parse_args()
    import torch
    from app.core.config import get_settings
    from app.serving.worker.__main__ import torch_threads
    from app.serving.worker.models import load_model

    torch.set_num_threads(torch_threads(0))  # as many threads as the serving worker uses

    with Stack(args.port) as stack:
        smollm2 = Path(get_settings().model_storage_path) / "base" / "SmolLM2-135M-Instruct"
        base = args.base or (smollm2 if smollm2.is_dir() else None)
        base = base or build_small_base(stack.root / "small-llama")
        model_id, spec = register(stack, base)
        key = httpx.post(
            f"{stack.base}/api/v1/projects/{stack.project()}/api-keys",
            json={"name": "bench"},
            headers=stack.headers,
        ).json()["key"]
        client = openai.OpenAI(api_key=key, base_url=f"{stack.base}/v1", max_retries=0)
        loaded = load_model(spec)
        bare_process = start_bare(spec, args.port + 1)
        try:
            bare_client = openai.OpenAI(
                api_key="none", base_url=f"http://127.0.0.1:{args.port + 1}/v1", max_retries=0
            )
            through_api(client, model_id, 8)
            through_api(bare_client, model_id, 8)
            in_process(loaded, 8)
            local, served, bare = [], [], []
            for _ in range(args.rounds):
                local.append(in_process(loaded, args.tokens))
                served.append(through_api(client, model_id, args.tokens))
                bare.append(through_api(bare_client, model_id, args.tokens))
            peak = worker_peak_rss(stack.processes[0].pid)
        finally:
            bare_process.terminate()
            bare_process.wait(30)

    def rate(runs: list[tuple[float, float, int]]) -> float:
        return statistics.median(n / total for _, total, n in runs)

    def ttft(runs: list[tuple[float, float, int]]) -> float:
        return statistics.median(first for first, _, _ in runs) * 1000

    result = {
        "base_model": base.name,
        "tokens": args.tokens,
        "rounds": args.rounds,
        "in_process_tokens_per_s": round(rate(local), 1),
        "v1_stream_tokens_per_s": round(rate(served), 1),
        "ratio": round(rate(served) / rate(local), 3),
        "in_process_ttft_ms": round(ttft(local), 1),
        "v1_ttft_ms": round(ttft(served), 1),
        "ttft_overhead_ms": round(ttft(served) - ttft(local), 1),
        "bare_tokens_per_s": round(rate(bare), 1),
        "bare_ttft_ms": round(ttft(bare), 1),
        "bare_ttft_overhead_ms": round(ttft(bare) - ttft(local), 1),
        "platform_ttft_ms": round(ttft(served) - ttft(bare), 1),
        "worker_peak_rss_mib": round(peak / 2**20, 1),
        "generated_tokens": [n for _, _, n in served],
    }
    print(json.dumps(result, ensure_ascii=False, indent=2))
    write_section(
        "serving",
        f"""## LLM serving: /v1 streaming vs in-process `generate` (`bench/bench_serving.py`)

Base model `{result["base_model"]}` + a LoRA adapter (merged at load), CPU, greedy,
`max_tokens` {args.tokens}, {args.rounds} alternating rounds (a, b, c), the medians. (a) in-process: the
serving worker's loader and generation function (`generate` + `TextIteratorStreamer`) called
directly, so the difference is the platform's path (HTTP, key and model lookups, the pipe to
the worker process, SSE); (b) `POST
/v1/chat/completions` with `stream: true` through the `openai` client over loopback (a real
uvicorn API and its serving worker process); (c) the floor of (b) on this machine: a bare
uvicorn SSE endpoint (`bench/serving_bare.py`) relaying the same generation from a child process
through a pipe, no key, database or model lookup, same client. (b) − (c) is the platform's part.

| | (a) in-process | (b) /v1 stream | (c) bare relay | (b)/(a) or (b) − (a) | (c) − (a) | (b) − (c) | target |
|---|---:|---:|---:|---:|---:|---:|---|
| tokens/s | {result["in_process_tokens_per_s"]} | {result["v1_stream_tokens_per_s"]} | {result["bare_tokens_per_s"]} | {result["ratio"]} | | | ≥ 0.9 |
| time to first text (ms) | {result["in_process_ttft_ms"]} | {result["v1_ttft_ms"]} | {result["bare_ttft_ms"]} | {result["ttft_overhead_ms"]} | {result["bare_ttft_overhead_ms"]} | {result["platform_ttft_ms"]} | ≤ 30 ms |

Serving worker peak RSS (VmHWM): {result["worker_peak_rss_mib"]} MiB (Python, torch,
transformers, peft and the one loaded model).
""",
    )


if __name__ == "__main__":
    main()
