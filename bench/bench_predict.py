"""Benchmark: prediction throughput through the API vs calling the model in-process.

A LightGBM model is trained through a real uvicorn API (embedded mode) on a 20k x 50
synthetic table. Then batches of 1 and 1,000 rows are predicted (a) in-process with the same
predictor class the API uses, given the same row dicts, (a') in-process from the request's JSON
body (`predict_json`, what the server runs after the access check), and (b) with
`POST /api/v1/models/{id}/predict` over loopback (keep-alive, pre-encoded body) from the
standard library's `http.client`, and (b') the same from httpx, to show what the client
library itself costs. All alternate in rounds; rows per second are the median of the rounds,
ratios (b)/(a) and (b)/(a'). Prints JSON and writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_predict.py [--seconds 2] [--rounds 5]
"""

import argparse
import functools
import http.client
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import BACKEND, Stack, percentile, synthetic_table, write_section

sys.path.insert(0, str(BACKEND))


def rate(call: Any, rows: int, seconds: float, latencies: list[float] | None = None) -> float:
    """Rows per second of `call()` repeated for about `seconds` (after one warm-up call).

    Each call's duration is appended to `latencies` when given.
    """
    call()
    count, started = 0, time.perf_counter()
    while (before := time.perf_counter()) - started < seconds:
        call()
        count += 1
        if latencies is not None:
            latencies.append(time.perf_counter() - before)
    return count * rows / (time.perf_counter() - started)


def paired_extra(fast: Any, slow: Any, pairs: int) -> float:
    """Median of slow() - fast() over calls taken in pairs, back to back (load drifts cancel)."""
    differences = []
    for _ in range(pairs):
        started = time.perf_counter()
        fast()
        middle = time.perf_counter()
        slow()
        differences.append((time.perf_counter() - middle) - (middle - started))
    return statistics.median(differences)


def post_plain(
    connection: http.client.HTTPConnection, url: str, body: bytes, headers: dict[str, str]
) -> None:
    """One predict request on a keep-alive standard-library connection."""
    connection.request("POST", url, body=body, headers=headers)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"predict answered {response.status}")


def main() -> None:
    """Train once, measure both paths for both batch sizes in alternating rounds, report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="per path and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=17120)
    args = parser.parse_args()
    from app.model_registry.schemas import MAX_PREDICT_ROWS, parse_predict_request
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
            artifact_dir, {}
        )
        with httpx.Client(base_url=stack.base, headers=stack.headers, timeout=60) as client:
            url = f"/api/v1/models/{model_id}/predict"
            for size in (1, 1000):
                batch = inputs[:size]
                body = json.dumps({"inputs": batch}).encode()
                headers = {**stack.headers, "Content-Type": "application/json"}

                def with_httpx(content: bytes = body) -> None:
                    client.post(
                        url, content=content, headers={"Content-Type": "application/json"}
                    ).raise_for_status()

                def from_body(content: bytes = body) -> None:
                    if predictor.predict_json(content, MAX_PREDICT_ROWS) is None:
                        raise RuntimeError("the typed reader refused the benchmark's body")

                def general_way(content: bytes = body) -> None:
                    predictor.predict(list(parse_predict_request(content).inputs))

                local, local_body, general, api, api_httpx, latencies = [], [], [], [], [], []
                for _ in range(args.rounds):
                    local.append(rate(lambda b=batch: predictor.predict(b), size, args.seconds))
                    local_body.append(rate(from_body, size, args.seconds))
                    general.append(rate(general_way, size, args.seconds))
                    # a new connection each round: uvicorn closes one idle for 5 s
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                    plain = functools.partial(post_plain, connection, url, body, headers)
                    api.append(rate(plain, size, args.seconds, latencies))
                    connection.close()
                    api_httpx.append(rate(with_httpx, size, args.seconds))
                results[size] = {
                    "body_bytes": len(body),
                    "local": statistics.median(local),
                    "local_body": statistics.median(local_body),
                    "general": statistics.median(general),
                    "general_rounds": general,
                    "api": statistics.median(api),
                    "api_httpx": statistics.median(api_httpx),
                    "local_rounds": local,
                    "local_body_rounds": local_body,
                    "api_rounds": api,
                    "api_httpx_rounds": api_httpx,
                    "api_requests": len(latencies),
                    "api_p50_ms": percentile(latencies, 0.5) * 1000,
                    "api_p99_ms": percentile(latencies, 0.99) * 1000,
                    "api_max_ms": max(latencies) * 1000,
                }
                results[size]["ratio"] = results[size]["api"] / results[size]["local"]
                results[size]["ratio_body"] = results[size]["api"] / results[size]["local_body"]
                # the API's rows/s if the server took the general way: its time per request
                # plus what the general way costs over the typed read, in-process, measured
                # in back-to-back pairs
                extra = paired_extra(from_body, general_way, 400 if size == 1 else 60)
                results[size]["general_extra_ms"] = extra * 1000
                api_general = size / (size / results[size]["api"] + extra)
                results[size]["api_loss_general"] = 1 - api_general / results[size]["api"]
                results[size]["ratio_httpx"] = results[size]["api_httpx"] / results[size]["local"]
    load_end = os.getloadavg()[0]
    print(json.dumps({"results": results, "load_1m": [load_start, load_end]}, indent=1))
    lines = []
    for size, r in results.items():
        target = "≥ 0.5 (" + ("met" if r["ratio"] >= 0.5 else "**missed**") + ")"
        lines.append(
            f"| {size:,} | {r['body_bytes'] / 1000:,.1f} kB "
            f"| {r['local']:,.0f} rows/s ({size / r['local'] * 1000:.2f} ms) "
            f"| {r['local_body']:,.0f} rows/s ({size / r['local_body'] * 1000:.2f} ms) "
            f"| {r['general']:,.0f} rows/s ({size / r['general'] * 1000:.2f} ms) "
            f"| {r['api']:,.0f} rows/s ({size / r['api'] * 1000:.2f} ms) "
            f"| {r['ratio_httpx']:.2f} ({size / r['api_httpx'] * 1000:.2f} ms) "
            f"| **{r['ratio']:.2f}** | {r['ratio_body']:.2f} "
            f"| {r['api_loss_general']:.0%} (+{r['general_extra_ms']:.2f} ms) "
            f"| {target if size == 1000 else ''} |"
        )
    table = "\n".join(lines)
    small, big = results[1], results[1000]
    verdict = "met" if big["ratio"] >= 0.5 else "missed"
    rounds_1000 = ", ".join(
        f"{r_api / r_local:.2f}"
        for r_api, r_local in zip(big["api_rounds"], big["local_rounds"], strict=True)
    )
    write_section(
        "bench_predict",
        f"""
## Prediction throughput (`bench/bench_predict.py`)

LightGBM model (100 rounds) trained through the API on a 20k × 50 synthetic table (45 numeric,
5 categorical columns). (a) the same `LightGBMPredictor` the API uses, called in-process with
the same rows as Python dicts (validation, encoding, LightGBM, result dicts); (a') the same
predictor given the request's JSON body in-process (`predict_json`: typed read, LightGBM,
result dicts — what the server runs once the access check has passed, without rendering the
response); (a'') the same body the general way (orjson, shape check, `FeatureEncoder.rows`,
LightGBM, result dicts), what the server would run without the typed read; (b) `POST /api/v1/models/{{id}}/predict` on a real uvicorn (httptools) over loopback
from a keep-alive `http.client` connection (Python's standard library) sending a pre-encoded
body: HTTP, token check, user, model and project check (the same load-or-404 dependencies
as every other route), reading the body, prediction and the JSON response included, the
client's own encoding excluded; (b') the same requests from httpx, whose own per-request work
is the difference between the two. "(b) lost without the typed read" is the share of (b)'s
rows/s the API would lose if each request took the general way: the extra time of (a'') over
(a') is measured in back-to-back pairs (400 of 1 row, 60 of 1,000 rows; median of the
differences, so load that drifts over seconds cancels) and added to (b)'s time per request.
All five alternate
{args.rounds} times, about {args.seconds:.0f} s each; the table gives the medians. Same run,
shared 2-core machine, 1-minute load average {load_start:.2f} at the start and
{load_end:.2f} at the end (this benchmark itself keeps about one core busy).

| batch rows | body | (a) in-process, row dicts | (a') in-process, JSON body, typed read | (a'') in-process, JSON body, general way | (b) API, http.client | (b') API, httpx: ratio (time) | (b)/(a) | (b)/(a') | (b) lost without the typed read | target |
|---|---|---|---|---|---|---|---|---|---|---|
{table}

(b)/(a) for 1,000 rows in each round of this run: {rounds_1000}. Latency of each (b) request
of 1,000 rows ({big["api_requests"]:,} requests): p50 {big["api_p50_ms"]:.1f} ms, p99
{big["api_p99_ms"]:.1f} ms, max {big["api_max_ms"]:.1f} ms; of 1 row ({small["api_requests"]:,}
requests): p50 {small["api_p50_ms"]:.2f} ms, p99 {small["api_p99_ms"]:.2f} ms.

Reading the body into typed rows (2026-11-29). The server no longer builds a dict per row: a
tabular predictor reads the body itself. msgspec decodes `{{"inputs": [...]}}` into one struct
per row with a typed field per feature (number, true/false or number, text, each nullable,
from `features.json`), so decoding checks every value; the number and true/false features of
all rows then go into the matrix as one block, and each text feature through its category
lookup. A body it does not take (a number in a text column, a NaN literal, a missing column,
more than 1,000 rows) goes the general way (orjson, shape check, `FeatureEncoder.rows`), which
accepts a superset and names the bad row and column. Training, the row dicts and the typed
read are one `FeatureEncoder` (one set of category lookups per schema); the typed read is
kept as its fast path because without it a 1,000-row request loses more than 10 % (column
"(b) lost without the typed read"; 1-row requests lose nothing measurable). Runs of
2026-12-03 on the shared machine under a 1-minute load of 15–21 (so every absolute figure
above is several times slower than on an idle machine): 24 % (medians of alternating rounds),
18 % (back-to-back pairs, the run above); a run with a test suite beside it gave 6 %. The
previous recorded run (2026-11-29, load 1.5, access checked by one prebuilt statement) had
1.57 ms per 1-row and 14.52 ms per 1,000-row request; what the load-or-404 dependencies add
to a 1-row request cannot be told apart from this load and needs a run on a quiet machine. In alternating runs of the previous and the new
server (same client, 3 rounds of 4 s each side, two pairs), the median 1,000-row request went
16.3 → 12.6 ms and 17.9 → 15.0 ms. In a one-thread loop, body → matrix takes ~4.8 ms (the
decode alone ~2.7 ms, orjson's dicts ~3.2 ms), against ~3.2 + 3.7 ms for orjson and
`encode_rows` before: no type pass over all 50,000 values after parsing, no 1,000 dicts to
hash into and free (structs keep their values in slots and are not tracked by the collector).
Per-thread CPU in the server for one 1,000-row request now: the worker thread ~10 ms (access
check, read, LightGBM's first thread, results, rendering), the event loop ~1.7 ms (HTTP), the
client ~0.8 ms; LightGBM's second thread ~7 ms, most of it spinning while idle.

Earlier steps, each measured in alternating runs: the access check was for a while one
statement built at import (token → active user → model → the user's role in its project),
which took a 1-row request from 2.7 to 1.55 ms; it was given up (2026-12-03) so that predict
checks access with the same load-or-404 dependencies as every other route (one set of rules
to keep right), at the cost shown in the 1-row row above; a model load freezes the objects it brings in (LightGBM and
pandas, ~60,000), so the collector's full passes no longer walk them (25–94 ms pauses every
~25 large requests before; p99 49.8 → 25.7 ms).

Measured and not kept: the collector off or with a larger young generation (no faster or
slower); releasing the parsed rows after the response (the next request waits for the GIL
instead); 2–4 client connections (both sides are bound by one core's Python work); columnar
JSON readers given the schema (pyarrow's NDJSON reader 7.5 ms, polars 6.7 ms for this body);
letting uvicorn buffer 1 MB of body before pausing reads (needs patching a module constant;
no gain per request). `OMP_WAIT_POLICY=PASSIVE` in the server saves ~4 ms of CPU per
1,000-row request (LightGBM's idle thread stops spinning) but no latency in alternating runs
(two pairs: 12.6 vs 12.3–12.9 ms, 13.5 vs 12.9–13.7 ms),
and the same setting in a training process nearly doubles LightGBM's training time (400
rounds on 100k × 50: 4.1 → 7.6 s), so trainer children would have to be started without it:
not done. uvicorn's zttp HTTP parser carries this request through a bare app in 0.55 ms
against httptools' 1.7 ms, but its authors mark it experimental.
Other runs of this code on 2026-11-29 (5 rounds each): 0.60, 0.64, 0.63; an earlier version of
the typed read (rows picked as tuples, then transposed) measured 0.54 in a busier period.
The 1,000-row target is {verdict} in this run.
""",
    )


if __name__ == "__main__":
    main()
