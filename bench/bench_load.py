"""Benchmark: the API under load (locust, headless) in embedded mode and in production shape.

Locust users (`bench/load_users.py`, 50 by default, for 2 minutes) sign in, list datasets,
jobs and models, read one of each, predict 10 rows with a small LightGBM model trained in the
setup, and submit small training jobs, spread over three projects. Two shapes, one after the
other: (a) embedded mode: one uvicorn on SQLite, jobs run by the API process; (b) production
shape: the shipped nginx config (test variant, as tests/deploy generate it) before two uvicorn
replicas with the image's flags on PostgreSQL + Redis, one Celery worker and beat; one
replica is killed (SIGKILL) halfway. Reported per endpoint: p50/p95/p99, error rate,
requests/s; API processes' RSS before and after; queue wait (job created_at → started_at)
p50/p95 per project. The baseline is `GET /health` through the same path in the same run.

    .venv/bin/python bench/bench_load.py [--quick] [--users 50] [--seconds 120]
"""

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import psycopg
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_training import (
    BACKEND,
    PASSWORD,
    ROOT,
    SECRET,
    percentile,
    synthetic_table,
    write_section,
)

sys.path.insert(0, str(BACKEND))
from tests.deploy.nginx_stack import (
    HTTP2_DIRECTIVE_SINCE,
    PROD_CONF,
    Ports,
    dockerfile_uvicorn_flags,
    make_certificate,
    nginx_binary,
    nginx_version,
    production_variant,
)

PY = sys.executable
LOCUST = str(Path(PY).with_name("locust"))
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
ACCOUNTS = 3
MAX_JOBS = 12
CREATE_USERS = """
import json, sys
from app.core.config import get_settings
from app.db.models import UserRole
from app.db.session import Database
from app.users.schemas import UserCreate
from app.users.service import create_user
db = Database(get_settings().sqlalchemy_url)
names = sys.argv[1:]
with db.session_scope() as session:
    for name in names:
        data = UserCreate(username=name, password={password!r},
                          role=UserRole.member, email=f"{{name}}@example.com")
        create_user(session, data=data, actor=None, ip=None)
"""


def free_port() -> int:
    """A free loopback port (the kernel's choice)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 once it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0  # a zombie (killed, not yet reaped)


@dataclass
class Shape:
    """A running deployment: where locust points, the API processes, the database URL."""

    name: str
    host: str
    api: list[subprocess.Popen[bytes]]
    database_url: str
    root: Path
    env: dict[str, str]
    verify: ssl.SSLContext | bool = True
    notes: list[str] = field(default_factory=list)


def base_env(root: Path, database_url: str) -> dict[str, str]:
    """Environment of every process of a shape."""
    return {
        **os.environ,
        "ENVIRONMENT": "test",
        "SECRET_KEY": SECRET,
        "JWT_SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "DATA_STORAGE_PATH": str(root / "datasets"),
        "MODEL_STORAGE_PATH": str(root / "models"),
        "LOG_DIR": str(root / "logs"),
        "SERVE_FRONTEND": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(BACKEND),
        "ACCESS_TOKEN_MINUTES": "120",
    }


def start(stack: ExitStack, root: Path, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
    """A child process for the stack's life (terminated, then killed, at the end)."""
    log = (root / f"proc-{uuid.uuid4().hex[:6]}.log").open("wb")
    proc = subprocess.Popen(argv, cwd=BACKEND, env=env, stdout=log, stderr=subprocess.STDOUT)

    def stop() -> None:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(20)
        log.close()

    stack.callback(stop)
    return proc


def wait_http(url: str, verify: ssl.SSLContext | bool = True, seconds: float = 120) -> None:
    """Poll until the URL answers 200 (bounded)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, verify=verify, timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {seconds}s")


def uvicorn(port: int) -> list[str]:
    """The backend image's command on a loopback port."""
    return [PY, "-m", "uvicorn", "app.main:app", "--host", "127.0.0.1", "--port", str(port)]


def init(env: dict[str, str], users: int) -> None:
    """Migrate the database; create the project accounts and one sign-in account per user."""
    subprocess.run(
        [PY, "-m", "app.db.init_db"], cwd=BACKEND, env=env, check=True, capture_output=True
    )
    names = [f"load{i}" for i in range(ACCOUNTS)] + sign_ins(users)
    code = CREATE_USERS.format(password=PASSWORD)
    subprocess.run([PY, "-c", code, *names], cwd=BACKEND, env=env, check=True)


def sign_ins(users: int) -> list[str]:
    """The sign-in accounts, one per locust user."""
    return [f"signin{i}" for i in range(users)]


@contextmanager
def embedded(root: Path, users: int) -> Iterator[Shape]:
    """(a) One uvicorn on SQLite; jobs run in the API process."""
    url = f"sqlite:///{root / 'platform.db'}"
    env = {**base_env(root, url), "JOB_BACKEND": "local", "REDIS_URL": ""}
    init(env, users)
    port = free_port()
    with ExitStack() as stack:
        api = start(stack, root, uvicorn(port), env)
        host = f"http://127.0.0.1:{port}"
        wait_http(f"{host}/health")
        yield Shape("embedded", host, [api], url, root, env)


@contextmanager
def production(root: Path, users: int) -> Iterator[Shape]:
    """(b) nginx → two replicas (PostgreSQL, Redis), one Celery worker and beat."""
    binary = nginx_binary()
    if binary is None:
        raise RuntimeError("nginx is not installed")
    name = f"bench_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    uid = uuid.uuid4().hex[:8]
    env = {
        **base_env(root, url),
        "JOB_BACKEND": "celery",
        "REDIS_URL": REDIS_URL,
        "JOB_TRAINING_QUEUE": f"load-training-{uid}",
        "JOB_DEFAULT_QUEUE": f"load-default-{uid}",
        "JOB_LABELING_QUEUE": f"load-labeling-{uid}",
        "JOB_EVENTS_PREFIX": f"load-{uid}",
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
    }
    try:
        init(env, users)
        ports = Ports(backends=[free_port(), free_port()], frontend=free_port(), http=0, https=0)
        ports.http, ports.https = free_port(), free_port()
        make_certificate(root)
        http2 = nginx_version(binary) >= HTTP2_DIRECTIVE_SINCE
        variant, _ = production_variant(PROD_CONF.read_text(), ports, root, http2)
        (root / "nginx.conf").write_text(variant)
        queues = ",".join(env[f"JOB_{name}_QUEUE"] for name in ("TRAINING", "DEFAULT", "LABELING"))
        with ExitStack() as stack:
            api = []
            for port in ports.backends:
                api.append(start(stack, root, [*uvicorn(port), *dockerfile_uvicorn_flags()], env))
                wait_http(f"http://127.0.0.1:{port}/health")
            celery = [PY, "-m", "celery", "-A", "app.celery"]
            start(stack, root, [*celery, "worker", "-Q", queues, "--concurrency=1"], env)
            schedule = str(root / "celerybeat-schedule")
            start(stack, root, [*celery, "beat", f"--schedule={schedule}"], env)
            globals_ = f"daemon off; pid {root / 'nginx.pid'};"
            if os.geteuid() == 0:
                globals_ += " user root;"
            nginx = [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", globals_]
            start(stack, root, nginx, env)
            tls = ssl.create_default_context(cafile=str(root / "cert.pem"))
            host = f"https://127.0.0.1:{ports.https}"
            wait_http(f"{host}/health", tls)
            yield Shape("production", host, api, url, root, env, verify=tls)
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup_accounts(shape: Shape, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sign in each account, upload a small table and train its model; locust's accounts."""
    frame = synthetic_table(2000)
    path = shape.root / "table.parquet"
    frame.to_parquet(path)
    accounts = []
    with httpx.Client(base_url=shape.host, verify=shape.verify, timeout=300) as client:
        for i in range(ACCOUNTS):
            username = f"load{i}"
            token = client.post(
                "/api/v1/auth/login", data={"username": username, "password": PASSWORD}
            ).json()["access_token"]
            client.headers["Authorization"] = f"Bearer {token}"
            project = client.get("/api/v1/projects").json()["items"][0]["id"]
            with path.open("rb") as handle:
                upload = client.post(
                    f"/api/v1/data/upload?project_id={project}",
                    files={"file": ("table.parquet", handle, "application/octet-stream")},
                )
            upload.raise_for_status()
            dataset = upload.json()["id"]
            wait_for(client, f"/api/v1/datasets/{dataset}", ("ready",), ("failed",))
            job = client.post(
                "/api/v1/jobs",
                json={
                    "project_id": project,
                    "name": "setup",
                    "task_type": "tabular_classification",
                    "dataset_id": dataset,
                    "columns": {"target": "target"},
                    "params": {"n_estimators": 20},
                },
            )
            job.raise_for_status()
            done = wait_for(client, f"/api/v1/jobs/{job.json()['id']}", ("succeeded",), ("failed",))
            model = done["model_version_id"]
            client.post(f"/api/v1/models/{model}/predict", json={"inputs": rows[:1]})
            accounts.append(
                {
                    "token": token,
                    "project": project,
                    "model": model,
                    "dataset": dataset,
                }
            )
    return accounts


def wait_for(
    client: httpx.Client, url: str, good: tuple[str, ...], bad: tuple[str, ...]
) -> dict[str, Any]:
    """Poll a dataset or job until its status is in `good` (bounded); fail on `bad`."""
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(url).json()
        if body["status"] in good:
            return body
        if body["status"] in bad:
            raise RuntimeError(f"{url}: {body}")
        time.sleep(0.3)
    raise RuntimeError(f"{url} still {body['status']}")


def run_locust(
    shape: Shape,
    accounts: list[dict[str, Any]],
    rows: list[dict[str, Any]],
    users: int,
    seconds: int,
    kill_at: float | None,
) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """Headless locust against the shape; its per-endpoint stats and failures (CSV rows)."""
    prefix = shape.root / "locust"
    plan = shape.root / "load.json"
    plan.write_text(
        json.dumps(
            {
                "accounts": accounts,
                "sign_ins": sign_ins(users),
                "password": PASSWORD,
                "rows": rows,
                "max_jobs": MAX_JOBS,
            }
        )
    )
    env = {**os.environ, "LOAD_PLAN": str(plan)}
    argv = [
        LOCUST, "-f", str(ROOT / "bench" / "load_users.py"), "--headless",
        "-u", str(users), "-r", str(max(1, users // 5)), "-t", f"{seconds}s",
        "--host", shape.host, "--csv", str(prefix), "--only-summary",
        "--stop-timeout", "10", "--loglevel", "WARNING",
    ]  # fmt: skip
    killer = None
    if kill_at is not None:
        victim = shape.api[0]
        killer = threading.Timer(kill_at, lambda: victim.send_signal(signal.SIGKILL))
        killer.start()
    try:
        subprocess.run(
            argv, cwd=ROOT, env=env, check=False, capture_output=True, timeout=seconds + 120
        )
    finally:
        if killer is not None:
            killer.cancel()
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as handle:
        stats = list(csv.DictReader(handle))
    with (prefix.parent / f"{prefix.name}_failures.csv").open(encoding="utf-8") as handle:
        failures = list(csv.DictReader(handle))
    return stats, failures


def queue_waits(shape: Shape, settle: float) -> dict[str, dict[str, Any]]:
    """Created → started seconds of the load's jobs per project (after letting them start)."""
    engine = create_engine(shape.database_url)
    query = text(
        "SELECT p.name, j.created_at, j.started_at FROM training_jobs j "
        "JOIN projects p ON p.id = j.project_id WHERE j.name = 'load'"
    )
    deadline = time.monotonic() + settle
    while True:
        with engine.connect() as conn:
            found = conn.execute(query).all()
        if all(started for _, _, started in found) or time.monotonic() > deadline:
            break
        time.sleep(1)
    engine.dispose()
    per: dict[str, list[float]] = {}
    waiting: dict[str, int] = {}
    for project, created, started in found:
        if started is None:
            waiting[project] = waiting.get(project, 0) + 1
            continue
        per.setdefault(project, []).append((_as_dt(started) - _as_dt(created)).total_seconds())
    return {
        project: {
            "jobs": len(per.get(project, [])) + waiting.get(project, 0),
            "p50": percentile(per[project], 0.5) if per.get(project) else None,
            "p95": percentile(per[project], 0.95) if per.get(project) else None,
            "not_started": waiting.get(project, 0),
        }
        for project in sorted(set(per) | set(waiting))
    }


def _as_dt(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def measure(shape: Shape, users: int, seconds: int, kill: bool) -> dict[str, Any]:
    """Set up the accounts, note RSS, run locust, note RSS again and the queue waits."""
    rows = synthetic_table(200, seed=1).drop(columns=["target"]).to_dict("records")
    accounts = setup_accounts(shape, rows)
    before = [rss_mb(p.pid) for p in shape.api]
    stats, failures = run_locust(
        shape, accounts, rows, users, seconds, seconds / 2 if kill else None
    )
    after = [rss_mb(p.pid) for p in shape.api]
    return {
        "shape": shape.name,
        "stats": stats,
        "failures": failures,
        "rss_before_mb": before,
        "rss_after_mb": after,
        "queue_wait": queue_waits(shape, settle=60),
        "killed_replica": kill,
    }


def table(result: dict[str, Any]) -> str:
    """Per-endpoint markdown rows: latency percentiles, p50 against /health, errors, rate."""
    rows = {row["Name"]: row for row in result["stats"]}
    health = float(rows["GET /health"]["50%"]) if "GET /health" in rows else 0.0
    lines = [
        "| endpoint | requests | errors | req/s | p50 ms | p95 ms | p99 ms | p50 / health p50 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, row in rows.items():
        count, failed = int(row["Request Count"]), int(row["Failure Count"])
        share = failed / count if count else 0.0
        label = "**all**" if name == "Aggregated" else f"`{name}`"
        lines.append(
            f"| {label} | {count:,} | {share:.1%} | {float(row['Requests/s']):.1f} "
            f"| {row['50%']} | {row['95%']} | {row['99%']} "
            f"| {float(row['50%']) / health if health else float('nan'):.1f} |"
        )
    return "\n".join(lines)


def failure_list(result: dict[str, Any]) -> str:
    """What failed, by endpoint and error."""
    items = [f"`{f['Name']}`: {f['Error']} × {f['Occurrences']}" for f in result["failures"]]
    return "Failures: " + ("; ".join(items) if items else "none") + "."


def queue_table(result: dict[str, Any]) -> str:
    """Queue wait per project."""
    lines = ["| project | jobs | wait p50 s | wait p95 s | not started |", "|---|---|---|---|---|"]
    for project, q in result["queue_wait"].items():
        p50 = "–" if q["p50"] is None else f"{q['p50']:.1f}"
        p95 = "–" if q["p95"] is None else f"{q['p95']:.1f}"
        lines.append(f"| {project} | {q['jobs']} | {p50} | {p95} | {q['not_started']} |")
    return "\n".join(lines)


def main() -> None:
    """Both shapes, one after the other; prints JSON and writes docs/benchmarks.md."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="20 s per shape instead of 120 s")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--only", choices=["embedded", "production"], help="one shape, no report")
    args = parser.parse_args()
    seconds = 20 if args.quick else args.seconds
    load_start = os.getloadavg()[0]
    results = []
    for name, shape_of, kill in (("embedded", embedded, False), ("production", production, True)):
        if args.only not in (None, name):
            continue
        root = Path(tempfile.mkdtemp(prefix=f"bench-load-{name}-"))
        try:
            with shape_of(root, args.users) as shape:
                results.append(measure(shape, args.users, seconds, kill))
        finally:
            shutil.rmtree(root, ignore_errors=True)
    load_end = os.getloadavg()[0]
    print(json.dumps({"results": results, "load_1m": [load_start, load_end]}, indent=1))
    if args.only:
        return
    embedded_result, production_result = results
    rss = {
        r["shape"]: ", ".join(
            f"{b:.0f} → {a:.0f}" if a else f"{b:.0f} → killed"
            for b, a in zip(r["rss_before_mb"], r["rss_after_mb"], strict=True)
        )
        for r in results
    }
    write_section(
        "bench_load",
        f"""
## Load: 50 console users, embedded and production shape (`bench/bench_load.py`)

Locust, headless, {args.users} users (spawned at {max(1, args.users // 5)}/s), {seconds} s per
shape{" (`--quick`; the full run is 120 s)" if args.quick else ""}, 0.5–1.5 s between a user's
requests. Each user works in one of {ACCOUNTS} projects (its account signed in by the
setup) and mixes sign-in (to an account of its own: concurrent sign-ins to one account from one
address are throttled by design), the datasets/jobs/models lists, one dataset and one model,
predictions of 10 rows with the project's LightGBM model (20 trees, trained in the setup on
2,000 × 50 rows) and at most
{MAX_JOBS} small training jobs of the same kind in all. Baseline: `GET /health` through the
same path in the same run ("p50 / health p50"). The machine is shared (2 cores, other
engineers' tests running; locust itself runs on it too): 1-minute load average
{load_start:.2f} at the start and {load_end:.2f} at the end, so the absolute numbers are those
of a busy laptop-class box, and the ratios are what carries over.

### (a) embedded mode: one uvicorn, SQLite, jobs run by the API process

{table(embedded_result)}

{failure_list(embedded_result)} API RSS (MB) before → after the run: {rss["embedded"]}.

{queue_table(embedded_result)}

### (b) production shape: nginx (shipped config) → 2 replicas, PostgreSQL, Redis, 1 Celery worker + beat

One replica is killed with SIGKILL halfway through the run; nginx takes it out of the
upstream (passive health) and retries predictions on the other replica, while other POSTs
that had reached it are not retried (their errors are in the table).

{table(production_result)}

{failure_list(production_result)} Replica RSS (MB) before → after the run:
{rss["production"]}.

{queue_table(production_result)}
""",
    )


if __name__ == "__main__":
    main()
