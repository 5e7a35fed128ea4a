"""Benchmark: event latency from the trainer's report to a WebSocket client.

Every protocol line carries the trainer's wall-clock `ts`; a WebSocket client (on the API
process) records `now - ts` for each progress/metrics event of a job that reports a metric
every boosting round. Run with a real Celery worker + Redis pub/sub (worker and API in
different processes), and in embedded mode. Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_events.py [--rounds 1500]
"""

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

from websockets.sync.client import connect

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import Stack, percentile, synthetic_table, write_section


def measure(port: int, rounds: int, celery: bool) -> list[float]:
    """Latencies (s) of live events of one job."""
    latencies: list[float] = []
    with Stack(port, celery=celery) as stack:
        dataset = stack.upload(synthetic_table(3000), "events")
        job_id = stack.submit(
            dataset,
            {
                "n_estimators": rounds,
                "early_stopping_rounds": 0,
                "learning_rate": 0.01,
                "num_threads": 1,
            },
        )
        token = stack.headers["Authorization"].removeprefix("Bearer ")
        url = f"ws://127.0.0.1:{port}/ws/jobs/{job_id}?token={token}"
        done = threading.Event()
        with connect(url, open_timeout=20) as websocket:
            snapshot = json.loads(websocket.recv(timeout=20))
            replay_until = time.time()
            while not done.is_set():
                event = json.loads(websocket.recv(timeout=120))
                now = time.time()
                data = event.get("data", {})
                live = event["type"] in ("progress", "metrics") and "ts" in data
                if live and data["ts"] > replay_until:
                    latencies.append(now - data["ts"])
                if event["type"] == "status" and data["status"] in ("succeeded", "failed"):
                    done.set()
        assert snapshot["type"] == "snapshot"
    return latencies


def main() -> None:
    """Both modes; write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=1500)
    parser.add_argument("--port", type=int, default=17140)
    args = parser.parse_args()
    rows = []
    for label, celery, port in (
        ("Celery worker + Redis pub/sub", True, args.port),
        ("embedded (in-process bus)", False, args.port + 1),
    ):
        values = measure(port, args.rounds, celery)
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(
            f"{label}: n={len(values)} p50 {p50 * 1000:.1f} ms p99 {p99 * 1000:.1f} ms", flush=True
        )
        verdict = "met" if p99 <= 0.2 else "**missed**"
        rows.append(
            f"| {label} | {len(values)} | {p50 * 1000:.1f} ms | **{p99 * 1000:.1f} ms** "
            f"| {max(values) * 1000:.1f} ms | ≤ 200 ms ({verdict}) |"
        )
    table = "\n".join(rows)
    write_section(
        "bench_events",
        f"""
## Event latency, trainer report → WebSocket client (`bench/bench_events.py`)

One LightGBM job ({args.rounds} rounds on 3,000 rows, a validation metric every round plus
progress) followed by a WebSocket client on a real uvicorn. Latency = client receive time −
the `ts` the trainer stamped on the protocol line (same machine clock); the path is trainer
stdout → runner supervisor → DB commit → bus (Redis pub/sub or in-process) → WebSocket.
Events replayed from the DB at connect time are excluded.

| mode | events | p50 | p99 | max | target p99 |
|---|---|---|---|---|---|
{table}
""",
    )


if __name__ == "__main__":
    main()
