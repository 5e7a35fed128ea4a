"""Benchmark: the cost of a fair claim, and of the queue outlook, on a busy jobs table.

The fair claim (`app.engine.schedule.next_job` + the conditional UPDATE) is timed against the
claim it replaced, the conditional UPDATE of a job id known in advance, on the same database in
the same run: a history of finished jobs across projects, a backlog of queued ones. Claims
alternate in pairs so a busy machine slows both alike. SQLite always; PostgreSQL with `--pg`
(an admin URL; a temporary database is created and dropped). Writes its section of
docs/benchmarks.md.

    .venv/bin/python bench/bench_claim.py [--history 20000 --queued 2000 --claims 200]
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

BACKEND = Path(__file__).resolve().parents[1] / "backend"
sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from app.core.config import Settings  # noqa: E402
from app.db.base import Base, utcnow  # noqa: E402
from app.db.models import JobStatus, Project, TrainingJob  # noqa: E402
from app.db.session import Database  # noqa: E402
from app.engine.config import JobSettings  # noqa: E402
from app.engine.schedule import next_job, queue_outlook  # noqa: E402
from app.engine.states import transition  # noqa: E402

from bench_training import write_section  # noqa: E402

PROJECTS = 20
KINDS = ["train"]


def fill(db: Database, history: int, queued: int) -> None:
    """Projects, finished jobs spread over them, a backlog mostly from one project."""
    now = utcnow()
    with db.session_scope() as session:
        projects = [Project(name=f"p{i}") for i in range(PROJECTS)]
        session.add_all(projects)
        session.flush()
        ids = [p.id for p in projects]
        rows = []
        for i in range(history + queued):
            finished = i < history
            at = now - timedelta(seconds=history + queued - i)
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "project_id": ids[i % PROJECTS] if finished or i % 4 else ids[0],
                    "name": "j",
                    "kind": "train",
                    "payload": {},
                    "task_type": "tabular_classification",
                    "trainer": f"t{i % 3}",
                    "columns": {},
                    "params": {},
                    "split_ratios": [0.8, 0.1, 0.1],
                    "status": JobStatus.succeeded if finished else JobStatus.queued,
                    "queued_at": at,
                    "started_at": at if finished else None,
                    "finished_at": at + timedelta(seconds=30) if finished else None,
                    "created_at": at,
                    "updated_at": at,
                }
            )
        session.execute(sa.insert(TrainingJob), rows)


def claim_known(db: Database, job_id: uuid.UUID) -> None:
    """The replaced claim: the conditional UPDATE of the message's own job."""
    with db.session_scope() as session:
        session.get(TrainingJob, job_id)
        transition(session, job_id, JobStatus.queued, JobStatus.running, worker="bench")


def claim_fair(db: Database, settings: Settings) -> None:
    """The fair claim: choose by the fair order, then the same conditional UPDATE."""
    with db.session_scope() as session:
        chosen = next_job(session, settings, KINDS)
        assert chosen is not None
        transition(session, chosen, JobStatus.queued, JobStatus.running, worker="bench")


def measure(url: str, history: int, queued: int, claims: int) -> dict[str, float]:
    """Median ms per claim of each kind, and of one queue outlook."""
    settings = Settings(database_url=url)
    db = Database(url)
    Base.metadata.create_all(db.engine)
    fill(db, history, queued)
    with db.session_scope() as session:
        known = list(
            session.scalars(
                sa.select(TrainingJob.id)
                .where(TrainingJob.status == JobStatus.queued)
                .order_by(TrainingJob.queued_at.desc())
                .limit(claims)
            )
        )
    fair_ms, known_ms = [], []
    for job_id in known:
        started = time.perf_counter()
        claim_known(db, job_id)
        known_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        claim_fair(db, settings)
        fair_ms.append((time.perf_counter() - started) * 1000)
    outlook_ms = []
    for _ in range(5):
        with db.session_scope() as session:
            started = time.perf_counter()
            spots = queue_outlook(session, JobSettings(), KINDS)
            outlook_ms.append((time.perf_counter() - started) * 1000)
    assert spots
    db.engine.dispose()
    known_median, fair_median = statistics.median(known_ms), statistics.median(fair_ms)
    return {
        "known_claim_ms": round(known_median, 2),
        "fair_claim_ms": round(fair_median, 2),
        "ratio": round(fair_median / known_median, 2),
        "outlook_ms": round(statistics.median(outlook_ms), 1),
        "queued_in_outlook": len(spots),
    }


def main() -> None:
    """SQLite, and PostgreSQL when given; print and write the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--history", type=int, default=20000)
    parser.add_argument("--queued", type=int, default=2000)
    parser.add_argument("--claims", type=int, default=200)
    parser.add_argument("--pg", default="", help="PostgreSQL admin URL (temporary database)")
    args = parser.parse_args()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/claim.db"
        results["sqlite"] = measure(url, args.history, args.queued, args.claims)
    if args.pg:
        name = f"bench_claim_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
        try:
            url = sa.make_url(args.pg).set(database=name).render_as_string(hide_password=False)
            results["postgresql"] = measure(url, args.history, args.queued, args.claims)
        finally:
            with admin.connect() as connection:
                connection.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    print(json.dumps(results, indent=2))
    rows = "\n".join(
        f"| {db} | {r['known_claim_ms']} | {r['fair_claim_ms']} | {r['ratio']}× | "
        f"{r['outlook_ms']} ({int(r['queued_in_outlook'])} queued) |"
        for db, r in results.items()
    )
    write_section(
        "bench_claim",
        f"""
## Fair claim and queue outlook (`bench/bench_claim.py`)

{args.history:,} finished jobs over {PROJECTS} projects and {args.queued:,} queued (a quarter of them from
one project); {args.claims} claims of each kind, alternating. Baseline: the claim the fair order replaced, the
conditional UPDATE of the message's own job. Median ms per claim (one unit of work each) and per queue
outlook (every queued job's place and estimated start, as `GET /jobs/{{id}}` of a queued job computes it).

| database | known-id claim (ms) | fair claim (ms) | ratio | outlook (ms) |
|---|---|---|---|---|
{rows}

A claim happens once per job start; the difference between the two columns is what the fair order adds to each
start (the queue latency above, submit → running, includes one claim).
""",
    )


if __name__ == "__main__":
    main()
