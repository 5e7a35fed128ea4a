"""Benchmark: prediction throughput through the API vs calling the model in-process.

A LightGBM model is trained through a real uvicorn API (embedded mode) on a 20k x 50
synthetic table. Then batches of 1 and 1,000 rows are predicted (a) in-process with the same
predictor class the API uses, given the same row dicts, and (b) with
`POST /api/v1/models/{id}/predict` over loopback (keep-alive, pre-encoded body). (a) and (b)
alternate in rounds; rows per second are the median of the rounds, ratio (b)/(a). The
in-process parse of the same body (`parse_predict_request`) is timed too, to show what the
request adds. Prints JSON and writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_predict.py [--seconds 2] [--rounds 3]
"""

import argparse
import json
import os
import statistics
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
    """Train once, measure both paths for both batch sizes in alternating rounds, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="per path and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=17120)
    args = parser.parse_args()
    from app.model_registry.schemas import parse_predict_request
    from app.trainers.registry import get_trainer

    frame = synthetic_table(20_000)
    inputs = frame.drop(columns=["target"]).head(1000).to_dict("records")
    load_start = os.getloadavg()[0]
    results: dict[int, dict[str, Any]] = {}
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
                body = json.dumps({"inputs": batch}).encode()

                def remote(content: bytes = body) -> None:
                    client.post(url, content=content,
                                headers={"Content-Type": "application/json"}).raise_for_status()

                local, api = [], []
                for _ in range(args.rounds):
                    local.append(rate(lambda b=batch: predictor.predict(b), size, args.seconds))
                    api.append(rate(remote, size, args.seconds))
                parse = rate(lambda c=body: parse_predict_request(c), 1, args.seconds)
                results[size] = {
                    "body_bytes": len(body), "local": statistics.median(local),
                    "api": statistics.median(api), "local_rounds": local, "api_rounds": api,
                    "parse_ms": 1000 / parse,
                }
                results[size]["ratio"] = results[size]["api"] / results[size]["local"]
    load_end = os.getloadavg()[0]
    print(json.dumps({"results": results, "load_1m": [load_start, load_end]}, indent=1))
    lines = []
    for size, r in results.items():
        target = "≥ 0.5 (" + ("met" if r["ratio"] >= 0.5 else "**missed**") + ")"
        lines.append(
            f"| {size:,} | {r['body_bytes'] / 1000:,.1f} kB | {r['local']:,.0f} rows/s "
            f"({size / r['local'] * 1000:.2f} ms) | {r['api']:,.0f} rows/s "
            f"({size / r['api'] * 1000:.2f} ms) | {r['parse_ms']:.2f} ms | **{r['ratio']:.2f}** "
            f"| {target if size == 1000 else ''} |")
    table = "\n".join(lines)
    verdict = "met" if results[1000]["ratio"] >= 0.5 else "missed"
    write_section("bench_predict", f"""
## Prediction throughput (`bench/bench_predict.py`)

LightGBM model (100 rounds) trained through the API on a 20k × 50 synthetic table (45 numeric,
5 categorical columns). (a) the same `LightGBMPredictor` the API uses, called in-process with
the same row dicts (validation, encoding, LightGBM, result dicts); (b)
`POST /api/v1/models/{{id}}/predict` on a real uvicorn (httptools) over loopback with a
keep-alive client sending a pre-encoded body: body parse, token check, user and model lookups,
project check, row validation and the JSON response included, the client's own encoding
excluded. (a) and (b) alternate {args.rounds} times, about {args.seconds:.0f} s each; the table
gives the medians. "body parse" is `parse_predict_request` on the same body, in-process. Same
run, shared 2-core machine, 1-minute load average {load_start:.2f} at the start and
{load_end:.2f} at the end (this benchmark itself keeps about one core busy).

| batch rows | body | (a) in-process | (b) API | body parse | (b)/(a) | target |
|---|---|---|---|---|---|---|
{table}

Where (b) loses. The 1-row batch shows the fixed cost of a request: the round trip through
uvicorn, the middleware stack, FastAPI's routing, and one worker-thread hop that checks the
token, looks up the user and the model, checks the project, then parses, predicts and renders
(it was four hops: user, model, commit, predict; in-process over ASGI a 1-row request went
from ~2.6–4.3 ms to ~1.8–2.8 ms in alternating runs); the model itself is ~0.1 ms of it. For 1,000 rows (b) adds to that fixed cost the body parse (column "body parse":
orjson and a shape check), receiving the 1.3 MB body (uvicorn pauses reading at 64 kB until
the app takes each chunk, so the body arrives in ~20 event-loop round trips; sampling the
server with py-spy put about a fifth of its time in the event loop's own receive code),
encoding fresh, cache-cold row objects where (a) reuses one list, and freeing ~50,000 parsed
objects. Full garbage-collection passes skip the objects frozen at import (~0.3 s → ~0.08 s a
pass). Earlier rounds made the predictor itself ~2× faster, which raises (a) as much as (b):
the fixed request cost and the JSON body now weigh as much as the model, and the 0.5 target
for 1,000-row batches is {verdict}.

Per-stage timers inside the server (a temporary patch, 3,100 requests of 1,000 rows, medians):
routing to the handler 0.6 ms, rest of the body 0.6 ms, thread hop 0.2 ms, token + user +
model + project check 2.0 ms, orjson parse 5.8 ms, predict 11.6 ms, render 0.2 ms, freeing and
the hop back 0.2 ms, response 0.3 ms; the client saw ~5 ms more (sending 1.3 MB and reading
the answer; a raw-socket client instead of httpx or http.client changed that by ~1 ms). The
same parse and predict run ~40% faster in a tight in-process loop than inside a request.
Tried and dropped, no difference beyond noise in alternating runs: garbage collection off or
with a 20,000-object threshold in the server, `OMP_WAIT_POLICY=PASSIVE` for LightGBM's
threads, msgspec instead of orjson (slower here), and pyarrow's JSON reader to parse the rows
straight into columns (11 ms against orjson's 6 ms for this body).
""")


if __name__ == "__main__":
    main()
