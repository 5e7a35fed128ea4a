"""backup.sh -> drop the database and files -> restore.sh: identical rows and file checksums."""

import hashlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text

from app.db.base import utcnow
from app.db.init_db import migrate
from app.db.models import UserRole
from app.db.models.job import JobEvent, JobStatus, TrainingJob
from app.db.session import Database
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.conftest import PASSWORD, PG_ADMIN_URL

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump not installed"),
]

REPO = Path(__file__).resolve().parents[3]
SCRIPTS = REPO / "scripts"


def _admin_execute(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture
def throwaway_db() -> Iterator[tuple[str, str]]:
    """(name, SQLAlchemy URL) of a fresh, migrated database; dropped afterwards."""
    name = f"tp_backup_{uuid.uuid4().hex[:10]}"
    _admin_execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
    url = f"{base}/{name}"
    migrate(url)
    yield name, url
    _admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _seed_rows(url: str) -> None:
    db = Database(url)
    with db.session_scope() as session:
        owner = create_user(
            session,
            actor=None,
            ip=None,
            data=UserCreate(username="backup_owner", password=PASSWORD, role=UserRole.admin),
        )
        for index in range(3):
            create_user(
                session,
                actor=owner,
                ip="10.0.0.1",
                data=UserCreate(
                    username=f"member{index}", password=PASSWORD, display_name=f"成员 {index}"
                ),
            )
    with db.session_scope() as session:
        project_id = session.execute(text("SELECT id FROM projects LIMIT 1")).scalar_one()
        job = TrainingJob(
            project_id=project_id,
            name="备份测试",
            task_type="tabular_classification",
            trainer="lightgbm",
            status=JobStatus.succeeded,
            started_at=utcnow(),
            finished_at=utcnow(),
            params={"num_leaves": 31},
        )
        session.add(job)
        session.flush()
        session.add_all(
            [JobEvent(job_id=job.id, type="log", data={"line": f"步骤 {i}"}) for i in range(5)]
        )
    db.dispose()


def _seed_files(root: Path) -> None:
    rng = hashlib.sha256(b"seed")
    for sub, name, size in (
        ("datasets/p1/d1", "data.parquet", 300_000),
        ("datasets/p1/d1", "original.csv", 2_000),
        ("datasets/p2/d9", "原始数据.xlsx", 50_000),
        ("models/p1/m1/v1", "model.txt", 120_000),
        ("models/p1/m1/v1", "metrics.json", 100),
    ):
        folder = root / sub
        folder.mkdir(parents=True, exist_ok=True)
        chunks = []
        while sum(map(len, chunks)) < size:
            rng.update(b"x")
            chunks.append(rng.digest())
        (folder / name).write_bytes(b"".join(chunks)[:size])
    (root / "datasets" / ".tmp").mkdir()
    (root / "datasets" / ".tmp" / "upload-in-progress").write_bytes(b"partial")


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = conn.scalars(
            text("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")
        ).all()
        # Names come from pg_tables, quoted as identifiers.
        counts = {t: conn.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables}  # noqa: S608
    engine.dispose()
    return counts  # type: ignore[return-value]


def _checksums(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".tmp" not in path.parts
    }


def _run(script: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPTS / script), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _env(url: str, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DATA_ROOT": str(tmp / "data"),
        "BACKUP_DIR": str(tmp / "backups"),
    }


def test_backup_drop_restore_is_identical(tmp_path: Path, throwaway_db: tuple[str, str]) -> None:
    name, url = throwaway_db
    _seed_rows(url)
    _seed_files(tmp_path / "data")
    counts, files = _row_counts(url), _checksums(tmp_path / "data")
    assert counts["users"] == 4 and counts["job_events"] == 5 and counts["audit_logs"] > 0
    backups = tmp_path / "backups"
    old, recent = backups / "tp-backup-20200101T000000Z", backups / "tp-backup-20200102T000000Z"
    for folder, days in ((old, 8), (recent, 3)):
        folder.mkdir(parents=True)
        stamp = time.time() - days * 86400
        os.utime(folder, (stamp, stamp))

    made = _run("backup.sh", _env(url, tmp_path))
    assert made.returncode == 0, made.stderr
    target = Path(made.stdout.strip().splitlines()[-1])
    assert target.parent == backups and target.name.startswith("tp-backup-")
    assert {p.name for p in target.iterdir()} == {
        "database.dump",
        "datasets.tar.gz",
        "datasets.sha256",
        "models.tar.gz",
        "models.sha256",
        "backup.info",
        "MANIFEST.sha256",
    }
    assert not old.exists() and recent.exists(), "retention keeps 7 days"
    assert "upload-in-progress" not in (target / "datasets.sha256").read_text()

    _admin_execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    shutil.rmtree(tmp_path / "data")

    restored = _run("restore.sh", _env(url, tmp_path), "--yes", str(target))
    assert restored.returncode == 0, restored.stderr
    assert _row_counts(url) == counts
    assert _checksums(tmp_path / "data") == files
    assert "checksums verified" in restored.stderr


def test_restore_refuses_a_damaged_backup(tmp_path: Path, throwaway_db: tuple[str, str]) -> None:
    _, url = throwaway_db
    _seed_rows(url)
    _seed_files(tmp_path / "data")
    made = _run("backup.sh", _env(url, tmp_path), "--retention-days", "0")
    assert made.returncode == 0, made.stderr
    target = Path(made.stdout.strip().splitlines()[-1])
    archive = target / "models.tar.gz"
    damaged = bytearray(archive.read_bytes())
    damaged[len(damaged) // 2] ^= 0xFF
    archive.write_bytes(bytes(damaged))
    before = _checksums(tmp_path / "data")

    refused = _run("restore.sh", _env(url, tmp_path), "--yes", str(target))
    assert refused.returncode != 0
    assert "checksum mismatch" in refused.stderr and "nothing was restored" in refused.stderr
    assert _checksums(tmp_path / "data") == before
    assert not list((tmp_path / "data").glob("*.pre-restore-*"))


def test_restore_rejects_a_folder_without_manifest(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-backup"
    folder.mkdir()
    refused = _run(
        "restore.sh", {**os.environ, "DATABASE_URL": "postgresql://x@127.0.0.1/x"}, str(folder)
    )
    assert refused.returncode != 0 and "no MANIFEST.sha256" in refused.stderr


# Stands in for `docker compose` (no Docker engine here): `exec -T postgres sh -c CMD` runs CMD
# on this machine with the postgres service's environment; stop/start/run are recorded.
FAKE_COMPOSE = """#!/usr/bin/env bash
set -euo pipefail
while [ "$1" = --project-directory ] || [ "$1" = -f ]; do shift 2; done
echo "$*" >> "$COMPOSE_CALLS"
if [ "$1" = exec ]; then
  [ "$2 $3 $4 $5" = "-T postgres sh -c" ] || exit 64
  exec env POSTGRES_USER=postgres POSTGRES_DB="$FAKE_DB" PGHOST=127.0.0.1 sh -c "$6"
fi
"""


def test_compose_mode_backup_and_restore(tmp_path: Path, throwaway_db: tuple[str, str]) -> None:
    name, url = throwaway_db
    _seed_rows(url)
    _seed_files(tmp_path / "data")
    counts, files = _row_counts(url), _checksums(tmp_path / "data")
    fake = tmp_path / "compose"
    fake.write_text(FAKE_COMPOSE)
    fake.chmod(0o755)
    env = {
        **_env(url, tmp_path),
        "COMPOSE": str(fake),
        "FAKE_DB": name,
        "COMPOSE_CALLS": str(tmp_path / "calls"),
    }
    del env["DATABASE_URL"]
    made = _run("backup.sh", env)
    assert made.returncode == 0, made.stderr
    target = Path(made.stdout.strip().splitlines()[-1])
    assert "mode=compose" in (target / "backup.info").read_text()

    # A fresh postgres volume: the service creates the empty database, restore fills it.
    _admin_execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    _admin_execute(f'CREATE DATABASE "{name}"')
    shutil.rmtree(tmp_path / "data")
    restored = _run("restore.sh", env, "--yes", str(target))
    assert restored.returncode == 0, restored.stderr
    assert _row_counts(url) == counts and _checksums(tmp_path / "data") == files
    calls = (tmp_path / "calls").read_text().splitlines()
    assert calls[0].startswith("exec -T postgres sh -c exec pg_dump")
    assert calls[1:] == [
        "stop backend celery-worker celery-worker-labeling celery-beat",
        calls[2],
        "run --rm migrate",
        "start backend celery-worker celery-worker-labeling celery-beat",
    ] and calls[2].startswith("exec -T postgres sh -c exec pg_restore")
