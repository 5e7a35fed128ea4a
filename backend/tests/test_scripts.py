"""The seed's commands: init_db is idempotent, create_admin prints the password once."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, func, select

from app.db.models import User, UserRole

BACKEND = Path(__file__).resolve().parents[1]


def _run(module: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", module],
        cwd=BACKEND,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_init_db_and_create_admin(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/fresh.db"
    env = {**os.environ, "DATABASE_URL": url, "LOG_DIR": str(tmp_path / "logs")}
    env.pop("ADMIN_PASSWORD", None)
    for _ in range(2):
        migrated = _run("app.db.init_db", env)
        assert migrated.returncode == 0, migrated.stderr
    first = _run("app.scripts.create_admin", env)
    assert first.returncode == 0, first.stderr
    password = first.stdout.split("shown once, store it now): ")[1].strip()
    assert len(password) >= 10
    second = _run("app.scripts.create_admin", env)
    assert "already exists" in second.stdout and password not in second.stdout
    engine = create_engine(url)
    with engine.connect() as conn:
        admins = conn.scalar(
            select(func.count()).select_from(User).where(User.role == UserRole.admin)
        )
    engine.dispose()
    assert admins == 1
    logs = (
        "".join(p.read_text() for p in (tmp_path / "logs").glob("*"))
        if (tmp_path / "logs").exists()
        else ""
    )
    assert password not in logs


def test_create_admin_uses_given_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/given.db"
    env = {**os.environ, "DATABASE_URL": url, "ADMIN_PASSWORD": "Weak-admin-1"}
    assert _run("app.db.init_db", env).returncode == 0
    refused = _run("app.scripts.create_admin", env)
    assert refused.returncode == 2
    assert (
        refused.stderr.strip() == "Cannot create the admin: Password must not contain the username."
    )
    env["ADMIN_PASSWORD"] = "Given-root-pass-1"
    created = _run("app.scripts.create_admin", env)
    assert created.returncode == 0 and "Given-root-pass-1" not in created.stdout
