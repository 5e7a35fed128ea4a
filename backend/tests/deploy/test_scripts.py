"""shellcheck on every script; deploy.sh prepares .env and the certificate; .env.example."""

import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from app.core.config import Settings, secret_problems
from app.engine.config import JobSettings

REPO = Path(__file__).resolve().parents[3]
SECRETS = (
    "POSTGRES_PASSWORD",
    "REDIS_PASSWORD",
    "SECRET_KEY",
    "JWT_SECRET_KEY",
    "GRAFANA_ADMIN_PASSWORD",
)


def _shell_scripts() -> list[Path]:
    return [*sorted((REPO / "scripts").glob("*.sh")), REPO / ".ci" / "run"]


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
@pytest.mark.parametrize("script", _shell_scripts(), ids=lambda p: p.name)
def test_shellcheck(script: Path) -> None:
    result = subprocess.run(
        ["shellcheck", "--severity=style", str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout


def test_env_example_lists_every_setting() -> None:
    example = (REPO / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", example, flags=re.MULTILINE))
    needed = {name.upper() for name in Settings.model_fields}
    needed |= {f"JOB_{name.upper()}" for name in JobSettings.model_fields}
    assert needed - listed == set()
    for name in SECRETS:
        assert re.search(rf"^{name}=$", example, flags=re.MULTILINE), f"{name} must be empty"


def _env_values(path: Path) -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if line and not line.startswith("#")
    )


def _prepare(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(root / "scripts" / "deploy.sh"), "--prepare-only"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PATH": os.environ["PATH"]},
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl not installed")
def test_deploy_prepares_random_secrets_and_a_certificate(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "deploy.sh", tmp_path / "scripts" / "deploy.sh")
    shutil.copy(REPO / ".env.example", tmp_path / ".env.example")
    first = _prepare(tmp_path)
    assert first.returncode == 0, first.stderr
    env_file, cert = tmp_path / ".env", tmp_path / "nginx" / "certs" / "cert.pem"
    values = _env_values(env_file)
    secrets = [values[name] for name in SECRETS]
    assert all(re.fullmatch(r"[0-9a-f]{64}", s) for s in secrets) and len(set(secrets)) == 5
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    key = tmp_path / "nginx" / "certs" / "key.pem"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and "BEGIN CERTIFICATE" in cert.read_text()
    for secret in secrets:
        assert secret not in first.stdout + first.stderr
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None,
        environment="production",
        secret_key=values["SECRET_KEY"],
        jwt_secret_key=values["JWT_SECRET_KEY"],
        database_url=f"postgresql+psycopg://training:{values['POSTGRES_PASSWORD']}@postgres/tp",
        redis_url=f"redis://:{values['REDIS_PASSWORD']}@redis:6379/0",
    )
    assert secret_problems(settings) == []

    cert_before = cert.read_bytes()
    second = _prepare(tmp_path)
    assert second.returncode == 0, second.stderr
    assert _env_values(env_file) == values and cert.read_bytes() == cert_before


def test_deploy_refuses_a_placeholder_secret(tmp_path: Path) -> None:
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "deploy.sh", tmp_path / "scripts" / "deploy.sh")
    example = (REPO / ".env.example").read_text()
    (tmp_path / ".env").write_text(
        example.replace("SECRET_KEY=\n", "SECRET_KEY=your_secret_key_here\n", 1)
    )
    refused = _prepare(tmp_path)
    assert refused.returncode != 0 and "SECRET_KEY" in refused.stderr


# Stand-ins for the Docker CLI (no engine here): they record each call; `docker inspect`
# answers the health state given in FAKE_HEALTH.
FAKE_DOCKER = """#!/usr/bin/env bash
echo "docker $*" >> "$CALLS"
if [ "$1" = inspect ]; then echo "$FAKE_HEALTH"; fi
"""
FAKE_COMPOSE = """#!/usr/bin/env bash
while [ "$1" = -f ]; do shift 2; done
echo "compose $*" >> "$CALLS"
if [ "$1" = ps ]; then echo "container-$3"; fi
"""


def _fake_tools(root: Path) -> dict[str, str]:
    bin_dir = root / "bin"
    bin_dir.mkdir()
    for name, text in (("docker", FAKE_DOCKER), ("compose", FAKE_COMPOSE)):
        (bin_dir / name).write_text(text)
        (bin_dir / name).chmod(0o755)
    return {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ['PATH']}",
        "COMPOSE": str(bin_dir / "compose"),
        "CALLS": str(root / "calls"),
        "HEALTH_TIMEOUT": "5",
    }


def _deploy_tree(root: Path) -> None:
    (root / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "deploy.sh", root / "scripts" / "deploy.sh")
    shutil.copy(REPO / ".env.example", root / ".env.example")


def test_deploy_migrates_before_the_platform_starts_and_waits_on_health(tmp_path: Path) -> None:
    _deploy_tree(tmp_path)
    env = {**_fake_tools(tmp_path), "FAKE_HEALTH": "healthy"}
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "deploy.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr
    calls = [c for c in (tmp_path / "calls").read_text().splitlines() if " ps " not in c]
    steps = [c for c in calls if not c.startswith("docker inspect")]
    assert steps == [
        "docker info",
        "compose build",
        "compose up -d postgres redis",
        "compose run --rm migrate",
        "compose up -d --remove-orphans --scale backend=2",
        "compose exec -T nginx nginx -s reload",
        "compose run --rm --no-deps -T backend python -m app.scripts.create_admin",
    ]


def test_deploy_stops_when_a_service_exits(tmp_path: Path) -> None:
    _deploy_tree(tmp_path)
    env = {**_fake_tools(tmp_path), "FAKE_HEALTH": "exited"}
    result = subprocess.run(
        ["bash", str(tmp_path / "scripts" / "deploy.sh")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert result.returncode != 0 and "postgres stopped" in result.stderr
    assert "compose run --rm migrate" not in (tmp_path / "calls").read_text()
