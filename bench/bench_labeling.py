"""Benchmark: labeling throughput against its ideal bound, and database time per labeled row.

A local OpenAI-compatible teacher (the test server, every answer delayed 200 ms) labels a
synthetic Chinese review table with one teacher at concurrency 16. The ideal bound is
concurrency ÷ latency (80 rows/s); the same run also measures a bare `openai` client sending
the same 16-way load to the same teacher (no cache, no database), the best a loop can do on
this machine. The store calls (cache lookup, call record, row commit) are timed per row on
SQLite and PostgreSQL, beside a baseline of one single-row INSERT + commit per row on the same
database. Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/bench_labeling.py [--rows 480] [--pg postgresql://postgres@127.0.0.1:5432/postgres]
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BACKEND = ROOT / "backend"
sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.core.config import Settings  # noqa: E402
from app.db.init_db import migrate  # noqa: E402
from app.db.models import Dataset, UserRole  # noqa: E402
from app.labeling import store  # noqa: E402
from app.labeling.loop import run_labeling  # noqa: E402
from app.labeling.schemas import LabelingRunCreate  # noqa: E402
from app.labeling.service import create_run  # noqa: E402
from app.main import create_app  # noqa: E402
from app.users.schemas import UserCreate  # noqa: E402
from app.users.service import create_user  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402
from openai import AsyncOpenAI  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from tests.llm_providers.teacher_server import TeacherServer  # noqa: E402

from bench_training import write_section  # noqa: E402

SECRET = "bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "Correct-Horse-Battery-9"
LATENCY = 0.2
CONCURRENCY = 16
TASK = {"kind": "classify", "labels": [{"name": "正面"}, {"name": "负面"}]}
STORE_CALLS = ("cached_answers", "cached_answer", "record_calls", "save_batch")
WORDS = ["好吃", "难吃", "喜欢", "太差", "实惠", "排队", "环境", "服务", "包装", "味道"]


class StoreTimer:
    """Wall time spent inside the loop's store calls (they run in worker threads)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.calls = 0
        self.by_name: dict[str, float] = dict.fromkeys(STORE_CALLS, 0.0)

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Wrap the store functions the loop calls, for the duration."""
        originals = {name: getattr(store, name) for name in STORE_CALLS}
        for name, function in originals.items():
            setattr(store, name, self._timed(function))
        try:
            yield
        finally:
            for name, function in originals.items():
                setattr(store, name, function)

    def _timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent = time.perf_counter() - start
                self.seconds += spent
                self.by_name[function.__name__] += spent
                self.calls += 1

        return timed


def reviews(rows: int) -> str:
    """A CSV of distinct synthetic reviews (every prompt is new: no cache hits)."""
    lines = [
        f"第{i}条：{WORDS[i % len(WORDS)]}，{WORDS[(i * 7) % len(WORDS)]}" for i in range(rows)
    ]
    return "评论\n" + "\n".join(lines) + "\n"


def insert_baseline(url: str, rows: int) -> float:
    """Seconds per row of one single-row INSERT + commit (a scratch table, dropped after)."""
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_rows (id INTEGER PRIMARY KEY, payload TEXT)"))
    start = time.perf_counter()
    for i in range(rows):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO bench_rows VALUES (:i, :p)"), {"i": i, "p": "x" * 200})
    elapsed = time.perf_counter() - start
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE bench_rows"))
    engine.dispose()
    return elapsed / rows


async def raw_client(base_url: str, requests: int) -> float:
    """Requests/s of a bare openai client keeping CONCURRENCY requests in flight."""
    client = AsyncOpenAI(base_url=base_url, api_key="sk-bench", max_retries=0)
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with gate:
            await client.chat.completions.create(
                model="qwen-plus",
                messages=[{"role": "user", "content": f"原始 {i} 好吃"}],
                max_tokens=16,
            )

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(requests)))
    elapsed = time.perf_counter() - start
    await client.close()
    return requests / elapsed


def measure(url: str, rows: int, storage: Path) -> dict[str, Any]:
    """One database: the loop's rows/s, the raw client's, store time per row, insert baseline."""
    migrate(url)
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="test",
        database_url=url,
        secret_key=SECRET,
        jwt_secret_key=SECRET,
        data_storage_path=storage / "datasets",
        model_storage_path=storage / "models",
        log_dir=storage / "logs",
        serve_frontend=False,
        llm_provider_allowed_hosts="127.0.0.1",
        log_level="WARNING",
    )
    app = create_app(settings)
    db = app.state.db
    teacher = TeacherServer(slow_seconds=LATENCY).start()
    try:
        with db.session_scope() as session:
            data = UserCreate(
                username="bench", password=PASSWORD, role=UserRole.admin, email="b@example.com"
            )
            create_user(session, data=data, actor=None, ip=None)
        with TestClient(app) as client:
            login = client.post(
                "/api/v1/auth/login", data={"username": "bench", "password": PASSWORD}
            )
            headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
            project = client.get("/api/v1/projects", headers=headers).json()["items"][0]["id"]
            upload = client.post(
                f"/api/v1/data/upload?project_id={project}",
                files={"file": ("reviews.csv", reviews(rows).encode())},
                headers=headers,
            )
            price = {
                "model": "qwen-plus",
                "input_per_m": "2",
                "cached_input_per_m": "0.5",
                "output_per_m": "8",
                "currency": "CNY",
                "effective_from": "2026-01-01",
            }
            provider = client.post(
                "/api/v1/llm-providers",
                json={
                    "name": "bench",
                    "kind": "openai_compatible",
                    "base_url": teacher.base_url,
                    "api_key": "sk-bench-0123456789abcdef",
                    "models": ["qwen-plus"],
                    "prices": [price],
                    "concurrency": CONCURRENCY,
                },
                headers=headers,
            )
            assert provider.status_code == 201, provider.text
            body = {
                "name": "bench",
                "dataset_id": upload.json()["id"],
                "text_columns": ["评论"],
                "task": TASK,
                "teachers": [{"provider_id": provider.json()["id"], "model": "qwen-plus"}],
                "budget": "100",
                "currency": "CNY",
                "params": {"max_tokens": 16},
            }
            with db.session_scope() as session:
                dataset = session.get_one(Dataset, uuid.UUID(upload.json()["id"]))
                run = create_run(
                    session,
                    settings,
                    dataset,
                    data=LabelingRunCreate.model_validate(body),
                    actor=None,
                )
                run_id = run.id
        teacher.script = deque(["slow"] * (rows * 3))
        raw = asyncio.run(raw_client(teacher.base_url, rows))
        timer = StoreTimer()
        with timer.installed():
            start = time.perf_counter()
            status = asyncio.run(run_labeling(db, settings, run_id))
            elapsed = time.perf_counter() - start
        assert status == "succeeded", status
        baseline = insert_baseline(settings.sqlalchemy_url, rows)
    finally:
        teacher.stop()
        app.state.db.dispose()
    return {
        "rows": rows,
        "rows_per_s": rows / elapsed,
        "raw_per_s": raw,
        "ideal_per_s": CONCURRENCY / LATENCY,
        "store_ms_per_row": timer.seconds / rows * 1000,
        "store_calls_per_row": timer.calls / rows,
        "store_ms_per_row_by_call": {k: v / rows * 1000 for k, v in timer.by_name.items()},
        "insert_ms_per_row": baseline * 1000,
    }


@contextmanager
def postgres(admin_url: str) -> Iterator[str]:
    """A scratch PostgreSQL database, dropped afterwards."""
    name = f"bench_labeling_{uuid.uuid4().hex[:8]}"
    admin = create_engine(
        admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(drivername="postgresql+psycopg", database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(results: dict[str, dict[str, Any]]) -> str:
    """The Markdown section."""
    floor = max(r["raw_per_s"] / r["ideal_per_s"] for r in results.values())
    lines = [
        "## Labeling throughput and database cost per row (`bench/bench_labeling.py`)",
        "",
        f"One teacher (the local test server, every answer delayed {LATENCY * 1000:.0f} ms) at concurrency "
        f"{CONCURRENCY} labels {next(iter(results.values()))['rows']} distinct rows through `run_labeling` "
        "(cache read, paid call recorded and cached, row committed). Ideal bound = concurrency ÷ latency; "
        "the bare `openai` client row is the same 16-way load with no cache and no database, measured in "
        "the same run. Store time = wall time inside the store calls (worker threads), per labeled row; "
        "baseline = one single-row INSERT + commit per row on the same database.",
        "",
        f"Load average on the shared 2-core machine at the end of the run: {os.getloadavg()[0]:.1f}. "
        f"The bare client itself reaches at best {floor:.2f} of the ideal bound here"
        + (
            " — below the 0.9 target, which this machine cannot show for any loop: the loop is judged "
            "against the bare client (loop ÷ bare client), the floor recorded as measured. "
            if floor < 0.9
            else ". "
        )
        + "Rows and paid calls go to one writer that commits whatever waits in one transaction (group "
        "commit: calls/row below 1 means several rows per commit), so no row waits for another's commit; "
        "the run's counters (rows done, tokens, cost) ride along at most once a second and are recounted "
        "from the stored rows and calls when a run starts or ends, instead of one UPDATE of the same "
        "`labeling_runs` row per labeled row, which made concurrent commits queue on its lock. The cache is "
        "read in one query per chunk of rows (`cached_answers`), and the teacher client posts the body "
        "as built (the SDK's typed-parameter transform cost 1–2 ms of CPU per call; the bare client still "
        "pays it through `chat.completions.create`, so the loop can beat it). Store time is wall time "
        "in the writer's thread (GIL waits included) and no longer lies on a row's path.",
        "",
        "| database | loop rows/s | ideal rows/s | loop ÷ ideal (target ≥ 0.9) | bare client req/s | loop ÷ bare client | store ms/row (calls/row) | INSERT+commit ms/row | store ÷ INSERT |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in results.items():
        ratio = r["rows_per_s"] / r["ideal_per_s"]
        met = "met" if ratio >= 0.9 else "missed"
        lines.append(
            f"| {name} | {r['rows_per_s']:.1f} | {r['ideal_per_s']:.0f} | **{ratio:.2f}** ({met}) | "
            f"{r['raw_per_s']:.1f} | {r['rows_per_s'] / r['raw_per_s']:.2f} | "
            f"{r['store_ms_per_row']:.2f} ({r['store_calls_per_row']:.2f}) | {r['insert_ms_per_row']:.2f} | "
            f"{r['store_ms_per_row'] / r['insert_ms_per_row']:.1f}× |"
        )
    return "\n".join(lines)


def main() -> None:
    """SQLite, then PostgreSQL when reachable; write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=480)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        results["SQLite"] = measure(url, args.rows, Path(tmp) / "sqlite")
    if args.pg:
        with tempfile.TemporaryDirectory() as tmp, postgres(args.pg) as url:
            results["PostgreSQL"] = measure(url, args.rows, Path(tmp))
    print(json.dumps(results, indent=2))
    write_section("bench_labeling", report(results))


if __name__ == "__main__":
    main()
