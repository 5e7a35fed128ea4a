"""Benchmark: prediction throughput through the API vs calling the model in-process.

A LightGBM model is trained through a real uvicorn API (embedded mode) on a 20k x 50
synthetic table. Then batches of 1 and 1,000 rows are predicted (a) in-process with the same
predictor class the API uses, given the same row dicts, and (b) with
`POST /api/v1/models/{id}/predict` over loopback (keep-alive, pre-encoded body) from the
standard library's `http.client`, and (b') the same from httpx, to show what the client
library itself costs. (a), (b) and (b') alternate in rounds; rows per second are the median of
the rounds, ratio (b)/(a). The in-process parse of the same body (`parse_predict_request`) is
timed too, to show what the request adds. Prints JSON and writes its section of
docs/benchmarks.md.

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

                local, api, api_httpx, latencies = [], [], [], []
                for _ in range(args.rounds):
                    local.append(rate(lambda b=batch: predictor.predict(b), size, args.seconds))
                    # a new connection each round: uvicorn closes one idle for 5 s
                    connection = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
                    plain = functools.partial(post_plain, connection, url, body, headers)
                    api.append(rate(plain, size, args.seconds, latencies))
                    connection.close()
                    api_httpx.append(rate(with_httpx, size, args.seconds))
                parse = rate(lambda c=body: parse_predict_request(c), 1, args.seconds)
                results[size] = {
                    "body_bytes": len(body),
                    "local": statistics.median(local),
                    "api": statistics.median(api),
                    "api_httpx": statistics.median(api_httpx),
                    "local_rounds": local,
                    "api_rounds": api,
                    "api_httpx_rounds": api_httpx,
                    "parse_ms": 1000 / parse,
                    "api_requests": len(latencies),
                    "api_p50_ms": percentile(latencies, 0.5) * 1000,
                    "api_p99_ms": percentile(latencies, 0.99) * 1000,
                    "api_max_ms": max(latencies) * 1000,
                }
                results[size]["ratio"] = results[size]["api"] / results[size]["local"]
                results[size]["ratio_httpx"] = results[size]["api_httpx"] / results[size]["local"]
    load_end = os.getloadavg()[0]
    print(json.dumps({"results": results, "load_1m": [load_start, load_end]}, indent=1))
    lines = []
    for size, r in results.items():
        target = "≥ 0.5 (" + ("met" if r["ratio"] >= 0.5 else "**missed**") + ")"
        lines.append(
            f"| {size:,} | {r['body_bytes'] / 1000:,.1f} kB | {r['local']:,.0f} rows/s "
            f"({size / r['local'] * 1000:.2f} ms) | {r['api']:,.0f} rows/s "
            f"({size / r['api'] * 1000:.2f} ms) | {r['ratio_httpx']:.2f} "
            f"({size / r['api_httpx'] * 1000:.2f} ms) | {r['parse_ms']:.2f} ms "
            f"| **{r['ratio']:.2f}** | {target if size == 1000 else ''} |"
        )
    table = "\n".join(lines)
    verdict = "met" if results[1000]["ratio"] >= 0.5 else "missed"
    rounds_1000 = ", ".join(
        f"{r_api / r_local:.2f}"
        for r_api, r_local in zip(
            results[1000]["api_rounds"], results[1000]["local_rounds"], strict=True
        )
    )
    small, big = results[1], results[1000]
    write_section(
        "bench_predict",
        f"""
## Prediction throughput (`bench/bench_predict.py`)

LightGBM model (100 rounds) trained through the API on a 20k × 50 synthetic table (45 numeric,
5 categorical columns). (a) the same `LightGBMPredictor` the API uses, called in-process with
the same row dicts (validation, encoding, LightGBM, result dicts); (b)
`POST /api/v1/models/{{id}}/predict` on a real uvicorn (httptools) over loopback from a
keep-alive `http.client` connection (Python's standard library) sending a pre-encoded body:
body parse, token check, user, model and project check, row validation and the JSON response
included, the client's own encoding excluded; (b') the same requests from httpx, whose own
per-request work is the difference between the two. (a), (b) and (b') alternate
{args.rounds} times, about {args.seconds:.0f} s each; the table gives the medians. "body parse"
is `parse_predict_request` on the same body, in-process. Same run, shared 2-core machine,
1-minute load average {load_start:.2f} at the start and {load_end:.2f} at the end (this
benchmark itself keeps about one core busy).

| batch rows | body | (a) in-process | (b) API, http.client | (b') API, httpx: ratio (time) | body parse | (b)/(a) | target |
|---|---|---|---|---|---|---|---|
{table}

(b)/(a) for 1,000 rows in each round of this run: {rounds_1000}. Latency of each (b) request
of 1,000 rows ({big["api_requests"]:,} requests): p50 {big["api_p50_ms"]:.1f} ms, p99
{big["api_p99_ms"]:.1f} ms, max {big["api_max_ms"]:.1f} ms; of 1 row ({small["api_requests"]:,}
requests): p50 {small["api_p50_ms"]:.2f} ms, p99 {small["api_p99_ms"]:.2f} ms.

What a request costs now. The access check is one statement built once at import (token →
active user → model → the user's role in its project, only the columns serving needs), run on
a plain connection: a 1-row request went from 2.7 ms to 1.55 ms and a 1,000-row one from 19.5
to 17.5 ms (http.client, alternating runs of the previous and the new code); the three ORM
lookups it replaces cost ~1.0 ms in-process, the prebuilt statement ~0.2 ms (building a
`select()` per request cost more than running it). Per-stage timers inside the server (a
temporary patch, medians of 1,000-row requests): routing to the handler 0.5 ms, the rest of
the body 0.6 ms, thread hop 0.15 ms, access check 0.6 ms, orjson parse 4.4 ms, predict
10.3 ms, render and freeing the parsed rows 0.9 ms, hop back 0.15 ms; the client sees ~0.5 ms
more. The same predictor on the same (already parsed, cache-warm) dicts takes ~8.5 ms in (a):
(a) reuses one list where the server encodes fresh, cache-cold row objects. A bare ASGI app
doing only "read the body, parse, predict in a worker thread" on the same uvicorn answers in
~16 ms, so the platform's own layers (middleware, routing, access check, error handling) add
~1.5 ms to a 1,000-row request.

Collector pauses (2026-11-29). A model's first load imports its libraries (LightGBM and pandas
here, ~60,000 objects) after app.main has frozen the startup objects, so every full pass of
the garbage collector walked them: timed with `gc.callbacks` inside the server, a full pass
took 25–94 ms and came every ~25 requests of 1,000 rows (~1.5 ms a request on average, and
a long pause for whichever request met it). The load now freezes what it brought in; full
passes take 0.4–0.9 ms. In alternating runs of the code before and after (6 rounds each,
~550 requests of 1,000 rows per side): p99 49.8 → 25.7 ms, max 63.8 → 30.9 ms, mean time
−4%. The p99 above includes whatever pauses remain.

Why 0.5 is at the edge here. Any speed-up of the predictor raises (a) as much as (b), so only
the request's own cost counts, and its largest part is parsing 1.3 MB of JSON into ~50,000
Python objects (~4.4 ms, half of (a) by itself; no faster parser was found: msgspec, pyarrow's
JSON reader (11 ms) and polars' (10 ms) are all slower than orjson for this body). Tried and
dropped, no difference beyond noise in alternating runs: garbage collection off or with a
20,000-object threshold in the server, `OMP_WAIT_POLICY=PASSIVE` for LightGBM's threads, and
letting uvicorn buffer 1 MB of body instead of 64 kB before it pauses reading (its bare drain
of this body halves, but the request as a whole did not get faster).

Also measured and not kept (2026-11-29). Freeing the ~50,000 parsed objects costs ~1.2 ms in the
server (~0.5 ms in a one-thread loop); releasing them after the response is sent (a background
task) did not make back-to-back requests faster, because the next request then waits for the
GIL while they are freed. Turning the collector off in the server (after the freeze above)
was no faster (alternating runs: 15.1–15.8 ms with it on, 14.5–16.9 ms off), and a young
generation of 10,000 objects instead of 700 was slower (16.7–18.9 against 15.5–16.5 ms).
More client connections (2–4) or two in-process threads do not raise either side's rows/s:
both are bound by one core's Python work. Columnar parsers given the
schema are slower than orjson building the row dicts (pyarrow's NDJSON reader 7.5 ms, polars
6.7 ms, orjson 3.3 ms for this body). uvicorn's experimental zttp HTTP parser (`--http zttp`)
carries this 1.3 MB request and its response through a bare app in 0.55 ms against httptools'
1.7 ms, about 7% of (b); it is not used because its authors mark it not ready for production.

Runs of this code on 2026-11-29 besides the one above: 0.49 and 0.54 (3 rounds), 0.47 and
0.54 (5 rounds); rounds within one run ranged 0.44–0.62. The ratio sits at 0.5 within this
machine's noise, so the target is not met reliably.
The 1,000-row target is {verdict} in this run.
""",
    )


if __name__ == "__main__":
    main()
